package inspect_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func pkgFileByPath(inv *inspect.Inventory, p string) *inspect.File {
	for i := range inv.Files {
		if inv.Files[i].Path == p {
			return &inv.Files[i]
		}
	}
	return nil
}

func TestPkgRealNudgeSignatures(t *testing.T) {
	var ids []string
	for _, name := range []string{"nudge-launchagent-1.0.1.valid.pkg", "nudge-launchagent-1.0.1.bad_signature.pkg"} {
		b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "xar", name))
		if err != nil {
			t.Fatal(err)
		}
		inv := inspectBytes(t, name, b)
		if inv.Artifact.Format != "pkg" {
			t.Errorf("%s: format %q", name, inv.Artifact.Format)
		}
		if inv.Artifact.Identity == nil || inv.Artifact.Identity.Algorithm != "xar-toc-unsigned-sha256" {
			t.Fatalf("%s: identity %+v", name, inv.Artifact.Identity)
		}
		ids = append(ids, inv.Artifact.Identity.Digest)
		if len(inv.Signatures) != 2 {
			t.Fatalf("%s: %d signatures", name, len(inv.Signatures))
		}
		for _, s := range inv.Signatures {
			if s.Kind != "xar" || s.Signer != "CN=Developer ID Installer: Mac Admins Open Source (T4SK8ZXCXG),OU=T4SK8ZXCXG,O=Mac Admins Open Source,C=US,0.9.2342.19200300.100.1.1=#0c0a5434534b385a58435847" && !strings.Contains(s.Signer, "Developer ID Installer: Mac Admins Open Source") {
				t.Errorf("%s: signer %q", name, s.Signer)
			}
			if !strings.Contains(s.Issuer, "Developer ID Certification Authority") || s.Serial != "1D3EB20CF408732E4B28D3F8AFC47ADF" || len(s.Chain) != 3 || s.DigestAlgorithm != "sha1" {
				t.Errorf("%s: signature %+v", name, s)
			}
		}
		rsaOK, cmsOK := inv.Signatures[0].DigestMatches, inv.Signatures[1].DigestMatches
		wantRSA := !strings.Contains(name, "bad")
		if rsaOK != wantRSA || !cmsOK {
			t.Errorf("%s: RSA matches %v (want %v), CMS matches %v: %s", name, rsaOK, wantRSA, cmsOK, inv.Signatures[0].Message)
		}
		var pk []string
		for _, p := range inv.Packages {
			pk = append(pk, p.Format+":"+p.ID+"@"+p.Version)
		}
		sort.Strings(pk)
		// Product and component share the identifier in the Distribution;
		// package IDs are unique, so the product's is prefixed.
		if strings.Join(pk, " ") != "pkg-component:com.github.macadmins.Nudge.LaunchAgent@1.0.1 pkg-product:pkg-product:com.github.macadmins.Nudge.LaunchAgent@1.0.1" {
			t.Errorf("%s: packages %v", name, pk)
		}
		f := pkgFileByPath(inv, name+"/Nudge_LaunchAgent-1.0.1.pkg/Payload/com.github.macadmins.Nudge.plist")
		if f == nil || f.InstallPath != "/Library/LaunchAgents/com.github.macadmins.Nudge.plist" || f.Size != 948 {
			t.Errorf("%s: plist %+v", name, f)
		}
		if f := pkgFileByPath(inv, name+"/Nudge_LaunchAgent-1.0.1.pkg/Scripts/postinstall"); f == nil || f.Size != 2169 {
			t.Errorf("%s: postinstall %+v", name, f)
		}
		// The bad signature is said, as a warning; the valid one is not.
		wantProblems := 0
		if strings.Contains(name, "bad_signature") {
			wantProblems = 1
		}
		if len(inv.Problems) != wantProblems || wantProblems == 1 && (inv.Problems[0].IsError() || inv.Problems[0].Layer != "signature" || !strings.Contains(inv.Problems[0].Message, "does not verify")) {
			t.Errorf("%s: problems %+v", name, inv.Problems)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("identity changed with the signature: %v", ids)
	}
}

