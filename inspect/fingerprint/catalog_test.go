package fingerprint

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func findingNamed(rep *FileReport, name string) *Finding {
	for i := range rep.Findings {
		if rep.Findings[i].Name == name {
			return &rep.Findings[i]
		}
	}
	return nil
}

// TestProductIdentityNodeNotifier: node-notifier 10.0.1 (npm) ships
// Notifu's notifu.exe and terminal-notifier.app. Truth: notifu.exe's own
// version resource (ProductName "Notifu", ProductVersion "1.7"), and the
// app's Contents/Info.plist (nl.superalloy.oss.terminal-notifier 1.7.2),
// as node-notifier's README names both tools.
func TestProductIdentityNodeNotifier(t *testing.T) {
	const pkg, ver = "node-notifier", "10.0.1"
	e := Default()
	for _, c := range []struct {
		file, name, version, rule string
	}{
		{"vendor/notifu/notifu.exe", "Notifu", "1.7", "pe.product"},
		{"vendor/notifu/notifu64.exe", "Notifu", "1.7", "pe.product"},
		{"vendor/mac.noindex/terminal-notifier.app/Contents/Info.plist", "terminal-notifier", "1.7.2", "macos.info-plist"},
	} {
		data := testenv.RegistryFile(t, "npm", pkg, ver, c.file)
		rep := e.Identify("node-notifier/"+c.file, data)
		f := findingNamed(rep, c.name)
		if f == nil || f.Version != c.version || !f.Own || f.Evidence[0].Rule != c.rule {
			t.Errorf("%s: want %s %s by %s, got %s", c.file, c.name, c.version, c.rule, describeFindings(rep))
		}
	}
	plist := e.Identify("x/terminal-notifier.app/Contents/Info.plist",
		testenv.RegistryFile(t, "npm", pkg, ver, "vendor/mac.noindex/terminal-notifier.app/Contents/Info.plist"))
	if f := findingNamed(plist, "terminal-notifier"); f == nil || f.Supplier != "Organization: Eloy Durán, Julien Blanchard" ||
		f.PURL != "pkg:generic/nl.superalloy.oss.terminal-notifier@1.7.2" {
		t.Errorf("terminal-notifier: %+v", f)
	}
	// An Info.plist outside a bundle says nothing about a product.
	if rep := e.Identify("docs/Info.plist", []byte(`<plist><dict><key>CFBundleIdentifier</key><string>a.b</string></dict></plist>`)); len(rep.Findings) != 0 {
		t.Errorf("loose Info.plist: %s", describeFindings(rep))
	}
}

func TestProductVersion(t *testing.T) {
	for _, c := range []struct{ s, fixed, want string }{
		{"Release 0.68", "0.68.0.0", "0.68"},
		{"8.00.50727.42", "8.0.50727.42", "8.0.50727.42"},
		{"1, 2, 3, 4", "", "1.2.3.4"},
		{"3.4.4-rtm-1321", "", "3.4.4-rtm-1321"},
		{"", "2.28.5.0", "2.28.5.0"},
		{"unknown", "0.0.0.0", ""},
	} {
		if got := productVersion(c.s, c.fixed); got != c.want {
			t.Errorf("productVersion(%q, %q) = %q, want %q", c.s, c.fixed, got, c.want)
		}
	}
	if meaningfulName("TODO: <Product name>") || meaningfulName("1.0") || !meaningfulName("PuTTY suite") {
		t.Error("meaningfulName")
	}
	if !extendsVersion("1.2.10.0", "1.2") || extendsVersion("0.68.0.0", "0.68") || extendsVersion("1.3.0.0", "1.2") {
		t.Error("extendsVersion")
	}
}

func TestEcosystemManifests(t *testing.T) {
	e := Default()
	cases := []struct {
		path, body, name, version, purl, license string
	}{
		{"app.asar/node_modules/@scope/pkg/package.json", `{"name":"@scope/pkg","version":"1.2.3","license":"MIT","author":"A B <a@b>"}`,
			"@scope/pkg", "1.2.3", "pkg:npm/%40scope/pkg@1.2.3", "MIT"},
		{"x/node_modules/left-pad/package.json", `{"name":"left-pad","version":"1.3.0","license":{"type":"WTFPL"}}`,
			"left-pad", "1.3.0", "pkg:npm/left-pad@1.3.0", "WTFPL"},
		{"app/lib/foo.jar/META-INF/maven/org.example/foo/pom.properties", "#x\ngroupId=org.example\nartifactId=foo\nversion=2.0.1\n",
			"org.example:foo", "2.0.1", "pkg:maven/org.example/foo@2.0.1", ""},
		{"app/App.deps.json", `{"libraries":{"Newtonsoft.Json/13.0.3":{"type":"package"},"App/1.0.0":{"type":"project"}}}`,
			"newtonsoft.json", "13.0.3", "pkg:nuget/Newtonsoft.Json@13.0.3", ""},
		{"w.whl/numpy-2.1.0.dist-info/sboms/auditwheel.cdx.json",
			`{"bomFormat":"CycloneDX","components":[{"name":"numpy","version":"2.1.0"},{"name":"libgfortran","version":"12.2.0","purl":"pkg:rpm/almalinux/libgfortran@12.2.0"}]}`,
			"libgfortran", "12.2.0", "pkg:rpm/almalinux/libgfortran@12.2.0", ""},
		{"site-packages/foo-1.0.egg-info/PKG-INFO", "Metadata-Version: 1.1\nName: Foo_Bar\nVersion: 1.0\n\n", "foo-bar", "1.0", "pkg:pypi/foo-bar@1.0", ""},
	}
	for _, c := range cases {
		rep := e.Identify(c.path, []byte(c.body))
		f := findingNamed(rep, c.name)
		if f == nil || f.Version != c.version || f.PURL != c.purl || f.License != c.license {
			t.Errorf("%s: want %s %s %s %q, got %+v", c.path, c.name, c.version, c.purl, c.license, rep.Findings)
		}
	}
	// A package.json whose directory is not its name (a fixture, a nested
	// module marker) is not a package.
	for _, p := range []string{"x/node_modules/foo/test/fixtures/package.json", "x/src/package.json"} {
		if rep := e.Identify(p, []byte(`{"name":"bar","version":"1.0.0"}`)); len(rep.Findings) != 0 {
			t.Errorf("%s: %s", p, describeFindings(rep))
		}
	}
}

