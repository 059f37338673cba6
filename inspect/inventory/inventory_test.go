package inventory_test

import (
	"go/build"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/filekind"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// TestLeaf: the model imports nothing of the project, so every layer can
// depend on it.
func TestLeaf(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range p.Imports {
		if strings.HasPrefix(imp, "github.com/installer-sbom/") {
			t.Errorf("inventory imports %s", imp)
		}
	}
}

// TestKindsMatchFilekind: file kinds are spelled as the sniffer names them.
func TestKindsMatchFilekind(t *testing.T) {
	for _, c := range [][2]string{{inventory.KindPE, string(filekind.PE)}, {inventory.KindMachO, string(filekind.MachO)}, {inventory.KindELF, string(filekind.ELF)}} {
		if c[0] != c[1] {
			t.Errorf("inventory kind %q, filekind %q", c[0], c[1])
		}
	}
}
