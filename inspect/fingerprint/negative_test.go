package fingerprint

import (
	"bytes"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// ruleComponents are the findings that come from library rules (not Go
// build info, Python metadata or a file's own product identity).
func ruleComponents(fs []Finding) []Finding {
	var out []Finding
	for _, f := range fs {
		if !strings.HasPrefix(f.PURL, "pkg:golang/") && !strings.HasPrefix(f.PURL, "pkg:pypi/") && !isProductIdentity(f) {
			out = append(out, f)
		}
	}
	return out
}

// isProductIdentity: the finding is what the file says it is in its own
// version resource or Info.plist, not a library rule's claim.
func isProductIdentity(f Finding) bool {
	for _, ev := range f.Evidence {
		if ev.Rule == "pe.product" || ev.Rule == "macos.info-plist" || ev.Rule == "dotnet.assembly" {
			return true
		}
	}
	return false
}

// TestGoBinariesNoFalseComponents builds a minimal program for Windows and
// macOS (GOARCH=amd64, so the runtime builds are cached across runs) and
// scans those and the go tool itself (ELF): none contains a C library the
// rules know, and the Go modules reported are exactly the deps
// `go version -m` lists.
func TestGoBinariesNoFalseComponents(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	tmp := t.TempDir()
	if err := os.WriteFile(filepath.Join(tmp, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module example.com/hello\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bins := []string{goTool}
	for _, goos := range []string{"windows", "darwin"} {
		out := filepath.Join(tmp, "hello-"+goos)
		cmd := exec.Command(goTool, "build", "-o", out, ".")
		cmd.Dir = tmp
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", goos, err, b)
		}
		bins = append(bins, out)
	}
	kinds := map[string]string{"hello-windows": "pe", "go": "elf", "hello-darwin": "macho"}
	depLine := regexp.MustCompile(`(?m)^\s+dep\s+(\S+)\s+(\S+)`)
	for _, b := range bins {
		data, err := os.ReadFile(b)
		if err != nil {
			t.Fatal(err)
		}
		rep := Default().Identify(filepath.Base(b), data)
		if rep.Kind != kinds[filepath.Base(b)] {
			t.Errorf("%s: kind %q, want %q", b, rep.Kind, kinds[filepath.Base(b)])
		}
		if rc := ruleComponents(rep.Findings); len(rc) != 0 {
			t.Errorf("%s: false components %+v", b, rc)
		}
		var want, got []string
		for _, m := range depLine.FindAllStringSubmatch(string(testenv.Run(t, tmp, goTool, "version", "-m", b)), -1) {
			want = append(want, m[1]+"@"+m[2])
		}
		for _, f := range rep.Findings {
			if strings.HasPrefix(f.PURL, "pkg:golang/") && !f.Own {
				got = append(got, f.Name+"@"+f.Version)
			}
		}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: Go deps %v, go version -m says %v", b, got, want)
		}
	}
}

// TestDebianMingwZlib: Debian's libz-mingw-w64 zlib1.dll is a real, different
// zlib build; it must be zlib with its own version (oracle: its own
// "deflate X Copyright" banner, grepped here), nothing else.
func TestDebianMingwZlib(t *testing.T) {
	for _, p := range []string{"/usr/x86_64-w64-mingw32/lib/zlib1.dll", "/usr/i686-w64-mingw32/lib/zlib1.dll"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (needs Debian package libz-mingw-w64: make deps)", err)
		}
		m := regexp.MustCompile(`deflate (\d+\.\d+\.\d+) Copyright`).FindSubmatch(data)
		if m == nil {
			t.Fatalf("%s: no deflate banner", p)
		}
		rep := Default().Identify(p, data)
		comps, _ := Aggregate([]*FileReport{rep})
		assertExact(t, map[string][]byte{p: data}, comps, []want{{"zlib", string(m[1]), "dynamic"}})
	}
}

