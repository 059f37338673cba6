package dmg

import "sync"

// CRC-32 (IEEE) of a sequence computed from the CRCs of its parts: a
// partition's checksum is verified from the chunks' own CRCs, each taken
// when the chunk is first decoded, so verifying never decodes a chunk
// twice, and a zero chunk of any size costs no bytes at all.
//
// Appending n zero bytes to a message is a linear map on the CRC register
// (zlib's crc32_combine): a 32×32 matrix over GF(2), here kept for every
// power of two of n, so combining costs one matrix product per bit of n.

var (
	zeroOpsOnce sync.Once
	zeroOps     [64][32]uint32 // zeroOps[k]: appending 2^k zero bytes
)

func initZeroOps() {
	var op [32]uint32
	op[0] = 0xedb88320 // the polynomial: the operator for one zero bit
	row := uint32(1)
	for n := 1; n < 32; n++ {
		op[n] = row
		row <<= 1
	}
	for i := 0; i < 3; i++ { // one bit, two, four, eight: one byte
		op = gf2Square(&op)
	}
	zeroOps[0] = op
	for k := 1; k < 64; k++ {
		zeroOps[k] = gf2Square(&zeroOps[k-1])
	}
}

// crc32Combine returns the CRC of A followed by B from crcA, crcB and B's
// length.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	zeroOpsOnce.Do(initZeroOps)
	for k := 0; lenB != 0; k, lenB = k+1, lenB>>1 {
		if lenB&1 != 0 {
			crcA = gf2Times(&zeroOps[k], crcA)
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

func gf2Square(mat *[32]uint32) [32]uint32 {
	var sq [32]uint32
	for n := range mat {
		sq[n] = gf2Times(mat, mat[n])
	}
	return sq
}

// crc32Zeros is the CRC of n zero bytes: the register's initial all-ones
// value carried through n zero bytes, then complemented.
func crc32Zeros(n int64) uint32 {
	if n <= 0 {
		return 0
	}
	return crc32Combine(0xffffffff, 0xffffffff, n)
}
