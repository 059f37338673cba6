package nsis

import (
	"errors"
	"io"
)

// NSIS compresses with its own cut-down bzip2 (Source/bzip2, "not
// compatible with the original"): the block contents are bzip2's (symbol
// map, Huffman selectors and tables, MTF/RLE2 symbols of the
// Burrows-Wheeler transform), but there is no "BZh" stream header, each
// block starts with the single byte 0x31 and a 24-bit origPtr (no 48-bit
// magic, no CRC, no randomised bit), the stream ends with the single byte
// 0x17, and nothing carries a checksum. compress/bzip2 cannot read it, and
// cannot be fed a rewritten stream without the CRCs it checks, so this is
// a decoder of its own. Blocks are at most 900,000 bytes (level 9).

const (
	bzBlockMagic = 0x31
	bzEndMagic   = 0x17
	bzMaxBlock   = 900000
	bzGroupSize  = 50
	bzMaxGroups  = 6
	bzMaxAlpha   = 258
	bzMaxCodeLen = 20
	// bzMaxSelectors is what a 900,000-byte block can need (bzip2's
	// BZ_MAX_SELECTORS).
	bzMaxSelectors = 2 + bzMaxBlock/bzGroupSize
)

func bzErr(msg string) error { return errors.New("bzip2: " + msg) }

// bitReader reads bits most significant first.
type bitReader struct {
	r   io.ByteReader
	v   uint64
	n   uint
	err error
}

func (b *bitReader) bits(n uint) uint32 {
	for b.n < n {
		c, err := b.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if b.err == nil {
				b.err = err
			}
			return 0
		}
		b.v = b.v<<8 | uint64(c)
		b.n += 8
	}
	b.n -= n
	return uint32(b.v>>b.n) & (1<<n - 1)
}

func (b *bitReader) bit() bool { return b.bits(1) == 1 }

// huffman is one canonical code table, decoded a bit at a time: codes of
// length l are start[l] .. start[l]+count[l]-1, for the symbols perm[first[l]:].
type huffman struct {
	minLen, maxLen int
	start, count   [bzMaxCodeLen + 2]int
	first          [bzMaxCodeLen + 2]int
	perm           [bzMaxAlpha]uint16
}

func (h *huffman) build(lengths []uint8) {
	h.minLen, h.maxLen = bzMaxCodeLen, 1
	h.count = [bzMaxCodeLen + 2]int{}
	for _, l := range lengths {
		h.count[l]++
		h.minLen = min(h.minLen, int(l))
		h.maxLen = max(h.maxLen, int(l))
	}
	code, idx := 0, 0
	for l := 1; l <= bzMaxCodeLen; l++ {
		h.start[l], h.first[l] = code, idx
		for s, sl := range lengths {
			if int(sl) == l {
				h.perm[idx] = uint16(s)
				idx++
			}
		}
		code = (code + h.count[l]) << 1
	}
}

func (h *huffman) decode(br *bitReader) (int, error) {
	v := 0
	for l := 1; l <= h.maxLen; l++ {
		v = v<<1 | int(br.bits(1))
		if br.err != nil {
			return 0, br.err
		}
		if l >= h.minLen {
			if d := v - h.start[l]; d >= 0 && d < h.count[l] {
				return int(h.perm[h.first[l]+d]), nil
			}
		}
	}
	return 0, bzErr("invalid Huffman code")
}

// bzip2Reader decodes an NSIS bzip2 stream.
type bzip2Reader struct {
	br  bitReader
	err error
	eos bool

	tt   []uint32 // the block: low byte the symbol, high 24 bits the next index
	tPos uint32
	left int // bytes of the block still to undo the BWT for

	// The final run-length stage: after four equal bytes the next one is
	// a count of further copies.
	last   int
	run    int
	repeat int
	tables [bzMaxGroups]huffman
	sel    []uint8
}

func newBzip2Reader(r io.ByteReader) *bzip2Reader {
	return &bzip2Reader{br: bitReader{r: r}, last: -1}
}

