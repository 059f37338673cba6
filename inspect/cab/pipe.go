package cab

import "sync"

// A folder's data is one stream that can only be decoded front to back,
// and for a cabinet of one folder (an MSI's usual layout) that decoding is
// the walk's critical path. blockPipe takes it off the goroutine that
// hands files to the callback: a producer decodes blocks a few ahead while
// the callback copies, hashes and inspects the previous ones.

// pipeDepth is how many decoded blocks (32 KiB each, LZX frames alike)
// may wait for the reader: enough to ride out the reader's pauses (a file
// handed to a worker), few enough that the buffers stay in cache.
const pipeDepth = 4

// blockBufs keeps block buffers between folders and walks: a pipe per
// streamed folder would otherwise allocate its buffers afresh.
var blockBufs = sync.Pool{New: func() any { return new([maxBlockOut]byte) }}

// pipeAbove is the smallest folder decoded ahead this way: for less, the
// goroutine and its buffers cost more than the overlap saves.
const pipeAbove = 1 << 20

// pipeBlock is one decoded block, or the error that ended the folder.
type pipeBlock struct {
	out []byte
	err error
}

type blockPipe struct {
	src    *folderReader // the producer's reader; touched by it alone until stopped
	blocks chan pipeBlock
	free   chan []byte // buffers the reader has finished with
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	last   []byte // the reader's current buffer, returned to free at the next fill
}

// pipelined starts decoding fr's folder on its own goroutine and returns
// the reader that takes its blocks. fr must be freshly started.
func (fr *folderReader) pipelined() *folderReader {
	p := &blockPipe{src: fr, blocks: make(chan pipeBlock, pipeDepth), free: make(chan []byte, pipeDepth+2),
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.produce()
	return &folderReader{w: fr.w, f: fr.f, idx: fr.idx, need: fr.need, pipe: p}
}

// produce decodes until the folder's files have all their bytes (the
// reader never asks for more), the folder fails, or the pipe is stopped.
func (p *blockPipe) produce() {
	defer close(p.done)
	defer close(p.blocks)
	src := p.src
	for src.end < src.need {
		if !src.fill() {
			select {
			case p.blocks <- pipeBlock{err: src.err}:
			case <-p.stop:
			}
			return
		}
		var buf []byte
		select {
		case buf = <-p.free:
		default:
			buf = blockBufs.Get().(*[maxBlockOut]byte)[:0]
		}
		buf = append(buf[:0], src.out...)
		src.outPos = len(src.out)
		select {
		case p.blocks <- pipeBlock{out: buf}:
		case <-p.stop:
			return
		}
	}
}

// fillFromPipe is fill for a pipelined reader.
func (fr *folderReader) fillFromPipe() bool {
	p := fr.pipe
	if fr.err != nil {
		return false
	}
	if p.last != nil {
		select {
		case p.free <- p.last:
		default:
		}
		p.last = nil
	}
	b, ok := <-p.blocks
	if !ok {
		// The producer stopped at the bytes the files need; a reader
		// asking for more meets what fill would have said.
		<-p.done
		fr.err = p.src.errorf("folder data ends at %d bytes, before the files it holds", fr.end)
		return false
	}
	if b.err != nil {
		fr.err = b.err
		return false
	}
	fr.out, fr.outPos, p.last = b.out, 0, b.out
	fr.end += int64(len(b.out))
	return true
}

// close stops the producer and waits for it, then returns its buffers to
// blockBufs; safe to call more than once.
func (p *blockPipe) close() {
	p.once.Do(func() {
		close(p.stop)
		<-p.done
		put := func(b []byte) {
			if cap(b) == maxBlockOut {
				blockBufs.Put((*[maxBlockOut]byte)(b[:maxBlockOut]))
			}
		}
		for b := range p.blocks {
			put(b.out)
		}
		for {
			select {
			case b := <-p.free:
				put(b)
			default:
				if p.last != nil {
					put(p.last)
					p.last = nil
				}
				return
			}
		}
	})
	<-p.done
}

// unpipe stops a pipelined reader's producer and returns the producer's
// own reader, which then decodes in line (a file that comes back on
// earlier data restarts the folder there). A reader without a pipe is
// returned as it is.
func (fr *folderReader) unpipe() *folderReader {
	if fr.pipe == nil {
		return fr
	}
	fr.pipe.close()
	return fr.pipe.src
}
