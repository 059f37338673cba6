package compose

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// The merge rules of issue 7, each against CPython 3.13.15's real
// Misc/sbom.spdx.json and Misc/externals.spdx.json.

func TestReadSourceSBOMPartialCPythonFiles(t *testing.T) {
	srcs := cpythonSources(t)
	// Values as they are in the files (read independently with a JSON
	// tool): sbom.spdx.json lists 5 packages, externals.spdx.json 9.
	var names [2][]string
	for i, s := range srcs {
		if s.DocumentName != "" || s.Namespace != "" {
			t.Errorf("%s: partial file has name %q namespace %q", s.Name, s.DocumentName, s.Namespace)
		}
		for _, p := range s.Packages {
			names[i] = append(names[i], p.Name+"@"+p.Version)
		}
	}
	if want := []string{"expat@2.8.2", "hacl-star@bb3d0dc8d9d15a5cd51094d5b69e70aa09005ff0", "libb2@0.98.1", "macholib@1.0", "mpdecimal@2.5.1"}; !slices.Equal(names[0], want) {
		t.Errorf("sbom.spdx.json packages %v, want %v", names[0], want)
	}
	if want := []string{"bzip2@1.0.8", "libffi@3.4.4", "mpdecimal@4.0.0", "openssl@3.0.21", "sqlite@3.50.4.0", "tcl-core@8.6.15.0", "tk@8.6.15.0", "xz@5.2.5", "zlib@1.3.1"}; !slices.Equal(names[1], want) {
		t.Errorf("externals.spdx.json packages %v, want %v", names[1], want)
	}
	mac := srcs[0].Packages[3]
	if mac.PURL() != "pkg:pypi/macholib@1.0" || mac.ExternalRefs[0].Category != "PACKAGE-MANAGER" || mac.Originator != "Person: Ronald Oussoren (ronaldoussoren@mac.com)" {
		t.Errorf("macholib: %+v", mac)
	}
	if c := srcs[1].Packages[3].CPE(); c != "cpe:2.3:a:openssl:openssl:3.0.21:*:*:*:*:*:*:*" {
		t.Errorf("openssl CPE %q", c)
	}
}

// A complete document (with creationInfo and files) reads too: our own
// output is one.
func TestReadSourceSBOMCompleteDocument(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	s, err := ReadSourceSBOM(bytes.NewReader(spdxJSON(t, res.Document())), "python-3.13.15-amd64.exe.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	if s.DocumentName != "python-3.13.15-amd64.exe" || !strings.HasPrefix(s.Namespace, DefaultNamespaceBase) || len(s.Packages) != len(res.Document().Packages) {
		t.Errorf("complete document: name %q namespace %q %d packages", s.DocumentName, s.Namespace, len(s.Packages))
	}
}

// The name recorded is the base name, so documents do not depend on the
// directory the source SBOM was read from.
func TestReadSourceSBOMName(t *testing.T) {
	for _, n := range []string{"/home/rm/cpython/Misc/sbom.spdx.json", `C:\src\cpython\Misc\sbom.spdx.json`, "sbom.spdx.json"} {
		s, err := ReadSourceSBOM(strings.NewReader(`{"spdxVersion":"SPDX-2.3"}`), n)
		if err != nil || s.Name != "sbom.spdx.json" {
			t.Errorf("%s: name %q, err %v", n, s.Name, err)
		}
	}
}

func TestReadSourceSBOMRejects(t *testing.T) {
	for name, in := range map[string]string{
		"not json":     `{"spdxVersion": "SPDX-2.3", "packages": [`,
		"not spdx":     `{"bomFormat": "CycloneDX"}`,
		"spdx 3":       `{"spdxVersion": "SPDX-3.0"}`,
		"nameless":     `{"spdxVersion": "SPDX-2.3", "packages": [{"SPDXID": "SPDXRef-x"}]}`,
		"wrong type":   `{"spdxVersion": "SPDX-2.3", "packages": {"name": "x"}}`,
		"array at top": `[]`,
	} {
		if _, err := ReadSourceSBOM(strings.NewReader(in), name); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err %v", name, err)
		}
	}
	_, err := ReadSourceSBOM(strings.NewReader(`{"spdxVersion": "SPDX-2.3", "packages": [1, }`), "x.json")
	if err == nil || !strings.Contains(err.Error(), "offset") {
		t.Errorf("syntax error without offset: %v", err)
	}
}

