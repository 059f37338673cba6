package nsis_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/nsis"
)

// allocated runs f and returns the bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// limitOf returns the Options limit err names, "" when it is no limit error.
func limitOf(err error) string {
	var le *nsis.LimitError
	if errors.As(err, &le) && errors.Is(err, nsis.ErrLimit) {
		return le.Limit
	}
	return ""
}

// walkAll reads every item and returns the first error.
func walkAll(in *nsis.Installer) error {
	var first error
	err := in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error {
		if err == nil {
			_, err = io.Copy(io.Discard, r)
		}
		if err != nil && first == nil {
			first = err
		}
		return nil
	})
	if err != nil {
		return err
	}
	return first
}

// The synthetic installers the hostile tests start from read correctly.
func TestSynth(t *testing.T) {
	files := []synthFile{{"a.txt", []byte("alpha")}, {`sub\b.txt`, bytes.Repeat([]byte("b"), 100000)}, {"empty", nil}}
	for _, method := range []string{"zlib", "lzma"} {
		for _, solid := range []bool{false, true} {
			b := synth(t, method, solid, files, nil)
			l := read(t, b, nil)
			if strings.Join(l.paths, ",") != "$INSTDIR/a.txt,$INSTDIR/sub/b.txt,$INSTDIR/empty" || len(l.errs) > 0 ||
				string(l.data["$INSTDIR/a.txt"]) != "alpha" || len(l.data["$INSTDIR/sub/b.txt"]) != 100000 || l.in.Solid != solid {
				t.Errorf("%s solid %v: %v %v", method, solid, l.paths, l.errs)
			}
		}
	}
}

// A firstheader declaring a 2 GiB header is refused by MaxHeaderBytes before
// anything is allocated for it.
func TestHostileHeaderSize(t *testing.T) {
	b := synth(t, "zlib", true, []synthFile{{"a", []byte("a")}}, nil)
	binary.LittleEndian.PutUint32(b[512+20:], 0x7ffffff0)
	var err error
	if n := allocated(func() { _, err = nsis.Open(bytes.NewReader(b), int64(len(b)), nil) }); n > 1<<20 {
		t.Errorf("allocated %d bytes", n)
	}
	if limitOf(err) != "MaxHeaderBytes" {
		t.Errorf("Open: %v", err)
	}
}

// A header that declares 60 MiB (within MaxHeaderBytes) of LZMA-compressed
// zeros is a bomb: the ratio limit stops it early, and the buffer never
// grows to what the header declares.
func TestHostileHeaderBomb(t *testing.T) {
	const declared = 60 << 20
	stream := append(u32(declared), make([]byte, declared)...)
	b := assemble(declared, compress(t, "lzma", stream))
	var err error
	if n := allocated(func() { _, err = nsis.Open(bytes.NewReader(b), int64(len(b)), nil) }); n > 24<<20 {
		t.Errorf("allocated %d bytes for a %d-byte file", n, len(b))
	}
	if limitOf(err) != "MaxRatio" || !strings.HasPrefix(err.Error(), "nsis: at offset ") {
		t.Errorf("Open: %v", err)
	}
}

// LZMA properties declaring a 4 GiB dictionary in a small installer: the
// dictionary allocated is bounded by what the stream can produce, and the
// installer still reads.
func TestHostileDictionary(t *testing.T) {
	for _, solid := range []bool{true, false} {
		b := synth(t, "lzma", solid, []synthFile{{"a.txt", []byte("alpha")}}, nil)
		props := 512 + 28
		if !solid {
			props += 4
		}
		if b[props] != 0x5d {
			t.Fatalf("no LZMA properties at %d", props)
		}
		binary.LittleEndian.PutUint32(b[props+1:], 0xffff0000)
		var l *listing
		if n := allocated(func() { l = read(t, b, nil) }); n > 64<<20 {
			t.Errorf("solid %v: allocated %d bytes", solid, n)
		}
		if string(l.data["$INSTDIR/a.txt"]) != "alpha" {
			t.Errorf("solid %v: %v", solid, l.errs)
		}
	}
}

// A file that decompresses 1000 times beyond its compressed size is
// stopped by the ratio limit while it is read, solid or not, and the error
// names the file.
func TestHostileFileBomb(t *testing.T) {
	for _, solid := range []bool{true, false} {
		b := synth(t, "lzma", solid, []synthFile{{"ok.txt", []byte("fine")}, {"bomb.bin", make([]byte, 32<<20)}}, nil)
		in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			t.Fatal(err)
		}
		var got error
		var read int64
		in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error {
			if it.Path == "$INSTDIR/bomb.bin" {
				if err == nil {
					read, err = io.Copy(io.Discard, r)
				}
				got = err
			}
			return nil
		})
		if limitOf(got) != "MaxRatio" || !strings.Contains(got.Error(), `file "$INSTDIR/bomb.bin"`) || read >= 16<<20 {
			t.Errorf("solid %v: read %d bytes, %v", solid, read, got)
		}
	}
}

