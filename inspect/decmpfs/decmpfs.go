// Package decmpfs decodes the bytes of files compressed by Apple's decmpfs
// ("transparent" compression, as ditto --hfsCompression and afsctool write
// it). The scheme is the same on HFS+ and APFS: a file flagged
// UF_COMPRESSED has no data of its own and a com.apple.decmpfs extended
// attribute whose 16-byte little-endian header ("fpmc", type, uncompressed
// size) says where its bytes are: in the attribute after the header (types
// 1, 3, 7, 9, 11) or in the file's resource fork as 64 KiB blocks behind a
// block table (types 4, 8, 12).
//
// Where the attribute and the resource fork are stored is the
// filesystem's business (inspect/hfsplus, inspect/apfs): this package is
// given their bytes, and reports each fault it finds through the caller,
// which spells it as an error of its own layer at the place its input
// holds it.
package decmpfs

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/dmg/lzfse"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Compression types.
const (
	RawAttr   = 1 // uncompressed, in the attribute
	ZlibAttr  = 3
	ZlibRsrc  = 4
	LZVNAttr  = 7
	LZVNRsrc  = 8
	CopyAttr  = 9 // uncompressed, in the attribute after a 0xcc marker
	LZFSEAttr = 11
	LZFSERsrc = 12
)

// AttrName is the extended attribute holding a compressed file's header.
const AttrName = "com.apple.decmpfs"

const (
	headerSize = 16
	blockSize  = 64 << 10 // uncompressed bytes of a resource fork's block
	// defaultMax is the default of File's limits, the same as the
	// filesystem readers' Options.
	defaultMax = 64 << 20
)

// CompressionName names a compression type.
func CompressionName(t uint32) string {
	switch t {
	case RawAttr, CopyAttr:
		return "uncompressed in attribute"
	case ZlibAttr:
		return "zlib in attribute"
	case ZlibRsrc:
		return "zlib in resource fork"
	case LZVNAttr:
		return "LZVN in attribute"
	case LZVNRsrc:
		return "LZVN in resource fork"
	case LZFSEAttr:
		return "LZFSE in attribute"
	case LZFSERsrc:
		return "LZFSE in resource fork"
	}
	return fmt.Sprintf("type %d", t)
}

// InResourceFork reports whether type t keeps the file's bytes in its
// resource fork.
func InResourceFork(t uint32) bool {
	return t == ZlibRsrc || t == LZVNRsrc || t == LZFSERsrc
}

// Header is what a com.apple.decmpfs attribute's header says.
type Header struct {
	Type uint32
	Size int64 // the file's uncompressed size
}

// ParseHeader reads the header at the start of attr. When the type is one
// this package does not decode, the header is returned with the error, so
// that the file can still be listed with its type and size. An error's
// text is the whole message: callers put it in their own layer's error.
func ParseHeader(attr []byte) (Header, error) {
	if len(attr) < headerSize || string(attr[:4]) != "fpmc" {
		return Header{}, fmt.Errorf("%s attribute has no fpmc header", AttrName)
	}
	h := Header{Type: binary.LittleEndian.Uint32(attr[4:])}
	size := binary.LittleEndian.Uint64(attr[8:])
	if size > 1<<62 {
		return h, fmt.Errorf("decmpfs declares %d bytes", size)
	}
	h.Size = int64(size)
	switch h.Type {
	case RawAttr, ZlibAttr, ZlibRsrc, LZVNAttr, LZVNRsrc, CopyAttr, LZFSEAttr, LZFSERsrc:
		return h, nil
	}
	return h, fmt.Errorf("decmpfs compression %s is not supported", CompressionName(h.Type))
}

// File is a compressed file as its filesystem stores it, and what decoding
// it may hold in memory.
type File struct {
	// Attr is the com.apple.decmpfs attribute, header included.
	Attr []byte
	// Fork holds the resource fork's ForkSize bytes; only the resource
	// fork types read it. Errors Fork.ReadAt returns are passed on as they
	// are: the caller's reader names its own place.
	Fork     io.ReaderAt
	ForkSize int64
	// MaxInlineBytes bounds the bytes an LZVN or LZFSE attribute is
	// decompressed into (those decoders want the whole output at once);
	// resource forks are decoded a 64 KiB block at a time. 0 means 64 MiB.
	MaxInlineBytes int64
	// MaxTableBytes bounds a resource fork's block table. 0 means 64 MiB.
	MaxTableBytes int64
	// Fault, when set, makes the error for a fault in the data: off is the
	// offset in the resource fork that it is about (-1 for the attribute,
	// or no one place), msg says what is wrong, cause is what a decoder or
	// a limit reported (nil when msg says it all). Unset, faults are
	// *Error.
	Fault func(off int64, msg string, cause error) error
}

