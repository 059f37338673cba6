package fingerprint

import (
	"bytes"

	"github.com/installer-sbom/installer-sbom/inspect/authenticode"
)

// peAuthenticode records the Authenticode signature of a signed PE file. A
// damaged signature on a bundled file is reported in the signature's
// message: it says something about the file, but the file itself was read
// completely.
type peAuthenticode struct{}

func (peAuthenticode) Name() string { return "pe.authenticode" }
func (peAuthenticode) Wants(_ string, head []byte, _ int64) bool {
	return bytes.HasPrefix(head, []byte("MZ"))
}
func (peAuthenticode) Catalog(f *Subject, rep *FileReport) {
	if f.kind != kindPE {
		return
	}
	r := bytes.NewReader(f.Data)
	l, err := authenticode.ParseLayout(r, int64(len(f.Data)))
	if err != nil || !l.Signed() {
		return
	}
	sig, _, err := authenticode.Describe(r, int64(len(f.Data)))
	if sig == nil {
		sig = &Signature{Kind: "authenticode"}
	}
	sig.File = f.Path
	if err != nil {
		if sig.Message != "" {
			sig.Message += "; "
		}
		sig.Message += err.Error()
	}
	rep.Signature = sig
}
