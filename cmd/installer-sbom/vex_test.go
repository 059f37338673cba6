package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	govex "github.com/openvex/go-vex/pkg/vex"

	"github.com/installer-sbom/installer-sbom/fixtures/malformed"
)

var epoch = map[string]string{"SOURCE_DATE_EPOCH": "1767225600"} // 2026-01-01T00:00:00Z

const acceptedStatement = `
author: Example Release Team
statements:
  - vulnerability: {id: CVE-2019-12900, aliases: [GHSA-example]}
    component: {name: bzip2, version: 1.0.8}
    status: not_affected
    justification: vulnerable_code_not_in_execute_path
    impact_statement: _bz2 only decompresses with the default selectors.
`

// TestVexCLI: a statement about the statically linked bzip2 in the small
// zip becomes an OpenVEX document that go-vex reads back, the same from
// the installer and from its SBOM, and a CycloneDX VEX naming the SBOM's
// bom-ref.
func TestVexCLI(t *testing.T) {
	zip := smallZip(t)
	stmts := writeFile(t, "triage.yaml", []byte(acceptedStatement))
	out, stderr, code := runCLI(t, epoch, "vex", zip, "--statements", stmts)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	doc, err := govex.Parse([]byte(out))
	if err != nil {
		t.Fatalf("go-vex cannot read the output: %v\n%s", err, out)
	}
	b, err := os.ReadFile(zip)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if doc.Author != "Example Release Team" || doc.Timestamp == nil || doc.Timestamp.Unix() != 1767225600 || len(doc.Statements) != 1 {
		t.Fatalf("document: %+v", doc)
	}
	s := doc.Statements[0]
	p := s.Products[0]
	if s.Status != govex.StatusNotAffected || s.Justification != govex.VulnerableCodeNotInExecutePath ||
		p.ID != "pkg:generic/python-embed.zip" || string(p.Hashes[govex.SHA256]) != hex.EncodeToString(sum[:]) ||
		len(p.Subcomponents) != 1 || p.Subcomponents[0].ID != "pkg:generic/bzip2@1.0.8" || len(p.Subcomponents[0].Hashes) != 0 {
		t.Errorf("statement: %+v", s)
	}
	if ms := doc.Matches("GHSA-example", hex.EncodeToString(sum[:]), []string{"pkg:generic/bzip2@1.0.8"}); len(ms) != 1 {
		t.Errorf("go-vex does not match the statement by the installer's hash and bzip2's PURL")
	}

	// -o writes the same bytes; the same inputs give the same bytes.
	outFile := filepath.Join(t.TempDir(), "out.openvex.json")
	if _, stderr, code := runCLI(t, epoch, "vex", "--statements", stmts, "-o", outFile, zip); code != exitOK {
		t.Fatalf("-o: exit %d: %s", code, stderr)
	}
	if again, _ := os.ReadFile(outFile); string(again) != out {
		t.Errorf("-o output differs from stdout")
	}

	// From the SBOM in each format: the same document.
	for _, format := range []string{"spdx-json", "cyclonedx-json", "spdx-tag-value"} {
		sbom, stderr, code := runCLI(t, epoch, "compose", "--format", format, zip)
		if code != exitOK {
			t.Fatalf("compose: exit %d: %s", code, stderr)
		}
		sbomPath := writeFile(t, "python-embed."+format, []byte(sbom))
		got, stderr, code := runCLI(t, epoch, "vex", sbomPath, "--statements", stmts)
		if code != exitOK || got != out {
			t.Errorf("from the %s SBOM: exit %d, %s\n%s", format, code, stderr, got)
		}
		if format != "cyclonedx-json" {
			continue
		}
		cdxVEX, stderr, code := runCLI(t, epoch, "vex", zip, "--statements", stmts, "--format", "cyclonedx")
		if code != exitOK {
			t.Fatalf("--format cyclonedx: exit %d: %s", code, stderr)
		}
		var v struct {
			Vulnerabilities []struct {
				ID       string `json:"id"`
				Analysis struct {
					State, Justification string
				} `json:"analysis"`
				Affects []struct{ Ref string } `json:"affects"`
			} `json:"vulnerabilities"`
		}
		if err := json.Unmarshal([]byte(cdxVEX), &v); err != nil || len(v.Vulnerabilities) != 1 || len(v.Vulnerabilities[0].Affects) != 1 {
			t.Fatalf("CycloneDX VEX (%v):\n%s", err, cdxVEX)
		}
		vu := v.Vulnerabilities[0]
		ref := vu.Affects[0].Ref
		if vu.ID != "CVE-2019-12900" || vu.Analysis.State != "not_affected" || vu.Analysis.Justification != "code_not_reachable" ||
			!strings.HasPrefix(ref, "SPDXRef-Library-bzip2-") || !strings.Contains(sbom, `"bom-ref": "`+ref+`"`) {
			t.Errorf("CycloneDX VEX does not name the SBOM's bzip2 (%s):\n%s", ref, cdxVEX)
		}
	}
}

