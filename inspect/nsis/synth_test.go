package nsis_test

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"testing"
	"unicode/utf16"

	"github.com/ulikunitz/xz/lzma"
)

// Synthetic installers: a 512-byte PE stub (one .ndata section, no raw
// data, as exehead has) followed by a firstheader and data laid out as
// makensis lays it out, built here so that hostile tests and fuzz seeds can
// say exactly what they declare.

// tinyStub is a minimal PE32 header whose image ends before offset 512.
func tinyStub() []byte {
	b := make([]byte, 512)
	le := binary.LittleEndian
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], 0x40)
	copy(b[0x40:], "PE\x00\x00")
	le.PutUint16(b[0x44:], 0x14c) // i386
	le.PutUint16(b[0x46:], 1)     // one section
	le.PutUint16(b[0x54:], 0xe0)  // optional header size
	le.PutUint16(b[0x56:], 0x102)
	opt := b[0x58:]
	le.PutUint16(opt, 0x10b)
	le.PutUint32(opt[92:], 16) // data directories
	sec := b[0x58+0xe0:]
	copy(sec, ".ndata")
	le.PutUint32(sec[8:], 0x1000)
	le.PutUint32(sec[12:], 0x1000)
	return b
}

type synthFile struct {
	name string // NSIS name, relative to $INSTDIR
	data []byte
}

// Opcodes and codes the synthetic script uses (NSIS 3).
const (
	opCreateDir   = 11
	opExtractFile = 20
)

// synthHeader is a script header: SetOutPath $INSTDIR, then File for each
// name with data at pos[i]; Unicode strings.
func synthHeader(names []string, pos []uint32) []byte {
	strs := []uint16{0}          // index 0: ""
	instdir := uint32(len(strs)) // "$INSTDIR": variable code 3, CODE_SHORT(21)
	strs = append(strs, 3, 0x8095, 0)
	nameIdx := make([]uint32, len(names))
	for i, n := range names {
		nameIdx[i] = uint32(len(strs))
		strs = append(strs, utf16.Encode([]rune(n))...)
		strs = append(strs, 0)
	}
	le := binary.LittleEndian
	nEnt := 1 + len(names)
	entOff := 4 + 8*8
	strOff := entOff + 28*nEnt
	h := make([]byte, strOff+2*len(strs))
	put := func(block int, off, num int) {
		le.PutUint32(h[4+8*block:], uint32(off))
		le.PutUint32(h[8+8*block:], uint32(num))
	}
	put(2, entOff, nEnt)
	put(3, strOff, 0)
	put(4, len(h), 0)
	put(5, len(h), 0)
	ent := func(i int, op uint32, p ...uint32) {
		e := h[entOff+28*i:]
		le.PutUint32(e, op)
		for j, v := range p {
			le.PutUint32(e[4+4*j:], v)
		}
	}
	ent(0, opCreateDir, instdir, 1)
	for i := range names {
		ent(1+i, opExtractFile, 0, nameIdx[i], pos[i])
	}
	for i, c := range strs {
		le.PutUint16(h[strOff+2*i:], c)
	}
	return h
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// compress compresses b as NSIS does with method: raw deflate, or LZMA
// as its 5 property bytes and data with an end marker.
func compress(t testing.TB, method string, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	switch method {
	case "zlib":
		w, _ := flate.NewWriter(&out, 9)
		w.Write(b)
		w.Close()
	case "zlib-store": // deflate's stored blocks: LEN and NLEN in the clear
		w, _ := flate.NewWriter(&out, flate.NoCompression)
		w.Write(b)
		w.Close()
	case "lzma":
		w, err := lzma.WriterConfig{EOSMarker: true, Size: -1}.NewWriter(&out)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
		w.Close()
		raw := out.Bytes()
		return append(raw[:5:5], raw[13:]...) // drop the 8-byte size
	default:
		t.Fatalf("method %q", method)
	}
	return out.Bytes()
}

// synth builds an installer of files, solid or not, compressed with method
// ("zlib", "lzma"). mutate, when set, may change the header before it is
// compressed.
func synth(t testing.TB, method string, solid bool, files []synthFile, mutate func(h []byte)) []byte {
	t.Helper()
	names := make([]string, len(files))
	pos := make([]uint32, len(files))
	var blocks [][]byte
	var at uint32
	for i, f := range files {
		names[i], pos[i] = f.name, at
		var blk []byte
		if solid {
			blk = append(u32(uint32(len(f.data))), f.data...)
		} else {
			c := compress(t, method, f.data)
			blk = append(u32(uint32(len(c))|1<<31), c...)
		}
		blocks = append(blocks, blk)
		at += uint32(len(blk))
	}
	h := synthHeader(names, pos)
	if mutate != nil {
		mutate(h)
	}
	var data []byte
	if solid {
		stream := append(u32(uint32(len(h))), h...)
		for _, b := range blocks {
			stream = append(stream, b...)
		}
		data = compress(t, method, stream)
	} else {
		c := compress(t, method, h)
		data = append(u32(uint32(len(c))|1<<31), c...)
		for _, b := range blocks {
			data = append(data, b...)
		}
	}
	return assemble(uint32(len(h)), data)
}

// assemble puts the stub, a firstheader (no CRC) and data together.
func assemble(headerSize uint32, data []byte) []byte {
	b := tinyStub()
	b = append(b, u32(4)...) // FH_FLAGS_NO_CRC
	b = append(b, "\xef\xbe\xad\xdeNullsoftInst"...)
	b = append(b, u32(headerSize)...)
	b = append(b, u32(uint32(28+len(data)))...)
	return append(b, data...)
}

// A solid stream whose fourth byte is 0x80 also reads as a non-solid
// header length (one deflate or bzip2 stream in 256): when that reading
// fails, the solid one is tried and, since its stream must start with the
// declared header length, settles it. Seen in the wild as a flaky
// bzip2-solid build whose bytes depend on file times. Here a stored
// deflate block puts NLEN's low byte fourth: a stream whose length ends in
// 0x7F gives 0x80.
func TestSolidLooksNonSolid(t *testing.T) {
	for n := 0; n < 512; n++ {
		content := bytes.Repeat([]byte("c"), n)
		b := synth(t, "zlib-store", true, []synthFile{{"a.txt", content}}, nil)
		if b[512+28+3] != 0x80 {
			continue
		}
		l := read(t, b, nil)
		if !bytes.Equal(l.data["$INSTDIR/a.txt"], content) {
			t.Fatalf("%d bytes: %v %v", n, l.data, l.errs)
		}
		return
	}
	t.Fatal("no solid stream with 0x80 as its fourth byte")
}