// Error is a fault in a file's data, as Open reports it when File.Fault is
// unset.
type Error struct {
	Off int64 // in the resource fork, -1 when none applies
	Msg string
	Err error // the cause, may be nil
}

func (e *Error) Error() string {
	s := "decmpfs: "
	if e.Off >= 0 {
		s += fmt.Sprintf("at resource fork offset %d: ", e.Off)
	}
	s += e.Msg
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func (f *File) fault(off int64, msg string, cause error) error {
	if f.Fault != nil {
		return f.Fault(off, msg, cause)
	}
	return &Error{Off: off, Msg: msg, Err: cause}
}

func (f *File) faultf(off int64, format string, args ...any) error {
	return f.fault(off, fmt.Sprintf(format, args...), nil)
}

// Open returns the file's decompressed bytes. A resource fork's block table
// is read now, its blocks as the reader is read.
func Open(f File) (io.Reader, error) {
	if f.MaxInlineBytes <= 0 {
		f.MaxInlineBytes = defaultMax
	}
	if f.MaxTableBytes <= 0 {
		f.MaxTableBytes = defaultMax
	}
	h, err := ParseHeader(f.Attr)
	if err != nil {
		return nil, f.fault(-1, err.Error(), nil)
	}
	payload := f.Attr[headerSize:]
	switch h.Type {
	case RawAttr:
		return f.exact(h, bytes.NewReader(payload)), nil
	case CopyAttr:
		if len(payload) == 0 || payload[0] != 0xcc {
			return nil, f.faultf(-1, "decmpfs type 9 data lacks its 0xcc marker")
		}
		return f.exact(h, bytes.NewReader(payload[1:])), nil
	case ZlibAttr:
		// A low nibble of 0xf (no zlib header has it) marks data stored
		// as it is, what macOS writes when zlib does not shrink it.
		if len(payload) > 0 && payload[0]&0x0f == 0x0f {
			return f.exact(h, bytes.NewReader(payload[1:])), nil
		}
		zr, err := zlib.NewReader(bytes.NewReader(payload))
		if err != nil {
			return nil, f.fault(-1, "decmpfs zlib data", err)
		}
		return f.exact(h, zr), nil
	case LZVNAttr, LZFSEAttr:
		return f.inline(h, payload)
	}
	if h.Size == 0 {
		// No blocks: the resource fork, which APFS may leave out, is not
		// read.
		return bytes.NewReader(nil), nil
	}
	br := &blockReader{f: &f, h: h}
	if h.Type == ZlibRsrc {
		err = br.zlibTable()
	} else {
		err = br.offsetTable()
	}
	if err != nil {
		return nil, err
	}
	return br, nil
}

// inline decodes an LZVN or LZFSE attribute, whose decoders want the whole
// output at once.
func (f *File) inline(h Header, payload []byte) (io.Reader, error) {
	if len(payload) > 0 && payload[0] == 0x06 {
		// Stored as it is: 0x06 (LZVN's end of stream) starts no LZVN or
		// LZFSE data.
		return f.exact(h, bytes.NewReader(payload[1:])), nil
	}
	if h.Size > f.MaxInlineBytes {
		le := &formaterr.LimitError{Limit: "MaxInlineBytes", Value: f.MaxInlineBytes, What: fmt.Sprintf("compressed attribute declares %d bytes", h.Size)}
		return nil, f.fault(-1, le.Error(), le)
	}
	// Neither codec expands a byte to more than a few thousand: a larger
	// claim is refused before its buffer is made.
	if h.Size > 4096*int64(len(payload))+blockSize {
		return nil, f.faultf(-1, "%d compressed bytes cannot hold the %d bytes declared", len(payload), h.Size)
	}
	dst := make([]byte, h.Size)
	var n int
	var err error
	if h.Type == LZVNAttr {
		n, err = lzfse.DecodeLZVN(dst, payload)
	} else {
		n, err = lzfse.Decode(dst, payload)
	}
	if err == nil && int64(n) != h.Size {
		err = fmt.Errorf("decompresses to %d bytes", n)
	}
	if err != nil {
		return nil, f.fault(-1, "decmpfs "+CompressionName(h.Type), err)
	}
	return bytes.NewReader(dst), nil
}

// exact reads r up to the file's size and fails when r ends sooner.
func (f *File) exact(h Header, r io.Reader) io.Reader {
	return &exactReader{r: io.LimitReader(r, h.Size), left: h.Size, h: h, f: f}
}

type exactReader struct {
	r    io.Reader
	left int64
	h    Header
	f    *File
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, e.f.faultf(-1, "decmpfs data ends %d bytes short of the %d declared", e.left, e.h.Size)
	}
	if err != nil && err != io.EOF {
		return n, e.f.fault(-1, "decmpfs "+CompressionName(e.h.Type), err)
	}
	return n, err
}

