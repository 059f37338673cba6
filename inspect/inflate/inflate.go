// Package inflate decodes deflate data (RFC 1951), about twice as fast as
// the general decoders on the binaries installers hold: Decoder the way
// MSZIP cabinets hold it (one deflate stream per data block, each producing
// a declared number of bytes, whose matches may reach back into the
// previous 32 KiB of the folder's output), Reader a raw deflate stream of
// any length (zip entries), GzipReader gzip members (pkg payloads).
//
// Decoder writes straight into one buffer that holds the history followed
// by the new block, so the history is neither copied in as a dictionary
// nor the output copied out; the last 32 KiB slide to the front only when
// the buffer fills. Every input is untrusted: corrupt data is an error,
// never a panic or a write out of bounds, and the fuzz targets compare
// every result with compress/flate's and compress/gzip's.
package inflate

import "encoding/binary"

const (
	// MaxBlockSize is the most output one Decode call may be asked for: a
	// cabinet data block's 32 KiB plus the 6 KiB its format allows beyond.
	MaxBlockSize = 32768 + 6144

	// historySize is how far back a match may reach.
	historySize = 32768

	// slack past a block's end: the hot loop checks the output's end once
	// per pass, and a pass begun at the block's end may write two literals
	// and a 258-byte match copied in 8-byte words (7 bytes past it) before
	// codes sees the block is too long.
	slack = 258 + 16

	// bufSize holds the history and two or three blocks: the history
	// slides (a 32 KiB copy) once every two blocks or so, and a decoder
	// stays as small as the one it replaced.
	bufSize = 1 << 17
	bufMask = bufSize - 1
)

// Decoder decodes a sequence of MSZIP-style blocks. The zero value is
// ready to use and has an empty history.
type Decoder struct {
	// buf[:pos] is the output since Reset, or (after sliding) at least
	// its last 32 KiB; any of it may be the target of a match. The hot
	// loop indexes it masked with bufMask, which changes no index in
	// use (all stay below bufSize-slack) but lets the compiler drop
	// bounds checks; the 8 bytes past bufSize cover a word access at a
	// masked index.
	buf [bufSize + 8]byte
	pos int

	lit     litTable
	dist    distTable
	pre     preTable
	lens    [maxLitCodes + maxDistCodes]uint8
	scratch scratch
}

// Reset empties the history, as at the start of a folder.
func (d *Decoder) Reset() {
	d.pos = 0
}

// Decode decodes src, a raw deflate stream (every deflate block up to the
// one marked final), which must produce exactly n bytes. The returned
// slice is valid until the next call. Bytes after the final deflate block
// are ignored. After an error the history is as before the call.
func (d *Decoder) Decode(src []byte, n int) ([]byte, error) {
	if n < 0 || n > MaxBlockSize {
		return nil, errSize
	}
	if d.pos+n+slack > bufSize {
		copy(d.buf[:historySize], d.buf[d.pos-historySize:d.pos])
		d.pos = historySize
	}
	start, end := d.pos, d.pos+n
	op := start
	br := bitReader{in: src}
	for {
		br.refill()
		if br.overrun() {
			return nil, errShort
		}
		header := br.take(3)
		var err error
		switch header >> 1 {
		case 0:
			op, err = d.stored(&br, op, end)
		case 1:
			op, err = d.codes(&br, &fixedLit, &fixedDist, op, end)
		case 2:
			if err = d.readTables(&br); err == nil {
				op, err = d.codes(&br, &d.lit, &d.dist, op, end)
			}
		default:
			err = errBlockType
		}
		if err != nil {
			return nil, err
		}
		if header&1 != 0 {
			break
		}
	}
	if br.overrun() || op != end {
		return nil, errShort
	}
	d.pos = end
	return d.buf[start:end:end], nil
}

// stored copies a stored block's bytes to d.buf[op:end].
func (d *Decoder) stored(br *bitReader, op, end int) (int, error) {
	if !br.alignToByte() {
		return 0, errShort
	}
	in := br.in[br.ip:]
	if len(in) < 4 {
		return 0, errShort
	}
	n, err := storedLen(in)
	if err != nil {
		return 0, err
	}
	in = in[4:]
	if n > end-op {
		return 0, errLong
	}
	if n > len(in) {
		return 0, errShort
	}
	copy(d.buf[op:], in[:n])
	br.ip += 4 + n
	return op + n, nil
}

// storedLen reads the LEN and NLEN that open a stored block (in holds at
// least 4 bytes): the block's length, or errStoredLen when NLEN is not
// LEN's complement.
func storedLen(in []byte) (int, error) {
	n := binary.LittleEndian.Uint16(in)
	if n != ^binary.LittleEndian.Uint16(in[2:]) {
		return 0, errStoredLen
	}
	return int(n), nil
}

// codeLengthOrder is the order in which a dynamic block sends the code
// lengths of the code length code.
var codeLengthOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// readTables reads a dynamic block's code lengths and builds d.lit and
// d.dist from them.
func (d *Decoder) readTables(br *bitReader) error {
	br.refill()
	nlit := int(br.take(5)) + 257
	ndist := int(br.take(5)) + 1
	nclen := int(br.take(4)) + 4
	if nlit > maxLitCodes || ndist > maxDistCodes {
		return errTooManyCodes
	}
	var clens [19]uint8
	for _, sym := range codeLengthOrder[:nclen] {
		if br.nb < 3 {
			br.refill()
		}
		clens[sym] = uint8(br.take(3))
	}
	if err := buildTable(d.pre[:], preRootBits, clens[:], preTemplates[:], &d.scratch); err != nil {
		return err
	}

	lens := d.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		if br.nb < 2*preRootBits {
			br.refill()
			if br.overrun() {
				return errShort
			}
		}
		e := d.pre[br.bits&preMask]
		if e&entryBad != 0 {
			return errPreSymbol
		}
		br.take(uint(e & 0xff))
		var rep int
		var val uint8
		switch sym := e >> 16; sym {
		case 16:
			if i == 0 {
				return errRepeatFirst
			}
			val = lens[i-1]
			rep = 3 + int(br.take(2))
		case 17:
			rep = 3 + int(br.take(3))
		case 18:
			rep = 11 + int(br.take(7))
		default:
			lens[i] = uint8(sym)
			i++
			continue
		}
		if rep > len(lens)-i {
			return errRepeatPast
		}
		for range rep {
			lens[i] = val
			i++
		}
	}
	if br.overrun() {
		return errShort
	}
	if lens[endOfBlock] == 0 {
		return errNoEnd
	}
	if err := buildTable(d.lit[:], litRootBits, lens[:nlit], litTemplates[:], &d.scratch); err != nil {
		return err
	}
	return buildTable(d.dist[:], distRootBits, lens[nlit:], distTemplates[:], &d.scratch)
}
