package inflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// testData is compressible but varied: text, runs, short-period patterns
// and noise.
func testData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields("the quick brown fox jumps over a lazy dog MSZIP cabinet folder block deflate history")
	var b []byte
	for len(b) < n {
		switch r.IntN(5) {
		case 0:
			b = append(b, words[r.IntN(len(words))]...)
			b = append(b, ' ')
		case 1:
			b = append(b, bytes.Repeat([]byte{byte(r.IntN(256))}, r.IntN(300))...)
		case 2:
			p := make([]byte, 1+r.IntN(9))
			for i := range p {
				p[i] = byte(r.IntN(256))
			}
			b = append(b, bytes.Repeat(p, r.IntN(40))...)
		case 3:
			for range r.IntN(100) {
				b = append(b, byte(r.IntN(256)))
			}
		default:
			if len(b) > 0 {
				start := r.IntN(len(b))
				b = append(b, b[start:start+r.IntN(len(b)-start)%400]...)
			}
		}
	}
	return b[:n]
}

func TestRoundTrip(t *testing.T) {
	data := testData(700_000, 1) // several slides of the buffer
	for _, level := range []int{flate.NoCompression, flate.HuffmanOnly, 1, 2, 6, 9} {
		for _, size := range []int{32768, MaxBlockSize, 1000} {
			t.Run(fmt.Sprintf("level=%d/size=%d", level, size), func(t *testing.T) {
				blocks, sizes := mszipBlocks(t, nil, data, level, size)
				var d Decoder
				got, err := decodeAll(&d, blocks, sizes)
				if err != nil {
					t.Fatalf("after %d bytes: %v", len(got), err)
				}
				if !bytes.Equal(got, data) {
					t.Fatal("output differs from the input")
				}
				// The same decoder again, after Reset.
				d.Reset()
				got, err = decodeAll(&d, blocks, sizes)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("after Reset: %v", err)
				}
			})
		}
	}
}

func TestFixedBlock(t *testing.T) {
	var w bitWriter
	w.header(true, 1)
	w.fixedLits("abc")
	w.fixedMatch(6, 3)
	w.fixedSym(255) // a 9-bit literal
	w.fixedSym(256)
	var d Decoder
	out, err := d.Decode(w.bytes(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := "abcabcabc\xff"; string(out) != want {
		t.Fatalf("got %q, want %q", out, want)
	}
}

func TestDynamicBlock(t *testing.T) {
	data := testData(20000, 2)
	blocks, sizes := mszipBlocks(t, nil, data, 9, len(data))
	if typ := blocks[0][0] >> 1 & 3; typ != 2 {
		t.Fatalf("compress/flate wrote block type %d, want dynamic", typ)
	}
	var d Decoder
	got, err := decodeAll(&d, blocks, sizes)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("err %v, output equal %v", err, bytes.Equal(got, data))
	}
}

// TestLongCodes uses codes up to 15 bits long, which the tables resolve
// through subtables, and compares with compress/flate.
func TestLongCodes(t *testing.T) {
	// A complete code of lengths 1, 2, ..., 14, 15, 15.
	skew := []uint8{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15}
	litLens := make([]uint8, 286)
	litSyms := []int{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 256, 257, 270, 284, 285}
	for i, s := range litSyms {
		litLens[s] = skew[len(skew)-1-i] // long codes for literals, short at the end
	}
	distLens := make([]uint8, 30)
	for i := range 16 {
		distLens[29-i] = skew[i]
	}
	var w bitWriter
	lit, dist := w.dynamic(true, litLens, distLens)
	sym := func(s int) { w.code(lit[s], uint(litLens[s])) }
	size := 0
	for i := range 200 {
		sym(litSyms[i%11])
		size++
	}
	match := func(lsym, dcode int) {
		sym(lsym)
		w.bits(0, lengthExtra[lsym-257])
		w.code(dist[dcode], uint(distLens[dcode]))
		w.bits(0, distExtra[dcode])
		size += lengthBase[lsym-257]
	}
	for c := 14; c < 30; c++ { // distance codes of lengths 15 down to 1
		for size < distBase[c] {
			match(285, 14)
		}
		for _, l := range []int{257, 270, 284, 285} {
			match(l, c)
		}
	}
	sym(256)
	stream := w.bytes()
	want, err := stdInflate(stream, nil, size)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoder
	got, err := d.Decode(stream, size)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("output differs from compress/flate")
	}
}

