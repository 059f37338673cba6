package compose

import (
	"bytes"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/utils"
)

type variant struct {
	name string
	inv  func() *inspect.Inventory
	opts func(t testing.TB) Options
	// ntiaGaps are the NTIA errors Validate must report: without a
	// source SBOM nothing supplies expat's version.
	ntiaGaps []string
}

func variants() []variant {
	return []variant{
		{"burn+sources", burnInventory, cpythonOptions, nil},
		{"burn+sources+unverified", burnInventory, func(t testing.TB) Options {
			o := cpythonOptions(t)
			o.IncludeUnverified = true
			return o
		}, nil},
		{"burn-bare", burnInventory, func(testing.TB) Options { return Options{Created: testCreated} },
			[]string{"SPDXRef-Library-expat-6c42a6af9db6 " + RuleVersion + " (warning)"}},
		{"embed-zip+sources", embedZipInventory, cpythonOptions, nil},
		{"pkg", pkgInventory, func(testing.TB) Options {
			return Options{Name: "Nudge LaunchAgent", Version: "1.0.1", Supplier: "Mac Admins Open Source", Created: testCreated, ToolVersion: "0.1.0"}
		}, nil},
	}
}

// Every output validates against the released SPDX 2.3 schema, the 2.3.1
// errata schema and, for CycloneDX, the 1.7 schema with its $refs (the
// shared reference copy, independent of the one the writer vendors).
func TestOutputsValidateAgainstSchemas(t *testing.T) {
	spdx23 := schemaValidator(t, "spdx-2.3-schema.json")
	spdx231 := schemaValidator(t, "spdx-2.3.1-schema.json")
	cdx17 := schemaValidator(t, "cyclonedx", "bom-1.7.schema.json")
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			res := mustCompose(t, v.inv(), v.opts(t))
			b := spdxJSON(t, res.Document())
			validateAgainst(t, spdx23, "SPDX JSON (2.3 schema)", b)
			validateAgainst(t, spdx231, "SPDX JSON (2.3.1 schema)", b)
			var c bytes.Buffer
			if err := WriteCycloneDX(&c, res); err != nil {
				t.Fatal(err)
			}
			validateAgainst(t, cdx17, "CycloneDX JSON", c.Bytes())
			if !bytes.Contains(c.Bytes(), []byte(`"specVersion": "1.7"`)) {
				t.Errorf("CycloneDX output is not spec version 1.7")
			}
			// Errors, and the versions said to be unknown (NOASSERTION,
			// a warning: a known unknown).
			var gaps []string
			for _, p := range Validate(b) {
				switch {
				case !p.Warning:
					gaps = append(gaps, p.Element+" "+p.Rule)
				case p.Rule == RuleVersion:
					gaps = append(gaps, p.Element+" "+p.Rule+" (warning)")
				}
			}
			if !slices.Equal(gaps, v.ntiaGaps) {
				t.Errorf("Validate errors %v, want %v", gaps, v.ntiaGaps)
			}
		})
	}
}

// The schema must catch what it is there for: a package carrying "files"
// (what tools-golang writes when Package.Files is filled) is rejected.
func TestSchemaRejectsFilesInsidePackage(t *testing.T) {
	res := mustCompose(t, pkgInventory(), Options{Created: testCreated})
	doc := *res.Document()
	p := *doc.Packages[1]
	p.Files = []*v2_3.File{doc.Files[0]}
	doc.Packages = []*v2_3.Package{doc.Packages[0], &p}
	b := spdxJSON(t, &doc)
	found := false
	for _, pr := range Validate(b) {
		if pr.Rule == RuleSchema && pr.Element == string(common.RenderElementID(p.PackageSPDXIdentifier)) {
			found = true
		}
	}
	if !found {
		t.Errorf("Validate did not report the package's files as a schema violation: %v", Validate(b))
	}
	validateAgainstFails(t, b)
}

func validateAgainstFails(t *testing.T, b []byte) {
	t.Helper()
	sch := schemaValidator(t, "spdx-2.3-schema.json")
	inst, _ := jsonschemaUnmarshal(b)
	if sch.Validate(inst) == nil {
		t.Errorf("the shared SPDX 2.3 schema accepts a package with files; the test premise is wrong")
	}
}

