package xar

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

var realFixtures = []string{
	"mumble-overlay-1.2.x.payload.xar",
	"nudge-launchagent-1.0.1.valid.pkg",
	"nudge-launchagent-1.0.1.bad_signature.pkg",
}

func openFile(t testing.TB, p string) (*Reader, []byte) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	x, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return x, b
}

type fileFact struct {
	size   int64
	sha256 string
}

// extract7zz extracts an archive with 7-Zip and returns its regular files.
func extract7zz(t *testing.T, archive string) map[string]fileFact {
	t.Helper()
	dir := t.TempDir()
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+dir, archive)
	got := map[string]fileFact{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(b)
		got[filepath.ToSlash(rel)] = fileFact{int64(len(b)), hex.EncodeToString(s[:])}
		return nil
	})
	return got
}

func ours(t *testing.T, x *Reader) map[string]fileFact {
	t.Helper()
	got := map[string]fileFact{}
	for _, f := range x.Files {
		if f.Type != "file" {
			continue
		}
		r, err := x.Open(f)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		got[f.Name] = fileFact{n, hex.EncodeToString(h.Sum(nil))}
	}
	return got
}

func compareFacts(t *testing.T, name string, got, want map[string]fileFact) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: oracle found no files", name)
	}
	for p, w := range want {
		if g, ok := got[p]; !ok {
			t.Errorf("%s: %s missing (7zz has it)", name, p)
		} else if g != w {
			t.Errorf("%s: %s: got %+v, 7zz %+v", name, p, g, w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %s not extracted by 7zz", name, p)
		}
	}
}

