package authenticode

import (
	"fmt"
	"io"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// Describe reads the Authenticode signature of the PE file in r as the
// inventory records it: the signature (nil when the file is not signed) and
// the signature-invariant identity (nil when the headers cannot be read).
// err is a problem reading the file or its signature; a signature is still
// returned where one was found, its Message saying what is wrong.
func Describe(r io.ReaderAt, size int64) (*inventory.Signature, *inventory.Identity, error) {
	res, err := Inspect(r, size, nil)
	if res == nil {
		return nil, nil, err
	}
	id := &inventory.Identity{Algorithm: "authenticode-sha256", Digest: res.SHA256Digest}
	if !res.Signed {
		return nil, id, err
	}
	sig := &inventory.Signature{
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
	return sig, id, err
}
