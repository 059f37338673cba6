package xar

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/ayoubfaouzi/pkcs7"
)

// maxSignatureSize bounds the heap bytes read for one signature. Real RSA
// signatures are 256-512 bytes, CMS blobs with a chain about 10 KiB.
const maxSignatureSize = 1 << 20

// ErrSignature is matched (errors.Is) when a signature does not verify.
var ErrSignature = errors.New("signature does not verify")

// SignatureBytes reads a signature's bytes from the heap.
func (x *Reader) SignatureBytes(s *Signature) ([]byte, error) {
	heapSize := x.size - x.heap
	if s.Size == 0 || s.Size > maxSignatureSize || s.Offset > heapSize || s.Size > heapSize-s.Offset {
		return nil, errorf(x.heap+min(s.Offset, heapSize), nil, "%s at heap offset %d size %d lies outside the %d-byte heap or exceeds %d bytes", s.Element, s.Offset, s.Size, heapSize, maxSignatureSize)
	}
	b := make([]byte, s.Size)
	if _, err := x.r.ReadAt(b, x.heap+s.Offset); err != nil && err != io.EOF {
		return nil, errorf(x.heap+s.Offset, err, "reading %s", s.Element)
	}
	return b, nil
}

// ParseCertificates parses the signature's KeyInfo certificates, signer
// first.
func (s *Signature) ParseCertificates() ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for i, der := range s.Certificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return certs, fmt.Errorf("%s certificate %d: %w", s.Element, i, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// cryptoHash maps the TOC checksum algorithm to the hash the signature was
// made with.
func cryptoHash(name string) (crypto.Hash, bool) {
	switch name {
	case "sha1":
		return crypto.SHA1, true
	case "md5":
		return crypto.MD5, true
	case "sha224":
		return crypto.SHA224, true
	case "sha256":
		return crypto.SHA256, true
	case "sha384":
		return crypto.SHA384, true
	case "sha512":
		return crypto.SHA512, true
	}
	return 0, false
}

// VerifySignature checks that s signs the TOC digest computed from the
// archive's bytes. It checks integrity only: it makes no decision about
// whether the certificates are trusted. "RSA" signatures are PKCS#1 v1.5
// over the TOC digest with the TOC checksum's hash; "CMS" ones are detached
// PKCS#7 SignedData whose content is the TOC digest.
func (x *Reader) VerifySignature(s *Signature) error {
	sig, err := x.SignatureBytes(s)
	if err != nil {
		return err
	}
	if x.TOCDigest == nil {
		return errorf(-1, nil, "%s: the archive has no TOC checksum to sign", s.Element)
	}
	at := x.heap + s.Offset
	switch s.Style {
	case "RSA":
		certs, err := s.ParseCertificates()
		if err != nil || len(certs) == 0 {
			return errorf(-1, err, "%s: no signer certificate", s.Element)
		}
		pub, ok := certs[0].PublicKey.(*rsa.PublicKey)
		if !ok {
			return errorf(-1, nil, "%s: signer key is %T, not RSA", s.Element, certs[0].PublicKey)
		}
		h, ok := cryptoHash(x.Header.ChecksumName)
		if !ok {
			return errorf(-1, nil, "%s: no hash for TOC checksum %q", s.Element, x.Header.ChecksumName)
		}
		if err := rsa.VerifyPKCS1v15(pub, h, x.TOCDigest, sig); err != nil {
			return errorf(at, ErrSignature, "%s RSA over the %s TOC digest", s.Element, x.Header.ChecksumName)
		}
		return nil
	case "CMS":
		p7, err := parsePKCS7(sig)
		if err != nil {
			return errorf(at, err, "%s: CMS", s.Element)
		}
		p7.Content = x.TOCDigest
		if err := p7.Verify(); err != nil {
			return errorf(at, errors.Join(ErrSignature, err), "%s CMS over the TOC digest", s.Element)
		}
		return nil
	}
	return errorf(-1, nil, "%s: unsupported style %q", s.Element, s.Style)
}

// parsePKCS7 guards the third-party ASN.1 parser, which is given untrusted
// bytes.
func parsePKCS7(b []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("malformed PKCS#7: %v", r)
		}
	}()
	return pkcs7.Parse(b)
}

// IdentityAlgorithm names the digest computed by Identity.
const IdentityAlgorithm = "xar-toc-unsigned-sha256"

// Identity returns a digest of the archive that signing does not change.
//
// productsign (and xar --sign) rewrites a package by adding <signature> and
// <x-signature> elements to the TOC and reserving their bytes at the start
// of the heap, which moves every file's heap offset and changes the TOC
// checksum. So neither the file bytes, nor the TOC text, nor the TOC
// checksum survive signing. The identity is therefore SHA-256 over a
// canonical form of the unsigned content:
//
//	"xar-toc-unsigned-sha256 v1\n"
//	then for each file element in TOC document order (parents before
//	children), the fields
//	    "file", path, type, link, mode
//	and, when the element has data,
//	    "data", encoding style, decimal size, decimal length,
//	    extracted-checksum as "style:hex", archived-checksum as "style:hex"
//	each field followed by a NUL byte, then, for data, the <length>
//	archived heap bytes themselves, then "\n".
//
// Left out, because signing or re-signing changes them or they carry no
// content: the header, the TOC checksum element and its heap bytes, the
// signature and x-signature elements and their heap bytes, every heap
// offset, creation-time, and file times, owners and inode numbers.
func (x *Reader) Identity() ([]byte, error) {
	if x.identDone {
		return x.identity, x.identErr
	}
	x.identDone = true
	// Members may alias one heap range; each would be hashed again. Honest
	// archives hash their heap about once (hardlinks may repeat some).
	heap := max(x.size-x.heap, 0)
	maxHashed := 2*heap + 64<<20
	var hashed int64
	for _, f := range x.Files {
		if d := f.Data; d != nil && d.Length > 0 {
			if hashed += d.Length; hashed > maxHashed {
				x.identErr = errorf(x.heap+d.Offset, nil, "file %q: archived data of the files adds up to more than %d bytes from a %d-byte heap (ranges alias one another); the identity would hash the same bytes again", f.Name, maxHashed, heap)
				return nil, x.identErr
			}
		}
	}
	h := sha256.New()
	io.WriteString(h, IdentityAlgorithm+" v1\n")
	field := func(s string) {
		io.WriteString(h, s)
		h.Write([]byte{0})
	}
	// One copy buffer for every member: io.Copy would allocate 32 KiB per
	// file (a pkg of 15,000 components spent a tenth of its time on it).
	buf := make([]byte, 32<<10)
	for _, f := range x.Files {
		field("file")
		field(f.Name)
		field(f.Type)
		field(f.Link)
		field(f.Mode)
		if d := f.Data; d != nil {
			field("data")
			field(d.Encoding)
			field(strconv.FormatInt(d.Size, 10))
			field(strconv.FormatInt(d.Length, 10))
			field(d.Extract.String())
			field(d.Archived.String())
			raw, err := x.OpenRaw(f)
			if err != nil {
				x.identErr = err
				return nil, err
			}
			if _, err := io.CopyBuffer(h, raw, buf); err != nil {
				x.identErr = errorf(x.heap+d.Offset, err, "file %q: reading archived bytes", f.Name)
				return nil, x.identErr
			}
		}
		io.WriteString(h, "\n")
	}
	x.identity = h.Sum(nil)
	return x.identity, nil
}
