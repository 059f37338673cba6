package pbzx

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/ulikunitz/xz"
)

// XZMagic starts every xz stream.
var XZMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}

// DefaultMaxDict is the largest LZMA2 dictionary NewXZReader accepts when
// the caller gives none. xz -9 uses 64 MiB; Apple's pbzx chunks use 8 MiB.
const DefaultMaxDict = 64 << 20

// NewXZReader returns a decoder for the xz stream r. The xz decoder
// allocates the dictionary each block declares (up to 4 GiB) before it
// decodes a byte of that block, so an untrusted stream must not choose it:
// every block's dictionary is checked against maxDict as the block header
// passes (see xzGuard), and errors name the block's offset in the stream.
func NewXZReader(r io.Reader, maxDict int64) (io.Reader, error) {
	if maxDict <= 0 {
		maxDict = DefaultMaxDict
	}
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(12 + 1024)
	dict, err := firstBlockDict(head)
	if err != nil {
		return nil, err
	}
	if dict > maxDict {
		return nil, fmt.Errorf("xz: dictionary of %d bytes exceeds limit %d", dict, maxDict)
	}
	capDict := max(dict, 4096)
	g := &xzGuard{src: br, maxDict: maxDict, minDict: capDict}
	cfg := xz.ReaderConfig{DictCap: int(capDict)}
	return cfg.NewReader(g)
}

// firstBlockDict returns the LZMA2 dictionary size of the first block of the
// xz stream whose first bytes are head, or 0 when the stream has no block.
func firstBlockDict(head []byte) (int64, error) {
	if len(head) < 12 || !bytes.Equal(head[:6], XZMagic) {
		return 0, fmt.Errorf("xz: bad stream header")
	}
	b := head[12:]
	if len(b) < 1 {
		return 0, fmt.Errorf("xz: truncated after stream header")
	}
	if b[0] == 0 { // index indicator: a stream without blocks
		return 0, nil
	}
	size := (int(b[0]) + 1) * 4
	if len(b) < size {
		return 0, fmt.Errorf("xz: block header of %d bytes truncated", size)
	}
	d, err := blockDict(b[:size])
	if err != nil {
		return 0, fmt.Errorf("xz: %w", err)
	}
	return d, nil
}

// blockDict returns the LZMA2 dictionary size that the block header h (size
// byte through CRC32) declares.
func blockDict(b []byte) (int64, error) {
	h := b[1 : len(b)-4] // without size byte and CRC32
	flags := h[0]
	h = h[1:]
	nfilters := int(flags&3) + 1
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && len(h) > 0; i++ {
			c := h[0]
			h = h[1:]
			v |= uint64(c&0x7F) << (7 * i)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := varint(); !ok {
			return 0, fmt.Errorf("bad compressed size in block header")
		}
	}
	if flags&0x80 != 0 {
		if _, ok := varint(); !ok {
			return 0, fmt.Errorf("bad uncompressed size in block header")
		}
	}
	for i := 0; i < nfilters; i++ {
		id, ok1 := varint()
		psize, ok2 := varint()
		if !ok1 || !ok2 || psize > uint64(len(h)) {
			return 0, fmt.Errorf("bad filter flags in block header")
		}
		props := h[:psize]
		h = h[psize:]
		if id == 0x21 {
			if len(props) != 1 || props[0] > 40 {
				return 0, fmt.Errorf("bad LZMA2 properties")
			}
			d := props[0]
			if d == 40 {
				return 0xFFFFFFFF, nil
			}
			return int64(2|d&1) << (d/2 + 11), nil
		}
	}
	return 0, fmt.Errorf("block has no LZMA2 filter")
}

// xzGuard sits between an xz stream and the decoder and follows the stream's
// framing (stream headers, block headers, LZMA2 chunk headers, index,
// footer, padding) as the bytes pass, so that it sees every block header
// before the decoder does. ulikunitz/xz treats ReaderConfig.DictCap as a
// minimum and allocates whatever larger dictionary a block declares, for
// every block anew; the guard refuses a block whose dictionary exceeds
// maxDict, and a stream whose blocks together allocate far more dictionary
// than they decode (many tiny blocks, each with a large dictionary).
// Anything it does not understand is passed on unchanged for the decoder to
// reject.
type xzGuard struct {
	src     *bufio.Reader
	off     int64 // stream offset of the next byte taken from src
	maxDict int64
	minDict int64 // the decoder's configured DictCap: every block allocates at least this

	state   int
	pend    []byte // validated framing bytes not yet handed out
	pass    int64  // bytes to pass through unchanged before the next framing element
	check   int64  // size of the current stream's check field
	blocks  int64  // blocks of the current stream
	packed  int64  // compressed bytes of the current block (chunks)
	dicts   int64  // dictionary bytes allocated so far
	decoded int64  // uncompressed bytes declared by the chunks so far
	err     error
}

const (
	xzStreamHeader = iota
	xzBlockOrIndex
	xzChunk
	xzBlockEnd
	xzFooter
	xzPadding
	xzOpaque
)

