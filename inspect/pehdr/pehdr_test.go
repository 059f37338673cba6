package pehdr

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// testSection is one section of a synthetic PE file.
type testSection struct {
	name        string
	va, vsize   uint32
	raw, rawLen uint32
}

// buildPE writes a PE file: DOS header with e_lfanew 0x80, COFF header,
// an optional header (PE32 or PE32+) with 16 data directories, the section
// table, and each section's raw data filled with its first name byte. The
// certificate table directory points at cert (file offset) when certLen is
// not zero, and the file is extended to hold it.
func buildPE(plus bool, secs []testSection, cert, certLen uint32) []byte {
	const nt = 0x80
	optSize := 224
	if plus {
		optSize = 240
	}
	size := nt + 24 + optSize + 40*len(secs)
	for _, s := range secs {
		size = max(size, int(s.raw+s.rawLen))
	}
	size = max(size, int(cert+certLen))
	b := make([]byte, size)
	le := binary.LittleEndian
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], nt)
	copy(b[nt:], "PE\x00\x00")
	le.PutUint16(b[nt+4:], 0x14c)
	le.PutUint16(b[nt+6:], uint16(len(secs)))
	le.PutUint16(b[nt+20:], uint16(optSize))
	opt := nt + 24
	countAt := 92
	if plus {
		le.PutUint16(b[opt:], 0x20b)
		countAt = 108
	} else {
		le.PutUint16(b[opt:], 0x10b)
	}
	le.PutUint32(b[opt+64:], 0xc0ffee)
	le.PutUint32(b[opt+countAt:], 16)
	dirs := opt + countAt + 4
	le.PutUint32(b[dirs+8*DirSecurity:], cert)
	le.PutUint32(b[dirs+8*DirSecurity+4:], certLen)
	st := opt + optSize
	for i, s := range secs {
		e := b[st+40*i:]
		copy(e, s.name)
		le.PutUint32(e[8:], s.vsize)
		le.PutUint32(e[12:], s.va)
		le.PutUint32(e[16:], s.rawLen)
		le.PutUint32(e[20:], s.raw)
		for k := s.raw; k < s.raw+s.rawLen; k++ {
			b[k] = s.name[1]
		}
	}
	return b
}

var twoSections = []testSection{
	{".text", 0x1000, 0x180, 0x400, 0x200},
	{".wixburn", 0x2000, 0x40, 0x600, 0x200},
}

func TestParseSynthetic(t *testing.T) {
	for _, plus := range []bool{false, true} {
		b := buildPE(plus, twoSections, 0x1000, 0x100)
		h, err := Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		optSize := int64(224)
		magic := uint16(0x10b)
		dirAt := int64(0x80 + 24 + 96 + 32)
		if plus {
			optSize, magic, dirAt = 240, 0x20b, 0x80+24+112+32
		}
		if h.NTOffset != 0x80 || h.Magic != magic || h.OptionalOffset != 0x98 || h.OptionalSize != optSize ||
			h.ChecksumOffset != 0x98+64 || h.Checksum != 0xc0ffee || h.DirectoryCount != 16 || len(h.Directories) != 16 ||
			h.NumberOfSections != 2 || len(h.Sections) != 2 {
			t.Fatalf("plus=%v: header %+v", plus, h)
		}
		if got := h.DirectoryOffset(DirSecurity); got != dirAt {
			t.Errorf("plus=%v: security directory at %#x, want %#x", plus, got, dirAt)
		}
		if off, n := h.CertificateTable(); off != 0x1000 || n != 0x100 {
			t.Errorf("certificate table %#x+%d", off, n)
		}
		if s := h.Section(".wixburn"); s == nil || s.PointerToRawData != 0x600 || s.SizeOfRawData != 0x200 {
			t.Errorf(".wixburn %+v", s)
		}
		if got := h.OverlayOffset(); got != 0x800 {
			t.Errorf("overlay at %#x, want 0x800", got)
		}
		if off, ok := h.Offset(0x2010, 8); !ok || off != 0x610 {
			t.Errorf("Offset(0x2010) = %#x %v", off, ok)
		}
		if p := h.Bytes(b, 0x1000, 4); string(p) != "tttt" {
			t.Errorf("Bytes(0x1000) = %q", p)
		}
		// Past the virtual size of .text and before .wixburn: not mapped.
		if _, ok := h.Offset(0x1180, 1); ok {
			t.Error("RVA between sections mapped")
		}
		r, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil || !reflect.DeepEqual(r, h) {
			t.Errorf("Read differs from Parse: %+v %v", r, err)
		}
		hh, err := ReadHeaders(bytes.NewReader(b), int64(len(b)))
		if err != nil || hh.Sections != nil || hh.DirectoryOffset(DirSecurity) != dirAt {
			t.Errorf("ReadHeaders: %+v %v", hh, err)
		}
	}
}

