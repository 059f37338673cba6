package cfb_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/cfb"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// Paths of nested storages are each their parent's path plus a name: deep
// nesting under long names used to cost the square of the depth (12,000
// levels of 93-byte names: about 6.7 GB). Depth and the bytes of all paths
// are bounded; either bound ends Open with an error at the entry.
func TestHostilePaths(t *testing.T) {
	leaf := []msibuild.CFBStream{{Name: "x", Data: []byte("leaf")}}
	for _, tc := range []struct {
		name    string
		streams []msibuild.CFBStream
		want    string
	}{
		{"deep", hostile.NestedStorages(12000, leaf), "nest deeper than 64 levels"},
		{"wide at depth", hostile.NestedStorages(cfb.MaxDepth-1, hostile.ManyLongStreams(6000)), "paths of the entries exceed the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := msibuild.WriteCFB(3, [16]byte{}, tc.streams)
			var err error
			n, d := testenv.Allocated(func() { _, err = cfb.Open(bytes.NewReader(b), int64(len(b)), nil) })
			t.Logf("%d-byte file: %v, %d MiB allocated, %v", len(b), err, n>>20, d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if fe, ok := err.(*cfb.FormatError); !ok || fe.Off <= 0 {
				t.Fatalf("err %T %v does not name an offset", err, err)
			}
			if n > 256<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
	// Nesting up to the limit still opens.
	b := msibuild.WriteCFB(3, [16]byte{}, hostile.NestedStorages(cfb.MaxDepth-1, leaf))
	f, err := cfb.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat(hostile.LongCFBName+"/", cfb.MaxDepth-1) + "x"
	if _, ok := f.Stream(want); !ok {
		t.Fatalf("stream at depth %d not found", cfb.MaxDepth)
	}
}
