package inflate

import (
	"bytes"
	"compress/flate"
	"testing"
)

// FuzzInflate checks the decoder against compress/flate. The first four
// bytes steer the run; the rest, the payload, is used twice:
//
//   - as data compressed the way MSZIP does (blocks with the previous
//     32 KiB as dictionary), which must decode to itself;
//   - as a raw deflate stream, on which the decoder and compress/flate
//     must agree: the same bytes, or both failing.
//
// Both start after a history that the first byte picks: none, some, or
// enough that the buffer slides during the run.
func FuzzInflate(f *testing.F) {
	text := []byte("MSZIP blocks refer back into the history; MSZIP blocks refer back. ")
	bin := testData(3000, 9)
	var fixed bitWriter
	fixed.header(true, 1)
	fixed.fixedLits("abcdefgh")
	fixed.fixedMatch(20, 8)
	fixed.fixedMatch(258, 1)
	fixed.fixedSym(256)
	var stored bitWriter
	stored.stored(false, []byte("abc"), ^uint16(3))
	stored.stored(true, nil, 0xffff)
	for _, s := range []struct {
		ctl     [4]byte
		payload []byte
	}{
		{[4]byte{0, 0, 0, 10}, text},
		{[4]byte{1, 3, 1, 0}, text},
		{[4]byte{2, 4, 0, 100}, bin},
		{[4]byte{0, 5, 0x10, 0}, bin},
		{[4]byte{1, 1, 0, 0}, fixed.bytes()},
		{[4]byte{2, 1, 0, 0}, stored.bytes()},
		{[4]byte{0, 0, 0, 0}, nil},
	} {
		f.Add(append(s.ctl[:], s.payload...))
	}
	for _, level := range []int{1, 9, flate.HuffmanOnly} {
		blocks, _ := mszipBlocks(f, nil, bin, level, len(bin))
		f.Add(append([]byte{0, 1, 0, 0}, blocks[0]...))
	}

	levels := []int{flate.NoCompression, flate.HuffmanOnly, 1, 4, 6, 9}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		ctl, payload := data[:4], data[4:]
		k := int(ctl[2])<<8 | int(ctl[3])

		// (a) MSZIP-style compression round trip.
		d := new(Decoder)
		prefill(d, ctl[0], payload)
		hist := d.history()
		plain := bytes.Repeat(payload, 1+int(ctl[1]>>5))
		size := 1 + k%(min(MaxBlockSize, len(plain)+1))
		size = max(size, (len(plain)+7)/8) // at most 8 blocks
		blocks, sizes := mszipBlocks(t, hist, plain, levels[int(ctl[1]&0x1f)%len(levels)], size)
		got, err := decodeAll(d, blocks, sizes)
		if err != nil {
			t.Fatalf("round trip: after %d bytes: %v", len(got), err)
		}
		if !bytes.Equal(got, plain) {
			t.Fatal("round trip: output differs from the input")
		}

		// (b) The payload as a deflate stream.
		d = new(Decoder)
		prefill(d, ctl[0], payload)
		hist = d.history()
		n := k % (MaxBlockSize + 1)
		if ctl[1]&1 != 0 {
			// Ask for what compress/flate makes of it, so that valid
			// streams are compared too.
			n = stdLen(payload, hist)
		}
		want, stdErr := stdInflate(payload, hist, n)
		out, err := d.Decode(payload, n)
		switch {
		case err == nil && stdErr != nil:
			t.Fatalf("n=%d: decoded, but compress/flate fails: %v", n, stdErr)
		case err != nil && stdErr == nil:
			t.Fatalf("n=%d: compress/flate decodes, but: %v", n, err)
		case err == nil && !bytes.Equal(out, want):
			t.Fatalf("n=%d: output differs from compress/flate", n)
		}
		if err == nil {
			// The history must be the output now: a stored block after it
			// and a match reaching back into it.
			checkHistory(t, d, append(hist, out...))
		}
	})
}

// prefill gives d a history picked by mode: none, 40000 bytes, or enough
// that the buffer slides at the next block (or the one after). The bytes repeat pattern.
func prefill(d *Decoder, mode byte, pattern []byte) {
	switch mode % 3 {
	case 0:
		return
	case 1:
		d.pos = 40000
	case 2:
		d.pos = bufSize - slack - 4*int(mode) // slides unless the block is tiny
	}
	if len(pattern) == 0 {
		pattern = []byte{0x5a}
	}
	for i := 0; i < d.pos; i += copy(d.buf[i:d.pos], pattern) {
	}
}

// history returns a copy of d's last 32 KiB of output.
func (d *Decoder) history() []byte {
	return append([]byte(nil), d.buf[max(0, d.pos-historySize):d.pos]...)
}

// stdLen is how many bytes compress/flate makes of stream (up to
// MaxBlockSize), whether or not it then fails.
func stdLen(stream, dict []byte) int {
	r := flate.NewReaderDict(bytes.NewReader(stream), dict)
	buf := make([]byte, MaxBlockSize)
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			break
		}
	}
	return n
}

// checkHistory decodes a block that copies the 258 bytes 300 back (or as
// far back as there is history) and checks them against all, the output
// so far.
func checkHistory(t *testing.T, d *Decoder, all []byte) {
	t.Helper()
	if len(all) < 3 {
		return
	}
	dist := min(300, len(all))
	var w bitWriter
	w.header(true, 1)
	w.fixedMatch(258, dist)
	w.fixedSym(256)
	out, err := d.Decode(w.bytes(), 258)
	if err != nil {
		t.Fatalf("match into the history: %v", err)
	}
	for range 258 {
		all = append(all, all[len(all)-dist])
	}
	if !bytes.Equal(out, all[len(all)-258:]) {
		t.Fatal("match into the history: wrong bytes")
	}
}
