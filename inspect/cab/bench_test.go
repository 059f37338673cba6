package cab_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// benchWalk walks a cabinet held in memory, discarding every file's bytes.
func benchWalk(b *testing.B, data []byte) { benchWalkHash(b, data, nil, false) }

// benchWalkHash walks with opts, hashing every file when hash is set.
func benchWalkHash(b *testing.B, data []byte, opts *cab.Options, hash bool) {
	c, err := cab.Open(bytes.NewReader(data), int64(len(data)), opts)
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
			if hash {
				_, err = io.Copy(sha256.New(), r)
			} else {
				_, err = io.Copy(io.Discard, r)
			}
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

// BenchmarkCabWalkParallel walks the four-folder MSZIP cabinet of the
// CPython DLLs (gcab folders joined) one folder at a time and with
// GOMAXPROCS folders decoded ahead. The callback hashes each file with
// SHA-256, as the inspect walk does.
func BenchmarkCabWalkParallel(b *testing.B) {
	data, _ := pythonMultiFolder(b)
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		for _, hash := range []bool{false, true} {
			b.Run(fmt.Sprintf("workers=%d/sha256=%v", workers, hash), func(b *testing.B) {
				benchWalkHash(b, data, &cab.Options{Workers: workers}, hash)
			})
		}
	}
}