// blockReader decodes a resource fork's 64 KiB blocks one at a time.
type blockReader struct {
	f      *File
	h      Header
	blocks []span // compressed blocks in the resource fork
	next   int
	buf    []byte
	src    []byte
	pos    int
}

type span struct{ off, n int64 }

// read reads len(p) bytes of the resource fork at off; what names them
// for the fault when they are not all inside it.
func (b *blockReader) read(p []byte, off int64, what string) error {
	size := b.f.ForkSize
	if off < 0 || off > size-int64(len(p)) {
		return b.f.faultf(off, "%s of %d bytes at %d runs past the %d-byte resource fork", what, len(p), off, size)
	}
	n, err := b.f.Fork.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		// A reader shorter than the size it was given; never let an
		// io.EOF end the file's bytes early.
		return b.f.fault(off, "reading "+what, io.ErrUnexpectedEOF)
	}
	return err
}

// count is the number of blocks the file's size needs, refused when their
// table could not fit in the resource fork or the table limit.
func (b *blockReader) count() (int64, error) {
	n := (b.h.Size + blockSize - 1) / blockSize
	if 8*n > b.f.MaxTableBytes || 8*n > b.f.ForkSize {
		return 0, b.f.faultf(-1, "%d bytes need %d blocks, more than the resource fork of %d bytes can list", b.h.Size, n, b.f.ForkSize)
	}
	return n, nil
}

// zlibTable reads type 4's table: a resource fork whose one resource is a
// little-endian block count and (offset, size) pairs, offsets counted from
// the resource's start.
func (b *blockReader) zlibTable() error {
	n, err := b.count()
	if err != nil {
		return err
	}
	var h [16]byte
	if err := b.read(h[:], 0, "resource fork header"); err != nil {
		return err
	}
	dataOff := int64(binary.BigEndian.Uint32(h[:]))
	var c [8]byte
	if err := b.read(c[:], dataOff, "resource fork's data"); err != nil {
		return err
	}
	if got := int64(binary.LittleEndian.Uint32(c[4:])); got != n {
		return b.f.faultf(dataOff+4, "resource fork lists %d blocks, %d bytes need %d", got, b.h.Size, n)
	}
	t := make([]byte, 8*n)
	if err := b.read(t, dataOff+8, "resource fork's block table"); err != nil {
		return err
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
	n, err := b.count()
	if err != nil {
		return err
	}
	t := make([]byte, 4*(n+1))
	if err := b.read(t, 0, "resource fork's block table"); err != nil {
		return err
	}
	for i := int64(0); i < n; i++ {
		a, e := int64(binary.LittleEndian.Uint32(t[4*i:])), int64(binary.LittleEndian.Uint32(t[4*i+4:]))
		if e < a {
			return b.f.faultf(4*i, "resource fork's block %d ends before it starts", i)
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
	s := b.blocks[i]
	want := min(blockSize, b.h.Size-int64(i)*blockSize)
	fail := func(msg string, err error) error {
		m := fmt.Sprintf("decmpfs %s block %d", CompressionName(b.h.Type), i)
		if msg != "" {
			m += ": " + msg
		}
		return b.f.fault(s.off, m, err)
	}
	// No codec doubles a block: a longer one is damage, not data.
	if s.n == 0 || s.n > 2*blockSize || s.off < 0 || s.off > b.f.ForkSize-s.n {
		return fail(fmt.Sprintf("%d bytes at %d, outside the %d-byte resource fork", s.n, s.off, b.f.ForkSize), nil)
	}
	if int64(cap(b.src)) < s.n {
		b.src = make([]byte, s.n)
	}
	b.src = b.src[:s.n]
	if err := b.read(b.src, s.off, fmt.Sprintf("block %d", i)); err != nil {
		return err
	}
	if cap(b.buf) < blockSize {
		b.buf = make([]byte, blockSize)
	}
	b.buf, b.pos = b.buf[:want], 0
	src := b.src
	// A block stored as it is starts with the marker its codec never
	// starts with: a low nibble of 0xf for zlib, 0x06 for LZVN and LZFSE.
	raw := (b.h.Type == ZlibRsrc && src[0]&0x0f == 0x0f) || (b.h.Type != ZlibRsrc && src[0] == 0x06)
	if raw {
		if int64(len(src)-1) != want {
			return fail(fmt.Sprintf("stored block of %d bytes, want %d", len(src)-1, want), nil)
		}
		copy(b.buf, src[1:])
		return nil
	}
	var n int
	var err error
	switch b.h.Type {
	case ZlibRsrc:
		var zr io.ReadCloser
		if zr, err = zlib.NewReader(bytes.NewReader(src)); err == nil {
			n, err = io.ReadFull(zr, b.buf)
		}
	case LZVNRsrc:
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
