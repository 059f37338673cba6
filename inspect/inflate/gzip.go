package inflate

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// The gzip reader's errors, as compress/gzip words and raises them.
var (
	ErrGzipHeader   = errors.New("gzip: invalid header")
	ErrGzipChecksum = errors.New("gzip: invalid checksum")
)

// Header flags (RFC 1952).
const (
	gzipFlagHCRC    = 1 << 1
	gzipFlagExtra   = 1 << 2
	gzipFlagName    = 1 << 3
	gzipFlagComment = 1 << 4
)

// maxGzipString is how long a name or comment may be, its NUL included:
// compress/gzip refuses longer ones, and so does this reader to agree.
const maxGzipString = 512

// GzipReader decodes a gzip stream (RFC 1952): one member or several
// concatenated, each checked against its CRC-32 and size, as compress/gzip
// does in its default multistream mode. Bytes after a member must be
// another member. The header's fields are checked and skipped.
type GzipReader struct {
	z    Reader
	crc  uint32
	size uint32
	err  error
}

// NewGzipReader reads the first member's header from r. Empty input gives
// io.EOF, as with compress/gzip.
func NewGzipReader(r io.Reader) (*GzipReader, error) {
	g := new(GzipReader)
	if err := g.Reset(r); err != nil {
		return nil, err
	}
	return g, nil
}

// Reset makes g read a new gzip stream from r and reads its first header.
func (g *GzipReader) Reset(r io.Reader) error {
	g.z.Reset(r)
	g.err = g.header()
	return g.err
}

// Read reads decompressed bytes; it returns io.EOF after the last member.
func (g *GzipReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for g.err == nil {
		n, err := g.z.Read(p)
		if n > 0 {
			g.crc = crc32.Update(g.crc, crc32.IEEETable, p[:n])
			g.size += uint32(n)
			return n, nil
		}
		if err != io.EOF {
			g.err = err
			break
		}
		if g.err = g.trailer(); g.err == nil {
			// Another member, or io.EOF at a clean end.
			g.err = g.header()
		}
	}
	return 0, g.err
}

// Close does nothing; it lets a GzipReader serve as an io.ReadCloser.
func (g *GzipReader) Close() error { return nil }

// trailer checks the member's CRC-32 and size.
func (g *GzipReader) trailer() error {
	b, err := g.z.inputBytes(8)
	if err != nil {
		return noEOF(err)
	}
	if binary.LittleEndian.Uint32(b) != g.crc || binary.LittleEndian.Uint32(b[4:]) != g.size {
		return ErrGzipChecksum
	}
	return nil
}

// header reads a member's header and starts its deflate stream. It
// returns io.EOF when the input ends cleanly before it.
func (g *GzipReader) header() error {
	z := &g.z
	b, err := z.inputBytes(10)
	if err != nil {
		return err
	}
	if b[0] != 0x1f || b[1] != 0x8b || b[2] != 8 {
		return ErrGzipHeader
	}
	flags := b[3]
	// The header CRC covers all of it; only FHCRC asks for it.
	digest := crc32.ChecksumIEEE(b)
	if flags&gzipFlagExtra != 0 {
		if b, err = z.inputBytes(2); err != nil {
			return noEOF(err)
		}
		digest = crc32.Update(digest, crc32.IEEETable, b)
		for n := int(binary.LittleEndian.Uint16(b)); n > 0; {
			k := min(n, 4096)
			if b, err = z.inputBytes(k); err != nil {
				return noEOF(err)
			}
			digest = crc32.Update(digest, crc32.IEEETable, b)
			n -= k
		}
	}
	for _, f := range []byte{gzipFlagName, gzipFlagComment} {
		if flags&f != 0 {
			if digest, err = g.skipString(digest); err != nil {
				return err
			}
		}
	}
	if flags&gzipFlagHCRC != 0 {
		if b, err = z.inputBytes(2); err != nil {
			return noEOF(err)
		}
		if binary.LittleEndian.Uint16(b) != uint16(digest) {
			return ErrGzipHeader
		}
	}
	g.crc, g.size = 0, 0
	z.restart()
	return nil
}

// skipString skips a NUL-terminated header field and adds it to digest.
func (g *GzipReader) skipString(digest uint32) (uint32, error) {
	for range maxGzipString {
		b, err := g.z.inputBytes(1)
		if err != nil {
			return 0, noEOF(err)
		}
		digest = crc32.Update(digest, crc32.IEEETable, b)
		if b[0] == 0 {
			return digest, nil
		}
	}
	return 0, ErrGzipHeader
}

// noEOF turns io.EOF, the input ending inside a member, into
// io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
