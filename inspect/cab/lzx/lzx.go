// Package lzx decodes the LZX compression format as used in Microsoft
// cabinet files: a 32 KiB to 2 MiB sliding window (15 to 21 window bits),
// verbatim, aligned-offset and uncompressed blocks, Huffman trees sent as
// deltas of the previous block's trees through a pretree, three repeated
// match offsets, and E8 call translation.
//
// The cabinet layer hands the decoder one CFDATA block of compressed bytes at
// a time and asks for one output frame (at most 32 KiB) per block. The bit
// stream itself is continuous across blocks: it is a sequence of 16-bit
// little-endian words whose bits are read most significant first, and it is
// realigned to a word boundary at the end of every frame.
package lzx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FrameSize is the largest output frame; every frame but a stream's last is
// exactly this long.
const FrameSize = 32768

const (
	numChars        = 256
	numPrimaryLens  = 7
	numSecondaryLen = 249
	preTreeSymbols  = 20
	alignedSymbols  = 8
	minMatch        = 2
	maxPositionSlot = 50
	maxMainSymbols  = numChars + 8*maxPositionSlot

	blockVerbatim     = 1
	blockAligned      = 2
	blockUncompressed = 3

	// maxPadBits is how far past the end of the input the decoder may read
	// zero bits. Encoders do not always flush the last word of a stream.
	maxPadBits = 16
)

var (
	// extraBits[slot] is the number of footer bits of a match offset in slot.
	extraBits [maxPositionSlot]uint8
	// positionBase[slot] is the smallest formatted offset of slot.
	positionBase [maxPositionSlot]uint32
)

func init() {
	base := uint32(0)
	for slot := 0; slot < maxPositionSlot; slot++ {
		e := slot/2 - 1
		if e < 0 {
			e = 0
		}
		if e > 17 {
			e = 17
		}
		extraBits[slot] = uint8(e)
		positionBase[slot] = base
		base += 1 << e
	}
}

// positionSlots is the number of match position slots for each window size.
func positionSlots(windowBits int) int {
	switch windowBits {
	case 20:
		return 42
	case 21:
		return 50
	default:
		return windowBits * 2
	}
}

// FormatError is an invalid LZX stream. Off is the byte offset in the
// compressed stream (all input blocks concatenated) near which the decoder
// stopped.
type FormatError = formaterr.Error

// layer spells LZX errors as "lzx: message (input offset 123)".
var layer = &formaterr.Layer{Name: "lzx", Decimal: true, OffsetAfter: true}

// streamError is raised inside the decoder and given its offset on the way
// out.
type streamError string

func (e streamError) Error() string { return string(e) }

func errorf(format string, args ...any) error {
	return streamError(fmt.Sprintf(format, args...))
}

// Decoder decodes one LZX stream (one cabinet folder).
type Decoder struct {
	windowBits int
	slots      int
	window     []byte
	mask       int
	wpos       int   // next write position in window
	frameStart int   // window position of the current frame
	total      int64 // bytes produced so far
	frames     int64

	r0, r1, r2 uint32

	// Bit reader. buf holds nbits bits, left-aligned (the next bit is bit 63).
	buf     uint64
	nbits   uint
	in      []byte // current input, pos is the next unread byte
	pos     int
	inBase  int64 // stream offset of in[0]
	next    func() ([]byte, error)
	eof     bool
	padBits uint // zero bits appended after the end of the input
	inBuf   []byte

	headerRead bool
	e8Size     int32 // E8 translation size; 0 = translation off

	blockType      int
	blockLen       int
	blockRemaining int

	mainLens    [maxMainSymbols]uint8
	lengthLens  [numSecondaryLen]uint8
	alignedLens [alignedSymbols]uint8
	preLens     [preTreeSymbols]uint8
	mainTree    *huffman
	lengthTree  *huffman
	alignedTree *huffman
	preTree     *huffman

	out [FrameSize]byte // E8-translated copy of the current frame
}

// NewDecoder returns a decoder with a window of 1<<windowBits bytes. next
// supplies the compressed input a block at a time and returns io.EOF at the
// end; other errors from next are returned unchanged by Frame.
func NewDecoder(windowBits int, next func() ([]byte, error)) (*Decoder, error) {
	d := &Decoder{
		mainTree:    newHuffman(11, maxMainSymbols),
		lengthTree:  newHuffman(10, numSecondaryLen),
		alignedTree: newHuffman(7, alignedSymbols),
		preTree:     newHuffman(8, preTreeSymbols),
	}
	return d, d.Reset(windowBits, next)
}

