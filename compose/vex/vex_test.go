package vex_test

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	govex "github.com/openvex/go-vex/pkg/vex"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/compose/vex"
	"github.com/installer-sbom/installer-sbom/inspect"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	testCreated = time.Date(2026, 6, 2, 12, 30, 45, 0, time.UTC)
	testEpoch   = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
)

func hashes(content string) (sha1hex, sha256hex string) {
	a := sha1.Sum([]byte(content))
	b := sha256.Sum256([]byte(content))
	return hex.EncodeToString(a[:]), hex.EncodeToString(b[:])
}

func file(path, kind string) inspect.File {
	s1, s2 := hashes("content of " + path)
	return inspect.File{Path: path, Size: 1000, SHA1: s1, SHA256: s2, Kind: kind}
}

func sha256Of(path string) string { _, s := hashes("content of " + path); return s }

func ev(file, rule string) inspect.Evidence {
	return inspect.Evidence{File: file, Rule: rule, Offset: 0x100, Match: rule}
}

// demoInventory is a zip with every shape of component a statement can
// name: static (bzip2), dynamic in two copies (openssl), two versions of
// one project (zlib: its own DLL and compiled into the app), dynamic and
// static at once (sqlite), without version, PURL or CPE (libffi), and of
// unknown linkage (certifi).
func demoInventory() *inspect.Inventory {
	const z = "demo-1.0.zip"
	s1, s2 := hashes("installer demo")
	comp := func(name, version, linkage string, files ...string) inspect.Component {
		c := inspect.Component{Name: name, Version: version, Linkage: linkage, Files: files}
		if version != "" {
			c.PURL = "pkg:generic/" + name + "@" + version
			c.CPE = "cpe:2.3:a:" + name + ":" + name + ":" + version + ":*:*:*:*:*:*:*"
		}
		for _, f := range files {
			c.Evidence = append(c.Evidence, ev(f, name+".rule"))
		}
		return c
	}
	openssl := comp("openssl", "3.0.15", "dynamic", z+"/libcrypto-3.dll", z+"/x86/libcrypto-3.dll")
	openssl.ImportedBy = []string{z + "/app.exe"}
	return &inspect.Inventory{
		Artifact: inspect.Artifact{Name: z, Size: 5000, SHA1: s1, SHA256: s2, Format: "zip"},
		Files: []inspect.File{
			file(z+"/app.exe", inspect.KindPE),
			file(z+"/_bz2.pyd", inspect.KindPE),
			file(z+"/libcrypto-3.dll", inspect.KindPE),
			file(z+"/x86/libcrypto-3.dll", inspect.KindPE),
			file(z+"/zlib1.dll", inspect.KindPE),
			file(z+"/sqlite3.dll", inspect.KindPE),
			file(z+"/libffi-8.dll", inspect.KindPE),
			file(z+"/certifi/__init__.py", inspect.KindText),
			file(z+"/README.txt", inspect.KindText),
		},
		Components: []inspect.Component{
			comp("bzip2", "1.0.8", "static", z+"/_bz2.pyd"),
			openssl,
			comp("zlib", "1.2.13", "dynamic", z+"/zlib1.dll"),
			comp("zlib", "1.3.1", "static", z+"/app.exe"),
			comp("sqlite", "3.45.0", "dynamic", z+"/sqlite3.dll"),
			comp("sqlite", "3.45.0", "static", z+"/app.exe"),
			comp("libffi", "", "dynamic", z+"/libffi-8.dll"),
			comp("certifi", "2024.2.2", "unknown", z+"/certifi/__init__.py"),
		},
		Problems: []inspect.Problem{},
	}
}

