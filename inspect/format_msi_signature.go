package inspect

import (
	"encoding/hex"
	"fmt"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// msiSignature describes the Authenticode signature of an MSI database, or
// returns nil when it has none. A damaged signature is reported in the
// signature's message, not as a problem: the database itself was read.
func msiSignature(db *msi.Database) *Signature {
	res, err := db.Signature(0)
	if res == nil && err == nil {
		return nil
	}
	sig := &Signature{Kind: "msi"}
	if res != nil {
		sig.Signer, sig.Issuer, sig.Serial = res.Signer, res.Issuer, res.Serial
		sig.DigestAlgorithm = res.Algorithm
		sig.DigestMatches = res.DigestMatches
		sig.Chain = res.Chain
		if !res.Time.IsZero() {
			sig.Time = res.Time.UTC().Format(time.RFC3339)
		}
	}
	var msgs []string
	switch {
	case err != nil:
		msgs = append(msgs, "signature unreadable: "+err.Error())
	case !res.DigestMatches:
		msgs = append(msgs, fmt.Sprintf("database digest %s does not match the signed digest %s", res.Computed, hex.EncodeToString(res.Digest)))
	}
	if res != nil && err == nil && !res.SignerVerified {
		msgs = append(msgs, "signer signature not verified: "+res.VerifyError)
	}
	if res != nil && res.Extended {
		msgs = append(msgs, "MsiDigitalSignatureEx present: its metadata pre-hash is taken as stored, not recomputed")
	}
	for i, m := range msgs {
		if i > 0 {
			sig.Message += "; "
		}
		sig.Message += m
	}
	return sig
}
