package sbomdiff_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// FuzzRead reads mutated SBOMs in every format (seeded from compose's
// golden documents) and compares what it reads with itself: no panic, no
// difference of a model with itself. The SPDX 3 reader uses no third-party
// decoder, so a panic recovered in it (a "decoder failed" error) is a bug
// too, in the Model's reading and in the Detail's.
func FuzzRead(f *testing.F) {
	dir := filepath.Join(testenv.RepoRoot(f), "compose", "testdata")
	for _, name := range []string{"embed-zip.spdx.json", "pkg.spdx", "pkg.cdx.json", "pkg.spdx.json", "pkg.spdx3.json", "burn.spdx3.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		opts := &sbomdiff.ReadOptions{MaxBytes: 1 << 20}
		spdx3Panic := func(err error) {
			var fe *sbomdiff.FormatError
			if errors.As(err, &fe) && fe.Format == sbomdiff.FormatSPDX3JSON && strings.Contains(fe.Msg, "decoder failed") {
				t.Fatalf("the SPDX 3 reader panicked: %v", err)
			}
		}
		d, derr := sbomdiff.ReadDetail(bytes.NewReader(b), "fuzz", opts)
		spdx3Panic(derr)
		m, err := sbomdiff.Read(bytes.NewReader(b), "fuzz", opts)
		spdx3Panic(err)
		if (err == nil) != (derr == nil) {
			// ReadDetail reads every document Read reads.
			t.Fatalf("Read: %v; ReadDetail: %v", err, derr)
		}
		if err != nil {
			return
		}
		if d != nil && !reflect.DeepEqual(d.Model, m) {
			t.Fatalf("the Detail's model is not Read's")
		}
		if d := sbomdiff.Compare(m, m); d.Differs() {
			t.Fatalf("a model differs from itself: %+v", d.Summary)
		}
		if v := sbomdiff.Verify(m, m); !v.OK && m.SHA256 != "" {
			t.Fatalf("a model does not verify against itself: %v", v.Differences)
		}
	})
}
