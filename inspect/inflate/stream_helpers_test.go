package inflate

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"testing"
)

// chunkReader gives at most n bytes per Read, to make a Reader stop for
// input anywhere.
type chunkReader struct {
	b []byte
	n int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	k := copy(p[:min(len(p), c.n)], c.b)
	c.b = c.b[k:]
	return k, nil
}

// readSizes reads r to its end through Read buffers whose sizes mode
// picks: 1, 7, 4096 bytes, or random sizes seeded by mode.
func readSizes(r io.Reader, mode byte) ([]byte, error) {
	sizes := []int{1, 7, 4096, 0}
	size := sizes[int(mode)%len(sizes)]
	rng := rand.New(rand.NewPCG(uint64(mode), 2))
	var out []byte
	buf := make([]byte, 70000)
	for {
		n := size
		if n == 0 {
			n = 1 + rng.IntN(len(buf))
		}
		k, err := r.Read(buf[:n])
		out = append(out, buf[:k]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// source wraps data as the Reader's input, whole or in chunks of a size
// mode picks.
func source(data []byte, mode byte) io.Reader {
	switch mode % 4 {
	case 1:
		return &chunkReader{b: data, n: 1}
	case 2:
		return &chunkReader{b: data, n: 1 + int(mode)%1000}
	}
	return bytes.NewReader(data)
}

func deflate(t testing.TB, data []byte, level int) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// stdReadAll decodes stream with compress/flate.
func stdReadAll(stream []byte) ([]byte, error) {
	return io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
}

// gzipMember is one hand-made gzip member, so that tests can set every
// header flag (compress/gzip's writer sets no FHCRC).
type gzipMember struct {
	data            []byte
	level           int
	name, comment   string
	extra           []byte
	hcrc            bool
	badCRC, badSize bool
}

func (m gzipMember) bytes(t testing.TB) []byte {
	h := []byte{0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 0, 3}
	if m.extra != nil {
		h[3] |= gzipFlagExtra
		h = binary.LittleEndian.AppendUint16(h, uint16(len(m.extra)))
		h = append(h, m.extra...)
	}
	if m.name != "" {
		h[3] |= gzipFlagName
		h = append(append(h, m.name...), 0)
	}
	if m.comment != "" {
		h[3] |= gzipFlagComment
		h = append(append(h, m.comment...), 0)
	}
	if m.hcrc {
		h[3] |= gzipFlagHCRC
		h = binary.LittleEndian.AppendUint16(h, uint16(crc32.ChecksumIEEE(h)))
	}
	h = append(h, deflate(t, m.data, m.level)...)
	sum, size := crc32.ChecksumIEEE(m.data), uint32(len(m.data))
	if m.badCRC {
		sum++
	}
	if m.badSize {
		size++
	}
	h = binary.LittleEndian.AppendUint32(h, sum)
	return binary.LittleEndian.AppendUint32(h, size)
}
