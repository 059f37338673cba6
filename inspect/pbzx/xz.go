package pbzx

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/ulikunitz/xz"
)

// XZMagic starts every xz stream.
var XZMagic = []byte{0xFD, '7', 'z', 'X', 'Z', 0x00}

// DefaultMaxDict is the largest LZMA2 dictionary NewXZReader accepts when
// the caller gives none. xz -9 uses 64 MiB; Apple's pbzx chunks use 8 MiB.
const DefaultMaxDict = 64 << 20

// NewXZReader returns a decoder for the xz stream r after checking the
// dictionary size that the stream's first block declares. The xz decoder
// allocates the declared dictionary (up to 4 GiB) before it decodes a byte,
// so an untrusted stream must not choose it. Later blocks are not
// pre-checked; real streams (single-threaded xz, pkgbuild, ulikunitz/xz)
// carry one block per stream and the decoder reuses the caller's cap for
// them only when they declare no more.
func NewXZReader(r io.Reader, maxDict int64) (io.Reader, error) {
	if maxDict <= 0 {
		maxDict = DefaultMaxDict
	}
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(12 + 1024)
	dict, err := firstBlockDict(head)
	if err != nil {
		return nil, err
	}
	if dict > maxDict {
		return nil, fmt.Errorf("xz: dictionary of %d bytes exceeds limit %d", dict, maxDict)
	}
	cfg := xz.ReaderConfig{DictCap: int(max(dict, 4096))}
	return cfg.NewReader(br)
}

// firstBlockDict returns the LZMA2 dictionary size of the first block of the
// xz stream whose first bytes are head, or 0 when the stream has no block.
func firstBlockDict(head []byte) (int64, error) {
	if len(head) < 12 || !bytes.Equal(head[:6], XZMagic) {
		return 0, fmt.Errorf("xz: bad stream header")
	}
	b := head[12:]
	if len(b) < 1 {
		return 0, fmt.Errorf("xz: truncated after stream header")
	}
	if b[0] == 0 { // index indicator: a stream without blocks
		return 0, nil
	}
	size := (int(b[0]) + 1) * 4
	if len(b) < size {
		return 0, fmt.Errorf("xz: block header of %d bytes truncated", size)
	}
	h := b[1 : size-4] // without size byte and CRC32
	flags := h[0]
	h = h[1:]
	nfilters := int(flags&3) + 1
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && len(h) > 0; i++ {
			c := h[0]
			h = h[1:]
			v |= uint64(c&0x7F) << (7 * i)
			if c&0x80 == 0 {
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := varint(); !ok {
			return 0, fmt.Errorf("xz: bad compressed size in block header")
		}
	}
	if flags&0x80 != 0 {
		if _, ok := varint(); !ok {
			return 0, fmt.Errorf("xz: bad uncompressed size in block header")
		}
	}
	for i := 0; i < nfilters; i++ {
		id, ok1 := varint()
		psize, ok2 := varint()
		if !ok1 || !ok2 || psize > uint64(len(h)) {
			return 0, fmt.Errorf("xz: bad filter flags in block header")
		}
		props := h[:psize]
		h = h[psize:]
		if id == 0x21 {
			if len(props) != 1 || props[0] > 40 {
				return 0, fmt.Errorf("xz: bad LZMA2 properties")
			}
			d := props[0]
			if d == 40 {
				return 0xFFFFFFFF, nil
			}
			return int64(2|d&1) << (d/2 + 11), nil
		}
	}
	return 0, fmt.Errorf("xz: first block has no LZMA2 filter")
}
