package inspect

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
)

// Identical nested containers are walked once and copied: the inventory is
// byte for byte the one walking every copy gives — for a bundle whose two
// packages carry the same MSI (as python.org's do, once per install scope)
// and for a zip holding that bundle twice beside one of its MSIs.
func TestIdenticalContainersWalkedOnce(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	var core burnbuild.Package
	for _, p := range spec.Packages {
		if p.ID == "core_AllUsers" {
			core = p
		}
	}
	twin := core
	twin.ID, twin.ProductCode, twin.FilePath = "core_JustForMe", core.ProductCode, "core.msi"
	spec.Packages = append(spec.Packages, twin)
	bundle := burnbuild.Build(t, spec).Bytes
	z, err := embedzip.Bytes([]embedzip.Entry{{Name: "a/bundle.exe", Data: bundle}, {Name: "b/bundle.exe", Data: bundle}, {Name: "core.msi", Data: core.Data}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{{"bundle.exe", bundle}, {"twice.zip", z}} {
		var out [2][]byte
		for i, every := range []bool{false, true} {
			inv, err := Inspect(bytes.NewReader(tc.data), int64(len(tc.data)), tc.name, Options{walkEveryCopy: every})
			if err != nil {
				t.Fatal(err)
			}
			out[i], _ = json.MarshalIndent(inv, "", " ")
		}
		if !bytes.Equal(out[0], out[1]) {
			a, b := strings.Split(string(out[0]), "\n"), strings.Split(string(out[1]), "\n")
			for i := 0; i < len(a) && i < len(b); i++ {
				if a[i] != b[i] {
					t.Fatalf("%s: walked once differs from walked every time at line %d:\n%s\nvs\n%s", tc.name, i, strings.Join(a[max(0, i-5):min(len(a), i+5)], "\n"), strings.Join(b[max(0, i-5):min(len(b), i+5)], "\n"))
				}
			}
			t.Fatalf("%s: %d vs %d lines", tc.name, len(a), len(b))
		}
		if !strings.Contains(string(out[0]), "core_JustForMe") {
			t.Errorf("%s: the twin package is missing", tc.name)
		}
	}
}
