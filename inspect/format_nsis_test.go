package inspect_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/nsisbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

var (
	nsisOnce    sync.Once
	nsisSrc     string // SampleTree plus the CPython binaries
	nsisMu      sync.Mutex
	nsisBuilt   = map[string][]byte{}
	nsisBinBase = []string{"DLLs/sqlite3.dll", "vcruntime140.dll"}
)

// nsisSample builds (once per test binary) the sample installer of variant
// v with the CPython binaries names (paths in go-embed-python's tree) and
// returns its bytes.
func nsisSample(t *testing.T, v nsisbuild.Variant, names ...string) []byte {
	t.Helper()
	nsisOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nsis-inspect-*")
		if err != nil {
			t.Fatal(err)
		}
		nsisSrc = dir
		nsisbuild.SampleTree(t, dir)
		nsisbuild.CPythonDLLs(t, testenv.Python311, dir, "DLLs/sqlite3.dll", "DLLs/libcrypto-3-x64.dll", "vcruntime140.dll")
	})
	key := v.String() + "+" + strings.Join(names, "+")
	nsisMu.Lock()
	defer nsisMu.Unlock()
	if b, ok := nsisBuilt[key]; ok {
		return b
	}
	var bins []string
	for _, n := range names {
		bins = append(bins, filepath.Join(nsisSrc, filepath.Base(n)))
	}
	out := t.TempDir()
	b, err := os.ReadFile(nsisbuild.BuildT(t, out, "setup.exe", nsisbuild.SampleSpec(v, nsisSrc, bins)))
	if err != nil {
		t.Fatal(err)
	}
	nsisBuilt[key] = b
	return b
}

func inspectNSIS(t *testing.T, b []byte, name string) *inspect.Inventory {
	t.Helper()
	inv, err := inspect.Inspect(bytes.NewReader(b), int64(len(b)), name, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// versionString is a string of a PE's version resource, found the way
// `strings -el` shows it: the UTF-16 value after its key. It is the oracle
// for the versions the fingerprint rules must report.
func versionString(t *testing.T, pe []byte, key string) string {
	t.Helper()
	k := utf16le(key + "\x00")
	i := bytes.Index(pe, k)
	if i < 0 {
		t.Fatalf("oracle: no %s in the version resource", key)
	}
	p := pe[i+len(k):]
	for len(p) >= 2 && p[0] == 0 && p[1] == 0 {
		p = p[2:]
	}
	var u []uint16
	for ; len(p) >= 2 && (p[0] != 0 || p[1] != 0); p = p[2:] {
		u = append(u, uint16(p[0])|uint16(p[1])<<8)
	}
	return string(utf16.Decode(u))
}

func utf16le(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = append(b, byte(c), byte(c>>8))
	}
	return b
}

// sevenZipTree extracts an installer with 7-Zip and returns the SHA-256 of
// each file by our path for it (7-Zip leaves out "$INSTDIR/").
func sevenZipTree(t *testing.T, b []byte) map[string]string {
	t.Helper()
	dir := t.TempDir()
	exe := filepath.Join(dir, "setup.exe")
	if err := os.WriteFile(exe, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "x")
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+out, exe)
	tree := map[string]string{}
	for rel, sum := range testenv.TreeSHA256(t, out) {
		if !strings.HasPrefix(rel, "$") {
			rel = "$INSTDIR/" + rel
		}
		tree[rel] = sum
	}
	return tree
}

func filesByPath(inv *inspect.Inventory) map[string]inspect.File {
	m := map[string]inspect.File{}
	for _, f := range inv.Files {
		m[f.Path] = f
	}
	return m
}