func TestPkgRealMumble(t *testing.T) {
	const name = "mumble.pkg"
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "xar", "mumble-overlay-1.2.x.payload.xar"))
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectBytes(t, name, b)
	if inv.Artifact.Format != "pkg" || len(inv.Packages) != 3 {
		t.Fatalf("format %q packages %+v", inv.Artifact.Format, inv.Packages)
	}
	f := pkgFileByPath(inv, name+"/libmumbleoverlay.pkg/Payload/libmumbleoverlay.dylib")
	if f == nil || f.InstallPath != "/Library/ScriptingAdditions/MumbleOverlay.osax/Contents/MacOS/libmumbleoverlay.dylib" ||
		f.Package != "net.sourceforge.mumble.mumbleOverlay.libmumbleoverlay.pkg" || f.Size != 138496 {
		t.Fatalf("dylib %+v", f)
	}
	for _, p := range inv.Packages {
		if p.ID == "net.sourceforge.mumble.mumbleOverlay.libmumbleoverlay.pkg" &&
			(p.Size != 136*1024 || p.InstallLocation != "/Library/ScriptingAdditions/MumbleOverlay.osax/Contents/MacOS/" || p.Version != "15") {
			t.Errorf("component %+v", p)
		}
	}
	// signature-creation-time counts seconds from 2001-01-01; it agrees
	// with the TOC's creation-time, 2011-03-27T13:14:35.
	if len(inv.Signatures) != 1 || !inv.Signatures[0].DigestMatches || !strings.Contains(inv.Signatures[0].Signer, "Mikkel Krautz") ||
		inv.Signatures[0].Time != "2011-03-27T13:14:35Z" {
		t.Errorf("signatures %+v", inv.Signatures)
	}
}

func TestPkgGeneratedUniversal2(t *testing.T) {
	lipo, err := exec.LookPath("llvm-lipo")
	if err != nil {
		m, _ := filepath.Glob("/usr/bin/llvm-lipo-*")
		if len(m) == 0 {
			t.Fatal("llvm-lipo not installed; run `make deps`")
		}
		lipo = m[0]
	}
	fw, err := pkgbuild.PythonFramework(testenv.EmbedPython(t, testenv.Python311), lipo, t.TempDir(), "gzip")
	if err != nil {
		t.Fatal(err)
	}
	var fat []byte
	for _, e := range fw.Payload {
		if strings.HasSuffix(e.Name, ".dylib") {
			fat = e.Data
		}
	}
	var buf bytes.Buffer
	prod := pkgbuild.Product{Title: "Python 3.11", ID: "org.python.Python.3.11", Version: "3.11.11", Components: []pkgbuild.Component{fw}}
	if err := pkgbuild.ProductArchive(&buf, prod, pkgbuild.XarOptions{Checksum: "sha256"}); err != nil {
		t.Fatal(err)
	}
	inv := inspectBytes(t, "python.pkg", buf.Bytes())
	f := pkgFileByPath(inv, "python.pkg/PythonFramework-3.11.pkg/Payload/Versions/3.11/lib/libpython3.11.dylib")
	sum := sha256.Sum256(fat)
	if f == nil || f.SHA256 != hex.EncodeToString(sum[:]) || f.InstallPath != "/Library/Frameworks/Python.framework/Versions/3.11/lib/libpython3.11.dylib" ||
		f.Package != "org.python.Python.PythonFramework-3.11" {
		t.Fatalf("dylib %+v", f)
	}
	if inv.Artifact.Format != "pkg" || len(inv.Packages) != 2 || len(inv.Problems) != 0 {
		t.Errorf("format %q packages %+v problems %+v", inv.Artifact.Format, inv.Packages, inv.Problems)
	}

	// The whole chain: xar → gzip cpio payload → universal2 Mach-O →
	// components found in both slices, reported once. OpenSSL is compiled
	// into libpython ("OpenSSL 3.0.15 3 Sep 2024" in both slices); zlib is
	// imported from the system and so is not a component.
	var openssl *inspect.Component
	for i, c := range inv.Components {
		if c.Name == "zlib" {
			t.Errorf("zlib reported as bundled: %+v", c)
		}
		if c.Name == "openssl" {
			if openssl != nil {
				t.Errorf("openssl reported twice")
			}
			openssl = &inv.Components[i]
		}
	}
	if openssl == nil || openssl.Version != "3.0.15" || openssl.Linkage != "static" {
		t.Fatalf("openssl = %+v", openssl)
	}
	var slices []string
	for _, e := range openssl.Evidence {
		if e.File != f.Path {
			t.Errorf("evidence names %s", e.File)
		}
		slices = append(slices, e.Resource)
	}
	if all := strings.Join(slices, " "); !strings.Contains(all, "arm64") || !strings.Contains(all, "x86_64") {
		t.Errorf("openssl evidence does not name both slices: %q", all)
	}
	var libz bool
	for _, d := range inv.SystemDependencies {
		libz = libz || d.Name == "/usr/lib/libz.1.dylib"
	}
	if !libz {
		t.Errorf("system dependencies %+v lack /usr/lib/libz.1.dylib", inv.SystemDependencies)
	}
}