// A matched component takes the source entry's identifiers, license and
// download location; the bytes' version stays.
func TestMergeTakesIdentifiersLicenseAndLocation(t *testing.T) {
	o := cpythonOptions(t)
	// CPython's files say NOASSERTION for every license; give the openssl
	// entry a real one to see it carried over.
	o.SourceSBOMs[1].Packages[3].LicenseConcluded = "Apache-2.0"
	inv := burnInventory()
	inv.Components[1].CPE = "" // the bytes give no CPE: it comes from the source
	res := mustCompose(t, inv, o)
	d := parseDoc(t, spdxJSON(t, res.Document()))
	p := d.Packages[d.pkg(t, "openssl")]
	if p.VersionInfo != "3.0.21" || p.LicenseConcluded != "Apache-2.0" ||
		p.DownloadLocation != "https://github.com/python/cpython-source-deps/archive/refs/tags/openssl-3.0.21.tar.gz" {
		t.Errorf("openssl: version %q license %q download %q", p.VersionInfo, p.LicenseConcluded, p.DownloadLocation)
	}
	if len(p.ExternalRefs) != 1 || p.ExternalRefs[0].ReferenceLocator != "cpe:2.3:a:openssl:openssl:3.0.21:*:*:*:*:*:*:*" {
		t.Errorf("openssl refs %+v", p.ExternalRefs)
	}
	if !strings.Contains(p.SourceInfo, "externals.spdx.json as SPDXRef-PACKAGE-openssl") || !strings.Contains(p.SourceInfo, "0349aef1ff9ded3eb23be12c2586e026be5cec3fd40df859e388671d7844fced") {
		t.Errorf("openssl sourceInfo %q", p.SourceInfo)
	}
	for _, c := range p.Checksums {
		t.Errorf("the source archive's checksum was put on the binary library: %v", c)
	}
	if !hasNote(p.Annotations, "source-sbom:", "externals.spdx.json") {
		t.Errorf("no source-sbom annotation: %+v", p.Annotations)
	}
	// sqlite 3.50.4 in the bytes is the source's 3.50.4.0 (the
	// cpython-source-deps tag spelling): a match, not a conflict.
	s := d.Packages[d.pkg(t, "sqlite")]
	if s.VersionInfo != "3.50.4" || !strings.Contains(s.DownloadLocation, "sqlite-3.50.4.0") {
		t.Errorf("sqlite: %q %q", s.VersionInfo, s.DownloadLocation)
	}
	// mpdecimal's originator becomes its supplier (no distributor between).
	m := d.Packages[d.pkg(t, "mpdecimal")]
	if m.Supplier != "Organization: bytereef.org" || m.Originator != "Organization: bytereef.org" {
		t.Errorf("mpdecimal supplier %q originator %q", m.Supplier, m.Originator)
	}
	if len(res.Conflicts) != 0 {
		t.Errorf("conflicts: %v", res.Conflicts)
	}
}

// A component whose version the bytes do not reveal takes the source's
// version, with an annotation saying so.
func TestMergeVersionFromSource(t *testing.T) {
	d := parseDoc(t, spdxJSON(t, mustCompose(t, burnInventory(), cpythonOptions(t)).Document()))
	p := d.Packages[d.pkg(t, "expat")]
	if p.VersionInfo != "2.8.2" {
		t.Errorf("expat version %q, want 2.8.2 from sbom.spdx.json", p.VersionInfo)
	}
	if !hasNote(p.Annotations, "version-from-source-sbom:", "2.8.2", "sbom.spdx.json", "SPDXRef-PACKAGE-expat") {
		t.Errorf("expat annotations %+v", p.Annotations)
	}
	// Without the source, no version is claimed: it is a known unknown.
	d = parseDoc(t, spdxJSON(t, mustCompose(t, burnInventory(), Options{Created: testCreated}).Document()))
	if v := d.Packages[d.pkg(t, "expat")].VersionInfo; v != "NOASSERTION" {
		t.Errorf("expat version %q without a source SBOM", v)
	}
}

