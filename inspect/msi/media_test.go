package msi_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestMediaRowsShareCabinet: n Media rows each covering one file, all
// naming one cabinet of n entries. Each row used to walk the whole cabinet
// again and report the n-1 entries it does not name (n² problems; a 1.5 MB
// MSI gave 1.3 M). The cabinet is walked once now, for all its rows.
func TestMediaRowsShareCabinet(t *testing.T) {
	const n = 2000
	b := hostile.MSIMediaShareCabinet(n)
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
