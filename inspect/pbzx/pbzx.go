// Package pbzx reads Apple's pbzx streams, the chunked xz format that newer
// Apple tools use for the Payload of a component package:
//
//	"pbzx"  magic
//	uint64  chunk size (big-endian; the uncompressed size of a full chunk)
//	then, until the end of the stream, chunks of
//	uint64  uncompressed size of this chunk
//	uint64  stored length of this chunk
//	[stored length] bytes: raw when stored length == uncompressed size,
//	                       otherwise one xz stream
//
// The reader streams the concatenated uncompressed chunks. The chunks are
// independent, so with Options.Workers > 1 it decodes several at once on
// their own goroutines and hands their bytes out in stream order.
package pbzx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Magic starts every pbzx stream.
var Magic = []byte("pbzx")

// FormatError says what is wrong with the stream and where: Off is the byte
// offset in the pbzx stream.
type FormatError = formaterr.Error

// layer spells pbzx errors as "pbzx: at offset 0x40: message: cause".
var layer = &formaterr.Layer{Name: "pbzx"}

func errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// ErrClosed is returned by Read after Close.
var ErrClosed = errors.New("pbzx: reader closed")

// Options bound the reader. Zero fields take the defaults.
type Options struct {
	MaxChunkSize int64 // largest chunk, stored or uncompressed; default 64 MiB
	MaxDict      int64 // largest xz dictionary; default DefaultMaxDict
	// Workers is how many chunks are decoded at once; 0 means
	// runtime.GOMAXPROCS(0). With 1 the reader decodes as it is read and
	// holds no chunk in memory. With more, up to Workers+1 chunks are in
	// memory at a time (the one being read out and Workers being decoded
	// ahead, each with its compressed bytes), plus one xz dictionary per
	// decoding chunk.
	Workers int
}

// Reader decodes a pbzx stream. Close it when stopping before the end so
// that chunks decoding ahead are abandoned at once; an unclosed Reader
// leaves no goroutine behind either, but they finish their chunk first.
type Reader struct {
	r         *bufio.Reader
	off       int64 // stream bytes consumed (header and stored chunk bytes)
	chunkSize int64
	maxChunk  int64
	maxDict   int64
	chunk     int // index of the last chunk whose header was read
	err       error

	// Sequential decoding (Workers == 1): the chunk being read out.
	seq *chunkDecoder

	// Parallel decoding (Workers > 1).
	workers   int
	queue     []*task // dispatched chunks in stream order
	cur       *task   // the chunk being read out
	curPos    int
	inputDone bool  // no more chunks will be dispatched
	tailErr   error // what follows the last dispatched chunk (io.EOF or a header error)
	freeOut   [][]byte
	freeIn    [][]byte
	closed    atomic.Bool
	wg        sync.WaitGroup
}

