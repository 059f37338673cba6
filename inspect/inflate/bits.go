package inflate

import "encoding/binary"

// bitReader reads deflate's least-significant-bit-first stream. The low nb
// bits of bits are the next input bits; bits above them are either zero or
// the input bits that follow, so reloading them (OR) is harmless.
//
// Near the end of the input, refills shift in zero bytes instead (counted in
// over) so that table lookups may look ahead past the last code: consuming
// any of those padding bits is an error that the decoder checks with
// overrun.
type bitReader struct {
	in   []byte
	ip   int // next byte of in not yet in bits
	bits uint64
	nb   uint
	over int // zero bytes shifted in past the end of in
}

// refill makes at least 56 bits available.
func (br *bitReader) refill() {
	if br.ip+8 <= len(br.in) {
		// Load 8 bytes and advance by the whole bytes that fit; nb keeps
		// its low 3 bits and becomes 56..63.
		br.bits |= binary.LittleEndian.Uint64(br.in[br.ip:]) << (br.nb & 63)
		br.ip += int((63 - br.nb) >> 3)
		br.nb |= 56
		return
	}
	br.refillSlow()
}

// refillSlow refills a byte at a time within the last 8 bytes of input.
func (br *bitReader) refillSlow() {
	for br.nb < 56 {
		if br.ip < len(br.in) {
			br.bits |= uint64(br.in[br.ip]) << br.nb
			br.ip++
		} else {
			br.over++
		}
		br.nb += 8
	}
}

// overrun reports whether bits past the end of the input were consumed.
func (br *bitReader) overrun() bool {
	return br.over > 0 && uint(br.over)*8 > br.nb
}

// take consumes and returns n ≤ 32 bits; the caller has made them
// available.
func (br *bitReader) take(n uint) uint32 {
	v := uint32(br.bits & (1<<(n&63) - 1))
	br.bits >>= n & 63
	br.nb -= n
	return v
}

// alignToByte drops the bits up to the next byte boundary and returns the
// bytes still buffered to the input, so that in[ip:] is the stream's next
// byte. It reports false when the stream's end was already passed.
func (br *bitReader) alignToByte() bool {
	br.nb &^= 7
	buffered := int(br.nb/8) - br.over
	if buffered < 0 {
		return false
	}
	br.ip -= buffered
	br.bits, br.nb, br.over = 0, 0, 0
	return true
}
