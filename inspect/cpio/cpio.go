// Package cpio reads cpio archives as a stream: the portable ASCII "odc"
// format (magic 070707, what Apple's pkgbuild writes into Payload and Scripts)
// and the SVR4 "newc" format (070701, and 070702 whose per-file checksum is
// verified). Nothing is extracted: the reader yields each header and then the
// member's bytes, front to back, like archive/tar.
package cpio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FormatError says what is wrong with the archive and where: Off is the byte
// offset in the (decompressed) cpio stream.
type FormatError = formaterr.Error

// layer spells cpio errors as "cpio: at offset 0x40: message: cause".
var layer = &formaterr.Layer{Name: "cpio"}

func errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// ErrChecksum is matched (errors.Is) by newc-crc checksum mismatches.
var ErrChecksum = errors.New("cpio: checksum mismatch")

// Format of an archive member header.
type Format int

const (
	FormatODC     Format = iota + 1 // "070707", octal fields
	FormatNewc                      // "070701", hex fields
	FormatNewcCRC                   // "070702", hex fields + byte-sum checksum
)

func (f Format) String() string {
	switch f {
	case FormatODC:
		return "odc"
	case FormatNewc:
		return "newc"
	case FormatNewcCRC:
		return "newc-crc"
	}
	return "unknown"
}

// File types, from the S_IFMT bits of Mode.
const (
	TypeMask    = 0o170000
	TypeFIFO    = 0o010000
	TypeChar    = 0o020000
	TypeDir     = 0o040000
	TypeBlock   = 0o060000
	TypeRegular = 0o100000
	TypeSymlink = 0o120000
	TypeSocket  = 0o140000
)

// Header is one archive member.
type Header struct {
	// Name is RawName with a leading "./" (or "/") removed; "." for the
	// archive root. Other components are kept as stored.
	Name    string
	RawName string
	Format  Format
	Mode    uint32 // type and permission bits
	UID     uint32
	GID     uint32
	Nlink   uint32
	Ino     uint64
	Dev     uint64
	Rdev    uint64
	Mtime   int64
	Size    int64  // bytes of data that follow (0 for directories; target length for symlinks)
	Check   uint32 // newc-crc byte sum
	// Linkname is the symlink target (the member's data), read only for
	// symlinks.
	Linkname string
	// Offset is where the member's header starts in the stream.
	Offset int64
}

// Type returns Mode's S_IFMT bits.
func (h *Header) Type() uint32 { return h.Mode & TypeMask }

// IsRegular reports whether the member is a regular file.
func (h *Header) IsRegular() bool { return h.Type() == TypeRegular }

// IsDir reports whether the member is a directory.
func (h *Header) IsDir() bool { return h.Type() == TypeDir }

// Options bound what the reader accepts. Zero fields take the defaults.
type Options struct {
	MaxNameSize int64 // longest member name (and symlink target); default 4096
	MaxFileSize int64 // largest member data; default 2 GiB
	MaxEntries  int64 // most members; default 1,000,000
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxNameSize <= 0 {
		v.MaxNameSize = 4096
	}
	if v.MaxFileSize <= 0 {
		v.MaxFileSize = 2 << 30
	}
	if v.MaxEntries <= 0 {
		v.MaxEntries = 1_000_000
	}
	return v
}

// Reader reads a cpio stream member by member.
type Reader struct {
	r    *bufio.Reader
	opts Options
	off  int64 // bytes consumed from r

	cur     *Header
	remain  int64 // data bytes of cur not yet read
	pad     int64 // padding after cur's data
	sum     uint32
	entries int64
	done    bool
	err     error
}

// NewReader returns a Reader for the cpio stream r.
func NewReader(r io.Reader, opts *Options) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 64<<10), opts: opts.withDefaults()}
}

// Offset is the number of stream bytes consumed so far.
func (r *Reader) Offset() int64 { return r.off }

func (r *Reader) readFull(p []byte) error {
	n, err := io.ReadFull(r.r, p)
	r.off += int64(n)
	return err
}

func (r *Reader) skip(n int64) error {
	m, err := io.CopyN(io.Discard, r.r, n)
	r.off += m
	return err
}

// maxOtherData is the most data a member other than a regular file or a
// symlink (a directory, device, fifo) may declare.
const maxOtherData = 64 << 10

