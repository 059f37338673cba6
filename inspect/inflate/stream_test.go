package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReaderRoundTrip(t *testing.T) {
	data := testData(700_000, 3) // the window slides many times
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, 1, 6, 9} {
		stream := deflate(t, data, level)
		for _, mode := range []byte{0, 1, 2, 3, 6, 9} {
			t.Run(fmt.Sprintf("level=%d/mode=%d", level, mode), func(t *testing.T) {
				if mode%4 == 1 && level != 6 {
					t.Skip("one-byte input: one level is enough")
				}
				got, err := readSizes(NewReader(source(stream, mode)), mode)
				if err != nil {
					t.Fatalf("after %d bytes: %v", len(got), err)
				}
				if !bytes.Equal(got, data) {
					t.Fatal("output differs from the input")
				}
			})
		}
	}
}

// A Reader's state must not leak through Reset, and input after the
// stream's end is ignored.
func TestReaderReset(t *testing.T) {
	a, b := testData(100_000, 4), testData(50_000, 5)
	sa, sb := deflate(t, a, 6), deflate(t, b, 1)
	z := NewReader(bytes.NewReader(append(sa, "trailing"...)))
	if got, err := io.ReadAll(z); err != nil || !bytes.Equal(got, a) {
		t.Fatalf("first stream: %v", err)
	}
	if n, err := z.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("after the end: %d, %v", n, err)
	}
	z.Reset(bytes.NewReader(sb))
	if got, err := io.ReadAll(z); err != nil || !bytes.Equal(got, b) {
		t.Fatalf("after Reset: %v", err)
	}
}

func TestReaderLargeStored(t *testing.T) {
	var w bitWriter
	big := testData(65535, 6)
	w.stored(false, big, ^uint16(len(big)))
	w.stored(false, nil, 0xffff)
	w.stored(true, big[:1000], ^uint16(1000))
	want := append(append([]byte{}, big...), big[:1000]...)
	for _, mode := range []byte{0, 1, 2, 3} {
		got, err := readSizes(NewReader(source(w.bytes(), mode)), mode)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("mode %d: %v", mode, err)
		}
	}
}

func TestReaderErrors(t *testing.T) {
	stream := deflate(t, testData(200_000, 7), 6)
	var typ3 bitWriter
	typ3.header(true, 3)
	var far bitWriter
	far.header(true, 1)
	far.fixedLits("ab")
	far.fixedMatch(3, 3)
	far.fixedSym(256)
	var stored bitWriter
	stored.stored(true, []byte("abc"), 3)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"truncated", stream[:len(stream)/2], io.ErrUnexpectedEOF},
		{"last byte missing", stream[:len(stream)-1], io.ErrUnexpectedEOF},
		{"block type 3", typ3.bytes(), errBlockType},
		{"distance too far", far.bytes(), errDistance},
		{"stored length", stored.bytes(), errStoredLen},
	} {
		for _, mode := range []byte{0, 1, 2} {
			_, err := readSizes(NewReader(source(tc.in, mode)), 3)
			if err != tc.want {
				t.Errorf("%s, mode %d: got %v, want %v", tc.name, mode, err, tc.want)
			}
		}
	}
}

// A read error is passed through, but only once the input is needed.
func TestReaderSourceError(t *testing.T) {
	data := testData(100_000, 8)
	stream := deflate(t, data, 6)
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(stream[:1000]), iotest.ErrReader(boom))
	if _, err := io.ReadAll(NewReader(r)); err != boom {
		t.Fatalf("got %v, want the source's error", err)
	}
	r = iotest.DataErrReader(bytes.NewReader(stream))
	if got, err := io.ReadAll(NewReader(r)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("data with io.EOF: %v", err)
	}
}

func TestGzipReader(t *testing.T) {
	a, b := testData(300_000, 9), testData(1000, 10)
	members := []gzipMember{
		{data: a, level: 6, name: "a.cpio", comment: "comment", extra: []byte("xyzw"), hcrc: true},
		{data: nil, level: 1},
		{data: b, level: 9, name: strings.Repeat("n", 511)},
		{data: b, level: flate.NoCompression, extra: make([]byte, 70000)[:65535]},
	}
	var stream, want []byte
	for _, m := range members {
		stream = append(stream, m.bytes(t)...)
		want = append(want, m.data...)
	}
	for _, mode := range []byte{0, 1, 2, 3} {
		g, err := NewGzipReader(source(stream, mode))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readSizes(g, mode)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("mode %d: %v", mode, err)
		}
	}
	// compress/gzip agrees on the hand-made stream.
	zr, err := gzip.NewReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("compress/gzip: %v", err)
	}
}

func TestGzipReaderErrors(t *testing.T) {
	good := gzipMember{data: []byte("hello, hello, hello"), level: 6, name: "x"}.bytes(t)
	badHCRC := gzipMember{data: []byte("x"), level: 6, hcrc: true}.bytes(t)
	badHCRC[10]++
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"short header", good[:5], io.ErrUnexpectedEOF},
		{"not gzip", []byte("0707070000000000"), ErrGzipHeader},
		{"method", append([]byte{0x1f, 0x8b, 7}, good[3:]...), ErrGzipHeader},
		{"name unterminated", good[:12], io.ErrUnexpectedEOF},
		{"long name", gzipMember{data: []byte("x"), name: strings.Repeat("n", 512)}.bytes(t), ErrGzipHeader},
		{"header crc", badHCRC, ErrGzipHeader},
		{"data crc", gzipMember{data: []byte("abc"), level: 1, badCRC: true}.bytes(t), ErrGzipChecksum},
		{"size", gzipMember{data: []byte("abc"), level: 1, badSize: true}.bytes(t), ErrGzipChecksum},
		{"no trailer", good[:len(good)-8], io.ErrUnexpectedEOF},
		{"short trailer", good[:len(good)-3], io.ErrUnexpectedEOF},
		{"truncated data", good[:len(good)-12], io.ErrUnexpectedEOF},
		{"garbage after", append(append([]byte{}, good...), make([]byte, 20)...), ErrGzipHeader},
		{"short garbage", append(append([]byte{}, good...), 0x1f), io.ErrUnexpectedEOF},
	} {
		for _, mode := range []byte{0, 1, 2} {
			var err error
			g, err := NewGzipReader(source(tc.in, mode))
			if err == nil {
				_, err = readSizes(g, 3)
			}
			if err != tc.want {
				t.Errorf("%s, mode %d: got %v, want %v", tc.name, mode, err, tc.want)
			}
			// compress/gzip fails too, with the same error.
			var stdErr error
			zr, stdErr := gzip.NewReader(bytes.NewReader(tc.in))
			if stdErr == nil {
				_, stdErr = io.ReadAll(zr)
			}
			if stdErr == nil || stdErr.Error() != err.Error() {
				t.Errorf("%s: compress/gzip says %v", tc.name, stdErr)
			}
		}
	}
}
