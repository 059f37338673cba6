package msi_test

import (
	"fmt"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
	"io"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// TestMediaRowsShareCabinet: n Media rows each covering one file, all
// naming one cabinet of n entries. Each row used to walk the whole cabinet
// again and report the n-1 entries it does not name (n² problems; a 1.5 MB
// MSI gave 1.3 M). The cabinet is walked once now, for all its rows.
func TestMediaRowsShareCabinet(t *testing.T) {
	const n = 2000
	files := make([][]any, n)
	media := make([][]any, n)
	names := make([]string, n)
	for i := range files {
		names[i] = fmt.Sprintf("F%d", i)
		files[i] = []any{names[i], "C", "f.txt", 1, nil, nil, 0, i + 1}
		media[i] = []any{i + 1, i + 1, nil, "#c.cab", nil, nil}
	}
	b := testDatabase([]testTable{
		{"Directory", directoryCols, chain(1, "dir")},
		{"Component", componentCols, [][]any{{"C", "{00000000-0000-0000-0000-000000000001}", "D0", 0, nil, nil}}},
		{"File", fileCols, files},
		{"Media", mediaCols, media},
	}, map[string][]byte{"c.cab": storedCab(names)})
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	var problems []msi.Problem
	read := 0
	alloc, _ := testenv.Allocated(func() {
		problems, err = db.Walk(nil, func(f *msi.File, r io.Reader, err error) error {
			if err != nil {
				return err
			}
			p, err := io.ReadAll(r)
			if err != nil || string(p) != "x" {
				return fmt.Errorf("%s: %q %v", f.Key, p, err)
			}
			read++
			return nil
		})
	})
	t.Logf("%d-byte MSI, %d Media rows: %d files, %d problems, %d MiB allocated", len(b), n, read, len(problems), alloc>>20)
	if err != nil || read != n || len(problems) != 0 {
		t.Fatalf("walk: %v, %d files read, %d problems (first %+v)", err, read, len(problems), problems[:min(1, len(problems))])
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d MiB", alloc>>20)
	}
}
