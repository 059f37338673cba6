package lzx

// maxCodeLen is the longest Huffman code LZX allows.
const maxCodeLen = 16

// huffman decodes one canonical Huffman code. Codes are read most significant
// bit first, which is how the LZX bit stream delivers them, so the canonical
// codes index the lookup table directly without bit reversal.
//
// Codes no longer than tableBits are resolved with one lookup in table; the
// rare longer codes fall back to a walk over the per-length canonical ranges.
type huffman struct {
	tableBits uint
	// table[top tableBits bits] = symbol<<5 | code length, or 0 when the
	// code is longer than tableBits (or unassigned in an incomplete code).
	table  []uint32
	maxLen uint
	empty  bool // every length is zero: no symbol may be decoded
	// Canonical ranges for codes longer than tableBits.
	firstCode [maxCodeLen + 1]uint32
	count     [maxCodeLen + 1]uint32
	start     [maxCodeLen + 1]uint32 // index of the first symbol of each length in sorted
	sorted    []uint16
}

func newHuffman(tableBits uint, maxSymbols int) *huffman {
	return &huffman{
		tableBits: tableBits,
		table:     make([]uint32, 1<<tableBits),
		sorted:    make([]uint16, maxSymbols),
	}
}

// build sets up the code from lens. It fails on an over-subscribed code.
// Incomplete codes are accepted: their unassigned codes fail when decoded.
func (h *huffman) build(lens []uint8) error {
	h.count = [maxCodeLen + 1]uint32{}
	for _, l := range lens {
		if l > maxCodeLen {
			return errorf("code length %d exceeds %d", l, maxCodeLen)
		}
		h.count[l]++
	}
	h.count[0] = 0
	h.maxLen = 0
	left := uint32(1)
	for l := uint(1); l <= maxCodeLen; l++ {
		left <<= 1
		if h.count[l] > left {
			return errorf("over-subscribed Huffman code")
		}
		left -= h.count[l]
		if h.count[l] != 0 {
			h.maxLen = l
		}
	}
	clear(h.table)
	h.empty = h.maxLen == 0
	if h.empty {
		return nil
	}
	code := uint32(0)
	idx := uint32(0)
	for l := uint(1); l <= maxCodeLen; l++ {
		code = (code + h.countPrev(l)) << 1
		h.firstCode[l] = code
		h.start[l] = idx
		idx += h.count[l]
	}
	// Place symbols in canonical order (by length, then by symbol value).
	var next [maxCodeLen + 1]uint32
	copy(next[:], h.start[:])
	for sym, l := range lens {
		if l != 0 {
			h.sorted[next[l]] = uint16(sym)
			next[l]++
		}
	}
	for l := uint(1); l <= h.tableBits && l <= h.maxLen; l++ {
		fill := uint32(1) << (h.tableBits - l)
		for k := uint32(0); k < h.count[l]; k++ {
			sym := uint32(h.sorted[h.start[l]+k])
			entry := sym<<5 | uint32(l)
			first := (h.firstCode[l] + k) << (h.tableBits - l)
			t := h.table[first : first+fill]
			for i := range t {
				t[i] = entry
			}
		}
	}
	return nil
}

func (h *huffman) countPrev(l uint) uint32 {
	if l == 1 {
		return 0
	}
	return h.count[l-1]
}

// slow decodes a code longer than tableBits from the left-aligned bits in
// buf. It returns length 0 when no code matches.
func (h *huffman) slow(buf uint64) (sym uint32, length uint) {
	for l := h.tableBits + 1; l <= h.maxLen; l++ {
		code := uint32(buf >> (64 - l))
		if d := code - h.firstCode[l]; d < h.count[l] {
			return uint32(h.sorted[h.start[l]+d]), l
		}
	}
	return 0, 0
}
