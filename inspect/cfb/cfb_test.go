package cfb_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/cfb"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

type sizeHash struct {
	size int64
	sum  [32]byte
}

func realMSIs(t testing.TB) []string {
	return []string{
		testenv.Shared(t, "fixtures-real", "msi", "NUnit-2.5.2.9222.msi"),
		testenv.Shared(t, "fixtures-real", "msi", "msi_with_external_cab.msi"),
	}
}

// sevenZip extracts every stream with 7-Zip and returns the multiset of
// (size, sha256) of what it wrote.
func sevenZip(t *testing.T, path string) map[sizeHash]int {
	t.Helper()
	dir := t.TempDir()
	testenv.Run(t, "", testenv.Tool(t, "7zz"), "x", "-y", "-o"+dir, path)
	got := map[sizeHash]int{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got[sizeHash{int64(len(b)), sha256.Sum256(b)}]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// ours reads every stream and returns the same multiset.
func ours(t *testing.T, f *cfb.File) map[sizeHash]int {
	t.Helper()
	got := map[sizeHash]int{}
	for _, s := range f.Streams() {
		if s.Storage {
			continue
		}
		r, err := s.Open()
		if err != nil {
			t.Fatalf("%s: %v", s.Path, err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", s.Path, err)
		}
		if int64(len(b)) != s.Size {
			t.Fatalf("%s: read %d bytes, size %d", s.Path, len(b), s.Size)
		}
		got[sizeHash{s.Size, sha256.Sum256(b)}]++
	}
	return got
}

func openBytes(t *testing.T, b []byte) *cfb.File {
	t.Helper()
	f, err := cfb.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func compareSets(t *testing.T, name string, want, got map[sizeHash]int) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: oracle produced nothing", name)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: stream of %d bytes sha256 %x: oracle has %d, we have %d", name, k.size, k.sum[:6], n, got[k])
		}
	}
	for k, n := range got {
		if want[k] == 0 {
			t.Errorf("%s: we produce %d stream(s) of %d bytes sha256 %x the oracle does not", name, n, k.size, k.sum[:6])
		}
	}
}

func TestRealMSIsAgainst7zz(t *testing.T) {
	for _, p := range realMSIs(t) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := openBytes(t, b)
		compareSets(t, filepath.Base(p), sevenZip(t, p), ours(t, f))
		// Every MSI's root storage carries the MSI CLSID.
		if got := cfb.CLSIDString(f.Root().CLSID); got != "{000C1084-0000-0000-C000-000000000046}" {
			t.Errorf("%s: root CLSID %s", p, got)
		}
	}
}

// testStreams has streams for the mini stream, regular sectors, an empty
// stream and a sub-storage.
func testStreams(big int) []msibuild.CFBStream {
	pattern := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7) ^ seed
		}
		return b
	}
	return []msibuild.CFBStream{
		{Name: "small", Data: pattern(100, 1)},
		{Name: "cutoff-1", Data: pattern(4095, 2)},
		{Name: "cutoff", Data: pattern(4096, 3)},
		{Name: "big", Data: pattern(big, 4)},
		{Name: "empty", Data: []byte{}},
		{Name: "Sub", Storage: []msibuild.CFBStream{{Name: "inner", Data: pattern(777, 5)}, {Name: "inner2", Data: pattern(9000, 6)}}},
	}
}

func TestWriterAgainst7zz(t *testing.T) {
	for _, tc := range []struct {
		name  string
		major int
		big   int
	}{
		// 7.6 MB at 512-byte sectors needs more than 109 FAT sectors, so
		// the FAT is found through a DIFAT chain sector.
		{"v3-difat", 3, 7_600_000},
		{"v4", 4, 300_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			streams := testStreams(tc.big)
			b := msibuild.WriteCFB(tc.major, [16]byte{1, 2, 3}, streams)
			p := filepath.Join(t.TempDir(), "x.cfb")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			f := openBytes(t, b)
			if f.Major != tc.major {
				t.Errorf("major %d", f.Major)
			}
			want := sevenZip(t, p)
			// 7-Zip skips empty streams when it extracts? Count ours the same way.
			got := ours(t, f)
			compareSets(t, tc.name, want, got)
			// And both equal what was written.
			wrote := map[sizeHash]int{}
			var add func([]msibuild.CFBStream)
			add = func(l []msibuild.CFBStream) {
				for _, s := range l {
					if s.Storage != nil {
						add(s.Storage)
						continue
					}
					wrote[sizeHash{int64(len(s.Data)), sha256.Sum256(s.Data)}]++
				}
			}
			add(streams)
			compareSets(t, tc.name+" vs written", wrote, got)
			s, ok := f.Stream("Sub/inner2")
			if !ok || s.Size != 9000 {
				t.Errorf("Sub/inner2: %v %+v", ok, s)
			}
			if s, ok := f.Stream("Sub"); !ok || !s.Storage {
				t.Errorf("Sub is not a storage")
			}
		})
	}
}

