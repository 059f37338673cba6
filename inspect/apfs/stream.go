package apfs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/installer-sbom/installer-sbom/inspect/dmg/lzfse"
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

// decmpfs ("transparent") compression: a file flagged UF_COMPRESSED has
// no data stream of its own and a com.apple.decmpfs attribute whose
// little-endian header ("fpmc", type, uncompressed size) says where its
// bytes are: in the attribute after the header (types 1, 3, 7, 9, 11) or
// in the com.apple.ResourceFork attribute as 64 KiB blocks (types 4, 8,
// 12). The same scheme as HFS+'s (inspect/hfsplus).
const (
	decmpfsRawAttr   = 1
	decmpfsZlibAttr  = 3
	decmpfsZlibRsrc  = 4
	decmpfsLZVNAttr  = 7
	decmpfsLZVNRsrc  = 8
	decmpfsCopyAttr  = 9
	decmpfsLZFSEAttr = 11
	decmpfsLZFSERsrc = 12

	decmpfsHeaderSize = 16
	decmpfsBlock      = 64 << 10
)

// CompressionName names a decmpfs type.
func CompressionName(t uint32) string {
	switch t {
	case decmpfsRawAttr, decmpfsCopyAttr:
		return "uncompressed in attribute"
	case decmpfsZlibAttr:
		return "zlib in attribute"
	case decmpfsZlibRsrc:
		return "zlib in resource fork"
	case decmpfsLZVNAttr:
		return "LZVN in attribute"
	case decmpfsLZVNRsrc:
		return "LZVN in resource fork"
	case decmpfsLZFSEAttr:
		return "LZFSE in attribute"
	case decmpfsLZFSERsrc:
		return "LZFSE in resource fork"
	}
	return fmt.Sprintf("type %d", t)
}

func (f *File) parseDecmpfs() error {
	h := f.decmpfs
	if len(h) < decmpfsHeaderSize || string(h[:4]) != "fpmc" {
		return errorf(-1, f.Path, "%s attribute has no fpmc header", decmpfsAttrName)
	}
	f.Compression = binary.LittleEndian.Uint32(h[4:])
	size := binary.LittleEndian.Uint64(h[8:])
	if size > 1<<62 {
		return errorf(-1, f.Path, "decmpfs declares %d bytes", size)
	}
	f.Size = int64(size)
	switch f.Compression {
	case decmpfsRawAttr, decmpfsZlibAttr, decmpfsLZVNAttr, decmpfsCopyAttr, decmpfsLZFSEAttr:
		return nil
	case decmpfsZlibRsrc, decmpfsLZVNRsrc, decmpfsLZFSERsrc:
		if f.rsrcData == nil && f.rsrc.extents == nil && f.rsrc.size == 0 && f.Size > 0 {
			return errorf(-1, f.Path, "decmpfs %s, but the file has no %s attribute", CompressionName(f.Compression), rsrcAttrName)
		}
		return nil
	}
	return errorf(-1, f.Path, "decmpfs compression %s is not supported", CompressionName(f.Compression))
}

// rsrcReader is what a resource fork is read through.
type rsrcReader interface {
	io.ReaderAt
	Size() int64
}

type embedded struct{ *bytes.Reader }

func (e embedded) physical(int64) int64 { return -1 }