// TestVexRefused: one statement accepted, one about a component the
// installer does not have, one not_affected without justification: exit 1,
// both refusals named, nothing written.
func TestVexRefused(t *testing.T) {
	zip := smallZip(t)
	stmts := writeFile(t, "triage.yaml", []byte(acceptedStatement+`
  - vulnerability: CVE-2023-45853
    component: zlib
    status: fixed
  - vulnerability: CVE-2016-3189
    component: bzip2
    status: not_affected
`))
	outFile := filepath.Join(t.TempDir(), "out.json")
	out, stderr, code := runCLI(t, epoch, "vex", zip, "--statements", stmts, "-o", outFile)
	if code != exitDiffers || out != "" {
		t.Fatalf("exit %d (want %d), stdout %q", code, exitDiffers, out)
	}
	if _, err := os.Stat(outFile); err == nil {
		t.Errorf("a document was written although statements were refused")
	}
	for _, want := range []string{
		"refused: statement 2 (CVE-2023-45853 on zlib, line 10): component zlib is not in " + zip,
		"refused: statement 3 (CVE-2016-3189 on bzip2, line 13): status not_affected needs a justification",
		"2 of 3 statement(s) refused; no VEX document written",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "statement 1 ") {
		t.Errorf("the good statement is reported:\n%s", stderr)
	}
}

func TestVexExitCodes(t *testing.T) {
	zip := smallZip(t)
	stmts := writeFile(t, "triage.yaml", []byte(acceptedStatement))
	noAuthor := writeFile(t, "anon.yaml", []byte("- vulnerability: CVE-1\n  component: bzip2\n  status: fixed\n"))
	typo := writeFile(t, "typo.yaml", []byte("- vulnerability: CVE-1\n  componnet: bzip2\n  status: fixed\n"))
	notYAML := writeFile(t, "bad.yaml", []byte("- [unclosed\n"))
	sbom, _, code := runCLI(t, epoch, "compose", zip)
	if code != exitOK {
		t.Fatal("compose failed")
	}
	sbomPath := writeFile(t, "x.spdx.json", []byte(sbom))
	var names []string
	for name := range malformed.All() {
		names = append(names, name)
	}
	sort.Strings(names)
	broken := writeFile(t, names[0], malformed.All()[names[0]])
	for _, c := range []struct {
		args []string
		want int
	}{
		{[]string{"vex", zip}, exitUsage},                                            // no --statements
		{[]string{"vex", "--statements", stmts}, exitUsage},                          // no installer
		{[]string{"vex", zip, zip, "--statements", stmts}, exitUsage},                // two
		{[]string{"vex", zip, "--statements", stmts, "--format", "csaf"}, exitUsage}, // unknown format
		{[]string{"vex", zip, "--statements", noAuthor}, exitUsage},                  // OpenVEX needs an author
		{[]string{"vex", sbomPath, "--statements", stmts, "--purl", "pkg:generic/x@1"}, exitUsage},
		{[]string{"vex", zip, "--statements", noAuthor, "--author", "Me"}, exitOK},
		{[]string{"vex", zip, "--statements", filepath.Join(t.TempDir(), "missing.yaml")}, exitUsage},
		{[]string{"vex", zip, "--statements", typo, "--author", "Me"}, exitUsage},
		{[]string{"vex", zip, "--statements", notYAML, "--author", "Me"}, exitUsage},
		{[]string{"vex", filepath.Join(t.TempDir(), "missing.zip"), "--statements", stmts}, exitBadInput},
		{[]string{"vex", broken, "--statements", stmts}, exitBadInput}, // read only in part
	} {
		out, stderr, code := runCLI(t, epoch, c.args...)
		if code != c.want {
			t.Errorf("%q: exit %d, want %d\n%s", c.args, code, c.want, stderr)
		}
		if code != exitOK && out != "" {
			t.Errorf("%q: exit %d with output:\n%s", c.args, code, out)
		}
	}
	// --allow-incomplete writes the document and still exits 3.
	out, _, code := runCLI(t, epoch, "vex", broken, "--statements", writeFile(t, "self.yaml", []byte("author: Me\nstatements:\n- vulnerability: CVE-1\n  status: fixed\n")), "--allow-incomplete")
	if code != exitBadInput || !bytes.Contains([]byte(out), []byte(`"status": "fixed"`)) {
		t.Errorf("--allow-incomplete: exit %d:\n%s", code, out)
	}
}

