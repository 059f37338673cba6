package inspect_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// asarApp is an Electron app's resources/app.asar built by the real
// @electron/asar tool, with the native module left in app.asar.unpacked as
// Electron packagers do; files maps each path to its bytes.
type asarApp struct {
	asar     []byte
	unpacked map[string][]byte // path inside app.asar.unpacked
	files    map[string][]byte
}

func buildAsarApp(t *testing.T) asarApp {
	t.Helper()
	app := asarApp{files: map[string][]byte{
		"package.json":                                   []byte(`{"name":"demo-app","version":"0.1.0","main":"main.js"}` + "\n"),
		"main.js":                                        []byte("require('foo');\n"),
		"node_modules/foo/package.json":                  []byte(`{"name":"foo","version":"1.2.3","license":"MIT"}` + "\n"),
		"node_modules/foo/index.js":                      []byte("module.exports = require('./build/Release/foo.node');\n"),
		"node_modules/foo/build/Release/foo.node":        bytes.Repeat([]byte("not really ELF!"), 100),
		"node_modules/foo/node_modules/bar/package.json": []byte(`{"name":"bar","version":"4.5.6"}` + "\n"),
	}}
	src := filepath.Join(t.TempDir(), "app")
	for name, b := range app.files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	tool := testenv.NPMTool(t, "@electron/asar", "3.4.1")
	testenv.Run(t, out, testenv.Tool(t, "node"), filepath.Join(tool, "bin", "asar.js"), "pack", src, "app.asar", "--unpack", "*.node")
	var err error
	if app.asar, err = os.ReadFile(filepath.Join(out, "app.asar")); err != nil {
		t.Fatal(err)
	}
	const native = "node_modules/foo/build/Release/foo.node"
	b, err := os.ReadFile(filepath.Join(out, "app.asar.unpacked", filepath.FromSlash(native)))
	if err != nil {
		t.Fatalf("asar pack --unpack left no unpacked file: %v", err)
	}
	app.unpacked = map[string][]byte{native: b}
	return app
}

func inspectAsar(t *testing.T, name string, b []byte) (*inspect.Inventory, map[string]inspect.File) {
	t.Helper()
	inv, err := inspect.Inspect(bytes.NewReader(b), int64(len(b)), name, inspect.Options{Limits: inspect.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]inspect.File{}
	for _, f := range inv.Files {
		files[f.Path] = f
	}
	return inv, files
}

// TestAsarInZip: an Electron app zipped the way it is shipped for Windows
// and Linux. The node_modules inside app.asar are inventoried with their
// hashes; the unpacked native module is found beside the archive and its
// entry in the archive is a problem saying where its bytes are.
func TestAsarInZip(t *testing.T) {
	app := buildAsarApp(t)
	entries := []embedzip.Entry{{Name: "resources/app.asar", Data: app.asar}}
	for name, b := range app.unpacked {
		entries = append(entries, embedzip.Entry{Name: "resources/app.asar.unpacked/" + name, Data: b})
	}
	zipped, err := embedzip.Bytes(entries)
	if err != nil {
		t.Fatal(err)
	}
	inv, files := inspectAsar(t, "app.zip", zipped)
	if f := files["app.zip/resources/app.asar"]; f.Kind != inspect.KindArchive {
		t.Errorf("app.asar: %+v, want an archive", f)
	}
	for name, b := range app.files {
		p := "app.zip/resources/app.asar/" + name
		if _, ok := app.unpacked[name]; ok {
			p = "app.zip/resources/app.asar.unpacked/" + name
		}
		f, ok := files[p]
		if !ok {
			t.Errorf("%s not inventoried", p)
			continue
		}
		if f.SHA256 != testenv.SHA256Hex(b) || f.Size != int64(len(b)) {
			t.Errorf("%s: size %d sha256 %s, want %d %s", p, f.Size, f.SHA256, len(b), testenv.SHA256Hex(b))
		}
	}
	if len(inv.Problems) != 1 {
		t.Fatalf("problems: %+v", inv.Problems)
	}
	p := inv.Problems[0]
	if p.Path != "app.zip/resources/app.asar/node_modules/foo/build/Release/foo.node" || p.Layer != "asar" ||
		p.Offset <= 16 || p.Offset >= int64(len(app.asar)) || !strings.Contains(p.Message, "outside the archive") {
		t.Errorf("unpacked problem: %+v", p)
	}
}

// TestAsarInPkg: the same app in a macOS flat package, two containers
// deep (xar, then the gzipped cpio payload).
func TestAsarInPkg(t *testing.T) {
	app := buildAsarApp(t)
	const res = "./Applications/Demo.app/Contents/Resources"
	payload := []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.Dir(res), pkgbuild.File(res+"/app.asar", app.asar)}
	for name, b := range app.unpacked {
		payload = append(payload, pkgbuild.File(res+"/app.asar.unpacked/"+name, b))
	}
	var buf bytes.Buffer
	c := pkgbuild.Component{ID: "com.example.demo", Version: "0.1.0", InstallLocation: "/", Payload: payload}
	if err := pkgbuild.ComponentPackage(&buf, c, pkgbuild.XarOptions{Checksum: "sha256"}); err != nil {
		t.Fatal(err)
	}
	inv, _ := inspectAsar(t, "demo.pkg", buf.Bytes())
	const suffix = "/Applications/Demo.app/Contents/Resources/app.asar/node_modules/foo/node_modules/bar/package.json"
	var found bool
	for _, f := range inv.Files {
		if strings.HasSuffix(f.Path, suffix) {
			found = true
			if f.SHA256 != testenv.SHA256Hex(app.files["node_modules/foo/node_modules/bar/package.json"]) {
				t.Errorf("%s: sha256 %s", f.Path, f.SHA256)
			}
		}
	}
	if !found {
		var paths []string
		for _, f := range inv.Files {
			paths = append(paths, f.Path)
		}
		t.Fatalf("no file ending %s in %q", suffix, paths)
	}
	for _, p := range inv.Problems {
		if p.Layer != "asar" || !strings.Contains(p.Message, "outside the archive") {
			t.Errorf("problem %+v", p)
		}
	}
}

