package pkg

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
)

// TestDrainAfterTrailer: a payload that goes on after its cpio trailer was
// drained to its end (up to 8 GiB per payload, counted by no limit; 50 such
// components inflated 100 GB). At most 1 MiB is drained now and the rest is
// refused with an error naming the payload and its offset.
func TestDrainAfterTrailer(t *testing.T) {
	b, err := hostile.PkgDrainAfterTrailer(1, 32)
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	w := walk(t, open(t, b), nil)
	runtime.ReadMemStats(&m1)
	if _, ok := w.files["c0.pkg/Payload/a"]; !ok {
		t.Errorf("files %v", w.files)
	}
	var fe *FormatError
	if len(w.errs) != 1 || !errors.As(w.errs[0], &fe) || fe.Offset() <= 0 ||
		!strings.Contains(w.errs[0].Error(), "payload continues for more than 1048576 bytes after the cpio trailer") {
		t.Fatalf("errors %v", w.errs)
	}
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 256<<20 {
		t.Fatalf("allocated %d bytes", d)
	}
	t.Logf("%d-byte pkg: %v", len(b), w.errs[0])
}
