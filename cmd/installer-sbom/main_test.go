package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/fixtures/malformed"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// smallZip is an embeddable-zip-shaped artifact with one real DLL.
func smallZip(t *testing.T) string {
	t.Helper()
	dll := testenv.Gunzip(t, testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219", "windows-amd64__bz2.pyd.gz"))
	b, err := embedzip.Bytes([]embedzip.Entry{
		{Name: "_bz2.pyd", Data: dll},
		{Name: "python311._pth", Data: []byte("python311.zip\n.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "python-embed.zip", b)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"inspect"},
		{"inspect", "--no-such-flag", "x"},
		{"inspect", "--limit", "bogus=1", "x"},
		{"inspect", "--limit", "spdx3-objects=100", "x"},
		{"compose", "--limit", "spdx3-objects=0", "x"},
		{"compose", "--format", "xml", "x"},
	} {
		if _, _, code := runCLI(t, nil, args...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

func TestInspectJSONContract(t *testing.T) {
	path := smallZip(t)
	out, stderr, code := runCLI(t, nil, "inspect", path, "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		t.Fatalf("stdout is not one JSON object: %v", err)
	}
	for _, k := range []string{"artifact", "packages", "files", "components", "problems"} {
		if _, ok := top[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	for k := range top {
		switch k {
		case "artifact", "packages", "files", "components", "problems", "systemDependencies", "signatures":
		default:
			t.Errorf("undocumented key %q", k)
		}
	}
	if !strings.Contains(out, `"name": "bzip2"`) || !strings.Contains(out, `"linkage": "static"`) {
		t.Errorf("bzip2 not reported statically linked:\n%s", out)
	}
	// Human output goes to stdout too, and names the component.
	out, _, code = runCLI(t, nil, "inspect", path)
	if code != exitOK || !strings.Contains(out, "bzip2") {
		t.Errorf("table output (exit %d):\n%s", code, out)
	}
}

func TestMalformedExitCode(t *testing.T) {
	for name, b := range malformed.All() {
		path := writeFile(t, name, b)
		_, stderr, code := runCLI(t, nil, "inspect", "--json", path)
		if code != exitBadInput {
			t.Errorf("%s: exit %d, want %d", name, code, exitBadInput)
		}
		if !strings.Contains(stderr, name) || !strings.Contains(stderr, "zip") || !strings.Contains(stderr, "offset") {
			t.Errorf("%s: stderr does not name file, layer and offset: %s", name, stderr)
		}
		// compose refuses to write an SBOM of a broken installer.
		out, _, code := runCLI(t, nil, "compose", path)
		if code != exitBadInput || out != "" {
			t.Errorf("%s: compose exit %d, stdout %q", name, code, out)
		}
		// Asked to, it writes one that says, in each format, that it is
		// incomplete, and still exits 3.
		for format, mark := range map[string]string{"spdx-json": `"comment": "incomplete:`, "cyclonedx-json": `"aggregate": "incomplete"`} {
			out, _, code = runCLI(t, nil, "compose", "--allow-incomplete", "--format", format, path)
			if code != exitBadInput || !strings.Contains(out, mark) || !strings.Contains(out, "inspection-problem: error: ") {
				t.Errorf("%s: compose --allow-incomplete --format %s: exit %d, document not marked incomplete:\n%.600s", name, format, code, out)
			}
		}
	}
	if _, stderr, code := runCLI(t, nil, "inspect", filepath.Join(t.TempDir(), "missing.exe")); code != exitBadInput || !strings.Contains(stderr, "missing.exe") {
		t.Errorf("missing file: exit %d, %s", code, stderr)
	}
}

// TestNotAnInstallerRefused: an HTML page saved under an installer's name
// gets no SBOM: exit 3 and what it looks like.
func TestNotAnInstallerRefused(t *testing.T) {
	path := writeFile(t, "python-3.12.0-amd64.exe", []byte("<!DOCTYPE html><html><body>Not Found</body></html>"))
	for _, cmd := range []string{"inspect", "compose"} {
		out, stderr, code := runCLI(t, nil, cmd, path)
		if code != exitBadInput || out != "" || !strings.Contains(stderr, "python-3.12.0-amd64.exe: not an installer: an HTML document") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", cmd, code, out, stderr)
		}
	}
}

// TestWarningsKeepExitZero: a member with a suspicious name is a warning:
// inspect exits 0 and says so on stderr, compose writes the document with
// the warning as an annotation.
func TestWarningsKeepExitZero(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("../../outside.txt")
	w.Write([]byte("hello"))
	zw.Close()
	path := writeFile(t, "traversal.zip", buf.Bytes())
	_, stderr, code := runCLI(t, nil, "inspect", "--json", path)
	if code != exitOK || !strings.Contains(stderr, `warning: traversal.zip/\x2e\x2e/\x2e\x2e/outside.txt`) {
		t.Errorf("inspect: exit %d, stderr %q", code, stderr)
	}
	// The table lists the problem itself: each problem is printed once.
	if out, stderr, code := runCLI(t, nil, "inspect", path); code != exitOK || stderr != "" || strings.Count(out, "outside.txt: zip") != 1 {
		t.Errorf("table: exit %d, stderr %q, stdout:\n%s", code, stderr, out)
	}
	out, _, code := runCLI(t, nil, "compose", path)
	if code != exitOK || !strings.Contains(out, `inspection-problem: warning: traversal.zip/\\x2e\\x2e/\\x2e\\x2e/outside.txt`) || !strings.Contains(out, `"fileName": "./traversal.zip/\\x2e\\x2e/\\x2e\\x2e/outside.txt"`) || strings.Contains(out, "incomplete:") {
		t.Errorf("compose: exit %d:\n%s", code, out)
	}
}

// TestDemoDocumentValidates runs what `make demo` runs: compose on the
// embeddable zip built from the real CPython 3.11.11 Windows tree, then
// validate on the result, twice, to check the bytes are identical.
func TestDemoDocumentValidates(t *testing.T) {
	b, err := embedzip.Tree{Dir: filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64"), Version: "311"}.Build()
	if err != nil {
		t.Fatal(err)
	}
	zip := writeFile(t, "python-3.11.11-embed-amd64.zip", b)
	env := map[string]string{"SOURCE_DATE_EPOCH": "1734566400"}
	args := []string{"compose", zip, "--name", "Python embeddable package", "--version", "3.11.11",
		"--supplier", "Organization: Python Software Foundation", "--creator", "Organization: installer-sbom demo"}
	first, stderr, code := runCLI(t, env, args...)
	if code != exitOK {
		t.Fatalf("compose exit %d: %s", code, stderr)
	}
	second, _, _ := runCLI(t, env, args...)
	if first != second {
		t.Error("two runs with the same SOURCE_DATE_EPOCH differ")
	}
	if !strings.Contains(first, `"created": "2024-12-19T00:00:00Z"`) {
		t.Error("created does not follow SOURCE_DATE_EPOCH")
	}
	doc := writeFile(t, "demo.spdx.json", []byte(first))
	out, _, code := runCLI(t, nil, "validate", doc)
	if code != exitOK {
		t.Errorf("validate exit %d:\n%s", code, out)
	}
}

// TestPipWheelComposed: the real pip 24.3.1 (as go-embed-python installs it)
// packed as the wheel CPython bundles under Lib/ensurepip/_bundled becomes
// the pip package plus one package per pin of its pip/_vendor/vendor.txt,
// each with a pkg:pypi PURL and a DEPENDS_ON from pip. The expected pins are
// read from vendor.txt itself, not from our output.
func TestPipWheelComposed(t *testing.T) {
	data := filepath.Join(filepath.Dir(testenv.EmbedPython(t, testenv.Python311)), "..", "..", "pip", "internal", "data")
	var wheel []embedzip.Entry
	err := filepath.WalkDir(data, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(data, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "pip/") && !strings.HasPrefix(rel, "pip-24.3.1.dist-info/") {
			return nil
		}
		b, err := os.ReadFile(p)
		wheel = append(wheel, embedzip.Entry{Name: rel, Data: b})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	whl, err := embedzip.Bytes(wheel)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := embedzip.Bytes([]embedzip.Entry{{Name: "Lib/ensurepip/_bundled/pip-24.3.1-py3-none-any.whl", Data: whl}})
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "python-lib.zip", outer)
	out, stderr, code := runCLI(t, map[string]string{"SOURCE_DATE_EPOCH": "1"}, "compose", path, "--supplier", "Organization: PSF", "--version", "3.11.11")
	if code != exitOK {
		t.Fatalf("compose exit %d: %s", code, stderr)
	}
	var doc struct {
		Packages []struct {
			SPDXID, Name, VersionInfo string
			ExternalRefs              []struct{ ReferenceType, ReferenceLocator string }
		}
		Relationships []struct{ SpdxElementId, RelationshipType, RelatedSpdxElement string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	idOf := map[string]string{}
	purlOf := map[string]string{}
	for _, p := range doc.Packages {
		key := strings.ToLower(p.Name) + "==" + p.VersionInfo
		idOf[key] = p.SPDXID
		for _, r := range p.ExternalRefs {
			if r.ReferenceType == "purl" {
				purlOf[key] = r.ReferenceLocator
			}
		}
	}
	pip := idOf["pip==24.3.1"]
	if pip == "" || purlOf["pip==24.3.1"] != "pkg:pypi/pip@24.3.1" {
		t.Fatalf("no pip 24.3.1 package with a pypi purl in %v", idOf)
	}
	deps := map[string]bool{}
	for _, r := range doc.Relationships {
		if r.SpdxElementId == pip && r.RelationshipType == "DEPENDS_ON" {
			deps[r.RelatedSpdxElement] = true
		}
	}
	vendor, err := os.ReadFile(filepath.Join(data, "pip", "_vendor", "vendor.txt"))
	if err != nil {
		t.Fatal(err)
	}
	pins := 0
	for _, line := range strings.Split(string(vendor), "\n") {
		name, ver, ok := strings.Cut(strings.TrimSpace(line), "==")
		if !ok {
			continue
		}
		pins++
		key := strings.ToLower(name) + "==" + ver
		id := idOf[key]
		if id == "" {
			// PyPI names compare normalised (_ and - alike).
			id = idOf[strings.ReplaceAll(key, "_", "-")]
		}
		if id == "" {
			t.Errorf("vendored %s has no package", key)
			continue
		}
		if !deps[id] {
			t.Errorf("pip does not DEPEND_ON %s", key)
		}
	}
	if pins < 10 {
		t.Fatalf("only %d pins read from vendor.txt", pins)
	}
}

// compose -o DIR writes <installer><format extension> there (the names
// scanners look for), and --profile checks what it wrote.
func TestComposeIntoDirectoryWithProfile(t *testing.T) {
	path := smallZip(t)
	dir := t.TempDir()
	for format, ext := range map[string]string{"spdx-json": ".spdx.json", "cyclonedx-json": ".cdx.json", "spdx-tag-value": ".spdx"} {
		_, stderr, code := runCLI(t, nil, "compose", path, "--format", format, "-o", dir, "--profile", "ntia", "--supplier", "Organization: Test")
		if code != exitOK {
			t.Errorf("%s: exit %d: %s", format, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "python-embed.zip"+ext)); err != nil {
			t.Errorf("%s: %v", format, err)
		}
	}
	// SPDX 2.3 is not a format BSI TR-03183-2 accepts: the document is
	// written, and compose says why it fails the profile.
	_, stderr, code := runCLI(t, nil, "compose", path, "-o", dir, "--profile", "bsi-tr-03183-2")
	if code != exitDiffers || !strings.Contains(stderr, "SPDX 3.0.1 or later") {
		t.Errorf("bsi on SPDX 2.3: exit %d: %s", code, stderr)
	}
}

// -o FILE with a format's extension writes that format when --format is
// not given.
func TestComposeFormatFromExtension(t *testing.T) {
	path := smallZip(t)
	out := filepath.Join(t.TempDir(), "x.spdx3.json")
	if _, stderr, code := runCLI(t, nil, "compose", path, "-o", out); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(out)
	if !strings.Contains(string(b), "spdx.org/rdf/3.0.1") {
		t.Errorf("not SPDX 3: %.200s", b)
	}
}

// --limit spdx3-objects bounds the SPDX 3 document: over it, the writer
// refuses (exit 3) before it writes anything, and a file that was there
// stays as it was.
func TestComposeSPDX3ObjectsLimit(t *testing.T) {
	path := smallZip(t)
	out := writeFile(t, "x.spdx3.json", []byte("before"))
	_, stderr, code := runCLI(t, nil, "compose", path, "-o", out, "--limit", "spdx3-objects=3")
	if b, _ := os.ReadFile(out); code != exitBadInput || !strings.Contains(stderr, "spdx3-objects limit of 3") || string(b) != "before" {
		t.Errorf("exit %d, file %.20q: %s", code, b, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "compose", path, "-o", out, "--limit", "spdx3-objects=1K"); code != exitOK {
		t.Errorf("spdx3-objects=1K: exit %d: %s", code, stderr)
	}
}

// Help asked for is output: on stdout, exit 0, for help CMD and CMD --help;
// usage printed for a mistake goes to stderr with exit 2.
func TestHelpOnStdout(t *testing.T) {
	for _, args := range [][]string{{"help", "inspect"}, {"inspect", "--help"}, {"compose", "-h"}, {"help", "validate"}} {
		out, stderr, code := runCLI(t, nil, args...)
		if code != exitOK || !strings.Contains(out, "usage: installer-sbom "+strings.TrimPrefix(args[len(args)-1], "-")) && !strings.Contains(out, "usage: installer-sbom "+args[0]) || stderr != "" {
			t.Errorf("%q: exit %d, stdout %.80q, stderr %.80q", args, code, out, stderr)
		}
	}
	out, stderr, code := runCLI(t, nil, "inspect")
	if code != exitUsage || out != "" || !strings.Contains(stderr, "usage: installer-sbom inspect") {
		t.Errorf("inspect without a file: exit %d, stdout %q", code, out)
	}
	if _, stderr, code := runCLI(t, nil, "inspect", "--workers", "-3", smallZip(t)); code != exitUsage || !strings.Contains(stderr, "--workers -3") {
		t.Errorf("--workers -3: exit %d, %s", code, stderr)
	}
}

// -o FORMAT[=FILE] as syft users write it: several documents from one walk,
// aliases, the table; mistakes that used to write SPDX into a file named
// after a format are usage errors naming the known formats.
func TestComposeSeveralOutputs(t *testing.T) {
	path := smallZip(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.spdx.json"), filepath.Join(dir, "a.cdx.json")
	out, stderr, code := runCLI(t, nil, "compose", path, "-o", "spdx-json="+a, "-o", "cdx="+b, "-o", "table", "--supplier", "Organization: T")
	if code != exitOK || !strings.Contains(out, "COMPONENTS") {
		t.Fatalf("exit %d, stdout %.200q, stderr %s", code, out, stderr)
	}
	sa, _ := os.ReadFile(a)
	sb, _ := os.ReadFile(b)
	if !strings.Contains(string(sa), `"spdxVersion": "SPDX-2.3"`) || !strings.Contains(string(sb), `"bomFormat": "CycloneDX"`) {
		t.Errorf("documents: %.80q / %.80q", sa, sb)
	}
	if out, _, code := runCLI(t, nil, "compose", path, "-o", "spdx"); code != exitOK || !strings.HasPrefix(out, "SPDXVersion: SPDX-2.3") {
		t.Errorf("-o spdx (tag-value to stdout): exit %d, %.60q", code, out)
	}
	for _, bad := range [][]string{{"-o", "cyclonedx-xml=" + b}, {"-o", "spdx-json="}, {"-o", "spdx-json", "-o", "cdx"}} {
		_, stderr, code := runCLI(t, nil, append([]string{"compose", path}, bad...)...)
		if code != exitUsage || !strings.Contains(stderr, "-o") {
			t.Errorf("%q: exit %d, %s", bad, code, stderr)
		}
	}
	if _, stderr, _ := runCLI(t, nil, "compose", path, "-o", "cyclonedx-xml="+b); !strings.Contains(stderr, "known: ") {
		t.Errorf("unknown format without the list: %s", stderr)
	}
	// A plain file still gets --format, as before.
	legacy := filepath.Join(dir, "legacy.json")
	if _, _, code := runCLI(t, nil, "compose", path, "-o", legacy, "--format", "cyclonedx-json"); code != exitOK {
		t.Errorf("legacy -o FILE: exit %d", code)
	}
	if s, _ := os.ReadFile(legacy); !strings.Contains(string(s), "CycloneDX") {
		t.Errorf("legacy file: %.80q", s)
	}
}

// Several installers, or a directory of them, are composed one at a time
// into --output-dir (default: beside each) as <installer><extension>, one
// summary line each and the worst exit code; "-" reads stdin.
func TestComposeBatchAndStdin(t *testing.T) {
	src := t.TempDir()
	z := smallZip(t)
	b, _ := os.ReadFile(z)
	os.WriteFile(filepath.Join(src, "a.zip"), b, 0o644)
	os.WriteFile(filepath.Join(src, "b.zip"), b, 0o644)
	os.WriteFile(filepath.Join(src, "old.spdx.json"), []byte("{}"), 0o644) // an SBOM beside them: skipped
	out := t.TempDir()
	_, stderr, code := runCLI(t, nil, "compose", src, "--output-dir", out, "-o", "spdx-json", "-o", "cdx")
	if code != exitOK || strings.Count(stderr, ": written") != 2 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, f := range []string{"a.zip.spdx.json", "a.zip.cdx.json", "b.zip.spdx.json", "b.zip.cdx.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	// One broken installer makes the batch exit 3; the others are written.
	os.WriteFile(filepath.Join(src, "c.zip"), malformed.All()["truncated.zip"], 0o644)
	_, stderr, code = runCLI(t, nil, "compose", src, "--output-dir", t.TempDir())
	if code != exitBadInput || strings.Count(stderr, ": written") != 2 || !strings.Contains(stderr, "c.zip: not read completely") {
		t.Errorf("batch with a broken installer: exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "compose", src, "-o", "x.json"); code != exitUsage || !strings.Contains(stderr, "formats only") {
		t.Errorf("-o FILE in a batch: exit %d: %s", code, stderr)
	}
	stdin = bytes.NewReader(b)
	defer func() { stdin = os.Stdin }()
	doc, stderr, code := runCLI(t, nil, "compose", "-")
	if code != exitOK || !strings.Contains(doc, `"name": "stdin"`) {
		t.Errorf("stdin: exit %d, %s, %.200s", code, stderr, doc)
	}
}

// TestComponentCountsAgree: inspect's table, compose's CycloneDX document
// and diff count the components of the real CPython embeddable zip alike,
// one per name and version — expat's versionless sighting in
// _elementtree.pyd is the expat that pyexpat.pyd shows at 2.6.4, and the
// two zlib versions (tcl86t.dll, python311.dll) are two components. The
// expected set is the document's library components.
func TestComponentCountsAgree(t *testing.T) {
	b, err := embedzip.Tree{Dir: filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64"), Version: "311"}.Build()
	if err != nil {
		t.Fatal(err)
	}
	zip := writeFile(t, "python-3.11.11-embed-amd64.zip", b)
	doc, _, code := runCLI(t, nil, "compose", "-q", zip, "-o", "cyclonedx-json")
	if code != exitOK {
		t.Fatalf("compose exit %d", code)
	}
	var bom struct {
		Components []struct{ Type, Name, Version string }
	}
	if err := json.Unmarshal([]byte(doc), &bom); err != nil {
		t.Fatal(err)
	}
	libs := map[string]bool{}
	for _, c := range bom.Components {
		if c.Type == "library" {
			libs[c.Name+"@"+c.Version] = true
		}
	}
	if !libs["expat@2.6.4"] || libs["expat@"] || !libs["zlib@1.2.11"] || !libs["zlib@1.2.13"] {
		t.Fatalf("document components %v", libs)
	}
	table, _, code := runCLI(t, nil, "inspect", "-q", zip)
	if code != exitOK || !strings.Contains(table, fmt.Sprintf("\nCOMPONENTS (%d)\n", len(libs))) {
		t.Errorf("inspect exit %d, want COMPONENTS (%d):\n%s", code, len(libs), table)
	}
	if regexp.MustCompile(`(?m)^expat +- `).MatchString(table) {
		t.Error("inspect lists expat's versionless sighting as its own component")
	}
	d, _, code := runCLI(t, nil, "diff", "-q", zip, zip)
	if code != exitOK || !strings.Contains(d, fmt.Sprintf("components: 0 changed, 0 added, 0 removed, %d unchanged", len(libs))) {
		t.Errorf("diff exit %d, want %d unchanged:\n%s", code, len(libs), d)
	}
}

// inspect takes several installers, a directory or stdin like compose:
// each table or JSON object in order on stdout, a summary line each on
// stderr (none with -q unless it failed), the worst exit code.
func TestInspectBatchAndStdin(t *testing.T) {
	src := t.TempDir()
	b, _ := os.ReadFile(smallZip(t))
	os.WriteFile(filepath.Join(src, "a.zip"), b, 0o644)
	os.WriteFile(filepath.Join(src, "b.zip"), b, 0o644)
	out, stderr, code := runCLI(t, nil, "inspect", src)
	if code != exitOK || strings.Count(out, "  zip  ") != 2 || strings.Index(out, "a.zip  zip") > strings.Index(out, "b.zip  zip") ||
		strings.Count(stderr, ": read\n") != 2 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	out, _, code = runCLI(t, nil, "inspect", "--json", filepath.Join(src, "a.zip"), filepath.Join(src, "b.zip"))
	dec := json.NewDecoder(strings.NewReader(out))
	var names []string
	for {
		var inv struct{ Artifact struct{ Name string } }
		if err := dec.Decode(&inv); err != nil {
			break
		}
		names = append(names, inv.Artifact.Name)
	}
	if code != exitOK || strings.Join(names, ",") != "a.zip,b.zip" {
		t.Errorf("--json batch: exit %d, objects %v", code, names)
	}
	os.WriteFile(filepath.Join(src, "c.zip"), malformed.All()["truncated.zip"], 0o644)
	_, stderr, code = runCLI(t, nil, "inspect", "-q", src)
	if code != exitBadInput || strings.Contains(stderr, ": read\n") || !strings.Contains(stderr, "c.zip: not read completely (exit 3)") {
		t.Errorf("-q batch with a broken installer: exit %d: %s", code, stderr)
	}
	stdin = bytes.NewReader(b)
	defer func() { stdin = os.Stdin }()
	if out, stderr, code := runCLI(t, nil, "inspect", "-"); code != exitOK || !strings.HasPrefix(out, "stdin  zip  ") {
		t.Errorf("stdin: exit %d, %s, %.200s", code, stderr, out)
	}
}

// -v says how the installer was read: each container walked, the walk
// against its limits, each sighting's evidence; -q with -v is a usage error;
// flags are listed as users type them (--json, -q).
func TestVerboseAndFlagSpelling(t *testing.T) {
	z := smallZip(t)
	out, stderr, code := runCLI(t, nil, "inspect", "-v", z)
	if code != exitOK || !strings.Contains(out, "COMPONENTS") ||
		!regexp.MustCompile(`walked [^ ]+\.zip \(zip\): 2 entries, \d+ bytes read`).MatchString(stderr) ||
		!regexp.MustCompile(`entries of 1000000 allowed, \d+ bytes decoded of \d+ allowed`).MatchString(stderr) ||
		!regexp.MustCompile(`sighting bzip2 1\.0\.8 \(static\)\n.*_bz2\.pyd: [^ ]+ at offset \d+ \(0x[0-9a-f]+\)`).MatchString(stderr) {
		t.Errorf("-v: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "inspect", "-q", "-v", z); code != exitUsage || !strings.Contains(stderr, "choose one") {
		t.Errorf("-q -v: exit %d %s", code, stderr)
	}
	if out, _, code := runCLI(t, nil, "-v"); code != exitOK || !strings.HasPrefix(out, "installer-sbom ") {
		t.Errorf("-v alone: exit %d %q", code, out)
	}
	if _, stderr, code := runCLI(t, nil, "-v", "inspect", z); code != exitOK || !strings.Contains(stderr, "walked ") {
		t.Errorf("-v before the command: exit %d %s", code, stderr)
	}
	help, _, _ := runCLI(t, nil, "help", "inspect")
	if !strings.Contains(help, "\n  --json\n") || !strings.Contains(help, "\n  -q\t") || strings.Contains(help, "\n  -json") {
		t.Errorf("help inspect:\n%s", help)
	}
}

// TestExitCodeTable checks every cell of the exit-code contract that a
// command can reach: 0 success, 1 verification failed or differences, 2
// usage (side inputs included), 3 the installer or document could not be
// read completely. vex's cells are in TestVexExitCodes.
func TestExitCodeTable(t *testing.T) {
	good := smallZip(t)
	broken := writeFile(t, "truncated.zip", malformed.All()["truncated.zip"])
	other := sqliteZip(t, testenv.Python311, "sqlite.zip")
	doc := composeTo(t, good, "spdx-json")
	otherDoc := composeTo(t, other, "spdx-json")
	invalid := writeFile(t, "invalid.spdx.json", []byte(`{"spdxVersion": "SPDX-2.3"}`))
	garbage := writeFile(t, "garbage.json", []byte("garbage"))
	missing := filepath.Join(t.TempDir(), "missing.json")
	badConfig := writeFile(t, "bad.yaml", []byte("limit: [\n"))
	for _, c := range []struct {
		code int
		args []string
	}{
		{exitOK, []string{"inspect", good}},
		{exitUsage, []string{"inspect", "--workers", "-1", good}},
		{exitUsage, []string{"inspect", "--rules", garbage, good}},
		{exitUsage, []string{"inspect", "--config", badConfig, good}},
		{exitBadInput, []string{"inspect", broken}},
		{exitBadInput, []string{"inspect", missing}},

		{exitOK, []string{"compose", good, "-o", filepath.Join(t.TempDir(), "a.spdx.json")}},
		{exitDiffers, []string{"compose", good, "--profile", "bsi-tr-03183-2", "-o", filepath.Join(t.TempDir(), "a.cdx.json")}},
		{exitUsage, []string{"compose", good, "--source-sbom", missing}},
		{exitUsage, []string{"compose", good, "--source-sbom", garbage}},
		{exitUsage, []string{"compose", good, "-o", "cyclonedx-json="}},
		{exitBadInput, []string{"compose", broken, "-o", filepath.Join(t.TempDir(), "b.spdx.json")}},

		{exitOK, []string{"validate", doc}},
		{exitDiffers, []string{"validate", invalid}},
		{exitUsage, []string{"validate", doc, "--profile", "nope"}},
		{exitBadInput, []string{"validate", garbage}},

		{exitOK, []string{"verify", good, "--sbom", doc}},
		{exitDiffers, []string{"verify", good, "--sbom", otherDoc}},
		{exitUsage, []string{"verify", good, "--sbom", missing}},
		{exitBadInput, []string{"verify", broken, "--sbom", doc}},

		{exitOK, []string{"diff", good, good}},
		{exitOK, []string{"diff", doc, good}},
		{exitDiffers, []string{"diff", good, other}},
		{exitUsage, []string{"diff", good}},
		{exitBadInput, []string{"diff", good, broken}},
		{exitBadInput, []string{"diff", good, garbage}},

		{exitOK, []string{"rules"}},
		{exitUsage, []string{"rules", "--rules", garbage}},
		{exitOK, []string{"config"}},
		{exitUsage, []string{"config", "--config", badConfig}},
		{exitOK, []string{"version"}},
		{exitUsage, []string{"frobnicate"}},
	} {
		if _, stderr, code := runCLI(t, nil, c.args...); code != c.code {
			t.Errorf("%q: exit %d, want %d\n%s", c.args, code, c.code, stderr)
		}
	}
}