// TestCargoAuditable adds a .dep-v0 section, as cargo-auditable writes it
// (zlib-compressed JSON), to a copy of an ELF program with objcopy.
func TestCargoAuditable(t *testing.T) {
	objcopy := testenv.Tool(t, "objcopy")
	dir := t.TempDir()
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(`{"packages":[{"name":"rg","version":"14.1.0","source":"local","root":true,"dependencies":[1]},` +
		`{"name":"memchr","version":"2.7.1","source":"crates.io"},{"name":"cc","version":"1.0.83","source":"crates.io","kind":"build"}]}`))
	zw.Close()
	sec := filepath.Join(dir, "dep")
	if err := os.WriteFile(sec, z.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "rg")
	if b, err := exec.Command(objcopy, "--add-section", ".dep-v0="+sec, "/usr/bin/true", out).CombinedOutput(); err != nil {
		t.Fatalf("objcopy: %v %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep := Default().Identify("bin/rg", data)
	var got []string
	for _, f := range rep.Findings {
		if strings.HasPrefix(f.PURL, "pkg:cargo/") {
			got = append(got, f.PURL+" "+map[bool]string{true: "own", false: "static"}[f.Own])
		}
	}
	want := "pkg:cargo/memchr@2.7.1 static,pkg:cargo/rg@14.1.0 own"
	if strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestRuleLicenseByVersion(t *testing.T) {
	r := &compiledRule{Rule: Rule{Licenses: []LicenseRange{{Before: "3.0.0", Expression: "OpenSSL"}, {From: "3.0.0", Expression: "Apache-2.0"}}}}
	for v, want := range map[string]string{"1.1.1w": "OpenSSL", "3.0.15": "Apache-2.0", "3.5.7": "Apache-2.0", "": ""} {
		if got := r.license(v); got != want {
			t.Errorf("license(%q) = %q, want %q", v, got, want)
		}
	}
	one := &compiledRule{Rule: Rule{Licenses: []LicenseRange{{Expression: "Zlib"}}}}
	if one.license("") != "Zlib" || one.license("1.3.1") != "Zlib" {
		t.Error("single range")
	}
}

// TestEcosystemManifestsReal: package.json and a jar's pom.properties as
// real packages ship them. Truth: node-notifier 10.0.1's own package.json
// (the registry's name and version, licence MIT); google-closure-compiler-java
// 20240317.0.0's compiler.jar shades Guava, whose pom.properties says
// com.google.guava:guava 32.1.2-jre.
func TestEcosystemManifestsReal(t *testing.T) {
	e := Default()
	pj := testenv.RegistryFile(t, "npm", "node-notifier", "10.0.1", "package.json")
	rep := e.Identify("app.asar/node_modules/node-notifier/package.json", pj)
	if f := findingNamed(rep, "node-notifier"); f == nil || f.Version != "10.0.1" || f.PURL != "pkg:npm/node-notifier@10.0.1" || f.License != "MIT" {
		t.Errorf("node-notifier package.json: %+v", rep.Findings)
	}
	jar := testenv.RegistryFile(t, "npm", "google-closure-compiler-java", "20240317.0.0", "compiler.jar")
	zr, err := zip.NewReader(bytes.NewReader(jar), int64(len(jar)))
	if err != nil {
		t.Fatal(err)
	}
	const prop = "META-INF/maven/com.google.guava/guava/pom.properties"
	rc, err := zr.Open(prop)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	rep = e.Identify("compiler.jar/"+prop, data)
	if f := findingNamed(rep, "com.google.guava:guava"); f == nil || f.Version != "32.1.2-jre" || f.PURL != "pkg:maven/com.google.guava/guava@32.1.2-jre" {
		t.Errorf("guava pom.properties: %+v", rep.Findings)
	}
}
