package pbzx

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// result is what a decode produced: every byte until the first error, and
// that error's text ("" at a clean end).
type result struct {
	out    []byte
	err    string
	errVal error
}

func decodeWith(b []byte, workers int) result {
	r, err := NewReader(bytes.NewReader(b), &Options{Workers: workers, MaxChunkSize: 1 << 20, MaxDict: 1 << 20})
	if err != nil {
		return result{err: err.Error(), errVal: err}
	}
	defer r.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, r)
	res := result{out: out.Bytes()}
	if err != nil {
		res.err, res.errVal = err.Error(), err
	}
	return res
}

func sameResult(t *testing.T, what string, got, want result) {
	t.Helper()
	if got.err != want.err || !bytes.Equal(got.out, want.out) {
		t.Errorf("%s: got %d bytes (sha256 %x), error %q; want %d bytes (sha256 %x), error %q",
			what, len(got.out), sha256.Sum256(got.out), got.err, len(want.out), sha256.Sum256(want.out), want.err)
	}
}

// TestParallelSameBytes decodes streams of few and many chunks, stored and
// xz, with several worker counts; the original bytes are the oracle.
func TestParallelSameBytes(t *testing.T) {
	data := sample()
	for _, chunk := range []int{500, 4096, 65536, 1 << 20} {
		b := encode(t, data, chunk)
		for _, workers := range []int{1, 2, 3, 8} {
			got := decodeWith(b, workers)
			sameResult(t, fmt.Sprintf("chunk %d, %d workers", chunk, workers), got, result{out: data})
		}
	}
}

// TestParallelSameErrors corrupts a many-chunk stream in every chunk header
// field, in the stored bytes of xz and stored chunks, and truncates it at
// many offsets: the parallel reader must give the sequential reader's
// bytes and error, word for word.
func TestParallelSameErrors(t *testing.T) {
	good := encode(t, sample(), 4096)
	cs := chunks(good)
	if len(cs) < 20 {
		t.Fatalf("%d chunks", len(cs))
	}
	var cases [][]byte
	for i, c := range cs {
		if i%3 != 0 && i != len(cs)-1 {
			continue
		}
		for _, at := range []int64{c.off + 7, c.off + 15, c.off + 16, c.off + 20, c.off + 16 + c.length/2, c.off + 16 + c.length - 1} {
			b := bytes.Clone(good)
			b[at] ^= 0x5A
			cases = append(cases, b)
		}
		for _, d := range []int64{1, -1, 1000} {
			b := bytes.Clone(good)
			binary.BigEndian.PutUint64(b[c.off+8:], uint64(c.length+d))
			cases = append(cases, b)
		}
		for _, cut := range []int64{c.off + 3, c.off + 16 + 3, c.off + 16 + c.length - 2} {
			cases = append(cases, good[:cut])
		}
	}
	failed := 0
	for k, b := range cases {
		want := decodeWith(b, 1)
		if want.err != "" {
			failed++
		}
		for _, workers := range []int{2, 5} {
			sameResult(t, fmt.Sprintf("case %d, %d workers", k, workers), decodeWith(b, workers), want)
		}
	}
	if failed < len(cases)/2 {
		t.Errorf("only %d of %d corruptions failed to decode", failed, len(cases))
	}
}

var (
	dylibOnce  sync.Once
	dylib      []byte
	dylibPbzx  []byte
	dylibError error
)

// libpython returns the gunzipped darwin libpython dylib (about 19 MB of
// real Mach-O code) and its pbzx encoding with 1 MiB chunks.
func libpython(t testing.TB) (plain, stream []byte) {
	t.Helper()
	path := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "darwin-amd64", "lib", "libpython3.11.dylib.gz")
	dylibOnce.Do(func() {
		dylib = testenv.Gunzip(t, path)
		var b bytes.Buffer
		dylibError = pkgbuild.WritePbzx(&b, dylib, 1<<20)
		dylibPbzx = b.Bytes()
	})
	if dylibError != nil {
		t.Fatal(dylibError)
	}
	return dylib, dylibPbzx
}