// TestWineDLLs scans every PE DLL of Debian's wine: its builtin DLLs
// reimplement Windows (and its own msvcp/vcruntime are not Microsoft's), so
// the only libraries the rules may report are those Wine's source tree
// bundles into its PE builds (libs/: zlib, libpng, libjpeg, libtiff, lcms2,
// libxml2, libxslt, OpenLDAP, mpg123, FAudio, …), and any version they
// report must be spelled in those bytes.
func TestWineDLLs(t *testing.T) {
	dlls, _ := filepath.Glob("/usr/lib/x86_64-linux-gnu/wine/*-windows/*.dll")
	if len(dlls) < 100 {
		t.Fatalf("%d wine DLLs found (needs Debian package libwine: make deps)", len(dlls))
	}
	bundled := map[string]bool{"zlib": true, "libpng": true, "libjpeg-turbo": true, "libtiff": true, "lcms2": true,
		"libxml2": true, "libxslt": true, "openldap": true, "mpg123": true, "faudio": true, "fluidsynth": true, "gsm": true}
	for _, p := range dlls {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rep := Default().Identify(p, data)
		if rep.Kind != "pe" {
			t.Errorf("%s: kind %q", p, rep.Kind)
		}
		for _, f := range rep.Findings {
			// Wine's DLLs name themselves "Wine" in their version
			// resource, with the Windows file version they imitate, and
			// CompanyName "Microsoft Corporation", which is not believed.
			if isProductIdentity(f) && (!strings.HasPrefix(f.Name, "Wine") || f.Supplier != "") {
				t.Errorf("%s: product identity %s %q %q, want Wine", p, f.Name, f.Version, f.Supplier)
			}
		}
		for _, f := range ruleComponents(rep.Findings) {
			if !bundled[f.Name] {
				t.Errorf("%s: false component %s %q (%v)", p, f.Name, f.Version, f.Evidence[0])
				continue
			}
			if f.Version != "" && !bytes.Contains(data, []byte(f.Version)) {
				t.Errorf("%s: %s %s not in the bytes", p, f.Name, f.Version)
			}
			if f.Name == "zlib" && !bytes.Contains(data, []byte("incorrect header check")) && !bytes.Contains(data, []byte("deflate ")) {
				t.Errorf("%s: zlib reported without zlib code", p)
			}
		}
	}
}

// TestELFImportersNotStatic: in /usr/bin, a program that loads a library
// (DT_NEEDED) never gets a static finding for that library, however many of
// the library's header constants it quotes (openssl, osslsigncode and
// python3.11 print or check them).
func TestELFImportersNotStatic(t *testing.T) {
	bins, _ := filepath.Glob("/usr/bin/*")
	e := Default()
	checked := 0
	for _, p := range bins {
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() || st.Size() > 64<<20 {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(data, []byte("\x7fELF")) {
			continue
		}
		checked++
		rep := e.Identify(p, data)
		for _, f := range ruleComponents(rep.Findings) {
			r := ruleByName(e, f.Name)
			for _, imp := range rep.Imports {
				if matchGlobs(r.libs, path.Base(imp)) {
					t.Errorf("%s imports %s but has a static %s %q finding", p, imp, f.Name, f.Version)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("only %d ELF files in /usr/bin", checked)
	}
	// Known importers on Debian: python3.11 loads libexpat and libz.
	if data, err := os.ReadFile("/usr/bin/python3.11"); err == nil {
		for _, f := range ruleComponents(e.Identify("python3.11", data).Findings) {
			if f.Name == "expat" || f.Name == "zlib" {
				t.Errorf("python3.11: %s %q reported though it is loaded from the system", f.Name, f.Version)
			}
		}
	}
}

func ruleByName(e *Engine, name string) *compiledRule {
	rules := e.ruleSet().rules
	for i := range rules {
		if rules[i].Name == name {
			return &rules[i]
		}
	}
	return &compiledRule{}
}

// TestJavaClassIsNotMachO: 0xCAFEBABE followed by a class-file version.
func TestJavaClassIsNotMachO(t *testing.T) {
	class := append([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}, bytes.Repeat([]byte{1}, 64)...)
	if rep := Default().Identify("A.class", class); rep.Kind != "" || len(rep.Errors) != 0 {
		t.Errorf("java class: kind %q errors %v", rep.Kind, rep.Errors)
	}
}

// TestMalformedHeadersKeepPatterns: a PE header that the parser rejects still
// gets its bytes scanned and the problem reported.
func TestMalformedHeadersKeepPatterns(t *testing.T) {
	data := make([]byte, 0x200)
	copy(data, "MZ")
	data[0x3c] = 0x80
	copy(data[0x80:], "PE\x00\x00")
	data = append(data, []byte("\x00OpenSSL 3.0.15 3 Sep 2024\x00")...)
	rep := Default().Identify("broken.dll", data)
	if rep.Kind != "pe" {
		t.Fatalf("kind %q", rep.Kind)
	}
	if len(rep.Errors) == 0 {
		t.Error("no header error reported")
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Name != "openssl" || rep.Findings[0].Version != "3.0.15" {
		t.Errorf("findings %+v", rep.Findings)
	}
}