// Reset prepares d for a new stream, reusing its memory when it can.
func (d *Decoder) Reset(windowBits int, next func() ([]byte, error)) error {
	if windowBits < 15 || windowBits > 21 {
		return &FormatError{Msg: fmt.Sprintf("window size 2^%d outside 2^15..2^21", windowBits)}
	}
	size := 1 << windowBits
	if cap(d.window) < size {
		d.window = make([]byte, size)
	}
	d.window = d.window[:size]
	d.windowBits = windowBits
	d.slots = positionSlots(windowBits)
	d.mask = size - 1
	d.wpos, d.total, d.frames = 0, 0, 0
	d.r0, d.r1, d.r2 = 1, 1, 1
	d.buf, d.nbits = 0, 0
	d.in, d.pos, d.inBase = nil, 0, 0
	d.next = next
	d.eof = false
	d.padBits = 0
	d.headerRead = false
	d.e8Size = 0
	d.blockType, d.blockLen, d.blockRemaining = 0, 0, 0
	d.mainLens = [maxMainSymbols]uint8{}
	d.lengthLens = [numSecondaryLen]uint8{}
	return nil
}

// Close drops the decoder's references to its input so that it can be kept
// for reuse; Reset makes it usable again.
func (d *Decoder) Close() {
	d.next, d.in, d.pos = nil, nil, 0
}

// InputOffset is the stream offset of the next unread input byte, counting
// bytes already buffered in the bit reader as unread.
func (d *Decoder) InputOffset() int64 {
	return d.inBase + int64(d.pos) - int64(d.nbits/8)
}

func (d *Decoder) fail(err error) error {
	var se streamError
	if errors.As(err, &se) {
		return &FormatError{In: layer, Off: d.InputOffset(), Msg: string(se)}
	}
	return err
}

// Frame decodes the next n bytes of output (1 <= n <= FrameSize; only the
// stream's last frame may be shorter than FrameSize). The returned slice is
// valid until the next call.
func (d *Decoder) Frame(n int) ([]byte, error) {
	if n <= 0 || n > FrameSize {
		return nil, &FormatError{In: layer, Off: d.InputOffset(), Msg: fmt.Sprintf("frame size %d outside 1..%d", n, FrameSize)}
	}
	if d.wpos+n > len(d.window) {
		return nil, &FormatError{In: layer, Off: d.InputOffset(), Msg: "frame crosses the end of the window (short frame before the last)"}
	}
	start := d.wpos
	if err := d.decodeFrame(start + n); err != nil {
		return nil, d.fail(err)
	}
	if d.padBits > d.nbits && d.padBits-d.nbits > maxPadBits {
		return nil, d.fail(errorf("input ends %d bits before the frame does", d.padBits-d.nbits))
	}
	// Realign to a 16-bit word: the encoder pads every frame.
	d.drop(d.nbits & 15)
	frame := d.window[start : start+n]
	frameOffset := d.total
	d.total += int64(n)
	d.frames++
	if d.wpos == len(d.window) {
		d.wpos = 0
	}
	if d.e8Size != 0 && d.frames <= 32768 && n > 10 {
		out := d.out[:n]
		copy(out, frame)
		translateE8(out, int32(frameOffset), d.e8Size)
		return out, nil
	}
	return frame, nil
}

// translateE8 undoes the encoder's conversion of the relative targets of x86
// CALL instructions (opcode E8) into absolute ones. Only the first n-10 bytes
// of a frame are examined.
func translateE8(b []byte, offset int32, size int32) {
	limit := len(b) - 10
	for i := 0; i < limit; {
		j := bytes.IndexByte(b[i:limit], 0xE8)
		if j < 0 {
			return
		}
		i += j
		cur := offset + int32(i)
		abs := int32(binary.LittleEndian.Uint32(b[i+1:]))
		if abs >= -cur && abs < size {
			rel := abs + size
			if abs >= 0 {
				rel = abs - cur
			}
			binary.LittleEndian.PutUint32(b[i+1:], uint32(rel))
		}
		i += 5
	}
}

