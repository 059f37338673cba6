package lzfse_test

import (
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/dmg/lzfse"
)

// FuzzLZFSE decodes any bytes as LZFSE and as LZVN into a fixed buffer:
// nothing may panic or write past it.
func FuzzLZFSE(f *testing.F) {
	for _, data := range samples() {
		if len(data) > 20000 {
			data = data[:20000]
		}
		for _, k := range []int{dmgbuild.LZFSEEntropy, dmgbuild.LZFSELZVN, dmgbuild.LZFSEStored} {
			f.Add(dmgbuild.EncodeLZFSE(data, k), len(data))
		}
		f.Add(dmgbuild.EncodeLZVN(data), len(data))
	}
	f.Fuzz(func(t *testing.T, src []byte, n int) {
		n = max(0, min(n, 1<<20))
		dst := make([]byte, n)
		if k, err := lzfse.Decode(dst, src); k > n || (err == nil && k < 0) {
			t.Fatalf("wrote %d of %d", k, n)
		}
		if k, _ := lzfse.DecodeLZVN(dst, src); k > n {
			t.Fatalf("wrote %d of %d", k, n)
		}
	})
}
