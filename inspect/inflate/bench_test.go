package inflate

import (
	"compress/flate"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// pythonDLLs returns the CPython Windows DLLs the cabinet tests pack,
// joined: real machine code and data.
func pythonDLLs(b *testing.B) []byte {
	dir := filepath.Join(testenv.EmbedPython(b, testenv.Python311), "windows-amd64", "DLLs")
	ents, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var all []byte
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".gz") {
			all = append(all, testenv.Gunzip(b, filepath.Join(dir, e.Name()))...)
		}
	}
	if len(all) < 1<<20 {
		b.Fatalf("only %d bytes of DLLs in %s", len(all), dir)
	}
	return all
}

// BenchmarkDecode decodes the DLLs compressed as an MSZIP folder: 32 KiB
// blocks at compress/flate level 6, each with the previous 32 KiB as
// dictionary.
func BenchmarkDecode(b *testing.B) {
	data := pythonDLLs(b)
	blocks, sizes := mszipBlocks(b, nil, data, flate.DefaultCompression, 32768)
	var d Decoder
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		d.Reset()
		for i, blk := range blocks {
			if _, err := d.Decode(blk, sizes[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
}
