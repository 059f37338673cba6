package inspect_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/fixtures/malformed"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// sharedEmbedZip lays the real CPython 3.11.11 Windows binaries of
// ../shared/fixtures-real out the way python-3.11.11-embed-amd64.zip is
// laid out: binaries at the top, the standard library in a nested
// python311.zip.
func sharedEmbedZip(t testing.TB) []byte {
	t.Helper()
	dir := testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219")
	gz, err := filepath.Glob(filepath.Join(dir, "windows-amd64_*.gz"))
	if err != nil || len(gz) == 0 {
		t.Fatalf("no windows-amd64 binaries in %s", dir)
	}
	var top []embedzip.Entry
	for _, p := range gz {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "windows-amd64_"), ".gz")
		top = append(top, embedzip.Entry{Name: name, Data: testenv.Gunzip(t, p)})
	}
	stdlib, err := embedzip.Bytes([]embedzip.Entry{
		{Name: "json/__init__.py", Data: []byte("# json package\n")},
		{Name: "os.py", Data: []byte("# os module\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	top = append(top, embedzip.Entry{Name: "python311.zip", Data: stdlib},
		embedzip.Entry{Name: "python311._pth", Data: []byte("python311.zip\n.\n")})
	b, err := embedzip.Bytes(top)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func inspectBytes(t testing.TB, name string, b []byte) *inspect.Inventory {
	t.Helper()
	inv, err := inspect.Inspect(bytes.NewReader(b), int64(len(b)), name, inspect.Options{Limits: inspect.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestEmbeddableZipComponents is the end-to-end check of issue 2: every
// component the real binaries carry, with the version only where the bytes
// hold it, and the linkage that follows from where it was found.
func TestEmbeddableZipComponents(t *testing.T) {
	const name = "python-3.11.11-embed-amd64.zip"
	inv := inspectBytes(t, name, sharedEmbedZip(t))
	if len(inv.Problems) > 0 {
		t.Fatalf("problems: %+v", inv.Problems)
	}
	if inv.Artifact.Format != "zip" || inv.Artifact.Name != name {
		t.Errorf("artifact = %+v", inv.Artifact)
	}

	// Nested stdlib files are reported with their nesting path.
	paths := map[string]inspect.File{}
	for _, f := range inv.Files {
		paths[f.Path] = f
	}
	for _, p := range []string{name + "/python311.zip/json/__init__.py", name + "/python311.zip", name + "/sqlite3.dll"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("file %s not in the inventory", p)
		}
	}
	if f := paths[name+"/python311.zip"]; f.Kind != inspect.KindArchive {
		t.Errorf("python311.zip kind = %q, want archive", f.Kind)
	}
	if f := paths[name+"/sqlite3.dll"]; f.Kind != inspect.KindPE || len(f.SHA256) != 64 || len(f.SHA1) != 40 {
		t.Errorf("sqlite3.dll = %+v", f)
	}

	// The versions below were read from the binaries with strings(1).
	// xz keeps no version string in _lzma.pyd and libffi none in
	// libffi-8.dll, so the bytes show the library but not its version and
	// the expected version is empty. pyexpat.pyd does keep expat's
	// XML_ExpatVersion() string, "expat_2.6.4" (CPython 3.11.11 updated its
	// bundled expat to 2.6.4), so expat's version is known. tcl86t.dll has
	// Tcl's own copy of zlib compiled in (inflate's messages and
	// the "1.2.11" version constant are there: Tcl 8.6.12 ships zlib 1.2.11
	// in compat/zlib).
	want := map[string]string{
		"expat 2.6.4 static":      "pyexpat.pyd",
		"zlib 1.2.11 static":      "tcl86t.dll",
		"openssl 3.0.15 dynamic":  "libcrypto-3-x64.dll",
		"sqlite 3.47.1 dynamic":   "sqlite3.dll",
		"tcl 8.6.12 dynamic":      "tcl86t.dll",
		"bzip2 1.0.8 static":      "_bz2.pyd",
		"mpdecimal 2.5.1 static":  "_decimal.pyd",
		"zlib 1.2.13 static":      "python311.dll",
		"cpython 3.11.11 dynamic": "python311.dll",
		"xz  static":              "_lzma.pyd",
		"libffi  dynamic":         "libffi-8.dll",
	}
	got := map[string][]string{}
	for _, c := range inv.Components {
		key := fmt.Sprintf("%s %s %s", c.Name, c.Version, c.Linkage)
		got[key] = append(got[key], c.Files...)
		if len(c.Evidence) == 0 {
			t.Errorf("%s has no evidence", key)
		}
		for _, e := range c.Evidence {
			if e.File == "" || e.Rule == "" || (e.Offset < 0 && e.Resource == "") {
				t.Errorf("%s: evidence %+v does not say where", key, e)
			}
		}
	}
	for key, file := range want {
		files, ok := got[key]
		if !ok {
			t.Errorf("missing component %q (have %v)", key, keys(got))
			continue
		}
		if !contains(files, name+"/"+file) {
			t.Errorf("%s: files %v, want %s", key, files, file)
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("unexpected component %q in %v", key, got[key])
		}
	}
}

func keys(m map[string][]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// TestMalformedZip: a truncated zip and one whose entry lies about its size
// are reported as problems naming the layer, the offset and the entry.
func TestMalformedZip(t *testing.T) {
	t.Run("truncated", func(t *testing.T) {
		inv := inspectBytes(t, "truncated.zip", malformed.TruncatedZip())
		if len(inv.Problems) != 1 {
			t.Fatalf("problems = %+v, want one", inv.Problems)
		}
		p := inv.Problems[0]
		if p.Layer != "zip" || p.Path != "truncated.zip" || p.Offset < 0 {
			t.Errorf("problem = %+v", p)
		}
	})
	t.Run("lying size", func(t *testing.T) {
		inv := inspectBytes(t, "lying-size.zip", malformed.LyingSizeZip())
		if len(inv.Problems) != 1 {
			t.Fatalf("problems = %+v, want one", inv.Problems)
		}
		p := inv.Problems[0]
		if p.Layer != "zip" || p.Path != "lying-size.zip/python3.dll" || !strings.Contains(p.Message, "python3.dll") || p.Offset <= 0 {
			t.Errorf("problem = %+v", p)
		}
		// The honest entry is still inventoried.
		if len(inv.Files) != 1 || inv.Files[0].Path != "lying-size.zip/python311._pth" {
			t.Errorf("files = %+v", inv.Files)
		}
	})
}

// TestCommittedMalformedFixtures keeps fixtures/testdata in step with the
// generator (go generate ./fixtures/...).
func TestCommittedMalformedFixtures(t *testing.T) {
	for name, want := range malformed.All() {
		got, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "fixtures", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("fixtures/testdata/%s differs from its generator; run go generate ./fixtures/...", name)
		}
	}
}

// TestEscapedNames: hostile member names are kept, escaped, as data.
func TestEscapedNames(t *testing.T) {
	b, err := embedzip.Bytes([]embedzip.Entry{
		{Name: "../../etc/passwd", Data: []byte("x")},
		{Name: "a\\b\x01c\xffd.txt", Data: []byte("y")},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectBytes(t, "hostile.zip", b)
	var got []string
	for _, f := range inv.Files {
		got = append(got, f.Path)
	}
	want := []string{`hostile.zip/\x2e\x2e/\x2e\x2e/etc/passwd`, `hostile.zip/a\\b\u0001c\xffd.txt`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("paths = %q, want %q", got, want)
	}
}

// TestIdenticalBinariesAtTwoPaths: the same DLL at two paths (as in a
// bundle carrying one MSI for both install scopes) is fingerprinted once —
// the walker reuses the report for identical bytes and file name — and the
// result is reported for both paths, with evidence naming each.
func TestIdenticalBinariesAtTwoPaths(t *testing.T) {
	dll := testenv.Gunzip(t, testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219", "windows-amd64_libcrypto-3-x64.dll.gz"))
	b, err := embedzip.Bytes([]embedzip.Entry{
		{Name: "AllUsers/libcrypto-3-x64.dll", Data: dll},
		{Name: "JustForMe/libcrypto-3-x64.dll", Data: dll},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectBytes(t, "two.zip", b)
	if len(inv.Components) != 1 {
		t.Fatalf("components %+v", inv.Components)
	}
	c := inv.Components[0]
	want := []string{"two.zip/AllUsers/libcrypto-3-x64.dll", "two.zip/JustForMe/libcrypto-3-x64.dll"}
	if c.Name != "openssl" || c.Version != "3.0.15" || strings.Join(c.Files, "|") != strings.Join(want, "|") {
		t.Fatalf("component %+v", c)
	}
	perFile := map[string]int{}
	for _, e := range c.Evidence {
		perFile[e.File]++
	}
	if len(perFile) != 2 || perFile[want[0]] == 0 || perFile[want[0]] != perFile[want[1]] {
		t.Errorf("evidence per file %v", perFile)
	}
	for _, f := range inv.Files {
		if f.Binary == nil || f.Binary.Name != "libcrypto-3-x64.dll" {
			t.Errorf("%s: binary facts %+v", f.Path, f.Binary)
		}
	}
}
