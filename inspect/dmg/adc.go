package dmg

import "fmt"

// decodeADC decodes Apple Data Compression (UDIF chunk type 0x80000004, the
// UDCO format of old images) from src into dst, which it must fill
// exactly. Each opcode is a run of literals or a copy from earlier output:
//
//	1LLLLLLL                    L+1 literal bytes follow
//	01LLLLLL DDDDDDDD DDDDDDDD  copy L+4 bytes from D+1 back
//	00LLLLDD DDDDDDDD           copy L+3 bytes from D+1 back
//
// A copy reaches back at most 65536 bytes; what it copies from is output
// of the same chunk.
func decodeADC(dst, src []byte) error {
	out, i := 0, 0
	for out < len(dst) {
		if i >= len(src) {
			return fmt.Errorf("adc: stream ends after %d of %d bytes", out, len(dst))
		}
		op := src[i]
		var n, dist int
		switch {
		case op&0x80 != 0:
			n = int(op&0x7f) + 1
			i++
			if n > len(src)-i || n > len(dst)-out {
				return fmt.Errorf("adc: literal run of %d bytes at input offset %d overruns", n, i-1)
			}
			out += copy(dst[out:], src[i:i+n])
			i += n
			continue
		case op&0x40 != 0:
			if len(src)-i < 3 {
				return fmt.Errorf("adc: copy at input offset %d truncated", i)
			}
			n, dist = int(op&0x3f)+4, int(src[i+1])<<8|int(src[i+2])
			i += 3
		default:
			if len(src)-i < 2 {
				return fmt.Errorf("adc: copy at input offset %d truncated", i)
			}
			n, dist = int(op>>2)+3, int(op&3)<<8|int(src[i+1])
			i += 2
		}
		dist++
		if dist > out {
			return fmt.Errorf("adc: copy at input offset %d reaches %d bytes back, %d are written", i, dist, out)
		}
		if n > len(dst)-out {
			return fmt.Errorf("adc: copy at input offset %d overruns the %d-byte chunk", i, len(dst))
		}
		for k := 0; k < n; k++ {
			dst[out+k] = dst[out-dist+k]
		}
		out += n
	}
	return nil
}