// TestAsarDirect: app.asar given on its own is sniffed as asar.
func TestAsarDirect(t *testing.T) {
	app := buildAsarApp(t)
	inv, files := inspectAsar(t, "app.asar", app.asar)
	if inv.Artifact.Format != "asar" {
		t.Errorf("format %q", inv.Artifact.Format)
	}
	if !slices.Contains(inspect.Formats(), "asar") {
		t.Errorf("formats %q", inspect.Formats())
	}
	if _, ok := files["app.asar/node_modules/foo/node_modules/bar/package.json"]; !ok {
		t.Errorf("nested node_modules not inventoried: %v", inv.Files)
	}
}

// TestAsarIntegrityProblem: a file whose bytes no longer match the
// integrity hashes is still inventoried, with a problem naming its data's
// offset.
func TestAsarIntegrityProblem(t *testing.T) {
	app := buildAsarApp(t)
	bad := slices.Clone(app.asar)
	dataStart := 8 + int64(binary.LittleEndian.Uint32(bad[4:]))
	i := bytes.Index(bad[dataStart:], []byte(`"name":"bar"`))
	if i < 0 {
		t.Fatal("bar's package.json not found in the data")
	}
	i += int(dataStart)
	bad[i+9] = 'B' // "bar" -> "bBr"
	inv, files := inspectAsar(t, "app.asar", bad)
	const name = "app.asar/node_modules/foo/node_modules/bar/package.json"
	if _, ok := files[name]; !ok {
		t.Fatalf("%s not inventoried", name)
	}
	var found bool
	for _, p := range inv.Problems {
		if p.Path == name {
			found = true
			if p.Layer != "asar" || p.Offset < dataStart || p.Offset > int64(i) || !strings.Contains(p.Message, "integrity") {
				t.Errorf("integrity problem: %+v", p)
			}
		}
	}
	if !found {
		t.Errorf("no integrity problem: %+v", inv.Problems)
	}
}

// TestAsarMalformedInspect: a broken archive inside a zip is a problem with
// the asar layer and its offset; the rest of the zip is still walked.
func TestAsarMalformedInspect(t *testing.T) {
	app := buildAsarApp(t)
	hps := binary.LittleEndian.Uint32(app.asar[4:])
	broken := slices.Clone(app.asar[:8+hps])                                                  // header only: every file's data is past the end
	truncated := slices.Clone(app.asar[:16+int(binary.LittleEndian.Uint32(app.asar[12:]))/2]) // JSON cut in half
	binary.LittleEndian.PutUint32(truncated[4:], uint32(len(truncated)-8))
	binary.LittleEndian.PutUint32(truncated[8:], uint32(len(truncated)-12))
	binary.LittleEndian.PutUint32(truncated[12:], uint32(len(truncated)-16))
	zipped, err := embedzip.Bytes([]embedzip.Entry{
		{Name: "a/app.asar", Data: broken},
		{Name: "b/app.asar", Data: truncated},
		{Name: "readme.txt", Data: []byte("hi\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	inv, files := inspectAsar(t, "app.zip", zipped)
	if _, ok := files["app.zip/readme.txt"]; !ok {
		t.Error("readme.txt not inventoried")
	}
	var past, cut int
	for _, p := range inv.Problems {
		switch {
		case p.Layer != "asar" || p.Offset < 0:
			t.Errorf("problem without the asar layer or an offset: %+v", p)
		case strings.HasPrefix(p.Path, "app.zip/a/app.asar/") && strings.Contains(p.Message, "runs past the end"):
			past++
		case p.Path == "app.zip/b/app.asar" && strings.Contains(p.Message, "JSON header") && p.Offset > 16:
			cut++
		}
	}
	if past != len(app.files)-1 || cut != 1 {
		t.Errorf("%d past-the-end and %d truncated-header problems: %+v", past, cut, inv.Problems)
	}
}
