package dmg

// CRC-32 (IEEE) of a sequence computed from the CRCs of its parts: a
// partition's checksum is verified from the chunks' own CRCs, each taken
// when the chunk is first decoded, so verifying never decodes a chunk
// twice, and a zero chunk of any size costs no bytes at all.

// crc32Combine returns the CRC of A followed by B from crcA, crcB and B's
// length (zlib's crc32_combine: appending n zero bits is a linear map on
// the register, applied by repeated squaring of its matrix over GF(2)).
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320 // the polynomial: the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		odd[n] = row
		row <<= 1
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd) // the operator for the next power of two bytes
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[32]uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[32]uint32) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

// crc32Zeros is the CRC of n zero bytes: the register's initial all-ones
// value carried through n zero bytes, then complemented.
func crc32Zeros(n int64) uint32 {
	return crc32Combine(0xffffffff, 0xffffffff, n)
}