// A version conflict keeps the bytes' version, annotates it and is
// reported in Result.Conflicts.
func TestMergeVersionConflict(t *testing.T) {
	res := mustCompose(t, embedZipInventory(), cpythonOptions(t))
	d := parseDoc(t, spdxJSON(t, res.Document()))
	p := d.Packages[d.pkg(t, "openssl")]
	if p.VersionInfo != "3.0.15" {
		t.Errorf("openssl version %q, want the bytes' 3.0.15", p.VersionInfo)
	}
	if !hasNote(p.Annotations, "version-conflict:", "3.0.15", "openssl 3.0.21 (externals.spdx.json SPDXRef-PACKAGE-openssl)") {
		t.Errorf("openssl annotations %+v", p.Annotations)
	}
	if p.DownloadLocation != "NOASSERTION" {
		t.Errorf("the 3.0.21 download location was given to 3.0.15: %s", p.DownloadLocation)
	}
	for _, r := range p.ExternalRefs {
		if strings.Contains(r.ReferenceLocator, "3.0.21") {
			t.Errorf("the source's 3.0.21 identifier was kept: %s", r.ReferenceLocator)
		}
	}
	// zlib: no CPE from the bytes; the source's vendor:product with the
	// bytes' version.
	z := d.Packages[d.pkg(t, "zlib")]
	if z.VersionInfo != "1.2.13" || len(z.ExternalRefs) != 1 || z.ExternalRefs[0].ReferenceLocator != "cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*" {
		t.Errorf("zlib %q refs %+v", z.VersionInfo, z.ExternalRefs)
	}
	want := []string{
		"openssl: the installer has 3.0.15, the source SBOM lists openssl 3.0.21 (externals.spdx.json SPDXRef-PACKAGE-openssl)",
		"zlib: the installer has 1.2.13, the source SBOM lists zlib 1.3.1 (externals.spdx.json SPDXRef-PACKAGE-zlib)",
	}
	if !slices.Equal(res.Conflicts, want) {
		t.Errorf("conflicts:\n%s\nwant:\n%s", strings.Join(res.Conflicts, "\n"), strings.Join(want, "\n"))
	}
}

// Source packages not found in the installer are left out and listed in
// Result.Unverified; IncludeUnverified keeps them, annotated.
func TestMergeUnverified(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	// The bundle carries expat, mpdecimal 4.0.0, openssl, sqlite and zlib
	// of the sources; everything else is unverified.
	want := []string{
		"bzip2 1.0.8 (externals.spdx.json SPDXRef-PACKAGE-bzip2)",
		"hacl-star bb3d0dc8d9d15a5cd51094d5b69e70aa09005ff0 (sbom.spdx.json SPDXRef-PACKAGE-hacl-star)",
		"libb2 0.98.1 (sbom.spdx.json SPDXRef-PACKAGE-libb2)",
		"libffi 3.4.4 (externals.spdx.json SPDXRef-PACKAGE-libffi)",
		"macholib 1.0 (sbom.spdx.json SPDXRef-PACKAGE-macholib)",
		"mpdecimal 2.5.1 (sbom.spdx.json SPDXRef-PACKAGE-mpdecimal)",
		"tcl-core 8.6.15.0 (externals.spdx.json SPDXRef-PACKAGE-tcl-core)",
		"tk 8.6.15.0 (externals.spdx.json SPDXRef-PACKAGE-tk)",
		"xz 5.2.5 (externals.spdx.json SPDXRef-PACKAGE-xz)",
	}
	if !slices.Equal(res.Unverified, want) {
		t.Errorf("unverified:\n%s\nwant:\n%s", strings.Join(res.Unverified, "\n"), strings.Join(want, "\n"))
	}
	d := parseDoc(t, spdxJSON(t, res.Document()))
	for _, p := range d.Packages {
		if p.Name == "macholib" || p.Name == "tk" || (p.Name == "mpdecimal" && p.VersionInfo == "2.5.1") {
			t.Errorf("unverified %s %s is in the document", p.Name, p.VersionInfo)
		}
	}

	o := cpythonOptions(t)
	o.IncludeUnverified = true
	res = mustCompose(t, burnInventory(), o)
	if !slices.Equal(res.Unverified, want) {
		t.Errorf("IncludeUnverified changed Result.Unverified: %v", res.Unverified)
	}
	d = parseDoc(t, spdxJSON(t, res.Document()))
	kept := 0
	for _, p := range d.Packages {
		if !hasNote(p.Annotations, "unverified:") {
			continue
		}
		kept++
		if !d.hasRel(RootID, "OTHER", p.SPDXID) || d.hasRel(RootID, "CONTAINS", p.SPDXID) {
			t.Errorf("unverified %s is not related by OTHER only", p.Name)
		}
	}
	if kept != len(want) {
		t.Errorf("%d unverified packages kept, want %d", kept, len(want))
	}
	mac := d.Packages[d.pkg(t, "macholib")]
	if mac.VersionInfo != "1.0" || mac.ExternalRefs[0].ReferenceLocator != "pkg:pypi/macholib@1.0" || mac.Supplier != "Person: Ronald Oussoren (ronaldoussoren@mac.com)" {
		t.Errorf("kept macholib: %+v", mac)
	}
}

