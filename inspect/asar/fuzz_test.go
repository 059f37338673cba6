package asar_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/asar"
)

// FuzzAsar opens arbitrary bytes and reads every entry: it must never panic
// or hang, and every error must be a *FormatError of layer asar with an
// offset inside the input. Seeds beyond these are in testdata/fuzz/FuzzAsar
// (one of them packed by @electron/asar 3.4.1, with an unpacked file, a
// link, an executable and nested directories).
func FuzzAsar(f *testing.F) {
	data := []byte("hello")
	f.Add(build(fmt.Sprintf(`{"files":{"d":{"files":{"f":{"size":5,"offset":"0","integrity":{"algorithm":"SHA256","hash":"%s","blockSize":2,"blocks":["%s","%s","%s"]}}}},"l":{"link":"d/f"},"u":{"size":3,"unpacked":true}}}`,
		sha(data), sha(data[:2]), sha(data[2:4]), sha(data[4:])), data))
	f.Add(build(`{"files":{"a":{"files":{"b":{"files":{"c":{"size":1,"offset":"4"}}}}}}}`, []byte("abcde")))
	f.Add(build(`{"files":{"x":{"size":2,"offset":"3"},"x":[],"..":{"size":1e3,"offset":"0"}}}`, []byte("abcde")))
	opts := &asar.Options{MaxHeaderSize: 1 << 20, MaxDepth: 32, MaxEntries: 1000, MaxNameBytes: 1 << 16}
	f.Fuzz(func(t *testing.T, b []byte) {
		size := int64(len(b))
		check := func(err error) {
			var fe *asar.FormatError
			if !errors.As(err, &fe) || fe.Layer() != "asar" || fe.Offset() < 0 || fe.Offset() > size {
				t.Fatalf("error %v (%T) is not an asar FormatError with an offset in 0..%d", err, err, size)
			}
		}
		a, err := asar.Open(bytes.NewReader(b), size, opts)
		if err != nil {
			check(err)
			return
		}
		for _, p := range a.Problems {
			check(p)
		}
		if len(a.Entries) > opts.MaxEntries {
			t.Fatalf("%d entries over the limit", len(a.Entries))
		}
		var total int64
		for _, e := range a.Entries {
			if e.Type == asar.TypeFile && e.Err == nil && !e.Unpacked &&
				(e.Offset < 0 || e.Size < 0 || a.DataOffset+e.Offset+e.Size > size) {
				t.Fatalf("%s: data %d+%d outside the %d-byte input", e.Name, e.Offset, e.Size, size)
			}
			r, err := a.Open(e)
			if err != nil {
				check(err)
				continue
			}
			n, err := io.Copy(io.Discard, r)
			total += n
			if err != nil {
				check(err)
				if !errors.Is(err, asar.ErrIntegrity) {
					t.Fatalf("%s: read error %v from in-memory data", e.Name, err)
				}
			}
			if n != e.Size {
				t.Fatalf("%s: read %d of %d bytes", e.Name, n, e.Size)
			}
			if total > 64<<20 {
				return // shared data read many times over; enough
			}
		}
	})
}
