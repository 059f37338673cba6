package xar

import (
	"bytes"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// Each file's name is its directory's name plus its own: nesting deep under
// long names used to cost the square of the depth (5,000 levels of 4 KiB
// names: about 50 GB from a 21 KB file). Depth and the bytes of all names
// are bounded.
func TestHostilePaths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		depth int
		elem  string
		want  string
	}{
		{"deep", 5000, "d", "nest deeper than 1024 levels"},
		{"long names", 5000, strings.Repeat("n", 4096), "file names exceed the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := hostile.NestedXar(tc.depth, tc.elem)
			var err error
			n, d := testenv.Allocated(func() { _, err = NewReader(bytes.NewReader(b), int64(len(b)), nil) })
			t.Logf("%d-byte xar: %v; %d MiB allocated, %v", len(b), err, n>>20, d)
			fe, ok := err.(*FormatError)
			if !ok || fe.Off != fixedHeaderSize || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %T %v, want %q at the TOC", err, err, tc.want)
			}
			if n > 256<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
	// Nesting up to the limit still opens, with full paths.
	b := hostile.NestedXar(MaxDepth, "d")
	x, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Files) != MaxDepth || x.Files[MaxDepth-1].Name != strings.Repeat("d/", MaxDepth-1)+"d" {
		t.Fatalf("%d files", len(x.Files))
	}
}