// mpdecimal is in both CPython files: 2.5.1 in sbom.spdx.json (the copy in
// Modules/_decimal) and 4.0.0 in externals.spdx.json (what the Windows
// build links). The bytes decide which one the installer carries; the other
// is unverified. When the bytes show no version, the sources disagree and
// no version is claimed: that is a conflict for the release manager.
func TestMergeMpdecimalInBothSources(t *testing.T) {
	mpdec := func(version string) *inspect.Inventory {
		inv := embedZipInventory()
		for i := range inv.Components {
			if inv.Components[i].Name == "mpdecimal" {
				inv.Components[i].Version = version
			}
		}
		return inv
	}
	for _, tc := range []struct {
		bytes, want, matched, unverified string
	}{
		{"4.0.0", "4.0.0", "externals.spdx.json", "mpdecimal 2.5.1 (sbom.spdx.json SPDXRef-PACKAGE-mpdecimal)"},
		{"2.5.1", "2.5.1", "sbom.spdx.json", "mpdecimal 4.0.0 (externals.spdx.json SPDXRef-PACKAGE-mpdecimal)"},
	} {
		res := mustCompose(t, mpdec(tc.bytes), cpythonOptions(t))
		d := parseDoc(t, spdxJSON(t, res.Document()))
		p := d.Packages[d.pkg(t, "mpdecimal")]
		if p.VersionInfo != tc.want || !hasNote(p.Annotations, "source-sbom:", tc.matched) || !strings.Contains(p.DownloadLocation, tc.want) {
			t.Errorf("bytes %s: version %q download %q annotations %+v", tc.bytes, p.VersionInfo, p.DownloadLocation, p.Annotations)
		}
		if !slices.Contains(res.Unverified, tc.unverified) {
			t.Errorf("bytes %s: unverified %v lacks %s", tc.bytes, res.Unverified, tc.unverified)
		}
		for _, c := range res.Conflicts {
			if strings.HasPrefix(c, "mpdecimal") {
				t.Errorf("bytes %s: conflict %s", tc.bytes, c)
			}
		}
	}
	res := mustCompose(t, mpdec(""), cpythonOptions(t))
	d := parseDoc(t, spdxJSON(t, res.Document()))
	p := d.Packages[d.pkg(t, "mpdecimal")]
	if p.VersionInfo != "NOASSERTION" || !hasNote(p.Annotations, "version-ambiguous:", "2.5.1", "4.0.0") {
		t.Errorf("no version in bytes: version %q annotations %+v", p.VersionInfo, p.Annotations)
	}
	found := false
	for _, c := range res.Conflicts {
		found = found || (strings.HasPrefix(c, "mpdecimal:") && strings.Contains(c, "2.5.1") && strings.Contains(c, "4.0.0"))
	}
	for _, u := range res.Unverified {
		if strings.HasPrefix(u, "mpdecimal") {
			t.Errorf("ambiguous mpdecimal listed as unverified: %s", u)
		}
	}
	if !found {
		t.Errorf("the disagreement is not a conflict: %v", res.Conflicts)
	}
}

