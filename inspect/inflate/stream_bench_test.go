package inflate

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"testing"

	kflate "github.com/klauspost/compress/flate"
	kgzip "github.com/klauspost/compress/gzip"
)

// systemLibraries joins shared libraries of this machine, up to 8 MB:
// real machine code and data.
func systemLibraries(b *testing.B) []byte {
	var all []byte
	for _, name := range []string{"libcrypto.so.3", "libperl.so.5.36", "libpython3.11.so.1.0", "libstdc++.so.6", "libc.so.6"} {
		data, err := os.ReadFile("/usr/lib/x86_64-linux-gnu/" + name)
		if err == nil {
			all = append(all, data...)
		}
	}
	if len(all) < 1<<20 {
		b.Skipf("only %d bytes of libraries under /usr/lib/x86_64-linux-gnu", len(all))
	}
	return all[:min(len(all), 8<<20)]
}

// BenchmarkReader gunzips the libraries, compressed at level 6, with the
// GzipReader and with klauspost/compress/gzip, through 32 KiB Reads as
// the cpio reader does.
func BenchmarkReader(b *testing.B) {
	data := systemLibraries(b)
	var c bytes.Buffer
	w, _ := gzip.NewWriterLevel(&c, 6)
	w.Write(data)
	w.Close()
	readers := []struct {
		name string
		open func(io.Reader) (io.Reader, error)
	}{
		{"inflate", func(r io.Reader) (io.Reader, error) { return NewGzipReader(r) }},
		{"klauspost", func(r io.Reader) (io.Reader, error) { return kgzip.NewReader(r) }},
	}
	for _, rd := range readers {
		b.Run(rd.name, func(b *testing.B) {
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := rd.open(bytes.NewReader(c.Bytes()))
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for {
					k, err := r.Read(buf)
					n += k
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				if n != len(data) {
					b.Fatalf("%d bytes, want %d", n, len(data))
				}
			}
		})
	}
}

// BenchmarkReaderSmall decodes 4 KiB pieces of the libraries, each a raw
// deflate stream of its own with a fresh reader, as zip entries are: the
// cost of a reader's setup against its speed.
func BenchmarkReaderSmall(b *testing.B) {
	data := systemLibraries(b)[:2<<20]
	var streams [][]byte
	for off := 0; off < len(data); off += 4096 {
		streams = append(streams, deflate(b, data[off:off+4096], 6))
	}
	// inflate-reset reuses one reader, as the zip package's pool does.
	reused := NewReader(nil)
	readers := []struct {
		name string
		open func(io.Reader) io.Reader
	}{
		{"inflate", func(r io.Reader) io.Reader { return NewReader(r) }},
		{"inflate-reset", func(r io.Reader) io.Reader { reused.Reset(r); return reused }},
		{"klauspost", func(r io.Reader) io.Reader { return kflate.NewReader(r) }},
	}
	for _, rd := range readers {
		b.Run(rd.name, func(b *testing.B) {
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				for _, s := range streams {
					r := rd.open(bytes.NewReader(s))
					for {
						_, err := r.Read(buf)
						if err == io.EOF {
							break
						}
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			}
		})
	}
}
