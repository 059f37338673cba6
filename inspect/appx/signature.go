package appx

import (
	"crypto"
	"crypto/subtle"
	"fmt"
	"io"
	"sort"

	"github.com/installer-sbom/installer-sbom/inspect/authenticode"
)

// MaxSignatureBytes bounds AppxSignature.p7x (real ones are a few KiB).
const MaxSignatureBytes = 4 << 20

// Signature is a package's or bundle's AppxSignature.p7x, its digests
// checked against the package's bytes.
type Signature struct {
	authenticode.SignedData
	// DigestMatches says every digest the signature holds is the digest of
	// the package's bytes: nothing was changed after signing.
	DigestMatches bool
	// Mismatches names each part whose digest differs or is missing.
	Mismatches []string
}

// Parts gives the uncompressed bytes of a package part by zip entry name;
// ok is false when the package has no such part.
type Parts func(name string) (b []byte, ok bool, err error)

// The tagged digests of an APPX signature and the parts they cover.
var digestTags = []struct{ tag, part string }{
	{"AXPC", "the zip's local file records (AXPC)"},
	{"AXCD", "the zip's central directory (AXCD)"},
	{"AXCT", ContentTypesName + " (AXCT)"},
	{"AXBM", BlockMapName + " (AXBM)"},
	{"AXCI", CodeIntegrityName + " (AXCI)"},
}

// CheckSignature parses p7x (the bytes of AppxSignature.p7x) and checks
// each digest it signs against the package in r. alg is the block map's
// hash method (the signature's digests use it). maxCD and maxEntries bound
// the central directory read.
func CheckSignature(p7x []byte, r io.ReaderAt, size int64, parts Parts, alg crypto.Hash, maxCD int64, maxEntries int) (*Signature, error) {
	if len(p7x) < 4 || string(p7x[:4]) != "PKCX" {
		return nil, errorf(SignatureName, -1, "does not start with PKCX")
	}
	sd, err := authenticode.ParseSignedDataBlob(p7x[4:])
	if err != nil {
		return nil, errorf(SignatureName, -1, "PKCS #7: %v", err)
	}
	sig := &Signature{SignedData: *sd}
	if alg == 0 {
		alg = sd.Hash
	}
	if !alg.Available() {
		return sig, errorf(SignatureName, -1, "digest algorithm %v not available", alg)
	}
	blob := sd.Digest
	if len(blob) < 4 || string(blob[:4]) != "APPX" {
		return sig, errorf(SignatureName, -1, "signed digest is not an APPX digest record")
	}
	signed := map[string][]byte{}
	for p := blob[4:]; len(p) > 0; p = p[4+alg.Size():] {
		if len(p) < 4+alg.Size() {
			return sig, errorf(SignatureName, -1, "APPX digest record ends inside a %v digest", alg)
		}
		signed[string(p[:4])] = p[4 : 4+alg.Size()]
	}
	computed := map[string][]byte{}
	z, err := readRawZip(r, size, maxCD, maxEntries)
	if err != nil {
		return sig, err
	}
	h := alg.New()
	cdOffset, err := z.digestRecords(h)
	if err != nil {
		return sig, err
	}
	computed["AXPC"] = h.Sum(nil)
	h = alg.New()
	z.digestDirectory(h, cdOffset)
	computed["AXCD"] = h.Sum(nil)
	for _, t := range []struct{ tag, name string }{{"AXCT", ContentTypesName}, {"AXBM", BlockMapName}, {"AXCI", CodeIntegrityName}} {
		b, ok, err := parts(t.name)
		if err != nil {
			return sig, err
		}
		if ok {
			h := alg.New()
			h.Write(b)
			computed[t.tag] = h.Sum(nil)
		}
	}
	for _, t := range digestTags {
		want, have := signed[t.tag], computed[t.tag]
		switch {
		case want == nil && have == nil:
		case want == nil:
			sig.Mismatches = append(sig.Mismatches, fmt.Sprintf("%s is not covered by the signature", t.part))
		case have == nil:
			sig.Mismatches = append(sig.Mismatches, fmt.Sprintf("the signature covers %s, which the package lacks", t.part))
		case subtle.ConstantTimeCompare(want, have) != 1:
			sig.Mismatches = append(sig.Mismatches, fmt.Sprintf("the digest of %s differs from the signed one", t.part))
		}
	}
	var unknown []string
	for tag := range signed {
		known := false
		for _, t := range digestTags {
			known = known || t.tag == tag
		}
		if !known {
			unknown = append(unknown, fmt.Sprintf("unknown digest tag %q", tag))
		}
	}
	sort.Strings(unknown)
	sig.Mismatches = append(sig.Mismatches, unknown...)
	sig.DigestMatches = len(sig.Mismatches) == 0
	return sig, nil
}
