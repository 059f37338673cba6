package pkg

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"
)

// gzipped compresses b with the standard library's writer.
func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Gzip payloads share pooled buffers: a payload left half read, one whose
// data is corrupt and one read to its end, in turn, each decode exactly
// their own bytes, and a reader used after Close says so instead of
// reading a buffer that now serves another payload.
func TestPooledGzipPayloads(t *testing.T) {
	a := bytes.Repeat([]byte("0707 payload A "), 20000)
	b := bytes.Repeat([]byte("0707 payload B, other bytes "), 9000)
	corrupt := gzipped(t, b)
	corrupt[len(corrupt)/2] ^= 0xff
	for round := 0; round < 3; round++ {
		r, format, err := DecodePayload(bytes.NewReader(gzipped(t, a)), nil)
		if err != nil || format != CompressionGzip {
			t.Fatalf("A: %v %q", err, format)
		}
		half := make([]byte, len(a)/2)
		if _, err := io.ReadFull(r, half); err != nil || !bytes.Equal(half, a[:len(half)]) {
			t.Fatalf("A's first half: %v", err)
		}
		r.(io.Closer).Close()
		if _, err := r.Read(half); err == nil {
			t.Fatal("a payload reader read after Close")
		}

		r, _, err = DecodePayload(bytes.NewReader(corrupt), nil)
		if err == nil {
			_, err = io.ReadAll(r)
			r.(io.Closer).Close()
		}
		if err == nil {
			t.Fatal("a corrupt payload decoded without an error")
		}

		r, _, err = DecodePayload(bytes.NewReader(gzipped(t, b)), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.(io.Closer).Close()
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("B after A and a corrupt payload: %v, %d bytes, want %d", err, len(got), len(b))
		}
	}
}
