package nsis

import (
	"bytes"
	"encoding/binary"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// firstHeaderSize is the size of NSIS's firstheader: flags, the 0xDEADBEEF
// signature, "NullsoftInst", the header's length and the length of all
// the data that follows the stub.
const firstHeaderSize = 28

// align is where an installer's firstheader may start: exehead looks for it
// at every 512th byte of its own file, and makensis pads the stub to that.
const align = 512

// searchWindow bounds how far past the end of the PE image the firstheader
// is looked for. makensis writes it right there; 4 MiB leaves room for
// tools that insert data, without reading a large unrelated overlay whole.
const searchWindow = 4 << 20

// FirstHeader is the fixed header that follows the exehead stub.
type FirstHeader struct {
	// Offset is the header's file offset: the size of the stub before it.
	Offset int64
	// Flags are FH_FLAGS_*: 1 uninstaller, 2 silent, 4 no CRC, 8 force CRC.
	Flags uint32
	// HeaderSize is the length of the decompressed script header.
	HeaderSize int64
	// ArchiveSize is the length of everything from the firstheader on,
	// itself and the trailing CRC32 included.
	ArchiveSize int64
}

const (
	flagUninstall = 1
	flagNoCRC     = 4
	flagForceCRC  = 8
)

var signature = []byte("\xef\xbe\xad\xdeNullsoftInst")

// parseFirstHeader reads a firstheader from b (at least firstHeaderSize
// bytes) as exehead's isheader does: the signature, no unknown flags, and
// a length that covers at least the header itself.
func parseFirstHeader(b []byte, off int64) (FirstHeader, bool) {
	if len(b) < firstHeaderSize || !bytes.Equal(b[4:20], signature) {
		return FirstHeader{}, false
	}
	le := binary.LittleEndian
	fh := FirstHeader{Offset: off, Flags: le.Uint32(b), HeaderSize: int64(le.Uint32(b[20:])), ArchiveSize: int64(le.Uint32(b[24:]))}
	if fh.Flags&^0xf != 0 || fh.ArchiveSize <= firstHeaderSize || fh.HeaderSize == 0 {
		return FirstHeader{}, false
	}
	return fh, true
}

// hasCRC says whether the data ends in a CRC32 (exehead checks it unless
// the installer was built without one).
func (fh FirstHeader) hasCRC() bool {
	return fh.Flags&flagForceCRC != 0 || fh.Flags&flagNoCRC == 0
}

// readAt reads len(p) bytes at off. An io.EOF that comes with all of them
// is no error: io.ReaderAt allows it at the end of the input.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// alignUp rounds off up to the next multiple of align.
func alignUp(off int64) int64 { return (off + align - 1) / align * align }

// Match reports whether the first bytes of a file (head, of a file of size
// bytes) are an NSIS installer or may be one: a PE file whose firstheader
// lies in head at a 512-byte boundary after the image, or whose stub has
// the .ndata section every exehead has and whose first such boundary lies
// past head (Debian's stubs are 89-97 KiB, longer than a 64 KiB head), so
// that only Open can tell. Match reads nothing but head.
func Match(head []byte, size int64) bool {
	h, err := pehdr.Parse(head)
	if err != nil {
		return false
	}
	first := alignUp(h.OverlayOffset())
	for off := first; off+firstHeaderSize <= int64(len(head)); off += align {
		if _, ok := parseFirstHeader(head[off:], off); ok {
			return true
		}
	}
	if h.Section(".ndata") == nil {
		return false
	}
	end := size
	if certOff, certSize := h.CertificateTable(); certOff > 0 && certSize > 0 && certOff < end {
		end = certOff // an overlay that is only the signature holds no installer
	}
	return first+firstHeaderSize > int64(len(head)) && first+firstHeaderSize <= end
}

// locate finds the firstheader of the PE file r: at the first 512-byte
// boundary at or after the end of the image, or at a later one within
// searchWindow. The error wraps ErrNotNSIS when there is none.
func locate(r io.ReaderAt, size int64) (FirstHeader, error) {
	h, err := pehdr.Read(r, size)
	if err != nil {
		return FirstHeader{}, errorf(0, ErrNotNSIS, "not a PE file: %v", err)
	}
	start := alignUp(h.OverlayOffset())
	end := min(size, start+searchWindow)
	buf := make([]byte, 64<<10)
	for off := start; off+firstHeaderSize <= end; off += int64(len(buf)) - align {
		n := min(int64(len(buf)), end-off)
		chunk := buf[:n]
		if err := readAt(r, chunk, off); err != nil {
			return FirstHeader{}, errorf(off, err, "cannot read the overlay")
		}
		for i := int64(0); i+firstHeaderSize <= n; i += align {
			if fh, ok := parseFirstHeader(chunk[i:], off+i); ok {
				return fh, nil
			}
		}
		if off+n >= end {
			break
		}
	}
	return FirstHeader{}, errorf(start, ErrNotNSIS, "no NSIS firstheader at a 512-byte boundary in the %d bytes after the PE image", max(0, end-start))
}
