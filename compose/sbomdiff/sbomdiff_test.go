package sbomdiff_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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

// --- helpers ---------------------------------------------------------------

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func inspectPath(t *testing.T, p string) *inspect.Inventory {
	t.Helper()
	inv, err := inspect.InspectFile(p, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Complete() {
		t.Fatalf("%s: inspection problems: %+v", p, inv.Problems)
	}
	return inv
}

func installerModel(t *testing.T, p string) *sbomdiff.Model {
	t.Helper()
	m, err := sbomdiff.FromInventory(inspectPath(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// composeAll writes the installer's SBOM in the three formats and reads
// each back.
func composeAll(t *testing.T, inv *inspect.Inventory) map[string]*sbomdiff.Model {
	t.Helper()
	res, err := compose.Compose(inv, compose.Options{Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), ToolVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*sbomdiff.Model{}
	for _, f := range compose.Formats() {
		if !sbomdiff.Readable(f.Name) {
			continue
		}
		format := f.Name
		var buf bytes.Buffer
		if err := f.Write(&buf, res); err != nil {
			t.Fatal(err)
		}
		if got, ok := sbomdiff.Detect(buf.Bytes()); !ok || got != format {
			t.Fatalf("Detect(%s output) = %q, %v", format, got, ok)
		}
		m, err := sbomdiff.Read(bytes.NewReader(buf.Bytes()), "doc."+format, nil)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out[format] = m
	}
	return out
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func zipEntries(t *testing.T, b []byte) []embedzip.Entry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []embedzip.Entry
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, embedzip.Entry{Name: f.Name, Data: data})
	}
	return out
}

func rezip(t *testing.T, entries []embedzip.Entry, edit func(name string, data []byte) []byte) []byte {
	t.Helper()
	var out []embedzip.Entry
	for _, e := range entries {
		if d := edit(e.Name, e.Data); d != nil {
			out = append(out, embedzip.Entry{Name: e.Name, Data: d})
		}
	}
	b, err := embedzip.Bytes(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantDifferences(t *testing.T, v *sbomdiff.Verification, want []string) {
	t.Helper()
	if v.OK {
		t.Fatalf("verification passed, want failure; note %q", v.Note)
	}
	if strings.Join(v.Differences, "\n") != strings.Join(want, "\n") {
		t.Errorf("differences:\n  %s\nwant:\n  %s", strings.Join(v.Differences, "\n  "), strings.Join(want, "\n  "))
	}
}

// utf16Strings is `strings -el`: runs of at least 4 printable ASCII
// characters stored as UTF-16LE.
func utf16Strings(b []byte) []string {
	var out []string
	var cur []byte
	for i := 0; i+1 < len(b); i += 2 {
		if b[i+1] == 0 && b[i] >= 0x20 && b[i] < 0x7f {
			cur = append(cur, b[i])
			continue
		}
		if len(cur) >= 4 {
			out = append(out, string(cur))
		}
		cur = cur[:0]
	}
	return out
}

// asciiStrings is `strings`: runs of at least 4 printable ASCII bytes.
func asciiStrings(b []byte) []string {
	return regexp.MustCompile(`[\x20-\x7e]{4,}`).FindAllString(string(b), -1)
}

// sqliteVersion is the SQLite version of a sqlite3.dll from its version
// resource's FileVersion string ("3.47.1.0"), found as `strings -el` would.
func sqliteVersion(t *testing.T, dll []byte) string {
	t.Helper()
	re := regexp.MustCompile(`^(3\.[0-9]+\.[0-9]+)\.[0-9]+$`)
	for _, s := range utf16Strings(dll) {
		if m := re.FindStringSubmatch(s); m != nil {
			return m[1]
		}
	}
	t.Fatal("oracle: no FileVersion string in sqlite3.dll")
	return ""
}

func embedDLL(t *testing.T, version, name string) []byte {
	t.Helper()
	return testenv.Gunzip(t, filepath.Join(testenv.EmbedPython(t, version), "windows-amd64", "DLLs", name+".gz"))
}

// --- verify on the embeddable zip -------------------------------------------

func TestVerifyEmbeddableZip(t *testing.T) {
	dir := t.TempDir()
	tree := embedzip.Tree{Dir: filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64"), Version: "311"}
	orig, err := tree.Build()
	if err != nil {
		t.Fatal(err)
	}
	const name = "python-3.11.11-embed-amd64.zip"
	origPath := writeFile(t, filepath.Join(dir), name, orig)
	inv := inspectPath(t, origPath)
	docs := composeAll(t, inv)
	inst, err := sbomdiff.FromInventory(inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(inst.Files) < 100 || len(inst.Components) < 5 {
		t.Fatalf("installer model has %d files and %d components; the embeddable zip has hundreds and a dozen", len(inst.Files), len(inst.Components))
	}
	for format, doc := range docs {
		v := sbomdiff.Verify(doc, inst)
		if !v.OK || v.SignatureOnly || len(v.Differences) > 0 {
			t.Errorf("%s: own SBOM does not verify: %+v", format, v.Differences)
		}
		if v.FilesChecked != len(inst.Files) || v.ComponentsChecked != len(inst.Components) {
			t.Errorf("%s: read back %d files and %d components, the installer has %d and %d", format, v.FilesChecked, v.ComponentsChecked, len(inst.Files), len(inst.Components))
		}
	}
	// The file list read back names the zip's entries: compare with
	// archive/zip's listing of the top level.
	top := map[string]string{}
	entries := zipEntries(t, orig)
	for _, e := range entries {
		top[e.Name] = sha256Hex(e.Data)
	}
	for _, f := range docs[sbomdiff.FormatSPDXJSON].Files {
		if h, ok := top[f.Path]; ok && h != f.SHA256 {
			t.Errorf("%s: SBOM sha256 %s, archive/zip %s", f.Path, f.SHA256, h)
		}
		delete(top, f.Path)
	}
	if len(top) > 0 {
		t.Errorf("zip entries not in the SBOM read back: %v", top)
	}

	t.Run("flipped byte", func(t *testing.T) {
		var before, after []byte
		b := rezip(t, entries, func(n string, d []byte) []byte {
			if n != "_lzma.pyd" {
				return d
			}
			before = d
			after = append([]byte(nil), d...)
			after[len(after)/2] ^= 0x01
			return after
		})
		p := writeFile(t, t.TempDir(), name, b)
		v := sbomdiff.Verify(docs[sbomdiff.FormatSPDXJSON], installerModel(t, p))
		wantDifferences(t, v, []string{
			"installer checksum differs: the SBOM records sha256 " + sha256Hex(orig) + ", the installer's is " + sha256Hex(b) + "; the SBOM records no signature-invariant identity",
			"file changed: _lzma.pyd: the SBOM records " + sha256Hex(before) + ", the installer has " + sha256Hex(after),
		})
	})

	t.Run("other sqlite3.dll", func(t *testing.T) {
		old, repl := embedDLL(t, testenv.Python311, "sqlite3.dll"), embedDLL(t, testenv.Python314, "sqlite3.dll")
		oldV, newV := sqliteVersion(t, old), sqliteVersion(t, repl)
		if oldV == newV {
			t.Fatalf("oracle: both trees have SQLite %s", oldV)
		}
		b := rezip(t, entries, func(n string, d []byte) []byte {
			if n == "sqlite3.dll" {
				if !bytes.Equal(d, old) {
					t.Fatal("the zip's sqlite3.dll is not the tree's")
				}
				return repl
			}
			return d
		})
		m := installerModel(t, writeFile(t, t.TempDir(), name, b))
		for format, doc := range docs {
			v := sbomdiff.Verify(doc, m)
			wantDifferences(t, v, []string{
				"installer checksum differs: the SBOM records sha256 " + sha256Hex(orig) + ", the installer's is " + sha256Hex(b) + "; the SBOM records no signature-invariant identity",
				"file changed: sqlite3.dll: the SBOM records " + sha256Hex(old) + ", the installer has " + sha256Hex(repl),
				"component other version: sqlite: the SBOM lists " + oldV + ", the installer has " + newV,
			})
			if t.Failed() {
				t.Logf("format %s", format)
				break
			}
		}
	})
}

// --- verify on MSIs ----------------------------------------------------------

// smallTree writes a tree of real files for a wixl MSI.
func smallTree(t *testing.T, withReadme bool) string {
	t.Helper()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "DLLs"), 0o755)
	writeFile(t, src, "DLLs/sqlite3.dll", embedDLL(t, testenv.Python311, "sqlite3.dll"))
	writeFile(t, src, "DLLs/_sqlite3.pyd", embedDLL(t, testenv.Python311, "_sqlite3.pyd"))
	writeFile(t, src, "LICENSE.txt", []byte("A license.\n"))
	if withReadme {
		writeFile(t, src, "README.txt", []byte("Read me.\n"))
	}
	return src
}

func TestVerifyMSIFileRemoved(t *testing.T) {
	testenv.Tool(t, "wixl")
	spec := msibuild.Spec{ProductName: "Verify Test", Version: "1.2.3"}
	full := msibuild.BuildMSI(t, t.TempDir(), smallTree(t, true), spec)
	less := msibuild.BuildMSI(t, t.TempDir(), smallTree(t, false), spec)
	inv := inspectPath(t, full)
	if inv.Artifact.Identity == nil || inv.Artifact.Identity.Algorithm != "msi-streams-sha256" {
		t.Fatalf("MSI identity %+v", inv.Artifact.Identity)
	}
	docs := composeAll(t, inv)
	fullModel, err := sbomdiff.FromInventory(inv)
	if err != nil {
		t.Fatal(err)
	}
	for format, doc := range docs {
		if doc.Identity == nil || *doc.Identity != (sbomdiff.Identity{Algorithm: inv.Artifact.Identity.Algorithm, Digest: inv.Artifact.Identity.Digest}) {
			t.Errorf("%s: identity read back %v, inventory %+v", format, doc.Identity, inv.Artifact.Identity)
		}
		if v := sbomdiff.Verify(doc, fullModel); !v.OK || len(v.Differences) > 0 {
			t.Errorf("%s: own SBOM does not verify: %v", format, v.Differences)
		}
	}
	lessInv := inspectPath(t, less)
	lessModel, err := sbomdiff.FromInventory(lessInv)
	if err != nil {
		t.Fatal(err)
	}
	readme := sha256Hex([]byte("Read me.\n"))
	for format, doc := range docs {
		v := sbomdiff.Verify(doc, lessModel)
		wantDifferences(t, v, []string{
			"installer checksum differs: the SBOM records sha256 " + inv.Artifact.SHA256 + ", the installer's is " + lessInv.Artifact.SHA256 +
				"; the identity differs too: SBOM msi-streams-sha256:" + inv.Artifact.Identity.Digest + ", installer msi-streams-sha256:" + lessInv.Artifact.Identity.Digest,
			"file missing: ProgramFiles64Folder/Verify Test/README.txt (in the SBOM with sha256 " + readme + ", not in the installer)",
		})
		if t.Failed() {
			t.Logf("format %s", format)
			break
		}
	}
}

// signMSI signs an MSI with osslsigncode and a self-signed certificate.
func signMSI(t *testing.T, in string) string {
	t.Helper()
	dir := t.TempDir()
	cert := newCert(t, dir)
	out := filepath.Join(dir, "signed-"+filepath.Base(in))
	testenv.Run(t, dir, testenv.Tool(t, "osslsigncode"), "sign", "-certs", cert.CertPath, "-key", cert.KeyPath,
		"-h", "sha256", "-n", "installer-sbom test", "-in", in, "-out", out)
	return out
}

func TestVerifySignedMSI(t *testing.T) {
	testenv.Tool(t, "wixl")
	unsigned := msibuild.BuildMSI(t, t.TempDir(), smallTree(t, true), msibuild.Spec{ProductName: "Signed Test"})
	inv := inspectPath(t, unsigned)
	docs := composeAll(t, inv)
	signed := signMSI(t, unsigned)
	sinv := inspectPath(t, signed)
	if sinv.Artifact.SHA256 == inv.Artifact.SHA256 {
		t.Fatal("signing did not change the MSI")
	}
	if len(sinv.Signatures) != 1 || sinv.Signatures[0].Kind != "msi" || !sinv.Signatures[0].DigestMatches {
		t.Fatalf("signed MSI signatures: %+v", sinv.Signatures)
	}
	sm, err := sbomdiff.FromInventory(sinv)
	if err != nil {
		t.Fatal(err)
	}
	for format, doc := range docs {
		v := sbomdiff.Verify(doc, sm)
		if !v.OK || !v.SignatureOnly || len(v.Differences) > 0 {
			t.Fatalf("%s: pre-signing SBOM against the signed MSI: ok=%v signatureOnly=%v %v", format, v.OK, v.SignatureOnly, v.Differences)
		}
		want := "only the code signature differs: the installer's sha256 is " + sinv.Artifact.SHA256 + ", not the " + inv.Artifact.SHA256 +
			" the SBOM records, but its signature-invariant msi-streams-sha256 identity " + inv.Artifact.Identity.Digest + " is the one the SBOM records"
		if !strings.HasPrefix(v.Note, want) {
			t.Errorf("%s: note %q\nwant prefix %q", format, v.Note, want)
		}
	}
	// Without the identity the SBOM cannot tell a signature from a change.
	doc := *docs[sbomdiff.FormatSPDXJSON]
	doc.Identity = nil
	v := sbomdiff.Verify(&doc, sm)
	wantDifferences(t, v, []string{"installer checksum differs: the SBOM records sha256 " + inv.Artifact.SHA256 + ", the installer's is " + sinv.Artifact.SHA256 + "; the SBOM records no signature-invariant identity"})
}

func TestVerifySignedPE(t *testing.T) {
	pe := stubPE(t)
	dir := t.TempDir()
	p := writeFile(t, dir, "tool.exe", pe)
	inv := inspectPath(t, p)
	if inv.Artifact.Identity == nil || inv.Artifact.Identity.Algorithm != "authenticode-sha256" {
		t.Fatalf("PE identity %+v", inv.Artifact.Identity)
	}
	docs := composeAll(t, inv)
	signed := signPE(t, pe, newCert(t, dir))
	sp := writeFile(t, t.TempDir(), "tool.exe", signed)
	sinv := inspectPath(t, sp)
	if len(sinv.Signatures) != 1 || !sinv.Signatures[0].DigestMatches {
		t.Fatalf("signed PE signatures: %+v", sinv.Signatures)
	}
	sm, err := sbomdiff.FromInventory(sinv)
	if err != nil {
		t.Fatal(err)
	}
	for format, doc := range docs {
		v := sbomdiff.Verify(doc, sm)
		if !v.OK || !v.SignatureOnly {
			t.Fatalf("%s: pre-signing SBOM against the signed PE: %v", format, v.Differences)
		}
		if !strings.HasPrefix(v.Note, "only the code signature differs: ") || !strings.Contains(v.Note, "authenticode-sha256 identity "+inv.Artifact.Identity.Digest) {
			t.Errorf("%s: note %q", format, v.Note)
		}
	}
	// A changed byte outside the signature is not a signature change.
	tampered := append([]byte(nil), signed...)
	tampered[0x400] ^= 0xff
	tinv := inspectPath(t, writeFile(t, t.TempDir(), "tool.exe", tampered))
	tm, err := sbomdiff.FromInventory(tinv)
	if err != nil {
		t.Fatal(err)
	}
	v := sbomdiff.Verify(docs[sbomdiff.FormatSPDXJSON], tm)
	if v.OK || len(v.Differences) < 2 || !strings.Contains(v.Differences[0], "the identity differs too: SBOM authenticode-sha256:"+inv.Artifact.Identity.Digest) ||
		!strings.Contains(v.Differences[1], "authenticode signature by") || !strings.Contains(v.Differences[1], "does not verify") {
		t.Errorf("tampered PE: ok=%v %v", v.OK, v.Differences)
	}
}

// TestCycloneDXTooDeepIsAnError: components nested past the reader's bound
// are an error, never silently left out of a verification.
func TestCycloneDXTooDeepIsAnError(t *testing.T) {
	inner := `{"type":"library","name":"hidden","version":"1.0"}`
	for i := 0; i < 70; i++ {
		inner = fmt.Sprintf(`{"type":"library","name":"level%d","components":[%s]}`, i, inner)
	}
	doc := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[` + inner + `]}`
	if _, err := sbomdiff.Read(strings.NewReader(doc), "deep.cdx.json", nil); err == nil || !strings.Contains(err.Error(), "nested more than") {
		t.Fatalf("want an error about nesting, got %v", err)
	}
}
