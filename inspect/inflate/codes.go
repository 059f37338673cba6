package inflate

import "encoding/binary"

// codes decodes the symbols of one Huffman-coded block into d.buf[op:end]
// with the tables lt and dt, and returns the new end of the output. The
// bit reader's state lives in locals here, the decoder's hot loop.
func (d *Decoder) codes(br *bitReader, lt *litTable, dt *distTable, op, end int) (int, error) {
	buf := &d.buf
	in := br.in
	ip, bits, nb := br.ip, br.bits, br.nb
	for {
		// After a refill at least 56 bits are available: a length code with
		// its extra bits (at most 15+5) and a distance code with its extra
		// bits (at most 15+13), or three literals.
		if ip >= 0 && ip <= len(in)-8 {
			bits |= binary.LittleEndian.Uint64(in[ip:]) << (nb & 63)
			ip += int((63 - nb) >> 3)
			nb |= 56
		} else {
			br.ip, br.bits, br.nb = ip, bits, nb
			br.refillSlow()
			if br.overrun() {
				return 0, errShort
			}
			ip, bits, nb = br.ip, br.bits, br.nb
		}

		// Literals, the commonest symbols, up to three per refill; each
		// checked against the block's end before it is written.
		e := lt[bits&litMask]
		if int32(e) < 0 {
			bits >>= e & 63
			nb -= uint(e & 63)
			if op >= end {
				return 0, errLong
			}
			buf[op&bufMask] = byte(e >> 16)
			op++
			e = lt[bits&litMask]
			if int32(e) < 0 {
				bits >>= e & 63
				nb -= uint(e & 63)
				if op >= end {
					return 0, errLong
				}
				buf[op&bufMask] = byte(e >> 16)
				op++
				e = lt[bits&litMask]
				if int32(e) < 0 {
					bits >>= e & 63
					nb -= uint(e & 63)
					if op >= end {
						return 0, errLong
					}
					buf[op&bufMask] = byte(e >> 16)
					op++
					continue
				}
			}
			// A match (or the end) follows. Refill for its distance here
			// rather than look its entry up again after the loop's refill;
			// near the input's end, leave that to the loop.
			if ip < 0 || ip > len(in)-8 {
				continue
			}
			bits |= binary.LittleEndian.Uint64(in[ip:]) << (nb & 63)
			ip += int((63 - nb) >> 3)
			nb |= 56
		}
		if e&entrySub != 0 {
			bits >>= litRootBits
			nb -= litRootBits
			e = lt[e>>16+uint32(bits)&(1<<(e>>8&15)-1)]
			if int32(e) < 0 {
				bits >>= e & 63
				nb -= uint(e & 63)
				if op >= end {
					return 0, errLong
				}
				buf[op&bufMask] = byte(e >> 16)
				op++
				continue
			}
		}
		if e&(entryEnd|entryBad) != 0 {
			if e&entryBad != 0 {
				return 0, errLitSymbol
			}
			bits >>= e & 63
			nb -= uint(e & 63)
			break
		}
		length := int(e>>16) + int(bits&(1<<(e&63)-1)>>(e>>8&15))
		bits >>= e & 63
		nb -= uint(e & 63)

		e = dt[bits&distMask]
		if e&entrySub != 0 {
			bits >>= distRootBits
			nb -= distRootBits
			e = dt[e>>16+uint32(bits)&(1<<(e>>8&15)-1)]
		}
		if e&entryBad != 0 {
			return 0, errDistSymbol
		}
		dist := int(e>>16) + int(bits&(1<<(e&63)-1)>>(e>>8&15))
		bits >>= e & 63
		nb -= uint(e & 63)

		if dist > op {
			return 0, errDistance
		}
		if length > end-op {
			return 0, errLong
		}
		if src := op - dist; dist >= 8 && length <= 16 {
			// The commonest match, two words inline; they may write up
			// to 13 bytes past its end, into the slack.
			le := binary.LittleEndian
			le.PutUint64(buf[op&bufMask:], le.Uint64(buf[src&bufMask:]))
			le.PutUint64(buf[(op+8)&bufMask:], le.Uint64(buf[(src+8)&bufMask:]))
		} else {
			copyMatch(buf, op, src, length)
		}
		op += length
	}
	br.ip, br.bits, br.nb = ip, bits, nb
	return op, nil
}

// copyMatch copies length bytes from buf[src:] to buf[op:], src < op,
// byte by byte in effect: when they overlap, the copy repeats the bytes
// between. It may write up to 7 bytes past op+length, into the slack.
func copyMatch(buf *[bufSize + 8]byte, op, src, length int) {
	le := binary.LittleEndian
	switch dist := op - src; {
	case dist >= 8:
		// Whole words, each read from bytes already written.
		for i := 0; i < length; i += 8 {
			le.PutUint64(buf[(op+i)&bufMask:], le.Uint64(buf[(src+i)&bufMask:]))
		}
	case dist == 1:
		v := uint64(buf[src&bufMask]) * 0x0101010101010101
		for i := 0; i < length; i += 8 {
			le.PutUint64(buf[(op+i)&bufMask:], v)
		}
	default:
		for i := range length {
			buf[(op+i)&bufMask] = buf[(src+i)&bufMask]
		}
	}
}
