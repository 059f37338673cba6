package cab_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/quantumbuild"
	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/inspect/cab/lzx"
)

// fixtureCabs reads every cabinet fixture.
func fixtureCabs(f *testing.F) [][]byte {
	var out [][]byte
	for _, dir := range []string{fixture(f, "cab"), fixture(f, "msi")} {
		paths, err := filepath.Glob(filepath.Join(dir, "*.cab"))
		if err != nil {
			f.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}

func FuzzCabinet(f *testing.F) {
	for _, b := range fixtureCabs(f) {
		f.Add(b)
	}
	// Quantum folders of several frames, files crossing them (the
	// fixtures' only Quantum folder holds one 59-byte block).
	text := bytes.Repeat([]byte("Quantum folder, frame after frame; "), 1200)
	for _, o := range []quantumbuild.Options{{WindowBits: 10}, {WindowBits: 21, Trailing: 2, NoChecksums: true}} {
		b, err := quantumbuild.Cabinet([]quantumbuild.File{{Name: "a", Data: text[:100]}, {Name: "b", Data: text[100:]}}, o)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seq := &cab.Options{MaxFiles: 64, MaxFolderBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxRatio: 2000}
	// The parallel walk decodes folders of up to 256 KiB ahead and streams
	// larger ones; it must make the sequential walk's calls exactly.
	par := &cab.Options{MaxFiles: 64, MaxFolderBytes: 1 << 20, MaxTotalBytes: 4 << 20, MaxRatio: 2000, Workers: 3, MaxAheadBytes: 256 << 10}
	f.Fuzz(func(t *testing.T, data []byte) {
		// Any name resolves to the input itself: a set that names itself
		// as its next part must be refused, not followed forever.
		next := func(string) (io.ReaderAt, int64, error) {
			return bytes.NewReader(data), int64(len(data)), nil
		}
		for _, open := range []func(*cab.Options) (*cab.Cabinet, error){
			func(o *cab.Options) (*cab.Cabinet, error) {
				return cab.Open(bytes.NewReader(data), int64(len(data)), o)
			},
			func(o *cab.Options) (*cab.Cabinet, error) {
				return cab.OpenSet(bytes.NewReader(data), int64(len(data)), next, o)
			},
		} {
			var calls [2][]string
			for k, opts := range []*cab.Options{seq, par} {
				c, err := open(opts)
				if err != nil {
					checkFormatError(t, err, int64(len(data)))
					break
				}
				err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
					if err != nil {
						checkFormatError(t, err, int64(len(data)))
						calls[k] = append(calls[k], f.Name+": "+err.Error())
						return nil
					}
					h := sha256.New()
					n, err := io.Copy(h, r)
					if err != nil {
						checkFormatError(t, err, int64(len(data)))
					} else if n != f.Size {
						t.Fatalf("%s: read %d bytes, declared %d", f.Name, n, f.Size)
					}
					calls[k] = append(calls[k], fmt.Sprintf("%s: %d bytes %x, %v", f.Name, n, h.Sum(nil), err))
					return nil
				})
				if err != nil {
					checkFormatError(t, err, int64(len(data)))
					calls[k] = append(calls[k], "walk: "+err.Error())
				}
			}
			if !slices.Equal(calls[0], calls[1]) {
				t.Fatalf("parallel walk differs:\n%s\nsequential:\n%s", strings.Join(calls[1], "\n"), strings.Join(calls[0], "\n"))
			}
		}
	})
}

func checkFormatError(t *testing.T, err error, size int64) {
	t.Helper()
	fe, ok := err.(*cab.FormatError)
	if !ok {
		t.Fatalf("error %T %v is not a *cab.FormatError", err, err)
	}
	if fe.Layer() != "cab" && fe.Layer() != "lzx" && fe.Layer() != "quantum" {
		t.Fatalf("layer %q: %v", fe.Layer(), err)
	}
}

// lzxStreams returns the concatenated data blocks of every LZX folder in
// the fixtures, with the folder's window size.
func lzxStreams(f *testing.F) (streams [][]byte, windows []int) {
	for _, b := range fixtureCabs(f) {
		c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			continue
		}
		for _, fo := range c.Folders {
			w, ok := strings.CutPrefix(fo.Compression, "lzx:")
			window, err := strconv.Atoi(w)
			if !ok || err != nil {
				continue
			}
			var s []byte
			at := fo.Offset
			for i := 0; i < fo.DataBlocks && at+8 <= int64(len(b)); i++ {
				n := int64(binary.LittleEndian.Uint16(b[at+4:]))
				end := min(at+8+n, int64(len(b)))
				s = append(s, b[at+8:end]...)
				at = end
			}
			streams = append(streams, s)
			windows = append(windows, window)
		}
	}
	return streams, windows
}

func FuzzLZX(f *testing.F) {
	streams, windows := lzxStreams(f)
	for i, s := range streams {
		if len(s) > 8<<10 {
			s = s[:8<<10]
		}
		f.Add(uint8(windows[i]-15), uint16(0), uint16(len(s)/3), s)
	}
	// A hand-built stream of odd-sized uncompressed blocks with E8
	// translation on (see TestLZXUncompressedBlocks).
	plain := bytes.Repeat([]byte("\xe8\x10\x00\x00\x00call\xe8\xf0\xff\xff\xffback"), 300)
	stored, _ := lzxStored(plain, []int{101, 2001, 7}, 1<<20)
	f.Add(uint8(21-15), uint16(len(plain)%lzx.FrameSize<<5), uint16(333), stored)
	f.Fuzz(func(t *testing.T, window uint8, outFrames uint16, chunk uint16, data []byte) {
		// The input is fed in chunks of a fuzzed size, to reach the block
		// boundary paths of the bit reader.
		size := int(chunk)%4096 + 1
		rest := data
		next := func() ([]byte, error) {
			if len(rest) == 0 {
				return nil, io.EOF
			}
			n := min(size, len(rest))
			c := rest[:n]
			rest = rest[n:]
			return c, nil
		}
		d, err := lzx.NewDecoder(15+int(window%7), next)
		if err != nil {
			t.Fatal(err)
		}
		frames := int(outFrames)%32 + 1
		for i := 0; i < frames; i++ {
			n := lzx.FrameSize
			if i == frames-1 {
				n = int(outFrames)>>5%lzx.FrameSize + 1
			}
			out, err := d.Frame(n)
			if err != nil {
				if _, ok := err.(*lzx.FormatError); !ok {
					t.Fatalf("error %T %v is not an *lzx.FormatError", err, err)
				}
				return
			}
			if len(out) != n {
				t.Fatalf("frame of %d bytes, want %d", len(out), n)
			}
		}
	})
}
