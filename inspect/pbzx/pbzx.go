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
// The reader streams the concatenated uncompressed chunks.
package pbzx

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Magic starts every pbzx stream.
var Magic = []byte("pbzx")

// FormatError says what is wrong with the stream and where.
type FormatError struct {
	LayerName string // always "pbzx"
	Off       int64  // byte offset in the pbzx stream
	Msg       string
	Err       error
}

func (e *FormatError) Error() string {
	s := fmt.Sprintf("%s: at offset %#x: %s", e.LayerName, e.Off, e.Msg)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}
func (e *FormatError) Layer() string { return e.LayerName }
func (e *FormatError) Offset() int64 { return e.Off }
func (e *FormatError) Unwrap() error { return e.Err }

func errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{LayerName: "pbzx", Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Options bound the reader. Zero fields take the defaults.
type Options struct {
	MaxChunkSize int64 // largest chunk, stored or uncompressed; default 64 MiB
	MaxDict      int64 // largest xz dictionary; default DefaultMaxDict
}

// Reader decodes a pbzx stream.
type Reader struct {
	r         *bufio.Reader
	off       int64 // stream bytes consumed (header and stored chunk bytes)
	chunkSize int64
	maxChunk  int64
	maxDict   int64

	chunk      int   // index of the current chunk
	chunkStart int64 // stream offset of the current chunk header
	cur        io.Reader
	remain     int64 // uncompressed bytes of the current chunk not yet produced
	stored     *io.LimitedReader
	err        error
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
	z := &Reader{r: bufio.NewReaderSize(r, 64<<10), maxChunk: o.MaxChunkSize, maxDict: o.MaxDict, chunk: -1}
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
	for z.err == nil {
		if z.cur == nil || z.remain == 0 {
			if z.cur != nil {
				if err := z.endChunk(); err != nil {
					z.err = err
					break
				}
			}
			if err := z.nextChunk(); err != nil {
				z.err = err
				break
			}
			continue
		}
		if len(p) == 0 {
			return 0, nil
		}
		if int64(len(p)) > z.remain {
			p = p[:z.remain]
		}
		n, err := z.cur.Read(p)
		z.remain -= int64(n)
		if err == io.EOF && z.remain > 0 {
			err = errorf(z.chunkStart, io.ErrUnexpectedEOF, "chunk %d: %d bytes short of its uncompressed size", z.chunk, z.remain)
		} else if err == io.EOF {
			err = nil
		}
		if err != nil {
			z.err = z.wrap(err)
			return n, z.err
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, z.err
}

func (z *Reader) wrap(err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	return errorf(z.chunkStart, err, "chunk %d", z.chunk)
}

// endChunk checks that the chunk's stored bytes are used up exactly.
func (z *Reader) endChunk() error {
	if z.cur != z.stored {
		// The xz stream must end exactly at the chunk's uncompressed size.
		var one [1]byte
		if n, err := z.cur.Read(one[:]); n > 0 {
			return errorf(z.chunkStart, nil, "chunk %d: xz stream holds more than its declared uncompressed size", z.chunk)
		} else if err != nil && err != io.EOF {
			return z.wrap(err)
		}
	}
	if z.stored.N > 0 {
		// xz may leave stream padding; anything else is a lie about the length.
		rest, err := io.ReadAll(z.stored)
		if err != nil {
			return z.wrap(err)
		}
		for _, b := range rest {
			if b != 0 {
				return errorf(z.chunkStart, nil, "chunk %d: %d stored bytes after the xz stream", z.chunk, len(rest))
			}
		}
	}
	return nil
}

func (z *Reader) nextChunk() error {
	start := z.off
	var h [16]byte
	n, err := io.ReadFull(z.r, h[:])
	z.off += int64(n)
	if err == io.EOF {
		return io.EOF // clean end between chunks
	}
	if err != nil {
		return errorf(start, io.ErrUnexpectedEOF, "chunk %d header truncated", z.chunk+1)
	}
	z.chunk++
	z.chunkStart = start
	size := binary.BigEndian.Uint64(h[:8])
	length := binary.BigEndian.Uint64(h[8:])
	if size == 0 || size > uint64(z.chunkSize) {
		return errorf(start, nil, "chunk %d: uncompressed size %d out of range 1..%d", z.chunk, size, z.chunkSize)
	}
	if length == 0 || length > uint64(z.maxChunk)+(1<<16) {
		return errorf(start+8, nil, "chunk %d: stored length %d out of range", z.chunk, length)
	}
	z.remain = int64(size)
	z.stored = &io.LimitedReader{R: &countReader{r: z.r, n: &z.off}, N: int64(length)}
	if length == size {
		z.cur = z.stored
		return nil
	}
	head, _ := z.r.Peek(len(XZMagic))
	if !bytes.Equal(head, XZMagic) {
		return errorf(start+16, nil, "chunk %d: stored length %d differs from size %d but data is not xz", z.chunk, length, size)
	}
	xr, err := NewXZReader(z.stored, z.maxDict)
	if err != nil {
		return errorf(start+16, err, "chunk %d", z.chunk)
	}
	z.cur = xr
	return nil
}

type countReader struct {
	r io.Reader
	n *int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}
