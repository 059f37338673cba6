package pbzx

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
	"testing"
)

// xzBlock is one block of a hand-built xz stream: its LZMA2 dictionary
// property byte and the bytes it stores (as LZMA2 uncompressed chunks).
type xzBlock struct {
	dictProp byte
	data     []byte
}

// buildXZ writes a valid xz stream (check type none) of the given blocks.
func buildXZ(blocks []xzBlock) []byte {
	var b bytes.Buffer
	le := binary.LittleEndian
	flags := []byte{0, 0}
	b.Write(XZMagic)
	b.Write(flags)
	b.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(flags)))
	type rec struct{ unpadded, size uint64 }
	var recs []rec
	for _, blk := range blocks {
		h := []byte{2, 0, 0x21, 1, blk.dictProp, 0, 0, 0}
		h = le.AppendUint32(h, crc32.ChecksumIEEE(h))
		var c []byte
		for rest := blk.data; len(rest) > 0; {
			n := min(len(rest), 65536)
			c = append(c, 1, byte((n-1)>>8), byte(n-1))
			c = append(c, rest[:n]...)
			rest = rest[n:]
		}
		c = append(c, 0)
		b.Write(h)
		b.Write(c)
		for i := len(c); i%4 != 0; i++ {
			b.WriteByte(0)
		}
		recs = append(recs, rec{uint64(len(h) + len(c)), uint64(len(blk.data))})
	}
	idx := []byte{0}
	idx = binary.AppendUvarint(idx, uint64(len(recs)))
	for _, r := range recs {
		idx = binary.AppendUvarint(idx, r.unpadded)
		idx = binary.AppendUvarint(idx, r.size)
	}
	for len(idx)%4 != 0 {
		idx = append(idx, 0)
	}
	idx = le.AppendUint32(idx, crc32.ChecksumIEEE(idx))
	b.Write(idx)
	foot := le.AppendUint32(nil, uint32(len(idx)/4-1))
	foot = append(foot, flags...)
	b.Write(le.AppendUint32(nil, crc32.ChecksumIEEE(foot)))
	b.Write(foot)
	b.WriteString("YZ")
	return b.Bytes()
}

func allocDuring(t *testing.T, f func()) uint64 {
	t.Helper()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	f()
	runtime.ReadMemStats(&m1)
	return m1.TotalAlloc - m0.TotalAlloc
}

// Blocks after the first used to allocate whatever dictionary they declared
// (a 1.3 KB pkg allocated 4 GiB). Every block is checked now.
func TestXZLaterBlockDict(t *testing.T) {
	s := buildXZ([]xzBlock{{dictProp: 0, data: []byte("first block")}, {dictProp: 40, data: []byte("second")}})
	var err error
	alloc := allocDuring(t, func() {
		var r io.Reader
		r, err = NewXZReader(bytes.NewReader(s), 0)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "xz: block at offset 40 declares a dictionary of 4294967295 bytes") {
		t.Fatalf("err = %v", err)
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d bytes", alloc)
	}
}

// Many tiny blocks each declaring the largest allowed dictionary: each
// would allocate it anew.
func TestXZManyBlockDicts(t *testing.T) {
	var blocks []xzBlock
	for i := 0; i < 100; i++ {
		blocks = append(blocks, xzBlock{dictProp: 28, data: []byte{byte(i)}}) // 64 MiB
	}
	s := buildXZ(blocks)
	var err error
	alloc := allocDuring(t, func() {
		var r io.Reader
		r, err = NewXZReader(bytes.NewReader(s), 0)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "xz: block at offset ") || !strings.Contains(err.Error(), "dictionaries for 2 decoded bytes") {
		t.Fatalf("err = %v", err)
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d bytes", alloc)
	}
}

// Honest streams of several blocks, and of several streams with padding,
// decode as before.
func TestXZGuardHonest(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000)
	one := buildXZ([]xzBlock{{dictProp: 0, data: big}, {dictProp: 8, data: []byte("tail")}, {dictProp: 0, data: nil}})
	two := append(append(append([]byte{}, one...), 0, 0, 0, 0), buildXZ([]xzBlock{{dictProp: 16, data: []byte("next stream")}})...)
	want := append(append(append([]byte{}, big...), "tail"...), "next stream"...)
	r, err := NewXZReader(bytes.NewReader(two), 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
}
