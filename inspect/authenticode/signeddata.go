package authenticode

import (
	"crypto"
	"strings"
	"time"
)

// SignedData is what an Authenticode PKCS #7 SignedData blob says, whatever
// kind of file it signs: PE files keep it in the certificate table, MSI
// databases in the \x05DigitalSignature stream, cabinets in their reserve
// area. The file digest is computed by the caller, by that file kind's own
// rules, and compared with Digest.
type SignedData struct {
	// Algorithm names the file digest algorithm ("sha1", "sha256", ...)
	// and Hash is the same as a crypto.Hash.
	Algorithm string
	Hash      crypto.Hash
	// Digest is the file digest the signer signed.
	Digest []byte
	// SignerVerified reports that the signer's signature over its
	// authenticated attributes verifies with the signer certificate's key
	// and that those attributes cover the signed content. VerifyError says
	// why not.
	SignerVerified bool
	VerifyError    string
	// Signer, Issuer and Serial describe the signer certificate (RFC 2253
	// names, upper-case hex serial); empty when the blob does not include it.
	Signer, Issuer, Serial string
	Time                   time.Time
	TimeSource             string // "rfc3161", "countersignature", "signing-time"
	Chain                  []string
}

// ParseSignedData decodes a DER PKCS #7 SignedData carrying an Authenticode
// SpcIndirectDataContent. Trailing bytes after the DER value are ignored
// (signing tools pad the blob). Errors carry no offset; the caller knows
// where the blob lies.
func ParseSignedData(der []byte) (*SignedData, error) { return parseSignedData(der, true) }

// ParseSignedDataBlob is ParseSignedData for signatures whose signed
// "digest" is a structure of several digests rather than one of the
// algorithm's size (MSIX/AppX: "APPX" then tagged digests of the zip's
// parts); Digest holds it as signed, for the caller to take apart.
func ParseSignedDataBlob(der []byte) (*SignedData, error) { return parseSignedData(der, false) }

func parseSignedData(der []byte, exactDigest bool) (*SignedData, error) {
	sig, err := parseSignatureDigest(der, exactDigest)
	if err != nil {
		return nil, err
	}
	sd := &SignedData{
		Algorithm:      sig.algorithm.name,
		Hash:           sig.algorithm.hash,
		Digest:         append([]byte(nil), sig.signedDigest...),
		SignerVerified: sig.verifyErr == nil,
		Time:           sig.time,
		TimeSource:     sig.timeSource,
	}
	if sig.verifyErr != nil {
		sd.VerifyError = sig.verifyErr.Error()
	}
	if sig.signer != nil {
		sd.Signer = sig.signer.Subject.String()
		sd.Issuer = sig.signer.Issuer.String()
		sd.Serial = strings.ToUpper(sig.signer.SerialNumber.Text(16))
		sd.Chain = chain(sig.signer, sig.certs)
	}
	return sd, nil
}
