// Package lzfse decodes LZFSE and LZVN, Apple's compressors: the chunks of
// a disk image's LZFSE blocks (UDIF chunk type 0x80000007) and the data of
// HFS+ files compressed with decmpfs types 7, 8, 11 and 12.
//
// Both decoders write into a buffer the caller sizes from what the
// container declares (a chunk's sector count, a file's 64 KiB blocks): a
// stream that would write more is an error, never a larger allocation. The
// decoder's own memory is fixed (its tables and one block's literals).
//
// The format is Apple's reference implementation's (lzfse_decode_base.c,
// lzvn_decode_base.c): a stream is a sequence of blocks, each starting with
// a four-byte magic — "bvx-" stored, "bvxn" LZVN, "bvx1"/"bvx2" LZFSE with
// literals and (literal length, match length, distance) triples coded by
// finite-state entropy (tANS) — and ending with "bvx$".
package lzfse

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Block magics, little-endian.
const (
	magicEnd  = 0x24787662 // "bvx$"
	magicRaw  = 0x2d787662 // "bvx-"
	magicV1   = 0x31787662 // "bvx1"
	magicV2   = 0x32787662 // "bvx2"
	magicLZVN = 0x6e787662 // "bvxn"
)

// Sizes of the entropy coder's alphabets and state tables.
const (
	lSymbols   = 20
	mSymbols   = 20
	dSymbols   = 64
	litSymbols = 256
	lStates    = 64
	mStates    = 64
	dStates    = 256
	litStates  = 1024

	matchesPerBlock  = 10000
	literalsPerBlock = 4 * matchesPerBlock
)

var (
	lExtraBits = [lSymbols]uint8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 5, 8}
	mExtraBits = [mSymbols]uint8{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 5, 8, 11}
	dExtraBits = [dSymbols]uint8{
		0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
		4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7,
		8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11,
		12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15}
	// The base values follow from the extra bits: each symbol starts where
	// the previous one's range ends.
	lBase = bases(lExtraBits[:])
	mBase = bases(mExtraBits[:])
	dBase = bases(dExtraBits[:])
)

func bases(extra []uint8) []int32 {
	b := make([]int32, len(extra))
	for i := 1; i < len(extra); i++ {
		b[i] = b[i-1] + 1<<extra[i-1]
	}
	return b
}

// Tables exposes the coder's alphabets to the test encoder in
// fixtures/dmgbuild, so that both sides use one definition.
func Tables() (lExtra, mExtra, dExtra []uint8, lB, mB, dB []int32) {
	return lExtraBits[:], mExtraBits[:], dExtraBits[:], lBase, mBase, dBase
}

// Error is a malformed stream: what is wrong and at which offset of the
// compressed input.
type Error struct {
	Off int
	Msg string
}

func (e *Error) Error() string { return fmt.Sprintf("%s at compressed offset %d", e.Msg, e.Off) }

func errorf(off int, format string, args ...any) *Error {
	return &Error{Off: off, Msg: fmt.Sprintf(format, args...)}
}

// Decode decodes the LZFSE stream src into dst and returns how many bytes
// it wrote. A stream that would write more than len(dst) bytes, ends
// without its end-of-stream block or is malformed is an error.
func Decode(dst, src []byte) (int, error) {
	var d decoder
	return d.decode(dst, src)
}

type decoder struct {
	literals [literalsPerBlock + 4]byte
	litTable [litStates]litEntry
	lTable   [lStates]valueEntry
	mTable   [mStates]valueEntry
	dTable   [dStates]valueEntry
}

