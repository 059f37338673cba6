package inflate

import "io"

const (
	// inSize is how much input the Reader asks its source for at once.
	inSize = 64 << 10

	// lookbehind input bytes stay before ip when the input buffer is
	// compacted: the bit reader may hold up to 7 of them unconsumed, and
	// alignToByte steps back over those.
	lookbehind = 8

	// tableMargin is the input a block header and its code lengths can
	// take (3+14+19*3+316*14 bits, 563 bytes) and a refill's 8 bytes,
	// rounded up: with that much buffered, readTables never pads.
	tableMargin = 1024

	// codesMargin lets codesStream make progress before it stops for
	// input (it stops with fewer than 8 bytes left).
	codesMargin = 16
)

// Reader states: what the next input is.
const (
	stateHeader = iota // a block header (or the stream's end after a final block)
	stateStored        // the rest of a stored block's bytes
	stateCodes         // Huffman-coded symbols with lt and dt
	stateEnd           // nothing: the final block has ended
)

// Reader decodes a raw deflate stream (RFC 1951) of any length. It reads
// its source in large chunks, so it may read past the stream's end; the
// gzip reader, which needs those bytes, works on its buffer directly.
//
// The output goes to the Decoder's buffer, the last 32 KiB of it kept as
// history; decoding stops between symbols when the buffer fills or input
// runs low, with the state (block type, bytes left of a stored block,
// tables, bit reader) in the Reader.
type Reader struct {
	d   Decoder
	src io.Reader

	// br.in is inBuf[:filled]; br.ip the next unread byte.
	inBuf    [inSize]byte
	br       bitReader
	srcDone  bool  // the source has nothing more to give
	srcErr   error // why, when not io.EOF
	emptyRds int   // consecutive reads that returned nothing

	state  int
	final  bool // the current block is the last
	stored int  // bytes left in the stored block
	lt     *litTable
	dt     *distTable

	// d.buf[rpos:wpos] is decoded and not yet read; d.buf[:wpos] is the
	// output since the start, or at least its last 32 KiB.
	rpos, wpos int
	err        error // sticky: io.EOF at the end, or the failure
}

// NewReader returns a Reader of the raw deflate stream r.
func NewReader(r io.Reader) *Reader {
	z := new(Reader)
	z.Reset(r)
	return z
}

// Reset makes z read a new stream from r, dropping all state.
func (z *Reader) Reset(r io.Reader) {
	z.src = r
	z.br = bitReader{in: z.inBuf[:0]}
	z.srcDone, z.srcErr, z.emptyRds = false, nil, 0
	z.restart()
}

// restart begins a new deflate stream on the input that follows, with an
// empty history.
func (z *Reader) restart() {
	z.state, z.final, z.stored = stateHeader, false, 0
	z.rpos, z.wpos, z.err = 0, 0, nil
}

// Read reads decoded bytes. It returns io.EOF after the final block,
// io.ErrUnexpectedEOF when the input ends before it, the source's error
// when reading fails, or an error describing corrupt data.
func (z *Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for z.rpos == z.wpos {
		if z.err != nil {
			return 0, z.err
		}
		z.step()
	}
	n := copy(p, z.d.buf[z.rpos:z.wpos])
	z.rpos += n
	return n, nil
}

// Close does nothing; it lets a Reader serve as an io.ReadCloser.
func (z *Reader) Close() error { return nil }

// step decodes until the buffer is full, the stream ends, or it fails.
// All output before it has been read.
func (z *Reader) step() {
	if z.wpos > bufSize/2 {
		// Keep the history; one 32 KiB copy per 64 KiB or more of output.
		copy(z.d.buf[:historySize], z.d.buf[z.wpos-historySize:z.wpos])
		z.wpos, z.rpos = historySize, historySize
	}
	for z.wpos < outLimit && z.err == nil {
		switch z.state {
		case stateHeader:
			z.err = z.blockHeader()
		case stateStored:
			z.err = z.storedBytes()
		case stateCodes:
			z.err = z.codes()
		default:
			z.err = io.EOF
		}
	}
}

