package msi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// dirEntry finds the directory entry of the root-level stream name.
func dirEntry(t *testing.T, b []byte, name string) int {
	t.Helper()
	var raw []byte
	for _, c := range msi.EncodeStreamName(name, false) {
		raw = binary.LittleEndian.AppendUint16(raw, c)
	}
	raw = append(raw, 0, 0)
	for off := 512; off+128 <= len(b); off += 128 {
		if bytes.HasPrefix(b[off:], raw) && int(binary.LittleEndian.Uint16(b[off+64:])) == len(raw) {
			return off
		}
	}
	t.Fatalf("no entry %q", name)
	return 0
}

// TestIdentitySharedChains: streams whose directory entries point at one
// sector chain were each hashed in full (a 6.3 MB MSI hashed 64 GB; here
// 300 streams would hash 300 MiB from a 2.2 MB file). Identity now fails,
// naming the offset, before hashing anything.
func TestIdentitySharedChains(t *testing.T) {
	streams := map[string][]byte{"Big": bytes.Repeat([]byte("shared chain "), (1<<20)/13)}
	for i := 0; i < 300; i++ {
		streams[fmt.Sprintf("S%03d", i)] = bytes.Repeat([]byte{byte(i)}, 4096)
	}
	b := testDatabase(nil, streams)
	db, err := msi.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	honest, err := db.Identity()
	if err != nil {
		t.Fatalf("honest: %v", err)
	}
	big := dirEntry(t, b, "Big")
	for i := 0; i < 300; i++ {
		e := dirEntry(t, b, fmt.Sprintf("S%03d", i))
		copy(b[e+116:e+128], b[big+116:big+128]) // start sector and size
	}
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
