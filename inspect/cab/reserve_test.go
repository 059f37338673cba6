package cab_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// withReserve rewrites a single cabinet without reserved areas into one with
// a header reserve of hdr bytes, folder reserves of fold bytes and data-block
// reserves of data bytes, all filled with junk. Data blocks and their
// checksums are kept as they are.
func withReserve(t *testing.T, in []byte, hdr, fold, data int) []byte {
	t.Helper()
	le := binary.LittleEndian
	if le.Uint16(in[30:])&0x7 != 0 {
		t.Fatal("input has reserves or set names")
	}
	nFolders := int(le.Uint16(in[26:]))
	coffFiles := int(le.Uint32(in[16:]))
	junk := func(n int) []byte { return bytes.Repeat([]byte{0xA5}, n) }

	var out bytes.Buffer
	out.Write(in[:36])
	out.Write([]byte{byte(hdr), byte(hdr >> 8), byte(fold), byte(data)})
	out.Write(junk(hdr))
	folderTab := out.Len()
	for i := 0; i < nFolders; i++ {
		out.Write(in[36+8*i : 36+8*i+8])
		out.Write(junk(fold))
	}
	newFiles := out.Len()
	out.Write(in[coffFiles:int(le.Uint32(in[36:]))]) // file table up to the first data block
	b := out.Bytes()
	for i := 0; i < nFolders; i++ {
		src := 36 + 8*i
		at := int(le.Uint32(in[src:]))
		blocks := int(le.Uint16(in[src+4:]))
		le.PutUint32(b[folderTab+i*(8+fold):], uint32(out.Len()))
		for k := 0; k < blocks; k++ {
			n := int(le.Uint16(in[at+4:]))
			out.Write(in[at : at+8])
			out.Write(junk(data))
			out.Write(in[at+8 : at+8+n])
			at += 8 + n
		}
		b = out.Bytes()
	}
	b = out.Bytes()
	le.PutUint32(b[8:], uint32(len(b)))
	le.PutUint32(b[16:], uint32(newFiles))
	le.PutUint16(b[30:], le.Uint16(b[30:])|0x0004)
	return b
}

// TestReservedAreas reads cabinets with header, folder and data-block
// reserves; cabextract is the oracle for the rewritten files.
func TestReservedAreas(t *testing.T) {
	for _, rel := range [][]string{{"cab", "normal_2files_2folders.cab"}, {"msi", "vcredis1.cab"}} {
		orig, err := os.ReadFile(fixture(t, rel...))
		if err != nil {
			t.Fatal(err)
		}
		b := withReserve(t, orig, 300, 9, 13)
		path := filepath.Join(t.TempDir(), "reserved.cab")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, errs := walkAll(t, c)
		for n, err := range errs {
			t.Errorf("%s: %v", n, err)
		}
		want := cabextract(t, path)
		sameEntries(t, "cabextract", got, want)
		sameEntries(t, "original", got, cabextract(t, fixture(t, rel...)))
	}
}
