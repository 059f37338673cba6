package inspect

import (
	"bytes"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
)

// TestCabinetRestartsCountAgainstTheBudget: the bytes a cabinet folder
// decodes again when it restarts count against the walk's total-bytes
// limit, like the bytes of the entries it yields.
func TestCabinetRestartsCountAgainstTheBudget(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 10000))
	// 100,020 bytes of entries; the restart decodes 89,980 bytes again.
	b := hostile.StoredCabinet(data, []hostile.CabFile{{Name: "a", Off: 0, Size: 100000}, {Name: "b", Off: 50000, Size: 10}, {Name: "c", Off: 99990, Size: 10}}, 1)
	run := func(total int64) *Inventory {
		l := DefaultLimits()
		l.TotalBytes = total
		inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "r.cab", Options{Limits: l})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	if inv := run(250_000); len(inv.Problems) != 0 || len(inv.Files) != 3 {
		t.Fatalf("within the budget: %d files, problems %v", len(inv.Files), inv.Problems)
	}
	inv := run(150_000)
	found := false
	for _, p := range inv.Problems {
		found = found || strings.Contains(p.Message, "total-bytes")
	}
	if !found {
		t.Fatalf("150,000-byte budget: want a total-bytes problem, got %v", inv.Problems)
	}
}
