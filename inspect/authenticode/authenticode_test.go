package authenticode

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func inspectBytes(t *testing.T, b []byte) (*Result, error) {
	t.Helper()
	return Inspect(bytes.NewReader(b), int64(len(b)), nil)
}

// ossl is what `osslsigncode verify` printed about a file.
type ossl struct {
	current, calculated string // message digests, upper-case hex
	subject, serial     string // of signer #0
	timestamp           string
	out                 string
}

func osslVerify(t *testing.T, b []byte) ossl {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "f.exe")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// verify exits non-zero for untrusted chains and modified files; the
	// digests it prints are what we compare.
	out, _ := exec.Command(testenv.Tool(t, "osslsigncode"), "verify", "-ignore-crl", "-ignore-cdp", "-in", p).CombinedOutput()
	o := ossl{out: string(out)}
	inSigner := false
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		k, v, _ := strings.Cut(l, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "Current message digest":
			o.current = v
		case k == "Calculated message digest":
			o.calculated, _, _ = strings.Cut(v, " ") // may be followed by "MISMATCH!!!"
		case k == "Signer #0" && o.subject == "":
			inSigner = true
		case inSigner && k == "Subject":
			o.subject = v
		case inSigner && k == "Serial":
			o.serial = v
			inSigner = false
		case k == "Timestamp time" && o.timestamp == "":
			o.timestamp = v
		}
	}
	return o
}

// opensslName formats a name as OpenSSL's one-line form "/C=US/O=.../CN=...".
func opensslName(n pkix.Name) string {
	short := map[string]string{"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU"}
	var b strings.Builder
	for _, rdn := range n.ToRDNSequence() {
		for _, atv := range rdn {
			k := atv.Type.String()
			if s, ok := short[k]; ok {
				k = s
			}
			fmt.Fprintf(&b, "/%s=%v", k, atv.Value)
		}
	}
	return b.String()
}

// Microsoft's vcruntime DLLs shipped in the real CPython build are
// Authenticode-signed with SHA-256 and an RFC 3161 timestamp; every value is
// compared with osslsigncode's reading of the same file.
func TestRealMicrosoftSignedDLLs(t *testing.T) {
	d := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64")
	for _, name := range []string{"vcruntime140.dll.gz", "vcruntime140_1.dll.gz"} {
		t.Run(name, func(t *testing.T) {
			b := testenv.ReadMaybeGz(t, filepath.Join(d, name))
			res, err := inspectBytes(t, b)
			if err != nil {
				t.Fatal(err)
			}
			o := osslVerify(t, b)
			if o.current == "" {
				t.Fatalf("osslsigncode printed no digest:\n%s", o.out)
			}
			if !res.Signed || !res.DigestMatches || !res.SignerVerified {
				t.Fatalf("signed %v matches %v verified %v (%s)", res.Signed, res.DigestMatches, res.SignerVerified, res.VerifyError)
			}
			if res.Algorithm != "sha256" || strings.ToUpper(res.SignedDigest) != o.current || strings.ToUpper(res.Digest) != o.calculated {
				t.Errorf("%s signed %s computed %s; osslsigncode current %s calculated %s", res.Algorithm, res.SignedDigest, res.Digest, o.current, o.calculated)
			}
			if res.SHA256Digest != res.Digest {
				t.Errorf("SHA256Digest %s != Digest %s", res.SHA256Digest, res.Digest)
			}
			if res.Serial != o.serial {
				t.Errorf("serial %s, osslsigncode %s", res.Serial, o.serial)
			}
			if !strings.Contains(res.Signer, "CN=Microsoft Windows Software Compatibility Publisher") || !strings.HasSuffix(o.subject, "/CN=Microsoft Windows Software Compatibility Publisher") {
				t.Errorf("signer %q, osslsigncode %q", res.Signer, o.subject)
			}
			ts, err := time.Parse("Jan _2 15:04:05 2006 MST", o.timestamp)
			if err != nil {
				t.Fatalf("osslsigncode timestamp %q: %v", o.timestamp, err)
			}
			if res.TimeSource != "rfc3161" || !res.Time.Truncate(time.Second).Equal(ts) {
				t.Errorf("time %v (%s), osslsigncode %v", res.Time, res.TimeSource, ts)
			}
			if len(res.Chain) < 2 || res.Chain[0] != res.Signer {
				t.Errorf("chain %q", res.Chain)
			}
		})
	}
}

