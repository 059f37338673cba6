package nsis

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/ulikunitz/xz/lzma"
)

// Method is the compressor an installer was built with (SetCompressor).
type Method int

const (
	// Stored: SetCompress off, nothing is compressed.
	Stored Method = iota
	// Deflate is "zlib": raw deflate, no zlib header or checksum.
	Deflate
	// BZip2 is NSIS's own bzip2 variant (see bzip2.go).
	BZip2
	// LZMA is raw LZMA: 5 bytes of properties, then the range-coded
	// data, no size; each non-solid block ends with the end marker.
	LZMA
)

func (m Method) String() string {
	switch m {
	case Deflate:
		return "zlib"
	case BZip2:
		return "bzip2"
	case LZMA:
		return "lzma"
	}
	return "none"
}

// ratioFloor is how many bytes a stream may produce before the ratio
// limit applies, as for the walker's entries: small honest files compress
// far better than 1000:1.
const ratioFloor = 1 << 20

// detectMethod tells the compressor and the solidity from the first bytes
// of the data after the firstheader, as exehead's build variants lay them
// out:
//
//	HH HH HH HH           the header's length: nothing compressed
//	5D 00 00 dd dd 00 ..  solid LZMA (props, dictionary size, first range-coder byte)
//	0F|01 5D 00 00 ..     solid LZMA behind a filter flag byte (7-Zip's own installers)
//	LL LL LL 80 ..        non-solid: the compressed header's length with bit 31
//	                      set, then its data (LZMA props, NSIS bzip2's 0x31, or deflate)
//	31 0x ..              solid NSIS bzip2 (block magic, then origPtr < 900000)
//	anything else         solid deflate
//
// One layout is ambiguous: a solid stream whose fourth byte happens to be
// 0x80 (one in 256 deflate or bzip2 streams) also reads as a non-solid
// header length. solidFallback says what the solid reading would be, for
// Open to try when the non-solid one does not give the header.
func solidFallback(sig []byte) (m Method, ok bool) {
	if len(sig) < 4 || sig[3] != 0x80 {
		return 0, false
	}
	if isBZip2(sig) {
		return BZip2, true
	}
	return Deflate, true
}

func detectMethod(sig []byte, headerSize int64) (m Method, solid, filter bool) {
	if len(sig) >= 4 && int64(binary.LittleEndian.Uint32(sig)) == headerSize {
		return Stored, false, false
	}
	if isLZMA(sig) {
		return LZMA, true, false
	}
	if len(sig) > 0 && sig[0] <= 1 && isLZMA(sig[1:]) {
		return LZMA, true, true
	}
	if len(sig) >= 4 && sig[3] == 0x80 {
		rest := sig[4:]
		switch {
		case isLZMA(rest):
			return LZMA, false, false
		case len(rest) > 0 && rest[0] <= 1 && isLZMA(rest[1:]):
			return LZMA, false, true
		case isBZip2(rest):
			return BZip2, false, false
		}
		return Deflate, false, false
	}
	if isBZip2(sig) {
		return BZip2, true, false
	}
	return Deflate, true, false
}

// isLZMA: makensis's LZMA properties (lc=3 lp=0 pb=2), a dictionary size
// that is a multiple of 64 KiB, and the range coder's first byte, always 0.
func isLZMA(p []byte) bool {
	return len(p) >= 7 && p[0] == 0x5d && p[1] == 0 && p[2] == 0 && p[5] == 0 && p[6]&0x80 == 0
}

// isBZip2: NSIS bzip2's block magic 0x31 and the first byte of a 24-bit
// origPtr below 900000.
func isBZip2(p []byte) bool { return len(p) >= 2 && p[0] == 0x31 && p[1] < 14 }

// counter counts the compressed bytes a decoder has consumed: it sits
// between the decoder and the buffer that reads ahead.
type counter struct {
	r *bufio.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *counter) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}

// stream is one decompressed stream: a solid data block, or one block of a
// non-solid installer (then packed is its compressed length). Every byte
// it produces is checked against the ratio limit; decoder errors become
// FormatErrors at the file offset the compressed input had reached.
type stream struct {
	dec   io.Reader
	in    *counter
	base  int64 // file offset of the compressed input
	avail int64 // compressed bytes present (less than declared when the file is cut)
	cut   bool  // the file ends before the data it declares
	out   int64 // decompressed bytes produced so far
	ratio int64
	err   error
	// pending is the error to return once the decoder has handed out
	// what it decoded before it.
	pending error
	method  Method
}

