// Package quantum decodes the Quantum compression format (David Stafford's
// compressor) as used in Microsoft cabinet files: an LZ77 sliding window of
// 1 KiB to 2 MiB (10 to 21 window bits) whose literals, match lengths and
// match positions are coded with an arithmetic coder over adaptive frequency
// models, plus raw extra bits for the low bits of lengths and offsets.
//
// The models and the window carry over from one data block to the next for
// the whole folder, but each CFDATA block is one frame of its own: the
// arithmetic decoder starts afresh at the block's first byte and decodes
// exactly the block's declared uncompressed size (32 KiB for every block but
// a folder's last). Whatever follows the frame's code in the block is
// ignored: Microsoft's encoder leaves at least two zero bits, which 7-Zip
// insists on, and libmspack also skips zero bytes there.
//
// libmspack instead reads a folder as one bit stream of 32 KiB frames and
// finds each next frame by skipping to a 0xFF byte it appends to every
// block; both views give the same bytes for every cabinet they both read.
// Where the readers disagree this package sides with the per-block view and
// 7-Zip: a frame shorter than 32 KiB must be the folder's last (neither
// libmspack nor 7-Zip reads past one), and no match may run past the end of
// its frame (libmspack lets the last frame's last match run over and drops
// the excess; 7-Zip refuses it).
//
// The symbols of a frame: a selector (model of 7 symbols) says what follows.
// Selectors 0-3 are a literal from one of four 64-symbol models (byte values
// 0-63, 64-127, 128-191, 192-255); 4 is a 3-byte match and 5 a 4-byte match,
// each with a position slot from its own model; 6 is a match of 5 to 259
// bytes: a length slot (27 symbols) with extra bits, then a position slot.
// A position slot with its extra bits gives the offset back into the window.
package quantum