func (g *xzGuard) Read(p []byte) (int, error) {
	for len(g.pend) == 0 && g.pass == 0 {
		if g.err != nil {
			return 0, g.err
		}
		g.next()
	}
	if len(g.pend) > 0 {
		n := copy(p, g.pend)
		g.pend = g.pend[n:]
		return n, nil
	}
	if int64(len(p)) > g.pass {
		p = p[:g.pass]
	}
	n, err := g.src.Read(p)
	g.off += int64(n)
	g.pass -= int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// take reads n framing bytes into pend and returns them; short at the end of
// the input, after which the guard passes what it has and then io.EOF.
func (g *xzGuard) take(n int) []byte {
	start := len(g.pend)
	buf := append(g.pend, make([]byte, n)...)
	k, err := io.ReadFull(g.src, buf[start:])
	g.off += int64(k)
	g.pend = buf[:start+k]
	if err != nil {
		g.err = io.EOF
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			g.err = err
		}
		return nil
	}
	return g.pend[start:]
}

func (g *xzGuard) fail(format string, args ...any) {
	g.pend, g.pass = nil, 0
	g.err = fmt.Errorf(format, args...)
}

func (g *xzGuard) next() {
	at := g.off
	switch g.state {
	case xzStreamHeader:
		h := g.take(12)
		if h == nil {
			return
		}
		if !bytes.Equal(h[:6], XZMagic) {
			g.state, g.pass = xzOpaque, 1<<62
			return
		}
		g.check = xzCheckSize(h[7] & 0x0F)
		g.blocks = 0
		g.state = xzBlockOrIndex
	case xzBlockOrIndex:
		b := g.take(1)
		if b == nil {
			return
		}
		if b[0] == 0 {
			g.index()
			return
		}
		h := g.take(int(b[0])*4 + 3)
		if h == nil {
			return
		}
		dict, err := blockDict(append([]byte{b[0]}, h...))
		if err != nil {
			g.fail("xz: block header at offset %d: %v", at, err)
			return
		}
		alloc := max(dict, g.minDict)
		if dict > g.maxDict {
			g.fail("xz: block at offset %d declares a dictionary of %d bytes, more than the limit of %d", at, dict, g.maxDict)
			return
		}
		g.dicts += alloc
		if g.dicts > 2*g.maxDict+64*g.decoded {
			g.fail("xz: block at offset %d: the stream's blocks allocate %d bytes of dictionaries for %d decoded bytes", at, g.dicts, g.decoded)
			return
		}
		g.blocks++
		g.packed = 0
		g.state = xzChunk
	case xzChunk:
		b := g.take(1)
		if b == nil {
			return
		}
		c := b[0]
		switch {
		case c == 0:
			g.packed++
			g.state = xzBlockEnd
		case c == 1 || c == 2:
			h := g.take(2)
			if h == nil {
				return
			}
			n := int64(h[0])<<8 | int64(h[1]) + 1
			g.packed += 3 + n
			g.decoded += n
			g.pass = n
		case c >= 0x80:
			hl := 4
			if c >= 0xC0 {
				hl = 5
			}
			h := g.take(hl)
			if h == nil {
				return
			}
			u := (int64(c&0x1F)<<16 | int64(h[0])<<8 | int64(h[1])) + 1
			n := int64(h[2])<<8 | int64(h[3]) + 1
			g.packed += 1 + int64(hl) + n
			g.decoded += u
			g.pass = n
		default:
			g.state, g.pass = xzOpaque, 1<<62
		}
	case xzBlockEnd:
		g.pass = (4-g.packed%4)%4 + g.check
		g.state = xzBlockOrIndex
	case xzFooter:
		g.pass = 12
		g.state = xzPadding
	case xzPadding:
		b, _ := g.src.Peek(4)
		switch {
		case len(b) == 0:
			g.err = io.EOF
		case bytes.Equal(b, []byte{0, 0, 0, 0}):
			g.pass = 4
		default:
			g.state = xzStreamHeader
		}
	case xzOpaque:
		g.pass = 1 << 62
	}
}

// index takes the index (its indicator byte is already in pend): the
// record count and records, then passes its padding and CRC32 on.
func (g *xzGuard) index() {
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9; i++ {
			b := g.take(1)
			if b == nil {
				return 0, false
			}
			v |= uint64(b[0]&0x7F) << (7 * i)
			if b[0]&0x80 == 0 {
				return v, true
			}
		}
		g.state, g.pass = xzOpaque, 1<<62
		return 0, false
	}
	n, ok := varint()
	if !ok {
		return
	}
	if n != uint64(g.blocks) {
		// The decoder rejects the mismatch.
		g.state, g.pass = xzOpaque, 1<<62
		return
	}
	size := int64(len(g.pend))
	for i := uint64(0); i < 2*n; i++ {
		start := len(g.pend)
		if _, ok := varint(); !ok {
			return
		}
		size += int64(len(g.pend) - start)
	}
	g.pass = (4-size%4)%4 + 4
	g.state = xzFooter
}

// xzCheckSize is the size of the check field for check type t.
func xzCheckSize(t byte) int64 {
	switch {
	case t == 0:
		return 0
	case t <= 3:
		return 4
	case t <= 6:
		return 8
	case t <= 9:
		return 16
	case t <= 12:
		return 32
	}
	return 64
}
