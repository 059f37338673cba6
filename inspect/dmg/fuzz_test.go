package dmg

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
)

var errFuzzBudget = errors.New("fuzz budget")

// fuzzSeeds are small images of a small HFS+ volume, one per compressed
// chunk type, and one of several partitions (raw chunks among them).
func fuzzSeeds(f *testing.F) [][]byte {
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "Fuzz", Files: dmgbuild.FuzzFiles(), BlockSize: 512})
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, ct := range []uint32{dmgbuild.ChunkZlib, dmgbuild.ChunkBzip2, dmgbuild.ChunkADC, dmgbuild.ChunkLZFSE, dmgbuild.ChunkLZMA} {
		img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{{Name: "disk image (Apple_HFS : 0)", Data: vol, Chunks: []uint32{ct}, ChunkSectors: 64}}})
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, img)
	}
	img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{
		{Name: "Apple (Apple_partition_map : 1)", Data: make([]byte, 4096)},
		{Name: "x", Data: bytes.Repeat([]byte("abc"), 1000), Chunks: []uint32{dmgbuild.ChunkADC, dmgbuild.ChunkLZFSE, dmgbuild.ChunkRaw}, ChunkSectors: 3, LZFSEBlocks: dmgbuild.LZFSELZVN}}})
	if err != nil {
		f.Fatal(err)
	}
	return append(out, img)
}

// FuzzUDIF opens any bytes as an image and reads every partition, its
// file system's first bytes and its checksum, within a budget of decoded
// bytes: nothing may panic, hang or allocate what the input declares.
func FuzzUDIF(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a crash, so that the fuzzer keeps the input.
		defer time.AfterFunc(10*time.Second, func() { panic("input takes more than 10s") }).Stop()
		var charged int64
		opts := &Options{MaxPlistBytes: 1 << 20, MaxChunkBytes: 1 << 20, CacheBytes: 1 << 20, MaxDict: 1 << 20,
			Charge: func(n int64) error {
				if charged += n; charged > 32<<20 {
					return errFuzzBudget
				}
				return nil
			}}
		d, err := Open(bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			return
		}
		d.VerifyDataFork()
		buf := make([]byte, 8192)
		for _, p := range d.Partitions {
			p.FileSystem()
			for off := int64(0); off < min(p.Size(), 1<<20); off += int64(len(buf)) {
				if _, err := p.ReadAt(buf, off); err != nil {
					break
				}
			}
			p.VerifyChecksum()
			if charged > 32<<20 {
				return
			}
		}
	})
}