// shuffled returns a copy of the inventory with every list in another order.
func shuffled(inv *inspect.Inventory, seed int64) *inspect.Inventory {
	r := rand.New(rand.NewSource(seed))
	c := *inv
	c.Packages = slices.Clone(inv.Packages)
	c.Files = slices.Clone(inv.Files)
	c.Components = slices.Clone(inv.Components)
	r.Shuffle(len(c.Packages), func(i, j int) { c.Packages[i], c.Packages[j] = c.Packages[j], c.Packages[i] })
	r.Shuffle(len(c.Files), func(i, j int) { c.Files[i], c.Files[j] = c.Files[j], c.Files[i] })
	r.Shuffle(len(c.Components), func(i, j int) { c.Components[i], c.Components[j] = c.Components[j], c.Components[i] })
	for i := range c.Components {
		comp := &c.Components[i]
		comp.Evidence = slices.Clone(comp.Evidence)
		slices.Reverse(comp.Evidence)
	}
	return &c
}

func allFormats(t *testing.T, res *Result) [3][]byte {
	var out [3][]byte
	out[0] = spdxJSON(t, res.Document())
	var tv, cd bytes.Buffer
	if err := WriteSPDXTagValue(&tv, res.Document()); err != nil {
		t.Fatal(err)
	}
	if err := WriteCycloneDX(&cd, res); err != nil {
		t.Fatal(err)
	}
	out[1], out[2] = tv.Bytes(), cd.Bytes()
	return out
}

// Two runs, the second over the same inventory in another order, give the
// same bytes in every format.
func TestDeterministicBytes(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			first := allFormats(t, mustCompose(t, v.inv(), v.opts(t)))
			for seed := int64(1); seed <= 3; seed++ {
				again := allFormats(t, mustCompose(t, shuffled(v.inv(), seed), v.opts(t)))
				for i, name := range []string{"SPDX JSON", "tag-value", "CycloneDX"} {
					if !bytes.Equal(first[i], again[i]) {
						t.Errorf("%s differs between runs (seed %d)", name, seed)
					}
				}
			}
			// Writing does not change the document (the tag-value writer sorts in place).
			res := mustCompose(t, v.inv(), v.opts(t))
			before := spdxJSON(t, res.Document())
			allFormats(t, res)
			if !bytes.Equal(before, spdxJSON(t, res.Document())) {
				t.Errorf("writing changed the document")
			}
		})
	}
}

func TestNoElementTwice(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			d := parseDoc(t, spdxJSON(t, mustCompose(t, v.inv(), v.opts(t)).Document()))
			ids := map[string]bool{}
			nameVersion := map[string]bool{}
			for _, p := range d.Packages {
				if ids[p.SPDXID] {
					t.Errorf("SPDXID %s twice", p.SPDXID)
				}
				ids[p.SPDXID] = true
				k := canonicalName(p.Name) + "@" + normVersion(p.VersionInfo) + "/" + p.PrimaryPackagePurpose
				if nameVersion[k] {
					t.Errorf("package %s %s appears twice", p.Name, p.VersionInfo)
				}
				nameVersion[k] = true
				if p.Files != nil {
					t.Errorf("package %s carries files inside it", p.SPDXID)
				}
			}
			paths := map[string]bool{}
			for _, f := range d.Files {
				if ids[f.SPDXID] || paths[f.FileName] {
					t.Errorf("file %s %s twice", f.SPDXID, f.FileName)
				}
				ids[f.SPDXID], paths[f.FileName] = true, true
			}
			rels := map[string]bool{}
			for _, r := range d.Relationships {
				k := r.SpdxElementID + " " + r.RelationshipType + " " + r.RelatedSpdxElement
				if rels[k] {
					t.Errorf("relationship %s twice", k)
				}
				rels[k] = true
			}
		})
	}
}

