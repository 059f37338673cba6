package authenticode

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// The ASN.1 structures of PKCS #7 SignedData (RFC 2315) and of Authenticode's
// SpcIndirectDataContent, decoded with encoding/asn1, which refuses
// indefinite lengths and never reads past its input.

var (
	oidSignedData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSpcIndirectData     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 2, 1, 4}
	oidMessageDigest       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidCounterSignature    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	oidRFC3161Timestamp    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 3, 3, 1}
	oidTSTInfo             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidRSAEncryption       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECPublicKey         = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSHA1WithRSA         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidSHA256WithRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidECDSAWithSHA256     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512     = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidECDSAWithSHA1       = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	digestAlgorithmsByOID  = map[string]digestAlgorithm{}
	digestAlgorithmsByName = map[string]digestAlgorithm{}
)

type digestAlgorithm struct {
	name string
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}

func init() {
	for _, d := range []digestAlgorithm{
		{"md5", asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, crypto.MD5},
		{"sha1", asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
		{"sha256", asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
		{"sha384", asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
		{"sha512", asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
	} {
		digestAlgorithmsByOID[d.oid.String()] = d
		digestAlgorithmsByName[d.name] = d
	}
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type rawContent struct {
	Raw asn1.RawContent
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	ContentInfo      contentInfo
	Certificates     rawContent    `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type signerInfo struct {
	Version                   int
	IssuerAndSerial           issuerAndSerial
	DigestAlgorithm           pkix.AlgorithmIdentifier
	AuthenticatedAttributes   rawContent `asn1:"optional,tag:0"`
	DigestEncryptionAlgorithm pkix.AlgorithmIdentifier
	EncryptedDigest           []byte
	UnauthenticatedAttributes rawContent `asn1:"optional,tag:1"`
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

type spcIndirectDataContent struct {
	Data          asn1.RawValue
	MessageDigest digestInfo
}

type digestInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Digest    []byte
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint digestInfo
	SerialNumber   *big.Int
	GenTime        time.Time `asn1:"generalized"`
	// encoding/asn1 ignores the optional fields that follow.
}

// signedDataHead is the start of a CMS SignedData: enough to reach the
// encapsulated content without parsing SignerInfos, which CMS (RFC 5652) lets
// identify the signer by key identifier.
type signedDataHead struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	ContentInfo      contentInfo
}

// signature is what parseSignature learned from one PKCS #7 blob.
type signature struct {
	algorithm    digestAlgorithm // of the signed file digest
	signedDigest []byte
	signer       *x509.Certificate
	certs        []*x509.Certificate
	time         time.Time
	timeSource   string
	// verifyErr is why the signer's signature over its authenticated
	// attributes could not be verified; nil when it verified.
	verifyErr error
}

// parseSignature decodes a PKCS #7 SignedData carrying SpcIndirectDataContent.
// Errors are plain; the caller wraps them with the blob's file offset.
func parseSignature(der []byte) (*signature, error) { return parseSignatureDigest(der, true) }

// parseSignatureDigest is parseSignature; exactDigest false accepts a
// "digest" that is a blob of several digests (an APPX signature's
// APPX/AXPC/AXCD/... record), which the caller takes apart.
func parseSignatureDigest(der []byte, exactDigest bool) (*signature, error) {
	var ci contentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, fmt.Errorf("ContentInfo: %w", err)
	}
	_ = rest // WIN_CERTIFICATE pads the blob to 8 bytes with zeros
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("content type %v is not SignedData", ci.ContentType)
	}
	// Content is the [0] EXPLICIT wrapper; its Bytes are the inner DER.
	var sd signedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("SignedData: %w", err)
	}
	if !sd.ContentInfo.ContentType.Equal(oidSpcIndirectData) {
		return nil, fmt.Errorf("signed content type %v is not SpcIndirectDataContent", sd.ContentInfo.ContentType)
	}
	var idcRaw asn1.RawValue
	if _, err := asn1.Unmarshal(sd.ContentInfo.Content.Bytes, &idcRaw); err != nil {
		return nil, fmt.Errorf("SpcIndirectDataContent: %w", err)
	}
	var idc spcIndirectDataContent
	if _, err := asn1.Unmarshal(idcRaw.FullBytes, &idc); err != nil {
		return nil, fmt.Errorf("SpcIndirectDataContent: %w", err)
	}
	alg, ok := digestAlgorithmsByOID[idc.MessageDigest.Algorithm.Algorithm.String()]
	if !ok {
		return nil, fmt.Errorf("unsupported file digest algorithm %v", idc.MessageDigest.Algorithm.Algorithm)
	}
	if exactDigest && len(idc.MessageDigest.Digest) != alg.hash.Size() {
		return nil, fmt.Errorf("%s file digest of %d bytes", alg.name, len(idc.MessageDigest.Digest))
	}
	s := &signature{algorithm: alg, signedDigest: idc.MessageDigest.Digest}
	s.certs = parseCertificates(sd.Certificates.Raw)
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%d SignerInfos, Authenticode requires exactly one", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	s.signer = findCertificate(s.certs, si.IssuerAndSerial)
	// The signer's messageDigest covers the content octets of
	// SpcIndirectDataContent: its DER encoding without tag and length.
	s.verifyErr = verifySignerInfo(&si, s.signer, idcRaw.Bytes)
	if t, ok := attributeTime(si.AuthenticatedAttributes.Raw, oidSigningTime); ok {
		s.time, s.timeSource = t, "signing-time"
	}
	if t, src, ok := timestampTime(si.UnauthenticatedAttributes.Raw); ok {
		s.time, s.timeSource = t, src
	}
	return s, nil
}

// parseCertificates splits the [0] IMPLICIT SET OF Certificate and parses
// each; certificates Go cannot parse are skipped, not fatal, because they
// only feed the chain listing.
func parseCertificates(raw []byte) []*x509.Certificate {
	var set asn1.RawValue
	if len(raw) == 0 {
		return nil
	}
	if _, err := asn1.Unmarshal(raw, &set); err != nil {
		return nil
	}
	var certs []*x509.Certificate
	for b := set.Bytes; len(b) > 0; {
		var one asn1.RawValue
		rest, err := asn1.Unmarshal(b, &one)
		if err != nil {
			break
		}
		b = rest
		if c, err := x509.ParseCertificate(one.FullBytes); err == nil {
			certs = append(certs, c)
		}
	}
	return certs
}

func findCertificate(certs []*x509.Certificate, id issuerAndSerial) *x509.Certificate {
	for _, c := range certs {
		if id.Serial != nil && c.SerialNumber.Cmp(id.Serial) == 0 && string(c.RawIssuer) == string(id.Issuer.FullBytes) {
			return c
		}
	}
	return nil
}

// parseAttributes decodes [0] IMPLICIT SET OF Attribute (or [1]); it returns
// the attributes and the DER of the same set re-tagged as a universal SET,
// which is what the signer actually signed.
func parseAttributes(raw []byte) ([]attribute, []byte, error) {
	if len(raw) == 0 {
		return nil, nil, nil
	}
	set := append([]byte(nil), raw...)
	set[0] = 0x31 // SET, constructed
	var attrs []attribute
	if _, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil {
		return nil, nil, err
	}
	return attrs, set, nil
}

func verifySignerInfo(si *signerInfo, signer *x509.Certificate, content []byte) error {
	if signer == nil {
		return errors.New("signer certificate not included in the signature")
	}
	dalg, ok := digestAlgorithmsByOID[si.DigestAlgorithm.Algorithm.String()]
	if !ok || !dalg.hash.Available() {
		return fmt.Errorf("unsupported signer digest algorithm %v", si.DigestAlgorithm.Algorithm)
	}
	attrs, signed, err := parseAttributes(si.AuthenticatedAttributes.Raw)
	if err != nil {
		return fmt.Errorf("authenticated attributes: %w", err)
	}
	if signed == nil {
		return errors.New("no authenticated attributes")
	}
	var md []byte
	for _, a := range attrs {
		if a.Type.Equal(oidMessageDigest) {
			if _, err := asn1.Unmarshal(a.Values.Bytes, &md); err != nil {
				return fmt.Errorf("messageDigest attribute: %w", err)
			}
		}
	}
	h := dalg.hash.New()
	h.Write(content)
	if md == nil || string(md) != string(h.Sum(nil)) {
		return errors.New("messageDigest attribute does not match the signed content")
	}
	h = dalg.hash.New()
	h.Write(signed)
	hashed := h.Sum(nil)
	switch pub := signer.PublicKey.(type) {
	case *rsa.PublicKey:
		if !isRSA(si.DigestEncryptionAlgorithm.Algorithm) {
			return fmt.Errorf("signature algorithm %v does not fit an RSA key", si.DigestEncryptionAlgorithm.Algorithm)
		}
		if err := rsa.VerifyPKCS1v15(pub, dalg.hash, hashed, si.EncryptedDigest); err != nil {
			return fmt.Errorf("signer signature: %w", err)
		}
	case *ecdsa.PublicKey:
		if !isECDSA(si.DigestEncryptionAlgorithm.Algorithm) {
			return fmt.Errorf("signature algorithm %v does not fit an ECDSA key", si.DigestEncryptionAlgorithm.Algorithm)
		}
		if !ecdsa.VerifyASN1(pub, hashed, si.EncryptedDigest) {
			return errors.New("signer signature: ECDSA verification failed")
		}
	default:
		return fmt.Errorf("unsupported signer key type %T", signer.PublicKey)
	}
	return nil
}

func isRSA(oid asn1.ObjectIdentifier) bool {
	for _, o := range []asn1.ObjectIdentifier{oidRSAEncryption, oidSHA1WithRSA, oidSHA256WithRSA, oidSHA384WithRSA, oidSHA512WithRSA} {
		if oid.Equal(o) {
			return true
		}
	}
	return false
}

func isECDSA(oid asn1.ObjectIdentifier) bool {
	for _, o := range []asn1.ObjectIdentifier{oidECPublicKey, oidECDSAWithSHA1, oidECDSAWithSHA256, oidECDSAWithSHA384, oidECDSAWithSHA512} {
		if oid.Equal(o) {
			return true
		}
	}
	return false
}

// attributeTime reads a signingTime attribute from raw attributes.
func attributeTime(raw []byte, oid asn1.ObjectIdentifier) (time.Time, bool) {
	attrs, _, err := parseAttributes(raw)
	if err != nil {
		return time.Time{}, false
	}
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			var t time.Time
			if _, err := asn1.Unmarshal(a.Values.Bytes, &t); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// timestampTime finds the time a timestamping authority vouched for in the
// unauthenticated attributes: an RFC 3161 token (Microsoft's attribute) or a
// PKCS #9 countersignature carrying signingTime. The token's own signature is
// not verified: the time is reported, not trusted.
func timestampTime(raw []byte) (time.Time, string, bool) {
	attrs, _, err := parseAttributes(raw)
	if err != nil {
		return time.Time{}, "", false
	}
	for _, a := range attrs {
		switch {
		case a.Type.Equal(oidRFC3161Timestamp):
			var ci contentInfo
			if _, err := asn1.Unmarshal(a.Values.Bytes, &ci); err != nil || !ci.ContentType.Equal(oidSignedData) {
				continue
			}
			var sd signedDataHead
			if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || !sd.ContentInfo.ContentType.Equal(oidTSTInfo) {
				continue
			}
			var octets []byte
			if _, err := asn1.Unmarshal(sd.ContentInfo.Content.Bytes, &octets); err != nil {
				continue
			}
			var tst tstInfo
			if _, err := asn1.Unmarshal(octets, &tst); err != nil {
				continue
			}
			return tst.GenTime.UTC(), "rfc3161", true
		case a.Type.Equal(oidCounterSignature):
			var si signerInfo
			if _, err := asn1.Unmarshal(a.Values.Bytes, &si); err != nil {
				continue
			}
			if t, ok := attributeTime(si.AuthenticatedAttributes.Raw, oidSigningTime); ok {
				return t, "countersignature", true
			}
		}
	}
	return time.Time{}, "", false
}
