package dmg

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

func TestCRC32Combine(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, n := range []int{0, 1, 7, 512, 1000, 65536, 300001} {
		b := make([]byte, n)
		rng.Read(b)
		for _, cut := range []int{0, n / 3, n} {
			got := crc32Combine(crc32.ChecksumIEEE(b[:cut]), crc32.ChecksumIEEE(b[cut:]), int64(n-cut))
			if want := crc32.ChecksumIEEE(b); got != want {
				t.Errorf("n=%d cut=%d: %08x, want %08x", n, cut, got, want)
			}
		}
		if got, want := crc32Zeros(int64(n)), crc32.ChecksumIEEE(make([]byte, n)); got != want {
			t.Errorf("zeros %d: %08x, want %08x", n, got, want)
		}
	}
}

func TestADC(t *testing.T) {
	for name, data := range testData() {
		enc := dmgbuild.EncodeADC(data)
		out := make([]byte, len(data))
		if err := decodeADC(out, enc); err != nil || !bytes.Equal(out, data) {
			t.Errorf("%s: %v", name, err)
		}
		if len(data) > 0 {
			if err := decodeADC(make([]byte, len(data)+1), enc); err == nil {
				t.Errorf("%s: a stream shorter than the chunk was accepted", name)
			}
		}
	}
	for _, bad := range [][]byte{{0x00, 0x00}, {0x40, 0x00, 0x00}, {0x85, 'a'}, {0x40}} {
		if err := decodeADC(make([]byte, 16), bad); err == nil {
			t.Errorf("% x accepted", bad)
		}
	}
}

// testData are partitions' contents: text, noise, zeros and a mix, not
// all a whole number of chunks.
func testData() map[string][]byte {
	rng := rand.New(rand.NewSource(4))
	noise := make([]byte, 200*512)
	rng.Read(noise)
	var text bytes.Buffer
	for text.Len() < 300*512 {
		fmt.Fprintf(&text, "sector text %d %d\n", text.Len(), rng.Intn(50))
	}
	mixed := append(append(append([]byte{}, noise[:50*512]...), make([]byte, 100*512)...), text.Bytes()[:77*512]...)
	return map[string][]byte{"noise": noise, "text": text.Bytes()[:300*512], "zeros": make([]byte, 64*512), "mixed": mixed}
}

var allChunks = map[string]uint32{"raw": dmgbuild.ChunkRaw, "zlib": dmgbuild.ChunkZlib, "bzip2": dmgbuild.ChunkBzip2,
	"adc": dmgbuild.ChunkADC, "lzfse": dmgbuild.ChunkLZFSE, "lzma": dmgbuild.ChunkLZMA}

// TestPartitionReads: a partition reads back as written through every
// chunk type, at any offset and length; the checksums verify; every
// decompressed byte is charged.
func TestPartitionReads(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for dname, data := range testData() {
		half := data[:len(data)/2&^511]
		for cname, ct := range allChunks {
			img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{
				{Name: "first", Data: data, Chunks: []uint32{ct}, ChunkSectors: 16},
				{Name: "second", Data: half, Chunks: []uint32{ct, dmgbuild.ChunkZlib}, ChunkSectors: 7}}})
			if err != nil {
				t.Fatal(err)
			}
			var charged int64
			d, err := Open(bytes.NewReader(img), int64(len(img)), &Options{CacheBytes: 8 << 10, Charge: func(n int64) error { charged += n; return nil }})
			if err != nil || len(d.Problems) != 0 || len(d.Partitions) != 2 {
				t.Fatalf("%s/%s: %v %v", dname, cname, err, d.Problems)
			}
			for pi, want := range [][]byte{data, half} {
				p := d.Partitions[pi]
				if p.Size() != int64(len(want)) {
					t.Fatalf("%s/%s: size %d, want %d", dname, cname, p.Size(), len(want))
				}
				for i := 0; i < 40; i++ {
					off := rng.Int63n(p.Size())
					buf := make([]byte, rng.Intn(20000))
					n, err := p.ReadAt(buf, off)
					if end := min(int64(len(want)), off+int64(len(buf))); n != int(end-off) || !bytes.Equal(buf[:n], want[off:end]) {
						t.Fatalf("%s/%s: read %d at %d: %d bytes, %v", dname, cname, len(buf), off, n, err)
					}
				}
				if err := p.VerifyChecksum(); err != nil {
					t.Errorf("%s/%s: %v", dname, cname, err)
				}
			}
			if err := d.VerifyDataFork(); err != nil {
				t.Errorf("%s/%s: %v", dname, cname, err)
			}
			if ct != dmgbuild.ChunkRaw && dname != "zeros" && charged < int64(len(data)) {
				t.Errorf("%s/%s: %d bytes charged", dname, cname, charged)
			}
		}
	}
}