func (d *decoder) decode(dst, src []byte) (int, error) {
	out, pos := 0, 0
	for {
		if len(src)-pos < 4 {
			return out, errorf(pos, "lzfse: stream ends without its end-of-stream block")
		}
		switch magic := binary.LittleEndian.Uint32(src[pos:]); magic {
		case magicEnd:
			return out, nil
		case magicRaw:
			if len(src)-pos < 8 {
				return out, errorf(pos, "lzfse: truncated stored block header")
			}
			n := int64(binary.LittleEndian.Uint32(src[pos+4:]))
			pos += 8
			if n > int64(len(src)-pos) {
				return out, errorf(pos, "lzfse: stored block of %d bytes truncated", n)
			}
			if n > int64(len(dst)-out) {
				return out, errorf(pos, "lzfse: stored block of %d bytes overflows the %d-byte output", n, len(dst))
			}
			out += copy(dst[out:], src[pos:pos+int(n)])
			pos += int(n)
		case magicLZVN:
			if len(src)-pos < 12 {
				return out, errorf(pos, "lzfse: truncated LZVN block header")
			}
			raw := int64(binary.LittleEndian.Uint32(src[pos+4:]))
			payload := int64(binary.LittleEndian.Uint32(src[pos+8:]))
			pos += 12
			if payload > int64(len(src)-pos) {
				return out, errorf(pos, "lzfse: LZVN block of %d bytes truncated", payload)
			}
			if raw > int64(len(dst)-out) {
				return out, errorf(pos, "lzfse: LZVN block of %d bytes overflows the %d-byte output", raw, len(dst))
			}
			end, err := lzvn(dst[:out+int(raw)], out, src[pos:pos+int(payload)])
			if err != nil {
				err.Off += pos
				return out, err
			}
			if end != out+int(raw) {
				return out, errorf(pos, "lzfse: LZVN block decodes to %d bytes, declares %d", end-out, raw)
			}
			out = end
			pos += int(payload)
		case magicV1, magicV2:
			h, err := parseHeader(src[pos:], magic == magicV2)
			if err != nil {
				err.Off += pos
				return out, err
			}
			n, err := d.block(dst, out, h, src[pos:])
			if err != nil {
				err.Off += pos
				return out, err
			}
			out = n
			pos += h.size + int(h.litPayload) + int(h.lmdPayload)
		default:
			return out, errorf(pos, "lzfse: unknown block magic %#08x", magic)
		}
	}
}

// header is an LZFSE block header, v2's packed fields unpacked.
type header struct {
	size                   int // header bytes, frequency tables included
	raw                    uint32
	literals, matches      uint32
	litPayload, lmdPayload uint32
	litBits, lmdBits       int
	litState               [4]uint16
	lState, mState, dState uint16
	lFreq                  [lSymbols]uint16
	mFreq                  [mSymbols]uint16
	dFreq                  [dSymbols]uint16
	litFreq                [litSymbols]uint16
}

// v1HeaderSize is sizeof(lzfse_compressed_block_header_v1): 770 bytes of
// fields padded to 4-byte alignment.
const v1HeaderSize = 772

// v2FixedSize is the v2 header before its frequency tables.
const v2FixedSize = 32

