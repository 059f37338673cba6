package decmpfs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/decmpfs"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// sample is n bytes of text runs and random bytes: matches and literals
// for the encoders, and blocks that do not all compress alike.
func sample(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b []byte
	for len(b) < n {
		if rng.IntN(3) == 0 {
			for range 200 {
				b = append(b, byte(rng.Uint32()))
			}
		} else {
			b = append(b, "decmpfs sample text, "...)
		}
	}
	return b[:n]
}

// header is a com.apple.decmpfs header of type typ for size bytes.
func header(typ uint32, size int) []byte {
	h := make([]byte, 16)
	copy(h, "fpmc")
	binary.LittleEndian.PutUint32(h[4:], typ)
	binary.LittleEndian.PutUint64(h[8:], uint64(size))
	return h
}

func open(attr, rsrc []byte) (io.Reader, error) {
	return decmpfs.Open(decmpfs.File{Attr: attr, Fork: bytes.NewReader(rsrc), ForkSize: int64(len(rsrc))})
}

// TestTypes: every compression type, each as dmgbuild writes it (the
// resource fork types over several blocks, stored ones among them), and
// the forms that store the bytes as they are, decode to the file's bytes.
func TestTypes(t *testing.T) {
	small, large := sample(3000), sample(3*64<<10+1234)
	type tc struct {
		name       string
		typ        uint32
		attr, rsrc []byte
		want       []byte
	}
	var cases []tc
	for _, typ := range []int{dmgbuild.DecmpfsZlibAttr, dmgbuild.DecmpfsLZVNAttr, dmgbuild.DecmpfsLZFSEAttr,
		dmgbuild.DecmpfsZlibRsrc, dmgbuild.DecmpfsLZVNRsrc, dmgbuild.DecmpfsLZFSERsrc} {
		data := small
		if decmpfs.InResourceFork(uint32(typ)) {
			data = large
		}
		attr, rsrc, err := dmgbuild.EncodeDecmpfs(typ, data)
		if err != nil {
			t.Fatal(err)
		}
		cases = append(cases, tc{decmpfs.CompressionName(uint32(typ)), uint32(typ), attr, rsrc, data})
	}
	stored := func(name string, typ uint32, marker ...byte) tc {
		attr := append(append(header(typ, len(small)), marker...), small...)
		return tc{name, typ, attr, nil, small}
	}
	cases = append(cases,
		stored("type 1", decmpfs.RawAttr),
		stored("type 9", decmpfs.CopyAttr, 0xcc),
		stored("zlib stored", decmpfs.ZlibAttr, 0xff),
		stored("LZVN stored", decmpfs.LZVNAttr, 0x06),
		stored("LZFSE stored", decmpfs.LZFSEAttr, 0x06),
		tc{"empty, no resource fork", decmpfs.LZVNRsrc, header(decmpfs.LZVNRsrc, 0), nil, nil},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := decmpfs.ParseHeader(c.attr)
			if err != nil || h.Type != c.typ || h.Size != int64(len(c.want)) {
				t.Fatalf("header %+v, %v", h, err)
			}
			r, err := open(c.attr, c.rsrc)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, c.want) {
				t.Errorf("%d bytes, %v; want %d", len(got), err, len(c.want))
			}
		})
	}
}

// TestFaults: damaged data is a fault, reported through File.Fault with
// the resource fork offset it is about; limits are limit errors.
func TestFaults(t *testing.T) {
	data := sample(2*64<<10 + 100)
	attr, rsrc, err := dmgbuild.EncodeDecmpfs(dmgbuild.DecmpfsLZVNRsrc, data)
	if err != nil {
		t.Fatal(err)
	}
	block1 := int64(binary.LittleEndian.Uint32(rsrc[4:]))
	read := func(f decmpfs.File) error {
		r, err := decmpfs.Open(f)
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		return err
	}
	t.Run("damaged block", func(t *testing.T) {
		bad := append([]byte(nil), rsrc...)
		copy(bad[block1:], bytes.Repeat([]byte{0xff}, 64)) // not LZVN
		var at int64 = -2
		err := read(decmpfs.File{Attr: attr, Fork: bytes.NewReader(bad), ForkSize: int64(len(bad)),
			Fault: func(off int64, msg string, cause error) error {
				at = off
				return errors.New(msg)
			}})
		if err == nil || !strings.Contains(err.Error(), "LZVN in resource fork block 1") || at != block1 {
			t.Errorf("offset %d: %v", at, err)
		}
	})
	t.Run("reader shorter than its size", func(t *testing.T) {
		err := read(decmpfs.File{Attr: attr, Fork: bytes.NewReader(rsrc[:block1+10]), ForkSize: int64(len(rsrc))})
		var de *decmpfs.Error
		if !errors.As(err, &de) || de.Off != block1 || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%v", err)
		}
	})
	t.Run("table past the fork", func(t *testing.T) {
		err := read(decmpfs.File{Attr: attr, Fork: bytes.NewReader(rsrc[:10]), ForkSize: 10})
		if err == nil || !strings.Contains(err.Error(), "more than the resource fork of 10 bytes can list") {
			t.Errorf("%v", err)
		}
	})
	t.Run("attribute short", func(t *testing.T) {
		a := append(header(decmpfs.RawAttr, 100), "only this"...)
		if err := read(decmpfs.File{Attr: a}); err == nil || !strings.Contains(err.Error(), "ends 91 bytes short of the 100 declared") {
			t.Errorf("%v", err)
		}
	})
	t.Run("inline limit", func(t *testing.T) {
		a, _, err := dmgbuild.EncodeDecmpfs(dmgbuild.DecmpfsLZFSEAttr, data)
		if err != nil {
			t.Fatal(err)
		}
		if err := read(decmpfs.File{Attr: a, MaxInlineBytes: 1000}); !errors.Is(err, formaterr.ErrLimit) {
			t.Errorf("%v", err)
		}
	})
	t.Run("header", func(t *testing.T) {
		for _, a := range [][]byte{header(5, 10), []byte("fpmc"), append([]byte("xxxx"), header(3, 1)[4:]...)} {
			if _, err := decmpfs.ParseHeader(a); err == nil {
				t.Errorf("%q: no error", a)
			}
			if err := read(decmpfs.File{Attr: a}); err == nil {
				t.Errorf("%q: opened", a)
			}
		}
	})
}
