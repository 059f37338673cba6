// Package zip reads zip-based artifacts (CPython's embeddable zip and its
// nested python3XY.zip, wheels, .nupkg) entry by entry without extracting
// them. The zip format itself is decoded by github.com/klauspost/compress/zip
// (archive/zip with faster deflate); this package adds what an untrusted
// installer needs on top: errors that name the entry and its byte offset,
// entry-count limits, and checks that each entry's data matches the size its
// directory record declares.
package zip

import (
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/inflate"

	kzip "github.com/klauspost/compress/zip"
)

// FormatError reports malformed zip data at a byte offset of the archive
// (-1 when none applies); Where is the entry's name when it is about one.
type FormatError = formaterr.Error

// layer spells zip errors as `zip: entry "name" at offset 123: message`.
var layer = &formaterr.Layer{Name: "zip", Decimal: true, OmitNegative: true, ColonWithoutOffset: true, WhereFormat: "entry %q"}

// Options bound what Open accepts.
type Options struct {
	MaxEntries int // 0 means 1,000,000
}

// Archive is an opened zip file.
type Archive struct {
	zr   *kzip.Reader
	size int64
}

// Entry describes one member.
type Entry struct {
	Name   string
	Size   int64 // uncompressed size declared by the central directory
	Packed int64 // compressed size
	Dir    bool
	Offset int64 // offset of the entry's data in the archive (-1 if unknown)
	Method uint16
}

// Magic reports whether head starts like a zip archive (local file header,
// or the end-of-central-directory record of an empty archive).
func Magic(head []byte) bool {
	return len(head) >= 4 && head[0] == 'P' && head[1] == 'K' &&
		((head[2] == 3 && head[3] == 4) || (head[2] == 5 && head[3] == 6))
}

// Open reads the central directory.
func Open(r io.ReaderAt, size int64, opts *Options) (*Archive, error) {
	max := 1_000_000
	if opts != nil && opts.MaxEntries > 0 {
		max = opts.MaxEntries
	}
	zr, err := kzip.NewReader(r, size)
	if err == nil {
		// Our inflater rather than the package default, whose pooled
		// decompressors kept state after a corrupt stream that made the
		// error for the same bytes differ from run to run (found by
		// FuzzInspect).
		zr.RegisterDecompressor(kzip.Deflate, newInflater)
	}
	if err != nil {
		// archive/zip does not say where it gave up; the central directory
		// is located from the end of the file, so that is the offset named.
		return nil, &FormatError{In: layer, Off: size, Msg: "cannot read the central directory (truncated or not a zip file)", Err: err}
	}
	if len(zr.File) > max {
		return nil, &FormatError{In: layer, Off: size, Msg: fmt.Sprintf("%d entries exceed the limit of %d", len(zr.File), max)}
	}
	return &Archive{zr: zr, size: size}, nil
}

// Entries lists the members in directory order.
func (a *Archive) Entries() []Entry {
	out := make([]Entry, len(a.zr.File))
	for i, f := range a.zr.File {
		off, err := f.DataOffset()
		if err != nil {
			off = -1
		}
		out[i] = Entry{
			Name:   f.Name,
			Size:   int64(f.UncompressedSize64),
			Packed: int64(f.CompressedSize64),
			// A name ending in "/" is a directory only when it carries no
			// data; one that does is a file with an odd name, never
			// dropped (at most the two bytes of an empty deflate stream).
			Dir:    strings.HasSuffix(f.Name, "/") && f.UncompressedSize64 == 0 && f.CompressedSize64 <= 2,
			Offset: off,
			Method: f.Method,
		}
	}
	return out
}

// Open returns a reader for entry i that fails with a *FormatError when the
// data is corrupt, shorter or longer than declared, or fails its CRC.
func (a *Archive) Open(i int) (io.ReadCloser, error) {
	f := a.zr.File[i]
	off, err := f.DataOffset()
	if err != nil {
		return nil, &FormatError{In: layer, Where: f.Name, Off: -1, Msg: "bad local file header", Err: err}
	}
	if off+int64(f.CompressedSize64) > a.size || off+int64(f.CompressedSize64) < off {
		return nil, &FormatError{In: layer, Where: f.Name, Off: off, Msg: fmt.Sprintf("data of %d bytes runs past the end of the archive (%d bytes)", f.CompressedSize64, a.size)}
	}
	if max, ok := maxExtracted(f.Method, int64(f.CompressedSize64)); ok && f.UncompressedSize64 > uint64(max) {
		// Readers size buffers from the declared size; one the data cannot
		// hold would cost memory and time for bytes that never come.
		return nil, &FormatError{In: layer, Where: f.Name, Off: off, Msg: fmt.Sprintf("declares %d bytes, more than its %d stored bytes can hold (at most %d)", f.UncompressedSize64, f.CompressedSize64, max)}
	}
	var rc io.ReadCloser
	if strings.HasSuffix(f.Name, "/") {
		rc, err = openUnderDirectoryName(f)
	} else {
		rc, err = f.Open()
	}
	if err != nil {
		return nil, &FormatError{In: layer, Where: f.Name, Off: off, Msg: "cannot open entry", Err: err}
	}
	return &entryReader{rc: rc, name: f.Name, off: off, want: int64(f.UncompressedSize64), packed: int64(f.CompressedSize64)}, nil
}

