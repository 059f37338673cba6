package inspect

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/authenticode"
)

// The walker reads Authenticode signatures in three places: a bare PE
// artifact (its signature-invariant identity), every signed PE file inside
// an installer (peSignature) and a Burn bundle and its engine (the burn
// adapter's Describe). All of them go through authenticodeDescription.

// peSignature reads the Authenticode signature of a signed PE file inside
// the installer. A damaged signature on a bundled file is reported in the
// signature's message: it says something about the file, but the file
// itself was read completely.
func peSignature(path string, data []byte) *Signature {
	r := bytes.NewReader(data)
	l, err := authenticode.ParseLayout(r, int64(len(data)))
	if err != nil || !l.Signed() {
		return nil
	}
	sig, _, probs := authenticodeDescription(r, int64(len(data)), "")
	if sig == nil {
		sig = &Signature{Kind: "authenticode"}
	}
	sig.File = path
	for _, p := range probs {
		if sig.Message != "" {
			sig.Message += "; "
		}
		sig.Message += p.Message
	}
	return sig
}

// authenticodeDescription reads the Authenticode signature of the PE file
// in r (file is its path relative to the container) and returns the
// signature, the signature-invariant identity and any problems.
func authenticodeDescription(r io.ReaderAt, size int64, file string) (*Signature, *Identity, []Problem) {
	res, err := authenticode.Inspect(r, size, nil)
	var probs []Problem
	if err != nil {
		probs = append(probs, problemFrom(file, "authenticode", err))
	}
	if res == nil {
		return nil, nil, probs
	}
	id := &Identity{Algorithm: "authenticode-sha256", Digest: res.SHA256Digest}
	if !res.Signed {
		return nil, id, probs
	}
	sig := &Signature{
		File:            file,
		Kind:            "authenticode",
		Signer:          res.Signer,
		Issuer:          res.Issuer,
		Serial:          res.Serial,
		DigestAlgorithm: res.Algorithm,
		DigestMatches:   res.DigestMatches,
		Chain:           res.Chain,
	}
	if !res.Time.IsZero() {
		sig.Time = res.Time.UTC().Format(time.RFC3339)
	}
	switch {
	case err != nil:
		sig.Message = "signature unreadable: " + err.Error()
	case !res.DigestMatches:
		sig.Message = fmt.Sprintf("file digest %s does not match the signed digest %s", res.Digest, res.SignedDigest)
	case !res.SignerVerified:
		sig.Message = "signer signature not verified: " + res.VerifyError
	}
	return sig, id, probs
}