func TestStoredBlocks(t *testing.T) {
	var w bitWriter
	w.stored(false, []byte("hello, "), ^uint16(7))
	w.stored(false, nil, 0xffff)
	w.header(false, 1)
	w.fixedLits("wor")
	w.fixedSym(256)
	w.stored(true, []byte("ld"), ^uint16(2))
	var d Decoder
	out, err := d.Decode(w.bytes(), 12)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "hello, world" {
		t.Fatalf("got %q", out)
	}
}

// TestMatchIntoPreviousBlock copies from the previous block's output,
// through the boundary, into the bytes being written.
func TestMatchIntoPreviousBlock(t *testing.T) {
	var d Decoder
	var w bitWriter
	w.stored(true, []byte("abc"), ^uint16(3))
	if _, err := d.Decode(w.bytes(), 3); err != nil {
		t.Fatal(err)
	}
	w = bitWriter{}
	w.header(true, 1)
	w.fixedLits("d")
	w.fixedMatch(8, 4)
	w.fixedSym(256)
	out, err := d.Decode(w.bytes(), 9)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "dabcdabcd" {
		t.Fatalf("got %q", out)
	}
}

// TestMatchCopies checks every copy path: distances 1..40 (overlapping
// and not) with lengths around the 8-byte word size.
func TestMatchCopies(t *testing.T) {
	const hist = "0123456789abcdefghijklmnopqrstuvwxyzABCD"
	for dist := 1; dist <= len(hist); dist++ {
		for _, length := range []int{3, 4, 7, 8, 9, 15, 16, 17, 31, 100, 257, 258} {
			var w bitWriter
			w.header(true, 1)
			w.fixedLits(hist)
			w.fixedMatch(length, dist)
			w.fixedLits("!")
			w.fixedSym(256)
			want := []byte(hist)
			for range length {
				want = append(want, want[len(want)-dist])
			}
			want = append(want, '!')
			var d Decoder
			got, err := d.Decode(w.bytes(), len(want))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("dist %d length %d: got %q, %v", dist, length, got, err)
			}
		}
	}
}

// TestDistance32768 reaches exactly 32 KiB back, before and after the
// buffer slides, and refuses 32 KiB back with less output behind.
func TestDistance32768(t *testing.T) {
	data := testData(historySize, 3)
	var w bitWriter
	w.header(true, 1)
	w.fixedMatch(258, 32768)
	w.fixedMatch(10, 32768)
	w.fixedSym(256)
	match := w.bytes()

	var d Decoder
	for round := range 20 { // 20 × (32 KiB + 268) slides the buffer
		var s bitWriter
		s.stored(true, data, ^uint16(len(data)))
		if _, err := d.Decode(s.bytes(), len(data)); err != nil {
			t.Fatal(err)
		}
		out, err := d.Decode(match, 268)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if !bytes.Equal(out, append(data[:258:258], data[258:268]...)) {
			t.Fatalf("round %d: wrong bytes", round)
		}
		// The history now ends with the 268 bytes: rotate data to match.
		data = append(data[268:], out...)
	}

	d.Reset()
	var s bitWriter
	s.stored(true, data[:historySize-1], ^uint16(historySize-1))
	if _, err := d.Decode(s.bytes(), historySize-1); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode(match, 268); !errors.Is(err, errDistance) {
		t.Fatalf("got %v, want %v", err, errDistance)
	}
}

