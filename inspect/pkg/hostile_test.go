package pkg

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/inspect/xar"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// Each component's PackageInfo, Bom, Payload and Scripts used to be found by
// scanning the whole TOC once per component: quadratic in a product archive
// of many small components (152 KB: 53 s). They are found through one map.
func TestHostileManyComponents(t *testing.T) {
	const n = 20000
	b, err := hostile.PkgManyComponents(n, func(i int) []byte { return []byte{byte(i)} }, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, err := xar.NewReader(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var p *Package
	alloc, d := testenv.Allocated(func() { p, err = FromXar(x, nil) })
	t.Logf("%d-byte pkg, %d TOC files: %d components; %d MiB allocated, %v", len(b), len(x.Files), len(p.Components), alloc>>20, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Components) != n {
		t.Fatalf("%d components", len(p.Components))
	}
	for i, c := range p.Components {
		if c.Dir != fmt.Sprintf("c%d", i) || c.Payload == nil || c.Payload.Name != c.Dir+"/Payload" || c.PackageInfo != nil || c.Bom != nil || c.Scripts != nil {
			t.Fatalf("component %d: %+v", i, c)
		}
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d MiB", alloc>>20)
	}
}