// openCompressed returns the decompressed bytes of a decmpfs file.
func (v *Volume) openCompressed(f *File) (io.Reader, error) {
	payload := f.decmpfs[decmpfsHeaderSize:]
	switch f.Compression {
	case decmpfsRawAttr:
		return exact(bytes.NewReader(payload), f), nil
	case decmpfsCopyAttr:
		if len(payload) == 0 || payload[0] != 0xcc {
			return nil, errorf(-1, f.Path, "decmpfs type 9 data lacks its 0xcc marker")
		}
		return exact(bytes.NewReader(payload[1:]), f), nil
	case decmpfsZlibAttr:
		if len(payload) > 0 && payload[0]&0x0f == 0x0f {
			return exact(bytes.NewReader(payload[1:]), f), nil
		}
		zr, err := zlib.NewReader(bytes.NewReader(payload))
		if err != nil {
			return nil, &FormatError{In: layer, Off: -1, Where: f.Path, Msg: "decmpfs zlib data", Err: err}
		}
		return exact(zr, f), nil
	case decmpfsLZVNAttr, decmpfsLZFSEAttr:
		if len(payload) > 0 && payload[0] == 0x06 {
			return exact(bytes.NewReader(payload[1:]), f), nil
		}
		if f.Size > v.c.opts.MaxInlineBytes {
			return nil, limitErr(-1, f.Path, "MaxInlineBytes", v.c.opts.MaxInlineBytes, fmt.Sprintf("compressed attribute declares %d bytes", f.Size))
		}
		if f.Size > 4096*int64(len(payload))+decmpfsBlock {
			return nil, errorf(-1, f.Path, "%d compressed bytes cannot hold the %d bytes declared", len(payload), f.Size)
		}
		dst := make([]byte, f.Size)
		var n int
		var err error
		if f.Compression == decmpfsLZVNAttr {
			n, err = lzfse.DecodeLZVN(dst, payload)
		} else {
			n, err = lzfse.Decode(dst, payload)
		}
		if err == nil && int64(n) != f.Size {
			err = fmt.Errorf("decompresses to %d bytes", n)
		}
		if err != nil {
			return nil, &FormatError{In: layer, Off: -1, Where: f.Path, Msg: "decmpfs " + CompressionName(f.Compression), Err: err}
		}
		return bytes.NewReader(dst), nil
	}
	var rr interface {
		rsrcReader
		physical(int64) int64
	}
	if f.rsrcData != nil {
		rr = embedded{bytes.NewReader(f.rsrcData)}
	} else {
		rr = &sizedStream{streamReader{c: v.c, s: f.rsrc, what: f.Path + " (resource fork)"}}
	}
	br := &blockReader{f: f, r: rr, v: v}
	var err error
	if f.Compression == decmpfsZlibRsrc {
		err = br.zlibTable()
	} else {
		err = br.offsetTable()
	}
	if err != nil {
		return nil, err
	}
	return br, nil
}

type sizedStream struct{ streamReader }

func (s *sizedStream) Size() int64 { return s.s.size }

// exact reads r up to the file's size and fails when r ends sooner.
func exact(r io.Reader, f *File) io.Reader {
	return &exactReader{r: io.LimitReader(r, f.Size), left: f.Size, f: f}
}

type exactReader struct {
	r    io.Reader
	left int64
	f    *File
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, errorf(-1, e.f.Path, "decmpfs data ends %d bytes short of the %d declared", e.left, e.f.Size)
	}
	if err != nil && err != io.EOF {
		return n, &FormatError{In: layer, Off: -1, Where: e.f.Path, Msg: "decmpfs " + CompressionName(e.f.Compression), Err: err}
	}
	return n, err
}

// blockReader decodes a resource fork's 64 KiB blocks one at a time.
type blockReader struct {
	f *File
	r interface {
		rsrcReader
		physical(int64) int64
	}
	v      *Volume
	blocks []span
	next   int
	buf    []byte
	src    []byte
	pos    int
}

type span struct{ off, n int64 }

func (b *blockReader) file() *File { return b.f }

func (b *blockReader) count() (int64, error) {
	f := b.file()
	n := (f.Size + decmpfsBlock - 1) / decmpfsBlock
	if 8*n > b.v.c.opts.MaxAttrBytes || 8*n > b.r.Size() {
		return 0, errorf(-1, f.Path, "%d bytes need %d blocks, more than the resource fork of %d bytes can list", f.Size, n, b.r.Size())
	}
	return n, nil
}

