package pbzx

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
)

func allocDuring(t *testing.T, f func()) uint64 {
	t.Helper()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// Blocks after the first used to allocate whatever dictionary they declared
// (a 1.3 KB pkg allocated 4 GiB). Every block is checked now.
func TestXZLaterBlockDict(t *testing.T) {
	s := hostile.XZ(hostile.XZBlock{Dict: 0, Data: []byte("first block")}, hostile.XZBlock{Dict: 40, Data: []byte("second")})
	var err error
	alloc := allocDuring(t, func() {
		var r io.Reader
		r, err = NewXZReader(bytes.NewReader(s), 0)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "xz: block at offset 40 declares a dictionary of 4294967295 bytes") {
		t.Fatalf("err = %v", err)
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d bytes", alloc)
	}
}

// Many tiny blocks each declaring the largest allowed dictionary: each
// would allocate it anew.
func TestXZManyBlockDicts(t *testing.T) {
	var blocks []hostile.XZBlock
	for i := 0; i < 100; i++ {
		blocks = append(blocks, hostile.XZBlock{Dict: 28, Data: []byte{byte(i)}}) // 64 MiB
	}
	s := hostile.XZ(blocks...)
	var err error
	alloc := allocDuring(t, func() {
		var r io.Reader
		r, err = NewXZReader(bytes.NewReader(s), 0)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "xz: block at offset ") || !strings.Contains(err.Error(), "dictionaries for 2 decoded bytes") {
		t.Fatalf("err = %v", err)
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d bytes", alloc)
	}
}

// Honest streams of several blocks, and of several streams with padding,
// decode as before.
func TestXZGuardHonest(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000)
	one := hostile.XZ(hostile.XZBlock{Dict: 0, Data: big}, hostile.XZBlock{Dict: 8, Data: []byte("tail")}, hostile.XZBlock{Dict: 0, Data: nil})
	two := append(append(append([]byte{}, one...), 0, 0, 0, 0), hostile.XZ(hostile.XZBlock{Dict: 16, Data: []byte("next stream")})...)
	want := append(append(append([]byte{}, big...), "tail"...), "next stream"...)
	r, err := NewXZReader(bytes.NewReader(two), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
}
