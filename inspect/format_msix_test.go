package inspect_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/msixbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/appx"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

const msixPublisher = "CN=Example Corp, O=Example Corp, L=Berlin, C=DE"

// msixPayload is a package's payload: real CPython DLLs (components the
// fingerprint engine knows), a file larger than one 64 KiB block, nested
// directories and an empty file.
func msixPayload(t *testing.T) []msixbuild.File {
	t.Helper()
	dlls := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "DLLs")
	var files []msixbuild.File
	for _, name := range []string{"sqlite3.dll", "_bz2.pyd"} {
		b := testenv.Gunzip(t, filepath.Join(dlls, name+".gz"))
		files = append(files, msixbuild.File{Name: "VFS/ProgramFilesX64/Example/" + name, Data: b})
	}
	files = append(files,
		msixbuild.File{Name: "Assets/logo.png", Data: []byte("\x89PNG\r\n\x1a\nlogo"), Store: true},
		msixbuild.File{Name: "empty.txt"},
		msixbuild.File{Name: "app.exe", Data: bytes.Repeat([]byte("MZ example "), 20000)})
	return files
}

func msixPackage(t *testing.T, arch string, mod func(*msixbuild.Package)) []byte {
	t.Helper()
	p := msixbuild.Package{Name: "Example.App", Publisher: msixPublisher, Version: "2.5.0.0", Arch: arch,
		DisplayName: "Example App", PublisherDisplayName: "Example Corp", Files: msixPayload(t)}
	if mod != nil {
		mod(&p)
	}
	b, err := msixbuild.Build(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// extract7zz lists what 7-Zip extracts from a zip-based file: path →
// SHA-256 and size.
func extract7zz(t *testing.T, b []byte, name string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, name)
	os.WriteFile(in, b, 0o644)
	out := filepath.Join(dir, "out")
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+out, in)
	got := map[string]string{}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			rel, _ := filepath.Rel(out, p)
			got[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:]) + " " + strconv.Itoa(len(data))
		}
		return nil
	})
	return got
}