// more appends input: the next block from next, or zero padding at the end.
func (d *Decoder) more() error {
	if !d.eof {
		chunk, err := d.next()
		if err == nil {
			d.inBase += int64(d.pos)
			buf := append(d.inBuf[:0], d.in[d.pos:]...)
			buf = append(buf, chunk...)
			d.inBuf = buf
			d.in, d.pos = buf, 0
			d.fill()
			return nil
		}
		if err != io.EOF {
			return err
		}
		d.eof = true
	}
	if d.nbits > 48 {
		return nil
	}
	if d.padBits >= 4*maxPadBits {
		return errorf("input ends early")
	}
	// An odd final byte is the high half of nothing: treat it as the low
	// byte of a word whose high byte is missing.
	var w uint64
	if d.pos < len(d.in) {
		w = uint64(d.in[d.pos])
		d.pos++
	}
	d.buf |= w << (48 - d.nbits)
	d.nbits += 16
	d.padBits += 16
	return nil
}

// fill loads whole words from the current input until buf holds more than 48
// bits or the input runs out.
func (d *Decoder) fill() {
	for d.nbits <= 48 && d.pos+2 <= len(d.in) {
		w := uint64(d.in[d.pos]) | uint64(d.in[d.pos+1])<<8
		d.buf |= w << (48 - d.nbits)
		d.nbits += 16
		d.pos += 2
	}
}

// ensure makes at least n (<= 48) bits available.
func (d *Decoder) ensure(n uint) error {
	if d.nbits >= n {
		return nil
	}
	d.fill()
	for d.nbits < n {
		if err := d.more(); err != nil {
			return err
		}
	}
	return nil
}

func (d *Decoder) drop(n uint) {
	d.buf <<= n
	d.nbits -= n
}

func (d *Decoder) bits(n uint) (uint32, error) {
	if n == 0 {
		return 0, nil
	}
	if err := d.ensure(n); err != nil {
		return 0, err
	}
	v := uint32(d.buf >> (64 - n))
	d.drop(n)
	return v, nil
}

// symbol decodes one symbol of h.
func (d *Decoder) symbol(h *huffman) (uint32, error) {
	if d.nbits < maxCodeLen {
		d.fill()
	}
	for {
		if h.empty {
			return 0, errorf("symbol from an empty Huffman tree")
		}
		e := h.table[d.buf>>(64-h.tableBits)]
		sym, l := e>>5, uint(e&31)
		if l == 0 {
			sym, l = h.slow(d.buf)
			if l == 0 {
				if d.nbits >= maxCodeLen {
					return 0, errorf("invalid Huffman code")
				}
				if err := d.more(); err != nil {
					return 0, err
				}
				continue
			}
		}
		if l > d.nbits {
			if err := d.more(); err != nil {
				return 0, err
			}
			continue
		}
		d.drop(l)
		return sym, nil
	}
}

// readLengths reads code lengths for lens[first:last] through a fresh
// pretree, as deltas of their previous values.
func (d *Decoder) readLengths(lens []uint8) error {
	for i := range d.preLens {
		v, err := d.bits(4)
		if err != nil {
			return err
		}
		d.preLens[i] = uint8(v)
	}
	if err := d.preTree.build(d.preLens[:]); err != nil {
		return err
	}
	for i := 0; i < len(lens); {
		code, err := d.symbol(d.preTree)
		if err != nil {
			return err
		}
		switch {
		case code <= 16:
			lens[i] = uint8((int(lens[i]) - int(code) + 17) % 17)
			i++
		case code == 17 || code == 18:
			var run uint32
			if code == 17 {
				run, err = d.bits(4)
				run += 4
			} else {
				run, err = d.bits(5)
				run += 20
			}
			if err != nil {
				return err
			}
			if i+int(run) > len(lens) {
				return errorf("code length run past the end of the tree")
			}
			clear(lens[i : i+int(run)])
			i += int(run)
		case code == 19:
			run, err := d.bits(1)
			if err != nil {
				return err
			}
			run += 4
			c, err := d.symbol(d.preTree)
			if err != nil {
				return err
			}
			if c > 16 {
				return errorf("invalid pretree code %d in a same-length run", c)
			}
			if i+int(run) > len(lens) {
				return errorf("code length run past the end of the tree")
			}
			v := uint8((int(lens[i]) - int(c) + 17) % 17)
			for k := 0; k < int(run); k++ {
				lens[i+k] = v
			}
			i += int(run)
		default:
			return errorf("invalid pretree code %d", code)
		}
	}
	return nil
}

