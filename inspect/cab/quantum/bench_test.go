package quantum_test

import (
	"math/rand/v2"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/quantumbuild"
	"github.com/installer-sbom/installer-sbom/inspect/cab/quantum"
)

// BenchmarkQuantum decodes 4 MiB (text, records, machine code, runs)
// encoded for a 2 MiB window; bytes/s are of output.
func BenchmarkQuantum(b *testing.B) {
	r := rand.New(rand.NewPCG(10, 10))
	data := shapes[0].data(r, 1<<20)
	data = append(data, shapes[3].data(r, 1<<20)...)
	exe := executable(b, 1<<20)
	data = append(data, exe...)
	data = append(data, shapes[2].data(r, 4<<20-len(data))...)
	blocks, sizes, err := quantumbuild.Encode(data, quantumbuild.Options{WindowBits: 21})
	if err != nil {
		b.Fatal(err)
	}
	in := 0
	for _, blk := range blocks {
		in += len(blk)
	}
	b.Logf("%d bytes in %d blocks encode to %d", len(data), len(blocks), in)
	d, _ := quantum.NewDecoder(21)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		d.Reset(21)
		for i, blk := range blocks {
			if _, err := d.Frame(blk, sizes[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
