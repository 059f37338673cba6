package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/bits"
	"testing"
)

// bitWriter writes a deflate bit stream for hand-made test blocks.
type bitWriter struct {
	out []byte
	acc uint64
	n   uint
}

// bits writes the n low bits of v, least significant first.
func (w *bitWriter) bits(v uint64, n uint) {
	w.acc |= v << w.n
	w.n += n
	for w.n >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.n -= 8
	}
}

// code writes an n-bit Huffman code, most significant bit first.
func (w *bitWriter) code(c uint32, n uint) {
	w.bits(uint64(bits.Reverse32(c)>>(32-n)), n)
}

func (w *bitWriter) align() {
	if w.n%8 != 0 {
		w.bits(0, 8-w.n%8)
	}
}

func (w *bitWriter) bytes() []byte {
	w.align()
	return w.out
}

// Length and distance codes, spelled out independently of the decoder's
// templates.
var (
	lengthBase  = [29]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
)

// lengthCode returns the code (0..28, for symbol 257+code) of a length.
func lengthCode(length int) int {
	if length == 258 {
		return 28
	}
	c := 0
	for c+1 < 28 && lengthBase[c+1] <= length {
		c++
	}
	return c
}

func distCode(dist int) int {
	c := 0
	for c+1 < 30 && distBase[c+1] <= dist {
		c++
	}
	return c
}

// Fixed-code block writing.
func (w *bitWriter) header(final bool, typ uint64) {
	f := uint64(0)
	if final {
		f = 1
	}
	w.bits(f|typ<<1, 3)
}

func (w *bitWriter) fixedSym(sym int) {
	switch {
	case sym < 144:
		w.code(uint32(0x30+sym), 8)
	case sym < 256:
		w.code(uint32(0x190+sym-144), 9)
	case sym < 280:
		w.code(uint32(sym-256), 7)
	default:
		w.code(uint32(0xc0+sym-280), 8)
	}
}

func (w *bitWriter) fixedLits(s string) {
	for i := 0; i < len(s); i++ {
		w.fixedSym(int(s[i]))
	}
}

func (w *bitWriter) fixedMatch(length, dist int) {
	lc := lengthCode(length)
	w.fixedSym(257 + lc)
	w.bits(uint64(length-lengthBase[lc]), lengthExtra[lc])
	dc := distCode(dist)
	w.code(uint32(dc), 5)
	w.bits(uint64(dist-distBase[dc]), distExtra[dc])
}

// stored writes a stored block (LEN and NLEN as given) holding data.
func (w *bitWriter) stored(final bool, data []byte, nlen uint16) {
	w.header(final, 0)
	w.align()
	w.bits(uint64(len(data)), 16)
	w.bits(uint64(nlen), 16)
	w.out = append(w.out, data...)
}

// canonical returns the canonical codes of lens.
func canonical(lens []uint8) []uint32 {
	var count [16]uint32
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]uint32
	code := uint32(0)
	for l := 1; l < 16; l++ {
		code = (code + count[l-1]) << 1
		next[l] = code
	}
	codes := make([]uint32, len(lens))
	for s, l := range lens {
		if l != 0 {
			codes[s] = next[l]
			next[l]++
		}
	}
	return codes
}

// dynamic writes a dynamic block header for the given code lengths, each
// sent as a 4-bit code of the code length code (symbols 0..15, length 4),
// and returns the codes of the two trees.
func (w *bitWriter) dynamic(final bool, litLens, distLens []uint8) (lit, dist []uint32) {
	w.header(final, 2)
	w.bits(uint64(len(litLens)-257), 5)
	w.bits(uint64(len(distLens)-1), 5)
	w.bits(19-4, 4)
	for _, sym := range codeLengthOrder {
		if sym < 16 {
			w.bits(4, 3)
		} else {
			w.bits(0, 3)
		}
	}
	for _, l := range append(append([]uint8{}, litLens...), distLens...) {
		w.code(uint32(l), 4)
	}
	return canonical(litLens), canonical(distLens)
}

// mszipBlocks compresses data as an MSZIP folder does: blocks of at most
// size bytes, each a deflate stream of its own with the previous 32 KiB of
// data as dictionary. history is output that precedes data.
func mszipBlocks(t testing.TB, history, data []byte, level, size int) (blocks [][]byte, sizes []int) {
	t.Helper()
	all := append(append([]byte{}, history...), data...)
	for off := len(history); off < len(all); {
		n := min(size, len(all)-off)
		var b bytes.Buffer
		fw, err := flate.NewWriterDict(&b, level, all[max(0, off-historySize):off])
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(all[off : off+n])
		if err := fw.Close(); err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, b.Bytes())
		sizes = append(sizes, n)
		off += n
	}
	return blocks, sizes
}

// stdInflate decodes stream with compress/flate, with dict as history, and
// reports whether it makes exactly n bytes and ends cleanly.
func stdInflate(stream, dict []byte, n int) ([]byte, error) {
	r := flate.NewReaderDict(bytes.NewReader(stream), dict)
	out := make([]byte, n+1)
	got := 0
	for {
		k, err := r.Read(out[got:])
		got += k
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if got > n {
			return nil, errors.New("more than n bytes")
		}
	}
	if got != n {
		return nil, errors.New("fewer than n bytes")
	}
	return out[:n], nil
}

// decodeAll decodes blocks in turn with d and returns their output joined.
func decodeAll(d *Decoder, blocks [][]byte, sizes []int) ([]byte, error) {
	var all []byte
	for i, b := range blocks {
		out, err := d.Decode(b, sizes[i])
		if err != nil {
			return all, err
		}
		if len(out) != sizes[i] {
			return all, errors.New("output is not the declared size")
		}
		all = append(all, out...)
	}
	return all, nil
}