// component returns "name version" of the components holding file.
func componentsOf(inv *inspect.Inventory, file string) []string {
	var out []string
	for _, c := range inv.Components {
		for _, f := range c.Files {
			if f == file {
				out = append(out, c.Name+" "+c.Version)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Every compressor, solid and not, Unicode and ANSI, through the walker:
// every file 7-Zip extracts is in the inventory at its install path, with
// its size and SHA-256 (the uninstaller a nested NSIS installer whose own
// plug-in is listed inside it), the bundled SQLite and MSVC runtime are
// identified with the versions their version resources state, and nothing
// is a problem.
func TestNSISInventoryAgainst7zz(t *testing.T) {
	src := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64")
	sqlite := testenv.Gunzip(t, filepath.Join(src, "DLLs", "sqlite3.dll.gz"))
	vcrt := testenv.Gunzip(t, filepath.Join(src, "vcruntime140.dll.gz"))
	sqliteVersion := regexp.MustCompile(`^\d+\.\d+\.\d+`).FindString(versionString(t, sqlite, "FileVersion"))
	vcrtVersion := versionString(t, vcrt, "FileVersion")
	if sqliteVersion == "" || vcrtVersion == "" {
		t.Fatal("oracle: no versions")
	}
	for _, v := range nsisbuild.Variants {
		t.Run(v.String(), func(t *testing.T) {
			b := nsisSample(t, v, nsisBinBase...)
			const name = "setup.exe"
			inv := inspectNSIS(t, b, name)
			if inv.Artifact.Format != "nsis" || len(inv.Problems) != 0 {
				t.Fatalf("format %q, problems %+v", inv.Artifact.Format, inv.Problems)
			}
			files := filesByPath(inv)
			tree := sevenZipTree(t, b)
			for p, sum := range tree {
				f, ok := files[name+"/"+p]
				if !ok || f.SHA256 != sum || f.InstallPath != p {
					t.Errorf("%s: %+v, 7zz extracts %s", p, f, sum)
				}
			}
			var ours int
			for p, f := range files {
				if rest, ok := strings.CutPrefix(p, name+"/"); ok && !strings.HasPrefix(rest, "$INSTDIR/uninstall.exe/") {
					ours++
					if _, ok := tree[rest]; !ok {
						t.Errorf("%s: in the inventory, not extracted by 7zz", p)
					}
					if f.Package != name {
						t.Errorf("%s: package %q", p, f.Package)
					}
				}
			}
			if ours != len(tree) || len(tree) != 12 {
				t.Errorf("%d files in the inventory, 7zz extracts %d", ours, len(tree))
			}
			un := files[name+"/$INSTDIR/uninstall.exe"]
			if un.Kind != inspect.KindArchive || files[name+"/$INSTDIR/uninstall.exe/$PLUGINSDIR/nsExec.dll"].Kind != inspect.KindPE {
				t.Errorf("uninstaller %+v", un)
			}
			for _, p := range []string{"bin/sqlite3.dll", "bin/deep/er/sqlite3.dll", "copy/sqlite3.dll"} {
				p = name + "/$INSTDIR/" + p
				if got := componentsOf(inv, p); strings.Join(got, ",") != "sqlite "+sqliteVersion {
					t.Errorf("%s: components %v, want sqlite %s", p, got, sqliteVersion)
				}
			}
			if got := componentsOf(inv, name+"/$INSTDIR/bin/vcruntime140.dll"); strings.Join(got, ",") != "msvc-runtime "+vcrtVersion {
				t.Errorf("vcruntime140.dll: components %v, want msvc-runtime %s", got, vcrtVersion)
			}
			t.Logf("%s: %d files match 7zz", v, len(tree))
		})
	}
}

// The installer and its uninstaller are packages: the installer's Name,
// default directory, compression, plug-ins and uninstaller, and its files;
// libcrypto is OpenSSL at the version its resource states.
func TestNSISPackages(t *testing.T) {
	b := nsisSample(t, nsisbuild.Variant{Compressor: "lzma", Solid: true}, "DLLs/sqlite3.dll", "DLLs/libcrypto-3-x64.dll")
	const name = "setup.exe"
	inv := inspectNSIS(t, b, name)
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	var self, un *inspect.Package
	for i, p := range inv.Packages {
		switch p.Path {
		case name:
			self = &inv.Packages[i]
		case name + "/$INSTDIR/uninstall.exe":
			un = &inv.Packages[i]
		}
	}
	if self == nil || self.Name != "installer-sbom sample" || self.Format != "nsis" || self.ID != name || !self.Embedded ||
		self.InstallLocation != "$PROGRAMFILES64/installer-sbom sample" || self.Properties["nsis.compression"] != "lzma" ||
		self.Properties["nsis.solid"] != "yes" || self.Properties["nsis.unicode"] != "yes" || self.Properties["nsis.plugins"] != "nsExec.dll" ||
		self.Properties["nsis.uninstallers"] != "$INSTDIR/uninstall.exe" || self.Properties["nsis.uninstaller"] != "" {
		t.Errorf("installer package %+v", self)
	}
	if un == nil || un.Format != "nsis" || un.Properties["nsis.uninstaller"] != "yes" || un.Properties["nsis.plugins"] != "nsExec.dll" {
		t.Errorf("uninstaller package %+v", un)
	}
	crypto := testenv.Gunzip(t, filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "DLLs", "libcrypto-3-x64.dll.gz"))
	want := "openssl " + versionString(t, crypto, "FileVersion")
	p := name + "/$INSTDIR/bin/libcrypto-3-x64.dll"
	if got := componentsOf(inv, p); strings.Join(got, ",") != want {
		t.Errorf("%s: components %v, want %s", p, got, want)
	}
	if f := filesByPath(inv)[p]; f.SHA256 != sha256Hex(crypto) || f.InstallPath != "$INSTDIR/bin/libcrypto-3-x64.dll" || f.Package != name {
		t.Errorf("%s: %+v", p, f)
	}
}

// Signed with osslsigncode, the installer's Authenticode signature is
// recorded and its identity is the unsigned installer's; its CRC (which
// does not cover the PE headers signing rewrites) still holds.
func TestNSISSigned(t *testing.T) {
	unsigned := nsisSample(t, nsisbuild.Variant{Compressor: "zlib"}, nsisBinBase...)
	cert := burnbuild.NewCert(t, t.TempDir(), "NSIS Test Signer")
	signed := burnbuild.Sign(t, unsigned, cert, "sha256")
	const name = "setup.exe"
	before := inspectNSIS(t, unsigned, name)
	inv := inspectNSIS(t, signed, name)
	// vcruntime140.dll carries Microsoft's signature; the installer's own
	// is the one on the artifact.
	own := func(inv *inspect.Inventory) []inspect.Signature {
		var out []inspect.Signature
		for _, s := range inv.Signatures {
			if !strings.HasPrefix(s.File, name+"/") {
				out = append(out, s)
			}
		}
		return out
	}
	if inv.Artifact.Format != "nsis" || len(inv.Problems) != 0 || len(own(before)) != 0 || len(inv.Signatures) != len(before.Signatures)+1 {
		t.Fatalf("format %q, problems %+v, signatures %+v, unsigned %+v", inv.Artifact.Format, inv.Problems, inv.Signatures, before.Signatures)
	}
	if len(own(inv)) != 1 {
		t.Fatalf("signatures %+v", inv.Signatures)
	}
	s := own(inv)[0]
	if s.File != name || s.Kind != "authenticode" || s.Signer != cert.Cert.Subject.String() || !s.DigestMatches || s.DigestAlgorithm != "sha256" {
		t.Errorf("signature %+v", s)
	}
	if inv.Artifact.Identity == nil || before.Artifact.Identity == nil || *inv.Artifact.Identity != *before.Artifact.Identity {
		t.Errorf("identity %+v, unsigned %+v", inv.Artifact.Identity, before.Artifact.Identity)
	}
	// The files are the same, but for the uninstaller: exehead writes it
	// from the installer's first bytes, signed PE headers included (7-Zip
	// gives up on the stub of a signed installer and is no oracle here).
	was := filesByPath(before)
	for _, f := range inv.Files {
		if w, ok := was[f.Path]; !ok || (w.SHA256 != f.SHA256) != (f.Path == name+"/$INSTDIR/uninstall.exe") {
			t.Errorf("%s: signed %s, unsigned %s", f.Path, f.SHA256, w.SHA256)
		}
	}
	if len(inv.Files) != len(before.Files) {
		t.Errorf("%d files signed, %d unsigned", len(inv.Files), len(before.Files))
	}
}

// A cut download: an error problem of layer nsis at the end of the file
// says so (inspect exits 3), every file whose bytes are present is
// listed, and each of the others is an error problem naming it.
func TestNSISTruncatedInventory(t *testing.T) {
	full := nsisSample(t, nsisbuild.Variant{Compressor: "lzma"}, nsisBinBase...)
	cut := full[:len(full)*3/4]
	const name = "setup.exe"
	whole := filesByPath(inspectNSIS(t, full, name))
	inv := inspectNSIS(t, cut, name)
	var truncation bool
	missing := map[string]bool{}
	for _, p := range inv.Problems {
		if p.Severity != inspect.SeverityError || p.Layer != "nsis" || p.Offset < 0 || p.Offset > int64(len(cut)) {
			t.Errorf("problem %+v", p)
		}
		if p.Path == name && strings.Contains(p.Message, "file ends at") {
			truncation = true
		} else {
			missing[p.Path] = true
		}
	}
	files := filesByPath(inv)
	for p, f := range whole {
		if strings.HasPrefix(p, name+"/$INSTDIR/uninstall.exe/") {
			continue
		}
		got, ok := files[p]
		switch {
		case ok && missing[p]:
			t.Errorf("%s both listed and missing", p)
		case ok && got.SHA256 != f.SHA256:
			t.Errorf("%s read differently from the cut file", p)
		case !ok && !missing[p]:
			t.Errorf("%s neither listed nor reported", p)
		}
	}
	if !truncation || len(missing) == 0 || len(files) < 3 {
		t.Errorf("truncation problem %v, %d files missing, %d listed", truncation, len(missing), len(files))
	}
}

// A PE that only looks like an NSIS stub (an exehead with some other
// overlay) is an ordinary executable, at the top and inside a zip, with
// no problem; a plain PE is not even claimed; a Burn bundle is still Burn.
func TestNSISNotNSIS(t *testing.T) {
	b := nsisSample(t, nsisbuild.Variant{Compressor: "zlib"}, nsisBinBase...)
	stubEnd := bytes.Index(b, []byte("\xef\xbe\xad\xdeNullsoftInst")) - 4
	fake := append(bytes.Clone(b[:stubEnd]), bytes.Repeat([]byte("overlay "), 8192)...)
	inv := inspectNSIS(t, fake, "fake.exe")
	if inv.Artifact.Format != inspect.KindPE || len(inv.Problems) != 0 || len(inv.Files) != 1 || inv.Files[0].Kind != inspect.KindPE {
		t.Errorf("top level: format %q, problems %+v, files %+v", inv.Artifact.Format, inv.Problems, inv.Files)
	}
	var z bytes.Buffer
	zw := zip.NewWriter(&z)
	w, _ := zw.Create("fake.exe")
	w.Write(fake)
	w, _ = zw.Create("setup.exe")
	w.Write(b)
	zw.Close()
	inv = inspectNSIS(t, z.Bytes(), "two.zip")
	files := filesByPath(inv)
	if len(inv.Problems) != 0 || files["two.zip/fake.exe"].Kind != inspect.KindPE || files["two.zip/setup.exe"].Kind != inspect.KindArchive ||
		files["two.zip/setup.exe/$INSTDIR/bin/sqlite3.dll"].InstallPath != "$INSTDIR/bin/sqlite3.dll" {
		t.Errorf("in a zip: problems %+v, files %v", inv.Problems, files)
	}
	py := testenv.Gunzip(t, filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "python.exe.gz"))
	if inv := inspectNSIS(t, py, "python.exe"); inv.Artifact.Format != inspect.KindPE || len(inv.Problems) != 0 {
		t.Errorf("python.exe: format %q, problems %+v", inv.Artifact.Format, inv.Problems)
	}
	bundle, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "burn", "python-3.11.0-amd64.TRUNCATED.exe"))
	if err != nil {
		t.Fatal(err)
	}
	if inv := inspectNSIS(t, bundle, "python-3.11.0-amd64.exe"); inv.Artifact.Format != "burn" {
		t.Errorf("Burn bundle: format %q", inv.Artifact.Format)
	}
}