func demoDetail(t *testing.T) *sbomdiff.Detail {
	t.Helper()
	d, err := sbomdiff.DetailFromInventory(demoInventory(), compose.Options{Created: testCreated, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const demoStatements = `
author: Demo Release Team
role: release manager
statements:
  - vulnerability: {id: CVE-2019-12900, aliases: [GHSA-aaaa-bbbb-cccc]}
    component: bzip2
    status: not_affected
    justification: vulnerable_code_not_in_execute_path
    impact_statement: The bzip2 module never decompresses untrusted data.
  - vulnerability: CVE-2024-5535
    component: {name: openssl, version: 3.0.15}
    status: affected
    action_statement: Update to demo 1.1, which ships OpenSSL 3.0.16.
    timestamp: 2026-06-15T08:00:00Z
  - vulnerability: CVE-2022-37434
    component: pkg:generic/zlib@1.2.13
    status: fixed
  - vulnerability: CVE-2023-7104
    component: {name: SQLite, version: "3.45.0"}
    status: not_affected
    justification: inline_mitigations_already_exist
  - vulnerability: CVE-2099-0001
    component: libffi
    status: under_investigation
  - vulnerability: CVE-2099-0002
    component: {name: certifi}
    status: not_affected
    justification: component_not_present
    impact_statement: The bundled certificates are not used.
  - vulnerability: CVE-2099-0003
    status: fixed
    timestamp: 2026-05-01
`

func mustStatements(t *testing.T, s string) *vex.Statements {
	t.Helper()
	st, err := vex.ParseStatements([]byte(s), "statements.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func mustNew(t *testing.T, d *sbomdiff.Detail, s string) *vex.Document {
	t.Helper()
	doc, err := vex.New(d, mustStatements(t, s), vex.Options{ToolVersion: "test", Timestamp: testEpoch})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestParseStatementsForms(t *testing.T) {
	yamlList := `
- vulnerability: CVE-1
  component: pkg:generic/zlib@1.2.13
  status: fixed
- vulnerability: {name: CVE-2, aliases: GHSA-x}
  component: {name: bzip2, version: 1.0.8}
  status: not_affected
  justification: vulnerable_code_not_present
  timestamp: 2026-01-02T03:04:05+01:00
`
	jsonObj := `{"author": "A", "statements": [
  {"vulnerability": "CVE-1", "component": "pkg:generic/zlib@1.2.13", "status": "fixed"},
  {"vulnerability": {"id": "CVE-2", "aliases": ["GHSA-x"]}, "component": {"name": "bzip2", "version": "1.0.8"},
   "status": "not_affected", "justification": "vulnerable_code_not_present", "timestamp": "2026-01-02T02:04:05Z"}]}`
	a, err := vex.ParseStatements([]byte(yamlList), "a.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := vex.ParseStatements([]byte(jsonObj), "b.json")
	if err != nil {
		t.Fatal(err)
	}
	if b.Author != "A" || a.Author != "" {
		t.Errorf("authors %q, %q", a.Author, b.Author)
	}
	strip := func(ss []vex.Statement) []vex.Statement {
		out := append([]vex.Statement(nil), ss...)
		for i := range out {
			out[i].Line = 0
		}
		return out
	}
	if !reflect.DeepEqual(strip(a.Statements), strip(b.Statements)) {
		t.Errorf("YAML and JSON differ:\n%+v\n%+v", a.Statements, b.Statements)
	}
	s := a.Statements[1]
	if s.Component.Name != "bzip2" || s.Component.Version != "1.0.8" || s.Vulnerability.Aliases[0] != "GHSA-x" ||
		s.Timestamp == nil || !s.Timestamp.Equal(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)) || s.Index != 2 || s.Line != 5 {
		t.Errorf("statement 2: %+v", s)
	}
	if a.Statements[0].Component.PURL != "pkg:generic/zlib@1.2.13" {
		t.Errorf("a pkg: component is a PURL: %+v", a.Statements[0].Component)
	}
}

func TestParseStatementsErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "no statements"},
		{"[]", "no statements"},
		{"statements: []", "no statements"},
		{"author: x", `no "statements" list`},
		{"just text", "expected a list of statements"},
		{"statements: {a: 1}", "statements is not a list"},
		{"authr: x\nstatements: []", `unknown key "authr"`},
		{"- CVE-1", "statement 1 (line 1): not a mapping"},
		{"- vulnerability: CVE-1\n  status: fixed\n  compnent: zlib", `statement 1 (CVE-1 on the installer, line 1): line 3: unknown key "compnent"`},
		{"- vulnerability: CVE-1\n  status: fixed\n  status: affected", `"status" given twice`},
		{"- vulnerability: [CVE-1]\n  status: fixed", "vulnerability is neither"},
		{"- vulnerability: {id: CVE-1, url: x}\n  status: fixed", `unknown vulnerability key "url"`},
		{"- vulnerability: CVE-1\n  component: {}\n  status: fixed", "component names nothing"},
		{"- vulnerability: CVE-1\n  component: {name: z, sha: 1}\n  status: fixed", `unknown component key "sha"`},
		{"- vulnerability: CVE-1\n  component: 'pkg:'\n  status: fixed", "component purl"},
		{"- vulnerability: CVE-1\n  status: fixed\n  timestamp: yesterday", `timestamp "yesterday"`},
		{"- vulnerability: CVE-1\n  status: {a: b}", "status is not a single value"},
		{"- vulnerability: CVE-1\n  status: fixed\n---\n- vulnerability: CVE-2", "more than one YAML document"},
		{"- vulnerability: CVE-1\n\tstatus: fixed", "s.yaml"},
	} {
		_, err := vex.ParseStatements([]byte(c.in), "s.yaml")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "s.yaml: ") {
			t.Errorf("%q: error %v, want one naming s.yaml and containing %q", c.in, err, c.want)
		}
	}
}

// TestOpenVEXRoundTrip writes the document and reads it back with go-vex's
// own reader: every statement, product, subcomponent and hash survives,
// and go-vex matches the statements by the installer's and components'
// identifiers and by the hash of a component's own library file.
func TestOpenVEXRoundTrip(t *testing.T) {
	d := demoDetail(t)
	doc := mustNew(t, d, demoStatements)
	var buf bytes.Buffer
	if err := doc.WriteOpenVEX(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := govex.Parse(buf.Bytes())
	if err != nil {
		t.Fatalf("go-vex cannot read the document: %v\n%s", err, buf.String())
	}
	want := doc.OpenVEX()
	if got.ID != want.ID || !strings.HasPrefix(got.ID, "urn:uuid:") || got.Author != "Demo Release Team" || got.AuthorRole != "release manager" ||
		got.Context != govex.ContextLocator() || got.Version != 1 || got.Tooling != "installer-sbom-test" {
		t.Errorf("metadata: %+v", got.Metadata)
	}
	// The newest statement (2026-06-15) is older than SOURCE_DATE_EPOCH.
	if got.Timestamp == nil || !got.Timestamp.Equal(testEpoch) {
		t.Errorf("timestamp %v, want %v", got.Timestamp, testEpoch)
	}
	if len(got.Statements) != 7 {
		t.Fatalf("%d statements, want 7", len(got.Statements))
	}
	for i := range got.Statements {
		g, w := got.Statements[i], want.Statements[i]
		if err := g.Validate(); err != nil {
			t.Errorf("statement %d: go-vex says %v", i+1, err)
		}
		if !reflect.DeepEqual(g.Vulnerability, w.Vulnerability) || g.Status != w.Status || g.Justification != w.Justification ||
			g.ImpactStatement != w.ImpactStatement || g.ActionStatement != w.ActionStatement || !reflect.DeepEqual(g.Products, w.Products) ||
			(g.Timestamp == nil) != (w.Timestamp == nil) || (g.Timestamp != nil && !g.Timestamp.Equal(*w.Timestamp)) {
			t.Errorf("statement %d read back differs:\n got %+v\nwant %+v", i+1, g, w)
		}
	}

	m := d.Model
	product := "pkg:generic/demo-1.0.zip"
	for _, s := range got.Statements {
		p := s.Products[0]
		if p.ID != product || string(p.Hashes[govex.SHA256]) != m.SHA256 || string(p.Hashes[govex.SHA1]) != m.SHA1 {
			t.Errorf("%s: product %+v", s.Vulnerability.Name, p.Component)
		}
	}
	type sub struct{ id, sha256 string }
	subs := func(i int) []sub {
		var out []sub
		for _, s := range got.Statements[i].Products[0].Subcomponents {
			out = append(out, sub{s.ID, string(s.Hashes[govex.SHA256])})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].id+out[i].sha256 < out[j].id+out[j].sha256 })
		return out
	}
	const z = "demo-1.0.zip"
	crypto := []sub{{"pkg:generic/openssl@3.0.15", sha256Of(z + "/libcrypto-3.dll")}, {"pkg:generic/openssl@3.0.15", sha256Of(z + "/x86/libcrypto-3.dll")}}
	sort.Slice(crypto, func(i, j int) bool { return crypto[i].sha256 < crypto[j].sha256 })
	for i, w := range [][]sub{
		{{"pkg:generic/bzip2@1.0.8", ""}}, // static: no hashes
		crypto,                            // both copies of its own DLL
		{{"pkg:generic/zlib@1.2.13", sha256Of(z + "/zlib1.dll")}},
		{{"pkg:generic/sqlite@3.45.0", ""}, {"pkg:generic/sqlite@3.45.0", sha256Of(z + "/sqlite3.dll")}}, // own DLL and compiled in
		{{"pkg:generic/libffi", sha256Of(z + "/libffi-8.dll")}},                                          // no PURL: a generic one
		{{"pkg:generic/certifi@2024.2.2", ""}},                                                           // unknown linkage: which file is it?
		nil,                                                                                              // the installer itself
	} {
		if g := subs(i); !reflect.DeepEqual(g, w) {
			t.Errorf("statement %d subcomponents:\n got %v\nwant %v", i+1, g, w)
		}
	}
	if cpe := got.Statements[0].Products[0].Subcomponents[0].Identifiers[govex.CPE23]; cpe != "cpe:2.3:a:bzip2:bzip2:1.0.8:*:*:*:*:*:*:*" {
		t.Errorf("bzip2 CPE %q", cpe)
	}

	// go-vex finds the statements by the identifiers a scanner has.
	for _, c := range []struct{ vuln, product, sub string }{
		{"CVE-2019-12900", product, "pkg:generic/bzip2@1.0.8"},
		{"GHSA-aaaa-bbbb-cccc", m.SHA256, "pkg:generic/bzip2@1.0.8"},
		{"CVE-2024-5535", product, sha256Of(z + "/x86/libcrypto-3.dll")},
		{"CVE-2022-37434", product, "pkg:generic/zlib@1.2.13"},
		{"CVE-2099-0003", product, ""},
	} {
		if ms := got.Matches(c.vuln, c.product, []string{c.sub}); len(ms) != 1 {
			t.Errorf("go-vex matches %d statements for %s on %s / %s", len(ms), c.vuln, c.product, c.sub)
		}
	}
	if ms := got.Matches("CVE-2022-37434", product, []string{"pkg:generic/zlib@1.3.1"}); len(ms) != 0 {
		t.Errorf("a statement on zlib 1.2.13 matches zlib 1.3.1: %+v", ms)
	}
}

