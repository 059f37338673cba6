package cab_test

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// benchWalk walks a cabinet held in memory, discarding every file's bytes.
func benchWalk(b *testing.B, data []byte) {
	c, err := cab.Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	for _, f := range c.Files {
		total += f.Size
	}
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		err := c.Walk(func(f *cab.File, r io.Reader, err error) error {
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, r)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	// On a shared, loaded machine wall time says little: also report
	// throughput per second of CPU time used by the process.
	if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

// BenchmarkLZXVcredis decodes the real Microsoft LZX:21 cabinet.
func BenchmarkLZXVcredis(b *testing.B) {
	data, err := os.ReadFile(fixture(b, "msi", "vcredis1.cab"))
	if err != nil {
		b.Fatal(err)
	}
	benchWalk(b, data)
}

// BenchmarkMSZIP decodes a gcab -z cabinet of the CPython Windows DLLs.
func BenchmarkMSZIP(b *testing.B) {
	path, _ := gcabCabinet(b, b.TempDir(), true)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	benchWalk(b, data)
}
