package compose

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// licenseInventory is a small installer with libraries whose licences come
// from every place compose takes them from.
func licenseInventory() *inspect.Inventory {
	const z = "tool-1.0.zip"
	withLicenses := func(f inspect.File, ls ...inventory.LicenseText) inspect.File {
		f.Licenses = ls
		return f
	}
	return &inspect.Inventory{
		Artifact: artifact(z, "zip"),
		Files: []inspect.File{
			file(z+"/python311.dll", inspect.KindPE, ""),
			file(z+"/libcrypto-3-x64.dll", inspect.KindPE, ""),
			file(z+"/libzstd.dll", inspect.KindPE, ""),
			file(z+"/_lzma.pyd", inspect.KindPE, ""),
			withLicenses(file(z+"/LICENSE.txt", inspect.KindText, ""),
				inventory.LicenseText{Expression: "PSF-2.0", Coverage: 98, Component: "cpython", Section: "PSF License Agreement, bytes 3273-5771"},
				inventory.LicenseText{Expression: "bzip2-1.0.6", Coverage: 79, Component: "bzip2", Section: "bytes 13936-15992"}),
			withLicenses(file(z+"/zstd/LICENSE", inspect.KindText, ""), inventory.LicenseText{Expression: "BSD-3-Clause", Coverage: 100, Component: "zstd"}),
			withLicenses(file(z+"/zstd/COPYING", inspect.KindText, ""), inventory.LicenseText{Expression: "GPL-2.0-only", Coverage: 100, Component: "zstd"}),
			file(z+"/Lib/site-packages/foo-1.0.dist-info/METADATA", inspect.KindText, ""),
			withLicenses(file(z+"/Lib/site-packages/foo-1.0.dist-info/licenses/LICENSE", inspect.KindText, ""),
				inventory.LicenseText{Expression: "MIT", Coverage: 100, Component: "foo"}),
			// Another copy of foo elsewhere, with another licence: not this one's.
			withLicenses(file(z+"/other/site-packages/foo-0.9.dist-info/licenses/LICENSE", inspect.KindText, ""),
				inventory.LicenseText{Expression: "Apache-2.0", Coverage: 100, Component: "foo"}),
			file(z+"/app.asar/node_modules/left-pad/package.json", inspect.KindText, ""),
			file(z+"/app.asar/node_modules/odd/package.json", inspect.KindText, ""),
			// Hostile or stale inventory data: not an SPDX expression.
			withLicenses(file(z+"/x/LICENSE", inspect.KindText, ""), inventory.LicenseText{Expression: "MIT License", Coverage: 300, Component: "odd"}),
		},
		Components: []inspect.Component{
			{Name: "cpython", Version: "3.11.11", License: "PSF-2.0", Linkage: "dynamic", Files: []string{z + "/python311.dll"},
				Evidence: []inspect.Evidence{{File: z + "/python311.dll", Rule: "cpython.versioninfo", Offset: -1, Resource: "VERSIONINFO/ProductVersion", Match: "3.11.11"}}},
			{Name: "openssl", Version: "3.0.15", License: "Apache-2.0", PURL: "pkg:generic/openssl@3.0.15", Linkage: "dynamic", Files: []string{z + "/libcrypto-3-x64.dll"},
				Evidence: []inspect.Evidence{ev(z+"/libcrypto-3-x64.dll", "openssl.banner", 0x1b0a20, "OpenSSL 3.0.15 3 Sep 2024")}},
			{Name: "zstd", Version: "1.5.6", License: "BSD-3-Clause OR GPL-2.0-only", Linkage: "dynamic", Files: []string{z + "/libzstd.dll"},
				Evidence: []inspect.Evidence{ev(z+"/libzstd.dll", "zstd.version", 0x1000, "1.5.6")}},
			// No License in the inventory and no version: the rule data's
			// ranges differ.
			{Name: "xz", Linkage: "static", Files: []string{z + "/_lzma.pyd"},
				Evidence: []inspect.Evidence{ev(z+"/_lzma.pyd", "xz.crc64-table", 0x1c040, "")}},
			{Name: "foo", Version: "1.0", PURL: "pkg:pypi/foo@1.0", Linkage: "unknown", Files: []string{z + "/Lib/site-packages/foo-1.0.dist-info/METADATA"},
				Evidence: []inspect.Evidence{ev(z+"/Lib/site-packages/foo-1.0.dist-info/METADATA", "pypi.dist-info", -1, "Name: foo")}},
			{Name: "left-pad", Version: "1.3.0", License: "WTFPL", PURL: "pkg:npm/left-pad@1.3.0", Linkage: "unknown", Files: []string{z + "/app.asar/node_modules/left-pad/package.json"},
				Evidence: []inspect.Evidence{ev(z+"/app.asar/node_modules/left-pad/package.json", "npm.package-json", -1, "left-pad@1.3.0")}},
			{Name: "odd", Version: "2.0.0", License: "SEE LICENSE IN LICENSE.md", PURL: "pkg:npm/odd@2.0.0", Linkage: "unknown", Files: []string{z + "/app.asar/node_modules/odd/package.json"},
				Evidence: []inspect.Evidence{ev(z+"/app.asar/node_modules/odd/package.json", "npm.package-json", -1, "odd@2.0.0")}},
		},
		Problems: []inspect.Problem{},
	}
}