// zlibTable reads type 4's table: a resource fork whose one resource is a
// little-endian block count and (offset, size) pairs, offsets counted from
// the resource's start.
func (b *blockReader) zlibTable() error {
	f := b.file()
	n, err := b.count()
	if err != nil {
		return err
	}
	var h [16]byte
	if _, err := b.r.ReadAt(h[:], 0); err != nil {
		return errorf(-1, f.Path, "resource fork header unreadable: %v", err)
	}
	dataOff := int64(binary.BigEndian.Uint32(h[:]))
	var c [8]byte
	if _, err := b.r.ReadAt(c[:], dataOff); err != nil {
		return errorf(-1, f.Path, "resource fork's data at %d unreadable", dataOff)
	}
	if got := int64(binary.LittleEndian.Uint32(c[4:])); got != n {
		return errorf(-1, f.Path, "resource fork lists %d blocks, %d bytes need %d", got, f.Size, n)
	}
	t := make([]byte, 8*n)
	if _, err := b.r.ReadAt(t, dataOff+8); err != nil {
		return errorf(-1, f.Path, "resource fork's block table unreadable: %v", err)
	}
	base := dataOff + 4
	for i := int64(0); i < n; i++ {
		b.blocks = append(b.blocks, span{base + int64(binary.LittleEndian.Uint32(t[8*i:])), int64(binary.LittleEndian.Uint32(t[8*i+4:]))})
	}
	return nil
}

// offsetTable reads types 8 and 12's table: n+1 little-endian offsets at
// the resource fork's start, block i running from the i-th to the next.
func (b *blockReader) offsetTable() error {
	f := b.file()
	n, err := b.count()
	if err != nil {
		return err
	}
	t := make([]byte, 4*(n+1))
	if _, err := b.r.ReadAt(t, 0); err != nil {
		return errorf(-1, f.Path, "resource fork's block table unreadable: %v", err)
	}
	for i := int64(0); i < n; i++ {
		a, e := int64(binary.LittleEndian.Uint32(t[4*i:])), int64(binary.LittleEndian.Uint32(t[4*i+4:]))
		if e < a {
			return errorf(-1, f.Path, "resource fork's block %d ends before it starts", i)
		}
		b.blocks = append(b.blocks, span{a, e - a})
	}
	return nil
}

func (b *blockReader) Read(p []byte) (int, error) {
	for b.pos == len(b.buf) {
		if b.next == len(b.blocks) {
			return 0, io.EOF
		}
		if err := b.decode(b.next); err != nil {
			return 0, err
		}
		b.next++
	}
	n := copy(p, b.buf[b.pos:])
	b.pos += n
	return n, nil
}

// decode decompresses block i into buf.
func (b *blockReader) decode(i int) error {
	f := b.file()
	s := b.blocks[i]
	want := min(decmpfsBlock, f.Size-int64(i)*decmpfsBlock)
	fail := func(msg string, err error) error {
		m := fmt.Sprintf("decmpfs %s block %d", CompressionName(f.Compression), i)
		if msg != "" {
			m += ": " + msg
		}
		return &FormatError{In: layer, Off: b.r.physical(s.off), Where: f.Path, Msg: m, Err: err}
	}
	if s.n == 0 || s.n > 2*decmpfsBlock || s.off < 0 || s.off > b.r.Size()-s.n {
		return fail(fmt.Sprintf("%d bytes at %d, outside the %d-byte resource fork", s.n, s.off, b.r.Size()), nil)
	}
	b.src = append(b.src[:0], make([]byte, s.n)...)
	if _, err := b.r.ReadAt(b.src, s.off); err != nil {
		return err
	}
	if cap(b.buf) < decmpfsBlock {
		b.buf = make([]byte, decmpfsBlock)
	}
	b.buf, b.pos = b.buf[:want], 0
	src := b.src
	raw := (f.Compression == decmpfsZlibRsrc && src[0]&0x0f == 0x0f) || (f.Compression != decmpfsZlibRsrc && src[0] == 0x06)
	if raw {
		if int64(len(src)-1) != want {
			return fail(fmt.Sprintf("stored block of %d bytes, want %d", len(src)-1, want), nil)
		}
		copy(b.buf, src[1:])
		return nil
	}
	var n int
	var err error
	switch f.Compression {
	case decmpfsZlibRsrc:
		var zr io.ReadCloser
		if zr, err = zlib.NewReader(bytes.NewReader(src)); err == nil {
			n, err = io.ReadFull(zr, b.buf)
		}
	case decmpfsLZVNRsrc:
		n, err = lzfse.DecodeLZVN(b.buf, src)
	default:
		n, err = lzfse.Decode(b.buf, src)
	}
	if err == nil && int64(n) != want {
		err = fmt.Errorf("decompresses to %d bytes, want %d", n, want)
	}
	if err != nil {
		return fail("", err)
	}
	return nil
}
