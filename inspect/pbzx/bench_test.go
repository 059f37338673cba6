package pbzx

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// BenchmarkPbzxParallel decodes the libpython stream (1 MiB chunks) with one
// worker (sequential, no read-ahead) and with GOMAXPROCS workers. On a
// shared machine wall time says little, so it also reports throughput per
// second of CPU time used by the process.
func BenchmarkPbzxParallel(b *testing.B) {
	plain, stream := libpython(b)
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			b.SetBytes(int64(len(plain)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				r, err := NewReader(bytes.NewReader(stream), &Options{Workers: workers})
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r); err != nil || n != int64(len(plain)) {
					b.Fatalf("%d bytes, %v", n, err)
				}
			}
			if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
				b.ReportMetric(float64(len(plain))*float64(b.N)/cpu/1e6, "MB/cpu-s")
			}
		})
	}
}
