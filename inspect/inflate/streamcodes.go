package inflate

import "encoding/binary"

// outLimit bounds where codesStream starts a symbol: from below it, one
// pass of its loop (two literals and a 258-byte match whose word copy runs
// up to 13 bytes on) stays below bufSize, so nothing it writes wraps.
const outLimit = bufSize - 2 - 258 - 16

// codesStream is codes for the streaming Reader. It decodes into
// d.buf[op:] until the block's end, until op reaches limit (≤ outLimit),
// or, when more input may come (more), until fewer than 8 input bytes are
// left; it always stops between symbols, so the bit reader is the whole
// state. At the input's true end (!more) it pads as codes does and the
// caller checks overrun. It returns the new end of the output and whether
// the block ended.
func (d *Decoder) codesStream(br *bitReader, lt *litTable, dt *distTable, op, limit int, more bool) (int, bool, error) {
	buf := &d.buf
	in := br.in
	ip, bits, nb := br.ip, br.bits, br.nb
	for op < limit {
		if ip >= 0 && ip <= len(in)-8 {
			bits |= binary.LittleEndian.Uint64(in[ip:]) << (nb & 63)
			ip += int((63 - nb) >> 3)
			nb |= 56
		} else if more {
			break
		} else {
			br.ip, br.bits, br.nb = ip, bits, nb
			br.refillSlow()
			if br.overrun() {
				return 0, false, errShort
			}
			ip, bits, nb = br.ip, br.bits, br.nb
		}

		// Up to three literals per refill, as in codes; the output
		// limit leaves room for them without a check each.
		e := lt[bits&litMask]
		if int32(e) < 0 {
			bits >>= e & 63
			nb -= uint(e & 63)
			buf[op&bufMask] = byte(e >> 16)
			op++
			e = lt[bits&litMask]
			if int32(e) < 0 {
				bits >>= e & 63
				nb -= uint(e & 63)
				buf[op&bufMask] = byte(e >> 16)
				op++
				e = lt[bits&litMask]
				if int32(e) < 0 {
					bits >>= e & 63
					nb -= uint(e & 63)
					buf[op&bufMask] = byte(e >> 16)
					op++
					continue
				}
			}
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
				buf[op&bufMask] = byte(e >> 16)
				op++
				continue
			}
		}
		if e&(entryEnd|entryBad) != 0 {
			if e&entryBad != 0 {
				return 0, false, errLitSymbol
			}
			bits >>= e & 63
			nb -= uint(e & 63)
			br.ip, br.bits, br.nb = ip, bits, nb
			return op, true, nil
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
			return 0, false, errDistSymbol
		}
		dist := int(e>>16) + int(bits&(1<<(e&63)-1)>>(e>>8&15))
		bits >>= e & 63
		nb -= uint(e & 63)

		// op counts the output since the stream's start until the window
		// first slides, and stays at least historySize after: a distance
		// beyond it reaches before the start.
		if dist > op {
			return 0, false, errDistance
		}
		if src := op - dist; dist >= 8 && length <= 16 {
			le := binary.LittleEndian
			le.PutUint64(buf[op&bufMask:], le.Uint64(buf[src&bufMask:]))
			le.PutUint64(buf[(op+8)&bufMask:], le.Uint64(buf[(src+8)&bufMask:]))
		} else {
			copyMatch(buf, op, src, length)
		}
		op += length
	}
	br.ip, br.bits, br.nb = ip, bits, nb
	return op, false, nil
}