// TestSameFromEverySBOMFormat: the installer and its SBOM in every format
// compose writes give the same VEX documents, byte for byte.
func TestSameFromEverySBOMFormat(t *testing.T) {
	want := map[string][]byte{}
	for _, f := range vex.FormatNames() {
		var buf bytes.Buffer
		if err := mustNew(t, demoDetail(t), demoStatements).Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		want[f] = buf.Bytes()
	}
	res, err := compose.Compose(demoInventory(), compose.Options{Created: testCreated, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{compose.FormatSPDXJSON, compose.FormatSPDXTagValue, compose.FormatCycloneDXJSON} {
		format, ok := compose.LookupFormat(name)
		if !ok {
			t.Fatalf("no format %s", name)
		}
		var sbom bytes.Buffer
		if err := format.Write(&sbom, res); err != nil {
			t.Fatal(err)
		}
		d, err := sbomdiff.ReadDetail(bytes.NewReader(sbom.Bytes()), "demo"+format.Ext, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range vex.FormatNames() {
			var buf bytes.Buffer
			if err := mustNew(t, d, demoStatements).Write(&buf, f); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want[f]) {
				t.Errorf("%s from the %s SBOM differs from the installer's:\n%s\n---\n%s", f, name, buf.String(), want[f])
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	d := demoDetail(t)
	refs := map[string]string{}
	for _, c := range d.Components {
		refs[c.Name+" "+c.Version] = c.Ref
	}
	cases := []struct{ stmt, want string }{
		{"component: curl\n  status: fixed", "component curl is not in demo-1.0.zip"},
		{"component: {name: bzip2, version: 1.0.6}\n  status: fixed", "component bzip2 1.0.6 is not in demo-1.0.zip (it has bzip2 1.0.8 pkg:generic/bzip2@1.0.8)"},
		{"component: pkg:generic/bzip2@1.0.6\n  status: fixed", "is not in demo-1.0.zip (it has bzip2 1.0.8"},
		{"component: zlib\n  status: fixed", "zlib is ambiguous: the installer has zlib 1.2.13 pkg:generic/zlib@1.2.13, zlib 1.3.1 pkg:generic/zlib@1.3.1; give the version or the PURL"},
		{"component: pkg:generic/zlib\n  status: fixed", "pkg:generic/zlib is ambiguous"},
		{"component: {ref: SPDXRef-Library-nope}\n  status: fixed", "component SPDXRef-Library-nope is not in"},
		{"component: bzip2\n  status: not_affected", "status not_affected needs a justification (one of component_not_present"},
		{"component: bzip2\n  status: not_affected\n  justification: not_exploitable", `unknown justification "not_exploitable"`},
		{"component: bzip2\n  status: notaffected", `unknown status "notaffected"`},
		{"component: bzip2", "no status"},
		{"component: bzip2\n  status: affected", "status affected needs an action_statement"},
		{"component: bzip2\n  status: fixed\n  impact_statement: x", "an impact_statement is only for status not_affected, not fixed"},
		{"component: bzip2\n  status: under_investigation\n  action_statement: x", "an action_statement is only for status affected, not under_investigation"},
		{"component: bzip2\n  status: not_affected\n  justification: component_not_present\n  action_statement: x", "an action_statement is only for status affected"},
	}
	var all strings.Builder
	all.WriteString("author: x\nstatements:\n")
	for i, c := range cases {
		all.WriteString("- vulnerability: CVE-2000-" + string(rune('a'+i)) + "\n  " + c.stmt + "\n")
	}
	// Accepted: versions and refs make a name unique.
	all.WriteString("- vulnerability: CVE-2001-1\n  component: {name: zlib, version: 1.3.1}\n  status: fixed\n")
	all.WriteString("- vulnerability: CVE-2001-2\n  component: {ref: " + refs["zlib 1.2.13"] + "}\n  status: fixed\n")
	// A statement twice for the same component at the same time is
	// refused; with its own timestamp it is a history.
	all.WriteString("- vulnerability: CVE-2001-2\n  component: pkg:generic/zlib@1.2.13\n  status: affected\n  action_statement: update\n")
	all.WriteString("- vulnerability: CVE-2001-2\n  component: pkg:generic/zlib@1.2.13\n  status: affected\n  action_statement: update\n  timestamp: 2026-01-01\n")
	st := mustStatements(t, all.String())
	_, err := vex.New(d, st, vex.Options{})
	var refused *vex.RefusedError
	if !errors.As(err, &refused) {
		t.Fatalf("error %v, want a RefusedError", err)
	}
	if len(refused.Refusals) != len(cases)+1 {
		t.Errorf("%d refusals, want %d:\n%v", len(refused.Refusals), len(cases)+1, err)
	}
	for i, c := range cases {
		if i >= len(refused.Refusals) {
			break
		}
		r := refused.Refusals[i]
		if r.Statement.Index != i+1 || !strings.Contains(r.String(), c.want) || !strings.HasPrefix(r.String(), "statement ") {
			t.Errorf("statement %d: refusal %q, want it to contain %q", i+1, r, c.want)
		}
	}
	if last := refused.Refusals[len(refused.Refusals)-1]; !strings.Contains(last.Reason, "already speaks of CVE-2001-2") {
		t.Errorf("duplicate statement: %q", last)
	}
	if !strings.Contains(err.Error(), "refused in statements.yaml") {
		t.Errorf("error does not name the file: %v", err)
	}

	// Several components of one name and version (another tool's SBOM)
	// are named by ref.
	d2 := *d
	d2.Components = append(append([]sbomdiff.ComponentDetail(nil), d.Components...), d.Components[0])
	d2.Components[len(d2.Components)-1].Ref = "SPDXRef-other"
	_, err = vex.New(&d2, mustStatements(t, "- vulnerability: CVE-1\n  component: "+d.Components[0].Name+"\n  status: fixed"), vex.Options{Author: "x"})
	if err == nil || !strings.Contains(err.Error(), "name one by ref: ") || !strings.Contains(err.Error(), "SPDXRef-other") {
		t.Errorf("same name and version twice: %v", err)
	}
}

func TestAuthor(t *testing.T) {
	d := demoDetail(t)
	st := mustStatements(t, "- vulnerability: CVE-1\n  status: fixed")
	if _, err := vex.New(d, st, vex.Options{}); !errors.Is(err, vex.ErrNoAuthor) {
		t.Errorf("no author: %v", err)
	}
	st.Author = "from file"
	doc, err := vex.New(d, st, vex.Options{Author: "from flag"})
	if err != nil || doc.Author != "from flag" {
		t.Errorf("the flag's author comes first: %v %v", doc, err)
	}
}

// TestDeterministic: the identifier depends on the installer, the author
// and the statements, not on the time; the time is SOURCE_DATE_EPOCH or
// the newest statement's.
func TestDeterministic(t *testing.T) {
	d := demoDetail(t)
	st := mustStatements(t, demoStatements)
	doc := func(st *vex.Statements, opts vex.Options) *vex.Document {
		x, err := vex.New(d, st, opts)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	a := doc(st, vex.Options{Timestamp: testEpoch})
	b := doc(st, vex.Options{Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if a.ID != b.ID {
		t.Errorf("the identifier depends on the time")
	}
	if want := time.Date(2026, 6, 15, 8, 0, 0, 0, time.UTC); !b.Timestamp.Equal(want) {
		t.Errorf("without SOURCE_DATE_EPOCH the time is the newest statement's: %v", b.Timestamp)
	}
	late := doc(st, vex.Options{Timestamp: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)})
	if !late.Timestamp.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("SOURCE_DATE_EPOCH after the statements: %v", late.Timestamp)
	}
	var x, y bytes.Buffer
	if err := a.WriteOpenVEX(&x); err != nil {
		t.Fatal(err)
	}
	if err := doc(mustStatements(t, demoStatements), vex.Options{Timestamp: testEpoch}).WriteOpenVEX(&y); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x.Bytes(), y.Bytes()) {
		t.Errorf("the same inputs give different documents")
	}
	changed := mustStatements(t, strings.Replace(demoStatements, "never decompresses", "never reads", 1))
	if doc(changed, vex.Options{Timestamp: testEpoch}).ID == a.ID {
		t.Errorf("the identifier does not depend on the statements")
	}
	if doc(st, vex.Options{Timestamp: testEpoch, Author: "someone else"}).ID == a.ID {
		t.Errorf("the identifier does not depend on the author")
	}
}

// TestCycloneDX: CycloneDX's VEX form names the components by the bom-refs
// of compose's CycloneDX SBOM for the same installer.
func TestCycloneDX(t *testing.T) {
	doc := mustNew(t, demoDetail(t), demoStatements)
	var buf bytes.Buffer
	if err := doc.WriteCycloneDX(&buf); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	res, err := compose.Compose(demoInventory(), compose.Options{Created: testCreated, ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var sbomBuf bytes.Buffer
	if err := compose.WriteCycloneDX(&sbomBuf, res); err != nil {
		t.Fatal(err)
	}
	var sbom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(sbomBuf.Bytes()), cdx.BOMFileFormatJSON).Decode(&sbom); err != nil {
		t.Fatal(err)
	}
	byRef := map[string]cdx.Component{sbom.Metadata.Component.BOMRef: *sbom.Metadata.Component}
	for _, c := range *sbom.Components {
		byRef[c.BOMRef] = c
	}
	if bom.Metadata.Component.BOMRef != compose.RootID || bom.SerialNumber != doc.ID || bom.Components != nil {
		t.Errorf("metadata: %+v, serial %s, components %v", bom.Metadata.Component, bom.SerialNumber, bom.Components)
	}
	type row struct {
		id, name string
		state    cdx.ImpactAnalysisState
		just     cdx.ImpactAnalysisJustification
	}
	var got []row
	for _, v := range *bom.Vulnerabilities {
		if v.Affects == nil || len(*v.Affects) != 1 {
			t.Fatalf("%s: affects %v", v.ID, v.Affects)
		}
		c, ok := byRef[(*v.Affects)[0].Ref]
		if !ok {
			t.Errorf("%s: ref %s is not in the SBOM", v.ID, (*v.Affects)[0].Ref)
		}
		got = append(got, row{v.ID, c.Name + " " + c.Version, v.Analysis.State, v.Analysis.Justification})
	}
	want := []row{
		{"CVE-2019-12900", "bzip2 1.0.8", cdx.IASNotAffected, cdx.IAJCodeNotReachable},
		{"CVE-2024-5535", "openssl 3.0.15", cdx.IASExploitable, ""},
		{"CVE-2022-37434", "zlib 1.2.13", cdx.IASResolved, ""},
		{"CVE-2023-7104", "sqlite 3.45.0", cdx.IASNotAffected, cdx.IAJProtectedByMitigatingControl},
		{"CVE-2099-0001", "libffi ", cdx.IASInTriage, ""},
		{"CVE-2099-0002", "certifi 2024.2.2", cdx.IASNotAffected, cdx.IAJCodeNotPresent},
		{"CVE-2099-0003", "demo-1.0.zip ", cdx.IASResolved, ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("vulnerabilities:\n got %v\nwant %v", got, want)
	}
	v := (*bom.Vulnerabilities)[0]
	if v.Analysis.Detail != "The bzip2 module never decompresses untrusted data." || v.Source == nil || v.Source.Name != "NVD" ||
		v.References == nil || (*v.References)[0].ID != "GHSA-aaaa-bbbb-cccc" || v.Properties == nil ||
		(*v.Properties)[0] != (cdx.Property{Name: vex.PropJustification, Value: "vulnerable_code_not_in_execute_path"}) {
		t.Errorf("first vulnerability: %+v", v)
	}
	if r := (*bom.Vulnerabilities)[1]; r.Recommendation != "Update to demo 1.1, which ships OpenSSL 3.0.16." || r.Analysis.FirstIssued != "2026-06-15T08:00:00Z" {
		t.Errorf("affected: %+v", r)
	}
}

// TestGolden keeps one OpenVEX document for people to read; regenerate
// with `go test ./compose/vex -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	for _, f := range vex.FormatNames() {
		var buf bytes.Buffer
		if err := mustNew(t, demoDetail(t), demoStatements).Write(&buf, f); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "demo."+f+".json")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s differs from the golden file; run with -update and review the diff:\n%s", path, buf.String())
		}
	}
}
