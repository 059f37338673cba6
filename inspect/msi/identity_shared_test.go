package msi_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestIdentitySharedChains: streams whose directory entries point at one
// sector chain were each hashed in full (a 6.3 MB MSI hashed 64 GB; here
// 300 streams would hash 300 MiB from a 2.2 MB file). Identity now fails,
// naming the offset, before hashing anything.
func TestIdentitySharedChains(t *testing.T) {
	b, shared, err := hostile.MSISharedChains(300)
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	honest, err := db.Identity()
	if err != nil {
		t.Fatalf("honest: %v", err)
	}
	b = shared
	var id string
	alloc, _ := testenv.Allocated(func() {
		db, err = msi.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err == nil {
			id, err = db.Identity()
		}
	})
	if err == nil || !strings.Contains(err.Error(), "msi: at offset 0x") || !strings.Contains(err.Error(), "shares its sectors with another stream") {
		t.Fatalf("identity %q, err %v (honest %s)", id, err, honest)
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d bytes", alloc)
	}
	t.Logf("%d-byte MSI: %v", len(b), err)
}