// Matching by name normalisation and, when names differ, by PURL or CPE
// vendor:product — never by a CPE shared by two projects (Tcl and Tk).
func TestMatchingNames(t *testing.T) {
	srcs := cpythonSources(t)
	srcs = append(srcs, readSource(t, "main-0eaddae5", "externals.spdx.json"))
	ix := newSourceIndex(srcs)
	cases := []struct {
		name, purl, cpe string
		want            []string // "sbom SPDXID"
	}{
		{"tcl", "", "", []string{"externals.spdx.json SPDXRef-PACKAGE-tcl-core", "externals.spdx.json SPDXRef-PACKAGE-tcl-core"}},
		{"Tk", "", "cpe:2.3:a:tcl_tk:tcl_tk:8.6.15:*:*:*:*:*:*:*", []string{"externals.spdx.json SPDXRef-PACKAGE-tk", "externals.spdx.json SPDXRef-PACKAGE-tk"}},
		{"tcl-tk-something", "", "cpe:2.3:a:tcl_tk:tcl_tk:8.6.15:*:*:*:*:*:*:*", nil}, // CPE names two projects
		{"zlib-ng", "", "", []string{"externals.spdx.json SPDXRef-PACKAGE-zlib-ng"}},
		{"libexpat", "", "", []string{"sbom.spdx.json SPDXRef-PACKAGE-expat"}},
		{"facebook-zstd", "", "cpe:2.3:a:facebook:zstandard:1.5.7:*:*:*:*:*:*:*", []string{"externals.spdx.json SPDXRef-PACKAGE-zstd"}},
		{"MachOLib", "", "", []string{"sbom.spdx.json SPDXRef-PACKAGE-macholib"}},
		{"macho-lib", "pkg:pypi/macholib@1.0", "", []string{"sbom.spdx.json SPDXRef-PACKAGE-macholib"}},
		{"hacl-star", "", "", []string{"sbom.spdx.json SPDXRef-PACKAGE-hacl-star"}},
		{"openssl", "", "", []string{"externals.spdx.json SPDXRef-PACKAGE-openssl", "externals.spdx.json SPDXRef-PACKAGE-openssl"}},
		{"pip", "pkg:pypi/pip@26.2.1", "", nil},
	}
	for _, c := range cases {
		var got []string
		for _, e := range ix.candidates(c.name, c.purl, c.cpe) {
			got = append(got, e.sbom+" "+e.pkg.SPDXID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: candidates %v, want %v", c.name, got, c.want)
		}
	}
	// zlib in the bytes must not take zlib-ng's entry, nor the reverse.
	if got := ix.candidates("zlib", "", ""); len(got) != 1 || got[0].pkg.Name != "zlib" {
		t.Errorf("zlib matched %v", got)
	}
	for _, v := range [][2]string{{"3.50.4", "3.50.4.0"}, {"8.6.15", "8.6.15.0"}, {"v1.0.8", "1.0.8"}} {
		if !sameVersion(v[0], v[1]) {
			t.Errorf("%s and %s should be the same version", v[0], v[1])
		}
	}
	for _, v := range [][2]string{{"3.0.15", "3.0.21"}, {"1.2.13", "1.3.1"}, {"3.0.1", "3.0.10"}} {
		if sameVersion(v[0], v[1]) {
			t.Errorf("%s and %s should differ", v[0], v[1])
		}
	}
}

// The same pin listed in two source files is one unverified package.
func TestUnverifiedDeduplicated(t *testing.T) {
	srcs := cpythonSources(t)
	b, err := os.ReadFile(testenv.Shared(t, "reference", "cpython", "v3.13.15", "externals.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	dup, err := ReadSourceSBOM(bytes.NewReader(b), "externals-copy.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	o := cpythonOptions(t)
	o.SourceSBOMs = append(srcs, *dup)
	o.IncludeUnverified = true
	res := mustCompose(t, pkgInventory(), o)
	names := map[string]int{}
	for _, p := range res.Document().Packages {
		names[p.PackageName+"@"+p.PackageVersion]++
	}
	for n, c := range names {
		if c > 1 {
			t.Errorf("%s appears %d times", n, c)
		}
	}
	if names["tk@8.6.15.0"] != 1 {
		t.Errorf("tk missing: %v", names)
	}
	found := false
	for _, u := range res.Unverified {
		found = found || u == "tk 8.6.15.0 (externals-copy.spdx.json SPDXRef-PACKAGE-tk), tk 8.6.15.0 (externals.spdx.json SPDXRef-PACKAGE-tk)" ||
			u == "tk 8.6.15.0 (externals.spdx.json SPDXRef-PACKAGE-tk), tk 8.6.15.0 (externals-copy.spdx.json SPDXRef-PACKAGE-tk)"
	}
	if !found {
		t.Errorf("tk from both files not reported as one: %v", res.Unverified)
	}
}