// NewReader reads the pbzx header from r and returns a Reader.
func NewReader(r io.Reader, opts *Options) (*Reader, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxChunkSize <= 0 {
		o.MaxChunkSize = 64 << 20
	}
	if o.MaxDict <= 0 {
		o.MaxDict = DefaultMaxDict
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	z := &Reader{r: bufio.NewReaderSize(r, 64<<10), maxChunk: o.MaxChunkSize, maxDict: o.MaxDict, chunk: -1, workers: o.Workers}
	var h [12]byte
	n, err := io.ReadFull(z.r, h[:])
	z.off += int64(n)
	if err != nil {
		return nil, errorf(0, io.ErrUnexpectedEOF, "header truncated")
	}
	if !bytes.Equal(h[:4], Magic) {
		return nil, errorf(0, nil, "bad magic %q", h[:4])
	}
	cs := binary.BigEndian.Uint64(h[4:])
	if cs == 0 || cs > uint64(z.maxChunk) {
		return nil, errorf(4, nil, "chunk size %d out of range 1..%d", cs, z.maxChunk)
	}
	z.chunkSize = int64(cs)
	return z, nil
}

// ChunkSize is the uncompressed size of a full chunk, from the header.
func (z *Reader) ChunkSize() int64 { return z.chunkSize }

// Read returns uncompressed bytes.
func (z *Reader) Read(p []byte) (int, error) {
	if z.workers > 1 {
		return z.readParallel(p)
	}
	for z.err == nil {
		d := z.seq
		if d == nil || d.remain == 0 {
			if d != nil {
				if err := d.end(); err != nil {
					z.err = err
					break
				}
			}
			if err := z.nextSequential(); err != nil {
				z.err = err
				break
			}
			continue
		}
		if len(p) == 0 {
			return 0, nil
		}
		n, err := d.read(p)
		if err != nil {
			z.err = err
			return n, err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, z.err
}

// Close stops the reader: chunks being decoded ahead are abandoned and
// their goroutines have ended when Close returns. Later reads fail with
// ErrClosed. Close never fails.
func (z *Reader) Close() error {
	z.closed.Store(true)
	if z.err == nil || z.err == io.EOF {
		z.err = ErrClosed
	}
	z.wg.Wait()
	z.queue, z.cur, z.seq = nil, nil, nil
	z.freeOut, z.freeIn = nil, nil
	return nil
}

// chunkHeader reads and checks the next chunk header. It returns io.EOF at
// a clean end between chunks.
func (z *Reader) chunkHeader() (start int64, size, length int64, err error) {
	start = z.off
	var h [16]byte
	n, err := io.ReadFull(z.r, h[:])
	z.off += int64(n)
	if err == io.EOF {
		return start, 0, 0, io.EOF // clean end between chunks
	}
	if err != nil {
		return start, 0, 0, errorf(start, io.ErrUnexpectedEOF, "chunk %d header truncated", z.chunk+1)
	}
	z.chunk++
	s := binary.BigEndian.Uint64(h[:8])
	l := binary.BigEndian.Uint64(h[8:])
	if s == 0 || s > uint64(z.chunkSize) {
		return start, 0, 0, errorf(start, nil, "chunk %d: uncompressed size %d out of range 1..%d", z.chunk, s, z.chunkSize)
	}
	if l == 0 || l > uint64(z.maxChunk)+(1<<16) {
		return start, 0, 0, errorf(start+8, nil, "chunk %d: stored length %d out of range", z.chunk, l)
	}
	return start, int64(s), int64(l), nil
}

// nextSequential starts the next chunk, streaming its stored bytes from
// the input.
func (z *Reader) nextSequential() error {
	start, size, length, err := z.chunkHeader()
	if err != nil {
		return err
	}
	stored := &io.LimitedReader{R: &countReader{r: z.r, n: &z.off}, N: length}
	head, _ := z.r.Peek(int(min(length, int64(len(XZMagic)))))
	z.seq = &chunkDecoder{index: z.chunk, start: start, remain: size, stored: stored}
	return z.seq.open(head, size, length, z.maxDict)
}

// chunkDecoder produces the uncompressed bytes of one chunk from its stored
// bytes. The sequential and the parallel reader share it, so both give the
// same bytes and the same errors.
type chunkDecoder struct {
	index  int
	start  int64 // stream offset of the chunk header
	stored *io.LimitedReader
	cur    io.Reader
	remain int64 // uncompressed bytes not yet produced
}

// open picks the chunk's decoder; head holds its first stored bytes.
func (d *chunkDecoder) open(head []byte, size, length, maxDict int64) error {
	if length == size {
		d.cur = d.stored
		return nil
	}
	if !bytes.Equal(head, XZMagic) {
		return errorf(d.start+16, nil, "chunk %d: stored length %d differs from size %d but data is not xz", d.index, length, size)
	}
	xr, err := NewXZReader(d.stored, maxDict)
	if err != nil {
		return errorf(d.start+16, err, "chunk %d", d.index)
	}
	d.cur = xr
	return nil
}

// read returns the chunk's next bytes, never more than remain.
func (d *chunkDecoder) read(p []byte) (int, error) {
	if int64(len(p)) > d.remain {
		p = p[:d.remain]
	}
	n, err := d.cur.Read(p)
	d.remain -= int64(n)
	if err == io.EOF && d.remain > 0 {
		err = errorf(d.start, io.ErrUnexpectedEOF, "chunk %d: %d bytes short of its uncompressed size", d.index, d.remain)
	} else if err == io.EOF {
		err = nil
	}
	if err != nil {
		err = d.wrap(err)
	}
	return n, err
}

func (d *chunkDecoder) wrap(err error) error {
	if _, ok := formaterr.As(err, "pbzx"); ok {
		return err
	}
	return errorf(d.start, err, "chunk %d", d.index)
}

// end checks that the chunk's stored bytes are used up exactly.
func (d *chunkDecoder) end() error {
	if d.cur != d.stored {
		// The xz stream must end exactly at the chunk's uncompressed size.
		var one [1]byte
		if n, err := d.cur.Read(one[:]); n > 0 {
			return errorf(d.start, nil, "chunk %d: xz stream holds more than its declared uncompressed size", d.index)
		} else if err != nil && err != io.EOF {
			return d.wrap(err)
		}
	}
	if d.stored.N > 0 {
		// xz may leave stream padding; anything else is a lie about the length.
		rest, err := io.ReadAll(d.stored)
		if err != nil {
			return d.wrap(err)
		}
		for _, b := range rest {
			if b != 0 {
				return errorf(d.start, nil, "chunk %d: %d stored bytes after the xz stream", d.index, len(rest))
			}
		}
	}
	return nil
}

// task is one chunk handed to a decoding goroutine. out, err and in are
// set by the goroutine before it closes done.
type task struct {
	d      *chunkDecoder
	size   int64
	length int64
	in     []byte // the chunk's stored bytes
	inErr  error  // what the input said after in, when it ended early
	out    []byte // decoded bytes, a prefix of the chunk when err != nil
	err    error  // why the chunk ends before its size; nil when complete
	done   chan struct{}
}

func (z *Reader) readParallel(p []byte) (int, error) {
	for z.err == nil {
		if t := z.cur; t != nil {
			if z.curPos < len(t.out) {
				if len(p) == 0 {
					return 0, nil
				}
				n := copy(p, t.out[z.curPos:])
				z.curPos += n
				return n, nil
			}
			if t.err != nil {
				z.err = t.err
				break
			}
			z.freeOut = append(z.freeOut, t.out[:0])
			z.cur = nil
		}
		// Take the next chunk in stream order, let another start
		// decoding in its place, then wait for it.
		z.dispatch()
		if len(z.queue) == 0 {
			z.err = z.tailErr
			break
		}
		t := z.queue[0]
		z.queue = z.queue[1:]
		z.dispatch()
		<-t.done
		z.freeIn = append(z.freeIn, t.in[:0])
		t.in = nil
		z.cur, z.curPos = t, 0
	}
	return 0, z.err
}

// dispatch reads chunks from the input and starts their decoding until
// Workers chunks are queued or the input is done.
func (z *Reader) dispatch() {
	for !z.inputDone && len(z.queue) < z.workers {
		start, size, length, err := z.chunkHeader()
		if err != nil {
			z.inputDone, z.tailErr = true, err
			return
		}
		t := &task{size: size, length: length, done: make(chan struct{})}
		t.d = &chunkDecoder{index: z.chunk, start: start, remain: size}
		t.in, t.inErr = z.readStored(length)
		if len(z.freeOut) > 0 {
			t.out = z.freeOut[len(z.freeOut)-1]
			z.freeOut = z.freeOut[:len(z.freeOut)-1]
		}
		z.queue = append(z.queue, t)
		z.wg.Add(1)
		go z.decode(t)
	}
}

// readStored reads a chunk's stored bytes. The buffer grows with the bytes
// that arrive, so a length that lies about a short input costs nothing.
func (z *Reader) readStored(length int64) ([]byte, error) {
	var buf []byte
	if len(z.freeIn) > 0 {
		buf = z.freeIn[len(z.freeIn)-1]
		z.freeIn = z.freeIn[:len(z.freeIn)-1]
	}
	for int64(len(buf)) < length {
		if len(buf) == cap(buf) {
			nb := make([]byte, len(buf), min(length, max(2*int64(cap(buf)), 64<<10)))
			copy(nb, buf)
			buf = nb
		}
		want := min(int64(cap(buf)), length)
		n, err := z.r.Read(buf[len(buf):want])
		buf = buf[:len(buf)+n]
		z.off += int64(n)
		if err != nil {
			if err == io.EOF && int64(len(buf)) < length {
				return buf, io.EOF
			}
			if err != io.EOF {
				return buf, err
			}
		}
	}
	return buf, nil
}

// decodeStep is how many bytes a decoding goroutine produces between
// checks that the reader was closed.
const decodeStep = 1 << 20

func (z *Reader) decode(t *task) {
	defer z.wg.Done()
	defer close(t.done)
	var src io.Reader = bytes.NewReader(t.in)
	if t.inErr != nil && t.inErr != io.EOF {
		src = io.MultiReader(src, errReader{t.inErr})
	}
	d := t.d
	d.stored = &io.LimitedReader{R: src, N: t.length}
	if err := d.open(t.in[:min(len(t.in), len(XZMagic))], t.size, t.length, z.maxDict); err != nil {
		t.err = err
		return
	}
	out := t.out[:0]
	for d.remain > 0 {
		if z.closed.Load() {
			t.out, t.err = out, ErrClosed
			return
		}
		if len(out) == cap(out) {
			nb := make([]byte, len(out), min(int64(len(out))+d.remain, max(2*int64(cap(out)), 256<<10)))
			copy(nb, out)
			out = nb
		}
		n, err := d.read(out[len(out):min(cap(out), len(out)+decodeStep)])
		out = out[:len(out)+n]
		if err != nil {
			t.out, t.err = out, err
			return
		}
	}
	t.out, t.err = out, d.end()
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

type countReader struct {
	r io.Reader
	n *int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