// Every file of the inventory is in the document once with its SHA-1 and
// SHA-256 and a type, CONTAINed by exactly one package: the sub-installer
// whose bytes hold it, or the installer.
func TestFilesAndContainment(t *testing.T) {
	inv := burnInventory()
	d := parseDoc(t, spdxJSON(t, mustCompose(t, inv, cpythonOptions(t)).Document()))
	if len(d.Files) != len(inv.Files) {
		t.Fatalf("%d files in the document, %d in the inventory", len(d.Files), len(inv.Files))
	}
	byName := map[string]string{}
	for _, p := range d.Packages {
		byName[p.Name] = p.SPDXID
	}
	want := map[string]string{
		"python-3.13.15-amd64.exe/wixstdba/wixstdba.dll":                                                      RootID,
		"python-3.13.15-amd64.exe/core.msi":                                                                   RootID, // the MSI's own bytes are the bundle's
		"python-3.13.15-amd64.exe/core.msi/python313.dll":                                                     byName["core"],
		"python-3.13.15-amd64.exe/lib.msi/Lib/ensurepip/_bundled/pip-26.2.1-py3-none-any.whl/pip/__init__.py": byName["lib"],
	}
	for _, f := range inv.Files {
		id := d.fileID(t, f.Path)
		var containers []string
		for _, r := range d.Relationships {
			if r.RelationshipType == "CONTAINS" && r.RelatedSpdxElement == id {
				containers = append(containers, r.SpdxElementID)
			}
		}
		if len(containers) != 1 {
			t.Errorf("%s is contained by %v, want exactly one package", f.Path, containers)
		}
		if w, ok := want[f.Path]; ok && (len(containers) != 1 || containers[0] != w) {
			t.Errorf("%s is contained by %v, want %s", f.Path, containers, w)
		}
	}
	for _, f := range d.Files {
		var algs []string
		for _, c := range f.Checksums {
			algs = append(algs, c.Algorithm)
		}
		if !slices.Equal(algs, []string{"SHA1", "SHA256"}) || len(f.FileTypes) == 0 {
			t.Errorf("%s: checksums %v, types %v", f.FileName, algs, f.FileTypes)
		}
	}
	wantTypes := map[string]string{"python-3.13.15-amd64.exe/core.msi/python313.dll": "BINARY", "python-3.13.15-amd64.exe/core.msi": "ARCHIVE", "python-3.13.15-amd64.exe/lib.msi/Lib/json/__init__.py": "SOURCE"}
	for _, f := range d.Files {
		if w, ok := wantTypes[strings.TrimPrefix(f.FileName, "./")]; ok && f.FileTypes[0] != w {
			t.Errorf("%s: types %v, want %s first", f.FileName, f.FileTypes, w)
		}
	}
}

// filesAnalyzed is true exactly for the packages that CONTAIN files, and
// their verification code equals the one tools-golang computes (SPDX 2.3
// §7.9) over those files.
func TestVerificationCodes(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			doc := mustCompose(t, v.inv(), v.opts(t)).Document()
			files := map[common.ElementID]*v2_3.File{}
			for _, f := range doc.Files {
				files[f.FileSPDXIdentifier] = f
			}
			for _, p := range doc.Packages {
				var contained []*v2_3.File
				for _, r := range doc.Relationships {
					if r.RefA.ElementRefID == p.PackageSPDXIdentifier && r.Relationship == "CONTAINS" {
						if f, ok := files[r.RefB.ElementRefID]; ok {
							contained = append(contained, f)
						}
					}
				}
				if p.FilesAnalyzed != (len(contained) > 0) {
					t.Errorf("%s: filesAnalyzed %v with %d files", p.PackageSPDXIdentifier, p.FilesAnalyzed, len(contained))
				}
				if len(contained) == 0 {
					if p.PackageVerificationCode != nil {
						t.Errorf("%s: verification code without files", p.PackageSPDXIdentifier)
					}
					continue
				}
				want, err := utils.GetVerificationCode(contained, "")
				if err != nil {
					t.Fatal(err)
				}
				if p.PackageVerificationCode == nil || p.PackageVerificationCode.Value != want.Value {
					t.Errorf("%s: verification code %v, tools-golang computes %s", p.PackageSPDXIdentifier, p.PackageVerificationCode, want.Value)
				}
			}
		})
	}
}

