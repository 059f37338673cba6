package msi_test

import (
	"io"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func wantMSIError(t *testing.T, err error, want string) {
	t.Helper()
	fe, ok := err.(*msi.FormatError)
	if !ok || !strings.Contains(err.Error(), want) || fe.Off <= 0 {
		t.Fatalf("err = %T %v, want an msi error with an offset saying %q", err, err, want)
	}
}

// Every Directory and File row stores its full install path, built from
// its parent's. Chains deep under long names used to cost the square of
// the depth (10,000 directories of 255-byte names: about 12.8 GB); the
// paths are now bounded in depth and in total bytes.
func TestHostilePaths(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     []byte
		files bool // call Files, not Directories
		want  string
	}{
		{"deep", hostile.MSIDeepDirectories(20000, "."), false, "deeper than 16384 levels"},
		{"long", hostile.MSIDeepDirectories(10000, strings.Repeat("n", 255)), false, "install paths exceed the limit"},
		{"many files", hostile.MSIManyFilesDeep(200, 60000), true, "install paths exceed the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.b
			var err error
			n, d := testenv.Allocated(func() {
				var db *msi.Database
				if db, err = openBytes(b); err != nil {
					return
				}
				if tc.files {
					_, err = db.Files()
				} else {
					_, err = db.Directories()
				}
			})
			t.Logf("%d-byte MSI: %v; %d MiB allocated, %v", len(b), err, n>>20, d)
			wantMSIError(t, err, tc.want)
			if n > 256<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
	// A chain within the limits resolves, each path from its parent's.
	db, err := openBytes(hostile.MSIDeepDirectories(300, "d"))
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := db.Directories()
	if err != nil {
		t.Fatal(err)
	}
	if want := "TARGETDIR" + strings.Repeat("/d", 300); dirs["D299"].Path != want {
		t.Fatalf("D299 path %q", dirs["D299"].Path)
	}
}

// Every MsiFileHash mismatch names the row of the hash; the row used to be
// found by scanning the table, once per mismatch (60,000 mismatches: 25 s).
func TestHostileHashMismatches(t *testing.T) {
	const n = 60000
	b := hostile.MSIHashMismatches(n)
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	var problems []msi.Problem
	read := 0
	alloc, d := testenv.Allocated(func() {
		problems, err = db.Walk(nil, func(f *msi.File, r io.Reader, err error) error {
			if err != nil {
				return err
			}
			read++
			return nil
		})
	})
	t.Logf("%d-byte MSI, %d files: %d problems; %d MiB allocated, %v", len(b), read, len(problems), alloc>>20, d)
	if err != nil {
		t.Fatal(err)
	}
	if read != n || len(problems) != n {
		t.Fatalf("%d files read, %d problems", read, len(problems))
	}
	for _, i := range []int{0, n / 2, n - 1} {
		p := problems[i]
		if !strings.Contains(p.Message, "MsiFileHash mismatch") || p.Offset != tab.RowOffset(i) {
			t.Fatalf("problem %d: %+v, want the mismatch at row offset %d", i, p, tab.RowOffset(i))
		}
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d MiB", alloc>>20)
	}
}

// Identity names every stream by its raw path, built from its storage's.
// Storages nested deep under long names used to make those paths cost the
// square of the depth (> 6 GiB from 1.5 MB); the compound file now bounds
// depth and path bytes, and Identity stays within them.
func TestHostileIdentityPaths(t *testing.T) {
	build := func(depth int, leaves []msibuild.CFBStream) []byte {
		return msibuild.WriteCFB(3, [16]byte{}, hostile.NestedStorages(depth, leaves))
	}
	many := hostile.ManyLongStreams(5000)
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" when Identity succeeds
	}{
		{"deep", build(12000, many[:1]), "nest deeper than 64 levels"},
		{"wide at depth", build(63, many), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var id string
			n, d := testenv.Allocated(func() {
				var db *msi.Database
				if db, err = openBytes(tc.b); err == nil {
					id, err = db.Identity()
				}
			})
			t.Logf("%d-byte file: identity %q, %v; %d MiB allocated, %v", len(tc.b), id, err, n>>20, d)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if n > 256<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
}
