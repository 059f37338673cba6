package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// composeSPDX3 writes an installer's SPDX 3.0.1 document as doc.spdx3.json.
func composeSPDX3(t *testing.T, installer string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "doc.spdx3.json")
	if _, stderr, code := runCLI(t, fixedEpoch, "compose", installer, "--format", "spdx3-json", "-o", out); code != exitOK {
		t.Fatalf("compose spdx3-json: exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b[:min(len(b), 200)]), `"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"`) {
		t.Fatalf("compose wrote no SPDX 3.0.1 JSON-LD:\n%.300s", b)
	}
	return out
}

// TestVerifySPDX3: an installer verifies against its SPDX 3.0.1 document
// (exit 0) and not against another installer's (exit 1), with the very
// lines its SPDX 2.3 document gives.
func TestVerifySPDX3(t *testing.T) {
	old := sqliteZip(t, testenv.Python311, "sqlite.zip")
	other := sqliteZip(t, testenv.Python314, "sqlite.zip")
	doc3 := composeSPDX3(t, old)
	doc23 := composeTo(t, old, "spdx-json")

	stdout, stderr, code := runCLI(t, nil, "verify", old, "--sbom", doc3)
	if code != exitOK || !strings.HasPrefix(stdout, "OK: ") || !strings.Contains(stdout, "all 2 files and ") {
		t.Errorf("verify own SPDX 3 document: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, stderr, code = runCLI(t, nil, "verify", other, "--sbom", doc3)
	if code != exitDiffers || !strings.HasPrefix(stdout, "FAIL: ") ||
		!strings.Contains(stdout, "\n  file changed: sqlite3.dll: the SBOM records ") ||
		!strings.Contains(stdout, "\n  component other version: sqlite: the SBOM lists 3.47.1, the installer has 3.53.1\n") {
		t.Errorf("verify the other sqlite3.dll against SPDX 3: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout23, _, code23 := runCLI(t, nil, "verify", other, "--sbom", doc23)
	if code23 != code || strings.ReplaceAll(stdout, doc3, "DOC") != strings.ReplaceAll(stdout23, doc23, "DOC") {
		t.Errorf("SPDX 3 and SPDX 2.3 verifications differ:\n%s---\n%s", stdout, stdout23)
	}

	stdout, _, code = runCLI(t, nil, "verify", "--json", other, "--sbom", doc3)
	var v sbomdiff.Verification
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("--json output: %v\n%s", err, stdout)
	}
	if code != exitDiffers || v.OK || v.ChecksumOK || v.Diff.Old.Format != sbomdiff.FormatSPDX3JSON ||
		len(v.Diff.FilesChanged) != 2 || len(v.Diff.ComponentsChanged) != 2 || v.FilesChecked != 2 {
		t.Errorf("--json: exit %d, %+v", code, v)
	}

	// Another installer's document, under another file name: the SPDX 3
	// document names its installer file, so verify says whose it is.
	a := sqliteZip(t, testenv.Python311, "python-3.11.zip")
	b := sqliteZip(t, testenv.Python314, "python-3.14.zip")
	_, stderr, code = runCLI(t, nil, "verify", b, "--sbom", composeSPDX3(t, a))
	if code != exitDiffers || !strings.Contains(stderr, "the SBOM describes python-3.11.zip") || !strings.Contains(stderr, "another installer's SBOM") {
		t.Errorf("verify against another installer's SPDX 3 document: exit %d\n%s", code, stderr)
	}
}

// TestDiffSPDX3: diff reads an SPDX 3.0.1 document on either side: against
// its own installer and its SPDX 2.3 twin nothing differs (exit 0), against
// the next release the component changes show (exit 1).
func TestDiffSPDX3(t *testing.T) {
	old := sqliteZip(t, testenv.Python311, "python-3.11.zip")
	new := sqliteZip(t, testenv.Python314, "python-3.14.zip")
	doc3 := composeSPDX3(t, old)
	for _, args := range [][]string{
		{"diff", doc3, old},
		{"diff", old, doc3},
		{"diff", doc3, composeTo(t, old, "spdx-json")},
		{"diff", composeTo(t, old, "cyclonedx-json"), doc3},
	} {
		if stdout, stderr, code := runCLI(t, nil, args...); code != exitOK {
			t.Errorf("%q: exit %d\n%s%s", args[1:], code, stdout, stderr)
		}
	}
	stdout, stderr, code := runCLI(t, nil, "diff", doc3, new)
	if code != exitDiffers || !strings.Contains(stdout, "components changed:\n  cpython 3.11.11 → 3.14.6\n  sqlite 3.47.1 → 3.53.1\n") {
		t.Errorf("diff SPDX 3 against the next release: exit %d\n%s%s", code, stdout, stderr)
	}
	stdout, _, code = runCLI(t, nil, "diff", "--json", doc3, new)
	var d sbomdiff.Diff
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != exitDiffers {
		t.Fatalf("diff --json: exit %d, %v\n%s", code, err, stdout)
	}
	if d.Old.Format != sbomdiff.FormatSPDX3JSON || d.New.Format != sbomdiff.FormatInstaller || d.Summary.FilesChanged != 2 || len(d.ComponentsChanged) != 2 {
		t.Errorf("diff --json: %+v", d)
	}
}

// TestSPDX3ReadErrors: a damaged SPDX 3 document is an error naming it: a
// usage error as verify's --sbom, bad input as diff's subject.
func TestSPDX3ReadErrors(t *testing.T) {
	z := sqliteZip(t, testenv.Python311, "sqlite.zip")
	good, err := os.ReadFile(composeSPDX3(t, z))
	if err != nil {
		t.Fatal(err)
	}
	cut := writeFile(t, "cut.spdx3.json", good[:len(good)*2/3])
	newer := writeFile(t, "newer.spdx3.json", []byte(strings.Replace(string(good), "rdf/3.0.1/", "rdf/3.1/", 1)))
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"verify", z, "--sbom", cut}, exitUsage, "cut.spdx3.json"},
		{[]string{"verify", z, "--sbom", newer}, exitUsage, "only SPDX 3.0.1"},
		{[]string{"diff", cut, z}, exitBadInput, "cut.spdx3.json"},
		{[]string{"diff", z, newer}, exitBadInput, "newer.spdx3.json"},
	} {
		_, stderr, code := runCLI(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr, c.msg)
		}
	}
}

// TestVexFromSPDX3: vex reads any document verify reads; from the SPDX
// 3.0.1 document it writes the installer's VEX document, byte for byte.
func TestVexFromSPDX3(t *testing.T) {
	zip := smallZip(t)
	stmts := writeFile(t, "triage.yaml", []byte(acceptedStatement))
	want, stderr, code := runCLI(t, epoch, "vex", zip, "--statements", stmts)
	if code != exitOK {
		t.Fatalf("vex from the installer: exit %d: %s", code, stderr)
	}
	sbom, stderr, code := runCLI(t, epoch, "compose", "--format", "spdx3-json", zip)
	if code != exitOK {
		t.Fatalf("compose: exit %d: %s", code, stderr)
	}
	got, stderr, code := runCLI(t, epoch, "vex", writeFile(t, "python-embed.spdx3.json", []byte(sbom)), "--statements", stmts)
	if code != exitOK || got != want {
		t.Errorf("from the SPDX 3 SBOM: exit %d, %s\n%s\nwant\n%s", code, stderr, got, want)
	}
}