func (z *bzip2Reader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if z.repeat > 0 {
			p[n] = byte(z.last)
			n++
			z.repeat--
			if z.repeat == 0 {
				z.last = -1
			}
			continue
		}
		if z.left == 0 {
			if z.err != nil || z.eos {
				break
			}
			if z.err = z.readBlock(); z.err != nil {
				break
			}
			continue
		}
		z.tPos = z.tt[z.tPos]
		b := int(z.tPos & 0xff)
		z.tPos >>= 8
		z.left--
		if z.run == 4 {
			z.run = 0
			z.repeat = b
			if b == 0 {
				z.last = -1
			}
			continue
		}
		if b == z.last {
			z.run++
		} else {
			z.last, z.run = b, 1
		}
		p[n] = byte(b)
		n++
	}
	if n > 0 {
		return n, nil
	}
	if z.err != nil {
		return 0, z.err
	}
	return 0, io.EOF
}

// readBlock reads and inverts the next block, or the end of the stream.
func (z *bzip2Reader) readBlock() error {
	br := &z.br
	z.last, z.run, z.repeat = -1, 0, 0
	switch magic := br.bits(8); {
	case br.err != nil:
		return br.err
	case magic == bzEndMagic:
		z.eos = true
		return nil
	case magic != bzBlockMagic:
		return bzErr("bad block magic")
	}
	origPtr := int(br.bits(24))
	var seqToUnseq [256]byte
	nInUse, err := z.readMap(&seqToUnseq)
	if err != nil {
		return err
	}
	alphaSize := nInUse + 2
	sel, nGroups, err := z.readSelectors()
	if err != nil {
		return err
	}
	if err := z.readTables(nGroups, alphaSize); err != nil {
		return err
	}
	n, err := z.readSymbols(sel, seqToUnseq[:nInUse], alphaSize)
	if err != nil {
		return err
	}
	if origPtr >= n {
		return bzErr("origPtr outside the block")
	}
	z.invert(n, origPtr)
	return nil
}

// readMap reads which byte values the block uses (16 bits saying which
// ranges of 16 are used, then 16 bits per used range) and returns their
// number, the values in order in seqToUnseq.
func (z *bzip2Reader) readMap(seqToUnseq *[256]byte) (int, error) {
	br := &z.br
	n := 0
	used16 := br.bits(16)
	for i := 0; i < 16; i++ {
		if used16&(0x8000>>i) == 0 {
			continue
		}
		m := br.bits(16)
		for j := 0; j < 16; j++ {
			if m&(0x8000>>j) != 0 {
				seqToUnseq[n] = byte(i*16 + j)
				n++
			}
		}
	}
	if br.err != nil {
		return 0, br.err
	}
	if n == 0 {
		return 0, bzErr("block uses no symbols")
	}
	return n, nil
}

// readSelectors reads the number of tables and, MTF-coded, which table
// codes each group of 50 symbols.
func (z *bzip2Reader) readSelectors() ([]uint8, int, error) {
	br := &z.br
	nGroups := int(br.bits(3))
	nSelectors := int(br.bits(15))
	if nGroups < 2 || nGroups > bzMaxGroups || nSelectors < 1 || nSelectors > bzMaxSelectors {
		return nil, 0, bzErr("bad table or selector count")
	}
	if cap(z.sel) < nSelectors {
		z.sel = make([]uint8, nSelectors)
	}
	sel := z.sel[:nSelectors]
	var mtf [bzMaxGroups]uint8
	for i := range mtf {
		mtf[i] = uint8(i)
	}
	for i := range sel {
		j := 0
		for br.bit() {
			if j++; j >= nGroups {
				return nil, 0, bzErr("bad selector")
			}
		}
		v := mtf[j]
		copy(mtf[1:j+1], mtf[:j])
		mtf[0] = v
		sel[i] = v
	}
	if br.err != nil {
		return nil, 0, br.err
	}
	return sel, nGroups, nil
}

