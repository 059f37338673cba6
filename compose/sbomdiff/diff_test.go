package sbomdiff_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func newCert(t *testing.T, dir string) *burnbuild.Cert {
	return burnbuild.NewCert(t, dir, "installer-sbom verify test")
}

func signPE(t *testing.T, pe []byte, c *burnbuild.Cert) []byte {
	return burnbuild.Sign(t, pe, c, "sha256")
}

func stubPE(t *testing.T) []byte { return burnbuild.StubPE(t, "amd64") }

func TestCompareVersions(t *testing.T) {
	// Each row is ordered: a < b.
	for _, c := range [][2]string{
		{"", "0"},
		{"3.0.13", "3.0.15"},
		{"3.0.15", "3.5.7"},
		{"3.9", "3.10"},
		{"8.6.12", "8.6.14"},
		{"1.2.11", "1.2.13"},
		{"1.2.13", "1.3.1"},
		{"3.0", "3.0.1"},
		{"3.14.0rc1", "3.14.0"},
		{"3.14.0a7", "3.14.0b1"},
		{"1.1.1v", "1.1.1w"},
		{"1.1.1w", "3.0.0"},
		{"2.5.1", "4.0.0"},
		{"14.42.34433.0", "14.44.35211.0"},
		{"1.0-1", "1.0-2"},
		{"0099", "100"},
	} {
		if got := sbomdiff.CompareVersions(c[0], c[1]); got != -1 {
			t.Errorf("CompareVersions(%q, %q) = %d, want -1", c[0], c[1], got)
		}
		if got := sbomdiff.CompareVersions(c[1], c[0]); got != 1 {
			t.Errorf("CompareVersions(%q, %q) = %d, want 1", c[1], c[0], got)
		}
	}
	for _, c := range [][2]string{{"3.0.15", "3.0.15"}, {"1.02", "1.2"}, {"1.0-rc1", "1.0.RC1"}} {
		if got := sbomdiff.CompareVersions(c[0], c[1]); got != 0 {
			t.Errorf("CompareVersions(%q, %q) = %d, want 0", c[0], c[1], got)
		}
	}
}

// oracleVersions reads component versions straight from the DLLs of a
// go-embed-python windows tree, the way `strings` and grep would, without
// the fingerprint rules.
func oracleVersions(t *testing.T, version string) map[string]string {
	t.Helper()
	first := func(list []string, re *regexp.Regexp, what string) string {
		for _, s := range list {
			if m := re.FindStringSubmatch(s); m != nil {
				return m[1]
			}
		}
		t.Fatalf("oracle: no %s version in %s", what, version)
		return ""
	}
	dll := func(name string) []byte { return embedDLL(t, version, name) }
	return map[string]string{
		"openssl": first(asciiStrings(dll("libcrypto-3-x64.dll")), regexp.MustCompile(`^OpenSSL ([0-9]+\.[0-9]+\.[0-9]+) `), "OpenSSL"),
		"sqlite":  sqliteVersion(t, dll("sqlite3.dll")),
		"tcl":     first(asciiStrings(dll("tcl86t.dll")), regexp.MustCompile(`^(8\.6\.[0-9]+)$`), "Tcl"),
		"tk":      first(asciiStrings(dll("tk86t.dll")), regexp.MustCompile(`^(8\.6\.[0-9]+)$`), "Tk"),
		"expat":   first(asciiStrings(dll("pyexpat.pyd")), regexp.MustCompile(`expat_([0-9]+\.[0-9]+\.[0-9]+)`), "expat"),
		// The module version names the CPython release.
		"cpython": strings.SplitN(version, "-", 2)[0],
	}
}

