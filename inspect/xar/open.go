package xar

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"encoding/base64"
	"hash"
	"io"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/pbzx"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
)

var base64Std = base64.StdEncoding

// Encoding styles seen in real archives.
const (
	EncodingNone  = "application/octet-stream"
	EncodingGzip  = "application/x-gzip" // really zlib in xar's own writer; gzip is accepted too
	EncodingBzip2 = "application/x-bzip2"
	EncodingXZ    = "application/x-xz"
)

// heapRange checks that a file's archived bytes lie inside the file and
// returns their absolute offset.
func (x *Reader) heapRange(f *File) (int64, error) {
	d := f.Data
	heapSize := x.size - x.heap
	if d.Offset > heapSize || d.Length > heapSize-d.Offset {
		return 0, errorf(x.heap+min(d.Offset, heapSize), io.ErrUnexpectedEOF,
			"file %q: data at heap offset %d length %d lies past the end of the %d-byte heap", f.Name, d.Offset, d.Length, heapSize)
	}
	if d.Size > x.opts.MaxFileSize {
		return 0, errorf(x.heap+d.Offset, nil, "file %q: extracted size %d exceeds limit %d", f.Name, d.Size, x.opts.MaxFileSize)
	}
	return x.heap + d.Offset, nil
}

// OpenRaw returns the archived (still encoded) bytes of f.
func (x *Reader) OpenRaw(f *File) (*io.SectionReader, error) {
	if f.Data == nil {
		return nil, errorf(-1, nil, "file %q has no data", f.Name)
	}
	off, err := x.heapRange(f)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(x.r, off, f.Data.Length), nil
}

// Open returns a reader of f's extracted bytes. The archived and extracted
// checksums and the declared size are verified as the bytes stream by; a
// mismatch is reported as a *FormatError (matching ErrChecksum) by the Read
// that reaches the end. A file without data reads as empty.
func (x *Reader) Open(f *File) (io.Reader, error) {
	if f.Data == nil {
		return bytes.NewReader(nil), nil
	}
	raw, err := x.OpenRaw(f)
	if err != nil {
		return nil, err
	}
	d := f.Data
	start := x.heap + d.Offset
	fr := &fileReader{f: f, start: start}
	if d.Archived.Style != "" {
		fr.archived = newHash(d.Archived.Style)
		if fr.archived == nil {
			return nil, errorf(start, nil, "file %q: unsupported archived-checksum style %q", f.Name, d.Archived.Style)
		}
	}
	if d.Extract.Style != "" {
		fr.extracted = newHash(d.Extract.Style)
		if fr.extracted == nil {
			return nil, errorf(start, nil, "file %q: unsupported extracted-checksum style %q", f.Name, d.Extract.Style)
		}
	}
	fr.raw = &hashingReader{r: raw, h: fr.archived}
	switch enc := strings.ToLower(d.Encoding); enc {
	case "", EncodingNone:
		fr.dec = fr.raw
	case EncodingGzip:
		br := bufio.NewReader(fr.raw)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
			zr, err := gzip.NewReader(br)
			if err != nil {
				return nil, errorf(start, err, "file %q: gzip", f.Name)
			}
			zr.Multistream(false)
			fr.dec = zr
		} else {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, errorf(start, err, "file %q: zlib", f.Name)
			}
			fr.dec = zr
		}
	case EncodingBzip2:
		fr.dec = bzip2.NewReader(bufio.NewReader(fr.raw))
	case EncodingXZ:
		xr, err := pbzx.NewXZReader(fr.raw, x.opts.MaxDict)
		if err != nil {
			return nil, errorf(start, err, "file %q", f.Name)
		}
		fr.dec = xr
	default:
		return nil, errorf(start, nil, "file %q: unsupported encoding %q", f.Name, d.Encoding)
	}
	return fr, nil
}

type hashingReader struct {
	r io.Reader
	h hash.Hash
}

func (r *hashingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if r.h != nil && n > 0 {
		r.h.Write(p[:n])
	}
	return n, err
}

// fileReader decodes one file and verifies it at the end.
type fileReader struct {
	f         *File
	start     int64
	raw       *hashingReader
	dec       io.Reader
	archived  hash.Hash
	extracted hash.Hash
	n         int64
	err       error
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	d := r.f.Data
	// Read at most one byte past the declared size so a lie is caught
	// without decoding a bomb.
	if rem := d.Size + 1 - r.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := r.dec.Read(p)
	r.n += int64(n)
	if r.extracted != nil && n > 0 {
		r.extracted.Write(p[:n])
	}
	if r.n > d.Size {
		r.err = errorf(r.start, nil, "file %q: decodes to more than its declared size %d", r.f.Name, d.Size)
		return n, r.err
	}
	if err == io.EOF {
		r.err = r.finish()
		if r.err == nil {
			r.err = io.EOF
		}
		return n, r.err
	}
	if err != nil {
		r.err = errorf(r.start, err, "file %q: decoding %s", r.f.Name, d.Encoding)
		return n, r.err
	}
	return n, nil
}

func (r *fileReader) finish() error {
	d := r.f.Data
	if r.n != d.Size {
		return errorf(r.start, io.ErrUnexpectedEOF, "file %q: decodes to %d bytes, declared size %d", r.f.Name, r.n, d.Size)
	}
	// The decoder may stop before the archived bytes do; the archived
	// checksum covers all of them.
	if _, err := io.Copy(io.Discard, r.raw); err != nil {
		return errorf(r.start, err, "file %q: reading archived bytes", r.f.Name)
	}
	if r.archived != nil {
		if sum := r.archived.Sum(nil); !bytes.Equal(sum, d.Archived.Value) {
			return errorf(r.start, ErrChecksum, "file %q: archived %s checksum %x, TOC says %x", r.f.Name, d.Archived.Style, sum, d.Archived.Value)
		}
	}
	if r.extracted != nil {
		if sum := r.extracted.Sum(nil); !bytes.Equal(sum, d.Extract.Value) {
			return errorf(r.start, ErrChecksum, "file %q: extracted %s checksum %x, TOC says %x", r.f.Name, d.Extract.Style, sum, d.Extract.Value)
		}
	}
	return nil
}