// TestRealAgainst7zz inventories the real xar files and compares every
// file's path, size and SHA-256 with what 7-Zip extracts.
func TestRealAgainst7zz(t *testing.T) {
	for _, name := range realFixtures {
		p := testenv.Shared(t, "fixtures-real", "xar", name)
		x, _ := openFile(t, p)
		if err := x.TOCChecksumError(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if x.Header.ChecksumName != "sha1" {
			t.Errorf("%s: TOC checksum %q", name, x.Header.ChecksumName)
		}
		got := ours(t, x)
		// 7-Zip also extracts the uncompressed TOC.
		s := sha256.Sum256(x.TOC)
		got["[TOC].xml"] = fileFact{int64(len(x.TOC)), hex.EncodeToString(s[:])}
		compareFacts(t, name, got, extract7zz(t, p))
	}
}

func TestRealNestedPaths(t *testing.T) {
	x, _ := openFile(t, testenv.Shared(t, "fixtures-real", "xar", "mumble-overlay-1.2.x.payload.xar"))
	var dirs []string
	for _, f := range x.Files {
		if f.Type == "directory" {
			dirs = append(dirs, f.Name)
		}
	}
	want := []string{"libmumbleoverlay.pkg", "mumbleoverlay.pkg", "Resources", "Resources/en.lproj"}
	if len(dirs) != len(want) {
		t.Fatalf("directories %q, want %q", dirs, want)
	}
	for i := range want {
		if dirs[i] != want[i] {
			t.Fatalf("directories %q, want %q", dirs, want)
		}
	}
}

// TestRealSignatures: the Nudge copy with the broken signature differs from
// the valid one in one byte inside the RSA signature's heap bytes.
func TestRealSignatures(t *testing.T) {
	valid, vb := openFile(t, testenv.Shared(t, "fixtures-real", "xar", "nudge-launchagent-1.0.1.valid.pkg"))
	bad, bb := openFile(t, testenv.Shared(t, "fixtures-real", "xar", "nudge-launchagent-1.0.1.bad_signature.pkg"))
	if bytes.Equal(vb, bb) {
		t.Fatal("fixtures are identical")
	}
	for _, x := range []*Reader{valid, bad} {
		if len(x.Signatures) != 2 || x.Signatures[0].Element != "signature" || x.Signatures[0].Style != "RSA" ||
			x.Signatures[1].Element != "x-signature" || x.Signatures[1].Style != "CMS" {
			t.Fatalf("signatures: %+v", x.Signatures)
		}
		certs, err := x.Signatures[0].ParseCertificates()
		if err != nil || len(certs) != 3 {
			t.Fatalf("certificates: %d %v", len(certs), err)
		}
		if cn := certs[0].Subject.CommonName; cn != "Developer ID Installer: Mac Admins Open Source (T4SK8ZXCXG)" {
			t.Errorf("signer %q", cn)
		}
		if cn := certs[0].Issuer.CommonName; cn != "Developer ID Certification Authority" {
			t.Errorf("issuer %q", cn)
		}
	}
	if err := valid.VerifySignature(valid.Signatures[0]); err != nil {
		t.Errorf("valid RSA: %v", err)
	}
	if err := valid.VerifySignature(valid.Signatures[1]); err != nil {
		t.Errorf("valid CMS: %v", err)
	}
	err := bad.VerifySignature(bad.Signatures[0])
	var fe *FormatError
	if !errors.Is(err, ErrSignature) || !errors.As(err, &fe) || fe.Offset() != bad.HeapOffset()+bad.Signatures[0].Offset {
		t.Errorf("bad RSA: %v", err)
	}
	vi, err1 := valid.Identity()
	bi, err2 := bad.Identity()
	if err1 != nil || err2 != nil || !bytes.Equal(vi, bi) {
		t.Errorf("identities differ: %x %v / %x %v", vi, err1, bi, err2)
	}
	mumble, _ := openFile(t, testenv.Shared(t, "fixtures-real", "xar", "mumble-overlay-1.2.x.payload.xar"))
	if err := mumble.VerifySignature(mumble.Signatures[0]); err != nil {
		t.Errorf("mumble RSA: %v", err)
	}
	mi, _ := mumble.Identity()
	if bytes.Equal(mi, vi) {
		t.Error("different archives share an identity")
	}
}

func testSigner(t testing.TB) *pkgbuild.XarSigner {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(0x1234), Subject: pkix.Name{CommonName: "Developer ID Installer: Test"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &pkgbuild.XarSigner{Key: key, Certs: [][]byte{der}}
}

var genEntries = []pkgbuild.XarEntry{
	{Name: "Distribution", Data: []byte("<installer-gui-script/>"), Gzip: true},
	{Name: "a.pkg/Payload", Data: bytes.Repeat([]byte("payload "), 1000)},
	{Name: "a.pkg/deep/er/file.txt", Data: []byte("x"), Gzip: true},
	{Name: "empty", Data: nil},
}

func TestGeneratedRoundTrip(t *testing.T) {
	signer := testSigner(t)
	var ids [][]byte
	for _, alg := range []string{"none", "md5", "sha1", "sha256", "sha512"} {
		for _, signed := range []bool{false, true} {
			if signed && alg == "none" {
				continue
			}
			opts := pkgbuild.XarOptions{Checksum: alg}
			if signed {
				opts.Signer = signer
			}
			var b bytes.Buffer
			if err := pkgbuild.WriteXar(&b, genEntries, opts); err != nil {
				t.Fatal(err)
			}
			x, err := NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()), nil)
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			if x.Header.ChecksumName != alg || x.TOCChecksumError() != nil {
				t.Fatalf("%s: header %+v, %v", alg, x.Header, x.TOCChecksumError())
			}
			got := ours(t, x)
			for _, e := range genEntries {
				s := sha256.Sum256(e.Data)
				if g := got[e.Name]; g.size != int64(len(e.Data)) || g.sha256 != hex.EncodeToString(s[:]) {
					t.Errorf("%s: %s: %+v", alg, e.Name, g)
				}
			}
			if signed {
				if len(x.Signatures) != 1 || x.VerifySignature(x.Signatures[0]) != nil {
					t.Errorf("%s: signature does not verify", alg)
				}
			}
			id, err := x.Identity()
			if err != nil {
				t.Fatal(err)
			}
			if alg == "sha1" {
				ids = append(ids, id)
			}
		}
	}
	// Signing moves every heap offset; the identity must not change.
	if len(ids) != 2 || !bytes.Equal(ids[0], ids[1]) {
		t.Errorf("sha1 unsigned/signed identities differ: %x", ids)
	}
}

func mustFormatError(t *testing.T, what string, err error, layer string) *FormatError {
	t.Helper()
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("%s: want *FormatError, got %v", what, err)
	}
	if fe.Layer() != layer {
		t.Errorf("%s: layer %q", what, fe.Layer())
	}
	return fe
}