func TestRootPackage(t *testing.T) {
	inv := burnInventory()
	res := mustCompose(t, inv, cpythonOptions(t))
	d := parseDoc(t, spdxJSON(t, res.Document()))
	root := d.Packages[0]
	if root.SPDXID != RootID || root.PrimaryPackagePurpose != "INSTALL" || root.PackageFileName != inv.Artifact.Name {
		t.Errorf("root: %+v", root)
	}
	if root.VersionInfo != "3.13.15" || root.Supplier != "Organization: Python Software Foundation" ||
		root.DownloadLocation != "https://www.python.org/ftp/python/3.13.15/python-3.13.15-amd64.exe" {
		t.Errorf("root version %q supplier %q download %q", root.VersionInfo, root.Supplier, root.DownloadLocation)
	}
	sums := map[string]string{}
	for _, c := range root.Checksums {
		sums[c.Algorithm] = c.ChecksumValue
	}
	if sums["SHA256"] != inv.Artifact.SHA256 || sums["SHA1"] != inv.Artifact.SHA1 {
		t.Errorf("root checksums %v", sums)
	}
	refs := map[string]string{}
	for _, r := range root.ExternalRefs {
		refs[r.ReferenceType] = r.ReferenceCategory + " " + r.ReferenceLocator
	}
	if refs["cpe23Type"] != "SECURITY cpe:2.3:a:python:python:3.13.15:*:*:*:*:*:*:*" {
		t.Errorf("root CPE %q", refs["cpe23Type"])
	}
	if refs[IdentityRefType] != "OTHER authenticode-sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" {
		t.Errorf("root identity ref %q", refs[IdentityRefType])
	}
	if !d.hasRel("SPDXRef-DOCUMENT", "DESCRIBES", RootID) {
		t.Errorf("the document does not DESCRIBE the installer")
	}
	if d.DocumentNamespace != DefaultNamespaceBase+"/python-3.13.15-amd64.exe-"+inv.Artifact.SHA256 {
		t.Errorf("namespace %s", d.DocumentNamespace)
	}
	if !slices.Equal(d.CreationInfo.Creators, []string{"Tool: installer-sbom-0.1.0", "Organization: Python Software Foundation"}) || d.CreationInfo.Created != "2026-06-02T12:30:45Z" {
		t.Errorf("creation info %+v", d.CreationInfo)
	}
	// Another product gets no CPython CPE.
	o := cpythonOptions(t)
	o.Name, o.Version = "Other App", "1.0"
	d = parseDoc(t, spdxJSON(t, mustCompose(t, inv, o).Document()))
	for _, r := range d.Packages[0].ExternalRefs {
		if r.ReferenceType == "cpe23Type" {
			t.Errorf("non-CPython installer got CPE %s", r.ReferenceLocator)
		}
	}
}

func TestSubInstallers(t *testing.T) {
	inv := burnInventory()
	d := parseDoc(t, spdxJSON(t, mustCompose(t, inv, cpythonOptions(t)).Document()))
	for _, name := range []string{"core", "lib", "tcltk"} {
		p := d.Packages[d.pkg(t, name)]
		if p.PrimaryPackagePurpose != "INSTALL" || !d.hasRel(RootID, "CONTAINS", p.SPDXID) {
			t.Errorf("%s: purpose %s, contained by root %v", name, p.PrimaryPackagePurpose, d.hasRel(RootID, "CONTAINS", p.SPDXID))
		}
	}
	core := d.Packages[d.pkg(t, "core")]
	msi := inv.Files[2]
	if core.PackageFileName != "core.msi" || core.Checksums[0].ChecksumValue != msi.SHA1 || core.Checksums[1].ChecksumValue != msi.SHA256 {
		t.Errorf("core: file name %q checksums %v", core.PackageFileName, core.Checksums)
	}
	tcltk := d.Packages[d.pkg(t, "tcltk")]
	if tcltk.DownloadLocation != "https://www.python.org/ftp/python/3.13.15/amd64/tcltk.msi" || tcltk.FilesAnalyzed {
		t.Errorf("tcltk: download %q filesAnalyzed %v", tcltk.DownloadLocation, tcltk.FilesAnalyzed)
	}
	if len(tcltk.Checksums) != 1 || tcltk.Checksums[0].Algorithm != "SHA1" || tcltk.Checksums[0].ChecksumValue != "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12" {
		t.Errorf("tcltk declared hash: %v", tcltk.Checksums)
	}
	if !hasNote(tcltk.Annotations, "not-embedded:", "https://www.python.org/ftp/python/3.13.15/amd64/tcltk.msi", "sha1:2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12", "size 3514368") {
		t.Errorf("tcltk lacks the not-embedded annotation: %+v", tcltk.Annotations)
	}
	if hasNote(core.Annotations, "not-embedded:") {
		t.Errorf("core is annotated as not embedded")
	}
}

func hasNote(anns []struct{ Annotator, AnnotationType, AnnotationDate, Comment string }, prefix string, contains ...string) bool {
	for _, a := range anns {
		if !strings.HasPrefix(a.Comment, prefix) {
			continue
		}
		ok := true
		for _, c := range contains {
			ok = ok && strings.Contains(a.Comment, c)
		}
		if ok {
			return true
		}
	}
	return false
}