func parseHeader(b []byte, v2 bool) (*header, *Error) {
	h := &header{}
	le16 := binary.LittleEndian.Uint16
	le32 := binary.LittleEndian.Uint32
	if !v2 {
		if len(b) < v1HeaderSize {
			return nil, errorf(0, "lzfse: truncated v1 block header")
		}
		h.size = v1HeaderSize
		h.raw = le32(b[4:])
		h.literals, h.matches = le32(b[12:]), le32(b[16:])
		h.litPayload, h.lmdPayload = le32(b[20:]), le32(b[24:])
		h.litBits, h.lmdBits = int(int32(le32(b[28:]))), int(int32(le32(b[40:])))
		for i := range h.litState {
			h.litState[i] = le16(b[32+2*i:])
		}
		h.lState, h.mState, h.dState = le16(b[44:]), le16(b[46:]), le16(b[48:])
		p := 50
		for _, t := range [][]uint16{h.lFreq[:], h.mFreq[:], h.dFreq[:], h.litFreq[:]} {
			for i := range t {
				t[i] = le16(b[p:])
				p += 2
			}
		}
	} else {
		if len(b) < v2FixedSize {
			return nil, errorf(0, "lzfse: truncated v2 block header")
		}
		h.raw = le32(b[4:])
		v0, v1, v2 := binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:]), binary.LittleEndian.Uint64(b[24:])
		field := func(v uint64, off, n uint) uint32 { return uint32(v>>off) & (1<<n - 1) }
		h.literals = field(v0, 0, 20)
		h.litPayload = field(v0, 20, 20)
		h.matches = field(v0, 40, 20)
		h.litBits = int(field(v0, 60, 3)) - 7
		for i := range h.litState {
			h.litState[i] = uint16(field(v1, uint(10*i), 10))
		}
		h.lmdPayload = field(v1, 40, 20)
		h.lmdBits = int(field(v1, 60, 3)) - 7
		size := uint64(field(v2, 0, 32))
		h.lState, h.mState, h.dState = uint16(field(v2, 32, 10)), uint16(field(v2, 42, 10)), uint16(field(v2, 52, 10))
		if size < v2FixedSize || size > v2FixedSize+2*(lSymbols+mSymbols+dSymbols+litSymbols) || size > uint64(len(b)) {
			return nil, errorf(0, "lzfse: v2 block header declares %d bytes", size)
		}
		h.size = int(size)
		if err := h.readFreqs(b[v2FixedSize:h.size]); err != nil {
			return nil, err
		}
	}
	if err := h.check(); err != nil {
		return nil, err
	}
	if int64(h.size)+int64(h.litPayload)+int64(h.lmdPayload) > int64(len(b)) {
		return nil, errorf(0, "lzfse: block of %d payload bytes truncated", int64(h.litPayload)+int64(h.lmdPayload))
	}
	return h, nil
}

// readFreqs decodes v2's frequency tables: each value in a prefix code of
// 2 to 14 bits, read from the least significant bit. An empty table area
// means every frequency is zero.
func (h *header) readFreqs(b []byte) *Error {
	if len(b) == 0 {
		return nil
	}
	var accum uint32
	nbits, p := 0, 0
	for _, t := range [][]uint16{h.lFreq[:], h.mFreq[:], h.dFreq[:], h.litFreq[:]} {
		for i := range t {
			for p < len(b) && nbits+8 <= 32 {
				accum |= uint32(b[p]) << nbits
				nbits += 8
				p++
			}
			v, n := freqValue(accum)
			if n > nbits {
				return errorf(v2FixedSize+p, "lzfse: frequency tables truncated")
			}
			t[i] = v
			accum >>= n
			nbits -= n
		}
	}
	if nbits >= 8 || p != len(b) {
		return errorf(v2FixedSize+p, "lzfse: frequency tables do not end with the header")
	}
	return nil
}

// freqValue decodes one frequency from the low bits of bits and says how
// many bits its code took.
func freqValue(bits uint32) (uint16, int) {
	switch b := bits & 31; {
	case b&3 == 0:
		return 0, 2
	case b&3 == 2:
		return 1, 2
	case b&7 == 1:
		return 2, 3
	case b&7 == 5:
		return 3, 3
	case b&15 == 7:
		return uint16(8 + (bits>>4)&0xf), 8
	case b&15 == 15:
		return uint16(24 + (bits>>4)&0x3ff), 14
	default: // b&7 == 3: five-bit codes for 4..7
		return uint16(4 + b>>3), 5
	}
}

func (h *header) check() *Error {
	switch {
	case h.literals > literalsPerBlock:
		return errorf(0, "lzfse: block declares %d literals", h.literals)
	case h.matches > matchesPerBlock:
		return errorf(0, "lzfse: block declares %d matches", h.matches)
	case h.litBits < -7 || h.litBits > 0 || h.lmdBits < -7 || h.lmdBits > 0:
		return errorf(0, "lzfse: bad bit counts %d, %d", h.litBits, h.lmdBits)
	case h.lState >= lStates || h.mState >= mStates || h.dState >= dStates:
		return errorf(0, "lzfse: initial states out of range")
	}
	for _, s := range h.litState {
		if s >= litStates {
			return errorf(0, "lzfse: initial literal state %d out of range", s)
		}
	}
	for _, t := range []struct {
		f []uint16
		n int
	}{{h.lFreq[:], lStates}, {h.mFreq[:], mStates}, {h.dFreq[:], dStates}, {h.litFreq[:], litStates}} {
		sum := 0
		for _, f := range t.f {
			sum += int(f)
		}
		if sum > t.n {
			return errorf(0, "lzfse: frequencies sum to %d, more than %d states", sum, t.n)
		}
	}
	return nil
}