// TestDiffCPythonMSIs packs go-embed-python's full CPython 3.11 and 3.14
// windows-amd64 trees as MSIs with wixl (about 15 s, both at once) and
// diffs them.
func TestDiffCPythonMSIs(t *testing.T) {
	testenv.Tool(t, "wixl")
	dir := t.TempDir()
	versions := []string{testenv.Python311, testenv.Python314}
	paths := make([]string, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, v := range versions {
		data := testenv.EmbedPython(t, v)
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = msibuild.BuildCPython(data, v, dir)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	old, new := installerModel(t, paths[0]), installerModel(t, paths[1])
	d := sbomdiff.Compare(old, new)
	ov, nv := oracleVersions(t, versions[0]), oracleVersions(t, versions[1])
	changed := map[string]sbomdiff.ComponentChange{}
	for _, c := range d.ComponentsChanged {
		changed[c.Name] = c
	}
	for name := range ov {
		if ov[name] == nv[name] {
			t.Fatalf("oracle: %s is %s in both trees", name, ov[name])
		}
		c, ok := changed[name]
		if !ok {
			t.Errorf("%s %s → %s not listed as changed; changed: %+v", name, ov[name], nv[name], d.ComponentsChanged)
			continue
		}
		if strings.Join(c.Old, ",") != ov[name] || strings.Join(c.New, ",") != nv[name] || c.Downgrade {
			t.Errorf("%s: diff says %v → %v (downgrade %v), the bytes say %s → %s", name, c.Old, c.New, c.Downgrade, ov[name], nv[name])
		}
	}
	if d.Summary.ComponentsDowngraded != 0 {
		t.Errorf("3.11 → 3.14 lists %d downgrades", d.Summary.ComponentsDowngraded)
	}
	// zstd arrived in 3.14 (_zstd.pyd); its DLL exists only there.
	if _, err := os.Stat(filepath.Join(testenv.EmbedPython(t, versions[1]), "windows-amd64", "DLLs", "_zstd.pyd.gz")); err != nil {
		t.Fatal(err)
	}
	addedZstd := false
	for _, c := range d.ComponentsAdded {
		addedZstd = addedZstd || c.Name == "zstd"
	}
	if !addedZstd {
		t.Errorf("zstd not listed as added: %+v", d.ComponentsAdded)
	}
	// Files pair across the versioned install directories.
	wantPair := map[string]string{
		"ProgramFiles64Folder/Python 3.14/DLLs/sqlite3.dll": "ProgramFiles64Folder/Python 3.11/DLLs/sqlite3.dll",
		"ProgramFiles64Folder/Python 3.14/python.exe":       "ProgramFiles64Folder/Python 3.11/python.exe",
	}
	for _, f := range d.FilesChanged {
		if want, ok := wantPair[f.Path]; ok {
			if f.OldPath != want {
				t.Errorf("%s paired with %q, want %q", f.Path, f.OldPath, want)
			}
			delete(wantPair, f.Path)
		}
	}
	if len(wantPair) > 0 {
		t.Errorf("not paired: %v", wantPair)
	}
	if d.Summary.FilesAdded+d.Summary.FilesRemoved+d.Summary.FilesChanged+d.Summary.FilesUnchanged < len(new.Files) {
		t.Errorf("summary %+v does not account for %d files", d.Summary, len(new.Files))
	}

	back := sbomdiff.Compare(new, old)
	if back.Summary.ComponentsDowngraded != len(d.ComponentsChanged) {
		t.Errorf("3.14 → 3.11: %d downgrades of %d changes", back.Summary.ComponentsDowngraded, len(back.ComponentsChanged))
	}
	for _, c := range back.ComponentsChanged {
		if c.Name == "openssl" && (!c.Downgrade || strings.Join(c.New, ",") != ov["openssl"]) {
			t.Errorf("openssl back: %+v", c)
		}
	}
	var text strings.Builder
	if err := sbomdiff.WriteDiff(&text, d); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	// Summary first, details after.
	if si, di := strings.Index(out, "components: "), strings.Index(out, "components changed:"); si < 0 || di < si {
		t.Errorf("text diff does not start with the summary:\n%s", out[:min(len(out), 800)])
	}
	if !strings.Contains(out, "  openssl "+ov["openssl"]+" → "+nv["openssl"]+"\n") {
		t.Errorf("text diff lacks the OpenSSL line:\n%s", out[:min(len(out), 2000)])
	}
}
