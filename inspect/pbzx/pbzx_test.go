package pbzx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/ulikunitz/xz"
)

// sample mixes compressible text and incompressible noise so that the
// writer emits both xz and stored chunks.
func sample() []byte {
	var b bytes.Buffer
	for i := 0; i < 3000; i++ {
		b.WriteString("the quick brown fox jumps over the lazy dog\n")
	}
	noise := make([]byte, 70000)
	rand.New(rand.NewSource(1)).Read(noise)
	b.Write(noise)
	b.WriteString("tail")
	return b.Bytes()
}

func encode(t testing.TB, data []byte, chunk int) []byte {
	var b bytes.Buffer
	if err := pkgbuild.WritePbzx(&b, data, chunk); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type chunkInfo struct{ off, size, length int64 }

func chunks(b []byte) []chunkInfo {
	var cs []chunkInfo
	for off := int64(12); off+16 <= int64(len(b)); {
		size := int64(binary.BigEndian.Uint64(b[off:]))
		length := int64(binary.BigEndian.Uint64(b[off+8:]))
		cs = append(cs, chunkInfo{off, size, length})
		off += 16 + length
	}
	return cs
}

func TestRoundTrip(t *testing.T) {
	data := sample()
	b := encode(t, data, 65536)
	cs := chunks(b)
	var stored, packed int
	for _, c := range cs {
		if c.size == c.length {
			stored++
		} else {
			packed++
		}
	}
	if stored == 0 || packed == 0 {
		t.Fatalf("want both chunk kinds, got %d stored %d xz", stored, packed)
	}
	r, err := NewReader(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.ChunkSize() != 65536 {
		t.Errorf("chunk size %d", r.ChunkSize())
	}
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("round trip: %d bytes, want %d", len(got), len(data))
	}
}

func mustFormatError(t *testing.T, err error) *FormatError {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Layer() != "pbzx" {
		t.Fatalf("want pbzx FormatError, got %v", err)
	}
	return fe
}

func decode(b []byte) error {
	r, err := NewReader(bytes.NewReader(b), nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, r)
	return err
}

func TestMalformed(t *testing.T) {
	good := encode(t, sample(), 65536)
	cs := chunks(good)
	first := cs[0] // xz chunk (text)
	if first.size == first.length {
		t.Fatal("first chunk should be xz")
	}
	t.Run("size lie", func(t *testing.T) {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint64(b[first.off:], uint64(first.size-1))
		if fe := mustFormatError(t, decode(b)); fe.Offset() != first.off {
			t.Errorf("offset %d", fe.Offset())
		}
		binary.BigEndian.PutUint64(b[first.off:], uint64(first.size+1))
		mustFormatError(t, decode(b)) // larger than the header's chunk size
	})
	t.Run("length lie", func(t *testing.T) {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint64(b[first.off+8:], uint64(first.length-5))
		if fe := mustFormatError(t, decode(b)); fe.Offset() != first.off {
			t.Errorf("offset %d: %v", fe.Offset(), fe)
		}
		b = bytes.Clone(good)
		binary.BigEndian.PutUint64(b[first.off+8:], 1<<40)
		if fe := mustFormatError(t, decode(b)); fe.Offset() != first.off+8 {
			t.Errorf("offset %d", fe.Offset())
		}
	})
	t.Run("truncated", func(t *testing.T) {
		last := cs[len(cs)-1]
		mustFormatError(t, decode(good[:last.off+10]))
		mustFormatError(t, decode(good[:last.off+20]))
		mustFormatError(t, decode(good[:5]))
	})
	t.Run("not xz", func(t *testing.T) {
		b := bytes.Clone(good)
		b[first.off+16] = 0
		if fe := mustFormatError(t, decode(b)); fe.Offset() != first.off+16 {
			t.Errorf("offset %d", fe.Offset())
		}
	})
	t.Run("huge dictionary", func(t *testing.T) {
		var z bytes.Buffer
		zw, _ := xz.WriterConfig{DictCap: 128 << 20}.NewWriter(&z)
		zw.Write([]byte("small"))
		zw.Close()
		_, err := NewXZReader(bytes.NewReader(z.Bytes()), 0)
		if err == nil {
			t.Fatal("128 MiB dictionary accepted")
		}
		r, err := NewXZReader(bytes.NewReader(z.Bytes()), 256<<20)
		if err != nil {
			t.Fatal(err)
		}
		if b, err := io.ReadAll(r); err != nil || string(b) != "small" {
			t.Fatalf("%q %v", b, err)
		}
	})
}

func FuzzPbzx(f *testing.F) {
	f.Add(encode(f, sample(), 65536))
	f.Add(encode(f, []byte("0707070000000000000000000000000000000000010000000000000000000001300000000000TRAILER!!!\x00"), 16))
	f.Fuzz(func(t *testing.T, b []byte) {
		// The sequential reader is the reference; the parallel one must
		// give the same bytes and the same error.
		seq := decodeWith(b, 1)
		if seq.errVal != nil {
			mustFormatError(t, seq.errVal)
		}
		sameResult(t, "3 workers", decodeWith(b, 3), seq)
	})
}