// STATIC_LINK from the binary a component is compiled into, CONTAINS from
// the sub-installer that holds a separate library, DYNAMIC_LINK from each
// importing module; evidence in an annotation.
func TestComponentRelationships(t *testing.T) {
	inv := burnInventory()
	d := parseDoc(t, spdxJSON(t, mustCompose(t, inv, cpythonOptions(t)).Document()))
	lib := d.Packages[d.pkg(t, "lib")].SPDXID
	openssl := d.Packages[d.pkg(t, "openssl")]
	// Two library files (libcrypto, libssl): no single package file name.
	if openssl.PrimaryPackagePurpose != "LIBRARY" || openssl.PackageFileName != "" {
		t.Errorf("openssl: %+v", openssl)
	}
	if f := d.Packages[d.pkg(t, "sqlite")].PackageFileName; f != "sqlite3.dll" {
		t.Errorf("sqlite package file name %q", f)
	}
	if !hasNote(openssl.Annotations, "evidence:", "libssl-3.dll: rule openssl-version", "libcrypto-3.dll: rule openssl-version") {
		t.Errorf("the OpenSSL sighting was not merged into openssl: %+v", openssl.Annotations)
	}
	if !d.hasRel(lib, "CONTAINS", openssl.SPDXID) {
		t.Errorf("lib.msi does not CONTAIN openssl")
	}
	for _, imp := range []string{"_ssl.pyd", "_hashlib.pyd"} {
		if !d.hasRel(d.fileID(t, "python-3.13.15-amd64.exe/lib.msi/DLLs/"+imp), "DYNAMIC_LINK", openssl.SPDXID) {
			t.Errorf("%s does not DYNAMIC_LINK openssl", imp)
		}
	}
	if d.hasRel(d.fileID(t, "python-3.13.15-amd64.exe/lib.msi/DLLs/libcrypto-3.dll"), "STATIC_LINK", openssl.SPDXID) {
		t.Errorf("a dynamic library is reported as statically linked")
	}
	zlib := d.Packages[d.pkg(t, "zlib")]
	dll := d.fileID(t, "python-3.13.15-amd64.exe/core.msi/python313.dll")
	if !d.hasRel(dll, "STATIC_LINK", zlib.SPDXID) {
		t.Errorf("python313.dll does not STATIC_LINK zlib")
	}
	for _, r := range d.Relationships {
		if r.RelatedSpdxElement == zlib.SPDXID && r.RelationshipType == "CONTAINS" {
			t.Errorf("static zlib is CONTAINed by %s", r.SpdxElementID)
		}
	}
	if !hasNote(zlib.Annotations, "evidence:", "python313.dll: rule zlib-deflate-banner at offset 0x3a7e10", "deflate 1.3.1", "linkage static") {
		t.Errorf("zlib evidence annotation: %+v", zlib.Annotations)
	}
	cpy := d.Packages[d.pkg(t, "cpython")]
	if !hasNote(cpy.Annotations, "evidence:", "at VERSIONINFO/ProductVersion") {
		t.Errorf("cpython evidence by resource: %+v", cpy.Annotations)
	}
}

// pip's vendored distributions DEPEND_ON from pip, with pkg:pypi PURLs.
func TestPipVendored(t *testing.T) {
	d := parseDoc(t, spdxJSON(t, mustCompose(t, burnInventory(), cpythonOptions(t)).Document()))
	pip := d.Packages[d.pkg(t, "pip")]
	for _, name := range []string{"requests", "urllib3"} {
		p := d.Packages[d.pkg(t, name)]
		if !d.hasRel(pip.SPDXID, "DEPENDS_ON", p.SPDXID) {
			t.Errorf("pip does not DEPEND_ON %s", name)
		}
		purl := ""
		for _, r := range p.ExternalRefs {
			if r.ReferenceType == "purl" {
				purl = r.ReferenceCategory + " " + r.ReferenceLocator
			}
		}
		if purl != "PACKAGE-MANAGER pkg:pypi/"+name+"@"+p.VersionInfo {
			t.Errorf("%s purl %q", name, purl)
		}
	}
	deps := 0
	for _, r := range d.Relationships {
		if r.RelationshipType == "DEPENDS_ON" {
			deps++
		}
	}
	if deps != 2 {
		t.Errorf("%d DEPENDS_ON relationships, want 2 (pip → requests, urllib3)", deps)
	}
}

