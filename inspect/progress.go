package inspect

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// byteSemaphore bounds the bytes of file data waiting for or being
// processed by the worker pool, so that memory follows the limit and not
// the installer's size.
type byteSemaphore struct {
	mu   sync.Mutex
	cond *sync.Cond
	cap  int64
	used int64
}

func newByteSemaphore(capacity int64) *byteSemaphore {
	s := &byteSemaphore{cap: capacity}
	s.cond = sync.NewCond(&s.mu)
	return s
}

// acquire waits until n bytes fit. A request larger than the capacity is
// clamped to it, so it runs alone instead of never.
func (s *byteSemaphore) acquire(n int64) {
	n = min(n, s.cap)
	s.mu.Lock()
	for s.used+n > s.cap {
		s.cond.Wait()
	}
	s.used += n
	s.mu.Unlock()
}

func (s *byteSemaphore) release(n int64) {
	n = min(n, s.cap)
	s.mu.Lock()
	s.used -= n
	s.mu.Unlock()
	s.cond.Broadcast()
}

// progress redraws one status line on a terminal while a walk runs.
type progress struct {
	w      io.Writer
	files  atomic.Int64
	bytes  *budget
	done   chan struct{}
	wg     sync.WaitGroup
	drawn  bool
	lastLn int
}

func startProgress(w io.Writer, b *budget) *progress {
	p := &progress{w: w, bytes: b, done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		// Quick inspections print nothing at all.
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-p.done:
				if p.drawn {
					fmt.Fprintf(p.w, "\r%*s\r", p.lastLn, "")
				}
				return
			case <-t.C:
				if time.Since(start) < 700*time.Millisecond {
					continue
				}
				line := fmt.Sprintf("inspecting: %d files, %.1f MB", p.files.Load(), float64(p.bytes.bytes.Load())/1e6)
				fmt.Fprintf(p.w, "\r%-*s", p.lastLn, line)
				p.lastLn, p.drawn = len(line), true
			}
		}
	}()
	return p
}

// file counts one more file; safe on a nil *progress.
func (p *progress) file(n int64) {
	if p != nil {
		p.files.Add(1)
	}
}

func (p *progress) stop() {
	close(p.done)
	p.wg.Wait()
}
