package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var npmToolMu sync.Mutex

// NPMTool installs an npm package at an exact version together with its
// dependencies (`npm install`, from the npm registry) under the cache and
// returns the package's directory, for tests that run a JavaScript tool as
// an oracle (`node DIR/bin/x.js`). The installation is kept between runs.
// Test binaries of several packages may install the same tool at once: each
// installs into its own temporary directory and renames it into place.
func NPMTool(t testing.TB, pkg, version string) string {
	t.Helper()
	npmToolMu.Lock()
	defer npmToolMu.Unlock()
	Tool(t, "node")
	npm := Tool(t, "npm")
	base := filepath.Join(CacheDir(t), "npm-tools")
	dir := filepath.Join(base, npmFileName(pkg)+"@"+version)
	pkgDir := filepath.Join(dir, "node_modules", filepath.FromSlash(pkg))
	if _, err := os.Stat(filepath.Join(pkgDir, "package.json")); err == nil {
		return pkgDir
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(base, ".install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "package.json"), []byte(`{"private":true}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts", "--loglevel=error", pkg+"@"+version)
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("testenv: npm install %s@%s: %v\n%s", pkg, version, err, out.String())
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another test binary finished first; use its installation.
		if _, serr := os.Stat(filepath.Join(pkgDir, "package.json")); serr != nil {
			t.Fatalf("testenv: installing %s@%s: %v", pkg, version, err)
		}
	}
	return pkgDir
}
