package msi_test

import (
	"bytes"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// signedMSIs builds a small wixl MSI over real files and signs it with
// osslsigncode: plainly with SHA-256, and with SHA-1 plus
// MsiDigitalSignatureEx. It returns the unsigned, signed and signed-Ex
// paths and the certificate.
func signedMSIs(t testing.TB) (unsigned, signed, signedEx string, cert *burnbuild.Cert) {
	t.Helper()
	testenv.Tool(t, "wixl")
	ossl := testenv.Tool(t, "osslsigncode")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	for name, data := range map[string][]byte{
		"_bz2.pyd":       testenv.Gunzip(t, testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219", "windows-amd64__bz2.pyd.gz")),
		"README.txt":     []byte("Signed MSI test.\n"),
		"sub/LICENSE.md": []byte("A license.\n"),
	} {
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	unsigned = msibuild.BuildMSI(t, dir, src, msibuild.Spec{ProductName: "Signature Test"})
	cert = burnbuild.NewCert(t, dir, "installer-sbom MSI signing test")
	signed, signedEx = filepath.Join(dir, "signed.msi"), filepath.Join(dir, "signed-ex.msi")
	testenv.Run(t, dir, ossl, "sign", "-certs", cert.CertPath, "-key", cert.KeyPath, "-h", "sha256", "-in", unsigned, "-out", signed)
	testenv.Run(t, dir, ossl, "sign", "-add-msi-dse", "-certs", cert.CertPath, "-key", cert.KeyPath, "-h", "sha1", "-in", unsigned, "-out", signedEx)
	return unsigned, signed, signedEx, cert
}

var (
	osslCurrent    = regexp.MustCompile(`Current DigitalSignature\s*:\s*([0-9A-F]+)`)
	osslCalculated = regexp.MustCompile(`Calculated DigitalSignature\s*:\s*([0-9A-F]+)`)
)

// osslDigests runs `osslsigncode verify` and returns the signed and the
// recomputed MSI digests it prints (lower-case hex). The self-signed
// certificate makes verify exit non-zero; only the digests are used.
func osslDigests(t *testing.T, p string) (current, calculated string) {
	t.Helper()
	out, _ := exec.Command(testenv.Tool(t, "osslsigncode"), "verify", "-ignore-crl", "-ignore-cdp", "-in", p).CombinedOutput()
	cu, ca := osslCurrent.FindSubmatch(out), osslCalculated.FindSubmatch(out)
	if cu == nil || ca == nil {
		t.Fatalf("osslsigncode verify %s printed no digests:\n%s", p, out)
	}
	return strings.ToLower(string(cu[1])), strings.ToLower(string(ca[1]))
}

func TestSignatureAgainstOsslsigncode(t *testing.T) {
	unsigned, signed, signedEx, cert := signedMSIs(t)
	if sig, err := openFile(t, unsigned).Signature(0); sig != nil || err != nil {
		t.Fatalf("unsigned MSI: signature %+v, %v", sig, err)
	}
	for _, c := range []struct {
		path, alg string
		ex        bool
	}{{signed, "sha256", false}, {signedEx, "sha1", true}} {
		sig, err := openFile(t, c.path).Signature(0)
		if err != nil || sig == nil {
			t.Fatalf("%s: %v", filepath.Base(c.path), err)
		}
		current, calculated := osslDigests(t, c.path)
		if current != calculated {
			t.Fatalf("oracle: osslsigncode says %s does not verify (%s vs %s)", c.path, current, calculated)
		}
		if sig.Computed != calculated || hex.EncodeToString(sig.Digest) != current || !sig.DigestMatches {
			t.Errorf("%s: computed %s signed %x matches %v; osslsigncode: signed %s calculated %s",
				filepath.Base(c.path), sig.Computed, sig.Digest, sig.DigestMatches, current, calculated)
		}
		if sig.Algorithm != c.alg || sig.Extended != c.ex || !sig.SignerVerified {
			t.Errorf("%s: algorithm %s extended %v signer verified %v (%s)", filepath.Base(c.path), sig.Algorithm, sig.Extended, sig.SignerVerified, sig.VerifyError)
		}
		if sig.Signer != cert.Cert.Subject.String() || sig.Issuer != cert.Cert.Issuer.String() ||
			sig.Serial != strings.ToUpper(cert.Cert.SerialNumber.Text(16)) {
			t.Errorf("%s: signer %q issuer %q serial %s; certificate %q %q %X", filepath.Base(c.path), sig.Signer, sig.Issuer, sig.Serial,
				cert.Cert.Subject, cert.Cert.Issuer, cert.Cert.SerialNumber)
		}
	}

	// One byte changed in the embedded cabinet after signing: both we and
	// osslsigncode see the digest mismatch.
	b := readFile(t, signed)
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	var biggest string
	var size int64
	for _, s := range db.Streams() {
		if s.Size > size {
			biggest, size = s.Name, s.Size
		}
	}
	st, _ := db.OpenStream(biggest)
	off := st.FileOffset(size / 2)
	if off < 0 {
		t.Fatal("no file offset for the cabinet stream")
	}
	b[off] ^= 0x20
	tampered := filepath.Join(t.TempDir(), "tampered.msi")
	if err := os.WriteFile(tampered, b, 0o644); err != nil {
		t.Fatal(err)
	}
	current, calculated := osslDigests(t, tampered)
	if current == calculated {
		t.Fatal("oracle: osslsigncode accepts the tampered MSI")
	}
	db, err = openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := db.Signature(0)
	if err != nil || sig == nil {
		t.Fatalf("tampered: %v", err)
	}
	if sig.DigestMatches || sig.Computed != calculated {
		t.Errorf("tampered: matches %v, computed %s, osslsigncode calculated %s", sig.DigestMatches, sig.Computed, calculated)
	}
}

func TestSignatureMalformed(t *testing.T) {
	_, signed, _, _ := signedMSIs(t)
	b := readFile(t, signed)
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := db.CFB().Stream(msi.DigitalSignatureStream)
	if !ok {
		t.Fatal("no signature stream")
	}
	off := st.FileOffset(0)
	// A signature stream larger than the limit is refused before reading.
	if _, err := db.Signature(st.Size - 1); err == nil || !strings.Contains(err.Error(), "exceeds the limit") {
		t.Errorf("limit: %v", err)
	} else {
		wantOffsetError(t, err, off, "exceeds the limit")
	}
	// A corrupted DER header is a format error at the stream's offset.
	b[off] = 0x04
	db, err = openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := db.Signature(0)
	if sig != nil || err == nil {
		t.Fatalf("corrupted signature: %+v, %v", sig, err)
	}
	wantOffsetError(t, err, off, "PKCS #7")
}

// FuzzMSISignature reads the signature and signed content of mutated
// signed MSIs.
func FuzzMSISignature(f *testing.F) {
	_, signed, signedEx, _ := signedMSIs(f)
	for _, p := range []string{signed, signedEx} {
		small, err := msibuild.RepackSmall(readFile(f, p), 8192)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(small)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := msi.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			return
		}
		db.Signature(0)
		db.WriteSignedContent(io.Discard)
	})
}
