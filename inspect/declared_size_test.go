package inspect

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"runtime"
	"testing"
)

// TestDeclaredSizesDoNotSizeBuffers: zip entries whose declared size their
// bytes cannot hold (300 entries of a few hundred deflated bytes declaring
// 40 MiB each) are problems, and no buffer of the declared size is made:
// the zip reader refuses what the data cannot produce, and the walker sizes
// a buffer from a declared size only once 1 MiB has really arrived unless
// the compressed size makes it plausible.
func TestDeclaredSizesDoNotSizeBuffers(t *testing.T) {
	payload := bytes.Repeat([]byte("installer-sbom "), 4096) // 60 KiB
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	fw.Write(payload)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < 300; i++ {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("f%03d.bin", i), Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(payload), CompressedSize64: uint64(packed.Len()), UncompressedSize64: 40 << 20})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(packed.Bytes())
	}
	zw.Close()
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	inv, err := Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "lies.zip", Options{Limits: DefaultLimits()})
	runtime.ReadMemStats(&m1)
	if err != nil {
		t.Fatal(err)
	}
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 1<<30 {
		t.Fatalf("allocated %d MiB for a %d-byte zip", d>>20, buf.Len())
	}
	if len(inv.Problems) == 0 {
		t.Fatalf("entries shorter than declared gave no problem")
	}
}
