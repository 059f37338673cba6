package authenticode

import (
	_ "crypto/md5" // digest algorithms a signature may name
	_ "crypto/sha1"
	"crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io"
	"strings"
	"time"
)

// Options bound what Inspect reads.
type Options struct {
	// MaxSignatureBytes is the largest certificate table read into memory;
	// 0 means 4 MiB (real tables are 5–30 KiB).
	MaxSignatureBytes int64
}

func (o *Options) maxSignature() int64 {
	if o == nil || o.MaxSignatureBytes <= 0 {
		return 4 << 20
	}
	return o.MaxSignatureBytes
}

// Result is what Inspect learned about one PE file.
type Result struct {
	Layout *Layout
	// Signed reports that the certificate-table directory entry declares a
	// signature, whether or not it could be read.
	Signed bool
	// SHA256Digest is the Authenticode digest with SHA-256, computed always:
	// the file's signature-invariant identity (hex).
	SHA256Digest string
	// Algorithm is the digest algorithm the signature uses ("sha1",
	// "sha256", ...); empty when unsigned.
	Algorithm string
	// Digest is the Authenticode digest computed with Algorithm (hex), and
	// SignedDigest the one recorded in the signature.
	Digest       string
	SignedDigest string
	// DigestMatches is Digest == SignedDigest: the file was not changed
	// after signing.
	DigestMatches bool
	// SignerVerified reports that the signer's signature over its
	// authenticated attributes verifies with the signer certificate's key and
	// that those attributes cover the signed digest. VerifyError says why not.
	SignerVerified bool
	VerifyError    string
	// Signer, Issuer and Serial describe the signer certificate (RFC 2253
	// names, upper-case hex serial).
	Signer, Issuer, Serial string
	// Time is the signing time from a timestamp (RFC 3161 token or
	// countersignature) or the signingTime attribute; zero when absent.
	Time       time.Time
	TimeSource string // "rfc3161", "countersignature", "signing-time"
	// Chain lists certificate subjects from the signer towards a root, as
	// far as the signature's own certificates reach.
	Chain []string
}

// Inspect computes the Authenticode digests of the PE file in r and reads its
// signature.
//
// It returns (nil, err) when the PE headers cannot be parsed. When the headers
// parse but the signature cannot be read — a certificate table past the end of
// a truncated download, a malformed WIN_CERTIFICATE or PKCS #7 blob — it
// returns the Result (Signed set, SHA256Digest computed over the bytes that
// exist, with the part of the certificate table inside the file left out)
// together with a *FormatError naming the offset.
func Inspect(r io.ReaderAt, size int64, opts *Options) (*Result, error) {
	l, err := ParseLayout(r, size)
	if err != nil {
		return nil, err
	}
	res := &Result{Layout: l, Signed: l.Signed()}
	var sig *signature
	var sigErr error
	if res.Signed {
		sig, sigErr = readSignature(r, size, l, opts.maxSignature())
	}
	hashes := []hash.Hash{sha256.New()}
	if sig != nil && sig.algorithm.name != "sha256" {
		if !sig.algorithm.hash.Available() {
			return res, errorf(l.CertTableOffset, "digest algorithm %s not available", sig.algorithm.name)
		}
		hashes = append(hashes, sig.algorithm.hash.New())
	}
	ws := make([]io.Writer, len(hashes))
	for i, h := range hashes {
		ws[i] = h
	}
	if err := Digest(r, size, l, io.MultiWriter(ws...)); err != nil {
		return nil, err
	}
	res.SHA256Digest = hex.EncodeToString(hashes[0].Sum(nil))
	if sig == nil {
		return res, sigErr
	}
	res.Algorithm = sig.algorithm.name
	res.Digest = res.SHA256Digest
	if len(hashes) > 1 {
		res.Digest = hex.EncodeToString(hashes[1].Sum(nil))
	}
	res.SignedDigest = hex.EncodeToString(sig.signedDigest)
	res.DigestMatches = res.Digest == res.SignedDigest
	res.SignerVerified = sig.verifyErr == nil
	if sig.verifyErr != nil {
		res.VerifyError = sig.verifyErr.Error()
	}
	res.Time, res.TimeSource = sig.time, sig.timeSource
	if sig.signer != nil {
		res.Signer = sig.signer.Subject.String()
		res.Issuer = sig.signer.Issuer.String()
		res.Serial = strings.ToUpper(sig.signer.SerialNumber.Text(16))
		res.Chain = chain(sig.signer, sig.certs)
	}
	return res, nil
}

