package nsis

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/nsisbuild"
)

// bzip2Stream builds a solid bzip2 installer of contents with makensis and
// returns its NSIS bzip2 stream (the data after the firstheader, before the
// CRC), which decodes to [header length][header][file length][file]...
func bzip2Stream(t testing.TB, contents map[string][]byte) []byte {
	t.Helper()
	dir := t.TempDir()
	spec := nsisbuild.Spec{Compressor: "bzip2", Solid: true}
	for name, b := range contents {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		spec.Files = append(spec.Files, nsisbuild.File{Src: p})
	}
	exe, err := os.ReadFile(nsisbuild.BuildT(t, dir, "bz.exe", spec))
	if err != nil {
		t.Fatal(err)
	}
	fh, err := locate(bytes.NewReader(exe), int64(len(exe)))
	if err != nil {
		t.Fatal(err)
	}
	return exe[fh.Offset+firstHeaderSize : fh.Offset+fh.ArchiveSize-4]
}

// The decoder reads makensis's bzip2 across several 900,000-byte blocks,
// runs longer than the run-length stage's 4+255, and every byte value; a
// stream cut short or corrupted fails instead of inventing bytes.
func TestBzip2(t *testing.T) {
	big := make([]byte, 2_500_000) // three blocks
	x := uint32(1)
	for i := range big {
		x = x*1103515245 + 12345
		big[i] = byte(x >> 24 & 0x0f) // compressible, all 16 values
	}
	copy(big[1000:], bytes.Repeat([]byte{7}, 5000)) // a long run
	every := make([]byte, 256*3)
	for i := range every {
		every[i] = byte(i)
	}
	stream := bzip2Stream(t, map[string][]byte{"big.bin": big, "every.bin": every})
	out, err := io.ReadAll(newBzip2Reader(bufio.NewReader(bytes.NewReader(stream))))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, big) || !bytes.Contains(out, every) {
		t.Fatalf("decoded %d bytes without the files", len(out))
	}
	if _, err := io.ReadAll(newBzip2Reader(bufio.NewReader(bytes.NewReader(stream[:len(stream)/2])))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut stream: %v", err)
	}
	bad := bytes.Clone(stream)
	bad[0] = 0x32
	if _, err := io.ReadAll(newBzip2Reader(bufio.NewReader(bytes.NewReader(bad)))); err == nil {
		t.Error("bad block magic accepted")
	}
}

// FuzzBzip2 feeds streams to the NSIS bzip2 decoder: no panic, no hang, at
// most one 900,000-byte block held.
func FuzzBzip2(f *testing.F) {
	f.Add(bzip2Stream(f, map[string][]byte{"a.txt": []byte("alpha alpha alpha"), "b.bin": bytes.Repeat([]byte("abcd"), 300)}))
	f.Add([]byte{0x31, 0, 0, 0, 0x17})
	f.Fuzz(func(t *testing.T, data []byte) {
		z := newBzip2Reader(bufio.NewReader(bytes.NewReader(data)))
		io.CopyN(io.Discard, z, 8<<20)
		if cap(z.tt) > bzMaxBlock {
			t.Fatalf("block buffer of %d entries", cap(z.tt))
		}
	})
}
