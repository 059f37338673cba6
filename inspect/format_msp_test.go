package inspect

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// A patch (.msp) is a package named by its patch code, targeting product
// codes, and its cabinet streams are walked: the real WiX patch ldr2.msp
// delivers F_Patch in ldr2.cab. Oracle: msiinfo extracts the stream and
// cabextract the file; same bytes.
func TestPatch(t *testing.T) {
	path := testenv.Shared(t, "fixtures-real", "wix", "ldr2.msp")
	inv, err := InspectFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	if len(inv.Packages) != 1 {
		t.Fatalf("packages %+v", inv.Packages)
	}
	p := inv.Packages[0]
	si := string(testenv.Run(t, "", testenv.Tool(t, "msiinfo"), "suminfo", path))
	if p.Format != "msp" || p.ID != "{8FE377A5-C5A1-45D9-A642-FB4FAE6EE4F6}" || !strings.Contains(si, p.ID) ||
		p.Properties["TargetProductCodes"] != "{FB94421B-7FA3-4495-A9D7-212099C19147}" || !strings.Contains(si, p.Properties["TargetProductCodes"]) ||
		p.Name != "Update (KB2)" {
		t.Errorf("package %+v", p)
	}
	dir := t.TempDir()
	cabBytes := testenv.Run(t, dir, testenv.Tool(t, "msiinfo"), "extract", path, "ldr2.cab")
	os.WriteFile(filepath.Join(dir, "ldr2.cab"), cabBytes, 0o644)
	testenv.Run(t, dir, testenv.Tool(t, "cabextract"), "-q", "ldr2.cab")
	want, err := os.ReadFile(filepath.Join(dir, "F_Patch"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range inv.Files {
		if f.Path == "ldr2.msp/ldr2.cab/F_Patch" {
			found = f.SHA256 == fmt.Sprintf("%x", sha256.Sum256(want))
		}
	}
	if !found {
		t.Errorf("F_Patch missing or different: %+v", inv.Files)
	}
}

// PatchAv101.msp carries an empty cabinet (no folders, no files), as WiX
// writes for a patch that changes only tables: it is read, with no problem.
func TestPatchEmptyCabinet(t *testing.T) {
	inv, err := InspectFile(testenv.Shared(t, "fixtures-real", "wix", "PatchAv101.msp"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) != 0 || len(inv.Files) != 1 || inv.Files[0].Path != "PatchAv101.msp/A.cab" || inv.Files[0].Kind != KindArchive {
		t.Errorf("files %+v, problems %+v", inv.Files, inv.Problems)
	}
	if p := inv.Packages[0]; p.Format != "msp" || p.Properties["TargetProductCodes"] != "{6EA3AE83-A14F-4B8B-8A86-BB977A9E7833}" || p.Properties["Classification"] != "Update" {
		t.Errorf("package %+v", p)
	}
}
