package fingerprint

import (
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// windowsTree is the gunzipped CPython 3.11 windows-amd64 tree, in path order.
func windowsTree(b testing.TB) ([]string, [][]byte, int64) {
	files := treeFiles(b, filepath.Join(testenv.EmbedPython(b, testenv.Python311), "windows-amd64"))
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var datas [][]byte
	var total int64
	for _, n := range names {
		datas = append(datas, files[n])
		total += int64(len(files[n]))
	}
	return names, datas, total
}

// BenchmarkScan measures the anchor scan alone (automaton + skip loop) over
// every file of the tree, one core.
func BenchmarkScan(b *testing.B) {
	_, datas, total := windowsTree(b)
	m := Default().ruleSet().ac
	b.SetBytes(total)
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for i := 0; i < b.N; i++ {
		for _, d := range datas {
			m.scan(d, func(int, int) bool { n++; return true })
		}
	}
	reportCPU(b, cpu0, total)
	if n == 0 {
		b.Fatal("no anchor hits")
	}
}

// BenchmarkIdentify measures the whole per-file work: scan, verification,
// PE/Mach-O parsing and metadata, one core.
func BenchmarkIdentify(b *testing.B) {
	names, datas, total := windowsTree(b)
	e := Default()
	b.SetBytes(total)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		for j, d := range datas {
			e.Identify(names[j], d)
		}
	}
	reportCPU(b, cpu0, total)
}

// cpuTime is the process's user+system CPU time. On a shared machine the
// wall-clock MB/s of the benchmark line depends on other load; MB/cpu-s is
// the throughput per core actually used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, cpu0 time.Duration, total int64) {
	if d := cpuTime() - cpu0; d > 0 {
		b.ReportMetric(float64(total)*float64(b.N)/1e6/d.Seconds(), "MB/cpu-s")
	}
}
