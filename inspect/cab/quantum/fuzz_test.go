package quantum_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/quantumbuild"
	"github.com/installer-sbom/installer-sbom/inspect/cab/quantum"
)

// fuzzBlocks cuts data into blocks: lens holds the lengths of all blocks
// but the last as little-endian 16-bit values (cut short by the data).
func fuzzBlocks(lens, data []byte) [][]byte {
	var blocks [][]byte
	for i := 0; i+2 <= len(lens) && len(blocks) < 7; i += 2 {
		n := min(int(binary.LittleEndian.Uint16(lens[i:])), len(data))
		blocks = append(blocks, data[:n])
		data = data[n:]
	}
	return append(blocks, data)
}

// fuzzSeed turns an encoded stream into FuzzQuantum's arguments.
func fuzzSeed(blocks [][]byte, sizes []int) (lens []byte, last uint16, data []byte) {
	for i, b := range blocks {
		if i < len(blocks)-1 {
			lens = binary.LittleEndian.AppendUint16(lens, uint16(len(b)))
		}
		data = append(data, b...)
	}
	return lens, uint16(sizes[len(sizes)-1] - 1), data
}

// FuzzQuantum decodes arbitrary blocks in an arbitrary window: every frame
// but the last is 32 KiB, the last has a fuzzed size. Each frame must come
// out at its size or fail with a quantum error inside its block, and the
// same input must decode the same way after a Reset.
func FuzzQuantum(f *testing.F) {
	if b, err := os.ReadFile(fixture(f, "mixed.cab")); err == nil && len(b) >= 0x17b {
		f.Add(uint8(18-10), []byte{}, uint16(58), b[0x14b:0x17b])
	}
	r := rand.New(rand.NewPCG(9, 9))
	for _, tc := range []struct {
		wb   int
		data []byte
	}{
		{10, shapes[3].data(r, 40000)},
		{16, shapes[0].data(r, 70000)},
		{21, append(shapes[2].data(r, 20000), shapes[0].data(r, 20000)...)},
	} {
		blocks, sizes, err := quantumbuild.Encode(tc.data, quantumbuild.Options{WindowBits: tc.wb})
		if err != nil {
			f.Fatal(err)
		}
		lens, last, data := fuzzSeed(blocks, sizes)
		f.Add(uint8(tc.wb-10), lens, last, data)
	}
	d, _ := quantum.NewDecoder(10)
	f.Fuzz(func(t *testing.T, window uint8, lens []byte, last uint16, data []byte) {
		wb := 10 + int(window%12)
		blocks := fuzzBlocks(lens, data)
		var sums [2][]byte
		for pass := range sums {
			if err := d.Reset(wb); err != nil {
				t.Fatal(err)
			}
			var all []byte
			for i, b := range blocks {
				n := quantum.FrameSize
				if i == len(blocks)-1 {
					n = int(last)%quantum.FrameSize + 1
				}
				out, err := d.Frame(b, n)
				if err != nil {
					var fe *quantum.FormatError
					if !errors.As(err, &fe) || fe.Layer() != "quantum" || fe.Off < 0 || fe.Off > int64(len(b)) {
						t.Fatalf("block %d: %T %v", i, err, err)
					}
					all = append(all, err.Error()...)
					if _, err := d.Frame(b, n); err == nil {
						t.Fatal("a frame decoded after a failed one")
					}
					break
				}
				if len(out) != n {
					t.Fatalf("block %d: frame of %d bytes, want %d", i, len(out), n)
				}
				all = append(all, out...)
			}
			sums[pass] = all
		}
		if !bytes.Equal(sums[0], sums[1]) {
			t.Fatal("the same input decodes differently after Reset")
		}
	})
}