func readAll(x *Reader, name string) error {
	for _, f := range x.Files {
		if f.Name == name {
			r, err := x.Open(f)
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, r)
			return err
		}
	}
	return errors.New("no such file")
}

func TestMalformed(t *testing.T) {
	var buf bytes.Buffer
	if err := pkgbuild.WriteXar(&buf, genEntries, pkgbuild.XarOptions{}); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	x, err := NewReader(bytes.NewReader(good), int64(len(good)), nil)
	if err != nil {
		t.Fatal(err)
	}
	payload := x.Files[2] // a.pkg/Payload
	if payload.Name != "a.pkg/Payload" {
		t.Fatalf("file order: %s", payload.Name)
	}

	t.Run("truncated heap", func(t *testing.T) {
		cut := good[:x.HeapOffset()+payload.Data.Offset+100]
		x, err := NewReader(bytes.NewReader(cut), int64(len(cut)), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = readAll(x, "a.pkg/Payload")
		fe := mustFormatError(t, "truncated", err, "xar")
		if fe.Offset() < x.HeapOffset() || fe.Offset() > int64(len(cut)) {
			t.Errorf("offset %#x", fe.Offset())
		}
	})
	t.Run("TOC length lies", func(t *testing.T) {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint64(b[16:], binary.BigEndian.Uint64(b[16:])+7)
		_, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
		if fe := mustFormatError(t, "uncompressed", err, "xar"); fe.Offset() != 16 {
			t.Errorf("offset %d", fe.Offset())
		}
		b = bytes.Clone(good)
		binary.BigEndian.PutUint64(b[8:], uint64(len(b)))
		_, err = NewReader(bytes.NewReader(b), int64(len(b)), nil)
		if fe := mustFormatError(t, "compressed", err, "xar"); fe.Offset() != 8 {
			t.Errorf("offset %d", fe.Offset())
		}
	})
	t.Run("bad file checksum", func(t *testing.T) {
		b := bytes.Clone(good)
		b[x.HeapOffset()+payload.Data.Offset+5] ^= 1
		x2, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			t.Fatal(err)
		}
		err = readAll(x2, "a.pkg/Payload")
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("want checksum error, got %v", err)
		}
		if fe := mustFormatError(t, "checksum", err, "xar"); fe.Offset() != x.HeapOffset()+payload.Data.Offset {
			t.Errorf("offset %#x", fe.Offset())
		}
	})
	t.Run("bad TOC checksum", func(t *testing.T) {
		b := bytes.Clone(good)
		b[x.HeapOffset()] ^= 1
		x2, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := x2.TOCChecksumError(); !errors.Is(err, ErrChecksum) {
			t.Fatalf("got %v", err)
		} else if fe := mustFormatError(t, "toc", err, "xar"); fe.Offset() != x.HeapOffset() {
			t.Errorf("offset %#x", fe.Offset())
		}
	})
	t.Run("bad magic", func(t *testing.T) {
		b := bytes.Clone(good)
		b[0] = 'y'
		_, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
		mustFormatError(t, "magic", err, "xar")
	})
}

func FuzzXar(f *testing.F) {
	for _, name := range realFixtures {
		b, err := os.ReadFile(testenv.Shared(f, "fixtures-real", "xar", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	pkgbuild.WriteXar(&buf, genEntries, pkgbuild.XarOptions{Checksum: "sha256"})
	f.Add(buf.Bytes())
	// Regression seed of issue 14: file elements nested under long names.
	f.Add(hostile.NestedXar(200, strings.Repeat("n", 200)))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := NewReader(bytes.NewReader(b), int64(len(b)), &Options{MaxTOCSize: 1 << 20, MaxFileSize: 1 << 20, MaxFiles: 1000})
		if err != nil {
			mustFormatError(t, "open", err, "xar")
			return
		}
		for _, s := range x.Signatures {
			x.VerifySignature(s)
		}
		x.Identity()
		for _, f := range x.Files {
			r, err := x.Open(f)
			if err != nil {
				continue
			}
			io.Copy(io.Discard, r)
		}
	})
}
