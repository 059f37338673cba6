package burn

import (
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// A manifest of 200,000 chain packages (issue 14: > 120 s through the
// walk) is parsed in one pass and each package's payload is found through
// a map, so this package adds nothing quadratic. (The walk's own package
// lookup is the walker's.) encoding/xml allocates about 12 bytes per
// manifest byte as it goes, transiently; the manifest is bounded by
// ManifestOptions.MaxBytes.
func TestHostileManyPackages(t *testing.T) {
	const n = 200000
	data := hostile.BurnManifestManyPackages(n)
	var m *Manifest
	var err error
	found := 0
	alloc, d := testenv.Allocated(func() {
		if m, err = ParseManifest(data, nil); err != nil {
			return
		}
		for _, p := range m.Packages {
			if pl := m.Payload(p.PayloadIDs[0]); pl != nil && pl.FilePath == p.ID+".exe" {
				found++
			}
		}
	})
	t.Logf("%d-byte manifest, %d packages: %d payloads found; %d MiB allocated, %v", len(data), n, found, alloc>>20, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Packages) != n || found != n {
		t.Fatalf("%d packages, %d payloads found", len(m.Packages), found)
	}
	if alloc > 1<<30 {
		t.Fatalf("allocated %d MiB", alloc>>20)
	}
}
