package compose

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// Hand-built inventories shaped like what inspect reports for real
// installers. File hashes are the real hashes of a stand-in content string,
// so every checksum in the output can be recomputed.

var testCreated = time.Date(2026, 6, 2, 12, 30, 45, 0, time.UTC)

func hashes(content string) (sha1hex, sha256hex string) {
	a := sha1.Sum([]byte(content))
	b := sha256.Sum256([]byte(content))
	return hex.EncodeToString(a[:]), hex.EncodeToString(b[:])
}

func file(path, kind, pkg string) inspect.File {
	s1, s2 := hashes("content of " + path)
	return inspect.File{Path: path, Size: int64(len(path)) * 100, SHA1: s1, SHA256: s2, Kind: kind, Package: pkg}
}

func artifact(name, format string) inspect.Artifact {
	s1, s2 := hashes("installer " + name)
	return inspect.Artifact{Name: name, Size: 25_000_000, SHA1: s1, SHA256: s2, Format: format}
}

func ev(file, rule string, off int64, match string) inspect.Evidence {
	return inspect.Evidence{File: file, Rule: rule, Offset: off, Match: match}
}

// burnInventory is a CPython-style Burn bundle: two embedded MSIs (core and
// lib), one MSI downloaded on demand (tcltk), bootstrapper files at the
// top level, static and dynamic components, and pip's wheel with two
// vendored distributions.
func burnInventory() *inspect.Inventory {
	const exe = "python-3.13.15-amd64.exe"
	const core = exe + "/core.msi"
	const lib = exe + "/lib.msi"
	const whl = lib + "/Lib/ensurepip/_bundled/pip-26.2.1-py3-none-any.whl"
	a := artifact(exe, "burn")
	a.Identity = &inspect.Identity{Algorithm: "authenticode-sha256", Digest: "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"}
	inv := &inspect.Inventory{
		Artifact: a,
		Packages: []inspect.Package{
			{ID: "core_AllUsers", Name: "core", Version: "3.13.15150.0", Format: "msi", Path: core, Embedded: true,
				Manufacturer: "Python Software Foundation", ProductCode: "{A1B2C3D4-0000-4000-8000-000000000001}", UpgradeCode: "{A1B2C3D4-0000-4000-8000-0000000000FF}"},
			{ID: "lib_AllUsers", Name: "lib", Version: "3.13.15150.0", Format: "msi", Path: lib, Embedded: true,
				Manufacturer: "Python Software Foundation"},
			{ID: "tcltk_AllUsers", Name: "tcltk", Version: "3.13.15150.0", Format: "msi", Embedded: false,
				URL: "https://www.python.org/ftp/python/3.13.15/amd64/tcltk.msi", Size: 3_514_368,
				Hash: "sha1:2FD4E1C67A2D28FCED849EE1BB76E7391B93EB12"},
		},
		Files: []inspect.File{
			file(exe+"/wixstdba/BootstrapperApplicationData.xml", inspect.KindText, ""),
			file(exe+"/wixstdba/wixstdba.dll", inspect.KindPE, ""),
			file(core, inspect.KindArchive, ""),
			file(core+"/python313.dll", inspect.KindPE, "core_AllUsers"),
			file(core+"/python.exe", inspect.KindPE, "core_AllUsers"),
			file(core+"/LICENSE.txt", inspect.KindText, "core_AllUsers"),
			file(lib, inspect.KindArchive, ""),
			file(lib+"/DLLs/libcrypto-3.dll", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/libssl-3.dll", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/_ssl.pyd", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/_hashlib.pyd", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/sqlite3.dll", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/_sqlite3.pyd", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/_decimal.pyd", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/DLLs/pyexpat.pyd", inspect.KindPE, "lib_AllUsers"),
			file(lib+"/Lib/json/__init__.py", inspect.KindText, "lib_AllUsers"),
			file(whl, inspect.KindArchive, "lib_AllUsers"),
			file(whl+"/pip/__init__.py", inspect.KindText, "lib_AllUsers"),
			file(whl+"/pip-26.2.1.dist-info/METADATA", inspect.KindText, "lib_AllUsers"),
			file(whl+"/pip/_vendor/vendor.txt", inspect.KindText, "lib_AllUsers"),
			file(whl+"/pip/_vendor/requests/__init__.py", inspect.KindText, "lib_AllUsers"),
			file(whl+"/pip/_vendor/urllib3/__init__.py", inspect.KindText, "lib_AllUsers"),
		},
		Components: []inspect.Component{
			{Name: "cpython", Version: "3.13.15", Supplier: "Python Software Foundation", CPE: "cpe:2.3:a:python:python:3.13.15:*:*:*:*:*:*:*",
				Linkage: "dynamic", Files: []string{core + "/python313.dll"}, ImportedBy: []string{core + "/python.exe", lib + "/DLLs/_ssl.pyd"},
				Evidence: []inspect.Evidence{{File: core + "/python313.dll", Rule: "cpython-version", Offset: -1, Resource: "VERSIONINFO/ProductVersion", Match: "3.13.15"}}},
			{Name: "openssl", Version: "3.0.21", CPE: "cpe:2.3:a:openssl:openssl:3.0.21:*:*:*:*:*:*:*", Linkage: "dynamic",
				Files: []string{lib + "/DLLs/libcrypto-3.dll"}, ImportedBy: []string{lib + "/DLLs/_hashlib.pyd", lib + "/DLLs/_ssl.pyd"},
				Evidence: []inspect.Evidence{ev(lib+"/DLLs/libcrypto-3.dll", "openssl-version", 0x1c2f40, "OpenSSL 3.0.21 1 Jul 2026")}},
			// A second sighting of OpenSSL, spelt differently: the same package.
			{Name: "OpenSSL", Version: "3.0.21", Linkage: "dynamic", Files: []string{lib + "/DLLs/libssl-3.dll"}, ImportedBy: []string{lib + "/DLLs/_ssl.pyd"},
				Evidence: []inspect.Evidence{ev(lib+"/DLLs/libssl-3.dll", "openssl-version", 0x6a210, "OpenSSL 3.0.21 1 Jul 2026")}},
			{Name: "sqlite", Version: "3.50.4", Linkage: "dynamic", Files: []string{lib + "/DLLs/sqlite3.dll"}, ImportedBy: []string{lib + "/DLLs/_sqlite3.pyd"},
				Evidence: []inspect.Evidence{ev(lib+"/DLLs/sqlite3.dll", "sqlite-source-id", 0xe1a00, "3.50.4")}},
			{Name: "mpdecimal", Version: "4.0.0", Linkage: "static", Files: []string{lib + "/DLLs/_decimal.pyd"},
				Evidence: []inspect.Evidence{ev(lib+"/DLLs/_decimal.pyd", "mpdecimal-version", 0x2c010, "4.0.0")}},
			{Name: "expat", Linkage: "static", Files: []string{lib + "/DLLs/pyexpat.pyd"},
				Evidence: []inspect.Evidence{ev(lib+"/DLLs/pyexpat.pyd", "expat-error-strings", 0x1f3c8, "unclosed CDATA section")}},
			{Name: "zlib", Version: "1.3.1", Linkage: "static", Files: []string{core + "/python313.dll"},
				Evidence: []inspect.Evidence{ev(core+"/python313.dll", "zlib-deflate-banner", 0x3a7e10, " deflate 1.3.1 Copyright 1995-2024 Jean-loup Gailly and Mark Adler ")}},
			{Name: "pip", Version: "26.2.1", PURL: "pkg:pypi/pip@26.2.1", Linkage: "unknown", Files: []string{whl + "/pip-26.2.1.dist-info/METADATA"},
				Evidence: []inspect.Evidence{ev(whl+"/pip-26.2.1.dist-info/METADATA", "wheel-metadata", 0, "Name: pip")}},
			{Name: "requests", Version: "2.34.2", PURL: "pkg:pypi/requests@2.34.2", Linkage: "unknown", Parent: "pip", Files: []string{whl + "/pip/_vendor/requests/__init__.py"},
				Evidence: []inspect.Evidence{ev(whl+"/pip/_vendor/vendor.txt", "pip-vendor-txt", 112, "requests==2.34.2")}},
			{Name: "urllib3", Version: "2.7.0", PURL: "pkg:pypi/urllib3@2.7.0", Linkage: "unknown", Parent: "pip", Files: []string{whl + "/pip/_vendor/urllib3/__init__.py"},
				Evidence: []inspect.Evidence{ev(whl+"/pip/_vendor/vendor.txt", "pip-vendor-txt", 150, "urllib3==2.7.0")}},
		},
		Problems: []inspect.Problem{},
	}
	return inv
}

// embedZipInventory is an embeddable zip built from CPython 3.11.11 (the
// versions issue 2 expects from the real binaries): no sub-installers, so
// every file is the installer's own.
func embedZipInventory() *inspect.Inventory {
	const z = "python-3.11.11-embed-amd64.zip"
	return &inspect.Inventory{
		Artifact: artifact(z, "zip"),
		Files: []inspect.File{
			file(z+"/python311.dll", inspect.KindPE, ""),
			file(z+"/python.exe", inspect.KindPE, ""),
			file(z+"/libcrypto-3-x64.dll", inspect.KindPE, ""),
			file(z+"/_ssl.pyd", inspect.KindPE, ""),
			file(z+"/_decimal.pyd", inspect.KindPE, ""),
			file(z+"/_lzma.pyd", inspect.KindPE, ""),
			file(z+"/python311.zip", inspect.KindArchive, ""),
			file(z+"/python311.zip/json/__init__.py", inspect.KindText, ""),
		},
		Components: []inspect.Component{
			{Name: "cpython", Version: "3.11.11", Linkage: "dynamic", Files: []string{z + "/python311.dll"}, ImportedBy: []string{z + "/python.exe"},
				Evidence: []inspect.Evidence{{File: z + "/python311.dll", Rule: "cpython-version", Offset: -1, Resource: "VERSIONINFO/ProductVersion", Match: "3.11.11"}}},
			{Name: "openssl", Version: "3.0.15", CPE: "cpe:2.3:a:openssl:openssl:3.0.15:*:*:*:*:*:*:*", Linkage: "dynamic",
				Files: []string{z + "/libcrypto-3-x64.dll"}, ImportedBy: []string{z + "/_ssl.pyd"},
				Evidence: []inspect.Evidence{ev(z+"/libcrypto-3-x64.dll", "openssl-version", 0x1b0a20, "OpenSSL 3.0.15 3 Sep 2024")}},
			{Name: "mpdecimal", Version: "2.5.1", Linkage: "static", Files: []string{z + "/_decimal.pyd"},
				Evidence: []inspect.Evidence{ev(z+"/_decimal.pyd", "mpdecimal-version", 0x2a000, "2.5.1")}},
			{Name: "xz", Linkage: "static", Files: []string{z + "/_lzma.pyd"},
				Evidence: []inspect.Evidence{ev(z+"/_lzma.pyd", "liblzma-strings", 0x1c040, "LZMA2 filter")}},
			{Name: "zlib", Version: "1.2.13", Linkage: "static", Files: []string{z + "/python311.dll"},
				Evidence: []inspect.Evidence{ev(z+"/python311.dll", "zlib-module-version", 0x2f8e30, "1.2.13")}},
		},
		Problems: []inspect.Problem{{Path: z + "/python311.zip/broken.pyc", Layer: "zip", Offset: 0x1f00, Message: "CRC mismatch"}},
	}
}

// pkgInventory is a small macOS product archive: one component package
// with one file and no fingerprinted components.
func pkgInventory() *inspect.Inventory {
	const p = "Nudge_LaunchAgent-1.0.1.pkg"
	const comp = p + "/Nudge_LaunchAgent-1.0.1-component.pkg"
	inv := &inspect.Inventory{
		Artifact: artifact(p, "xar"),
		Packages: []inspect.Package{
			{ID: "com.github.macadmins.Nudge.LaunchAgent", Name: "com.github.macadmins.Nudge.LaunchAgent", Version: "1.0.1", Format: "pkg",
				Path: comp, Embedded: true, InstallLocation: "/Library/LaunchAgents"},
		},
		Files: []inspect.File{
			file(p+"/Distribution", inspect.KindText, ""),
			file(comp+"/Payload", inspect.KindArchive, ""),
			file(comp+"/Payload/com.github.macadmins.Nudge.plist", inspect.KindText, "com.github.macadmins.Nudge.LaunchAgent"),
		},
		Problems: []inspect.Problem{},
	}
	inv.Files[2].InstallPath = "/Library/LaunchAgents/com.github.macadmins.Nudge.plist"
	return inv
}

// cpythonSources reads the real source SBOMs of CPython 3.13.15.
func cpythonSources(t testing.TB) []SourceSBOM {
	t.Helper()
	var out []SourceSBOM
	for _, name := range []string{"sbom.spdx.json", "externals.spdx.json"} {
		out = append(out, readSource(t, "v3.13.15", name))
	}
	return out
}

func readSource(t testing.TB, version, name string) SourceSBOM {
	t.Helper()
	f, err := os.Open(testenv.Shared(t, "reference", "cpython", version, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ReadSourceSBOM(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return *s
}

func cpythonOptions(t testing.TB) Options {
	return Options{
		Name: "CPython", Supplier: "Organization: Python Software Foundation",
		DownloadLocation: "https://www.python.org/ftp/python/3.13.15/python-3.13.15-amd64.exe",
		Creators:         []string{"Organization: Python Software Foundation"},
		ToolVersion:      "0.1.0", Created: testCreated, SourceSBOMs: cpythonSources(t),
	}
}

func mustCompose(t testing.TB, inv *inspect.Inventory, opts Options) *Result {
	t.Helper()
	res, err := Compose(inv, opts)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	return res
}

func spdxJSON(t testing.TB, doc *v2_3.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSPDXJSON(&buf, doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// jsonDoc is the written SPDX JSON read back generically, so tests check
// what a consumer sees, not tools-golang's structs.
type jsonDoc struct {
	Packages []struct {
		SPDXID, Name, VersionInfo, Supplier, DownloadLocation, PackageFileName, PrimaryPackagePurpose string
		LicenseConcluded, Originator, SourceInfo                                                      string
		FilesAnalyzed                                                                                 bool
		PackageVerificationCode                                                                       *struct {
			PackageVerificationCodeValue string
		}
		Checksums    []struct{ Algorithm, ChecksumValue string }
		ExternalRefs []struct{ ReferenceCategory, ReferenceType, ReferenceLocator string }
		Annotations  []struct{ Annotator, AnnotationType, AnnotationDate, Comment string }
		Files        json.RawMessage `json:"files"`
	}
	Files []struct {
		SPDXID, FileName string
		FileTypes        []string
		Checksums        []struct{ Algorithm, ChecksumValue string }
	}
	Relationships []struct{ SpdxElementID, RelatedSpdxElement, RelationshipType, Comment string }
	CreationInfo  struct {
		Creators []string
		Created  string
	}
	DocumentNamespace string
}

func parseDoc(t testing.TB, b []byte) *jsonDoc {
	t.Helper()
	var d jsonDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func (d *jsonDoc) pkg(t testing.TB, name string) int {
	t.Helper()
	for i, p := range d.Packages {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no package named %q", name)
	return -1
}

func (d *jsonDoc) fileID(t testing.TB, path string) string {
	t.Helper()
	for _, f := range d.Files {
		if f.FileName == "./"+path {
			return f.SPDXID
		}
	}
	t.Fatalf("no file %q", path)
	return ""
}

func (d *jsonDoc) hasRel(a, typ, b string) bool {
	for _, r := range d.Relationships {
		if r.SpdxElementID == a && r.RelationshipType == typ && r.RelatedSpdxElement == b {
			return true
		}
	}
	return false
}

// schemaValidator compiles a schema file from the shared reference
// material, with every other schema of its directory available to $ref.
func schemaValidator(t testing.TB, rel ...string) *jsonschema.Schema {
	t.Helper()
	p := testenv.Shared(t, append([]string{"reference", "schemas"}, rel...)...)
	dir := filepath.Dir(p)
	c := jsonschema.NewCompiler()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	mainID := ""
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			id = "file://" + filepath.Join(dir, e.Name())
		}
		if e.Name() == filepath.Base(p) {
			mainID = id
		}
		// Two SPDX schema versions share one $id; only the wanted one is added.
		if e.Name() != filepath.Base(p) && id != "" && isSPDXSchemaName(e.Name()) {
			continue
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
	}
	sch, err := c.Compile(mainID)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func isSPDXSchemaName(n string) bool {
	return len(n) > 9 && n[:9] == "spdx-2.3-" || n == "spdx-2.3.1-schema.json"
}

func validateAgainst(t testing.TB, sch *jsonschema.Schema, what string, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("%s does not validate: %v", what, err)
	}
}

func jsonschemaUnmarshal(b []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}