// compose --vex puts the statements into the CycloneDX SBOM itself: each a
// vulnerability whose affects[].ref is the bom-ref of the component it
// names in that same document, with its analysis; the SPDX output written
// beside it is unchanged; a statement about a component the installer
// does not hold refuses the whole document (exit 1, nothing written); a
// --vex without a CycloneDX output is a usage error.
func TestComposeVex(t *testing.T) {
	zip := smallZip(t)
	stmts := writeFile(t, "triage.yaml", []byte(acceptedStatement))
	dir := t.TempDir()
	cdxPath, spdxPath := filepath.Join(dir, "a.cdx.json"), filepath.Join(dir, "a.spdx.json")
	_, stderr, code := runCLI(t, epoch, "compose", zip, "--vex", stmts, "--supplier", "Organization: Example", "--version", "1",
		"-o", "cyclonedx-json="+cdxPath, "-o", "spdx-json="+spdxPath)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(cdxPath)
	var bom struct {
		Components []struct {
			BOMRef  string `json:"bom-ref"`
			Name    string
			Version string
		}
		Vulnerabilities []struct {
			ID       string
			Affects  []struct{ Ref string }
			Analysis struct{ State, Justification, Detail string }
		}
	}
	if err := json.Unmarshal(b, &bom); err != nil {
		t.Fatal(err)
	}
	bzip2 := ""
	for _, c := range bom.Components {
		if c.Name == "bzip2" && c.Version == "1.0.8" {
			bzip2 = c.BOMRef
		}
	}
	if bzip2 == "" || len(bom.Vulnerabilities) != 1 {
		t.Fatalf("bzip2 %q, %d vulnerabilities", bzip2, len(bom.Vulnerabilities))
	}
	v := bom.Vulnerabilities[0]
	if v.ID != "CVE-2019-12900" || len(v.Affects) != 1 || v.Affects[0].Ref != bzip2 || v.Analysis.State != "not_affected" ||
		v.Analysis.Justification != "code_not_reachable" || !strings.Contains(v.Analysis.Detail, "default selectors") {
		t.Errorf("vulnerability %+v", v)
	}
	if out, _, code := runCLI(t, nil, "validate", cdxPath); code != exitOK {
		t.Errorf("validate: exit %d\n%s", code, out)
	}
	// The SPDX document is the one compose writes without --vex.
	plain := filepath.Join(t.TempDir(), "b.spdx.json")
	runCLI(t, epoch, "compose", zip, "--supplier", "Organization: Example", "--version", "1", "-o", "spdx-json="+plain)
	p1, _ := os.ReadFile(spdxPath)
	p2, _ := os.ReadFile(plain)
	if !bytes.Equal(p1, p2) {
		t.Error("--vex changed the SPDX document")
	}

	wrong := writeFile(t, "wrong.yaml", []byte(strings.Replace(acceptedStatement, "name: bzip2", "name: openssl", 1)))
	refused := filepath.Join(t.TempDir(), "r.cdx.json")
	if _, stderr, code := runCLI(t, epoch, "compose", zip, "--vex", wrong, "-o", "cyclonedx-json="+refused); code != exitDiffers || !strings.Contains(stderr, "refused") {
		t.Errorf("refused statement: exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(refused); err == nil {
		t.Error("a document was written although a statement was refused")
	}
	if _, stderr, code := runCLI(t, epoch, "compose", zip, "--vex", stmts); code != exitUsage || !strings.Contains(stderr, "CycloneDX") {
		t.Errorf("--vex without CycloneDX output: exit %d: %s", code, stderr)
	}
	if _, _, code := runCLI(t, epoch, "compose", zip, "--vex", filepath.Join(t.TempDir(), "none.yaml"), "-o", "cdx"); code != exitUsage {
		t.Errorf("missing statements file: exit %d", code)
	}
}
