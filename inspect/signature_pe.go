package inspect

import (
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/authenticode"
)

// The walker reads Authenticode signatures in two places: a bare PE
// artifact (its signature-invariant identity) and a Burn bundle and its
// engine (the burn adapter's Describe); signed PE files inside an installer
// are read by the fingerprint engine's pe.authenticode cataloger. All of
// them go through authenticode.Describe.

// authenticodeDescription reads the Authenticode signature of the PE file
// in r (file is its path relative to the container) and returns the
// signature, the signature-invariant identity and any problems.
func authenticodeDescription(r io.ReaderAt, size int64, file string) (*Signature, *Identity, []Problem) {
	sig, id, err := authenticode.Describe(r, size)
	var probs []Problem
	if err != nil {
		probs = append(probs, problemFrom(file, "authenticode", err))
	}
	if sig != nil {
		sig.File = file
	}
	return sig, id, probs
}