// pkgByName returns the model's library package of that name (and version).
func pkgByName(t *testing.T, res *Result, name, version string) *pkgNode {
	t.Helper()
	for _, p := range res.m.packages {
		if p.role == roleLibrary && p.name == name && (version == "" || p.version == version) {
			return p
		}
	}
	t.Fatalf("no library package %s %s", name, version)
	return nil
}

func noteWith(p *pkgNode, prefix string, contains ...string) bool {
	for _, n := range p.notes {
		if !strings.HasPrefix(n, prefix) {
			continue
		}
		ok := true
		for _, c := range contains {
			ok = ok && strings.Contains(n, c)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestLicensesDeclaredAndConcluded(t *testing.T) {
	res := mustCompose(t, licenseInventory(), Options{ToolVersion: "0.1.0", Created: testCreated})
	for _, c := range []struct {
		name, declared, concluded, keyword string
		contains                           []string
	}{
		// CPython's LICENSE.txt, its PSF agreement.
		{"cpython", "PSF-2.0", "PSF-2.0", NoteLicenseFromText, []string{"tool-1.0.zip/LICENSE.txt (98%, PSF License Agreement", "is PSF-2.0"}},
		// No text: the rule data's licence, said so.
		{"openssl", "Apache-2.0", "Apache-2.0", NoteLicenseFromRuleData, []string{"no licence text for openssl", "rule data for openssl 3.0.15"}},
		// The texts are the declared expression's licences: the declared
		// expression, which says they are a choice.
		{"zstd", "BSD-3-Clause OR GPL-2.0-only", "BSD-3-Clause OR GPL-2.0-only", NoteLicenseFromText, []string{"zstd/COPYING (100%) is GPL-2.0-only", "zstd/LICENSE (100%) is BSD-3-Clause"}},
		// A dist-info's licence file, the copy next to its metadata; the
		// distribution declares nothing in the inventory.
		{"foo", "", "MIT", NoteLicenseFromText, []string{"foo-1.0.dist-info/licenses/LICENSE (100%) is MIT"}},
		// An npm package's own metadata.
		{"left-pad", "WTFPL", "WTFPL", NoteLicenseFromMetadata, []string{"app.asar/node_modules/left-pad/package.json"}},
		// Metadata that is not an SPDX expression, and a text that is not
		// one either: nothing known.
		{"odd", "", "", NoteLicenseFromMetadata, []string{`"SEE LICENSE IN LICENSE.md", which is not an SPDX licence expression`}},
		// No version: xz's licence changed at 5.6.0; each applies.
		{"xz", "", "0BSD AND LicenseRef-Public-Domain", NoteLicenseFromRuleData, []string{"do not show which version of xz", "before 5.6.0: LicenseRef-Public-Domain; from 5.6.0: 0BSD"}},
	} {
		p := pkgByName(t, res, c.name, "")
		if p.licenseDeclared != c.declared || p.licenseConcluded != c.concluded || !noteWith(p, c.keyword, c.contains...) {
			t.Errorf("%s: declared %q concluded %q notes %q; want %q, %q and a %s note with %q", c.name, p.licenseDeclared, p.licenseConcluded, p.notes, c.declared, c.concluded, c.keyword, c.contains)
		}
	}
	// A text attributed to bzip2, which the installer does not hold, makes
	// no package.
	for _, p := range res.m.packages {
		if p.name == "bzip2" {
			t.Errorf("a licence text made a package: %+v", p)
		}
	}
	// SPDX 2.3 defines every LicenseRef the document uses.
	doc := res.Document()
	if len(doc.OtherLicenses) != 1 || doc.OtherLicenses[0].LicenseIdentifier != "LicenseRef-Public-Domain" || doc.OtherLicenses[0].ExtractedText == "" {
		t.Errorf("hasExtractedLicensingInfos = %+v", doc.OtherLicenses)
	}
	for _, p := range doc.Packages {
		if p.PackageName == "xz" && (p.PackageLicenseConcluded != "0BSD AND LicenseRef-Public-Domain" || p.PackageLicenseDeclared != "NOASSERTION") {
			t.Errorf("xz in SPDX: concluded %q declared %q", p.PackageLicenseConcluded, p.PackageLicenseDeclared)
		}
	}
}

// An inventory without licences (from before they were recorded): a
// library found by its bytes gets its rule's licence for its version; an
// ecosystem package of the same name does not.
func TestLicensesFromRuleDataByName(t *testing.T) {
	inv := embedZipInventory()
	inv.Components = append(inv.Components, inspect.Component{Name: "zstd", Version: "1.0", PURL: "pkg:pypi/zstd@1.0", Linkage: "unknown",
		Files: []string{inv.Files[0].Path}, Evidence: []inspect.Evidence{ev(inv.Files[0].Path, "pypi.dist-info", -1, "Name: zstd")}})
	res := mustCompose(t, inv, Options{ToolVersion: "0.1.0", Created: testCreated})
	if p := pkgByName(t, res, "openssl", "3.0.15"); p.licenseDeclared != "Apache-2.0" || p.licenseConcluded != "Apache-2.0" {
		t.Errorf("openssl: %q %q", p.licenseDeclared, p.licenseConcluded)
	}
	if p := pkgByName(t, res, "zstd", "1.0"); p.licenseDeclared != "" || p.licenseConcluded != "" {
		t.Errorf("the PyPI package zstd got the C library's licence: %q %q", p.licenseDeclared, p.licenseConcluded)
	}
}

// A source SBOM's licence is the project's word and stays; only where it is
// that of another version than the bytes show does the rule data's licence
// for the bytes' version replace it.
func TestLicensesSourceSBOM(t *testing.T) {
	inv := licenseInventory()
	src := SourceSBOM{Name: "externals.spdx.json", Packages: []SourcePackage{
		{SPDXID: "SPDXRef-PACKAGE-cpython", Name: "cpython", Version: "3.11.11", LicenseConcluded: "Python-2.0", LicenseDeclared: "Python-2.0"},
		{SPDXID: "SPDXRef-PACKAGE-openssl", Name: "openssl", Version: "1.1.1w", LicenseConcluded: "OpenSSL", LicenseDeclared: "OpenSSL"},
	}}
	res := mustCompose(t, inv, Options{ToolVersion: "0.1.0", Created: testCreated, SourceSBOMs: []SourceSBOM{src}})
	if p := pkgByName(t, res, "cpython", ""); p.licenseConcluded != "Python-2.0" || p.licenseDeclared != "Python-2.0" ||
		!noteWith(p, NoteLicenseFromText, "the source SBOM concludes Python-2.0, which is kept") {
		t.Errorf("cpython: %q %q %q", p.licenseDeclared, p.licenseConcluded, p.notes)
	}
	if p := pkgByName(t, res, "openssl", ""); p.licenseConcluded != "Apache-2.0" || p.licenseDeclared != "Apache-2.0" ||
		!noteWith(p, NoteLicenseFromRuleData, "the source SBOM's licence (declared OpenSSL, concluded OpenSSL) is that of another version") {
		t.Errorf("openssl: %q %q %q", p.licenseDeclared, p.licenseConcluded, p.notes)
	}
}

// Every LicenseRef the rule data uses has a description for SPDX 2.3's
// hasExtractedLicensingInfos.
func TestLicenseRefsOfRuleDataDescribed(t *testing.T) {
	for _, r := range fingerprint.BuiltinRules() {
		for _, l := range r.Licenses {
			for _, id := range fingerprint.LicenseIDs(l.Expression) {
				if _, ok := licenseRefTexts[id]; strings.HasPrefix(id, "LicenseRef-") && !ok {
					t.Errorf("%s: %s has no description in licenseRefTexts", r.Name, id)
				}
			}
		}
	}
}

// The real embeddable zip with the licence texts CPython's Windows install
// carries (LICENSE.txt with its bundled libraries' sections) and a pip
// dist-info: every library package has a concluded licence, from the
// texts where the installer has one, from the rule data elsewhere.
func TestLicensesRealEmbedZip(t *testing.T) {
	data := testenv.EmbedPython(t, testenv.Python311)
	b, err := embedzip.Tree{Dir: filepath.Join(data, "windows-amd64"), Version: "311"}.Build()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var entries []embedzip.Entry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, embedzip.Entry{Name: f.Name, Data: body})
	}
	read := func(p string) []byte {
		body, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	distInfo := filepath.Join(data, "..", "..", "..", "pip", "internal", "data", "pip-24.3.1.dist-info")
	entries = append(entries,
		embedzip.Entry{Name: "LICENSE.txt", Data: read(filepath.Join("..", "inspect", "fingerprint", "testdata", "licenses", "python-windows-LICENSE.txt"))},
		embedzip.Entry{Name: "Lib/site-packages/pip-24.3.1.dist-info/METADATA", Data: read(filepath.Join(distInfo, "METADATA"))},
		embedzip.Entry{Name: "Lib/site-packages/pip-24.3.1.dist-info/LICENSE.txt", Data: read(filepath.Join(distInfo, "LICENSE.txt"))},
	)
	zb, err := embedzip.Bytes(entries)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inspect.Inspect(bytes.NewReader(zb), int64(len(zb)), "python-3.11.11-amd64.zip", inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := mustCompose(t, inv, Options{ToolVersion: "0.1.0", Created: testCreated})
	from := map[string]string{}
	for _, p := range res.m.packages {
		if p.role != roleLibrary {
			continue
		}
		if p.licenseConcluded == "" {
			t.Errorf("%s %s: no concluded licence (notes %q)", p.name, p.version, p.notes)
		}
		for _, n := range p.notes {
			if kw, _, ok := strings.Cut(n, " "); ok && strings.HasPrefix(kw, "license-from-") {
				from[p.name] = kw + " " + p.licenseConcluded
			}
		}
	}
	for name, want := range map[string]string{
		"cpython": NoteLicenseFromText + " PSF-2.0",
		"bzip2":   NoteLicenseFromText + " bzip2-1.0.6",
		"libffi":  NoteLicenseFromText + " MIT",
		"pip":     NoteLicenseFromText + " MIT",
		"openssl": NoteLicenseFromRuleData + " Apache-2.0",
		"sqlite":  NoteLicenseFromRuleData + " blessing",
		"tcl":     NoteLicenseFromRuleData + " TCL",
	} {
		if from[name] != want {
			t.Errorf("%s: %q, want %q", name, from[name], want)
		}
	}
	t.Logf("where each library's concluded licence comes from: %v", from)
}