// readBlockHeader starts a new block.
func (d *Decoder) readBlockHeader() error {
	if d.blockType == blockUncompressed && d.blockLen&1 == 1 {
		// An odd-sized uncompressed block is followed by one pad byte.
		if err := d.readRaw(nil, 1); err != nil {
			return err
		}
	}
	t, err := d.bits(3)
	if err != nil {
		return err
	}
	hi, err := d.bits(16)
	if err != nil {
		return err
	}
	lo, err := d.bits(8)
	if err != nil {
		return err
	}
	d.blockType = int(t)
	d.blockLen = int(hi<<8 | lo)
	d.blockRemaining = d.blockLen
	switch d.blockType {
	case blockAligned:
		for i := range d.alignedLens {
			v, err := d.bits(3)
			if err != nil {
				return err
			}
			d.alignedLens[i] = uint8(v)
		}
		if err := d.alignedTree.build(d.alignedLens[:]); err != nil {
			return errorf("aligned offset tree: %v", err)
		}
		fallthrough
	case blockVerbatim:
		if err := d.readLengths(d.mainLens[:numChars]); err != nil {
			return errorf("main tree: %v", err)
		}
		mainSize := numChars + 8*d.slots
		if err := d.readLengths(d.mainLens[numChars:mainSize]); err != nil {
			return errorf("main tree: %v", err)
		}
		if err := d.mainTree.build(d.mainLens[:mainSize]); err != nil {
			return errorf("main tree: %v", err)
		}
		if err := d.readLengths(d.lengthLens[:]); err != nil {
			return errorf("length tree: %v", err)
		}
		if err := d.lengthTree.build(d.lengthLens[:]); err != nil {
			return errorf("length tree: %v", err)
		}
	case blockUncompressed:
		// 1 to 16 bits of padding reach the next word boundary; the
		// buffered whole words are then read back as bytes.
		if d.nbits == 0 {
			if err := d.ensure(16); err != nil {
				return err
			}
		}
		if d.nbits&15 != 0 {
			d.drop(d.nbits & 15)
		} else {
			d.drop(16)
		}
		var r [12]byte
		if err := d.readRaw(r[:], 12); err != nil {
			return err
		}
		d.r0 = binary.LittleEndian.Uint32(r[0:])
		d.r1 = binary.LittleEndian.Uint32(r[4:])
		d.r2 = binary.LittleEndian.Uint32(r[8:])
	default:
		return errorf("invalid block type %d", d.blockType)
	}
	return nil
}

// readRaw reads n bytes at the byte level into dst (or discards them when
// dst is nil), after returning the whole words still held by the bit reader
// to the input.
func (d *Decoder) readRaw(dst []byte, n int) error {
	d.drop(d.nbits & 15)
	d.unbufferWords()
	for n > 0 {
		if d.pos >= len(d.in) {
			if d.eof {
				return errorf("uncompressed data runs past the end of the input")
			}
			if err := d.more(); err != nil {
				return err
			}
			d.unbufferWords()
			continue
		}
		k := min(n, len(d.in)-d.pos)
		if dst != nil {
			copy(dst, d.in[d.pos:d.pos+k])
			dst = dst[k:]
		}
		d.pos += k
		n -= k
	}
	return nil
}

// unbufferWords returns whole words held in buf to the input so that byte
// reads continue from the right place. buf must hold whole words only.
func (d *Decoder) unbufferWords() {
	if d.nbits == 0 {
		return
	}
	real := d.nbits
	if d.padBits > 0 {
		if d.padBits >= real {
			real = 0
		} else {
			real -= d.padBits
		}
		d.padBits = 0
	}
	back := int(real / 8)
	if back > d.pos {
		// Words from a previous input block: rebuild them in front.
		pre := make([]byte, 0, back+len(d.in)-d.pos)
		for b := d.buf; len(pre) < back; b <<= 16 {
			w := uint16(b >> 48)
			pre = append(pre, byte(w), byte(w>>8))
		}
		pre = append(pre[:back], d.in[d.pos:]...)
		d.inBase += int64(d.pos) - int64(back)
		d.in, d.pos = pre, 0
	} else {
		d.pos -= back
	}
	d.buf, d.nbits = 0, 0
}

