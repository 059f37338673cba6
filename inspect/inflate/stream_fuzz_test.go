package inflate

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"testing"
)

// FuzzReader checks the streaming Reader against compress/flate. The first
// two bytes steer the run: how the input arrives and the sizes of the
// Read buffers (so that decoding stops anywhere), and the compression
// level. The rest, the payload, is used twice:
//
//   - as a raw deflate stream: both decoders give the same bytes, or both
//     fail;
//   - compressed by compress/flate, which must decode to itself.
func FuzzReader(f *testing.F) {
	text := []byte("streams refer back into the window; streams refer back. ")
	bin := testData(5000, 11)
	var fixed bitWriter
	fixed.header(false, 1)
	fixed.fixedLits("abcdefgh")
	fixed.fixedMatch(20, 8)
	fixed.fixedMatch(258, 1)
	fixed.fixedSym(256)
	fixed.stored(false, []byte("abc"), ^uint16(3))
	fixed.stored(true, nil, 0xffff)
	seeds := [][]byte{nil, text, bin, fixed.bytes(), bytes.Repeat(text, 1000)}
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, 1, 6, 9} {
		seeds = append(seeds, deflate(f, bin, level))
	}
	for i, s := range seeds {
		f.Add(append([]byte{byte(i), byte(i * 7)}, s...))
	}

	levels := []int{flate.NoCompression, flate.HuffmanOnly, 1, 4, 6, 9}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		ctl, payload := data[:2], data[2:]
		want, stdErr := stdReadAll(payload)
		got, err := readSizes(NewReader(source(payload, ctl[0])), ctl[0]>>2)
		switch {
		case err == nil && stdErr != nil:
			t.Fatalf("decoded, but compress/flate fails: %v", stdErr)
		case err != nil && stdErr == nil:
			t.Fatalf("compress/flate decodes, but: %v", err)
		case err == nil && !bytes.Equal(got, want):
			t.Fatal("output differs from compress/flate")
		}

		plain := bytes.Repeat(payload, 1+int(ctl[1]>>4))
		stream := deflate(t, plain, levels[int(ctl[1]&15)%len(levels)])
		got, err = readSizes(NewReader(source(stream, ctl[0])), ctl[0]>>2)
		if err != nil {
			t.Fatalf("round trip: after %d bytes: %v", len(got), err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatal("round trip: output differs from the input")
		}
	})
}

// FuzzGzipReader checks the GzipReader against compress/gzip, on the
// payload as a gzip stream and on members made of it with header fields
// that the control byte picks, concatenated.
func FuzzGzipReader(f *testing.F) {
	bin := testData(3000, 12)
	seeds := [][]byte{
		nil,
		gzipMember{data: bin, level: 6, name: "n", comment: "c", extra: []byte{1, 2}, hcrc: true}.bytes(f),
		append(gzipMember{data: bin, level: 1}.bytes(f), gzipMember{data: nil, level: 9}.bytes(f)...),
		append(gzipMember{data: bin, level: 1}.bytes(f), 0, 0),
		gzipMember{data: bin, level: 1, badCRC: true}.bytes(f),
	}
	for i, s := range seeds {
		f.Add(append([]byte{byte(i), byte(i * 13)}, s...))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		ctl, payload := data[:2], data[2:]
		check := func(what string, stream []byte) []byte {
			want, stdErr := stdGunzip(stream)
			var got []byte
			g, err := NewGzipReader(source(stream, ctl[0]))
			if err == nil {
				got, err = readSizes(g, ctl[0]>>2)
			}
			switch {
			case err == nil && stdErr != nil:
				t.Fatalf("%s: decoded, but compress/gzip fails: %v", what, stdErr)
			case err != nil && stdErr == nil:
				t.Fatalf("%s: compress/gzip decodes, but: %v", what, err)
			case err == nil && !bytes.Equal(got, want):
				t.Fatalf("%s: output differs from compress/gzip", what)
			}
			return got
		}
		check("payload", payload)

		half := len(payload) / 2
		c := ctl[1]
		m1 := gzipMember{data: payload[:half], level: int(c%10) - 2}
		m2 := gzipMember{data: payload[half:], level: 6, hcrc: c&0x10 != 0}
		if c&0x20 != 0 {
			m1.name = string(bytes.ReplaceAll(payload[:min(half, 600)], []byte{0}, nil))
		}
		if c&0x40 != 0 {
			m2.comment, m2.extra = "comment", payload[:min(half, 100)]
		}
		stream := append(m1.bytes(t), m2.bytes(t)...)
		if c&0x80 != 0 {
			stream = stream[:len(stream)-int(c%8)] // truncated
		}
		check("members", stream)
	})
}

func stdGunzip(stream []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(stream))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