func TestPlainXar(t *testing.T) {
	var buf bytes.Buffer
	if err := pkgbuild.WriteXar(&buf, []pkgbuild.XarEntry{{Name: "docs/readme.txt", Data: []byte("hello"), Gzip: true}}, pkgbuild.XarOptions{}); err != nil {
		t.Fatal(err)
	}
	inv := inspectBytes(t, "a.xar", buf.Bytes())
	if inv.Artifact.Format != "xar" || len(inv.Files) != 1 || inv.Files[0].Path != "a.xar/docs/readme.txt" || inv.Files[0].Size != 5 {
		t.Errorf("format %q files %+v", inv.Artifact.Format, inv.Files)
	}
}

// TestPackageIDsUnique: every real fixture's packages have distinct IDs, so
// files, relationships and SPDX identifiers can refer to them.
func TestPackageIDsUnique(t *testing.T) {
	for _, rel := range [][]string{
		{"xar", "nudge-launchagent-1.0.1.valid.pkg"},
		{"xar", "mumble-overlay-1.2.x.payload.xar"},
		{"burn", "python-3.11.0-amd64.TRUNCATED.exe"},
		{"msi", "NUnit-2.5.2.9222.msi"},
	} {
		inv, err := inspect.InspectFile(testenv.Shared(t, append([]string{"fixtures-real"}, rel...)...), inspect.Options{})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, p := range inv.Packages {
			if seen[p.ID] {
				t.Errorf("%s: package ID %q twice", rel[1], p.ID)
			}
			seen[p.ID] = true
		}
	}
}

// TestMachOFactsInInventory: the 2011 Mumble dylib is a universal file of
// three slices (ppc7400, i386, x86_64, as `lipo -info` and the fat header
// say); the inventory carries each slice's facts and the system libraries
// it loads, which are not components.
func TestMachOFactsInInventory(t *testing.T) {
	inv, err := inspect.InspectFile(testenv.Shared(t, "fixtures-real", "xar", "mumble-overlay-1.2.x.payload.xar"), inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := pkgFileByPath(inv, "mumble-overlay-1.2.x.payload.xar/libmumbleoverlay.pkg/Payload/libmumbleoverlay.dylib")
	if f == nil || f.Kind != inspect.KindMachO || f.Binary == nil {
		t.Fatalf("dylib %+v", f)
	}
	var arches []string
	for _, s := range f.Binary.MachO {
		arches = append(arches, s.Arch)
		if s.InstallName != "libmumbleoverlay.dylib" || s.UUID == "" {
			t.Errorf("slice %+v", s)
		}
	}
	if strings.Join(arches, ",") != "ppc7400,i386,x86_64" {
		t.Errorf("slices %v", arches)
	}
	if !slices.Contains(f.Binary.Imports, "/usr/lib/libSystem.B.dylib") {
		t.Errorf("imports %v", f.Binary.Imports)
	}
	for _, c := range inv.Components {
		t.Errorf("component %s %s: the overlay bundles no third-party library", c.Name, c.Version)
	}
}