// Next advances to the next member and returns its header. It returns
// io.EOF after the TRAILER!!! member. Unread data of the previous member is
// skipped (and, for newc-crc, still checksummed).
func (r *Reader) Next() (*Header, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.done {
		return nil, io.EOF
	}
	if r.cur != nil {
		if r.remain > 0 {
			if _, err := io.Copy(io.Discard, r); err != nil {
				return nil, r.fail(err)
			}
		}
		if r.pad > 0 {
			if err := r.skip(r.pad); err != nil {
				return nil, r.fail(errorf(r.off, err, "padding after %q", r.cur.RawName))
			}
		}
		r.cur = nil
	}
	h, err := r.readHeader()
	if err != nil {
		return nil, r.fail(err)
	}
	if h == nil {
		r.done = true
		return nil, io.EOF
	}
	r.entries++
	if r.entries > r.opts.MaxEntries {
		return nil, r.fail(errorf(h.Offset, nil, "more than %d members", r.opts.MaxEntries))
	}
	r.cur = h
	r.remain = h.Size
	r.sum = 0
	if h.Format != FormatODC {
		r.pad = (4 - h.Size%4) % 4
	} else {
		r.pad = 0
	}
	if t := h.Type(); t != TypeRegular && t != TypeSymlink && h.Size > maxOtherData {
		// Only files and symlinks carry data; what others declare would be
		// decoded and skipped unseen by any caller.
		return nil, r.fail(errorf(h.Offset, nil, "member %q of type %#o declares %d data bytes", h.RawName, t, h.Size))
	}
	if h.Type() == TypeSymlink {
		// The target is the member's data; it is bounded like a name.
		if h.Size > r.opts.MaxNameSize {
			return nil, r.fail(errorf(h.Offset, nil, "symlink %q target of %d bytes exceeds %d", h.RawName, h.Size, r.opts.MaxNameSize))
		}
		b := make([]byte, h.Size)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, r.fail(err)
		}
		h.Linkname = string(b)
	}
	return h, nil
}

// fail records err, naming it a cpio read error unless it already names
// its layer (a cpio FormatError, or the error of the stream under it).
func (r *Reader) fail(err error) error {
	var layered interface{ Layer() string }
	if !errors.As(err, &layered) {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		err = errorf(r.off, err, "read")
	}
	r.err = err
	return err
}

// Read reads the current member's data.
func (r *Reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.cur == nil || r.remain == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.remain {
		p = p[:r.remain]
	}
	n, err := r.r.Read(p)
	r.off += int64(n)
	r.remain -= int64(n)
	if r.cur.Format == FormatNewcCRC {
		for _, b := range p[:n] {
			r.sum += uint32(b)
		}
	}
	if r.remain == 0 {
		if r.cur.Format == FormatNewcCRC && r.sum != r.cur.Check {
			r.err = errorf(r.cur.Offset, ErrChecksum, "member %q: data sum %#x, header says %#x", r.cur.RawName, r.sum, r.cur.Check)
			return n, r.err
		}
		return n, nil
	}
	if err == io.EOF {
		r.err = errorf(r.off, io.ErrUnexpectedEOF, "member %q data truncated, %d bytes missing", r.cur.RawName, r.remain)
		return n, r.err
	}
	if err != nil {
		var layered interface{ Layer() string }
		if errors.As(err, &layered) {
			r.err = err // the layer below (xar, pbzx) already says where
		} else {
			r.err = errorf(r.off, err, "member %q data", r.cur.RawName)
		}
		return n, r.err
	}
	return n, nil
}

const (
	odcHeaderLen  = 76  // 6 magic + 11 fields
	newcHeaderLen = 110 // 6 magic + 13 8-digit hex fields
)