// litEntry is one state of the literal decoder: the symbol it stands for,
// how many bits to read and what to add to them for the next state.
type litEntry struct {
	k     uint8
	sym   uint8
	delta int16
}

// valueEntry is one state of an L, M or D decoder: its symbol's base
// value and extra bits, and the next state's bits and delta.
type valueEntry struct {
	total uint8 // state bits + extra value bits
	extra uint8
	delta int16
	base  int32
}

// spread computes, for each state reached by a symbol of frequency f in a
// table of n states, the number of bits to read and the delta: the tANS
// layout of Apple's fse_init_decoder_table.
func spread(n, f, j int) (k int, delta int) {
	kk := bits.LeadingZeros32(uint32(f)) - bits.LeadingZeros32(uint32(n))
	j0 := (2*n)>>kk - f
	if j < j0 {
		return kk, (f+j)<<kk - n
	}
	return kk - 1, (j - j0) << (kk - 1)
}

func buildLitTable(t []litEntry, freq []uint16) {
	clear(t)
	s := 0
	for sym, f := range freq {
		for j := 0; j < int(f); j++ {
			k, delta := spread(len(t), int(f), j)
			t[s] = litEntry{k: uint8(k), sym: uint8(sym), delta: int16(delta)}
			s++
		}
	}
}

func buildValueTable(t []valueEntry, freq []uint16, extra []uint8, base []int32) {
	clear(t)
	s := 0
	for sym, f := range freq {
		for j := 0; j < int(f); j++ {
			k, delta := spread(len(t), int(f), j)
			t[s] = valueEntry{total: uint8(k) + extra[sym], extra: extra[sym], delta: int16(delta), base: base[sym]}
			s++
		}
	}
}

// block decodes one LZFSE block (its header h, b starting at the header)
// into dst from dst[out:], and returns the new output length. Matches may
// reach back into earlier blocks' output.
func (d *decoder) block(dst []byte, out int, h *header, b []byte) (int, *Error) {
	buildLitTable(d.litTable[:], h.litFreq[:])
	buildValueTable(d.lTable[:], h.lFreq[:], lExtraBits[:], lBase)
	buildValueTable(d.mTable[:], h.mFreq[:], mExtraBits[:], mBase)
	buildValueTable(d.dTable[:], h.dFreq[:], dExtraBits[:], dBase)

	// The literal stream is read backwards from its end; its reader may
	// look ahead into the block header before it (Apple's encoder relies
	// on that), while the L, M, D stream carries 8 bytes of its own.
	litStart := h.size
	var in bitReader
	if err := in.init(h.litBits, b[:litStart+int(h.litPayload)]); err != nil {
		return out, err
	}
	st := h.litState
	n := int(h.literals+3) &^ 3
	for i := 0; i < n; i += 4 {
		if err := in.flush(); err != nil {
			return out, err
		}
		for c := 0; c < 4; c++ {
			e := d.litTable[st[c]]
			v, ok := in.pull(int(e.k))
			if !ok {
				return out, errorf(litStart, "lzfse: literal stream overrun")
			}
			d.literals[i+c] = e.sym
			st[c] = uint16(int(e.delta)+int(v)) & (litStates - 1)
		}
	}
	literals := d.literals[:h.literals]

	lmdStart := litStart + int(h.litPayload)
	if err := in.init(h.lmdBits, b[lmdStart:lmdStart+int(h.lmdPayload)]); err != nil {
		err.Off += lmdStart
		return out, err
	}
	ls, ms, ds := h.lState, h.mState, h.dState
	dist := -1
	start, lit := out, 0
	for i := uint32(0); i < h.matches; i++ {
		if err := in.flush(); err != nil {
			err.Off += lmdStart
			return out, err
		}
		l, ok1 := in.value(&ls, d.lTable[:])
		m, ok2 := in.value(&ms, d.mTable[:])
		nd, ok3 := in.value(&ds, d.dTable[:])
		if !ok1 || !ok2 || !ok3 {
			return out, errorf(lmdStart, "lzfse: match stream overrun")
		}
		if nd != 0 {
			dist = nd
		}
		if l > len(literals)-lit {
			return out, errorf(lmdStart, "lzfse: match %d takes %d literals, %d are left", i, l, len(literals)-lit)
		}
		if l+m > len(dst)-out {
			return out, errorf(lmdStart, "lzfse: block overflows the %d-byte output", len(dst))
		}
		out += copy(dst[out:], literals[lit:lit+l])
		lit += l
		if m == 0 {
			continue
		}
		if dist <= 0 || dist > out {
			return out, errorf(lmdStart, "lzfse: match distance %d reaches before the output's start", dist)
		}
		copyMatch(dst, out, dist, m)
		out += m
	}
	if out-start != int(h.raw) {
		return out, errorf(0, "lzfse: block decodes to %d bytes, declares %d", out-start, h.raw)
	}
	return out, nil
}

