package hfsplus

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/dmg/lzfse"
)

// decmpfs ("transparent") compression: a file flagged UF_COMPRESSED has an
// empty data fork and a com.apple.decmpfs attribute whose little-endian
// header ("fpmc", type, uncompressed size) says where its bytes are: in
// the attribute after the header (types 1, 3, 7, 9, 11) or in the
// resource fork as 64 KiB blocks (types 4, 8, 12).
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
	decmpfsAttr       = "com.apple.decmpfs"
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

// readAttributes reads the com.apple.decmpfs attributes of the files that
// are flagged compressed.
func (v *Volume) readAttributes(af fork) error {
	want := map[uint32][]*File{}
	for _, f := range v.Files {
		if f.Compression != 0 && f.Err == nil {
			want[f.dataID] = append(want[f.dataID], f)
		}
	}
	if len(want) == 0 {
		return nil
	}
	af, err := v.complete(af, attributesID, forkData, "attributes file")
	if err != nil {
		return err
	}
	r, err := v.newForkReader(af, "attributes file")
	if err != nil {
		return err
	}
	t, err := openBTree(r, "attributes")
	if err != nil {
		return err
	}
	var used int64
	be16, be32 := binary.BigEndian.Uint16, binary.BigEndian.Uint32
	return t.leaves(func(rec []byte) error {
		key, data, ok := keyed(rec)
		if !ok || len(key) < 12 || len(data) < 4 {
			return errorf(-1, "attributes", "malformed leaf record")
		}
		files := want[be32(key[2:])]
		if files == nil {
			return nil
		}
		n := int(be16(key[10:]))
		if 12+2*n > len(key) {
			return errorf(-1, "attributes", "record key names %d characters in %d bytes", n, len(key))
		}
		if n != len(decmpfsAttr) || decodeName(key[12:12+2*n]) != decmpfsAttr {
			return nil
		}
		var payload []byte
		switch be32(data) {
		case 0x10: // inline data
			if len(data) < 16 || uint64(be32(data[12:])) > uint64(len(data)-16) {
				return errorf(-1, files[0].Path, "malformed %s attribute record", decmpfsAttr)
			}
			payload = append([]byte(nil), data[16:16+be32(data[12:])]...)
		case 0x20: // fork data
			if len(data) < 8+forkDataSize {
				return errorf(-1, files[0].Path, "malformed %s attribute record", decmpfsAttr)
			}
			fk := parseFork(data[8:])
			if int64(fk.size) > v.opts.MaxAttrBytes-used {
				return limitErr(-1, files[0].Path, "MaxAttrBytes", v.opts.MaxAttrBytes, "decmpfs attributes too large")
			}
			fr, err := v.newForkReader(fk, files[0].Path)
			if err != nil {
				return err
			}
			payload = make([]byte, fk.size)
			if _, err := fr.ReadAt(payload, 0); err != nil {
				return err
			}
		default:
			return nil // overflow extents of an attribute fork (0x30)
		}
		if used += int64(len(payload)); used > v.opts.MaxAttrBytes {
			return limitErr(-1, files[0].Path, "MaxAttrBytes", v.opts.MaxAttrBytes, "decmpfs attributes too large")
		}
		for _, f := range files {
			f.decmpfs = payload
		}
		return nil
	})
}