// readHeader returns nil, nil at the trailer.
func (r *Reader) readHeader() (*Header, error) {
	start := r.off
	var magic [6]byte
	if err := r.readFull(magic[:]); err != nil {
		if err == io.EOF {
			return nil, errorf(start, io.ErrUnexpectedEOF, "stream ends without TRAILER!!!")
		}
		return nil, errorf(start, err, "reading header")
	}
	h := &Header{Offset: start}
	var nameSize int64
	switch string(magic[:]) {
	case "070707":
		h.Format = FormatODC
		var b [odcHeaderLen - 6]byte
		if err := r.readFull(b[:]); err != nil {
			return nil, errorf(start, err, "odc header truncated")
		}
		f := fieldParser{b: b[:], base: 8, start: start + 6}
		h.Dev = f.next(6)
		h.Ino = f.next(6)
		h.Mode = uint32(f.next(6))
		h.UID = uint32(f.next(6))
		h.GID = uint32(f.next(6))
		h.Nlink = uint32(f.next(6))
		h.Rdev = f.next(6)
		h.Mtime = int64(f.next(11))
		nameSize = int64(f.next(6))
		h.Size = int64(f.next(11))
		if f.err != nil {
			return nil, f.err
		}
	case "070701", "070702":
		h.Format = FormatNewc
		if magic[5] == '2' {
			h.Format = FormatNewcCRC
		}
		var b [newcHeaderLen - 6]byte
		if err := r.readFull(b[:]); err != nil {
			return nil, errorf(start, err, "newc header truncated")
		}
		f := fieldParser{b: b[:], base: 16, start: start + 6}
		h.Ino = f.next(8)
		h.Mode = uint32(f.next(8))
		h.UID = uint32(f.next(8))
		h.GID = uint32(f.next(8))
		h.Nlink = uint32(f.next(8))
		h.Mtime = int64(f.next(8))
		h.Size = int64(f.next(8))
		devMajor, devMinor := f.next(8), f.next(8)
		rMajor, rMinor := f.next(8), f.next(8)
		h.Dev = devMajor<<32 | devMinor
		h.Rdev = rMajor<<32 | rMinor
		nameSize = int64(f.next(8))
		h.Check = uint32(f.next(8))
		if f.err != nil {
			return nil, f.err
		}
	default:
		return nil, errorf(start, nil, "bad magic %q", magic[:])
	}
	// nameSize counts the terminating NUL.
	if nameSize < 1 || nameSize > r.opts.MaxNameSize+1 {
		return nil, errorf(start, nil, "name size %d out of range 1..%d", nameSize, r.opts.MaxNameSize+1)
	}
	if h.Size < 0 || h.Size > r.opts.MaxFileSize {
		return nil, errorf(start, nil, "member data size %d exceeds limit %d", h.Size, r.opts.MaxFileSize)
	}
	name := make([]byte, nameSize)
	if err := r.readFull(name); err != nil {
		return nil, errorf(start, err, "name of %d bytes overruns the stream", nameSize)
	}
	if name[nameSize-1] != 0 {
		return nil, errorf(start, nil, "name not NUL-terminated within its %d bytes", nameSize)
	}
	h.RawName = string(name[:nameSize-1])
	if i := strings.IndexByte(h.RawName, 0); i >= 0 {
		return nil, errorf(start, nil, "name contains NUL at byte %d", i)
	}
	if h.Format != FormatODC {
		// newc pads header+name to a multiple of 4.
		hdr := int64(newcHeaderLen) + nameSize
		if pad := (4 - hdr%4) % 4; pad > 0 {
			if err := r.skip(pad); err != nil {
				return nil, errorf(r.off, err, "header padding")
			}
		}
	}
	if h.RawName == "TRAILER!!!" {
		return nil, nil
	}
	h.Name = NormalizeName(h.RawName)
	return h, nil
}

// NormalizeName removes a leading "./" or "/" (repeatedly) so that names are
// relative to the archive root; "." and "" become ".". Nothing else is
// changed: ".." components are kept so callers can see them.
func NormalizeName(s string) string {
	for {
		switch {
		case strings.HasPrefix(s, "./"):
			s = s[2:]
		case strings.HasPrefix(s, "/"):
			s = s[1:]
		default:
			if s == "" || s == "." {
				return "."
			}
			return s
		}
	}
}

type fieldParser struct {
	b     []byte
	pos   int
	base  int
	start int64
	err   error
}

func (f *fieldParser) next(width int) uint64 {
	if f.err != nil {
		return 0
	}
	s := f.b[f.pos : f.pos+width]
	v, err := strconv.ParseUint(string(s), f.base, 64)
	if err != nil {
		f.err = errorf(f.start+int64(f.pos), nil, "header field %q is not base-%d", s, f.base)
	}
	f.pos += width
	return v
}