// copyMatch copies m bytes from dist bytes back, byte by byte where the
// ranges overlap (a run).
func copyMatch(dst []byte, out, dist, m int) {
	if dist >= m {
		copy(dst[out:out+m], dst[out-dist:])
		return
	}
	for i := 0; i < m; i++ {
		dst[out+i] = dst[out-dist+i]
	}
}

// bitReader reads an FSE bit stream backwards: the last byte's high bits
// first, as one little-endian number read from its top.
type bitReader struct {
	accum uint64
	nbits int
	buf   []byte
	pos   int // bytes buf[:pos] are still unread
}

func (r *bitReader) init(n int, buf []byte) *Error {
	r.buf = buf
	if n != 0 {
		if len(buf) < 8 {
			return errorf(0, "lzfse: bit stream of %d bytes too short", len(buf))
		}
		r.pos = len(buf) - 8
		r.accum = binary.LittleEndian.Uint64(buf[r.pos:])
		r.nbits = n + 64
	} else {
		if len(buf) < 7 {
			return errorf(0, "lzfse: bit stream of %d bytes too short", len(buf))
		}
		r.pos = len(buf) - 7
		var b [8]byte
		copy(b[:], buf[r.pos:])
		r.accum = binary.LittleEndian.Uint64(b[:])
		r.nbits = 56
	}
	if r.nbits < 56 || r.nbits >= 64 || r.accum>>uint(r.nbits) != 0 {
		return errorf(len(buf)-1, "lzfse: bit stream's padding bits are not zero")
	}
	return nil
}

// flush tops the accumulator up to at least 56 bits.
func (r *bitReader) flush() *Error {
	n := (63 - r.nbits) &^ 7
	k := n >> 3
	if r.pos < k {
		return errorf(r.pos, "lzfse: bit stream exhausted")
	}
	r.pos -= k
	var in uint64
	for i := 0; i < k; i++ {
		in |= uint64(r.buf[r.pos+i]) << (8 * i)
	}
	r.accum = r.accum<<uint(n) | in
	r.nbits += n
	return nil
}

func (r *bitReader) pull(n int) (uint64, bool) {
	if n > r.nbits {
		return 0, false
	}
	r.nbits -= n
	v := r.accum >> uint(r.nbits)
	r.accum &= 1<<uint(r.nbits) - 1
	return v, true
}

func (r *bitReader) value(state *uint16, t []valueEntry) (int, bool) {
	e := t[*state]
	v, ok := r.pull(int(e.total))
	if !ok {
		return 0, false
	}
	*state = uint16(int(e.delta)+int(v>>e.extra)) & uint16(len(t)-1)
	return int(e.base) + int(v&(1<<e.extra-1)), true
}