// openUnderDirectoryName reads an entry whose name ends in "/" but which
// carries data: the zip package refuses to (a directory has no data), yet
// the bytes are in the installer and must be inventoried, not dropped.
func openUnderDirectoryName(f *kzip.File) (io.ReadCloser, error) {
	raw, err := f.OpenRaw()
	if err != nil {
		return nil, err
	}
	var r io.Reader
	switch f.Method {
	case kzip.Store:
		r = raw
	case kzip.Deflate:
		r = inflate.NewReader(raw)
	default:
		return nil, fmt.Errorf("compression method %d", f.Method)
	}
	return &crcReader{r: r, want: f.CRC32, sum: crc32.NewIEEE()}, nil
}

// inflaters recycles deflate readers between entries: a reader is about
// 200 KiB, and clearing a fresh one costs as much as inflating a small
// entry. Reset drops all of a reader's state, so unlike the pooled
// decompressors above, no entry's output or error depends on another's.
var inflaters sync.Pool

// inflater is an entry's deflate reader, returned to the pool on Close.
type inflater struct {
	z *inflate.Reader
}

func newInflater(r io.Reader) io.ReadCloser {
	z, _ := inflaters.Get().(*inflate.Reader)
	if z == nil {
		return &inflater{z: inflate.NewReader(r)}
	}
	z.Reset(r)
	return &inflater{z: z}
}

var errClosed = errors.New("read after Close")

func (f *inflater) Read(p []byte) (int, error) {
	if f.z == nil {
		return 0, errClosed
	}
	return f.z.Read(p)
}

func (f *inflater) Close() error {
	if f.z != nil {
		f.z.Reset(nil) // drop the source
		inflaters.Put(f.z)
		f.z = nil
	}
	return nil
}

// crcReader checks the CRC-32 the zip package would have checked.
type crcReader struct {
	r    io.Reader
	want uint32
	sum  hash.Hash32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.sum.Write(p[:n])
	if err == io.EOF && c.sum.Sum32() != c.want {
		return n, kzip.ErrChecksum
	}
	return n, err
}

func (c *crcReader) Close() error { return nil }

// maxDeflateRatio is the most bytes one byte of deflate data can produce: a
// length-258 match coded in 2 bits.
const maxDeflateRatio = 1032

// maxExtracted is the most bytes packed stored bytes of method can extract
// to; ok is false for methods whose bound is not known here.
func maxExtracted(method uint16, packed int64) (max int64, ok bool) {
	switch method {
	case kzip.Store:
		return packed, true
	case kzip.Deflate:
		if packed > (1<<63-1)/maxDeflateRatio-1 {
			return 0, false
		}
		return (packed + 1) * maxDeflateRatio, true
	}
	return 0, false
}

// entryReader turns the errors of archive/zip into FormatErrors naming the
// entry, and checks the declared size itself so that an entry which lies
// about its size is always caught, whatever the compression method.
type entryReader struct {
	rc   io.ReadCloser
	name string
	off  int64
	want int64
	got  int64
	// packed is the declared compressed size.
	packed int64
}

func (r *entryReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.got += int64(n)
	if r.got > r.want {
		return n, &FormatError{In: layer, Where: r.name, Off: r.off, Msg: fmt.Sprintf("data is longer than the declared size %d", r.want)}
	}
	if err == io.EOF {
		if r.got != r.want {
			return n, &FormatError{In: layer, Where: r.name, Off: r.off, Msg: fmt.Sprintf("data ends after %d of the declared %d bytes", r.got, r.want)}
		}
		return n, io.EOF
	}
	if err != nil {
		msg := "corrupt data"
		switch {
		case errors.Is(err, kzip.ErrChecksum):
			msg = "checksum mismatch (data does not match the declared size or CRC)"
		case errors.Is(err, kzip.ErrFormat):
			// The zip reader's word for data running past the sizes the
			// entry declares.
			msg = fmt.Sprintf("data runs past the declared size (%d bytes declared, %d compressed)", r.want, r.packed)
			err = nil
		case errors.Is(err, io.ErrUnexpectedEOF):
			msg = fmt.Sprintf("data ends after %d of the declared %d bytes", r.got, r.want)
		}
		return n, &FormatError{In: layer, Where: r.name, Off: r.off, Msg: msg, Err: err}
	}
	return n, nil
}

func (r *entryReader) Close() error { return r.rc.Close() }