// decodeFrame decodes output until the window position reaches end.
func (d *Decoder) decodeFrame(end int) error {
	if !d.headerRead {
		d.headerRead = true
		flag, err := d.bits(1)
		if err != nil {
			return err
		}
		if flag == 1 {
			hi, err := d.bits(16)
			if err != nil {
				return err
			}
			lo, err := d.bits(16)
			if err != nil {
				return err
			}
			d.e8Size = int32(hi<<16 | lo)
		}
	}
	d.frameStart = d.wpos
	for d.wpos < end {
		if d.blockRemaining == 0 {
			if err := d.readBlockHeader(); err != nil {
				return err
			}
			continue
		}
		run := min(d.blockRemaining, end-d.wpos)
		if d.blockType == blockUncompressed {
			if err := d.readRaw(d.window[d.wpos:d.wpos+run], run); err != nil {
				return err
			}
			d.wpos += run
		} else if err := d.decodeRun(d.wpos + run); err != nil {
			return err
		}
		d.blockRemaining -= run
	}
	return nil
}

// history is the number of bytes before window position pos that a match
// may reach back to.
func (d *Decoder) history(pos int) int {
	h := d.total + int64(pos-d.frameStart)
	if h > int64(len(d.window)) {
		return len(d.window)
	}
	return int(h)
}

// copyMatch copies a match of length bytes from offset bytes back to wpos.
func copyMatch(window []byte, mask, wpos, offset, length int) {
	src := (wpos - offset) & mask
	if src+length <= len(window) && (src > wpos || wpos-src >= length) {
		copy(window[wpos:wpos+length], window[src:src+length])
		return
	}
	if src < wpos && src+length <= wpos+length && offset < length && src+length <= len(window) {
		// Overlapping forward copy: the match repeats its first offset
		// bytes; copy in growing chunks.
		dst := window[wpos : wpos+length]
		n := copy(dst, window[src:wpos])
		for n < length {
			n += copy(dst[n:], dst[:n])
		}
		return
	}
	for i := 0; i < length; i++ {
		window[wpos+i] = window[(src+i)&mask]
	}
}