// A Go-built PE signed with a certificate made here: the signer is ours, the
// digest matches and agrees with osslsigncode, and the SHA-256 Authenticode
// digest is the same before and after signing (signature invariance).
func TestSignedGoPE(t *testing.T) {
	cert := burnbuild.NewCert(t, t.TempDir(), "installer-sbom authenticode test")
	for _, arch := range []string{"amd64", "386"} {
		unsigned := burnbuild.StubPE(t, arch)
		// One variant whose length is not a multiple of 8, so the signing
		// tool pads it before appending the certificate table.
		odd := append(append([]byte(nil), unsigned...), 1, 2, 3)
		for _, pe := range [][]byte{unsigned, odd} {
			u, err := inspectBytes(t, pe)
			if err != nil {
				t.Fatal(err)
			}
			if u.Signed || u.DigestMatches || u.SHA256Digest == "" {
				t.Fatalf("unsigned: %+v", u)
			}
			for _, alg := range []string{"sha256", "sha1"} {
				t.Run(fmt.Sprintf("%s/%d/%s", arch, len(pe)%8, alg), func(t *testing.T) {
					signed := burnbuild.Sign(t, pe, cert, alg)
					s, err := inspectBytes(t, signed)
					if err != nil {
						t.Fatal(err)
					}
					if !s.Signed || !s.DigestMatches || !s.SignerVerified || s.Algorithm != alg {
						t.Fatalf("signed %v matches %v verified %v (%s) alg %s", s.Signed, s.DigestMatches, s.SignerVerified, s.VerifyError, s.Algorithm)
					}
					if s.Signer != cert.Cert.Subject.String() || s.Issuer != cert.Cert.Issuer.String() || s.Serial != strings.ToUpper(cert.Cert.SerialNumber.Text(16)) {
						t.Errorf("signer %q issuer %q serial %s", s.Signer, s.Issuer, s.Serial)
					}
					if s.SHA256Digest != u.SHA256Digest {
						t.Errorf("SHA-256 Authenticode digest changed by signing: %s -> %s", u.SHA256Digest, s.SHA256Digest)
					}
					o := osslVerify(t, signed)
					if strings.ToUpper(s.SignedDigest) != o.current || strings.ToUpper(s.Digest) != o.calculated {
						t.Errorf("ours signed %s computed %s; osslsigncode %s / %s", s.SignedDigest, s.Digest, o.current, o.calculated)
					}
					if o.subject != opensslName(cert.Cert.Subject) {
						t.Errorf("osslsigncode subject %q, want %q", o.subject, opensslName(cert.Cert.Subject))
					}
					if len(s.Chain) != 1 || s.Chain[0] != s.Signer {
						t.Errorf("chain %q", s.Chain)
					}

					// Flip one byte inside the first section: the signature still
					// verifies over its attributes, the file digest does not match,
					// and osslsigncode computes the same new digest.
					tampered := append([]byte(nil), signed...)
					off := firstSectionOffset(t, tampered) + 100
					tampered[off] ^= 0xff
					m, err := inspectBytes(t, tampered)
					if err != nil {
						t.Fatal(err)
					}
					if m.DigestMatches || !m.SignerVerified {
						t.Errorf("tampered: matches %v verified %v", m.DigestMatches, m.SignerVerified)
					}
					if o := osslVerify(t, tampered); strings.ToUpper(m.Digest) != o.calculated || o.calculated == o.current {
						t.Errorf("tampered: ours %s, osslsigncode calculated %s current %s", m.Digest, o.calculated, o.current)
					}
				})
			}
		}
	}
}

func firstSectionOffset(t *testing.T, pe []byte) int {
	nt := int(binary.LittleEndian.Uint32(pe[0x3c:]))
	optSize := int(binary.LittleEndian.Uint16(pe[nt+20:]))
	sec := nt + 24 + optSize
	off := int(binary.LittleEndian.Uint32(pe[sec+20:]))
	if off == 0 || off >= len(pe) {
		t.Fatalf("first section at %d", off)
	}
	return off
}

// The real python.org bundle is cut at 1.7 MB; its certificate table lies
// past the end. Inspect reports that as a FormatError at the directory entry
// and still returns the digest of the bytes that exist.
func TestTruncatedRealBundle(t *testing.T) {
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "burn", "python-3.11.0-amd64.TRUNCATED.exe"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := inspectBytes(t, b)
	var fe *FormatError
	if !errors.As(err, &fe) || res == nil {
		t.Fatalf("err %v res %v", err, res)
	}
	// PE32: e_lfanew 0x118, optional header at 0x130, CheckSum at +64,
	// data directory 4 (security) at +96+32 (PE/COFF specification).
	if res.Layout.Magic != 0x10b || res.Layout.ChecksumOffset != 0x130+64 || res.Layout.CertDirOffset != 0x130+96+32 {
		t.Fatalf("layout %+v", res.Layout)
	}
	if fe.Offset() != res.Layout.CertDirOffset || fe.Layer() != "authenticode" || !strings.Contains(fe.Error(), "past the end of the file at 1745249") {
		t.Errorf("error %v at %d", fe, fe.Offset())
	}
	// SOURCES.md: the final signature is 10576 bytes, after the attached
	// container (876424 + 24270409, padded to 8).
	if res.Layout.CertTableSize != 10576 || res.Layout.CertTableOffset != (876424+24270409+7)&^7 {
		t.Errorf("certificate table %d+%d", res.Layout.CertTableOffset, res.Layout.CertTableSize)
	}
	if !res.Signed || res.DigestMatches {
		t.Errorf("signed %v matches %v", res.Signed, res.DigestMatches)
	}
	ck, dir := res.Layout.ChecksumOffset, res.Layout.CertDirOffset
	h := sha256.New()
	h.Write(b[:ck])
	h.Write(b[ck+4 : dir])
	h.Write(b[dir+8:])
	if want := hex.EncodeToString(h.Sum(nil)); res.SHA256Digest != want {
		t.Errorf("digest %s, want %s", res.SHA256Digest, want)
	}
}

func TestNotPE(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("MZ"), make([]byte, 100), append([]byte("MZ"), make([]byte, 200)...)} {
		if _, err := inspectBytes(t, b); err == nil {
			t.Errorf("%d bytes: no error", len(b))
		} else if _, ok := err.(*FormatError); !ok {
			t.Errorf("%T %v", err, err)
		}
	}
}
