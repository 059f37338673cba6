package hfsplus

import (
	"encoding/binary"
	"fmt"
	"io"
	"sync"
)

// extent is a run of allocation blocks.
type extent struct {
	start, count uint32
}

// fork is a file's data or resource fork: its logical size and the
// extents that hold it, the overflow extents appended.
type fork struct {
	size        uint64
	totalBlocks uint32
	extents     []extent
}

const forkDataSize = 80

func parseFork(b []byte) fork {
	f := fork{size: binary.BigEndian.Uint64(b), totalBlocks: binary.BigEndian.Uint32(b[12:])}
	for i := 0; i < 8; i++ {
		e := extent{binary.BigEndian.Uint32(b[16+8*i:]), binary.BigEndian.Uint32(b[20+8*i:])}
		if e.count == 0 {
			break
		}
		f.extents = append(f.extents, e)
	}
	return f
}

// blocks is how many blocks the extents hold.
func (f *fork) blocks() uint64 {
	var n uint64
	for _, e := range f.extents {
		n += uint64(e.count)
	}
	return n
}

// forkReader reads a fork's logical bytes from the volume.
type forkReader struct {
	v    *Volume
	f    fork
	what string // the fork's owner, for errors

	// The extent the last read ended in, so that reading a fragmented
	// file front to back does not rescan its extents every time.
	mu         sync.Mutex
	lastBase   int64
	lastExtent int
}

// newForkReader checks the fork's extents against the volume and its size
// against its extents.
func (v *Volume) newForkReader(f fork, what string) (*forkReader, error) {
	var blocks uint64
	for _, e := range f.extents {
		if uint64(e.start)+uint64(e.count) > uint64(v.Header.TotalBlocks) {
			return nil, errorf(int64(e.start)*int64(v.blockSize), what, "extent of %d blocks at block %d is outside the volume's %d blocks", e.count, e.start, v.Header.TotalBlocks)
		}
		blocks += uint64(e.count)
	}
	if f.size > blocks*uint64(v.blockSize) {
		return nil, errorf(-1, what, "fork of %d bytes has extents for %d blocks of %d bytes", f.size, blocks, v.blockSize)
	}
	return &forkReader{v: v, f: f, what: what}, nil
}

func (r *forkReader) Size() int64 { return int64(r.f.size) }

func (r *forkReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("hfsplus: negative offset")
	}
	bs := int64(r.v.blockSize)
	n := 0
	var base int64 // logical offset where the current extent starts
	ei := 0
	r.mu.Lock()
	if off >= r.lastBase {
		base, ei = r.lastBase, r.lastExtent
	}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.lastBase, r.lastExtent = base, ei
		r.mu.Unlock()
	}()
	for n < len(b) {
		if off >= int64(r.f.size) {
			return n, io.EOF
		}
		for ei < len(r.f.extents) && off >= base+int64(r.f.extents[ei].count)*bs {
			base += int64(r.f.extents[ei].count) * bs
			ei++
		}
		if ei == len(r.f.extents) {
			return n, errorf(-1, r.what, "offset %d is past the fork's extents", off)
		}
		e := r.f.extents[ei]
		end := min(base+int64(e.count)*bs, int64(r.f.size))
		k := int(min(int64(len(b)-n), end-off))
		at := int64(e.start)*bs + (off - base)
		if _, err := r.v.r.ReadAt(b[n:n+k], at); err != nil {
			if _, ok := err.(*FormatError); ok {
				// The layer below (a disk image's chunk) names its
				// own place.
				return n, err
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return n, &FormatError{In: layer, Off: at, Where: r.what, Msg: "reading the volume", Err: err}
		}
		n += k
		off += int64(k)
	}
	return n, nil
}

// physical is the volume offset of the fork's logical offset off, -1 when
// no extent holds it (for error messages).
func (r *forkReader) physical(off int64) int64 {
	bs := int64(r.v.blockSize)
	var base int64
	for _, e := range r.f.extents {
		n := int64(e.count) * bs
		if off < base+n {
			return int64(e.start)*bs + off - base
		}
		base += n
	}
	return -1
}