// decodeRun decodes literals and matches of a verbatim or aligned block until
// the window position reaches end. No match may cross end.
func (d *Decoder) decodeRun(end int) error {
	if d.mainTree.empty {
		return errorf("main tree has no codes")
	}
	var (
		window  = d.window
		mask    = d.mask
		wpos    = d.wpos
		aligned = d.blockType == blockAligned
		mt      = d.mainTree
		lt      = d.lengthTree
		at      = d.alignedTree
		mtab    = mt.table
		mshift  = 64 - mt.tableBits
		r0, r1  = d.r0, d.r1
		r2      = d.r2
		buf     = d.buf
		nbits   = d.nbits
		in      = d.in
		pos     = d.pos
		// fullHistory is set once matches can reach the whole window.
		fullHistory = d.history(wpos) == len(window)
	)
	for wpos < end {
		if pos+8 > len(in) {
			// Near the end of the input block: one symbol through the
			// careful path, which may pull the next block.
			d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
			d.r0, d.r1, d.r2 = r0, r1, r2
			if err := d.decodeOne(end); err != nil {
				return err
			}
			buf, nbits, in, pos, wpos = d.buf, d.nbits, d.in, d.pos, d.wpos
			r0, r1, r2 = d.r0, d.r1, d.r2
			continue
		}
		if nbits < 32 {
			buf |= uint64(rotWords(binary.LittleEndian.Uint32(in[pos:]))) << (32 - nbits)
			nbits += 32
			pos += 4
		}
		e := mtab[buf>>mshift]
		sym, l := e>>5, uint(e&31)
		if l == 0 {
			if sym, l = mt.slow(buf); l == 0 {
				d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
				return errorf("invalid main tree code")
			}
		}
		buf <<= l
		nbits -= l
		if sym < numChars {
			window[wpos] = byte(sym)
			wpos++
			continue
		}
		sym -= numChars
		length := int(sym&7) + minMatch
		slot := sym >> 3
		if sym&7 == numPrimaryLens {
			if lt.empty {
				d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
				return errorf("match length from an empty length tree")
			}
			e := lt.table[buf>>(64-lt.tableBits)]
			ls, ll := e>>5, uint(e&31)
			if ll == 0 {
				if ls, ll = lt.slow(buf); ll == 0 {
					d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
					return errorf("invalid length tree code")
				}
			}
			buf <<= ll
			nbits -= ll
			length += int(ls)
		}
		var offset uint32
		switch slot {
		case 0:
			offset = r0
		case 1:
			offset = r1
			r1 = r0
			r0 = offset
		case 2:
			offset = r2
			r2 = r0
			r0 = offset
		default:
			if nbits < 32 {
				buf |= uint64(rotWords(binary.LittleEndian.Uint32(in[pos:]))) << (32 - nbits)
				nbits += 32
				pos += 4
			}
			extra := uint(extraBits[slot])
			offset = positionBase[slot] - 2
			if aligned && extra >= 3 {
				if v := extra - 3; v > 0 {
					offset += uint32(buf>>(64-v)) << 3
					buf <<= v
					nbits -= v
				}
				e := at.table[buf>>(64-at.tableBits)]
				al := uint(e & 31)
				if al == 0 {
					d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
					return errorf("invalid aligned offset tree code")
				}
				offset += e >> 5
				buf <<= al
				nbits -= al
			} else if extra > 0 {
				offset += uint32(buf >> (64 - extra))
				buf <<= extra
				nbits -= extra
			}
			r2 = r1
			r1 = r0
			r0 = offset
		}
		if length > end-wpos {
			d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
			return errorf("match of %d bytes crosses the end of the block or frame", length)
		}
		if offset == 0 || offset > uint32(len(window)) || (!fullHistory && int(offset) > d.history(wpos)) {
			d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
			return errorf("match offset %d reaches before the start of the data", offset)
		}
		if src := wpos - int(offset); src >= 0 && int(offset) >= length {
			copy(window[wpos:wpos+length], window[src:src+length])
		} else {
			copyMatch(window, mask, wpos, int(offset), length)
		}
		wpos += length
	}
	d.buf, d.nbits, d.pos, d.wpos = buf, nbits, pos, wpos
	d.r0, d.r1, d.r2 = r0, r1, r2
	return nil
}

// rotWords turns two little-endian words read as one little-endian uint32
// into stream order (first word in the high half).
func rotWords(x uint32) uint32 { return x<<16 | x>>16 }

// decodeOne decodes one literal or match through the bounds-checked bit
// reader methods, used near the end of an input block.
func (d *Decoder) decodeOne(end int) error {
	sym, err := d.symbol(d.mainTree)
	if err != nil {
		return err
	}
	if sym < numChars {
		d.window[d.wpos] = byte(sym)
		d.wpos++
		return nil
	}
	sym -= numChars
	length := int(sym&7) + minMatch
	slot := sym >> 3
	if sym&7 == numPrimaryLens {
		ls, err := d.symbol(d.lengthTree)
		if err != nil {
			return err
		}
		length += int(ls)
	}
	var offset uint32
	switch slot {
	case 0:
		offset = d.r0
	case 1:
		offset = d.r1
		d.r1 = d.r0
		d.r0 = offset
	case 2:
		offset = d.r2
		d.r2 = d.r0
		d.r0 = offset
	default:
		extra := uint(extraBits[slot])
		offset = positionBase[slot] - 2
		if d.blockType == blockAligned && extra >= 3 {
			v, err := d.bits(extra - 3)
			if err != nil {
				return err
			}
			a, err := d.symbol(d.alignedTree)
			if err != nil {
				return err
			}
			offset += v<<3 + a
		} else {
			v, err := d.bits(extra)
			if err != nil {
				return err
			}
			offset += v
		}
		d.r2 = d.r1
		d.r1 = d.r0
		d.r0 = offset
	}
	if length > end-d.wpos {
		return errorf("match of %d bytes crosses the end of the block or frame", length)
	}
	if offset == 0 || int(offset) > d.history(d.wpos) {
		return errorf("match offset %d reaches before the start of the data", offset)
	}
	copyMatch(d.window, d.mask, d.wpos, int(offset), length)
	d.wpos += length
	return nil
}
