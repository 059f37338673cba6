package cab_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// bitWriter writes an LZX bit stream: bits most significant first into
// 16-bit little-endian words.
type bitWriter struct {
	out  []byte
	word uint32
	n    uint // bits in word
}

func (w *bitWriter) put(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.word = w.word<<1 | (v>>uint(i))&1
		w.n++
		if w.n == 16 {
			w.out = append(w.out, byte(w.word), byte(w.word>>8))
			w.word, w.n = 0, 0
		}
	}
}

// lzxStored encodes data as an LZX stream made only of uncompressed blocks
// of the given sizes (the last block takes the rest), with E8 translation
// announced for translationSize (0 = off). It returns the stream and, for
// each 32 KiB output frame, the stream offset where the frame's bytes end,
// which is where a cabinet writer cuts its data blocks.
func lzxStored(data []byte, sizes []int, translationSize uint32) ([]byte, []int) {
	w := &bitWriter{}
	if translationSize != 0 {
		w.put(1, 1)
		w.put(translationSize>>16, 16)
		w.put(translationSize&0xFFFF, 16)
	} else {
		w.put(0, 1)
	}
	var cuts []int
	pos := 0
	for i := 0; pos < len(data); i++ {
		n := len(data) - pos
		if i < len(sizes) && sizes[i] < n {
			n = sizes[i]
		}
		w.put(3, 3)
		w.put(uint32(n>>8), 16)
		w.put(uint32(n&0xFF), 8)
		// 1 to 16 bits of padding to the next word.
		w.put(0, 16-w.n)
		for r := 0; r < 3; r++ {
			w.out = binary.LittleEndian.AppendUint32(w.out, 1)
		}
		for k := 0; k < n; k++ {
			w.out = append(w.out, data[pos])
			pos++
			if pos%32768 == 0 || pos == len(data) {
				cuts = append(cuts, len(w.out))
			}
		}
		if n%2 == 1 {
			w.out = append(w.out, 0)
		}
	}
	return w.out, cuts
}

// lzxCabinet wraps an LZX stream into a one-file, one-folder cabinet with a
// data block per frame (no checksums).
func lzxCabinet(stream []byte, cuts []int, size int, window int) []byte {
	le := binary.LittleEndian
	name := "data.bin\x00"
	const hdr, fold, file = 36, 8, 16
	coffFiles := hdr + fold
	dataStart := coffFiles + file + len(name)
	b := make([]byte, dataStart)
	copy(b, "MSCF")
	le.PutUint32(b[16:], uint32(coffFiles))
	b[24], b[25] = 3, 1
	le.PutUint16(b[26:], 1)
	le.PutUint16(b[28:], 1)
	le.PutUint32(b[hdr:], uint32(dataStart))
	le.PutUint16(b[hdr+4:], uint16(len(cuts)))
	le.PutUint16(b[hdr+6:], uint16(3|window<<8))
	le.PutUint32(b[coffFiles:], uint32(size))
	le.PutUint16(b[coffFiles+10:], 0x5A21) // 2025-01-01
	copy(b[coffFiles+file:], name)
	prev := 0
	for i, cut := range cuts {
		out := 32768
		if i == len(cuts)-1 {
			out = size - 32768*i
		}
		var h [8]byte
		le.PutUint16(h[4:], uint16(cut-prev))
		le.PutUint16(h[6:], uint16(out))
		b = append(b, h[:]...)
		b = append(b, stream[prev:cut]...)
		prev = cut
	}
	le.PutUint32(b[8:], uint32(len(b)))
	return b
}

// TestLZXUncompressedBlocks checks LZX:21 uncompressed blocks of odd sizes
// that straddle frames and data blocks (cut at odd stream offsets), with E8
// translation of real x86 code, against cabextract and 7-Zip. No tool here
// writes LZX, so the stream is built by hand from the format's simplest
// block type; the oracles decide what it decodes to.
func TestLZXUncompressedBlocks(t *testing.T) {
	dir := t.TempDir()
	names := pythonDLLs(t, dir)
	var data []byte
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, b...)
		if len(data) > 200000 {
			break
		}
	}
	data = data[:200001]
	if bytes.Count(data, []byte{0xE8}) < 100 {
		t.Fatal("test data has too few E8 bytes to exercise translation")
	}
	for _, tc := range []struct {
		name  string
		sizes []int
		e8    uint32
	}{
		{"odd blocks, E8", []int{12345, 40001, 777, 32768, 1}, 12000000},
		{"one block, no E8", nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stream, cuts := lzxStored(data, tc.sizes, tc.e8)
			b := lzxCabinet(stream, cuts, len(data), 21)
			path := filepath.Join(t.TempDir(), "stored-lzx.cab")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, errs := walkAll(t, c)
			for n, err := range errs {
				t.Fatalf("%s: %v", n, err)
			}
			want := cabextract(t, path)
			sameEntries(t, "cabextract", got, want)
			sameEntries(t, "7zz", got, sevenZip(t, path))
			if tc.e8 == 0 {
				sameEntries(t, "input", got, map[string]entry{"data.bin": hashOf(data)})
			} else if got["data.bin"] == hashOf(data) {
				t.Error("E8 translation left the x86 code unchanged")
			}
			odd := 0
			for _, c := range cuts {
				odd += c % 2
			}
			if tc.sizes != nil && odd == 0 {
				t.Error("no data block ends at an odd stream offset")
			}
		})
	}
}

func hashOf(b []byte) entry {
	sum := sha256.Sum256(b)
	return entry{int64(len(b)), hex.EncodeToString(sum[:])}
}
