package compose

import (
	"bytes"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// Inventories from the real walker over installers built from real CPython
// binaries.

func realEmbedZip(t *testing.T) *inspect.Inventory {
	t.Helper()
	dir := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64")
	b, err := embedzip.Tree{Dir: dir, Version: "311"}.Build()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inspect.Inspect(bytes.NewReader(b), int64(len(b)), "python-3.11.11-embed-amd64.zip", inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func realBurn(t *testing.T) *inspect.Inventory {
	t.Helper()
	bundle := burnbuild.Build(t, burnbuild.PythonSpec(t))
	inv, err := inspect.Inspect(bytes.NewReader(bundle.Bytes), int64(len(bundle.Bytes)), "python-3.11.11-amd64.exe", inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// The document of a real embeddable zip: every inventory file and component
// is in it, nothing twice, the schemas and NTIA checks pass, two runs give
// the same bytes, and CPython 3.13.15's source SBOMs merge by the rules
// (the 3.11.11 binaries disagree with them on most versions).
func TestRealEmbedZip(t *testing.T) {
	inv := realEmbedZip(t)
	if len(inv.Components) == 0 || len(inv.Files) < 100 {
		t.Fatalf("the walker found %d files and %d components", len(inv.Files), len(inv.Components))
	}
	opts := cpythonOptions(t)
	res := mustCompose(t, inv, opts)
	b := spdxJSON(t, res.Document())
	checkRealDocument(t, inv, opts, res, b)

	d := parseDoc(t, b)
	// zlib is at 1.2.13 in python311.dll and at 1.2.11 in tcl86t.dll: two
	// packages, both in conflict with the source's 1.3.1.
	var zlibs []string
	for _, p := range d.Packages {
		if p.Name == "zlib" {
			zlibs = append(zlibs, p.VersionInfo)
		}
	}
	if len(zlibs) != 2 || !slices.Contains(res.Conflicts, "zlib: the installer has 1.2.13, the source SBOM lists zlib 1.3.1 (externals.spdx.json SPDXRef-PACKAGE-zlib)") {
		t.Errorf("zlib packages %v, conflicts %v", zlibs, res.Conflicts)
	}
	// expat shows 2.6.4 in pyexpat.pyd and no version in _elementtree.pyd:
	// one package at 2.6.4, never the source's 2.8.2.
	var expats []string
	for _, p := range d.Packages {
		if p.Name == "expat" {
			expats = append(expats, p.VersionInfo)
		}
	}
	if !slices.Equal(expats, []string{"2.6.4"}) {
		t.Errorf("expat packages %v, want one at 2.6.4", expats)
	}
	// mpdecimal 2.5.1 matches sbom.spdx.json's entry; externals' 4.0.0 is unverified.
	m := d.Packages[d.pkg(t, "mpdecimal")]
	if m.VersionInfo != "2.5.1" || !hasNote(m.Annotations, "source-sbom:", "sbom.spdx.json") ||
		!slices.Contains(res.Unverified, "mpdecimal 4.0.0 (externals.spdx.json SPDXRef-PACKAGE-mpdecimal)") {
		t.Errorf("mpdecimal %q annotations %+v unverified %v", m.VersionInfo, m.Annotations, res.Unverified)
	}
	// xz has no version in these builds: it takes the source's, annotated.
	x := d.Packages[d.pkg(t, "xz")]
	if x.VersionInfo != "5.2.5" || !hasNote(x.Annotations, "version-from-source-sbom:") {
		t.Errorf("xz %q %+v", x.VersionInfo, x.Annotations)
	}
	// The embeddable zip has no hacl-star or libb2 evidence and no macholib.
	for _, u := range []string{"macholib 1.0 (sbom.spdx.json SPDXRef-PACKAGE-macholib)", "libb2 0.98.1 (sbom.spdx.json SPDXRef-PACKAGE-libb2)"} {
		if !slices.Contains(res.Unverified, u) {
			t.Errorf("%s not reported unverified: %v", u, res.Unverified)
		}
	}
}

// A synthetic Burn bundle of real CPython files, read by the real walker:
// the bundle's own registration becomes the root, the MSIs sub-packages,
// the on-demand MSI keeps its URL and declared hash.
func TestRealBurnBundle(t *testing.T) {
	inv := realBurn(t)
	opts := Options{Created: testCreated, ToolVersion: "0.1.0", Creators: []string{"Organization: Test"}}
	res := mustCompose(t, inv, opts)
	b := spdxJSON(t, res.Document())
	// The bytes show no version for libffi (its DLL has no version
	// resource) and the stub bootstrapper has none.
	checkRealDocument(t, inv, opts, res, b, "libffi", "stub.exe")
	d := parseDoc(t, b)
	root := d.Packages[0]
	if root.Name != "Synthetic Python 3.11.11 (64-bit)" || root.VersionInfo != "3.11.11.0" || root.Supplier != "Organization: installer-sbom tests" {
		t.Errorf("root from the bundle's registration: %q %q %q", root.Name, root.VersionInfo, root.Supplier)
	}
	for _, p := range d.Packages {
		if p.Name == "Synthetic Python 3.11.11 (64-bit)" && p.SPDXID != RootID {
			t.Errorf("the bundle appears as root and as %s", p.SPDXID)
		}
	}
	// MSIs are named by their ProductName, the on-demand one (not read) by
	// its bundle id.
	for _, name := range []string{"Synthetic Python Core", "Synthetic Python Lib", "core_AllUsers_d", "stub.exe"} {
		if !d.hasRel(RootID, "CONTAINS", d.Packages[d.pkg(t, name)].SPDXID) {
			t.Errorf("the bundle does not CONTAIN %s", name)
		}
	}
	core := d.Packages[d.pkg(t, "Synthetic Python Core")].SPDXID
	for _, f := range inv.Files {
		want := RootID
		if strings.HasPrefix(f.Path, "python-3.11.11-amd64.exe/core.msi/") {
			want = core
		}
		if strings.HasPrefix(f.Path, "python-3.11.11-amd64.exe/core.msi") || strings.HasPrefix(f.Path, "python-3.11.11-amd64.exe/ux/") {
			if !d.hasRel(want, "CONTAINS", d.fileID(t, f.Path)) {
				t.Errorf("%s is not CONTAINed by %s", f.Path, want)
			}
		}
	}
	od := d.Packages[d.pkg(t, "core_AllUsers_d")]
	if od.DownloadLocation != "https://www.python.org/ftp/python/3.11.11/amd64/core_d.msi" || len(od.Checksums) != 1 ||
		od.Checksums[0].ChecksumValue != "09ca2587afd296e1a71421e3d740862a45c0da6e" || !hasNote(od.Annotations, "not-embedded:", "size 4747264") {
		t.Errorf("on-demand MSI: %+v", od)
	}
	ref := ""
	for _, r := range root.ExternalRefs {
		if r.ReferenceType == IdentityRefType {
			ref = r.ReferenceLocator
		}
	}
	if inv.Artifact.Identity == nil || ref != inv.Artifact.Identity.Algorithm+":"+inv.Artifact.Identity.Digest {
		t.Errorf("identity ref %q, inventory %+v", ref, inv.Artifact.Identity)
	}
}

// checkRealDocument checks what holds for every document. versionless
// names the packages whose versions neither the bytes nor the options give:
// Validate must report exactly those as NTIA gaps.
func checkRealDocument(t *testing.T, inv *inspect.Inventory, opts Options, res *Result, b []byte, versionless ...string) {
	t.Helper()
	validateAgainst(t, schemaValidator(t, "spdx-2.3-schema.json"), "SPDX JSON", b)
	var c bytes.Buffer
	if err := WriteCycloneDX(&c, res); err != nil {
		t.Fatal(err)
	}
	validateAgainst(t, schemaValidator(t, "cyclonedx", "bom-1.7.schema.json"), "CycloneDX", c.Bytes())
	d := parseDoc(t, b)
	nameOf := map[string]string{}
	for _, p := range d.Packages {
		nameOf[p.SPDXID] = p.Name
	}
	// No errors; the versions nobody can show are warnings (NOASSERTION).
	var gaps []string
	for _, p := range Validate(b) {
		if !p.Warning {
			t.Errorf("Validate: %s", p)
		}
		if p.Rule == RuleVersion {
			gaps = append(gaps, nameOf[p.Element])
		}
	}
	slices.Sort(gaps)
	if !slices.Equal(gaps, versionless) {
		t.Errorf("packages without version %v, want %v", gaps, versionless)
	}
	files := map[string][2]string{}
	for _, f := range d.Files {
		files[strings.TrimPrefix(f.FileName, "./")] = [2]string{f.Checksums[0].ChecksumValue, f.Checksums[1].ChecksumValue}
	}
	for _, f := range inv.Files {
		if got, ok := files[f.Path]; !ok || got != [2]string{f.SHA1, f.SHA256} {
			t.Errorf("file %s: in document %v with %v", f.Path, ok, got)
		}
	}
	if len(files) != len(inv.Files) {
		t.Errorf("%d files in the document, %d in the inventory", len(files), len(inv.Files))
	}
	// Every component is in the document under its name and, when the bytes
	// show one, its version; no name+version twice.
	seen := map[string]int{}
	for _, p := range d.Packages {
		if p.PrimaryPackagePurpose == "LIBRARY" {
			seen[p.Name+"@"+p.VersionInfo]++
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Errorf("%s appears %d times", k, n)
		}
	}
	for _, c := range inv.Components {
		if c.Version != "" && seen[c.Name+"@"+c.Version] != 1 {
			t.Errorf("component %s %s is not in the document once", c.Name, c.Version)
		}
	}
	again := mustCompose(t, inv, opts)
	if !bytes.Equal(b, spdxJSON(t, again.Document())) {
		t.Errorf("two runs differ")
	}
}
