package inflate

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// randomCode returns complete code lengths (at most 15) for n symbols,
// made by splitting leaves of a code tree, deep ones preferred when deep.
func randomCode(r *rand.Rand, n int, deep bool) []uint8 {
	leaves := []uint8{0}
	for len(leaves) < n {
		i := r.IntN(len(leaves))
		if deep {
			// Split the deepest of a few candidates.
			for range 3 {
				if j := r.IntN(len(leaves)); leaves[j] > leaves[i] && leaves[j] < maxCodeLen {
					i = j
				}
			}
		}
		if leaves[i] == maxCodeLen {
			continue
		}
		leaves[i]++
		leaves = append(leaves, leaves[i])
	}
	r.Shuffle(len(leaves), func(i, j int) { leaves[i], leaves[j] = leaves[j], leaves[i] })
	return leaves
}

// lookup resolves the code of a symbol through table as the decoder
// does and returns the entry and the bits it consumed.
func lookup(table []uint32, rootBits uint, code uint32) (uint32, uint) {
	e := table[code&(1<<rootBits-1)]
	if e&entrySub == 0 {
		return e, uint(e >> 8 & 15)
	}
	sub := code >> rootBits
	e = table[e>>16+sub&(1<<(e>>8&15)-1)]
	return e, rootBits + uint(e>>8&15)
}

// TestBuildTable builds random complete codes, from shallow to 15 bits
// deep, and resolves every symbol's code through the table.
func TestBuildTable(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var s scratch
	for iter := range 3000 {
		for _, c := range []struct {
			table     []uint32
			rootBits  uint
			n         int
			templates []uint32
		}{
			{make([]uint32, litTableSize), litRootBits, 2 + r.IntN(numLitCodes-1), litTemplates[:]},
			{make([]uint32, distTableSize), distRootBits, 2 + r.IntN(numDistCodes-1), distTemplates[:]},
		} {
			lens := randomCode(r, c.n, iter%2 == 0)
			if err := buildTable(c.table, c.rootBits, lens, c.templates, &s); err != nil {
				t.Fatalf("lengths %v: %v", lens, err)
			}
			codes := canonical(lens)
			for sym, l := range lens {
				rev := bits.Reverse32(codes[sym]) >> (32 - uint(l))
				// Whatever follows the code must not matter.
				rev |= r.Uint32() << l
				e, used := lookup(c.table, c.rootBits, rev)
				want := c.templates[sym]
				if used != uint(l) || e&^0xfff != want&^0xfff || e&0xff-uint32(e>>8&15) != want&0xff {
					t.Fatalf("symbol %d of length %d: entry %#x after %d bits, template %#x", sym, l, e, used, want)
				}
			}
		}
	}
}

func TestBuildTableRefuses(t *testing.T) {
	var s scratch
	table := make([]uint32, distTableSize)
	for _, c := range []struct {
		lens []uint8
		want error
	}{
		{[]uint8{1, 1, 1}, errOversub},
		{[]uint8{1, 2}, errIncomplete},
		{[]uint8{2}, errIncomplete},
		{[]uint8{15, 15}, errIncomplete},
	} {
		if err := buildTable(table, distRootBits, c.lens, distTemplates[:], &s); !errors.Is(err, c.want) {
			t.Errorf("%v: got %v, want %v", c.lens, err, c.want)
		}
	}
	for _, lens := range [][]uint8{{0, 0}, {1}, {0, 1}} {
		if err := buildTable(table, distRootBits, lens, distTemplates[:], &s); err != nil {
			t.Errorf("%v: %v", lens, err)
		}
	}
}
