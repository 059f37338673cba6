package testenv

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
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

// PeakHeap runs fn and returns the most heap its objects (live, and garbage
// not yet swept) occupied while it ran, sampled every millisecond, and how
// long it took: what bounds the process's resident memory, unlike the total
// that Allocated counts (short-lived garbage adds to that total, not to the
// peak).
func PeakHeap(fn func()) (uint64, time.Duration) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	fn()
	d := time.Since(start)
	close(done)
	<-stopped
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	if p := peak.Load(); p > base {
		return p - base, d
	}
	return 0, d
}