// parseDecmpfs reads a compressed file's decmpfs header.
func (v *Volume) parseDecmpfs(f *File) error {
	h := f.decmpfs
	if h == nil {
		return errorf(-1, f.Path, "file is flagged compressed but has no %s attribute", decmpfsAttr)
	}
	if len(h) < decmpfsHeaderSize || string(h[:4]) != "fpmc" {
		return errorf(-1, f.Path, "%s attribute has no fpmc header", decmpfsAttr)
	}
	f.Compression = binary.LittleEndian.Uint32(h[4:])
	size := binary.LittleEndian.Uint64(h[8:])
	if size > 1<<62 {
		return errorf(-1, f.Path, "decmpfs declares %d bytes", size)
	}
	f.Size = int64(size)
	switch f.Compression {
	case decmpfsRawAttr, decmpfsZlibAttr, decmpfsZlibRsrc, decmpfsLZVNAttr, decmpfsLZVNRsrc, decmpfsCopyAttr, decmpfsLZFSEAttr, decmpfsLZFSERsrc:
		return nil
	}
	return errorf(-1, f.Path, "decmpfs compression %s is not supported", CompressionName(f.Compression))
}

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
		if f.Size > v.opts.MaxInlineBytes {
			return nil, limitErr(-1, f.Path, "MaxInlineBytes", v.opts.MaxInlineBytes, fmt.Sprintf("compressed attribute declares %d bytes", f.Size))
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
	rr, err := v.newForkReader(f.rsrc, f.Path+" (resource fork)")
	if err != nil {
		return nil, err
	}
	br := &blockReader{f: f, r: rr, v: v}
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
	f      *File
	r      *forkReader
	v      *Volume
	blocks []span // compressed blocks in the resource fork
	next   int
	buf    []byte
	src    []byte
	pos    int
}

type span struct{ off, n int64 }

func (b *blockReader) count() (int64, error) {
	n := (b.f.Size + decmpfsBlock - 1) / decmpfsBlock
	if 8*n > b.v.opts.MaxAttrBytes || 8*n > b.r.Size() {
		return 0, errorf(-1, b.f.Path, "%d bytes need %d blocks, more than the resource fork of %d bytes can list", b.f.Size, n, b.r.Size())
	}
	return n, nil
}

// zlibTable reads type 4's table: a resource fork whose one resource is
// a little-endian block count and (offset, size) pairs, offsets counted
// from the resource's start.
func (b *blockReader) zlibTable() error {
	n, err := b.count()
	if err != nil {
		return err
	}
	var h [16]byte
	if _, err := b.r.ReadAt(h[:], 0); err != nil {
		return err
	}
	dataOff := int64(binary.BigEndian.Uint32(h[:]))
	var c [8]byte
	if _, err := b.r.ReadAt(c[:], dataOff); err != nil {
		return errorf(-1, b.f.Path, "resource fork's data at %d unreadable", dataOff)
	}
	if got := int64(binary.LittleEndian.Uint32(c[4:])); got != n {
		return errorf(-1, b.f.Path, "resource fork lists %d blocks, %d bytes need %d", got, b.f.Size, n)
	}
	t := make([]byte, 8*n)
	if _, err := b.r.ReadAt(t, dataOff+8); err != nil {
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
	if _, err := b.r.ReadAt(t, 0); err != nil {
		return err
	}
	for i := int64(0); i < n; i++ {
		a, e := int64(binary.LittleEndian.Uint32(t[4*i:])), int64(binary.LittleEndian.Uint32(t[4*i+4:]))
		if e < a {
			return errorf(-1, b.f.Path, "resource fork's block %d ends before it starts", i)
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
	want := min(decmpfsBlock, b.f.Size-int64(i)*decmpfsBlock)
	fail := func(msg string, err error) error {
		m := fmt.Sprintf("decmpfs %s block %d", CompressionName(b.f.Compression), i)
		if msg != "" {
			m += ": " + msg
		}
		return &FormatError{In: layer, Off: b.r.physical(s.off), Where: b.f.Path, Msg: m, Err: err}
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
	raw := (b.f.Compression == decmpfsZlibRsrc && src[0]&0x0f == 0x0f) || (b.f.Compression != decmpfsZlibRsrc && src[0] == 0x06)
	if raw {
		if int64(len(src)-1) != want {
			return fail(fmt.Sprintf("stored block of %d bytes, want %d", len(src)-1, want), nil)
		}
		copy(b.buf, src[1:])
		return nil
	}
	var n int
	var err error
	switch b.f.Compression {
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
