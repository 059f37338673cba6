package sbomdiff_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// composeFormats composes an inventory and writes it in the named formats.
func composeFormats(t *testing.T, inv *inspect.Inventory, opts compose.Options, formats ...string) (*compose.Result, map[string][]byte) {
	t.Helper()
	opts.Created, opts.ToolVersion = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "test"
	res, err := compose.Compose(inv, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, name := range formats {
		f, ok := compose.LookupFormat(name)
		if !ok {
			t.Fatalf("no format %s", name)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, res); err != nil {
			t.Fatal(err)
		}
		out[name] = buf.Bytes()
	}
	return res, out
}

// readAs reads a document, checking that Detect names its format.
func readAs(t *testing.T, b []byte, name, format string) *sbomdiff.Model {
	t.Helper()
	if got, ok := sbomdiff.Detect(b[:min(len(b), 64<<10)]); !ok || got != format {
		t.Fatalf("%s: Detect = %q, %v; want %s", name, got, ok, format)
	}
	m, err := sbomdiff.Read(bytes.NewReader(b), name, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if m.Format != format || m.Source != name {
		t.Fatalf("%s: format %q source %q", name, m.Format, m.Source)
	}
	return m
}

// sameModel fails unless two models of documents say the same, apart from
// where they were read from.
func sameModel(t *testing.T, spdx3, spdx23 *sbomdiff.Model) {
	t.Helper()
	a, b := *spdx3, *spdx23
	a.Source, a.Format, b.Source, b.Format = "", "", "", ""
	if !reflect.DeepEqual(a, b) {
		t.Errorf("SPDX 3 model differs from the SPDX 2.3 one:\nSPDX 3:   %s %s %s sha256 %s sha1 %s identity %v incomplete %v, %d files, %d components\nSPDX 2.3: %s %s %s sha256 %s sha1 %s identity %v incomplete %v, %d files, %d components",
			a.Name, a.Version, a.FileName, a.SHA256, a.SHA1, a.Identity, a.Incomplete, len(a.Files), len(a.Components),
			b.Name, b.Version, b.FileName, b.SHA256, b.SHA1, b.Identity, b.Incomplete, len(b.Files), len(b.Components))
		for i := 0; i < max(len(a.Files), len(b.Files)); i++ {
			if i >= len(a.Files) || i >= len(b.Files) || a.Files[i] != b.Files[i] {
				t.Errorf("first differing file %d: SPDX 3 %+v, SPDX 2.3 %+v", i, at(a.Files, i), at(b.Files, i))
				break
			}
		}
		for i := 0; i < max(len(a.Components), len(b.Components)); i++ {
			if i >= len(a.Components) || i >= len(b.Components) || a.Components[i] != b.Components[i] {
				t.Errorf("first differing component %d: SPDX 3 %+v, SPDX 2.3 %+v", i, at(a.Components, i), at(b.Components, i))
				break
			}
		}
	}
	if d := sbomdiff.Compare(spdx23, spdx3); d.Differs() {
		t.Errorf("Compare(SPDX 2.3, SPDX 3) differs: %+v", d.Summary)
	}
}

func at[T any](s []T, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

// TestSPDX3EmbeddableZip: the real CPython embeddable zip, composed with
// CPython's own source SBOMs and --include-unverified, read back from SPDX
// 3.0.1 gives the model its SPDX 2.3 document gives: the installer, its
// hundreds of files with their hashes, its components with PURLs, the
// versions taken from a source SBOM, and not the packages the source SBOMs
// list that the zip does not hold. The installer verifies against it.
func TestSPDX3EmbeddableZip(t *testing.T) {
	tree := embedzip.Tree{Dir: filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64"), Version: "311"}
	zip, err := tree.Build()
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, t.TempDir(), "python-3.11.11-embed-amd64.zip", zip)
	inv := inspectPath(t, p)
	var sources []compose.SourceSBOM
	for _, name := range []string{"sbom.spdx.json", "externals.spdx.json"} {
		f, err := os.Open(testenv.Shared(t, "reference", "cpython", "v3.13.15", name))
		if err != nil {
			t.Fatal(err)
		}
		s, err := compose.ReadSourceSBOM(f, name)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, *s)
	}
	res, docs := composeFormats(t, inv, compose.Options{Name: "CPython", SourceSBOMs: sources, IncludeUnverified: true},
		sbomdiff.FormatSPDXJSON, sbomdiff.FormatSPDX3JSON, sbomdiff.FormatCycloneDXJSON)
	m23 := readAs(t, docs[sbomdiff.FormatSPDXJSON], "python.spdx.json", sbomdiff.FormatSPDXJSON)
	m3 := readAs(t, docs[sbomdiff.FormatSPDX3JSON], "python.spdx3.json", sbomdiff.FormatSPDX3JSON)
	sameModel(t, m3, m23)

	// What the SPDX 3 model says, against the inventory and the zip.
	if m3.FileName != "python-3.11.11-embed-amd64.zip" || m3.SHA256 != sha256Hex(zip) || m3.SHA1 != inv.Artifact.SHA1 || m3.Name != "CPython" {
		t.Errorf("installer %q %q sha256 %s sha1 %s; the zip's sha256 is %s", m3.Name, m3.FileName, m3.SHA256, m3.SHA1, sha256Hex(zip))
	}
	if m3.Incomplete || m3.Identity != nil {
		t.Errorf("incomplete %v, identity %v: a complete zip has no signature-invariant identity", m3.Incomplete, m3.Identity)
	}
	entries := map[string]string{}
	for _, e := range zipEntries(t, zip) {
		entries[e.Name] = sha256Hex(e.Data)
	}
	for _, f := range m3.Files {
		if h, ok := entries[f.Path]; ok && h != f.SHA256 {
			t.Errorf("%s: SPDX 3 sha256 %s, archive/zip %s", f.Path, f.SHA256, h)
		}
		if f.SHA1 == "" {
			t.Errorf("%s: no SHA-1", f.Path)
		}
		delete(entries, f.Path)
	}
	if len(entries) > 0 {
		t.Errorf("zip entries not in the SPDX 3 model: %v", entries)
	}
	fromSource, purls := 0, 0
	for _, c := range m3.Components {
		if c.VersionFromSource {
			fromSource++
		}
		if strings.HasPrefix(c.PURL, "pkg:") {
			purls++
		}
		for _, u := range res.Unverified {
			// "name version (source SBOM, SPDX identifier)"
			if f := strings.Fields(u); len(f) >= 2 && sbomdiff.SameName(c.Name, f[0]) && c.Version == f[1] {
				t.Errorf("unverified package %q read as component %+v", u, c)
			}
		}
	}
	if len(res.Unverified) == 0 || fromSource == 0 || purls == 0 {
		t.Errorf("the test needs unverified packages (%v), versions from a source SBOM (%d) and PURLs (%d)", res.Unverified, fromSource, purls)
	}
	if !bytes.Contains(docs[sbomdiff.FormatSPDX3JSON], []byte(`"statement": "`+compose.NoteUnverified)) {
		t.Error("the SPDX 3 document has no unverified: annotation")
	}

	// The CycloneDX document of the same result has the same components.
	mcdx := readAs(t, docs[sbomdiff.FormatCycloneDXJSON], "python.cdx.json", sbomdiff.FormatCycloneDXJSON)
	if !reflect.DeepEqual(mcdx.Components, m3.Components) {
		t.Errorf("CycloneDX components %+v\nSPDX 3 components %+v", mcdx.Components, m3.Components)
	}

	inst := installerModel(t, p)
	if v := sbomdiff.Verify(m3, inst); !v.OK || len(v.Differences) > 0 || v.FilesChecked != len(inst.Files) {
		t.Errorf("the zip does not verify against its SPDX 3 document: %v (%d files checked, the zip has %d)", v.Differences, v.FilesChecked, len(inst.Files))
	}

	// The Detail (vex's reading) is the SPDX 2.3 document's.
	d23, err := sbomdiff.ReadDetail(bytes.NewReader(docs[sbomdiff.FormatSPDXJSON]), "python.spdx.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	d3, err := sbomdiff.ReadDetail(bytes.NewReader(docs[sbomdiff.FormatSPDX3JSON]), "python.spdx3.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	if d3.Root != d23.Root || d3.Root.Ref != compose.RootID {
		t.Errorf("root: SPDX 3 %+v, SPDX 2.3 %+v", d3.Root, d23.Root)
	}
	if !reflect.DeepEqual(d3.Components, d23.Components) {
		t.Errorf("Detail components differ:\nSPDX 3   %+v\nSPDX 2.3 %+v", d3.Components, d23.Components)
	}
	own := 0
	for _, c := range d3.Components {
		own += len(c.Files)
	}
	if own == 0 {
		t.Error("no component has files of its own in the Detail")
	}
}

// TestSPDX3Identity: the signature-invariant identity of a wixl MSI
// (msi-streams-sha256) and of a PE (authenticode-sha256) is read back from
// SPDX 3, and the signed installer verifies against the unsigned one's SPDX
// 3 document because of it.
func TestSPDX3Identity(t *testing.T) {
	testenv.Tool(t, "wixl")
	msi := msibuild.BuildMSI(t, t.TempDir(), smallTree(t, true), msibuild.Spec{ProductName: "SPDX3 Test", Version: "2.0.1"})
	pe := writeFile(t, t.TempDir(), "tool.exe", stubPE(t))
	for _, p := range []string{msi, pe} {
		inv := inspectPath(t, p)
		_, docs := composeFormats(t, inv, compose.Options{}, sbomdiff.FormatSPDXJSON, sbomdiff.FormatSPDX3JSON)
		m23 := readAs(t, docs[sbomdiff.FormatSPDXJSON], "doc.spdx.json", sbomdiff.FormatSPDXJSON)
		m3 := readAs(t, docs[sbomdiff.FormatSPDX3JSON], "doc.spdx3.json", sbomdiff.FormatSPDX3JSON)
		sameModel(t, m3, m23)
		want := inv.Artifact.Identity
		if want == nil || m3.Identity == nil || m3.Identity.Algorithm != want.Algorithm || m3.Identity.Digest != want.Digest {
			t.Fatalf("%s: identity read back %v, inventory %+v", filepath.Base(p), m3.Identity, want)
		}
		if m3.FileName != filepath.Base(p) || m3.SHA256 != inv.Artifact.SHA256 {
			t.Errorf("%s: file name %q sha256 %s", filepath.Base(p), m3.FileName, m3.SHA256)
		}
		var signed string
		if p == msi {
			signed = signMSI(t, p)
		} else {
			signed = writeFile(t, t.TempDir(), "tool.exe", signPE(t, stubPE(t), newCert(t, t.TempDir())))
		}
		v := sbomdiff.Verify(m3, installerModel(t, signed))
		if !v.OK || !v.SignatureOnly {
			t.Errorf("%s signed against the unsigned SPDX 3 document: ok=%v signatureOnly=%v %v", filepath.Base(p), v.OK, v.SignatureOnly, v.Differences)
		}
	}
}

// TestSPDX3Incomplete: an installer read with errors gives a document whose
// SpdxDocument comment says it is incomplete; the model says so too.
func TestSPDX3Incomplete(t *testing.T) {
	inv := inspectPath(t, writeFile(t, t.TempDir(), "tool.exe", stubPE(t)))
	inv.Problems = append(inv.Problems, inspect.Problem{Path: inv.Artifact.Name, Layer: "pe", Severity: "error", Message: "truncated"})
	_, docs := composeFormats(t, inv, compose.Options{}, sbomdiff.FormatSPDXJSON, sbomdiff.FormatSPDX3JSON)
	m23 := readAs(t, docs[sbomdiff.FormatSPDXJSON], "doc.spdx.json", sbomdiff.FormatSPDXJSON)
	m3 := readAs(t, docs[sbomdiff.FormatSPDX3JSON], "doc.spdx3.json", sbomdiff.FormatSPDX3JSON)
	if !m3.Incomplete || !m23.Incomplete {
		t.Errorf("incomplete: SPDX 3 %v, SPDX 2.3 %v", m3.Incomplete, m23.Incomplete)
	}
	sameModel(t, m3, m23)
}

// TestSPDX3Golden: compose's golden SPDX 3 documents read as their SPDX 2.3
// twins (the same result), Detail included.
func TestSPDX3Golden(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "compose", "testdata")
	components := 0
	for _, name := range []string{"pkg", "burn"} {
		b3, err := os.ReadFile(filepath.Join(dir, name+".spdx3.json"))
		if err != nil {
			t.Fatal(err)
		}
		b23, err := os.ReadFile(filepath.Join(dir, name+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		m3 := readAs(t, b3, name+".spdx3.json", sbomdiff.FormatSPDX3JSON)
		sameModel(t, m3, readAs(t, b23, name+".spdx.json", sbomdiff.FormatSPDXJSON))
		if len(m3.Files) == 0 || m3.SHA256 == "" || m3.FileName == "" {
			t.Errorf("%s: %d files, sha256 %q, file name %q", name, len(m3.Files), m3.SHA256, m3.FileName)
		}
		components += len(m3.Components)
		d3, err := sbomdiff.ReadDetail(bytes.NewReader(b3), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		d23, err := sbomdiff.ReadDetail(bytes.NewReader(b23), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d3.Root != d23.Root || !reflect.DeepEqual(d3.Components, d23.Components) {
			t.Errorf("%s: Detail\nSPDX 3   %+v %+v\nSPDX 2.3 %+v %+v", name, d3.Root, d3.Components, d23.Root, d23.Components)
		}
	}
	if components == 0 {
		t.Error("the golden documents read back without components")
	}
}

// TestSPDX3Variants: what compose's documents never vary but SPDX 3.0.1
// allows, on compose's golden document changed one way at a time.
func TestSPDX3Variants(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "compose", "testdata", "pkg.spdx3.json"))
	if err != nil {
		t.Fatal(err)
	}
	base := readAs(t, golden, "pkg.spdx3.json", sbomdiff.FormatSPDX3JSON)
	edit := func(change func(doc map[string]any, graph []map[string]any)) *sbomdiff.Model {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal(golden, &doc); err != nil {
			t.Fatal(err)
		}
		var graph []map[string]any
		for _, n := range doc["@graph"].([]any) {
			graph = append(graph, n.(map[string]any))
		}
		change(doc, graph)
		b, err := json.Marshal(doc) // keys sorted: "@context" before "@graph"
		if err != nil {
			t.Fatal(err)
		}
		return readAs(t, b, "changed.spdx3.json", sbomdiff.FormatSPDX3JSON)
	}
	is := func(n map[string]any, typ string) bool { return n["type"] == typ }
	isRoot := func(n map[string]any) bool {
		id, _ := n["spdxId"].(string)
		return is(n, "software_Package") && strings.HasSuffix(id, "#"+compose.RootID)
	}

	// A package verification code (SHA-1 too) is not the installer's SHA-1.
	m := edit(func(_ map[string]any, g []map[string]any) {
		for _, n := range g {
			if isRoot(n) {
				n["verifiedUsing"] = append(n["verifiedUsing"].([]any), map[string]any{"type": "PackageVerificationCode", "algorithm": "sha1", "hashValue": strings.Repeat("ab", 20)})
			}
		}
	})
	if m.SHA1 != base.SHA1 || base.SHA1 == "" {
		t.Errorf("SHA-1 with a verification code %q, without %q", m.SHA1, base.SHA1)
	}

	// NOASSERTION is no version.
	if m := edit(func(_ map[string]any, g []map[string]any) {
		for _, n := range g {
			if isRoot(n) {
				n["software_packageVersion"] = "NOASSERTION"
			}
		}
	}); m.Version != "" || base.Version == "" {
		t.Errorf("version NOASSERTION read as %q", m.Version)
	}

	// Single references written as themselves, not lists of one; the
	// installer under another identifier, found as the root element.
	m = edit(func(doc map[string]any, g []map[string]any) {
		var rootID string
		for _, n := range g {
			if isRoot(n) {
				rootID = n["spdxId"].(string)
			}
		}
		for _, n := range g {
			for k, v := range n {
				if l, ok := v.([]any); ok && len(l) == 1 && (k == "to" || k == "rootElement" || k == "createdUsing") {
					n[k] = l[0]
				}
				if v == rootID {
					n[k] = "https://example.com/doc#the-installer"
				}
				if l, ok := n[k].([]any); ok {
					for i := range l {
						if l[i] == rootID {
							l[i] = "https://example.com/doc#the-installer"
						}
					}
				}
			}
		}
	})
	a, b := *m, *base
	a.Source, b.Source = "", ""
	if !reflect.DeepEqual(a, b) {
		t.Errorf("with single references and another root identifier:\n%+v\nwant\n%+v", a, b)
	}

	// Without the installer's distribution artifact there is no file
	// name; compose's file paths still lose their first segment, another
	// tool's do not.
	noArtifact := func(tool string) func(map[string]any, []map[string]any) {
		return func(doc map[string]any, g []map[string]any) {
			var keep []any
			for _, n := range g {
				if is(n, "Relationship") && n["relationshipType"] == "hasDistributionArtifact" {
					if from, _ := n["from"].(string); strings.HasSuffix(from, "#"+compose.RootID) {
						continue
					}
				}
				if (is(n, "Tool") || is(n, "SoftwareAgent")) && tool != "" {
					n["name"] = tool
				}
				keep = append(keep, n)
			}
			doc["@graph"] = keep
		}
	}
	m = edit(noArtifact(""))
	if m.FileName != "" || !reflect.DeepEqual(m.Files, base.Files) {
		t.Errorf("no artifact: file name %q, files %+v; want %+v", m.FileName, m.Files, base.Files)
	}
	m = edit(noArtifact("other-tool-1.0"))
	prefixed := 0
	for _, f := range m.Files {
		if strings.HasPrefix(f.Path, base.FileName+"/") {
			prefixed++
		}
	}
	if len(m.Files) != len(base.Files)+1 || prefixed != len(base.Files) {
		t.Errorf("another tool, no artifact: files %+v", m.Files)
	}
}

// TestSPDX3Malformed: a document that is not readable SPDX 3.0.1 is an
// error naming the file, never a panic and never an empty model.
func TestSPDX3Malformed(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "compose", "testdata", "pkg.spdx3.json"))
	if err != nil {
		t.Fatal(err)
	}
	const ctx = `"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"`
	for _, c := range []struct{ doc, want string }{
		{string(golden[:len(golden)/2]), "unexpected end of JSON input"},
		{`{` + ctx + `}`, "no @graph"},
		{`{` + ctx + `, "@graph": {}}`, "cannot unmarshal object"},
		{`{` + ctx + `, "@graph": []}`, "no SpdxDocument"},
		{`{` + ctx + `, "@graph": [{"type": "software_Package", "name": 5}]}`, "cannot unmarshal number"},
		{`{` + ctx + `, "@graph": [{"type": "Relationship", "to": {"a": 1}}]}`, "reference list"},
		{`{"@context": "https://spdx.org/rdf/3.1/spdx-context.jsonld", "@graph": []}`, "only SPDX 3.0.1"},
		{`{"@context": ["https://spdx.org/rdf/3.0.0/spdx-context.jsonld"], "@graph": []}`, "only SPDX 3.0.1"},
		{`{"@context": {"spdx": "https://spdx.org/rdf/3.0.1/terms/"}, "@graph": []}`, "neither a string nor a list"},
		{strings.Replace(string(golden), "3.0.1/spdx-context", "3.0.2/spdx-context", 1), "only SPDX 3.0.1"},
	} {
		m, err := sbomdiff.Read(strings.NewReader(c.doc), "bad.spdx3.json", nil)
		if err == nil || !strings.Contains(err.Error(), "bad.spdx3.json") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60q: model %v, error %v; want one naming the file and %q", c.doc, m != nil, err, c.want)
			continue
		}
		var fe *sbomdiff.FormatError
		if !errors.As(err, &fe) || fe.Format != sbomdiff.FormatSPDX3JSON {
			t.Errorf("%.60q: error %T %v, want a FormatError of %s", c.doc, err, err, sbomdiff.FormatSPDX3JSON)
		}
	}
	// The size bound applies as to every format.
	if _, err := sbomdiff.Read(bytes.NewReader(golden), "big.spdx3.json", &sbomdiff.ReadOptions{MaxBytes: int64(len(golden) - 1)}); err == nil || !strings.Contains(err.Error(), "larger than the limit") {
		t.Errorf("a document over MaxBytes: %v", err)
	}
}

// TestDetectSPDX3: SPDX 3 is told by its top-level @context, wherever it is
// in the object; an SPDX 2.3 document that mentions an SPDX 3 context in a
// comment is still SPDX 2.3.
func TestDetectSPDX3(t *testing.T) {
	for _, c := range []struct{ head, want string }{
		{`{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [`, sbomdiff.FormatSPDX3JSON},
		{"\ufeff" + `{"@graph": [], "@context": ["https://spdx.org/rdf/3.0.1/spdx-context.jsonld"]}`, sbomdiff.FormatSPDX3JSON},
		{`{"@context": "https://spdx.org/rdf/3.1/spdx-context.jsonld", "@graph": []}`, sbomdiff.FormatSPDX3JSON},
		{`{"comment": "converted; \"@context\": https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@context": "x", "spdxVersion": "SPDX-2.3"}`, sbomdiff.FormatSPDXJSON},
		{`{"spdxVersion": "SPDX-2.3", "comment": "\"@context\" spdx.org/rdf/3.0.1", "name": "x"}`, sbomdiff.FormatSPDXJSON},
		{`{"bomFormat": "CycloneDX", "specVersion": "1.6"}`, sbomdiff.FormatCycloneDXJSON},
		{`{"@context": "https://schema.org/", "@graph": []}`, ""},
	} {
		got, ok := sbomdiff.Detect([]byte(c.head))
		if got != c.want || ok != (c.want != "") {
			t.Errorf("Detect(%.50q) = %q, %v; want %q", c.head, got, ok, c.want)
		}
	}
}
