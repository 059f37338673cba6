package asar

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
)

// fileReader streams one file, checking its integrity as it goes.
type fileReader struct {
	sr    *io.SectionReader
	e     *Entry
	start int64 // archive offset of the data
	got   int64
	v     *verifier
	err   error // sticky end-of-data result
}

func (f *fileReader) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.sr.Read(p)
	f.got += int64(n)
	if f.v != nil {
		f.v.write(p[:n])
	}
	switch {
	case err == io.EOF && f.got != f.e.Size:
		f.err = errorf(f.e.Name, f.start+f.got, io.ErrUnexpectedEOF, "data ends after %d of %d bytes", f.got, f.e.Size)
	case err == io.EOF:
		f.err = io.EOF
		if f.v != nil {
			if at, what := f.v.check(); what != "" {
				f.err = errorf(f.e.Name, f.start+at, ErrIntegrity, "%s", what)
			}
		}
	case err != nil:
		f.err = errorf(f.e.Name, f.start+f.got, err, "cannot read data")
	}
	if f.err != nil && n > 0 {
		return n, nil // report the end on the next call, after these bytes
	}
	return n, f.err
}

// verifier hashes a file and its blocks as they stream by.
type verifier struct {
	in        *Integrity
	whole     hash.Hash
	block     hash.Hash
	inBlock   int64
	blocks    int   // blocks completed
	badBlock  int   // first mismatching block, -1 when none
	badAt     int64 // its offset in the file
	total     int64
	blockSums []byte // scratch
}

func newVerifier(in *Integrity) *verifier {
	if in == nil {
		return nil
	}
	return &verifier{in: in, whole: sha256.New(), block: sha256.New(), badBlock: -1}
}

func (v *verifier) write(b []byte) {
	v.whole.Write(b)
	for len(b) > 0 {
		take := min(int64(len(b)), v.in.BlockSize-v.inBlock)
		v.block.Write(b[:take])
		v.inBlock += take
		v.total += take
		b = b[take:]
		if v.inBlock == v.in.BlockSize {
			v.endBlock()
		}
	}
}

func (v *verifier) endBlock() {
	v.blockSums = v.block.Sum(v.blockSums[:0])
	if v.badBlock < 0 && (v.blocks >= len(v.in.Blocks) || !bytes.Equal(v.blockSums, v.in.Blocks[v.blocks])) {
		v.badBlock, v.badAt = v.blocks, v.total-v.inBlock
	}
	v.blocks++
	v.block.Reset()
	v.inBlock = 0
}

// check finishes the hashes and returns where the first mismatch is and
// what it is, or "" when everything matches. Writers before @electron/asar
// 4 end a file whose size is a multiple of the block size with the hash of
// an empty block; later ones do not. Both are accepted.
func (v *verifier) check() (int64, string) {
	if v.inBlock > 0 || v.blocks == 0 || len(v.in.Blocks) == v.blocks+1 {
		v.endBlock()
	}
	if v.badBlock >= 0 {
		return v.badAt, fmt.Sprintf("block %d (of %d bytes from file offset %d) does not match its integrity hash",
			v.badBlock, v.in.BlockSize, v.badAt)
	}
	if v.blocks != len(v.in.Blocks) {
		return v.total, fmt.Sprintf("integrity lists %d block hashes, the data has %d blocks", len(v.in.Blocks), v.blocks)
	}
	if !bytes.Equal(v.whole.Sum(nil), v.in.Hash) {
		return 0, "data does not match its integrity hash"
	}
	return 0, ""
}