// readTables reads each table's code lengths, delta-coded (a 5-bit start,
// then per symbol 1x bits to step up or down and a 0 to stop), and builds
// the tables.
func (z *bzip2Reader) readTables(nGroups, alphaSize int) error {
	br := &z.br
	var lengths [bzMaxAlpha]uint8
	for t := 0; t < nGroups; t++ {
		l := int(br.bits(5))
		for s := 0; s < alphaSize; s++ {
			for {
				if l < 1 || l > bzMaxCodeLen {
					return bzErr("bad code length")
				}
				if !br.bit() {
					break
				}
				if br.bit() {
					l--
				} else {
					l++
				}
			}
			if br.err != nil {
				return br.err
			}
			lengths[s] = uint8(l)
		}
		z.tables[t].build(lengths[:alphaSize])
	}
	return nil
}

// readSymbols decodes the block's MTF/RLE2 symbols into z.tt (the bytes in
// their low 8 bits) and returns the block length.
func (z *bzip2Reader) readSymbols(sel []uint8, seqToUnseq []byte, alphaSize int) (int, error) {
	br := &z.br
	eob := alphaSize - 1
	var yy [256]byte
	for i := range yy {
		yy[i] = byte(i)
	}
	tt := z.tt[:0]
	group, inGroup := -1, 0
	run, weight := 0, 1 // RUNA/RUNB: a run of the front symbol, its length in bijective base 2
	var h *huffman
	for {
		if inGroup == 0 {
			if group++; group >= len(sel) {
				return 0, bzErr("more groups than selectors")
			}
			inGroup = bzGroupSize
			h = &z.tables[sel[group]]
		}
		inGroup--
		sym, err := h.decode(br)
		if err != nil {
			return 0, err
		}
		if sym <= 1 { // RUNA, RUNB
			if weight > bzMaxBlock {
				return 0, bzErr("run too long")
			}
			run += (sym + 1) * weight
			weight <<= 1
			continue
		}
		if run > 0 {
			if len(tt)+run > bzMaxBlock {
				return 0, bzErr("block longer than 900000 bytes")
			}
			b := uint32(seqToUnseq[yy[0]])
			tt = grow(tt, run)
			for ; run > 0; run-- {
				tt = append(tt, b)
			}
			weight = 1
		}
		if sym == eob {
			break
		}
		// An MTF index: move that symbol to the front and emit it.
		i := sym - 1
		if i >= len(seqToUnseq) {
			return 0, bzErr("symbol outside the block's alphabet")
		}
		v := yy[i]
		copy(yy[1:i+1], yy[:i])
		yy[0] = v
		if len(tt) >= bzMaxBlock {
			return 0, bzErr("block longer than 900000 bytes")
		}
		tt = append(grow(tt, 1), uint32(seqToUnseq[v]))
	}
	z.tt = tt
	return len(tt), nil
}

// grow makes room for n more entries in tt (whose length plus n is at
// most bzMaxBlock), doubling it but never past one block: a small stream
// does not pay for the largest block.
func grow(tt []uint32, n int) []uint32 {
	if len(tt)+n <= cap(tt) {
		return tt
	}
	c := min(max(2*cap(tt), len(tt)+n, 4096), bzMaxBlock)
	return append(make([]uint32, 0, c), tt...)
}

// invert undoes the Burrows-Wheeler transform: each entry's high 24 bits
// get the index of the byte that follows it.
func (z *bzip2Reader) invert(n, origPtr int) {
	var cf [257]int
	for _, v := range z.tt[:n] {
		cf[v&0xff+1]++
	}
	for i := 1; i < 257; i++ {
		cf[i] += cf[i-1]
	}
	for i := 0; i < n; i++ {
		b := z.tt[i] & 0xff
		z.tt[cf[b]] |= uint32(i) << 8
		cf[b]++
	}
	z.tPos = z.tt[origPtr] >> 8
	z.left = n
}
