package inspect_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestNestedBombRejected: libmspack's 26 KB cab holds a 14.7 MB cab that
// declares 3 × 2 GiB files. Each layer alone stays under the per-container
// ratio; the walk-wide ratio (decompressed bytes at every level against the
// artifact's size) stops it after a few tens of megabytes, with default
// limits, and the problem names the limit, the layer and the inner path.
func TestNestedBombRejected(t *testing.T) {
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "cab", "large-files-cab.NESTED-BOMB.cab"))
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	inv := inspectBytes(t, "bomb.cab", b)
	runtime.ReadMemStats(&after)

	var found bool
	for _, p := range inv.Problems {
		if p.Layer == "cab" && strings.Contains(p.Message, "limit ratio=") && strings.HasPrefix(p.Path, "bomb.cab/large-files.cab/") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no ratio-limit problem naming the inner file: %+v", inv.Problems)
	}
	// Everything allocated over the whole inspection, not just what is
	// live at the end: a walk that decoded one of the 2 GiB files would
	// allocate at least that much.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<20 {
		t.Errorf("inspecting the bomb allocated %d MiB", alloc>>20)
	}
}

// TestLimitsFlagSyntax: every documented limit can be set, and bad values
// are refused.
func TestLimitsFlagSyntax(t *testing.T) {
	l := inspect.DefaultLimits()
	for _, name := range inspect.LimitNames() {
		if err := l.Set(name + "=3K"); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if l.TotalBytes != 3<<10 || l.Depth != 3<<10 || l.Ratio != 3<<10 {
		t.Errorf("limits = %+v", l)
	}
	for _, bad := range []string{"depth", "depth=", "depth=-1", "nosuch=1", "ratio=1Q", "total-bytes=99999999999G"} {
		if err := l.Set(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestEntryLimit: a tighter entry-bytes limit turns a large entry into a
// problem naming the limit, and the walk goes on with the other entries.
func TestEntryLimit(t *testing.T) {
	opts := inspect.Options{Limits: inspect.DefaultLimits()}
	opts.Limits.EntryBytes = 100 << 10
	b := sharedEmbedZip(t)
	inv, err := inspect.Inspect(bytesReader(b), int64(len(b)), "embed.zip", opts)
	if err != nil {
		t.Fatal(err)
	}
	var limited, files int
	for _, p := range inv.Problems {
		if strings.Contains(p.Message, "entry-bytes") {
			limited++
		}
	}
	files = len(inv.Files)
	if limited == 0 || files == 0 {
		t.Errorf("%d entry-bytes problems, %d files", limited, files)
	}
}

// TestLargeDataStreamed: a large entry that is neither a container nor an
// executable is hashed as it streams, not held: inspecting a zip with a
// 48 MiB data file allocates far less than the file, and its hashes are
// right.
func TestLargeDataStreamed(t *testing.T) {
	big := make([]byte, 48<<20)
	var x uint64 = 88172645463325252
	for i := 0; i < len(big); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(big[i:], x)
	}
	b, err := embedzip.Bytes([]embedzip.Entry{{Name: "share/blob.dat", Data: big}})
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(big)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	inv := inspectBytes(t, "big.zip", b)
	runtime.ReadMemStats(&after)
	if len(inv.Files) != 1 || inv.Files[0].SHA256 != hex.EncodeToString(want[:]) || inv.Files[0].Size != int64(len(big)) || inv.Files[0].Kind != inspect.KindData {
		t.Fatalf("files %+v problems %+v", inv.Files, inv.Problems)
	}
	// The artifact itself is hashed from the reader in chunks, the entry
	// streamed: nothing near 48 MiB is allocated.
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 24<<20 {
		t.Errorf("allocated %d MiB for a streamed 48 MiB entry", alloc>>20)
	}
}
