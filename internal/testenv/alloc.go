package testenv

import (
	"runtime"
	"time"
)

// Allocated runs fn and returns the bytes it allocated (after a GC, from
// runtime.MemStats.TotalAlloc) and how long it took: hostile-input tests
// assert the first and only report the second.
func Allocated(fn func()) (uint64, time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	fn()
	d := time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, d
}
