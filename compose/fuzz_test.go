package compose

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func seedSourceFiles(f *testing.F) {
	// Small documents first: the fuzzer mutates them much faster.
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"SPDXRef-PACKAGE-openssl","name":"openssl","versionInfo":"3.0.15","downloadLocation":"https://example.org/o.tgz","externalRefs":[{"referenceCategory":"PACKAGE_MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/openssl@3.0.15"}],"originator":"Organization: OpenSSL"},{"SPDXID":"SPDXRef-x","name":"xz","licenseConcluded":"0BSD","checksums":[{"algorithm":"SHA256","checksumValue":"00"}]}]}`))
	for _, rel := range [][]string{
		{"v3.13.15", "sbom.spdx.json"}, {"v3.13.15", "externals.spdx.json"},
		{"v3.13.5", "sbom.spdx.json"}, {"main-0eaddae5", "externals.spdx.json"},
	} {
		b, err := os.ReadFile(testenv.Shared(f, append([]string{"reference", "cpython"}, rel...)...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.spdx.json"))
	for _, g := range golden {
		b, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzReadSourceSBOM: any bytes either fail to read or give a source SBOM
// that Compose merges into a valid document.
func FuzzReadSourceSBOM(f *testing.F) {
	seedSourceFiles(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadSourceSBOM(bytes.NewReader(data), "fuzz.spdx.json")
		if err != nil {
			return
		}
		o := Options{Created: testCreated, SourceSBOMs: []SourceSBOM{*s}, IncludeUnverified: true}
		if _, err := Compose(embedZipInventory(), o); err != nil {
			t.Fatalf("Compose with a readable source SBOM: %v", err)
		}
	})
}

// FuzzValidate: Validate never panics, whatever the bytes.
func FuzzValidate(f *testing.F) {
	seedSourceFiles(f)
	f.Add([]byte(incompleteDoc))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range Validate(data) {
			if p.Element == "" || p.Rule == "" {
				t.Fatalf("problem without element or rule: %+v", p)
			}
		}
	})
}

// FuzzComposeStrings: the strings an inventory carries come from untrusted
// installers (MSI properties, Burn manifests, version resources). Whatever
// they are, Compose either refuses the inventory or writes a valid document;
// it never panics.
func FuzzComposeStrings(f *testing.F) {
	f.Add("core", "3.13.15150.0", "https://www.python.org/ftp/python/3.13.15/amd64/tcltk.msi", "Python Software Foundation", "DLLs/_ssl.pyd", "openssl", "3.0.21", "cpe:2.3:a:openssl:openssl:3.0.21:*:*:*:*:*:*:*")
	f.Add("", "", "", "", "", "", "", "")
	f.Add("a b\nc", "1 2", "ftp://x y", "Tool: me", "../../x", "Person: x", "v1:2", "pkg:pypi/x@1")
	base := cpythonOptions(f)
	f.Fuzz(func(t *testing.T, pkgName, pkgVersion, url, manufacturer, filePath, compName, compVersion, cpe string) {
		inv := burnInventory()
		inv.Packages[0].Name, inv.Packages[0].Version, inv.Packages[0].Manufacturer = pkgName, pkgVersion, manufacturer
		inv.Packages[2].URL = url
		p := "python-3.13.15-amd64.exe/lib.msi/" + filePath
		inv.Files = append(inv.Files, file(p, inspect.KindPE, "lib_AllUsers"))
		inv.Components = append(inv.Components, inspect.Component{Name: compName, Version: compVersion, CPE: cpe, Supplier: manufacturer,
			Linkage: "dynamic", Files: []string{p}, ImportedBy: []string{p}, Evidence: []inspect.Evidence{ev(p, "fuzz", 0, compVersion)}})
		o := base
		o.Name, o.Version = pkgName, compVersion
		res, err := Compose(inv, o)
		if err != nil {
			return
		}
		doc, err := res.SPDX()
		if err != nil {
			t.Fatal(err) // the inventory was accepted, so this is compose's bug
		}
		var buf bytes.Buffer
		if err := WriteSPDXTagValue(&buf, doc); err != nil {
			t.Fatal(err)
		}
		if err := WriteCycloneDX(&buf, res); err != nil {
			t.Fatal(err)
		}
	})
}