// A file that decompresses far beyond the ratio limit is stopped while it
// streams: an error problem names the limit, the layer and the file; the
// installer's other files are listed.
func TestNSISBomb(t *testing.T) {
	dir := t.TempDir()
	zeros := filepath.Join(dir, "zeros.bin")
	if err := os.WriteFile(zeros, make([]byte, 16<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(dir, "readme.txt")
	os.WriteFile(readme, []byte("fine\n"), 0o644)
	exe := nsisbuild.BuildT(t, dir, "bomb.exe", nsisbuild.Spec{Compressor: "lzma", Files: []nsisbuild.File{{Src: readme}, {Src: zeros}}})
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectNSIS(t, b, "bomb.exe")
	files := filesByPath(inv)
	if _, ok := files["bomb.exe/$INSTDIR/readme.txt"]; !ok {
		t.Errorf("readme.txt not listed: %v", files)
	}
	if len(inv.Problems) != 1 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	p := inv.Problems[0]
	if p.Path != "bomb.exe/$INSTDIR/zeros.bin" || p.Layer != "nsis" || p.Severity != inspect.SeverityError || !strings.Contains(p.Message, "ratio") {
		t.Errorf("problem %+v", p)
	}
}

// TestNSISActions: what the script runs — Exec and ExecWait command lines
// (one downloading with PowerShell: a warning), ExecShell of a URL, a
// plug-in call, RegDLL, a value under the HKLM Run key — is listed from
// the instructions makensis compiled; an ordinary registry value is not.
func TestNSISActions(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(src, []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	extra := `  Exec '"$INSTDIR\helper.exe" /quiet'
  ExecWait 'powershell -Command "Invoke-WebRequest https://dl.example.org/x.exe -OutFile $TEMP\x.exe"'
  ExecShell "open" "https://example.org/welcome"
  RegDLL "$INSTDIR\a.dll"
  WriteRegStr HKLM "Software\Microsoft\Windows\CurrentVersion\Run" "Tray" '"$INSTDIR\tray.exe"'
  WriteRegStr HKLM "Software\Example" "x" "y"
`
	p := nsisbuild.BuildT(t, dir, "setup.exe", nsisbuild.Spec{Files: []nsisbuild.File{{Src: src}}, Plugin: true, Extra: extra})
	inv, err := inspect.InspectFile(p, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range inv.Actions {
		if a.Path != "setup.exe" || !strings.HasPrefix(a.Evidence, "script instruction ") {
			t.Errorf("where: %+v", a)
		}
		got = append(got, a.String())
	}
	want := []string{
		`autostart Tray: program registered under HKLM\Software\Microsoft\Windows\CurrentVersion\Run ["$INSTDIR\tray.exe"]; at every logon; as each user at logon`,
		`exec helper.exe: command line "$INSTDIR\helper.exe" /quiet; when the installer runs; as installing user`,
		`exec powershell: command line powershell -Command "Invoke-WebRequest https://dl.example.org/x.exe -OutFile $TEMP\x.exe"; when the installer runs, waiting for it; as installing user`,
		`shell-exec welcome: shell opens https://example.org/welcome [open]; when the installer runs; as installing user`,
		`dll-call a.dll::DllRegisterServer: function DllRegisterServer of $INSTDIR\a.dll; when the installer runs; as installing user`,
		`dll-call nsExec.dll::Exec: function Exec of $PLUGINSDIR\nsExec.dll; when the installer runs; as installing user`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var fetches []string
	for _, pr := range inv.Problems {
		if pr.Layer == "action" {
			fetches = append(fetches, pr.Message)
		}
	}
	if len(fetches) != 2 || !strings.Contains(strings.Join(fetches, "\n"), "Invoke-WebRequest") {
		t.Errorf("fetch warnings %q", fetches)
	}
}
