package apfs_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/apfs"
)

// FuzzAPFS opens any bytes as a container and reads every file, within a
// budget of bytes read: nothing may panic, hang or allocate what the
// container declares.
func FuzzAPFS(f *testing.F) {
	small, err := dmgbuild.BuildAPFS(dmgbuild.APFSVolume{Name: "F", Files: dmgbuild.FuzzFiles()})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	tiny, err := dmgbuild.BuildAPFS(dmgbuild.APFSVolume{Name: "T", Files: []dmgbuild.File{
		{Path: "a", Data: []byte("a")}, {Path: "l", Symlink: "/x"}, {Path: "h", HardLink: "a"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tiny)
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a crash, so that the fuzzer keeps the input.
		defer time.AfterFunc(10*time.Second, func() { panic("input takes more than 10s") }).Stop()
		c, err := apfs.Open(bytes.NewReader(data), int64(len(data)), &apfs.Options{
			MaxItems: 10000, MaxPathBytes: 1 << 20, MaxAttrBytes: 1 << 20, MaxInlineBytes: 1 << 20, MaxDepth: 256})
		if err != nil {
			return
		}
		budget := int64(16 << 20)
		for _, v := range c.Volumes {
			for _, f := range v.ReadOrder() {
				r, err := v.Open(f)
				if err != nil {
					continue
				}
				n, _ := io.Copy(io.Discard, io.LimitReader(r, min(budget, 1<<20)))
				if budget -= n; budget <= 0 {
					return
				}
			}
		}
	})
}
