// Package testenv finds the test material that lives outside the repository:
// the team's shared third-party fixtures (../shared beside the checkout), the
// real CPython builds inside the Go module github.com/kluctl/go-embed-python,
// and the external tools used as oracles. Tests fail, never skip, when
// something is missing: `make deps` installs it.
package testenv

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
)

// EmbedPython versions used by the tests (module versions without the
// v0.0.0- prefix).
const (
	Python311 = "3.11.11-20241219-1"
	Python314 = "3.14.6-20260610-1"
)

// RepoRoot is the directory holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testenv: no go.mod above the test's directory")
		}
		dir = parent
	}
}

// Shared returns the path of a file under the shared third-party material
// (../shared beside the checkout, or $ISBOM_TEST_SHARED).
func Shared(t testing.TB, rel ...string) string {
	t.Helper()
	base := os.Getenv("ISBOM_TEST_SHARED")
	if base == "" {
		base = filepath.Join(filepath.Dir(RepoRoot(t)), "shared")
	}
	p := filepath.Join(append([]string{base}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testenv: shared material missing: %v (the checkout needs ../shared beside it)", err)
	}
	return p
}

var (
	embedMu   sync.Mutex
	embedDirs = map[string]string{}
)

// EmbedPython returns the directory python/internal/data of the
// go-embed-python module at the given version, downloading it through the Go
// module proxy when it is not in the module cache.
func EmbedPython(t testing.TB, version string) string {
	t.Helper()
	embedMu.Lock()
	defer embedMu.Unlock()
	if d, ok := embedDirs[version]; ok {
		return d
	}
	cmd := exec.Command("go", "mod", "download", "-json", "github.com/kluctl/go-embed-python@v0.0.0-"+version)
	cmd.Dir = RepoRoot(t)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testenv: go mod download go-embed-python %s: %v\n%s", version, err, out)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		t.Fatalf("testenv: go mod download go-embed-python %s: %s %v", version, info.Error, err)
	}
	d := filepath.Join(info.Dir, "python", "internal", "data")
	embedDirs[version] = d
	return d
}

// Gunzip reads a gzip file whole.
func Gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}

// ReadMaybeGz reads a file, gunzipping it when its name ends in .gz.
func ReadMaybeGz(t testing.TB, path string) []byte {
	t.Helper()
	if filepath.Ext(path) == ".gz" {
		return Gunzip(t, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Tool returns the path of an external oracle tool, failing the test when
// it is not installed (run `make deps`). Debian installs some LLVM tools
// only under versioned names (llvm-lipo-14), which are found too.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if m, _ := filepath.Glob("/usr/bin/" + name + "-[0-9]*"); len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1]
	}
	t.Fatalf("testenv: %s not installed; run `make deps`", name)
	return ""
}

// Run runs a command and returns its stdout, failing the test on error.
func Run(t testing.TB, dir string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

// WriteTree writes files (slash-separated relative path → content) under
// dir, creating directories as needed.
func WriteTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TreeSHA256 maps every regular file below dir (slash-separated relative
// path) to the hex SHA-256 of its bytes: what an extracting oracle wrote.
func TreeSHA256(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = SHA256Hex(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
