package cab_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

type storedFile struct {
	name      string
	off, size int64
}

// storedCabinet builds a cabinet of one stored folder holding data, listing
// files at any offsets (overlapping ones send the folder back to its start),
// and folders more folders that share the first one's data blocks.
func storedCabinet(data []byte, files []storedFile, folders int) []byte {
	le := binary.LittleEndian
	const hdr, fold, file = 36, 8, 16
	coffFiles := hdr + fold*folders
	var ft []byte
	for i, f := range files {
		var e [file]byte
		le.PutUint32(e[0:], uint32(f.size))
		le.PutUint32(e[4:], uint32(f.off))
		le.PutUint16(e[8:], uint16(i%folders))
		le.PutUint16(e[10:], 0x5A21)
		ft = append(ft, e[:]...)
		ft = append(ft, f.name...)
		ft = append(ft, 0)
	}
	dataStart := coffFiles + len(ft)
	blocks := (len(data) + 32767) / 32768
	b := make([]byte, hdr+fold*folders)
	copy(b, "MSCF")
	le.PutUint32(b[16:], uint32(coffFiles))
	b[24], b[25] = 3, 1
	le.PutUint16(b[26:], uint16(folders))
	le.PutUint16(b[28:], uint16(len(files)))
	for i := 0; i < folders; i++ {
		le.PutUint32(b[hdr+fold*i:], uint32(dataStart))
		le.PutUint16(b[hdr+fold*i+4:], uint16(blocks))
	}
	b = append(b, ft...)
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 32768)
		var h [8]byte
		le.PutUint16(h[4:], uint16(n))
		le.PutUint16(h[6:], uint16(n))
		b = append(b, h[:]...)
		b = append(b, rest[:n]...)
		rest = rest[n:]
	}
	le.PutUint32(b[8:], uint32(len(b)))
	return b
}

// TestRestartBomb: thousands of one-byte files at the end of a folder, each
// behind the previous one's end, restart the folder every time: a 160 KB
// cabinet used to decode 328 MB (137 KB → 64 GB with larger folders). Walk
// now refuses it before decoding anything, naming the folder's offset.
func TestRestartBomb(t *testing.T) {
	const s = 64 << 10
	data := bytes.Repeat([]byte("restart!"), s/8)
	files := []storedFile{{"a", 0, s}}
	for i := 0; i < 5000; i++ {
		files = append(files, storedFile{fmt.Sprintf("%d", i), s - 1, 1})
	}
	b := storedCabinet(data, files, 1)
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
	b = storedCabinet(data, files[:2001], 1000)
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
	files := []storedFile{{"all", 0, 100000}, {"mid", 50000, 10}, {"tail", 99990, 10}}
	b := storedCabinet(data, files, 1)
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
