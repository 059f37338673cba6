package cab

import "encoding/binary"

// checksum is the cabinet checksum (MS-CAB "Checksum Method"): the XOR of the
// little-endian 32-bit words of b, with the 1 to 3 trailing bytes packed
// first-byte-highest into a last word, folded into seed.
func checksum(b []byte, seed uint32) uint32 {
	sum := seed
	n := len(b) &^ 3
	for i := 0; i+16 <= n; i += 16 {
		sum ^= binary.LittleEndian.Uint32(b[i:]) ^ binary.LittleEndian.Uint32(b[i+4:]) ^
			binary.LittleEndian.Uint32(b[i+8:]) ^ binary.LittleEndian.Uint32(b[i+12:])
	}
	for i := n &^ 15; i < n; i += 4 {
		sum ^= binary.LittleEndian.Uint32(b[i:])
	}
	var last uint32
	for _, c := range b[n:] {
		last = last<<8 | uint32(c)
	}
	return sum ^ last
}

// checksumOK checks a data block's stored checksum. The checksum covers the
// data, then the cbData and cbUncomp fields (header[0:4]). Whether the
// per-block reserved area (header[4:]) is covered is not settled between
// writers, so a sum over either extent is accepted.
func checksumOK(want uint32, header, data []byte) bool {
	s := checksum(data, 0)
	if checksum(header[:4], s) == want {
		return true
	}
	return len(header) > 4 && checksum(header, s) == want
}
