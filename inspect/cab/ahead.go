package cab

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// Folders are independent compression streams, so Walk with Workers > 1
// decodes later folders on their own goroutines while the callback works on
// the current one. A folder decoded ahead runs through the same folder code
// as the sequential walk, with a callback that records what the walk would
// have handed out (each file's bytes, its error, the error met while
// reading it); the walk's own goroutine then replays the records to fn in
// folder order. The sequential and the parallel walk thus produce the same
// calls, bytes and errors by construction.

// aheadHook, when set (by tests), sees the number of pending folders and
// their buffered bytes each time a folder is started ahead.
var aheadHook func(pending int, buffered int64)

// errStopped ends a folder decoded ahead when the walk has stopped.
var errStopped = errors.New("cab: walk stopped")

// aheadChunk is the unit in which a folder decoded ahead is buffered, so a
// folder's buffer grows with the bytes decoded and never needs a copy.
const aheadChunk = 1 << 20

var aheadChunkPool = sync.Pool{New: func() any { b := make([]byte, aheadChunk); return &b }}

// record is one call the walk would have made to fn.
type record struct {
	file    *File
	err     error    // the error passed to fn (no reader)
	data    [][]byte // the file's bytes, when fn gets a reader
	readErr error    // what reading the file ended with, nil at its end
}

// aheadFolder is a folder being decoded, or decoded, ahead of the callback.
type aheadFolder struct {
	idx     int
	files   []*File
	size    int64 // declared bytes of the files
	left    int64 // declared bytes not yet buffered (sizes the last chunk)
	records []record
	chunks  []*[]byte // pooled chunks holding the records' bytes
	cur     []byte    // free part of the last chunk
	stop    *atomic.Bool
	done    chan struct{}
}

// Write appends decoded file bytes to the folder's buffer.
func (a *aheadFolder) Write(p []byte) (int, error) {
	if a.stop.Load() {
		return 0, errStopped
	}
	written := 0
	rec := &a.records[len(a.records)-1]
	for len(p) > 0 {
		if len(a.cur) == 0 {
			if a.left >= aheadChunk {
				c := aheadChunkPool.Get().(*[]byte)
				a.chunks = append(a.chunks, c)
				a.cur = *c
			} else {
				a.cur = make([]byte, max(a.left, int64(len(p))))
			}
		}
		n := copy(a.cur, p)
		rec.data = append(rec.data, a.cur[:n:n])
		a.cur = a.cur[n:]
		a.left -= int64(n)
		p = p[n:]
		written += n
	}
	return written, nil
}

// record is the callback of a folder decoded ahead.
func (a *aheadFolder) record(f *File, r io.Reader, err error) error {
	if a.stop.Load() {
		return errStopped
	}
	if err != nil {
		a.records = append(a.records, record{file: f, err: err})
		return nil
	}
	a.records = append(a.records, record{file: f})
	_, rerr := io.Copy(a, r)
	if rerr == errStopped {
		return rerr
	}
	a.records[len(a.records)-1].readErr = rerr
	return nil
}

func (a *aheadFolder) release() {
	for _, c := range a.chunks {
		aheadChunkPool.Put(c)
	}
	a.chunks, a.records, a.cur = nil, nil, nil
}

// replay hands the recorded calls to fn.
func (a *aheadFolder) replay(fn func(*File, io.Reader, error) error) error {
	for i := range a.records {
		rec := &a.records[i]
		if rec.err != nil {
			if err := fn(rec.file, nil, rec.err); err != nil {
				return err
			}
			continue
		}
		r := &replayReader{data: rec.data, err: rec.readErr, valid: true}
		err := fn(rec.file, r, nil)
		r.valid = false
		if err != nil {
			return err
		}
	}
	return nil
}

// replayReader gives a recorded file's bytes, then what reading it ended
// with.
type replayReader struct {
	data  [][]byte
	err   error
	valid bool
}

func (r *replayReader) Read(p []byte) (int, error) {
	if !r.valid {
		return 0, errors.New("cab: file reader used after its callback returned")
	}
	for len(r.data) > 0 && len(r.data[0]) == 0 {
		r.data = r.data[1:]
	}
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := copy(p, r.data[0])
	r.data[0] = r.data[0][n:]
	return n, nil
}

// WriteTo hands the recorded bytes to w without an intermediate copy.
func (r *replayReader) WriteTo(w io.Writer) (int64, error) {
	var written int64
	for len(r.data) > 0 {
		if !r.valid {
			return written, errors.New("cab: file reader used after its callback returned")
		}
		b := r.data[0]
		n, err := w.Write(b)
		written += int64(n)
		r.data[0] = b[n:]
		if err != nil {
			return written, err
		}
		if n < len(b) {
			return written, io.ErrShortWrite
		}
		r.data = r.data[1:]
	}
	return written, r.err
}

// walkAhead is Walk with Workers > 1. Folders are started ahead in folder
// order while fewer than Workers are pending and their files fit in what is
// left of MaxAheadBytes; a folder larger than MaxAheadBytes, and any folder
// not started ahead by the time its turn comes, is decoded on this
// goroutine, streaming, as in the sequential walk. Walk returns only after
// every goroutine it started has ended.
func (c *Cabinet) walkAhead(byFolder [][]*File, fn func(*File, io.Reader, error) error) error {
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		pending  = map[int]*aheadFolder{} // started and not yet replayed
		buffered int64                    // declared bytes of the pending folders
		next     = 0                      // next folder to consider starting
	)
	defer func() {
		stop.Store(true)
		wg.Wait()
		for _, a := range pending {
			a.release()
		}
	}()
	start := func() {
		for len(pending) < c.opts.Workers && next < len(byFolder) {
			i := next
			files := byFolder[i]
			var size int64
			for _, f := range files {
				size += f.Size
			}
			if len(files) == 0 || size > c.opts.MaxAheadBytes {
				next++ // streamed when its turn comes
				continue
			}
			if buffered+size > c.opts.MaxAheadBytes {
				return // fits once earlier folders are handed out
			}
			next++
			buffered += size
			a := &aheadFolder{idx: i, files: files, size: size, left: size, stop: &stop, done: make(chan struct{})}
			pending[i] = a
			if aheadHook != nil {
				aheadHook(len(pending), buffered)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(a.done)
				w := &walker{c: c}
				defer w.release()
				w.folder(a.idx, a.files, a.record) // errors go to the records; errStopped needs none
			}()
		}
	}
	w := &walker{c: c, pipeline: true}
	defer w.release()
	for i, files := range byFolder {
		if len(files) == 0 {
			continue
		}
		a := pending[i]
		if a == nil {
			// Not started ahead: decode it here, streaming, while the
			// next ones start on their own goroutines.
			next = max(next, i+1)
			start()
			if err := w.folder(i, files, fn); err != nil {
				return err
			}
			continue
		}
		start()
		<-a.done
		err := a.replay(fn)
		a.release()
		delete(pending, i)
		buffered -= a.size
		if err != nil {
			return err
		}
	}
	return nil
}