// Digest writes to w the bytes the Authenticode digest covers: the whole file
// except the CheckSum field, the certificate-table directory entry and the
// certificate table. A file without a certificate table whose length is not a
// multiple of 8 is followed by zero padding to the next multiple of 8, because
// signing tools pad it so before appending the table: the digest is then the
// same before and after signing.
func Digest(r io.ReaderAt, size int64, l *Layout, w io.Writer) error {
	type hole struct{ off, n int64 }
	holes := []hole{{l.ChecksumOffset, 4}}
	if l.CertDirOffset >= 0 {
		holes = append(holes, hole{l.CertDirOffset, 8})
	}
	end := size
	if l.Signed() {
		if l.CertTableOffset < l.CertDirOffset+8 {
			return errorf(l.CertDirOffset, "certificate table at offset 0x%x overlaps the PE headers", l.CertTableOffset)
		}
		if l.CertTableOffset < size {
			holes = append(holes, hole{l.CertTableOffset, min(l.CertTableSize, size-l.CertTableOffset)})
		}
	}
	pos := int64(0)
	for _, h := range holes { // in file order by construction
		if h.off > pos {
			if err := copyRange(r, pos, h.off-pos, w); err != nil {
				return err
			}
		}
		pos = h.off + h.n
	}
	if end > pos {
		if err := copyRange(r, pos, end-pos, w); err != nil {
			return err
		}
	}
	if !l.Signed() && size%8 != 0 {
		w.Write(make([]byte, 8-size%8))
	}
	return nil
}

func copyRange(r io.ReaderAt, off, n int64, w io.Writer) error {
	if _, err := io.Copy(w, io.NewSectionReader(r, off, n)); err != nil {
		return &FormatError{In: layer, Off: off, Msg: "reading file", Err: err}
	}
	return nil
}

// readSignature reads the certificate table and the first PKCS #7
// WIN_CERTIFICATE in it.
func readSignature(r io.ReaderAt, size int64, l *Layout, max int64) (*signature, error) {
	off, n := l.CertTableOffset, l.CertTableSize
	if off >= size || n > size-off {
		return nil, errorf(l.CertDirOffset, "certificate table at offset %d (%d bytes) extends past the end of the file at %d", off, n, size)
	}
	if n > max {
		return nil, errorf(off, "certificate table of %d bytes exceeds the limit of %d", n, max)
	}
	table := make([]byte, n)
	if _, err := r.ReadAt(table, off); err != nil {
		return nil, &FormatError{In: layer, Off: off, Msg: "reading certificate table", Err: err}
	}
	for pos := int64(0); pos+8 <= n; {
		length := int64(binary.LittleEndian.Uint32(table[pos:]))
		revision := binary.LittleEndian.Uint16(table[pos+4:])
		typ := binary.LittleEndian.Uint16(table[pos+6:])
		if length < 8 || length > n-pos {
			return nil, errorf(off+pos, "WIN_CERTIFICATE length %d does not fit the %d-byte table", length, n)
		}
		// WIN_CERT_TYPE_PKCS_SIGNED_DATA; revision 1.0 or 2.0.
		if typ == 2 && (revision == 0x0100 || revision == 0x0200) {
			sig, err := parseSignature(table[pos+8 : pos+length])
			if err != nil {
				return nil, &FormatError{In: layer, Off: off + pos + 8, Msg: "PKCS #7 signature", Err: err}
			}
			return sig, nil
		}
		pos += (length + 7) &^ 7
	}
	return nil, errorf(off, "certificate table holds no PKCS #7 signature")
}

// chain follows issuer names through the signature's certificates.
func chain(c *x509.Certificate, certs []*x509.Certificate) []string {
	var out []string
	seen := map[*x509.Certificate]bool{}
	for c != nil && !seen[c] && len(out) < 16 {
		seen[c] = true
		out = append(out, c.Subject.String())
		if string(c.RawIssuer) == string(c.RawSubject) {
			break
		}
		var next *x509.Certificate
		for _, p := range certs {
			if string(p.RawSubject) == string(c.RawIssuer) {
				next = p
				break
			}
		}
		c = next
	}
	return out
}