// table rewrites the first partition's mish table of img with edit
// applied, keeping the plist's size (base64 of the same length).
func table(t *testing.T, img []byte, edit func(mish []byte)) []byte {
	t.Helper()
	off := len(img) - TrailerSize
	xo := binary.BigEndian.Uint64(img[off+0xd8:])
	xl := binary.BigEndian.Uint64(img[off+0xe0:])
	x := string(img[xo : xo+xl])
	start := strings.Index(x, "<data>") + len("<data>")
	end := strings.Index(x, "</data>")
	b, err := (&plistNode{kind: "data", text: x[start:end]}).data()
	if err != nil {
		t.Fatal(err)
	}
	edit(b)
	enc := base64Lines(b)
	nx := x[:start] + enc + x[end:]
	out := append(append(append([]byte{}, img[:xo]...), nx...), img[xo+xl:]...)
	k := out[len(out)-TrailerSize:]
	binary.BigEndian.PutUint64(k[0xe0:], uint64(len(nx)))
	return out
}

func base64Lines(b []byte) string {
	var s strings.Builder
	s.WriteString("\n")
	s.WriteString(base64.StdEncoding.EncodeToString(b))
	s.WriteString("\n")
	return s.String()
}

// TestHostileTables: sizes a table declares are refused, never
// allocated: a chunk decompressing past MaxChunkBytes, an ADC chunk
// claiming more than its bytes can hold, a count of chunks larger than the
// table, a chunk stored outside the data fork.
func TestHostileTables(t *testing.T) {
	data := testData()["text"][:64*512]
	build := func(ct uint32) []byte {
		img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{{Name: "p", Data: data, Chunks: []uint32{ct}, ChunkSectors: 64}}})
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	chunk0 := mishHeaderSize
	cases := map[string]struct {
		ct   uint32
		edit func([]byte)
		want string
	}{
		"huge zlib chunk": {dmgbuild.ChunkZlib, func(m []byte) {
			binary.BigEndian.PutUint64(m[chunk0+16:], 1<<40)
			binary.BigEndian.PutUint64(m[16:], 1<<40)
			binary.BigEndian.PutUint64(m[chunk0+40+8:], 1<<40)
		}, "MaxChunkBytes"},
		"adc ratio": {dmgbuild.ChunkADC, func(m []byte) {
			binary.BigEndian.PutUint64(m[chunk0+16:], 1000)
			binary.BigEndian.PutUint64(m[16:], 1000)
			binary.BigEndian.PutUint64(m[chunk0+40+8:], 1000)
			binary.BigEndian.PutUint64(m[chunk0+32:], 10)
		}, "cannot decompress"},
		"chunk count":  {dmgbuild.ChunkZlib, func(m []byte) { binary.BigEndian.PutUint32(m[0xc8:], 0xffffffff) }, "declares 4294967295 chunks"},
		"outside fork": {dmgbuild.ChunkZlib, func(m []byte) { binary.BigEndian.PutUint64(m[chunk0+24:], 1<<50) }, "outside"},
		"gap":          {dmgbuild.ChunkZlib, func(m []byte) { binary.BigEndian.PutUint64(m[chunk0+8:], 5) }, "starts at sector 5"},
	}
	for name, c := range cases {
		img := table(t, build(c.ct), c.edit)
		d, err := Open(bytes.NewReader(img), int64(len(img)), &Options{MaxChunkBytes: 1 << 20})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		p := d.Partitions[0]
		err = p.Err
		if err == nil {
			_, err = p.ReadAt(make([]byte, 512), 0)
		}
		var fe *formaterr.Error
		if err == nil || !errors.As(err, &fe) || fe.Layer() != "dmg" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
		if name == "huge zlib chunk" && !errors.Is(err, formaterr.ErrLimit) {
			t.Errorf("%s: not a limit error: %v", name, err)
		}
	}
}

// TestChecksums: a changed stored byte fails the data fork's and the
// partition's checksums; a changed partition checksum fails the master
// checksum.
func TestChecksums(t *testing.T) {
	data := testData()["text"]
	img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{{Name: "p", Data: data, Chunks: []uint32{dmgbuild.ChunkRaw}}}})
	if err != nil {
		t.Fatal(err)
	}
	img[1000] ^= 1
	d, err := Open(bytes.NewReader(img), int64(len(img)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.VerifyDataFork(); !errors.Is(err, ErrChecksum) {
		t.Errorf("data fork: %v", err)
	}
	if err := d.Partitions[0].VerifyChecksum(); !errors.Is(err, ErrChecksum) {
		t.Errorf("partition: %v", err)
	}
	img = table(t, img, func(m []byte) { m[0x48] ^= 1 })
	d, err = Open(bytes.NewReader(img), int64(len(img)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Problems) != 1 || !errors.Is(d.Problems[0], ErrChecksum) || !strings.Contains(d.Problems[0].Error(), "master checksum") {
		t.Errorf("problems %v", d.Problems)
	}
}

func TestNotImage(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, 600), append(make([]byte, 100), Magic...)} {
		if _, err := Open(bytes.NewReader(b), int64(len(b)), nil); err == nil {
			t.Errorf("% x accepted", b[:min(len(b), 16)])
		}
	}
}