// TestParallelLibpython decodes the 19-chunk libpython stream and compares
// its SHA-256 with the dylib's.
func TestParallelLibpython(t *testing.T) {
	plain, stream := libpython(t)
	if n := len(chunks(stream)); n < 16 {
		t.Fatalf("%d chunks", n)
	}
	want := sha256.Sum256(plain)
	for _, workers := range []int{1, 2, 4} {
		r, err := NewReader(bytes.NewReader(stream), &Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.Sum(nil); n != int64(len(plain)) || !bytes.Equal(got, want[:]) {
			t.Errorf("%d workers: %d bytes sha256 %x, want %d bytes %x", workers, n, got, len(plain), want)
		}
	}
}

// TestParallelInFlight checks the read-ahead bound: never more than Workers
// chunks queued besides the one being read out, and never more than
// Workers+1 output buffers allocated.
func TestParallelInFlight(t *testing.T) {
	data := sample()
	b := encode(t, data, 4096)
	for _, workers := range []int{2, 3} {
		r, err := NewReader(bytes.NewReader(b), &Options{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		bufs := map[*byte]bool{}
		p := make([]byte, 1000)
		var got []byte
		for {
			n, err := r.Read(p)
			got = append(got, p[:n]...)
			if len(r.queue) > workers {
				t.Fatalf("%d workers: %d chunks queued", workers, len(r.queue))
			}
			if r.cur != nil && cap(r.cur.out) > 0 {
				bufs[&r.cur.out[:1][0]] = true
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, data) {
			t.Fatal("bytes differ")
		}
		if len(bufs) > workers+1 {
			t.Errorf("%d workers: %d output buffers, want at most %d", workers, len(bufs), workers+1)
		}
		r.Close()
	}
}

// settled waits until the goroutine count is back to base (goroutines that
// have signalled their end still need a moment to exit) and reports
// whether it got there.
func settled(base int) bool {
	for i := 0; i < 500; i++ {
		if runtime.NumGoroutine() <= base {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestParallelNoLeak stops reading early (with and without Close) and meets
// a corrupt chunk midway; every decoding goroutine must end.
func TestParallelNoLeak(t *testing.T) {
	_, stream := libpython(t)
	cs := chunks(stream)
	bad := bytes.Clone(stream)
	mid := cs[len(cs)/2]
	bad[mid.off+16+mid.length/2] ^= 0xFF
	for _, tc := range []struct {
		name    string
		stream  []byte
		read    int64 // bytes to read before stopping; -1 = to the end
		close   bool
		wantErr bool
	}{
		{"early stop, Close", stream, 3 << 20, true, false},
		{"early stop, abandoned", stream, 3 << 20, false, false},
		{"nothing read, Close", stream, 0, true, false},
		{"corrupt chunk", bad, -1, false, true},
		{"corrupt chunk, Close", bad, -1, true, true},
		{"to the end", stream, -1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := runtime.NumGoroutine()
			r, err := NewReader(bytes.NewReader(tc.stream), &Options{Workers: 4})
			if err != nil {
				t.Fatal(err)
			}
			if tc.read >= 0 {
				if _, err := io.CopyN(io.Discard, r, tc.read); err != nil {
					t.Fatal(err)
				}
			} else {
				_, err := io.Copy(io.Discard, r)
				if (err != nil) != tc.wantErr {
					t.Fatalf("error %v, want error: %v", err, tc.wantErr)
				}
				if err != nil {
					fe := mustFormatError(t, err)
					if fe.Offset() != mid.off {
						t.Errorf("error at %#x, want the corrupt chunk's %#x: %v", fe.Offset(), mid.off, err)
					}
				}
			}
			if tc.close {
				r.Close()
				if _, err := r.Read(make([]byte, 10)); err == nil || (!tc.wantErr && err != ErrClosed) {
					t.Errorf("read after Close: %v", err)
				}
			}
			if !settled(base) {
				t.Errorf("%d goroutines, %d before", runtime.NumGoroutine(), base)
			}
		})
	}
}
