package lzfse_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/dmg/lzfse"
)

// samples are inputs with long runs, repeats at every distance class,
// text and noise.
func samples() map[string][]byte {
	rng := rand.New(rand.NewSource(1))
	noise := make([]byte, 70000)
	rng.Read(noise)
	var text bytes.Buffer
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&text, "line %d of the sample, value %d\n", i, rng.Intn(1000))
	}
	mixed := append(append(append([]byte{}, noise[:5000]...), bytes.Repeat([]byte{0}, 100000)...), noise[:5000]...)
	far := append(append(append([]byte{}, noise[:3000]...), noise[3000:200000%len(noise)]...), noise[:3000]...)
	return map[string][]byte{
		"empty": {},
		"one":   {'x'},
		"text":  text.Bytes(),
		"noise": noise,
		"zeros": make([]byte, 300000),
		"mixed": mixed,
		"far":   far,
	}
}

func TestRoundTrip(t *testing.T) {
	for name, data := range samples() {
		for kind, kn := range map[int]string{dmgbuild.LZFSEEntropy: "bvx2", dmgbuild.LZFSELZVN: "bvxn", dmgbuild.LZFSEStored: "bvx-"} {
			enc := dmgbuild.EncodeLZFSE(data, kind)
			dst := make([]byte, len(data))
			n, err := lzfse.Decode(dst, enc)
			if err != nil || n != len(data) || !bytes.Equal(dst, data) {
				t.Errorf("%s %s: n=%d/%d err=%v equal=%v", name, kn, n, len(data), err, bytes.Equal(dst[:n], data[:n]))
			}
		}
		enc := dmgbuild.EncodeLZVN(data)
		dst := make([]byte, len(data))
		n, err := lzfse.DecodeLZVN(dst, enc)
		if err != nil || n != len(data) || !bytes.Equal(dst, data) {
			t.Errorf("%s lzvn: n=%d/%d err=%v", name, n, len(data), err)
		}
	}
}
