package lzfse

import "encoding/binary"

// DecodeLZVN decodes a bare LZVN stream (no LZFSE block header; it ends
// with the end-of-stream opcode) into dst and returns how many bytes it
// wrote: the form of HFS+ decmpfs types 7 and 8.
func DecodeLZVN(dst, src []byte) (int, error) {
	n, err := lzvn(dst, 0, src)
	if err != nil {
		return n, err
	}
	return n, nil
}

// lzvn decodes src into dst from dst[out:] up to len(dst), matches
// reaching back to dst[0], and returns the new output length. Each opcode
// is literals (L bytes copied from the input) followed by a match (M bytes
// from D back); the opcode classes and their layouts:
//
//	sml_d  LLMMMDDD DDDDDDDD             D < 2048, the low three bits 0..5
//	med_d  101LLMMM DDDDDDMM DDDDDDDD    D < 16384
//	lrg_d  LLMMM111 DDDDDDDD DDDDDDDD    D < 65536
//	pre_d  LLMMM110                      the previous D
//	sml_m  1111MMMM / lrg_m 11110000 M   a match of the previous D only
//	sml_l  1110LLLL / lrg_l 11100000 L   literals only
//	eos 0x06, nop 0x0e and 0x16; the others with low bits 110 below 0x40,
//	0x70..0x7f and 0xd0..0xdf are undefined.
func lzvn(dst []byte, out int, src []byte) (int, *Error) {
	i, dist := 0, 0
	need := func(n int) *Error {
		if len(src)-i < n {
			return errorf(i, "lzvn: opcode %#02x truncated", src[i])
		}
		return nil
	}
	for {
		if i >= len(src) {
			return out, errorf(i, "lzvn: stream ends without its end-of-stream opcode")
		}
		op := src[i]
		var l, m int
		switch {
		case op == 0x06:
			return out, nil
		case op == 0x0e || op == 0x16:
			i++
			continue
		case op >= 0x70 && op < 0x80, op >= 0xd0 && op < 0xe0, op < 0x40 && op&7 == 6:
			return out, errorf(i, "lzvn: undefined opcode %#02x", op)
		case op == 0xe0:
			if err := need(2); err != nil {
				return out, err
			}
			l = int(src[i+1]) + 16
			i += 2
		case op > 0xe0 && op < 0xf0:
			l = int(op & 15)
			i++
		case op == 0xf0:
			if err := need(2); err != nil {
				return out, err
			}
			m = int(src[i+1]) + 16
			i += 2
		case op > 0xf0:
			m = int(op & 15)
			i++
		case op >= 0xa0 && op < 0xc0:
			if err := need(3); err != nil {
				return out, err
			}
			v := int(binary.LittleEndian.Uint16(src[i+1:]))
			l, m, dist = int(op>>3)&3, (int(op&7)<<2|v&3)+3, v>>2
			i += 3
		case op&7 == 6:
			l, m = int(op>>6), int(op>>3)&7+3
			i++
		case op&7 == 7:
			if err := need(3); err != nil {
				return out, err
			}
			l, m, dist = int(op>>6), int(op>>3)&7+3, int(binary.LittleEndian.Uint16(src[i+1:]))
			i += 3
		default:
			if err := need(2); err != nil {
				return out, err
			}
			l, m, dist = int(op>>6), int(op>>3)&7+3, int(op&7)<<8|int(src[i+1])
			i += 2
		}
		if l > 0 {
			if l > len(src)-i {
				return out, errorf(i, "lzvn: %d literals truncated", l)
			}
			if l > len(dst)-out {
				return out, errorf(i, "lzvn: literals overflow the %d-byte output", len(dst))
			}
			out += copy(dst[out:], src[i:i+l])
			i += l
		}
		if m > 0 {
			if m > len(dst)-out {
				return out, errorf(i, "lzvn: match overflows the %d-byte output", len(dst))
			}
			if dist <= 0 || dist > out {
				return out, errorf(i, "lzvn: match distance %d reaches before the output's start", dist)
			}
			copyMatch(dst, out, dist, m)
			out += m
		}
	}
}