func wantFormatError(t *testing.T, err error) {
	t.Helper()
	var fe *cfb.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("want *cfb.FormatError, got %T %v", err, err)
	}
	if fe.Layer() != "cfb" || fe.Offset() < 0 {
		t.Fatalf("error %q: layer %q offset %d", fe, fe.Layer(), fe.Offset())
	}
	t.Logf("%v", err)
}

// readAll opens and reads every stream, returning the first error.
func readAll(r io.ReaderAt, size int64) error {
	f, err := cfb.Open(r, size, nil)
	if err != nil {
		return err
	}
	for _, s := range f.Streams() {
		if s.Storage {
			continue
		}
		sr, err := s.Open()
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, sr); err != nil {
			return err
		}
	}
	return nil
}

func TestMalformed(t *testing.T) {
	le := binary.LittleEndian
	streams := []msibuild.CFBStream{{Name: "a", Data: bytes.Repeat([]byte("abcdefgh"), 1000)}, {Name: "b", Data: []byte("tiny")}}
	good := msibuild.WriteCFB(3, [16]byte{}, streams)
	if err := readAll(bytes.NewReader(good), int64(len(good))); err != nil {
		t.Fatal(err)
	}
	// Stream "a" (8000 bytes) occupies sectors 0..15 in writer layout; FAT
	// sector number is in the header's first DIFAT slot.
	fatAt := func(b []byte, i int) int {
		return (int(le.Uint32(b[76:]))+1)*512 + 4*i
	}
	t.Run("fat-cycle", func(t *testing.T) {
		b := bytes.Clone(good)
		le.PutUint32(b[fatAt(b, 5):], 2) // sector 5 -> 2: a loop inside the chain
		wantFormatError(t, readAll(bytes.NewReader(b), int64(len(b))))
	})
	t.Run("fat-beyond-file", func(t *testing.T) {
		b := bytes.Clone(good)
		le.PutUint32(b[fatAt(b, 3):], 100000)
		wantFormatError(t, readAll(bytes.NewReader(b), int64(len(b))))
	})
	t.Run("directory-cycle", func(t *testing.T) {
		b := bytes.Clone(good)
		dir := (int(le.Uint32(b[48:])) + 1) * 512
		le.PutUint32(b[dir+128+72:], 1) // entry 1's right sibling is itself
		wantFormatError(t, readAll(bytes.NewReader(b), int64(len(b))))
	})
	t.Run("bad-magic", func(t *testing.T) {
		b := bytes.Clone(good)
		b[0] = 0
		var fe *cfb.FormatError
		if err := readAll(bytes.NewReader(b), int64(len(b))); !errors.As(err, &fe) || fe.Offset() != 0 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		b, err := os.ReadFile(realMSIs(t)[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{600, 100_000, len(b) / 2, len(b) - 1000} {
			wantFormatError(t, readAll(bytes.NewReader(b[:n]), int64(n)))
		}
	})
}

// FuzzCFB: run with -fuzzminimizetime 100x; minimizing the ~40 KB seeds
// by time stalls the fuzzer for a minute per new input.
func FuzzCFB(f *testing.F) {
	// The 2.4 MB NUnit MSI is too large for the fuzzer to mutate usefully
	// (it stalls on it); its small streams are repacked into a compact
	// compound file instead, next to the 32 KB real v4 MSI.
	for _, p := range realMSIs(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) <= 64<<10 {
			f.Add(b)
			continue
		}
		small, err := msibuild.RepackSmall(b, 8192)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(small)
	}
	f.Add(msibuild.WriteCFB(3, [16]byte{}, testStreams(5000)))
	f.Add(msibuild.WriteCFB(4, [16]byte{}, testStreams(5000)))
	// Regression seeds of issue 14: storages nested past MaxDepth, and
	// nested up to it.
	f.Add(msibuild.WriteCFB(3, [16]byte{}, hostile.NestedStorages(cfb.MaxDepth+1, []msibuild.CFBStream{{Name: "x", Data: []byte("leaf")}})))
	f.Add(msibuild.WriteCFB(3, [16]byte{}, hostile.NestedStorages(cfb.MaxDepth-1, []msibuild.CFBStream{{Name: "x", Data: []byte("leaf")}})))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := cfb.Open(bytes.NewReader(b), int64(len(b)), &cfb.Options{MaxEntries: 4096})
		if err != nil {
			var fe *cfb.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range file.Streams() {
			if s.Storage {
				continue
			}
			r, err := s.Open()
			if err != nil {
				continue
			}
			n, err := io.Copy(io.Discard, r)
			if err == nil && n != s.Size {
				t.Fatalf("%s: read %d of %d bytes without error", s.Path, n, s.Size)
			}
			if err == nil && s.Size > 0 {
				if o := s.FileOffset(s.Size - 1); o >= int64(len(b)) {
					t.Fatalf("%s: last byte at offset %d, beyond the %d-byte file", s.Path, o, len(b))
				}
			}
		}
	})
}
