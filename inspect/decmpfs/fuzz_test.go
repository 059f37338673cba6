package decmpfs_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/decmpfs"
)

// FuzzDecmpfs decodes any attribute and resource fork: nothing may panic,
// hang or allocate what the header declares; every failure is a fault
// (*decmpfs.Error), and bytes read to the end are as many as declared.
func FuzzDecmpfs(f *testing.F) {
	text := bytes.Repeat([]byte("fuzz seed text "), 100)
	for _, typ := range []int{dmgbuild.DecmpfsZlibAttr, dmgbuild.DecmpfsLZVNAttr, dmgbuild.DecmpfsLZFSEAttr,
		dmgbuild.DecmpfsZlibRsrc, dmgbuild.DecmpfsLZVNRsrc, dmgbuild.DecmpfsLZFSERsrc} {
		attr, rsrc, err := dmgbuild.EncodeDecmpfs(typ, text)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(attr, rsrc)
	}
	// Three blocks, the third stored.
	attr, rsrc, err := dmgbuild.EncodeDecmpfs(dmgbuild.DecmpfsLZVNRsrc, bytes.Repeat(text, 90))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(attr, rsrc)
	f.Add(append(header(decmpfs.RawAttr, 5), "bytes"...), []byte(nil))
	f.Add(append(header(decmpfs.CopyAttr, 5), "\xccbytes"...), []byte(nil))
	f.Fuzz(func(t *testing.T, attr, rsrc []byte) {
		// A hang is a crash, so that the fuzzer keeps the input.
		defer time.AfterFunc(10*time.Second, func() { panic("input takes more than 10s") }).Stop()
		const budget = 4 << 20
		r, err := decmpfs.Open(decmpfs.File{Attr: attr, Fork: bytes.NewReader(rsrc), ForkSize: int64(len(rsrc)),
			MaxInlineBytes: 1 << 20, MaxTableBytes: 1 << 20})
		if err == nil {
			var n int64
			n, err = io.Copy(io.Discard, io.LimitReader(r, budget))
			if h, _ := decmpfs.ParseHeader(attr); err == nil && n < budget && n != h.Size {
				t.Fatalf("read %d bytes to the end, %d declared", n, h.Size)
			}
		}
		if de := (*decmpfs.Error)(nil); err != nil && !errors.As(err, &de) {
			t.Fatalf("%T %v is not a fault", err, err)
		}
	})
}
