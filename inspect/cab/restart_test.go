package cab_test

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// TestRestartBomb: thousands of one-byte files at the end of a folder, each
// behind the previous one's end, restart the folder every time: a 160 KB
// cabinet used to decode 328 MB (137 KB → 64 GB with larger folders). Walk
// now refuses it before decoding anything, naming the folder's offset.
func TestRestartBomb(t *testing.T) {
	const s = 64 << 10
	data := bytes.Repeat([]byte("restart!"), s/8)
	files := hostile.RestartFiles(s, 5000)
	b := hostile.StoredCabinet(data, files, 1)
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	c, err := cab.Open(bytes.NewReader(b), int64(len(b)), &cab.Options{MaxTotalBytes: 8 << 30, MaxFolderBytes: 8 << 30, MaxRatio: 1000})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
		calls++
		if r != nil {
			io.Copy(io.Discard, r)
		}
		return nil
	})
	runtime.ReadMemStats(&m1)
	var le *cab.LimitError
	if !errors.As(err, &le) || le.Limit != "MaxRatio" || calls != 0 || !strings.Contains(err.Error(), "0x") {
		t.Fatalf("walk returned %v after %d callbacks (cabinet of %d bytes)", err, calls, len(b))
	}
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 256<<20 {
		t.Fatalf("allocated %d bytes", d)
	}
	t.Logf("%d-byte cabinet: %v", len(b), err)

	// Shared data blocks: many folders each restarting over the same run.
	b = hostile.StoredCabinet(data, files[:2001], 1000)
	c, err = cab.Open(bytes.NewReader(b), int64(len(b)), &cab.Options{MaxTotalBytes: 8 << 30, MaxFolderBytes: 8 << 30, MaxRatio: 1000})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error { calls++; return nil })
	if !errors.As(err, &le) || calls != 0 {
		t.Fatalf("shared folders: walk returned %v after %d callbacks", err, calls)
	}
}

// TestRestartCharge: a small restart still decodes every file correctly,
// and the bytes it skips are charged once, before decoding.
func TestRestartCharge(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 10000))
	files := []hostile.CabFile{{Name: "all", Off: 0, Size: 100000}, {Name: "mid", Off: 50000, Size: 10}, {Name: "tail", Off: 99990, Size: 10}}
	b := hostile.StoredCabinet(data, files, 1)
	for _, workers := range []int{1, 4} {
		var charged []int64
		c, err := cab.Open(bytes.NewReader(b), int64(len(b)), &cab.Options{Workers: workers, Charge: func(n int64) error { charged = append(charged, n); return nil }})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
			if err != nil {
				return err
			}
			p, err := io.ReadAll(r)
			got[f.Name] = string(p)
			return err
		})
		if err != nil || len(charged) != 1 || charged[0] != 50000+99990-50010 {
			t.Fatalf("walk %v, charged %v", err, charged)
		}
		if got["all"] != string(data) || got["mid"] != "0123456789" || got["tail"] != "0123456789" {
			t.Fatalf("wrong bytes")
		}
		stop := errors.New("budget")
		c, _ = cab.Open(bytes.NewReader(b), int64(len(b)), &cab.Options{Workers: workers, Charge: func(n int64) error { return stop }})
		if err := c.Walk(func(*cab.File, io.Reader, error) error { t.Fatal("callback"); return nil }); err != stop {
			t.Fatalf("charge error: walk returned %v", err)
		}
	}
}
