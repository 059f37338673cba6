package sbomdiff_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// FuzzRead reads mutated SBOMs in every format (seeded from compose's
// golden documents) and compares what it reads with itself: no panic, no
// difference of a model with itself.
func FuzzRead(f *testing.F) {
	dir := filepath.Join(testenv.RepoRoot(f), "compose", "testdata")
	for _, name := range []string{"embed-zip.spdx.json", "pkg.spdx", "pkg.cdx.json", "pkg.spdx.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := sbomdiff.Read(bytes.NewReader(b), "fuzz", &sbomdiff.ReadOptions{MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		if d := sbomdiff.Compare(m, m); d.Differs() {
			t.Fatalf("a model differs from itself: %+v", d.Summary)
		}
		if v := sbomdiff.Verify(m, m); !v.OK && m.SHA256 != "" {
			t.Fatalf("a model does not verify against itself: %v", v.Differences)
		}
	})
}
