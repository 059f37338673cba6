package pkg

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/cpio"
	"github.com/installer-sbom/installer-sbom/inspect/pbzx"
	"github.com/installer-sbom/installer-sbom/inspect/xar"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

type fact struct {
	size   int64
	sha256 string
}

type walked struct {
	files   map[string]fact
	install map[string]string // entry name → install path
	pkgOf   map[string]string
	dirs    []string
	errs    []error
	data    map[string][]byte // kept for small checks
}

func open(t testing.TB, b []byte) *Package {
	t.Helper()
	x, err := xar.NewReader(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	p, err := FromXar(x, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func walk(t testing.TB, p *Package, keep func(string) bool) walked {
	t.Helper()
	w := walked{files: map[string]fact{}, install: map[string]string{}, pkgOf: map[string]string{}, data: map[string][]byte{}}
	err := p.Walk(func(e Entry, r io.Reader) error {
		if e.Err != nil {
			w.errs = append(w.errs, e.Err)
			return nil
		}
		if e.Dir {
			w.dirs = append(w.dirs, e.Name)
			return nil
		}
		b, err := io.ReadAll(r)
		if err != nil {
			w.errs = append(w.errs, err)
			return nil
		}
		if int64(len(b)) != e.Size {
			t.Errorf("%s: read %d bytes, entry says %d", e.Name, len(b), e.Size)
		}
		s := sha256.Sum256(b)
		w.files[e.Name] = fact{int64(len(b)), hex.EncodeToString(s[:])}
		w.install[e.Name] = e.InstallPath
		w.pkgOf[e.Name] = e.Package
		if keep != nil && keep(e.Name) {
			w.data[e.Name] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func treeFacts(dir string) map[string]fact {
	got := map[string]fact{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		s := sha256.Sum256(b)
		got[filepath.ToSlash(rel)] = fact{int64(len(b)), hex.EncodeToString(s[:])}
		return nil
	})
	return got
}

// oracle7zz extracts a package with 7-Zip, then extracts each Payload and
// Scripts (gunzipped when gzip) with 7-Zip again, giving the files under the
// names Walk uses.
func oracle7zz(t *testing.T, pkgPath string) map[string]fact {
	t.Helper()
	sz := testenv.Tool(t, "7zz")
	dir := t.TempDir()
	testenv.Run(t, dir, sz, "x", "-y", "-o"+dir, pkgPath)
	out := map[string]fact{}
	for name, f := range treeFacts(dir) {
		base := filepath.Base(name)
		if name == "[TOC].xml" {
			continue
		}
		if base != "Payload" && base != "Scripts" {
			out[name] = f
			continue
		}
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			b, _ = io.ReadAll(zr)
		}
		cp := filepath.Join(t.TempDir(), "x.cpio")
		os.WriteFile(cp, b, 0o644)
		sub := t.TempDir()
		testenv.Run(t, sub, sz, "x", "-y", "-snl", "-snld", "-o"+sub, cp)
		for n, f := range treeFacts(sub) {
			out[name+"/"+n] = f
		}
	}
	return out
}

func compare(t *testing.T, name string, got, want map[string]fact) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: oracle found nothing", name)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s: %s: got %+v, 7zz %+v", name, p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %s not found by 7zz", name, p)
		}
	}
}

func TestRealMumble(t *testing.T) {
	path := testenv.Shared(t, "fixtures-real", "xar", "mumble-overlay-1.2.x.payload.xar")
	b, _ := os.ReadFile(path)
	p := open(t, b)
	if !p.Product || p.Distribution == nil || p.Distribution.Title != "Mumble Overlay" || len(p.Problems) != 0 {
		t.Fatalf("product %v dist %+v problems %v", p.Product, p.Distribution, p.Problems)
	}
	if len(p.Components) != 2 {
		t.Fatalf("%d components", len(p.Components))
	}
	lib := p.Components[0]
	if lib.Dir != "libmumbleoverlay.pkg" || lib.ID() != "net.sourceforge.mumble.mumbleOverlay.libmumbleoverlay.pkg" ||
		lib.Info.Version != "15" || lib.Info.InstallKBytes != 136 || lib.Info.NumberOfFiles != 2 ||
		lib.Ref == nil || lib.Ref.InstallKBytes != 136 || lib.Ref.Auth != "Root" {
		t.Errorf("lib component %+v info %+v ref %+v", lib, lib.Info, lib.Ref)
	}
	osax := p.Components[1]
	if osax.Scripts == nil || osax.Info.Scripts["postinstall"] != "./postinstall" || len(osax.Info.Bundles) != 1 ||
		osax.Info.Bundles[0].ID != "net.sourceforge.mumble.OverlayScriptingAddition" {
		t.Errorf("osax component %+v", osax.Info)
	}
	if len(p.Distribution.Choices) != 2 || p.Distribution.Choices[1].Title != "MumbleOverlayLibrary" {
		t.Errorf("choices %+v", p.Distribution.Choices)
	}
	w := walk(t, p, func(n string) bool { return strings.HasSuffix(n, ".dylib") })
	if len(w.errs) != 0 || len(p.Problems) != 0 {
		t.Fatalf("errors %v problems %v", w.errs, p.Problems)
	}
	compare(t, "mumble", w.files, oracle7zz(t, path))
	const dylib = "libmumbleoverlay.pkg/Payload/libmumbleoverlay.dylib"
	if got := w.install[dylib]; got != "/Library/ScriptingAdditions/MumbleOverlay.osax/Contents/MacOS/libmumbleoverlay.dylib" {
		t.Errorf("install path %q", got)
	}
	if got := w.install["mumbleoverlay.pkg/Payload/MumbleOverlay.osax/Contents/MacOS/MumbleOverlay"]; got != "/Library/ScriptingAdditions/MumbleOverlay.osax/Contents/MacOS/MumbleOverlay" {
		t.Errorf("install path %q", got)
	}
	if w.pkgOf[dylib] != lib.ID() || w.install["mumbleoverlay.pkg/Scripts/postinstall"] != "" || w.pkgOf["mumbleoverlay.pkg/Scripts/postinstall"] != osax.ID() {
		t.Errorf("package/install of scripts and payload wrong")
	}
	// The dylib is a fat Mach-O with three slices (ppc7400, i386, x86_64).
	d := w.data[dylib]
	if len(d) < 8 || binary.BigEndian.Uint32(d) != 0xCAFEBABE || binary.BigEndian.Uint32(d[4:]) != 3 {
		t.Errorf("dylib header % x", d[:min(len(d), 8)])
	}
	if lib.PayloadFormat != CompressionGzip || lib.PayloadFiles != 2 {
		t.Errorf("payload %s %d", lib.PayloadFormat, lib.PayloadFiles)
	}
}

func TestRealNudge(t *testing.T) {
	for _, name := range []string{"nudge-launchagent-1.0.1.valid.pkg", "nudge-launchagent-1.0.1.bad_signature.pkg"} {
		path := testenv.Shared(t, "fixtures-real", "xar", name)
		b, _ := os.ReadFile(path)
		p := open(t, b)
		d := p.Distribution
		if d == nil || d.Product == nil || d.Product.ID != "com.github.macadmins.Nudge.LaunchAgent" || d.Product.Version != "1.0.1" {
			t.Fatalf("distribution %+v", d)
		}
		if len(d.PkgRefs) != 1 || d.PkgRefs[0].Component != "Nudge_LaunchAgent-1.0.1.pkg" || d.PkgRefs[0].Version != "1.0.1" || d.PkgRefs[0].InstallKBytes != 1 {
			t.Fatalf("pkg-refs %+v", d.PkgRefs[0])
		}
		c := p.Components[0]
		if len(p.Components) != 1 || c.Info.Identifier != "com.github.macadmins.Nudge.LaunchAgent" || c.InstallLocation() != "/Library/LaunchAgents" {
			t.Fatalf("component %+v", c.Info)
		}
		w := walk(t, p, nil)
		if len(w.errs) != 0 || len(p.Problems) != 0 {
			t.Fatalf("errors %v problems %v", w.errs, p.Problems)
		}
		compare(t, name, w.files, oracle7zz(t, path))
		if got := w.install["Nudge_LaunchAgent-1.0.1.pkg/Payload/com.github.macadmins.Nudge.plist"]; got != "/Library/LaunchAgents/com.github.macadmins.Nudge.plist" {
			t.Errorf("install path %q", got)
		}
	}
}

func TestInstallPath(t *testing.T) {
	for _, c := range [][3]string{
		{"/Library/Frameworks/Python.framework", "./Versions/3.11/lib/libpython3.11.dylib", "/Library/Frameworks/Python.framework/Versions/3.11/lib/libpython3.11.dylib"},
		{"/Library/X/", "a", "/Library/X/a"},
		{"", "./usr/local/bin/x", "/usr/local/bin/x"},
		{"/Applications", ".", "/Applications"},
		{"/", "./a/b", "/a/b"},
		// a traversal is kept, never resolved into another path
		{"/Applications", "./../../etc/passwd", "/Applications/../../etc/passwd"},
		{"/Applications", "Payload/../../../etc/passwd", "/Applications/Payload/../../../etc/passwd"},
	} {
		if got := InstallPath(c[0], c[1]); got != c[2] {
			t.Errorf("InstallPath(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}

func genProduct(t testing.TB, fw pkgbuild.Component) []byte {
	t.Helper()
	tools := pkgbuild.Component{
		ID: "org.python.Python.PythonUnixTools-3.11", Version: "3.11.11", InstallLocation: "/usr/local/bin",
		Dir: "PythonUnixTools-3.11.pkg", CpioFormat: "newc", Compression: "pbzx",
		Payload: []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.Symlink("./python3", "../../../Library/Frameworks/Python.framework/Versions/3.11/bin/python3"),
			pkgbuild.File("./README", []byte("tools"))},
	}
	var b bytes.Buffer
	prod := pkgbuild.Product{Title: "Python", ID: "org.python.Python.3.11", Version: "3.11.11", Components: []pkgbuild.Component{fw, tools}}
	if err := pkgbuild.ProductArchive(&b, prod, pkgbuild.XarOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pythonFramework(t testing.TB, compression string) (pkgbuild.Component, []byte) {
	t.Helper()
	fw, err := pkgbuild.PythonFramework(testenv.EmbedPython(t, testenv.Python311), lipoPath(t), t.TempDir(), compression)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range fw.Payload {
		if strings.HasSuffix(e.Name, ".dylib") {
			return fw, e.Data
		}
	}
	t.Fatal("no dylib")
	return fw, nil
}

// TestGeneratedUniversal2 builds a product archive from the real darwin
// libpython builds joined by llvm-lipo, and checks every file against what
// the generator put in and, for the gzip payload, against 7-Zip.
func TestGeneratedUniversal2(t *testing.T) {
	fw, fat := pythonFramework(t, "gzip")
	if binary.BigEndian.Uint32(fat) != 0xCAFEBABE || binary.BigEndian.Uint32(fat[4:]) != 2 {
		t.Fatalf("lipo output is not a 2-slice fat file: % x", fat[:8])
	}
	b := genProduct(t, fw)
	p := open(t, b)
	if !p.Product || len(p.Components) != 2 || len(p.Problems) != 0 {
		t.Fatalf("product %v components %d problems %v", p.Product, len(p.Components), p.Problems)
	}
	w := walk(t, p, nil)
	if len(w.errs) != 0 || len(p.Problems) != 0 {
		t.Fatalf("errors %v problems %v", w.errs, p.Problems)
	}
	const dylib = "PythonFramework-3.11.pkg/Payload/Versions/3.11/lib/libpython3.11.dylib"
	s := sha256.Sum256(fat)
	if w.files[dylib] != (fact{int64(len(fat)), hex.EncodeToString(s[:])}) {
		t.Errorf("dylib %+v", w.files[dylib])
	}
	if got := w.install[dylib]; got != "/Library/Frameworks/Python.framework/Versions/3.11/lib/libpython3.11.dylib" {
		t.Errorf("install path %q", got)
	}
	if w.pkgOf[dylib] != "org.python.Python.PythonFramework-3.11" {
		t.Errorf("package %q", w.pkgOf[dylib])
	}
	// The pbzx payload has no 7-Zip oracle; check it against the input.
	if w.files["PythonUnixTools-3.11.pkg/Payload/README"].size != 5 || w.install["PythonUnixTools-3.11.pkg/Payload/README"] != "/usr/local/bin/README" {
		t.Errorf("tools payload %+v", w.files)
	}
	if p.Components[1].PayloadFormat != CompressionPbzx || p.Components[0].PayloadFormat != CompressionGzip {
		t.Errorf("payload formats %s %s", p.Components[0].PayloadFormat, p.Components[1].PayloadFormat)
	}
	path := filepath.Join(t.TempDir(), "python.pkg")
	os.WriteFile(path, b, 0o644)
	want := oracle7zz(t, path)
	for k := range want {
		if strings.HasPrefix(k, "PythonUnixTools-3.11.pkg/Payload") {
			delete(want, k) // pbzx: 7-Zip lists the still-compressed stream
		}
	}
	for k := range w.files {
		if strings.HasPrefix(k, "PythonUnixTools-3.11.pkg/Payload/") {
			delete(w.files, k)
		}
	}
	compare(t, "generated", w.files, want)
}

// TestGeneratedComponentPackages covers single component packages with each
// payload compression and cpio format.
func TestGeneratedComponentPackages(t *testing.T) {
	payload := []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.Dir("./bin"), pkgbuild.File("./bin/tool", bytes.Repeat([]byte("tool"), 5000)), pkgbuild.File("./etc.conf", []byte("x=1\n"))}
	for _, comp := range []string{"gzip", "pbzx", "xz", "none"} {
		for _, format := range []string{"odc", "newc", "newc-crc"} {
			c := pkgbuild.Component{ID: "com.example.tool", Version: "2.0", InstallLocation: "/usr/local", Payload: payload, Compression: comp, CpioFormat: format,
				Scripts: []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.File("./preinstall", []byte("#!/bin/sh\n"))}}
			var b bytes.Buffer
			if err := pkgbuild.ComponentPackage(&b, c, pkgbuild.XarOptions{Checksum: "sha256"}); err != nil {
				t.Fatal(err)
			}
			p := open(t, b.Bytes())
			if p.Product || len(p.Components) != 1 || p.Components[0].Dir != "" || p.Components[0].ID() != "com.example.tool" {
				t.Fatalf("%s/%s: %+v", comp, format, p.Components[0])
			}
			w := walk(t, p, nil)
			if len(w.errs) != 0 || len(p.Problems) != 0 {
				t.Fatalf("%s/%s: %v %v", comp, format, w.errs, p.Problems)
			}
			var names []string
			for n := range w.files {
				names = append(names, n)
			}
			sort.Strings(names)
			if strings.Join(names, ",") != "PackageInfo,Payload/bin/tool,Payload/etc.conf,Scripts/preinstall" {
				t.Errorf("%s/%s: files %v", comp, format, names)
			}
			if w.install["Payload/bin/tool"] != "/usr/local/bin/tool" || w.files["Payload/bin/tool"].size != 20000 {
				t.Errorf("%s/%s: tool %q %+v", comp, format, w.install["Payload/bin/tool"], w.files["Payload/bin/tool"])
			}
			if p.Components[0].PayloadFormat != comp {
				t.Errorf("payload format %q, want %q", p.Components[0].PayloadFormat, comp)
			}
		}
	}
}

func TestMalformedPayload(t *testing.T) {
	c := pkgbuild.Component{ID: "com.example.x", Version: "1", InstallLocation: "/", Compression: "none",
		Payload: []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.File("./a", []byte("aaaa")), pkgbuild.File("./b", []byte("bbbb"))}}
	var buf bytes.Buffer
	pkgbuild.ComponentPackage(&buf, c, pkgbuild.XarOptions{})
	good := buf.Bytes()
	x, _ := xar.NewReader(bytes.NewReader(good), int64(len(good)), nil)
	var payload *xar.File
	for _, f := range x.Files {
		if f.Name == "Payload" {
			payload = f
		}
	}
	start := x.HeapOffset() + payload.Data.Offset
	t.Run("payload checksum", func(t *testing.T) {
		b := bytes.Clone(good)
		i := bytes.Index(b[start:], []byte("bbbb"))
		b[start+int64(i)] = 'c'
		w := walk(t, open(t, b), nil)
		if len(w.errs) != 1 || !errors.Is(w.errs[0], xar.ErrChecksum) {
			t.Fatalf("errors %v", w.errs)
		}
		var oe interface{ Layer() string }
		if !errors.As(w.errs[0], &oe) || oe.Layer() != "xar" {
			t.Errorf("layer of %v", w.errs[0])
		}
	})
	t.Run("cpio name overrun", func(t *testing.T) {
		b := bytes.Clone(good)
		// Second member "./a": its name size claims far past the stream.
		i := int64(bytes.Index(b[start+6:], []byte("070707"))) + start + 6
		copy(b[i+59:], "001000")
		w := walk(t, open(t, b), nil)
		if len(w.errs) == 0 {
			t.Fatal("no error")
		}
		var fe *cpio.FormatError
		if !errors.As(w.errs[0], &fe) || fe.Offset() != i-start {
			t.Errorf("want cpio error at %d, got %v", i-start, w.errs[0])
		}
	})
	t.Run("unknown compression", func(t *testing.T) {
		b := bytes.Clone(good)
		copy(b[start:], "zzzzzz")
		w := walk(t, open(t, b), nil)
		var fe *FormatError
		if len(w.errs) == 0 || !errors.As(w.errs[0], &fe) || fe.Offset() != start {
			t.Errorf("got %v", w.errs)
		}
	})
}

func TestParseMetadataErrors(t *testing.T) {
	for _, s := range []string{"", "<pkg-info/>", "<other identifier='x'/>", "<pkg-info identifier='x'><payload numberOfFiles='-1'/></pkg-info>"} {
		if _, err := ParsePackageInfo([]byte(s)); err == nil {
			t.Errorf("PackageInfo %q accepted", s)
		}
	}
	for _, s := range []string{"", "<installer-gui-script><pkg-ref/></installer-gui-script>", "<html/>", "<installer-script><pkg-ref id='a' installKBytes='x'/></installer-script>"} {
		if _, err := ParseDistribution([]byte(s)); err == nil {
			t.Errorf("Distribution %q accepted", s)
		}
	}
}

func FuzzPkg(f *testing.F) {
	for _, name := range []string{"mumble-overlay-1.2.x.payload.xar", "nudge-launchagent-1.0.1.valid.pkg"} {
		b, err := os.ReadFile(testenv.Shared(f, "fixtures-real", "xar", name))
		if err != nil {
			f.Fatal(err)
		}
		x, err := xar.NewReader(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			f.Fatal(err)
		}
		for _, fi := range x.Files {
			if strings.HasSuffix(fi.Name, "Distribution") || strings.HasSuffix(fi.Name, "PackageInfo") {
				r, _ := x.Open(fi)
				m, _ := io.ReadAll(r)
				f.Add(m)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := ParseDistribution(b); err == nil {
			for _, r := range d.PkgRefs {
				if r.ID == "" {
					t.Fatal("pkg-ref without id accepted")
				}
			}
		}
		if p, err := ParsePackageInfo(b); err == nil && p.Identifier == "" {
			t.Fatal("PackageInfo without identifier accepted")
		}
		// The same bytes as a stored Payload of a component package.
		var buf bytes.Buffer
		pkgbuild.WriteXar(&buf, []pkgbuild.XarEntry{
			{Name: "PackageInfo", Data: []byte(`<pkg-info identifier="f" install-location="/x"/>`)},
			{Name: "Payload", Data: b},
		}, pkgbuild.XarOptions{})
		x, err := xar.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), nil)
		if err != nil {
			t.Fatal(err)
		}
		p, err := FromXar(x, &Options{Cpio: cpio.Options{MaxFileSize: 1 << 20}, MaxPayloadSize: 4 << 20, Pbzx: pbzxOpts})
		if err != nil {
			t.Fatal(err)
		}
		p.Walk(func(e Entry, r io.Reader) error {
			if r != nil {
				io.Copy(io.Discard, r)
			}
			return nil
		})
	})
}

func BenchmarkPkgWalk(b *testing.B) {
	fw, _ := pythonFramework(b, "gzip")
	data := genProduct(b, fw)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x, err := xar.NewReader(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			b.Fatal(err)
		}
		p, err := FromXar(x, nil)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if err := p.Walk(func(e Entry, r io.Reader) error {
			if e.Err != nil {
				return e.Err
			}
			if r != nil {
				_, err := io.Copy(h, r)
				return err
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
}

var pbzxOpts = pbzx.Options{MaxChunkSize: 1 << 20, MaxDict: 1 << 20}

// lipoPath finds llvm-lipo; Debian's llvm package installs it versioned
// (llvm-lipo-14) when the unversioned alternative is missing.
func lipoPath(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("llvm-lipo"); err == nil {
		return p
	}
	if m, _ := filepath.Glob("/usr/bin/llvm-lipo-*"); len(m) > 0 {
		sort.Strings(m)
		return m[len(m)-1]
	}
	return testenv.Tool(t, "llvm-lipo") // fails the test with the usual message
}
