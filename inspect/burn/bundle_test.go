package burn

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/inspect/authenticode"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func openBytes(t *testing.T, b []byte) *Bundle {
	t.Helper()
	bu, err := Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return bu
}

type walked struct {
	data map[string][]byte
	errs map[string]error
	pls  map[string]*Payload
}

func walkAll(t *testing.T, bu *Bundle) walked {
	t.Helper()
	w := walked{data: map[string][]byte{}, errs: map[string]error{}, pls: map[string]*Payload{}}
	err := bu.WalkPayloads(func(pf PayloadFile, r io.Reader, err error) error {
		key := pf.Name
		w.pls[key] = pf.Payload
		if err != nil {
			w.errs[key] = err
			return nil
		}
		b, err := io.ReadAll(r)
		if err != nil {
			w.errs[key] = err
		}
		w.data[key] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func sha1hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// The real bundle: the UX container is complete and every UX payload's bytes
// equal cabextract's and the manifest's SHA-1; the attached container is cut
// short and every one of its 30 payloads is reported, none with full data.
func TestRealBundleOpen(t *testing.T) {
	b := realBundle(t)
	bu := openBytes(t, b)
	if len(bu.Containers) != 2 || bu.Containers[0].Cabinet == nil || bu.Containers[1].Cabinet == nil {
		t.Fatalf("containers %+v", bu.Containers)
	}
	att := bu.Containers[1]
	if att.ID != "WixAttachedContainer" || !att.Truncated() || att.Offset != realAttachedAt {
		t.Errorf("attached %+v", att)
	}
	w := walkAll(t, bu)
	ux := b[realStub : realStub+realUXSize]
	var nUX, nAtt int
	for name, p := range w.pls {
		if p == nil {
			t.Errorf("%s: no manifest payload", name)
			continue
		}
		if p.UX {
			nUX++
			if w.errs[name] != nil || sha1hex(w.data[name]) != p.Hash || !bytes.Equal(w.data[name], cabextractFile(t, ux, name)) {
				t.Errorf("UX %s (%s): err %v, %d bytes", name, p.FilePath, w.errs[name], len(w.data[name]))
			}
			continue
		}
		nAtt++
		if w.errs[name] == nil || int64(len(w.data[name])) >= p.FileSize {
			t.Errorf("attached %s: no error from a truncated container (%d bytes)", name, len(w.data[name]))
		}
	}
	if nUX != 5 || nAtt != 30 {
		t.Errorf("%d UX and %d attached payloads walked", nUX, nAtt)
	}
	if m := bu.MissingPayloads(); len(m) != 0 {
		t.Errorf("missing %v", m)
	}
}

func checkSynthetic(t *testing.T, fx *burnbuild.Bundle, spec burnbuild.Spec) {
	t.Helper()
	bu := openBytes(t, fx.Bytes)
	if !strings.EqualFold(bu.Header.BundleID, spec.BundleID) || bu.ID() != spec.BundleID {
		t.Errorf("bundle id %s / %s, want %s", bu.Header.BundleID, bu.ID(), spec.BundleID)
	}
	if int64(bu.Header.StubSize) != fx.StubSize || bu.Containers[0].Offset != fx.UXOffset || bu.Containers[0].Size != fx.UXSize {
		t.Errorf("UX %+v, want %d+%d", bu.Containers[0].ContainerLocation, fx.UXOffset, fx.UXSize)
	}
	att := bu.Containers[1]
	if att.Offset != fx.AttachedOffset || att.Size != fx.AttachedSize || att.Truncated() {
		t.Errorf("attached %+v, want %d+%d", att.ContainerLocation, fx.AttachedOffset, fx.AttachedSize)
	}
	if !bytes.Equal(bu.ManifestBytes, fx.Manifest) {
		t.Error("manifest bytes differ")
	}
	if err := bu.VerifyContainerHash(att); err != nil {
		t.Error(err)
	}
	w := walkAll(t, bu)
	for _, p := range spec.Packages {
		if p.Data == nil {
			continue
		}
		name := fx.SourcePaths[p.ID]
		got := w.data[name]
		pl := w.pls[name]
		if w.errs[name] != nil || !bytes.Equal(got, p.Data) || pl == nil || pl.ID != p.ID || pl.Hash != sha1hex(p.Data) {
			t.Errorf("%s (%s): err %v, %d bytes of %d, payload %+v", p.ID, name, w.errs[name], len(got), len(p.Data), pl)
		}
	}
	if len(w.data) != len(fx.Attached)+len(spec.UXFiles) {
		t.Errorf("walked %d files", len(w.data))
	}
	var kinds []string
	for _, p := range bu.Manifest.Packages {
		kinds = append(kinds, p.Kind+":"+p.ID)
	}
	if got := strings.Join(kinds, " "); got != "msi:core_AllUsers msi:core_AllUsers_d msi:lib_AllUsers exe:stub_exe" {
		t.Errorf("packages %s", got)
	}
}

func TestSyntheticBundle(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	fx := burnbuild.Build(t, spec)
	checkSynthetic(t, fx, spec)

	// A flipped byte inside the attached container breaks its declared hash.
	bad := append([]byte(nil), fx.Bytes...)
	bad[fx.AttachedOffset+fx.AttachedSize/2] ^= 1
	bu := openBytes(t, bad)
	var fe *FormatError
	if err := bu.VerifyContainerHash(bu.Containers[1]); !errors.As(err, &fe) || fe.Offset() != fx.AttachedOffset {
		t.Errorf("tampered container: %v", err)
	}
}

// Signed the way insignia does it: the attached container sits after the
// engine's original signature, and the bundle's Authenticode digest matches.
func TestSyntheticSignedBundle(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	fx := burnbuild.Build(t, spec)
	unsignedEnd := fx.AttachedOffset
	burnbuild.SignBundle(t, fx, burnbuild.NewCert(t, t.TempDir(), "Synthetic Burn Signer"))
	if fx.AttachedOffset <= unsignedEnd {
		t.Fatalf("attached container did not move behind the engine signature")
	}
	checkSynthetic(t, fx, spec)
	bu := openBytes(t, fx.Bytes)
	if bu.Header.OriginalSignatureOffset == 0 || int64(bu.Header.OriginalSignatureOffset+bu.Header.OriginalSignatureSize) != fx.AttachedOffset {
		t.Errorf("original signature %d+%d", bu.Header.OriginalSignatureOffset, bu.Header.OriginalSignatureSize)
	}
	res, err := authenticode.Inspect(bytes.NewReader(fx.Bytes), int64(len(fx.Bytes)), nil)
	if err != nil || !res.DigestMatches || !res.SignerVerified || !strings.Contains(res.Signer, "Synthetic Burn Signer") {
		t.Errorf("authenticode %+v %v", res, err)
	}
	e := engineBytes(t, bu)
	eres, err := authenticode.Inspect(bytes.NewReader(e), int64(len(e)), nil)
	if err != nil || !eres.DigestMatches || !eres.SignerVerified || eres.Signer != res.Signer {
		t.Errorf("engine authenticode %+v %v", eres, err)
	}
	if cur, calc := osslDigests(t, e); cur != calc {
		t.Errorf("osslsigncode: engine digest %s, signed %s", calc, cur)
	}
}

// Cutting the synthetic bundle inside its attached container gives the same
// picture as the real truncated bundle.
func TestSyntheticTruncated(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	fx := burnbuild.Build(t, spec)
	cut := fx.Bytes[:fx.AttachedOffset+fx.AttachedSize/3]
	bu := openBytes(t, cut)
	att := bu.Containers[1]
	if !att.Truncated() || att.Available != fx.AttachedSize/3 {
		t.Fatalf("attached %+v", att.ContainerLocation)
	}
	w := walkAll(t, bu)
	var failed int
	for name := range fx.Attached {
		if w.errs[name] != nil {
			failed++
		} else if !bytes.Equal(w.data[name], fx.Attached[name]) {
			t.Errorf("%s: wrong bytes without an error", name)
		}
	}
	if failed == 0 {
		t.Error("no payload failed in a truncated container")
	}
	// Cut before the attached container: it is absent, not an error.
	bu = openBytes(t, fx.Bytes[:fx.AttachedOffset])
	if bu.Containers[1].Cabinet != nil || bu.Containers[1].Err == nil {
		t.Errorf("absent container %+v", bu.Containers[1])
	}
	// Cut inside the UX container: no manifest, Open fails with the offset.
	_, err := Open(bytes.NewReader(fx.Bytes[:fx.UXOffset+10]), fx.UXOffset+10, nil)
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Errorf("cut UX: %v", err)
	}
}

func engineBytes(t *testing.T, bu *Bundle) []byte {
	t.Helper()
	r, n, ok := bu.Engine()
	if !ok {
		t.Fatal("no engine")
	}
	e := make([]byte, n)
	if _, err := r.ReadAt(e, 0); err != nil {
		t.Fatal(err)
	}
	return e
}

// The real bundle's final signature is cut off, but the engine signature the
// .wixburn section records is complete: rebuilt, the engine verifies as
// signed by the PSF, and osslsigncode computes the same digests.
func TestRealEngineSignature(t *testing.T) {
	b := realBundle(t)
	bu := openBytes(t, b)
	e := engineBytes(t, bu)
	if len(e) != realOrigSigOffset+realOrigSigSize {
		t.Fatalf("engine of %d bytes", len(e))
	}
	res, err := authenticode.Inspect(bytes.NewReader(e), int64(len(e)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.DigestMatches || !res.SignerVerified || !strings.Contains(res.Signer, "CN=Python Software Foundation") || res.TimeSource != "rfc3161" {
		t.Errorf("engine signature %+v", res)
	}
	cur, calc := osslDigests(t, e)
	if cur != strings.ToUpper(res.SignedDigest) || calc != strings.ToUpper(res.Digest) {
		t.Errorf("osslsigncode %s / %s, ours %s / %s", cur, calc, res.SignedDigest, res.Digest)
	}
	// The patched reader serves the same bytes piecewise.
	r, n, _ := bu.Engine()
	var piece bytes.Buffer
	if _, err := io.Copy(&piece, io.NewSectionReader(r, 0, n)); err != nil || !bytes.Equal(piece.Bytes(), e) {
		t.Errorf("piecewise engine differs (%v)", err)
	}
}

func osslDigests(t *testing.T, b []byte) (current, calculated string) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "e.exe")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(testenv.Tool(t, "osslsigncode"), "verify", "-ignore-crl", "-ignore-cdp", "-in", p).CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), ":")
		v, _, _ = strings.Cut(strings.TrimSpace(v), " ")
		switch strings.TrimSpace(k) {
		case "Current message digest":
			current = v
		case "Calculated message digest":
			calculated = v
		}
	}
	if current == "" {
		t.Fatalf("osslsigncode printed no digest:\n%s", out)
	}
	return
}