// Strict does not change the document or make Compose fail: the caller
// exits 1 on Result.Conflicts after writing it.
func TestStrictConflicts(t *testing.T) {
	o := cpythonOptions(t)
	plain := mustCompose(t, embedZipInventory(), o)
	o.Strict = true
	strict, err := Compose(embedZipInventory(), o)
	if err != nil || len(strict.Conflicts) == 0 || !slices.Equal(strict.Conflicts, plain.Conflicts) {
		t.Fatalf("Strict: err %v, conflicts %v", err, strict.Conflicts)
	}
	if !bytes.Equal(spdxJSON(t, plain.Document()), spdxJSON(t, strict.Document())) {
		t.Errorf("Strict changed the document")
	}
}

func TestBadOptions(t *testing.T) {
	for name, o := range map[string]Options{
		"no time":       {},
		"bad creator":   {Created: testCreated, Creators: []string{"Robot: x"}},
		"tool supplier": {Created: testCreated, Supplier: "Tool: x"},
		"bad download":  {Created: testCreated, DownloadLocation: "not a url"},
		"bad base":      {Created: testCreated, NamespaceBase: "spdx"},
	} {
		if _, err := Compose(pkgInventory(), o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	inv := pkgInventory()
	inv.Files[0].SHA1 = "xyz"
	if _, err := Compose(inv, Options{Created: testCreated}); err == nil || !strings.Contains(err.Error(), inv.Files[0].Path) {
		t.Errorf("bad file hash: %v", err)
	}
}

// Identifiers are derived from content: they do not change when unrelated
// elements are added.
func TestIdentifiersStable(t *testing.T) {
	a := parseDoc(t, spdxJSON(t, mustCompose(t, burnInventory(), cpythonOptions(t)).Document()))
	inv := burnInventory()
	inv.Files = append(inv.Files, file("python-3.13.15-amd64.exe/lib.msi/Lib/aaa.py", inspect.KindText, "lib_AllUsers"))
	inv.Components = append(inv.Components, inspect.Component{Name: "aaa", Version: "1", Linkage: "static", Files: []string{"python-3.13.15-amd64.exe/lib.msi/Lib/aaa.py"}})
	b := parseDoc(t, spdxJSON(t, mustCompose(t, inv, cpythonOptions(t)).Document()))
	for _, f := range a.Files {
		if b.fileID(t, strings.TrimPrefix(f.FileName, "./")) != f.SPDXID {
			t.Errorf("%s changed identifier", f.FileName)
		}
	}
	for _, p := range a.Packages {
		if b.Packages[b.pkg(t, p.Name)].SPDXID != p.SPDXID {
			t.Errorf("package %s changed identifier", p.Name)
		}
	}
}

func TestTagValueKeepsAnnotations(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	var tv bytes.Buffer
	if err := WriteSPDXTagValue(&tv, res.Document()); err != nil {
		t.Fatal(err)
	}
	s := tv.String()
	n := 0
	for _, p := range res.Document().Packages {
		n += len(p.Annotations)
	}
	if got := strings.Count(s, "\nAnnotator: Tool: installer-sbom-0.1.0\n"); got != n || n == 0 {
		t.Errorf("tag-value has %d annotations, the document %d", got, n)
	}
	for _, want := range []string{"SPDXVersion: SPDX-2.3\n", "Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Installer\n", "FilesAnalyzed: false\n", "PackageVerificationCode: "} {
		if !strings.Contains(s, want) {
			t.Errorf("tag-value lacks %q", want)
		}
	}
}

// Every package is backed by the installer's bytes or marked unverified:
// the installer itself, sub-installers from its metadata, libraries with
// an evidence annotation, source-only packages with an unverified one.
func TestEveryPackageBackedByEvidence(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			inv := v.inv()
			d := parseDoc(t, spdxJSON(t, mustCompose(t, inv, v.opts(t)).Document()))
			subs := map[string]bool{}
			for _, p := range inv.Packages {
				subs[orDefault(p.Name, p.ID)] = true
			}
			for _, p := range d.Packages {
				switch {
				case p.SPDXID == RootID:
				case p.PrimaryPackagePurpose == "INSTALL":
					if !subs[p.Name] {
						t.Errorf("sub-installer %s is not in the inventory", p.Name)
					}
				case hasNote(p.Annotations, "evidence:", p.Name+" found in the installer's bytes"):
				case hasNote(p.Annotations, "unverified:"):
				default:
					t.Errorf("%s %s has neither evidence nor an unverified mark", p.Name, p.VersionInfo)
				}
			}
		})
	}
}