// TestErrors feeds damaged streams; each must fail, and compress/flate
// must fail on it too.
func TestErrors(t *testing.T) {
	fixed := func(f func(w *bitWriter)) []byte {
		var w bitWriter
		w.header(true, 1)
		f(&w)
		return w.bytes()
	}
	dyn := func(litLens, distLens []uint8, body func(w *bitWriter, lit, dist []uint32)) []byte {
		var w bitWriter
		lit, dist := w.dynamic(true, litLens, distLens)
		if body != nil {
			body(&w, lit, dist)
		}
		return w.bytes()
	}
	// A valid dynamic code: literals 'a' and EOB, one distance code.
	okLit := make([]uint8, 257)
	okLit['a'], okLit[256] = 1, 1
	raw := func(f func(w *bitWriter)) []byte {
		var w bitWriter
		f(&w)
		return w.bytes()
	}
	cases := []struct {
		name   string
		stream []byte
		n      int
		want   error
	}{
		{"block type 3", raw(func(w *bitWriter) { w.header(true, 3); w.bits(0, 32) }), 0, errBlockType},
		{"stored length", raw(func(w *bitWriter) { w.stored(true, []byte("abc"), 0) }), 3, errStoredLen},
		{"stored truncated", raw(func(w *bitWriter) { w.stored(true, []byte("abc"), ^uint16(3)) })[:6], 3, errShort},
		{"stored header truncated", raw(func(w *bitWriter) { w.stored(true, nil, 0xffff) })[:3], 0, errShort},
		{"literal 286", fixed(func(w *bitWriter) { w.fixedSym(286); w.bits(0, 16) }), 3, errLitSymbol},
		{"literal 287", fixed(func(w *bitWriter) { w.fixedSym(287); w.bits(0, 16) }), 3, errLitSymbol},
		{"distance 30", fixed(func(w *bitWriter) { w.fixedLits("a"); w.fixedSym(257); w.code(30, 5); w.fixedSym(256) }), 4, errDistSymbol},
		{"distance 31", fixed(func(w *bitWriter) { w.fixedLits("a"); w.fixedSym(257); w.code(31, 5); w.fixedSym(256) }), 4, errDistSymbol},
		{"before start", fixed(func(w *bitWriter) { w.fixedLits("a"); w.fixedMatch(3, 2); w.fixedSym(256) }), 4, errDistance},
		{"too long literal", fixed(func(w *bitWriter) { w.fixedLits("abcd"); w.fixedSym(256) }), 3, errLong},
		{"too long match", fixed(func(w *bitWriter) { w.fixedLits("a"); w.fixedMatch(10, 1); w.fixedSym(256) }), 10, errLong},
		{"too long stored", raw(func(w *bitWriter) { w.stored(true, []byte("abc"), ^uint16(3)) }), 2, errLong},
		{"too short", fixed(func(w *bitWriter) { w.fixedLits("abc"); w.fixedSym(256) }), 4, errShort},
		{"no final block", raw(func(w *bitWriter) { w.header(false, 1); w.fixedLits("abc"); w.fixedSym(256) }), 3, errShort},
		{"truncated", fixed(func(w *bitWriter) { w.fixedLits("abcdefgh") })[:5], 8, errShort},
		{"too many literal codes", raw(func(w *bitWriter) { w.header(true, 2); w.bits(30, 5); w.bits(0, 5); w.bits(0, 4); w.bits(0, 60) }), 0, errTooManyCodes},
		{"too many distance codes", raw(func(w *bitWriter) { w.header(true, 2); w.bits(0, 5); w.bits(30, 5); w.bits(0, 4); w.bits(0, 60) }), 0, errTooManyCodes},
		{"code length code over-subscribed", raw(func(w *bitWriter) {
			w.header(true, 2)
			w.bits(0, 5)
			w.bits(0, 5)
			w.bits(15, 4)
			for range 19 {
				w.bits(1, 3)
			}
			w.bits(0, 32)
		}), 0, errOversub},
		{"code length code incomplete", raw(func(w *bitWriter) {
			w.header(true, 2)
			w.bits(0, 5)
			w.bits(0, 5)
			w.bits(0, 4)
			w.bits(2, 3) // 16: length 2
			w.bits(2, 3) // 17: length 2
			w.bits(0, 3)
			w.bits(0, 3)
			w.bits(0, 32)
		}), 0, errIncomplete},
		{"repeat first", raw(func(w *bitWriter) {
			w.header(true, 2)
			w.bits(0, 5)
			w.bits(0, 5)
			w.bits(0, 4)
			w.bits(1, 3) // 16: length 1
			w.bits(1, 3) // 17: length 1
			w.bits(0, 3)
			w.bits(0, 3)
			w.code(0, 1) // 16 first
			w.bits(0, 32)
		}), 0, errRepeatFirst},
		{"repeat past end", raw(func(w *bitWriter) {
			w.header(true, 2)
			w.bits(0, 5)
			w.bits(0, 5)
			w.bits(0, 4)
			w.bits(0, 3) // 16
			w.bits(1, 3) // 17: length 1
			w.bits(1, 3) // 18: length 1
			w.bits(0, 3)
			for range 3 {
				w.code(1, 1) // 18: 11+127 zeros
				w.bits(127, 7)
			}
			w.bits(0, 32)
		}), 0, errRepeatPast},
		{"literal code over-subscribed", dyn(func() []uint8 { l := make([]uint8, 257); l[0], l[1], l[256] = 1, 1, 1; return l }(), []uint8{1}, nil), 0, errOversub},
		{"literal code incomplete", dyn(func() []uint8 { l := make([]uint8, 257); l['a'], l['b'], l[256] = 2, 2, 2; return l }(), []uint8{1}, nil), 0, errIncomplete},
		{"distance code incomplete", dyn(okLit, []uint8{1, 2}, nil), 0, errIncomplete},
		{"no end of block", dyn(func() []uint8 { l := make([]uint8, 257); l['a'], l['b'] = 1, 1; return l }(), []uint8{1}, nil), 0, errNoEnd},
		{"unassigned distance code", dyn(func() []uint8 { l := make([]uint8, 258); l['a'], l[256], l[257] = 1, 2, 2; return l }(), []uint8{1},
			func(w *bitWriter, lit, dist []uint32) {
				w.code(lit['a'], 1)
				w.code(lit[257], 2)
				w.code(1, 1) // the unassigned code
				w.code(lit[256], 2)
			}), 4, errDistSymbol},
		{"empty distance code used", dyn(func() []uint8 { l := make([]uint8, 258); l['a'], l[256], l[257] = 1, 2, 2; return l }(), []uint8{0},
			func(w *bitWriter, lit, dist []uint32) {
				w.code(lit['a'], 1)
				w.code(lit[257], 2)
				w.code(lit[256], 2)
			}), 4, errDistSymbol},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d Decoder
			out, err := d.Decode(c.stream, c.n)
			if !errors.Is(err, c.want) {
				t.Errorf("got %q, %v; want %v", out, err, c.want)
			}
			if _, err := stdInflate(c.stream, nil, c.n); err == nil {
				t.Errorf("compress/flate accepts the stream")
			}
		})
	}
	var d Decoder
	for _, n := range []int{-1, MaxBlockSize + 1} {
		if _, err := d.Decode(nil, n); !errors.Is(err, errSize) {
			t.Errorf("n=%d: got %v", n, err)
		}
	}
}