// newStream starts decoding method's data at file offset base: avail
// bytes are present (cut says the file is truncated there). filter says
// an LZMA stream has 7-Zip's filter-flag byte; outBound is the most the
// stream may produce, which bounds the LZMA dictionary allocated.
func newStream(r io.ReaderAt, base, avail int64, cut bool, method Method, filter bool, ratio, outBound int64) (*stream, error) {
	in := &counter{r: bufio.NewReaderSize(io.NewSectionReader(r, base, avail), 64<<10)}
	s := &stream{in: in, base: base, avail: avail, cut: cut, ratio: ratio, method: method}
	var err error
	switch method {
	case Stored:
		s.dec = in
	case Deflate:
		s.dec = flate.NewReader(in)
	case BZip2:
		s.dec = newBzip2Reader(in)
	case LZMA:
		s.dec, err = newLZMA(in, filter, outBound)
	default:
		err = fmt.Errorf("unknown compression method %d", method)
	}
	if err != nil {
		return nil, s.wrap(err)
	}
	return s, nil
}

// newLZMA reads NSIS's LZMA properties and returns a classic LZMA decoder
// whose dictionary is no larger than the stream can need: the declared
// size, bounded by outBound (a dictionary larger than the output is
// never used, and there is a fixed ceiling) so that a header cannot make
// us allocate gigabytes. A match reaching past the dictionary is a decoder
// error, never wrong bytes.
func newLZMA(br *counter, filter bool, outBound int64) (io.Reader, error) {
	if filter {
		f, err := br.ReadByte()
		if err != nil {
			return nil, err
		}
		if f != 0 {
			return nil, errors.New("LZMA stream with a BCJ filter (7-Zip's installer builds) is not supported")
		}
	}
	var props [5]byte
	if _, err := io.ReadFull(br, props[:]); err != nil {
		return nil, err
	}
	dict := int64(binary.LittleEndian.Uint32(props[1:]))
	dict = max(lzma.MinDictCap, min(dict, outBound, lzma.MaxDictCap))
	var hdr [lzma.HeaderLen]byte
	hdr[0] = props[0]
	binary.LittleEndian.PutUint32(hdr[1:], uint32(dict))
	binary.LittleEndian.PutUint64(hdr[5:], ^uint64(0)) // size unknown: read to the end marker
	return lzma.ReaderConfig{DictCap: int(dict)}.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), br))
}

// offset is the file offset the decoder has read up to.
func (s *stream) offset() int64 { return s.base + s.in.n }

// wrap turns a decoder's error into a FormatError at the input offset;
// running out of input in a truncated file wraps ErrTruncated.
func (s *stream) wrap(err error) error {
	var fe *FormatError
	if errors.As(err, &fe) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || s.in.n >= s.avail {
		if s.cut {
			return errorf(s.offset(), ErrTruncated, "%s data ends where the file does, after %d bytes", s.method, s.in.n)
		}
		return errorf(s.offset(), err, "%s data ends unexpectedly after %d bytes", s.method, s.in.n)
	}
	return errorf(s.offset(), err, "%s data is corrupt", s.method)
}

// Read returns decompressed bytes; io.EOF only where the decoder found the
// stream's end.
func (s *stream) Read(p []byte) (int, error) {
	for {
		if s.err != nil {
			return 0, s.err
		}
		n, err := s.dec.Read(p)
		s.out += int64(n)
		if s.out > ratioFloor && s.out > s.ratio*max(s.in.n, 1) {
			s.err = limitErr(s.offset(), "MaxRatio", s.ratio,
				fmt.Sprintf("%d bytes decompressed from %d bytes of %s data", s.out, s.in.n, s.method))
			return n, s.err
		}
		switch {
		case err == io.EOF && s.pending != nil:
			s.err = s.pending
			if n > 0 {
				return n, nil
			}
		case err == io.EOF:
			return n, io.EOF
		case err != nil && s.method == LZMA && s.pending == nil && errors.Is(err, io.ErrUnexpectedEOF):
			// The LZMA decoder decodes ahead until its dictionary is
			// full; when the input runs out, what it decoded before is
			// still there: hand it out, then the error.
			s.pending = s.wrap(err)
			if n > 0 {
				return n, nil
			}
		case err != nil:
			s.err = s.wrap(err)
			return n, s.err
		default:
			return n, nil
		}
	}
}

// readFull reads len(p) bytes; a stream that ends first is an error
// (ErrTruncated when the file is cut).
func (s *stream) readFull(p []byte) error {
	n, err := io.ReadFull(s, p)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		if s.cut {
			return errorf(s.offset(), ErrTruncated, "%s data ends where the file does, %d bytes short", s.method, len(p)-n)
		}
		return errorf(s.offset(), io.ErrUnexpectedEOF, "%s stream ends %d bytes short", s.method, len(p)-n)
	}
	return err
}

// u32 reads a little-endian 32-bit value from the stream.
func (s *stream) u32() (uint32, error) {
	var b [4]byte
	if err := s.readFull(b[:]); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}
