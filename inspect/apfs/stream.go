package apfs

import (
	"bytes"
	"fmt"
	"io"
	"sort"

	"github.com/installer-sbom/installer-sbom/inspect/decmpfs"
)

// streamReader reads a data stream's logical bytes; extents stored at
// block 0, and gaps between extents, are holes and read as zeros.
type streamReader struct {
	c    *Container
	s    stream
	what string
}

func (v *Volume) reader(s stream, what string) *io.SectionReader {
	return io.NewSectionReader(&streamReader{c: v.c, s: s, what: what}, 0, s.size)
}

func (r *streamReader) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("apfs: negative offset")
	}
	n := 0
	ext := r.s.extents
	for n < len(b) {
		if off >= r.s.size {
			return n, io.EOF
		}
		want := min(int64(len(b)-n), r.s.size-off)
		// The first extent ending after off.
		i := sort.Search(len(ext), func(i int) bool { return ext[i].off+ext[i].length > uint64(off) })
		if i == len(ext) || ext[i].off > uint64(off) {
			// A hole up to the next extent.
			k := want
			if i < len(ext) {
				k = min(k, int64(ext[i].off)-off)
			}
			clear(b[n : n+int(k)])
			n += int(k)
			off += k
			continue
		}
		e := ext[i]
		k := min(want, int64(e.off+e.length)-off)
		if e.phys == 0 {
			clear(b[n : n+int(k)])
		} else {
			at := int64(e.phys)*int64(r.c.BlockSize) + (off - int64(e.off))
			if _, err := r.c.r.ReadAt(b[n:n+int(k)], at); err != nil {
				return n, r.c.readErr(at, r.what, err)
			}
		}
		n += int(k)
		off += k
	}
	return n, nil
}

// physical is the container offset of a stream's logical offset, -1 when
// none holds it.
func (r *streamReader) physical(off int64) int64 {
	for _, e := range r.s.extents {
		if uint64(off) >= e.off && uint64(off) < e.off+e.length && e.phys != 0 {
			return int64(e.phys)*int64(r.c.BlockSize) + off - int64(e.off)
		}
	}
	return -1
}

// parseDecmpfs reads a compressed file's decmpfs header. An APFS file
// compressed into its resource fork keeps the fork in the
// com.apple.ResourceFork attribute.
func (f *File) parseDecmpfs() error {
	h, err := decmpfs.ParseHeader(f.decmpfs)
	f.Compression, f.Size = h.Type, h.Size
	if err != nil {
		return errorf(-1, f.Path, "%v", err)
	}
	if decmpfs.InResourceFork(h.Type) && f.rsrcData == nil && f.rsrc.extents == nil && f.rsrc.size == 0 && h.Size > 0 {
		return errorf(-1, f.Path, "decmpfs %s, but the file has no %s attribute", decmpfs.CompressionName(h.Type), rsrcAttrName)
	}
	return nil
}

// openCompressed returns the decompressed bytes of a decmpfs file. Faults
// in a resource fork kept in a data stream are placed at their container
// offset; an embedded resource fork is in no one place of it.
func (v *Volume) openCompressed(f *File) (io.Reader, error) {
	d := decmpfs.File{Attr: f.decmpfs, MaxInlineBytes: v.c.opts.MaxInlineBytes, MaxTableBytes: v.c.opts.MaxAttrBytes}
	physical := func(int64) int64 { return -1 }
	switch {
	case !decmpfs.InResourceFork(f.Compression):
		// The attribute holds the bytes.
	case f.rsrcData != nil:
		d.Fork, d.ForkSize = bytes.NewReader(f.rsrcData), int64(len(f.rsrcData))
	default:
		sr := &streamReader{c: v.c, s: f.rsrc, what: f.Path + " (resource fork)"}
		d.Fork, d.ForkSize, physical = sr, f.rsrc.size, sr.physical
	}
	d.Fault = func(off int64, msg string, cause error) error {
		if off >= 0 {
			off = physical(off)
		}
		return &FormatError{In: layer, Off: off, Where: f.Path, Msg: msg, Err: cause}
	}
	return decmpfs.Open(d)
}
