package dmg

import (
	"bytes"
	"compress/bzip2"
	"compress/zlib"
	"errors"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/dmg/lzfse"
	"github.com/installer-sbom/installer-sbom/inspect/pbzx"
)

// chargeError carries Options.Charge's own error through the decoders, so
// that it reaches the caller unchanged (the walk stops on it).
type chargeError struct{ err error }

func (e *chargeError) Error() string { return e.err.Error() }
func (e *chargeError) Unwrap() error { return e.err }

func isCharge(err error) bool {
	var ce *chargeError
	return errors.As(err, &ce)
}

// unwrapCharge returns Charge's error when err carries one, else err.
func unwrapCharge(err error) error {
	var ce *chargeError
	if errors.As(err, &ce) {
		return ce.err
	}
	return err
}

// maxRatio bounds what a chunk of n compressed bytes can decompress to for
// the coders that decode into a buffer sized beforehand: ADC's longest
// copy is 67 bytes for 3, and an LZFSE match costs at least 11 bits for
// up to 2359 bytes plus 315 literals. Streams that exceed it are not
// valid; the bound keeps a tiny chunk from sizing a large buffer.
func maxRatio(t uint32, n int64) int64 {
	switch t {
	case ChunkADC:
		return 23*n + 1024
	case ChunkLZFSE:
		return 2048*n + 1<<20
	}
	return 1 << 62
}

// decompress decodes one chunk of type t, which must fill size bytes
// exactly. Streaming coders grow their buffer as bytes arrive, so a size
// the chunk declares is only a bound.
func decompress(t uint32, src []byte, size int64, o *Options) ([]byte, error) {
	charge := func(n int64) error {
		if o.Charge == nil {
			return nil
		}
		if err := o.Charge(n); err != nil {
			return &chargeError{err}
		}
		return nil
	}
	var out []byte
	var err error
	switch t {
	case ChunkADC, ChunkLZFSE:
		if size > maxRatio(t, int64(len(src))) {
			return nil, fmt.Errorf("%s chunk of %d bytes cannot decompress to the %d it declares", ChunkTypeName(t), len(src), size)
		}
		if err := charge(size); err != nil {
			return nil, err
		}
		out = make([]byte, size)
		if t == ChunkADC {
			err = decodeADC(out, src)
		} else {
			var n int
			n, err = lzfse.Decode(out, src)
			if err == nil && int64(n) != size {
				err = fmt.Errorf("lzfse: stream decompresses to %d bytes, the chunk declares %d", n, size)
			}
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	case ChunkZlib:
		var zr io.ReadCloser
		zr, err = zlib.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, fmt.Errorf("zlib: %v", err)
		}
		out, err = readSized(zr, size, int64(len(src)), charge)
	case ChunkBzip2:
		out, err = readSized(bzip2.NewReader(bytes.NewReader(src)), size, int64(len(src)), charge)
	case ChunkLZMA:
		var xr io.Reader
		xr, err = pbzx.NewXZReader(bytes.NewReader(src), o.MaxDict)
		if err != nil {
			return nil, err
		}
		out, err = readSized(xr, size, int64(len(src)), charge)
	default:
		return nil, fmt.Errorf("chunk type %s is not supported", ChunkTypeName(t))
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readSized reads exactly size bytes from r, growing the buffer from a
// size the compressed length makes plausible, and charges them as they
// arrive.
func readSized(r io.Reader, size, packed int64, charge func(int64) error) ([]byte, error) {
	buf := make([]byte, 0, min(size, 64*packed+64<<10))
	for int64(len(buf)) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(size, 2*int64(cap(buf))+4096))
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		if k > 0 {
			if cerr := charge(int64(k)); cerr != nil {
				return nil, cerr
			}
			buf = buf[:len(buf)+k]
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(buf)) != size {
		return nil, fmt.Errorf("chunk decompresses to %d bytes, declares %d", len(buf), size)
	}
	return buf, nil
}