// TestMSIXPackage: every file of a package with the bytes and size 7-Zip
// extracts, installed under WindowsApps/<package full name>; the package
// identity from its manifest; the DLLs' components identified as they are
// in the bare DLLs; no problems.
func TestMSIXPackage(t *testing.T) {
	b := msixPackage(t, "x64", nil)
	inv := inspectBytes(t, "Example.App_2.5.0.0_x64.msix", b)
	if inv.Artifact.Format != "msix" || len(inv.Problems) != 0 {
		t.Fatalf("format %q, problems %+v", inv.Artifact.Format, inv.Problems)
	}
	full := "Example.App_2.5.0.0_x64__" + appx.PublisherID(msixPublisher)
	if len(inv.Packages) != 1 {
		t.Fatalf("packages %+v", inv.Packages)
	}
	p := inv.Packages[0]
	if p.ID != full || p.Name != "Example.App" || p.Version != "2.5.0.0" || p.Format != "msix" || p.Manufacturer != "Example Corp" ||
		p.Path != "Example.App_2.5.0.0_x64.msix" || !p.Embedded || p.Properties["processorArchitecture"] != "x64" ||
		p.Properties["publisher"] != msixPublisher || p.Properties["displayName"] != "Example App" {
		t.Errorf("package %+v", p)
	}
	oracle := extract7zz(t, b, "p.msix")
	got := map[string]string{}
	for _, f := range inv.Files {
		rel := strings.TrimPrefix(f.Path, "Example.App_2.5.0.0_x64.msix/")
		got[rel] = f.SHA256 + " " + strconv.FormatInt(f.Size, 10)
		wantInstall := "WindowsApps/" + full + "/" + rel
		if rel == "[Content_Types].xml" {
			wantInstall = ""
		}
		if f.InstallPath != wantInstall || (wantInstall != "") != (f.Package == full) {
			t.Errorf("%s: install path %q, package %q", rel, f.InstallPath, f.Package)
		}
	}
	if len(oracle) != 8 || !equalMaps(got, oracle) {
		t.Errorf("files differ from 7zz's\n got %v\nwant %v", got, oracle)
	}
	// The components are those of the DLLs inspected bare.
	var want, have []string
	for _, name := range []string{"sqlite3.dll", "_bz2.pyd"} {
		data := testenv.Gunzip(t, filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "DLLs", name+".gz"))
		for _, c := range inspectBytes(t, name, data).Components {
			want = append(want, c.Name+"@"+c.Version)
		}
	}
	for _, c := range inv.Components {
		have = append(have, c.Name+"@"+c.Version)
	}
	sort.Strings(want)
	sort.Strings(have)
	if strings.Join(want, ",") != strings.Join(have, ",") || len(want) == 0 {
		t.Errorf("components %v, bare DLLs %v", have, want)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestMSIXSignature: osslsigncode signs the package; the signature's
// digests match the bytes (osslsigncode verify agrees), the identity is
// the unsigned package's; a byte of a local file header changed after
// signing (outside any file's data, so the zip still reads) makes both
// osslsigncode and the inventory say it does not verify.
func TestMSIXSignature(t *testing.T) {
	dir := t.TempDir()
	unsigned := filepath.Join(dir, "app.msix")
	os.WriteFile(unsigned, msixPackage(t, "x64", nil), 0o644)
	cert := burnbuild.NewCert(t, dir, "Example Corp")
	signed := filepath.Join(dir, "signed.msix")
	ossl := testenv.Tool(t, "osslsigncode")
	testenv.Run(t, dir, ossl, "sign", "-certs", cert.CertPath, "-key", cert.KeyPath, "-in", unsigned, "-out", signed)
	testenv.Run(t, dir, ossl, "verify", "-in", signed, "-CAfile", cert.CertPath)

	u, _ := os.ReadFile(unsigned)
	s, _ := os.ReadFile(signed)
	uinv, sinv := inspectBytes(t, "app.msix", u), inspectBytes(t, "signed.msix", s)
	if len(uinv.Signatures) != 0 || len(sinv.Signatures) != 1 {
		t.Fatalf("signatures: unsigned %+v, signed %+v", uinv.Signatures, sinv.Signatures)
	}
	sig := sinv.Signatures[0]
	if sig.Kind != "msix" || !sig.DigestMatches || sig.Signer != cert.Cert.Subject.String() || sig.DigestAlgorithm != "sha256" || sig.Message != "" {
		t.Errorf("signature %+v", sig)
	}
	if uinv.Artifact.Identity == nil || sinv.Artifact.Identity == nil || *uinv.Artifact.Identity != *sinv.Artifact.Identity ||
		uinv.Artifact.SHA256 == sinv.Artifact.SHA256 {
		t.Errorf("identity unsigned %+v signed %+v", uinv.Artifact.Identity, sinv.Artifact.Identity)
	}
	if len(sinv.Problems) != 0 {
		t.Errorf("problems %+v", sinv.Problems)
	}

	tampered := append([]byte(nil), s...)
	tampered[10] ^= 0x55 // the first local header's modification time
	bad := filepath.Join(dir, "tampered.msix")
	os.WriteFile(bad, tampered, 0o644)
	if out, err := exec.Command(ossl, "verify", "-in", bad, "-CAfile", cert.CertPath).CombinedOutput(); err == nil {
		t.Fatalf("osslsigncode verified the tampered package:\n%s", out)
	}
	tinv := inspectBytes(t, "tampered.msix", tampered)
	if len(tinv.Signatures) != 1 || tinv.Signatures[0].DigestMatches || !strings.Contains(tinv.Signatures[0].Message, "local file records (AXPC)") {
		t.Errorf("tampered: %+v", tinv.Signatures)
	}
	if len(tinv.Files) != len(sinv.Files) {
		t.Errorf("tampered package lists %d files, signed %d", len(tinv.Files), len(sinv.Files))
	}
}

// TestMSIXBlockMap: a payload file changed after the block map was made
// and one the map does not list are warnings naming them; the rest of the
// package is read and nothing is an error.
func TestMSIXBlockMap(t *testing.T) {
	b := msixPackage(t, "x64", func(p *msixbuild.Package) {
		p.Tamper = func(name string, data []byte) []byte {
			if name == "app.exe" {
				data = append([]byte(nil), data...)
				data[70000] ^= 1 // in the second block
			}
			return data
		}
		p.Unlisted = []string{"empty.txt"}
	})
	inv := inspectBytes(t, "t.msix", b)
	var msgs []string
	for _, p := range inv.Problems {
		if p.IsError() {
			t.Errorf("error problem %+v", p)
		}
		msgs = append(msgs, p.Path+": "+p.Message)
	}
	want := []string{
		"t.msix/app.exe: does not match the block map: block 1 (bytes 65536 to 131072) does not match its hash in the block map",
		"t.msix/empty.txt: not in the block map: nothing signed vouches for its bytes",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
	if len(inv.Files) != 8 {
		t.Errorf("%d files", len(inv.Files))
	}
}

// TestMSIXBundle: a bundle's packages are sub-installers of the bundle,
// each walked with its files under its own install directory; a package
// the bundle manifest lists but the bundle lacks is missing (an error:
// the bundle holds less than it says).
func TestMSIXBundle(t *testing.T) {
	x64, arm := msixPackage(t, "x64", nil), msixPackage(t, "arm64", nil)
	b, err := msixbuild.BuildBundle(msixbuild.Bundle{Name: "Example.App", Publisher: msixPublisher, Version: "2.5.0.0",
		Packages: []msixbuild.BundlePackage{
			{FileName: "Example.App_2.5.0.0_x64.msix", Version: "2.5.0.0", Arch: "x64", Data: x64},
			{FileName: "Example.App_2.5.0.0_arm64.msix", Version: "2.5.0.0", Arch: "arm64", Data: arm},
		},
		Missing: []msixbuild.BundlePackage{{FileName: "Example.App_2.5.0.0_scale-200.msix", Version: "2.5.0.0", Arch: "neutral", Type: "resource"}}})
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectBytes(t, "Example.App.msixbundle", b)
	if inv.Artifact.Format != "msix" {
		t.Errorf("format %q", inv.Artifact.Format)
	}
	pid := appx.PublisherID(msixPublisher)
	bundleID := "Example.App_2.5.0.0_neutral_~_" + pid
	byID := map[string]inspect.Package{}
	for _, p := range inv.Packages {
		byID[p.ID] = p
	}
	if p := byID[bundleID]; p.Format != "msixbundle" || p.Path != "Example.App.msixbundle" {
		t.Errorf("bundle %+v (all %+v)", p, inv.Packages)
	}
	for _, arch := range []string{"x64", "arm64"} {
		id := "Example.App_2.5.0.0_" + arch + "__" + pid
		p := byID[id]
		if p.Parent != bundleID || p.Path != "Example.App.msixbundle/Example.App_2.5.0.0_"+arch+".msix" || !p.Embedded ||
			p.Properties["processorArchitecture"] != arch || p.Manufacturer != "Example Corp" {
			t.Errorf("%s: %+v", arch, p)
		}
		n := 0
		for _, f := range inv.Files {
			if f.Package == id {
				n++
				if !strings.HasPrefix(f.InstallPath, "WindowsApps/"+id+"/") {
					t.Errorf("%s: install path %q", f.Path, f.InstallPath)
				}
			}
		}
		if n != 7 {
			t.Errorf("%s: %d files", arch, n)
		}
	}
	// Every file 7-Zip extracts from the bundle, and from each package
	// it extracts, is in the inventory with its size and SHA-256, and
	// nothing else is; each package's DLLs are identified.
	oracle := map[string]string{}
	for rel, v := range extract7zz(t, b, "b.msixbundle") {
		oracle[rel] = v
	}
	for _, arch := range []string{"x64", "arm64"} {
		inner := "Example.App_2.5.0.0_" + arch + ".msix"
		data := x64
		if arch == "arm64" {
			data = arm
		}
		for rel, v := range extract7zz(t, data, inner) {
			oracle[inner+"/"+rel] = v
		}
	}
	got := map[string]string{}
	for _, f := range inv.Files {
		got[strings.TrimPrefix(f.Path, "Example.App.msixbundle/")] = f.SHA256 + " " + strconv.FormatInt(f.Size, 10)
	}
	if len(oracle) < 2*8+2 || !equalMaps(got, oracle) {
		t.Errorf("files differ from 7zz's\n got %v\nwant %v", got, oracle)
	}
	perPackage := map[string]int{}
	for _, c := range inv.Components {
		for _, f := range c.Files {
			if strings.HasSuffix(f, ".msix/VFS/ProgramFilesX64/Example/sqlite3.dll") && c.Name == "sqlite" && c.Version != "" {
				perPackage[strings.Split(f, "/")[1]]++
			}
		}
	}
	if len(perPackage) != 2 {
		t.Errorf("sqlite identified in %v", perPackage)
	}
	if p := byID["Example.App_2.5.0.0_neutral__"+pid]; !p.Missing || p.Embedded || p.Parent != bundleID {
		t.Errorf("missing package %+v", p)
	}
	var missingErr bool
	for _, p := range inv.Problems {
		if p.IsError() && strings.Contains(p.Message, "Example.App_2.5.0.0_scale-200.msix, which the bundle does not contain") {
			missingErr = true
		}
	}
	if !missingErr || inv.Complete() {
		t.Errorf("missing package not an error: %+v", inv.Problems)
	}
}

// TestMSIXActions: a service running as LocalSystem, a startup task and
// the restricted capabilities that take a package out of its container
// are actions of the package, most privileged first; ordinary
// capabilities are not.
func TestMSIXActions(t *testing.T) {
	b := msixPackage(t, "x64", func(p *msixbuild.Package) {
		p.Capabilities = []string{"runFullTrust", "internetClient", "localSystemServices"}
		p.Extensions = `<desktop6:Extension Category="windows.service" Executable="svc\updater.exe" EntryPoint="Windows.FullTrustApplication">` +
			`<desktop6:Service Name="ExampleUpdater" StartupType="auto" StartAccount="localSystem"/></desktop6:Extension>` +
			`<desktop:Extension Category="windows.startupTask" Executable="app.exe" EntryPoint="Windows.FullTrustApplication">` +
			`<desktop:StartupTask TaskId="ExampleTray" Enabled="true" DisplayName="Example"/></desktop:Extension>`
	})
	inv := inspectBytes(t, "a.msix", b)
	full := "Example.App_2.5.0.0_x64__" + appx.PublisherID(msixPublisher)
	var got []string
	for _, a := range inv.Actions {
		if a.Path != "a.msix" {
			t.Errorf("declared in %q", a.Path)
		}
		got = append(got, a.String())
	}
	want := []string{
		"service ExampleUpdater: service program WindowsApps/" + full + "/svc/updater.exe; installed as a service, started auto; as system",
		"capability localSystemServices: grants system; whenever the package runs; as system",
		"autostart ExampleTray: startup task running WindowsApps/" + full + "/app.exe; at every logon; as each user at logon",
		"capability runFullTrust: grants the installing user's full rights (outside the app container); whenever the package runs; as installing user",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