// Bytes decoded but never handed out count against MaxTotalBytes and the
// caller's Charge, which stops the walk.
func TestCharge(t *testing.T) {
	b := synth(t, "zlib", true, []synthFile{{"a", bytes.Repeat([]byte("a"), 1<<20)}, {"b", []byte("b")}}, nil)
	var charged int64
	stop := errors.New("budget")
	in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), &nsis.Options{Charge: func(n int64) error {
		charged += n
		if charged > 1<<19 {
			return stop
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if charged == 0 {
		t.Error("the header was not charged")
	}
	// The caller skips file a: its bytes are decoded to reach b, and
	// charged.
	err = in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error { return nil })
	if !errors.Is(err, stop) {
		t.Errorf("Walk: %v (charged %d)", err, charged)
	}
	in, _ = nsis.Open(bytes.NewReader(b), int64(len(b)), &nsis.Options{MaxTotalBytes: 1 << 19})
	if err := in.Walk(func(nsis.Item, nsis.Data, io.Reader, error) error { return nil }); limitOf(err) != "MaxTotalBytes" {
		t.Errorf("Walk: %v", err)
	}
}

// Block tables pointing outside the header, more files than MaxItems:
// errors, not panics.
func TestHostileHeader(t *testing.T) {
	files := []synthFile{{"a", []byte("a")}, {"b", []byte("b")}, {"c", []byte("c")}}
	cases := map[string]func(h []byte){
		"entries past the end": func(h []byte) { binary.LittleEndian.PutUint32(h[8+8*2:], 0x10000000) },
		"strings past the end": func(h []byte) { binary.LittleEndian.PutUint32(h[4+8*3:], 0x7fffffff) },
		"name index past the end": func(h []byte) {
			binary.LittleEndian.PutUint32(h[4+8*8+28+8:], 0xfffffff0)
		},
		"position past the end": func(h []byte) {
			binary.LittleEndian.PutUint32(h[4+8*8+28+12:], 0x7ffffff0)
		},
	}
	for name, mutate := range cases {
		for _, solid := range []bool{true, false} {
			b := synth(t, "zlib", solid, files, mutate)
			in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), nil)
			if err == nil {
				err = walkAll(in)
			}
			var fe *nsis.FormatError
			if err == nil || !errors.As(err, &fe) || fe.Layer() != "nsis" {
				t.Errorf("%s (solid %v): %v", name, solid, err)
			}
		}
	}
	b := synth(t, "zlib", false, files, nil)
	if _, err := nsis.Open(bytes.NewReader(b), int64(len(b)), &nsis.Options{MaxItems: 2}); limitOf(err) != "MaxItems" {
		t.Errorf("MaxItems: %v", err)
	}
}

// The LZMA dictionary allocated is bounded by MaxDictBytes whatever the
// stream declares; data that refers back further than that fails with an
// error instead of yielding wrong bytes.
func TestDictionaryCeiling(t *testing.T) {
	r := make([]byte, 1<<20)
	x := uint64(1)
	for i := range r {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		r[i] = byte(x)
	}
	data := append(bytes.Clone(r), r...) // the second half is one match 1 MiB back
	b := synth(t, "lzma", false, []synthFile{{"twice.bin", data}}, nil)
	l := read(t, b, nil)
	if !bytes.Equal(l.data["$INSTDIR/twice.bin"], data) {
		t.Fatalf("default limits: %v", l.errs)
	}
	l = read(t, b, &nsis.Options{MaxDictBytes: 512 << 10})
	err := l.errs["$INSTDIR/twice.bin"]
	var fe *nsis.FormatError
	if err == nil || !errors.As(err, &fe) || fe.Layer() != "nsis" || l.files["$INSTDIR/twice.bin"].size != 0 {
		t.Errorf("512 KiB dictionary: %v", err)
	}
}

// A script whose every instruction names the longest string, or that
// grows its output directory one SetOutPath $OUTDIR\x at a time, costs
// work bounded by its header's size: a limit error, quickly.
func TestHostileScriptWork(t *testing.T) {
	const n = 20000
	files := []synthFile{{strings.Repeat("x", 30000), nil}}
	for i := 0; i < n; i++ {
		files = append(files, synthFile{"a", nil})
	}
	entries := 4 + 8*8
	sameName := func(h []byte) {
		first := binary.LittleEndian.Uint32(h[entries+28+8:]) // entry 1's name
		for i := 2; i <= n+1; i++ {
			binary.LittleEndian.PutUint32(h[entries+28*i+8:], first)
		}
	}
	files2 := append([]synthFile{{"\x03\u8096\\x", nil}}, files[1:]...) // "$OUTDIR\x"
	outDirChain := func(h []byte) {
		dir := binary.LittleEndian.Uint32(h[entries+28+8:])
		for i := 1; i <= n+1; i++ {
			e := h[entries+28*i:]
			binary.LittleEndian.PutUint32(e, 11) // SetOutPath
			binary.LittleEndian.PutUint32(e[4:], dir)
			binary.LittleEndian.PutUint32(e[8:], 1)
		}
	}
	for name, c := range map[string]struct {
		files  []synthFile
		mutate func([]byte)
	}{"same long name": {files, sameName}, "$OUTDIR chain": {files2, outDirChain}} {
		b := synth(t, "zlib", true, c.files, c.mutate)
		start := time.Now()
		_, err := nsis.Open(bytes.NewReader(b), int64(len(b)), nil)
		if limitOf(err) != "MaxHeaderBytes" || time.Since(start) > 5*time.Second {
			t.Errorf("%s: %v after %v", name, err, time.Since(start))
		}
	}
}
