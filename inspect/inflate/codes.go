package inflate

import "encoding/binary"

// codes decodes the symbols of one Huffman-coded block into d.buf[op:end]
// with the tables lt and dt, and returns the new end of the output. It is
// codesStream (the one hot loop) told to stop once op passes end: a block
// that holds more than end-op bytes shows itself by the symbol after them,
// which lands in the slack past end.
func (d *Decoder) codes(br *bitReader, lt *litTable, dt *distTable, op, end int) (int, error) {
	op, done, err := d.codesStream(br, lt, dt, op, end+1, false)
	if err != nil {
		return 0, err
	}
	if !done || op > end {
		return 0, errLong
	}
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
