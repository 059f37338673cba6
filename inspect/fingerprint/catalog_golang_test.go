package fingerprint

import (
	"bytes"
	"strings"
	"testing"
)

// TestGoBuildInfoMagic: the fast search finds the magic wherever it is,
// after false starts of its tail, and nothing without all of it; it
// agrees with bytes.Contains on every cut of the inputs.
func TestGoBuildInfoMagic(t *testing.T) {
	pad := bytes.Repeat([]byte{0xff, 0, 'G'}, 50)
	cases := map[string][]byte{
		"alone":         []byte(goBuildInfoMagic),
		"at the end":    append(append([]byte{}, pad...), goBuildInfoMagic...),
		"at the start":  append([]byte(goBuildInfoMagic), pad...),
		"tail only":     []byte(goBuildInfoMagic[1:]),
		"wrong lead":    []byte("\xfe Go buildinf:"),
		"false starts":  []byte("x Go buildinf: \xffGo buildinf:" + goBuildInfoMagic + "zz"),
		"no space":      []byte("\xffGo buildinf:"),
		"empty":         nil,
		"short":         []byte("\xff Go"),
		"repeated tail": []byte(strings.Repeat("Go buildinf:", 10)),
	}
	for name, data := range cases {
		for cut := 0; cut <= len(data); cut++ {
			d := data[:cut]
			if got, want := hasGoBuildInfoMagic(d), bytes.Contains(d, []byte(goBuildInfoMagic)); got != want {
				t.Errorf("%s, first %d bytes: %v, bytes.Contains %v", name, cut, got, want)
			}
		}
	}
}
