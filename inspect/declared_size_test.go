package inspect

import (
	"bytes"
	"runtime"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
)

// TestDeclaredSizesDoNotSizeBuffers: zip entries whose declared size their
// bytes cannot hold (300 entries of a few hundred deflated bytes declaring
// 40 MiB each) are problems, and no buffer of the declared size is made:
// the zip reader refuses what the data cannot produce, and the walker sizes
// a buffer from a declared size only once 1 MiB has really arrived unless
// the compressed size makes it plausible.
func TestDeclaredSizesDoNotSizeBuffers(t *testing.T) {
	payload := bytes.Repeat([]byte("installer-sbom "), 4096) // 60 KiB
	b, err := hostile.ZipDeclaring(300, payload, 40<<20)
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "lies.zip", Options{Limits: DefaultLimits()})
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 1<<30 {
		t.Fatalf("allocated %d MiB for a %d-byte zip", d>>20, len(b))
	}
	if len(inv.Problems) == 0 {
		t.Fatalf("entries shorter than declared gave no problem")
	}
}
