package cfb_test

import (
	"bytes"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/cfb"
)

// longName is a 31-unit entry name that decodes to 93 bytes of UTF-8, the
// most a directory entry can make a path grow by.
var longName = strings.Repeat("€", 31)

// nested returns depth storages, each inside the previous one, with leaves
// at the bottom.
func nested(depth int, leaves []msibuild.CFBStream) []msibuild.CFBStream {
	list := leaves
	for i := 0; i < depth; i++ {
		list = []msibuild.CFBStream{{Name: longName, Storage: list}}
	}
	return list
}

// Paths of nested storages are each their parent's path plus a name: deep
// nesting under long names used to cost the square of the depth (12,000
// levels of 93-byte names: about 6.7 GB). Depth and the bytes of all paths
// are bounded; either bound ends Open with an error at the entry.
func TestHostilePaths(t *testing.T) {
	leaf := []msibuild.CFBStream{{Name: "x", Data: []byte("leaf")}}
	many := make([]msibuild.CFBStream, 6000)
	for i := range many {
		many[i] = msibuild.CFBStream{Name: strings.Repeat("€", 26) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)), Data: []byte{1}}
	}
	for _, tc := range []struct {
		name    string
		streams []msibuild.CFBStream
		want    string
	}{
		{"deep", nested(12000, leaf), "nest deeper than 64 levels"},
		{"wide at depth", nested(cfb.MaxDepth-1, many), "paths of the entries exceed the limit"},
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
	b := msibuild.WriteCFB(3, [16]byte{}, nested(cfb.MaxDepth-1, leaf))
	f, err := cfb.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Repeat(longName+"/", cfb.MaxDepth-1) + "x"
	if _, ok := f.Stream(want); !ok {
		t.Fatalf("stream at depth %d not found", cfb.MaxDepth)
	}
}