func TestOverlayWithoutRawData(t *testing.T) {
	b := buildPE(false, []testSection{{".bss", 0x1000, 0x1000, 0, 0}}, 0, 0)
	h, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := h.OverlayOffset(), int64(0x80+24+224+40); got != want {
		t.Errorf("overlay at %#x, want the end of the section table %#x", got, want)
	}
	if h.DirectoryOffset(DirSecurity) < 0 {
		t.Error("no security directory entry")
	}
	if off, n := h.CertificateTable(); off != 0 || n != 0 {
		t.Errorf("unsigned file has certificate table %d+%d", off, n)
	}
}

func TestErrors(t *testing.T) {
	good := buildPE(false, twoSections, 0, 0)
	le := binary.LittleEndian
	for _, tc := range []struct {
		name string
		mut  func([]byte) []byte
		off  int64
		msg  string
	}{
		{"short", func(b []byte) []byte { return b[:0x3f] }, 0, "pe: at offset 0x0: no MZ header"},
		{"no MZ", func(b []byte) []byte { b[0] = 'X'; return b }, 0, "pe: at offset 0x0: no MZ header"},
		{"e_lfanew small", func(b []byte) []byte { le.PutUint32(b[0x3c:], 0x20); return b }, 0x3c,
			"pe: at offset 0x3c: NT header offset 0x20 does not point at a PE signature"},
		{"e_lfanew past end", func(b []byte) []byte { le.PutUint32(b[0x3c:], 0xffffff00); return b }, 0x3c,
			"pe: at offset 0x3c: NT header offset 0xffffff00 does not point at a PE signature"},
		{"no PE", func(b []byte) []byte { b[0x80] = 'X'; return b }, 0x3c,
			"pe: at offset 0x3c: NT header offset 0x80 does not point at a PE signature"},
		{"optional header", func(b []byte) []byte { le.PutUint16(b[0x80+20:], 0xffff); return b }, 0x80 + 20,
			"pe: at offset 0x94: optional header of 65535 bytes runs past the end of the file"},
		{"magic", func(b []byte) []byte { le.PutUint16(b[0x98:], 0x107); return b }, 0x98,
			"pe: at offset 0x98: unknown optional header magic 0x107"},
		{"sections", func(b []byte) []byte { le.PutUint16(b[0x86:], MaxSections+1); return b }, 0x86,
			"pe: at offset 0x86: 1025 sections (more than 1024)"},
		{"section table", func(b []byte) []byte { return b[:0x80+24+224+50] }, 0x80 + 24 + 224,
			"pe: at offset 0x178: section table of 2 entries runs past the end of the file"},
	} {
		b := tc.mut(bytes.Clone(good))
		for _, read := range []func([]byte) (*Header, error){
			Parse,
			func(b []byte) (*Header, error) { return Read(bytes.NewReader(b), int64(len(b))) },
		} {
			_, err := read(b)
			var e *Error
			if !errors.As(err, &e) || e.Layer() != "pe" || e.Offset() != tc.off || err.Error() != tc.msg {
				t.Errorf("%s: got %v, want %q at %#x", tc.name, err, tc.msg, tc.off)
			}
		}
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.n += int64(len(p))
	return c.r.ReadAt(p, off)
}

// Read reads the headers only, however large the file says it is, and
// passes read errors on at the offset of the part it was reading.
func TestReadBounded(t *testing.T) {
	b := buildPE(true, twoSections, 0, 0)
	b = append(b, make([]byte, 1<<20)...)
	c := &countingReaderAt{r: bytes.NewReader(b)}
	if _, err := Read(c, int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if want := int64(0x40 + 24 + 240 + 80); c.n != want {
		t.Errorf("read %d bytes, want %d", c.n, want)
	}
	// The reader is shorter than the size claimed: the section table read fails.
	short := b[:0x80+24+240+10]
	_, err := Read(bytes.NewReader(short), int64(len(b)))
	var e *Error
	if !errors.As(err, &e) || e.Off != 0x80+24+240 || !errors.Is(err, io.EOF) {
		t.Errorf("got %v", err)
	}
}

func TestIsPE(t *testing.T) {
	b := buildPE(false, twoSections, 0, 0)
	if !IsPE(b) || !IsPE(b[:0x84]) {
		t.Error("PE not recognised")
	}
	if IsPE(b[:0x83]) || IsPE([]byte("MZ")) || IsPE(append([]byte("MZ"), make([]byte, 100)...)) {
		t.Error("non-PE recognised")
	}
}

// Real files agree with debug/pe on the section table and the data
// directories.
func TestRealFiles(t *testing.T) {
	bundle, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "burn", "python-3.11.0-amd64.TRUNCATED.exe"))
	if err != nil {
		t.Fatal(err)
	}
	dll := testenv.ReadMaybeGz(t, filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "vcruntime140_1.dll.gz"))
	for name, b := range map[string][]byte{"bundle": bundle, "dll": dll} {
		h, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := pe.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: debug/pe: %v", name, err)
		}
		if len(h.Sections) != len(f.Sections) {
			t.Fatalf("%s: %d sections, debug/pe %d", name, len(h.Sections), len(f.Sections))
		}
		var overlay int64
		for i, s := range f.Sections {
			got := h.Sections[i]
			if got.Name != s.Name || got.VirtualAddress != s.VirtualAddress || got.VirtualSize != s.VirtualSize ||
				got.PointerToRawData != s.Offset || got.SizeOfRawData != s.Size {
				t.Errorf("%s: section %d %+v, debug/pe %+v", name, i, got, s.SectionHeader)
			}
			overlay = max(overlay, int64(s.Offset)+int64(s.Size))
		}
		if h.OverlayOffset() != overlay {
			t.Errorf("%s: overlay %#x, want %#x", name, h.OverlayOffset(), overlay)
		}
		var dirs [16]pe.DataDirectory
		switch o := f.OptionalHeader.(type) {
		case *pe.OptionalHeader32:
			dirs = o.DataDirectory
			if h.Magic != 0x10b || h.Checksum != o.CheckSum {
				t.Errorf("%s: magic %#x checksum %#x", name, h.Magic, h.Checksum)
			}
		case *pe.OptionalHeader64:
			dirs = o.DataDirectory
			if h.Magic != 0x20b || h.Checksum != o.CheckSum {
				t.Errorf("%s: magic %#x checksum %#x", name, h.Magic, h.Checksum)
			}
		}
		for i, d := range dirs {
			if got := h.Directory(i); got.RVA != d.VirtualAddress || got.Size != d.Size {
				t.Errorf("%s: directory %d %+v, debug/pe %+v", name, i, got, d)
			}
		}
		r, err := Read(bytes.NewReader(b), int64(len(b)))
		if err != nil || !reflect.DeepEqual(r, h) {
			t.Errorf("%s: Read differs from Parse: %v", name, err)
		}
	}
	// The bundle is signed; its certificate table lies past the truncated end.
	h, _ := Parse(bundle)
	if off, n := h.CertificateTable(); off <= int64(len(bundle)) || n == 0 {
		t.Errorf("bundle certificate table %d+%d", off, n)
	}
	if h.Section(".wixburn") == nil {
		t.Error("bundle has no .wixburn section")
	}
}
