package quantum_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/quantumbuild"
	"github.com/installer-sbom/installer-sbom/inspect/cab/quantum"
)

// decodeAll decodes blocks with d and returns the concatenated frames.
func decodeAll(d *quantum.Decoder, blocks [][]byte, sizes []int) ([]byte, error) {
	var out []byte
	for i, b := range blocks {
		f, err := d.Frame(b, sizes[i])
		if err != nil {
			return out, err
		}
		if len(f) != sizes[i] {
			return out, errors.New("short frame")
		}
		out = append(out, f...)
	}
	return out, nil
}

func checkQuantumError(t *testing.T, err error, msg string, maxOff int64) {
	t.Helper()
	var fe *quantum.FormatError
	if !errors.As(err, &fe) || fe.Layer() != "quantum" || fe.Off < 0 || fe.Off > maxOff || !strings.Contains(err.Error(), msg) {
		t.Errorf("got %v; want a quantum error at an offset in 0..%d saying %q", err, maxOff, msg)
	}
}

func TestWindowBounds(t *testing.T) {
	for _, wb := range []int{-1, 0, 9, 22, 31} {
		_, err := quantum.NewDecoder(wb)
		checkQuantumError(t, err, "outside 2^10..2^21", 0)
	}
	d, err := quantum.NewDecoder(10)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{-1, 0, quantum.FrameSize + 1} {
		d.Reset(10)
		_, err := d.Frame([]byte{1, 2, 3}, n)
		checkQuantumError(t, err, "frame size", 3)
		// The decoder stays failed until Reset.
		_, err = d.Frame([]byte{1, 2, 3}, 10)
		checkQuantumError(t, err, "an earlier frame failed", 3)
	}
}

// TestRoundTrip decodes encoder output for every window size directly, one
// decoder reused across streams with windows growing and shrinking (as the
// cab walker's pool reuses them).
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := append(shapes[0].data(r, 60000), shapes[3].data(r, 50000)...)
	data = append(data, shapes[2].data(r, 40000)...)
	var d *quantum.Decoder
	for _, wb := range []int{21, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 10} {
		blocks, sizes, err := quantumbuild.Encode(data, quantumbuild.Options{WindowBits: wb})
		if err != nil {
			t.Fatal(err)
		}
		if d == nil {
			d, err = quantum.NewDecoder(wb)
		} else {
			err = d.Reset(wb)
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeAll(d, blocks, sizes)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("window 2^%d: %d of %d bytes right, %v", wb, commonPrefix(got, data), len(data), err)
		}
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < min(len(a), len(b)) && a[i] == b[i] {
		i++
	}
	return i
}

// TestShortFrameIsLast: after a frame shorter than FrameSize no other frame
// may follow.
func TestShortFrameIsLast(t *testing.T) {
	data := shapes[0].data(rand.New(rand.NewPCG(5, 5)), 40000)
	blocks, sizes, err := quantumbuild.Encode(data, quantumbuild.Options{WindowBits: 15, Frames: []int{7000}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := quantum.NewDecoder(15)
	got, err := decodeAll(d, blocks, sizes)
	if !bytes.Equal(got, data[:7000]) {
		t.Errorf("first frame: %d bytes right", commonPrefix(got, data))
	}
	checkQuantumError(t, err, "frame follows a frame of 7000 bytes", int64(len(blocks[1])))
}

// TestTruncatedFrame: a frame whose code ends early reads a few bytes of
// padding and then fails, saying how much data it needed.
func TestTruncatedFrame(t *testing.T) {
	data := shapes[0].data(rand.New(rand.NewPCG(6, 6)), 20000)
	blocks, sizes, err := quantumbuild.Encode(data, quantumbuild.Options{WindowBits: 16})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := quantum.NewDecoder(16)
	// Dropping the last byte leaves the decoder within its padding.
	b := blocks[0]
	if _, err := d.Frame(b[:len(b)-1], sizes[0]); err != nil {
		t.Errorf("one byte short: %v", err)
	}
	for _, cut := range []int{len(b) / 2, 10, 0} {
		d.Reset(16)
		out, err := d.Frame(b[:cut], sizes[0])
		if err == nil {
			// Garbage may decode; it may not decode to the data.
			if bytes.Equal(out, data) {
				t.Errorf("cut at %d: decoded the original bytes", cut)
			}
			continue
		}
		checkQuantumError(t, err, "", int64(cut))
	}
	d.Reset(16)
	_, err = d.Frame(b[:len(b)/2], sizes[0])
	checkQuantumError(t, err, "compressed data", int64(len(b)/2))
}

// TestGarbage decodes random bytes in every window: each frame ends with
// its bytes or a quantum error, and the same input decodes the same way
// twice.
func TestGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	d, _ := quantum.NewDecoder(21)
	for i := 0; i < 400; i++ {
		wb := 10 + i%12
		in := make([]byte, r.IntN(3000))
		for k := range in {
			in[k] = byte(r.Uint32())
		}
		n := 1 + r.IntN(quantum.FrameSize)
		var outs [2][]byte
		var errs [2]error
		for pass := range 2 {
			if err := d.Reset(wb); err != nil {
				t.Fatal(err)
			}
			out, err := d.Frame(in, n)
			if err != nil {
				checkQuantumError(t, err, "", int64(len(in)))
			} else if len(out) != n {
				t.Fatalf("frame of %d bytes, want %d", len(out), n)
			}
			outs[pass], errs[pass] = bytes.Clone(out), err
		}
		if !bytes.Equal(outs[0], outs[1]) || (errs[0] == nil) != (errs[1] == nil) {
			t.Fatalf("input %d decodes differently twice", i)
		}
	}
}
