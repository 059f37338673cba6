package hfsplus_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/hfsplus"
)

// FuzzHFSPlus opens any bytes as a volume and reads every file, within a
// budget of bytes read: nothing may panic, hang or allocate what the
// volume declares.
func FuzzHFSPlus(f *testing.F) {
	files := dmgbuild.FuzzFiles()
	for _, v := range []dmgbuild.Volume{{Name: "F", BlockSize: 512}, {Name: "X", HFSX: true, BlockSize: 1024}} {
		v.Files = files
		vol, err := dmgbuild.BuildHFS(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(vol)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a crash, so that the fuzzer keeps the input.
		defer time.AfterFunc(10*time.Second, func() { panic("input takes more than 10s") }).Stop()
		v, err := hfsplus.Open(bytes.NewReader(data), int64(len(data)), &hfsplus.Options{
			MaxItems: 10000, MaxPathBytes: 1 << 20, MaxAttrBytes: 1 << 20, MaxInlineBytes: 1 << 20, MaxDepth: 256})
		if err != nil {
			return
		}
		budget := int64(16 << 20)
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
	})
}
