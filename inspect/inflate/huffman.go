package inflate

import "math/bits"

// A decode table maps the next rootBits input bits to an entry. Codes
// longer than rootBits have a pointer entry in the primary table to a
// subtable, indexed by the bits after the root, laid out after the primary
// table as zlib does (each subtable just large enough for the codes that
// share its root bits, which bounds the total space by zlib's "enough").
//
// An entry is a uint32:
//
//	bit 31      the symbol is a literal byte (tested as the sign bit)
//	bits 16-30  literal byte, length or distance base, or subtable offset
//	bits 12-14  flags: end of block, subtable pointer, invalid code
//	bits 8-11   code length (subtable bits for a pointer)
//	bits 0-7    bits to consume: code length plus extra bits (root bits
//	            for a pointer)
//
// so a length or distance is value + (bits&mask(consume)) >> codeLength.
const (
	entryLiteral = 1 << 31
	entryEnd     = 1 << 12
	entrySub     = 1 << 13
	entryBad     = 1 << 14
)

const (
	maxCodeLen = 15

	litRootBits  = 11
	distRootBits = 8
	preRootBits  = 7

	// Table sizes: the root and the worst case of subtables, as zlib's
	// enough program counts them ("enough 288 11 15", "enough 32 8 15");
	// code length codes are at most 7 bits long, so their table has no
	// subtables.
	litTableSize  = 2342
	distTableSize = 402
	preTableSize  = 1 << preRootBits

	litMask  = 1<<litRootBits - 1
	distMask = 1<<distRootBits - 1
	preMask  = 1<<preRootBits - 1

	numLitCodes  = 288 // what the fixed code assigns; 286 and 287 are invalid
	numDistCodes = 32  // likewise; 30 and 31 are invalid
	maxLitCodes  = 286 // what a dynamic block may declare
	maxDistCodes = 30
	endOfBlock   = 256
)

type (
	litTable  [litTableSize]uint32
	distTable [distTableSize]uint32
	preTable  [preTableSize]uint32
)

// Templates: the entry of each symbol before its code length is added.
var (
	litTemplates  [numLitCodes]uint32
	distTemplates [numDistCodes]uint32
	preTemplates  [19]uint32

	fixedLit  litTable
	fixedDist distTable
)

func init() {
	for i := range 256 {
		litTemplates[i] = entryLiteral | uint32(i)<<16
	}
	litTemplates[endOfBlock] = entryEnd
	base, extra := uint32(3), uint32(0)
	for i := 257; i < 285; i++ {
		// Lengths 3..10 have no extra bits, then each group of four
		// codes has one more.
		if i >= 265 && (i-265)%4 == 0 {
			extra++
		}
		litTemplates[i] = base<<16 | extra
		base += 1 << extra
	}
	litTemplates[285] = 258 << 16
	litTemplates[286] = entryBad
	litTemplates[287] = entryBad

	base, extra = 1, 0
	for i := range maxDistCodes {
		if i >= 4 && i%2 == 0 {
			extra++
		}
		distTemplates[i] = base<<16 | extra
		base += 1 << extra
	}
	distTemplates[30] = entryBad
	distTemplates[31] = entryBad

	for i := range preTemplates {
		preTemplates[i] = uint32(i) << 16
	}

	var lens [numLitCodes]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	var s scratch
	if err := buildTable(fixedLit[:], litRootBits, lens[:], litTemplates[:], &s); err != nil {
		panic(err)
	}
	for i := range lens[:numDistCodes] {
		lens[i] = 5
	}
	if err := buildTable(fixedDist[:], distRootBits, lens[:numDistCodes], distTemplates[:], &s); err != nil {
		panic(err)
	}
}

// scratch is buildTable's working space, kept in the Decoder so that
// building a table does not allocate.
type scratch struct {
	sorted [numLitCodes]uint16
}

// buildTable fills table for the canonical Huffman code with the code
// lengths lens (each at most 15, as the callers read them), whose symbol i has the entry template
// templates[i]. Like compress/flate it refuses over-subscribed codes and
// incomplete ones, except a lone code of length 1 (zlib writes those for a
// single distance); an all-zero code is accepted and every lookup in it
// is invalid.
func buildTable(table []uint32, rootBits uint, lens []uint8, templates []uint32, s *scratch) error {
	var count [maxCodeLen + 1]int
	for _, l := range lens {
		count[l&maxCodeLen]++
	}
	count[0] = 0
	left := 1 // codes still unassigned at the current length
	maxLen := uint(0)
	for l := uint(1); l <= maxCodeLen; l++ {
		left = left<<1 - count[l]
		if left < 0 {
			return errOversub
		}
		if count[l] != 0 {
			maxLen = l
		}
	}
	root := table[:1<<rootBits]
	if left != 0 {
		if maxLen != 0 && !(maxLen == 1 && count[1] == 1) {
			return errIncomplete
		}
		// Lookups of unassigned codes must fail.
		for i := range root {
			root[i] = entryBad
		}
	}

	// Sort the symbols by code length, then by symbol: canonical order.
	var offset [maxCodeLen + 2]int
	for l := 1; l <= maxCodeLen; l++ {
		offset[l+1] = offset[l] + count[l]
	}
	for sym, l := range lens {
		if l != 0 {
			s.sorted[offset[l]] = uint16(sym)
			offset[l]++
		}
	}
	nsyms := offset[maxCodeLen]

	code := 0 // the canonical code, most significant bit first
	length := uint(1)
	end := len(root) // where the next subtable goes
	subStart, subBits := 0, uint(0)
	prefix := -1 // root bits of the current subtable
	remaining := count
	for _, sym := range s.sorted[:nsyms] {
		for remaining[length] == 0 {
			code <<= 1
			length++
		}
		remaining[length]--
		// Deflate sends codes from the most significant bit while the
		// bit reader delivers the least significant first: reverse.
		rev := int(bits.Reverse16(uint16(code)) >> (16 - length))
		code++
		e := templates[sym] + uint32(length) | uint32(length)<<8
		if length <= rootBits {
			for i := rev; i < len(root); i += 1 << length {
				root[i] = e
			}
			continue
		}
		if p := rev & (1<<rootBits - 1); p != prefix {
			// A new subtable, sized as zlib sizes them: the codes that
			// share this root prefix come next in canonical order, so it
			// grows a bit at a time until the codes still to place, down
			// to its depth, fill it.
			prefix = p
			subBits = length - rootBits
			space := 1<<subBits - remaining[length] - 1
			for space > 0 && subBits+rootBits < maxLen {
				subBits++
				space = space<<1 - remaining[subBits+rootBits]
			}
			subStart = end
			end += 1 << subBits
			if end > len(table) {
				return errTableSize
			}
			root[p] = uint32(subStart)<<16 | entrySub | uint32(subBits)<<8 | uint32(rootBits)
		}
		subLen := length - rootBits
		if subLen > subBits {
			return errTableSize // cannot happen for the codes accepted above
		}
		e = templates[sym] + uint32(subLen) | uint32(subLen)<<8
		sub := table[subStart : subStart+1<<subBits]
		for i := rev >> rootBits; i < len(sub); i += 1 << subLen {
			sub[i] = e
		}
	}
	return nil
}