// TestLoneCodes accepts what compress/flate and zlib accept: a code of one
// symbol of length 1, and an unused empty distance code.
func TestLoneCodes(t *testing.T) {
	lit := make([]uint8, 258)
	lit['a'], lit[256], lit[257] = 1, 2, 2
	var w bitWriter
	codes, dist := w.dynamic(true, lit, []uint8{1})
	w.code(codes['a'], 1)
	w.code(codes[257], 2)
	w.code(dist[0], 1)
	w.code(codes[256], 2)
	var d Decoder
	if out, err := d.Decode(w.bytes(), 4); err != nil || string(out) != "aaaa" {
		t.Fatalf("got %q, %v", out, err)
	}

	w = bitWriter{}
	codes, _ = w.dynamic(true, lit, []uint8{0})
	w.code(codes['a'], 1)
	w.code(codes[256], 2)
	if out, err := d.Decode(w.bytes(), 1); err != nil || string(out) != "a" {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestTruncations decodes every prefix of valid streams: each must fail
// (never panic) unless it still holds the whole stream.
func TestTruncations(t *testing.T) {
	data := testData(30000, 4)
	for _, level := range []int{flate.NoCompression, 1, 9} {
		blocks, _ := mszipBlocks(t, nil, data, level, len(data))
		stream := blocks[0]
		var d Decoder
		for i := range len(stream) {
			d.Reset()
			if _, err := d.Decode(stream[:i], len(data)); err == nil {
				if _, err := stdInflate(stream[:i], nil, len(data)); err != nil {
					t.Fatalf("level %d: prefix of %d of %d bytes accepted", level, i, len(stream))
				}
			}
		}
	}
}

// TestErrorKeepsHistory checks that a failed block leaves the history as
// it was.
func TestErrorKeepsHistory(t *testing.T) {
	var d Decoder
	var w bitWriter
	w.stored(true, []byte("abc"), ^uint16(3))
	if _, err := d.Decode(w.bytes(), 3); err != nil {
		t.Fatal(err)
	}
	w = bitWriter{}
	w.header(true, 1)
	w.fixedLits("xyz")
	w.fixedSym(256)
	if _, err := d.Decode(w.bytes(), 4); err == nil {
		t.Fatal("short block accepted")
	}
	w = bitWriter{}
	w.header(true, 1)
	w.fixedMatch(3, 3)
	w.fixedSym(256)
	if out, err := d.Decode(w.bytes(), 3); err != nil || string(out) != "abc" {
		t.Fatalf("got %q, %v", out, err)
	}
}

// TestMutations flips bits of valid streams and checks that the decoder
// and compress/flate still agree: a quick, deterministic cousin of
// FuzzInflate's raw-stream half.
func TestMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	hist := testData(historySize, 10)
	data := testData(8000, 11)
	var streams [][]byte
	for _, level := range []int{flate.HuffmanOnly, 1, 6, 9} {
		blocks, _ := mszipBlocks(t, hist, data, level, len(data))
		streams = append(streams, blocks[0])
	}
	var fixed bitWriter
	fixed.header(true, 1)
	fixed.fixedLits("fixed block ")
	fixed.fixedMatch(100, 12)
	fixed.fixedMatch(50, 30000)
	fixed.fixedSym(256)
	streams = append(streams, fixed.bytes())
	var d Decoder
	agreeOK := 0
	for i := range 20000 {
		s := append([]byte(nil), streams[i%len(streams)]...)
		for range 1 + r.IntN(3) {
			s[r.IntN(len(s))] ^= 1 << r.IntN(8)
		}
		n := stdLen(s, hist)
		if r.IntN(4) == 0 {
			n = r.IntN(MaxBlockSize + 1)
		}
		want, stdErr := stdInflate(s, hist, n)
		d.Reset()
		d.pos = copy(d.buf[:], hist)
		out, err := d.Decode(s, n)
		switch {
		case (err == nil) != (stdErr == nil):
			t.Fatalf("stream %x, n=%d: decoder %v, compress/flate %v", s, n, err, stdErr)
		case err == nil && !bytes.Equal(out, want):
			t.Fatalf("stream %x, n=%d: output differs", s, n)
		case err == nil:
			agreeOK++
		}
	}
	t.Logf("%d of 20000 damaged streams decoded alike", agreeOK)
}
