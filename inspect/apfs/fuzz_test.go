package apfs_test

import (
	"bytes"
	"encoding/binary"
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
	f.Add(small, false)
	f.Add(small, true)
	tiny, err := dmgbuild.BuildAPFS(dmgbuild.APFSVolume{Name: "T", Files: []dmgbuild.File{
		{Path: "a", Data: []byte("a")}, {Path: "l", Symlink: "/x"}, {Path: "h", HardLink: "a"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tiny, true)
	f.Fuzz(func(t *testing.T, data []byte, reseal bool) {
		// A hang is a crash, so that the fuzzer keeps the input.
		defer time.AfterFunc(10*time.Second, func() { panic("input takes more than 10s") }).Stop()
		if reseal {
			// Every block's checksum made right, so that mutations reach
			// the trees behind the checksums.
			data = append([]byte(nil), data...)
			for at := 0; at+4096 <= len(data); at += 4096 {
				b := data[at : at+4096]
				binary.LittleEndian.PutUint64(b, apfs.Checksum(b))
			}
		}
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
