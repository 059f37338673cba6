package cpio

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

type fact struct {
	size   int64
	sha256 string
}

func readAllMembers(t testing.TB, b []byte) (map[string]fact, []*Header, error) {
	r := NewReader(bytes.NewReader(b), nil)
	files := map[string]fact{}
	var hs []*Header
	for {
		h, err := r.Next()
		if err == io.EOF {
			return files, hs, nil
		}
		if err != nil {
			return files, hs, err
		}
		hs = append(hs, h)
		if !h.IsRegular() {
			continue
		}
		s := sha256.New()
		n, err := io.Copy(s, r)
		if err != nil {
			return files, hs, err
		}
		files[h.Name] = fact{n, hex.EncodeToString(s.Sum(nil))}
	}
}

func extract7zz(t *testing.T, archive []byte) map[string]fact {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(t.TempDir(), "a.cpio")
	os.WriteFile(in, archive, 0o644)
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-snl", "-o"+dir, in)
	got := map[string]fact{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(b)
		got[filepath.ToSlash(rel)] = fact{int64(len(b)), hex.EncodeToString(s[:])}
		return nil
	})
	return got
}

func compare(t *testing.T, name string, got, want map[string]fact) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: oracle extracted nothing", name)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %s: got %+v, 7zz %+v", name, p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %s not extracted by 7zz", name, p)
		}
	}
}

// realPayloads extracts the gzip cpio Payload and Scripts archives of the
// real packages with 7-Zip and gunzips them.
func realPayloads(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, pkg := range []string{"mumble-overlay-1.2.x.payload.xar", "nudge-launchagent-1.0.1.valid.pkg"} {
		dir := t.TempDir()
		testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+dir, testenv.Shared(t, "fixtures-real", "xar", pkg))
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || (d.Name() != "Payload" && d.Name() != "Scripts") {
				return err
			}
			f, _ := os.Open(p)
			defer f.Close()
			zr, err := gzip.NewReader(f)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			b, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, p)
			out[pkg+"/"+filepath.ToSlash(rel)] = b
			return nil
		})
	}
	return out
}

func TestRealPayloadsAgainst7zz(t *testing.T) {
	payloads := realPayloads(t)
	if len(payloads) != 5 {
		t.Fatalf("%d payload/scripts archives", len(payloads))
	}
	for name, b := range payloads {
		got, hs, err := readAllMembers(t, b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if hs[0].Format != FormatODC || hs[0].Name != "." || hs[0].RawName != "." {
			t.Errorf("%s: first member %+v", name, hs[0])
		}
		compare(t, name, got, extract7zz(t, b))
	}
}

func TestRealSymlink(t *testing.T) {
	b := realPayloads(t)["mumble-overlay-1.2.x.payload.xar/mumbleoverlay.pkg/Payload"]
	_, hs, err := readAllMembers(t, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if h.Name == "MumbleOverlay.osax/Contents/CodeResources" {
			if h.Type() != TypeSymlink || h.Linkname != "_CodeSignature/CodeResources" || h.Size != 28 {
				t.Errorf("symlink %+v", h)
			}
			return
		}
	}
	t.Error("symlink not found")
}

var genEntries = []pkgbuild.CpioEntry{
	pkgbuild.Dir("."),
	pkgbuild.Dir("./dir"),
	pkgbuild.File("./dir/a.txt", []byte("hello")),
	pkgbuild.File("./dir/b.bin", bytes.Repeat([]byte{0xff, 1, 2}, 1001)),
	pkgbuild.File("./empty", nil),
	pkgbuild.Symlink("./link", "dir/a.txt"),
}

func gen(t testing.TB, format string) []byte {
	var b bytes.Buffer
	if err := pkgbuild.WriteCpio(&b, format, genEntries); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGeneratedAgainst7zz(t *testing.T) {
	for _, format := range []string{"odc", "newc", "newc-crc"} {
		b := gen(t, format)
		got, hs, err := readAllMembers(t, b)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if len(hs) != len(genEntries) || hs[0].Format.String() != format {
			t.Fatalf("%s: %d members, format %v", format, len(hs), hs[0].Format)
		}
		if hs[5].Linkname != "dir/a.txt" {
			t.Errorf("%s: symlink %+v", format, hs[5])
		}
		compare(t, format, got, extract7zz(t, b))
	}
}

func mustFormatError(t *testing.T, err error) *FormatError {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Layer() != "cpio" {
		t.Fatalf("want cpio FormatError, got %v", err)
	}
	return fe
}

func TestMalformed(t *testing.T) {
	t.Run("newc crc", func(t *testing.T) {
		b := gen(t, "newc-crc")
		i := bytes.Index(b, []byte("hello"))
		b[i] = 'j'
		_, _, err := readAllMembers(t, b)
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("got %v", err)
		}
		// The error points at the member's header.
		if fe := mustFormatError(t, err); fe.Offset() != int64(bytes.LastIndex(b[:i], []byte("070702"))) {
			t.Errorf("offset %d", fe.Offset())
		}
	})
	t.Run("name overrun", func(t *testing.T) {
		b := gen(t, "odc")
		// Second member's name size claims more bytes than the stream has.
		second := bytes.Index(b[6:], []byte("070707")) + 6
		copy(b[second+59:], "777777")
		_, _, err := readAllMembers(t, b)
		if fe := mustFormatError(t, err); fe.Offset() != int64(second) {
			t.Errorf("offset %d, want %d: %v", fe.Offset(), second, err)
		}
		b = gen(t, "newc")[:200]
		_, _, err = readAllMembers(t, b)
		mustFormatError(t, err)
	})
	t.Run("no trailer", func(t *testing.T) {
		b := gen(t, "newc")
		i := bytes.Index(b, []byte("TRAILER!!!"))
		_, _, err := readAllMembers(t, b[:i-110])
		mustFormatError(t, err)
	})
	t.Run("data truncated", func(t *testing.T) {
		b := gen(t, "odc")
		i := bytes.Index(b, []byte{0xff, 1, 2})
		_, _, err := readAllMembers(t, b[:i+100])
		if fe := mustFormatError(t, err); fe.Offset() != int64(i+100) {
			t.Errorf("offset %d", fe.Offset())
		}
	})
	t.Run("size limit", func(t *testing.T) {
		r := NewReader(bytes.NewReader(gen(t, "odc")), &Options{MaxFileSize: 100})
		var err error
		for err == nil {
			_, err = r.Next()
		}
		mustFormatError(t, err)
	})
	t.Run("bad digits", func(t *testing.T) {
		b := gen(t, "newc")
		copy(b[6:], "zzzzzzzz")
		_, _, err := readAllMembers(t, b)
		if fe := mustFormatError(t, err); fe.Offset() != 6 {
			t.Errorf("offset %d", fe.Offset())
		}
	})
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{".": ".", "./": ".", "./a/b": "a/b", "/abs": "abs", "a/../b": "a/../b", ".//x": "x", "": "."} {
		if got := NormalizeName(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}

func FuzzCpio(f *testing.F) {
	for _, b := range realPayloads(f) {
		f.Add(b)
	}
	for _, format := range []string{"odc", "newc", "newc-crc"} {
		f.Add(gen(f, format))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), &Options{MaxFileSize: 1 << 20})
		for {
			h, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				mustFormatError(t, err)
				return
			}
			if _, err := io.Copy(io.Discard, r); err != nil {
				mustFormatError(t, err)
				return
			}
			_ = h
		}
	})
}