import (
	"fmt"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FrameSize is the largest output frame (one CFDATA block's uncompressed
// bytes); every frame but a folder's last is this long.
const FrameSize = 32768

// The window sizes a cabinet folder may declare.
const (
	MinWindowBits = 10
	MaxWindowBits = 21
)

// maxOverread is how many bytes past the end of a block's data the decoder
// may read. The arithmetic decoder looks 16 bits ahead of the symbols it
// has decoded, so an encoder that pads its last symbol's bits only to a
// byte leaves the decoder short by up to two bytes; what it reads there
// is what libmspack reads (the 0xFF it appends to each block, then zeros),
// which cannot change a well-formed frame.
const maxOverread = 4

// FormatError is an invalid Quantum frame. Off is the byte offset in the
// data given to Frame (the block's compressed bytes) near which the decoder
// stopped.
type FormatError = formaterr.Error

// layer spells Quantum errors as "quantum: message (input offset 123)".
var layer = &formaterr.Layer{Name: "quantum", Decimal: true, OffsetAfter: true}

// Decoder decodes one Quantum stream (one cabinet folder), a frame at a time.
type Decoder struct {
	windowBits int
	// window is a ring of max(window size, FrameSize) bytes. Every frame
	// but the last is FrameSize bytes, so each starts at a multiple of
	// FrameSize and ends by the end of the ring: it is handed out in place.
	window []byte
	mask   int
	wpos   int   // next write position in window
	total  int64 // bytes produced by earlier frames
	short  int   // size of a frame shorter than FrameSize, which must be the last
	failed bool  // a frame failed: the window holds part of it

	// The models. Position slot models exist for 3-byte, 4-byte and
	// variable-length matches; their sizes depend on the window.
	selector model
	literal  [4]model
	pos3     model
	pos4     model
	posLong  model
	length   model

	// Arithmetic decoder state: the current interval [low, high] and the
	// 16 bits of input it is compared with, all 16-bit quantities.
	low, high, code uint32

	// Bit reader over the current frame's input: bits holds nbits bits,
	// left-aligned; in[pos:] is not read yet; over counts bytes supplied
	// past the end of in.
	bits  uint64
	nbits uint
	in    []byte
	pos   int
	over  int
}

// NewDecoder returns a decoder for a window of 1<<windowBits bytes.
func NewDecoder(windowBits int) (*Decoder, error) {
	d := &Decoder{}
	return d, d.Reset(windowBits)
}

// Reset prepares d for a new stream, reusing its window when it is large
// enough.
func (d *Decoder) Reset(windowBits int) error {
	if windowBits < MinWindowBits || windowBits > MaxWindowBits {
		return &FormatError{In: layer, Msg: fmt.Sprintf("window size 2^%d outside 2^%d..2^%d", windowBits, MinWindowBits, MaxWindowBits)}
	}
	// Matches reach back at most the window size; a ring of at least a
	// frame lets the frames of a small window be handed out in place.
	size := max(1<<windowBits, FrameSize)
	if cap(d.window) < size {
		d.window = make([]byte, size)
	}
	d.window = d.window[:size]
	d.mask = size - 1
	d.windowBits = windowBits
	d.wpos, d.total, d.short, d.failed = 0, 0, 0, false
	slots := 2 * windowBits
	d.selector.init(0, selectors)
	for i := range d.literal {
		d.literal[i].init(i*literalSyms, literalSyms)
	}
	d.pos3.init(0, min(slots, 24))
	d.pos4.init(0, min(slots, 36))
	d.posLong.init(0, slots)
	d.length.init(0, lengthSlots)
	d.in = nil
	return nil
}

// InputOffset is the offset in the current frame's data of the next byte
// the decoder has not consumed (bits buffered count as unconsumed).
func (d *Decoder) InputOffset() int64 {
	return int64(max(0, d.pos+d.over-int(d.nbits/8)))
}

func (d *Decoder) errorf(format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: min(d.InputOffset(), int64(len(d.in))), Msg: fmt.Sprintf(format, args...)}
}

// Frame decodes one block: data are its compressed bytes, n (1..FrameSize)
// its declared uncompressed size. The returned slice is valid until the
// next call. After an error every call fails until Reset.
func (d *Decoder) Frame(data []byte, n int) ([]byte, error) {
	d.in, d.pos, d.over = data, 0, 0
	d.bits, d.nbits = 0, 0
	defer func() { d.in = nil }()
	if d.failed {
		return nil, d.errorf("an earlier frame failed")
	}
	d.failed = true // until the frame is decoded
	if n <= 0 || n > FrameSize {
		return nil, d.errorf("frame size %d outside 1..%d", n, FrameSize)
	}
	if d.short != 0 {
		// Readers that take the folder for one stream of 32 KiB frames
		// cannot place what follows a short frame (neither libmspack nor
		// 7-Zip reads it); nor does an encoder write one.
		return nil, d.errorf("frame follows a frame of %d bytes; only the last frame may be shorter than %d", d.short, FrameSize)
	}
	d.low, d.high = 0, 0xFFFF
	d.code = d.readBits(16)
	start := d.wpos
	if err := d.decode(n); err != nil {
		return nil, err
	}
	if used := d.pos + d.over - int(d.nbits/8); used > len(data)+maxOverread {
		return nil, d.errorf("frame needs %d bytes of compressed data, the block holds %d", used, len(data))
	}
	d.total += int64(n)
	if n < FrameSize {
		d.short = n
	}
	d.failed = false
	return d.window[start : start+n], nil
}

// decode decodes literals and matches until n bytes have been produced.
func (d *Decoder) decode(n int) error {
	window, mask := d.window, d.mask
	wpos := d.wpos
	done := 0 // bytes of this frame so far
	for done < n {
		if d.over > maxOverread+8 {
			d.wpos = wpos
			return d.errorf("compressed data ends after %d of the frame's %d bytes", done, n)
		}
		sel := d.symbol(&d.selector)
		if sel < 4 {
			window[wpos] = byte(d.symbol(&d.literal[sel]))
			wpos = (wpos + 1) & mask
			done++
			continue
		}
		var length int
		var pm *model
		switch sel {
		case 4:
			length, pm = 3, &d.pos3
		case 5:
			length, pm = 4, &d.pos4
		default:
			ls := d.symbol(&d.length)
			length = lengthBase[ls] + int(d.readBits(lengthExtra[ls])) + 5
			pm = &d.posLong
		}
		slot := d.symbol(pm)
		offset := positionBase[slot] + int(d.readBits(positionExtra[slot])) + 1
		if length > n-done {
			d.wpos = wpos
			return d.errorf("match of %d bytes runs past the end of the frame (%d bytes left)", length, n-done)
		}
		if int64(offset) > d.total+int64(done) {
			d.wpos = wpos
			return d.errorf("match offset %d reaches before the start of the data (%d bytes decoded)", offset, d.total+int64(done))
		}
		src := (wpos - offset) & mask
		if offset >= length && src+length <= len(window) && wpos+length <= len(window) {
			copy(window[wpos:wpos+length], window[src:src+length])
			wpos = (wpos + length) & mask
		} else {
			for i := 0; i < length; i++ {
				window[wpos] = window[src]
				wpos = (wpos + 1) & mask
				src = (src + 1) & mask
			}
		}
		done += length
	}
	d.wpos = wpos
	return nil
}

// symbol decodes one symbol of m, updates m and renormalises the interval.
func (d *Decoder) symbol(m *model) int {
	total := int(m.cum[0])
	rng := int((d.high-d.low)&0xFFFF) + 1
	// The code's position within the interval, scaled to the model's
	// total. On corrupt input code may lie outside [low, high]; the
	// arithmetic is then that of 16-bit registers, and any entry results.
	target := ((int(d.code)-int(d.low)+1)*total - 1) / rng & 0xFFFF
	k := 0
	for k+1 < m.n && int(m.cum[k+1]) > target {
		k++
	}
	sym := int(m.sym[k])
	d.high = (d.low + uint32(int(m.cum[k])*rng/total) - 1) & 0xFFFF
	d.low = (d.low + uint32(int(m.cum[k+1])*rng/total)) & 0xFFFF
	m.update(k)
	// Shift out the bits on which low and high agree; when they straddle
	// the middle closely (low 01..., high 10...), widen around it. After a
	// symbol the interval spans more than a quarter of the range, and every
	// step doubles it, so this ends within 16 steps.
	low, high, code := d.low, d.high, d.code
	for {
		if (low^high)&0x8000 != 0 {
			if low&0x4000 == 0 || high&0x4000 != 0 {
				break
			}
			code ^= 0x4000
			low &= 0x3FFF
			high |= 0x4000
		}
		low = low << 1 & 0xFFFF
		high = (high<<1 | 1) & 0xFFFF
		if d.nbits == 0 {
			d.refill()
		}
		code = (code<<1 | uint32(d.bits>>63)) & 0xFFFF
		d.bits <<= 1
		d.nbits--
	}
	d.low, d.high, d.code = low, high, code
	return sym
}

// readBits reads n (0..32) raw bits, most significant first. Past the end
// of the data it reads 0xFF and then zeros (see maxOverread).
func (d *Decoder) readBits(n uint) uint32 {
	if d.nbits < n {
		d.refill()
	}
	v := uint32(d.bits >> (64 - n))
	if n == 0 {
		v = 0
	}
	d.bits <<= n
	d.nbits -= n
	return v
}

func (d *Decoder) refill() {
	for d.nbits <= 56 {
		var b byte
		if d.pos < len(d.in) {
			b = d.in[d.pos]
			d.pos++
		} else {
			if d.over == 0 {
				b = 0xFF
			}
			d.over++
		}
		d.bits |= uint64(b) << (56 - d.nbits)
		d.nbits += 8
	}
}