// blockHeader reads a block's header, and a stored block's lengths or a
// dynamic block's tables; after the final block it ends the stream, with
// the input at the byte that follows it.
func (z *Reader) blockHeader() error {
	br := &z.br
	if z.final {
		if !br.alignToByte() {
			return z.short()
		}
		z.state = stateEnd
		return io.EOF
	}
	z.need(tableMargin)
	br.refill()
	h := br.take(3)
	if br.overrun() {
		return z.short()
	}
	z.final = h&1 != 0
	switch h >> 1 {
	case 0:
		if !br.alignToByte() {
			return z.short()
		}
		if z.need(4) < 4 {
			return z.short()
		}
		n, err := storedLen(br.in[br.ip:])
		if err != nil {
			return err
		}
		br.ip += 4
		z.stored, z.state = n, stateStored
	case 1:
		z.lt, z.dt, z.state = &fixedLit, &fixedDist, stateCodes
	case 2:
		if err := z.d.readTables(br); err != nil {
			if err == errShort {
				return z.short()
			}
			return err
		}
		z.lt, z.dt, z.state = &z.d.lit, &z.d.dist, stateCodes
	default:
		return errBlockType
	}
	return nil
}

// storedBytes copies what it can of a stored block's bytes.
func (z *Reader) storedBytes() error {
	if z.stored == 0 {
		z.state = stateHeader
		return nil
	}
	br := &z.br
	avail := len(br.in) - br.ip
	if avail == 0 {
		if avail = z.need(1); avail == 0 {
			return z.short()
		}
	}
	n := min(z.stored, avail, outLimit-z.wpos)
	copy(z.d.buf[z.wpos:], br.in[br.ip:br.ip+n])
	br.ip += n
	z.wpos += n
	z.stored -= n
	return nil
}

// codes decodes Huffman-coded symbols; with the input's true end
// buffered, it rejects output decoded from the padding past it.
func (z *Reader) codes() error {
	z.need(codesMargin)
	op, end, err := z.d.codesStream(&z.br, z.lt, z.dt, z.wpos, outLimit, !z.srcDone)
	if err == nil && z.br.overrun() {
		err = errShort
	}
	if err != nil {
		if err == errShort {
			return z.short()
		}
		return err
	}
	z.wpos = op
	if end {
		z.state = stateHeader
	}
	return nil
}

// short is the error for input that ends too soon.
func (z *Reader) short() error {
	if z.srcErr != nil {
		return z.srcErr
	}
	return io.ErrUnexpectedEOF
}

// need reads until n bytes (at most inSize-lookbehind) are buffered after
// ip or the source is done, and returns how many are.
func (z *Reader) need(n int) int {
	br := &z.br
	for len(br.in)-br.ip < n && !z.srcDone {
		if free := len(z.inBuf) - len(br.in); free < max(n, inSize/4) {
			from := max(br.ip-lookbehind, 0)
			m := copy(z.inBuf[:], br.in[from:])
			br.in = z.inBuf[:m]
			br.ip -= from
		}
		k, err := z.src.Read(z.inBuf[len(br.in):])
		br.in = z.inBuf[:len(br.in)+k]
		switch {
		case err == io.EOF:
			z.srcDone = true
		case err != nil:
			z.srcDone, z.srcErr = true, err
		case k == 0:
			// As bufio does, give up on a source that keeps returning
			// nothing.
			if z.emptyRds++; z.emptyRds >= 100 {
				z.srcDone, z.srcErr = true, io.ErrNoProgress
			}
		default:
			z.emptyRds = 0
		}
	}
	return len(br.in) - br.ip
}

// inputBytes returns the next n (at most inSize-lookbehind) input bytes,
// valid until the input is next read; the bit reader must be empty, as
// after the stream's end. It fails with io.EOF when the input ends before
// any of them, else io.ErrUnexpectedEOF or the source's error.
func (z *Reader) inputBytes(n int) ([]byte, error) {
	avail := z.need(n)
	if avail < n {
		switch {
		case z.srcErr != nil:
			return nil, z.srcErr
		case avail == 0:
			return nil, io.EOF
		}
		return nil, io.ErrUnexpectedEOF
	}
	br := &z.br
	b := br.in[br.ip : br.ip+n]
	br.ip += n
	return b, nil
}
