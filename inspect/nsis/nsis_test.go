package nsis_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/nsisbuild"
	"github.com/installer-sbom/installer-sbom/inspect/nsis"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// buildDir holds the installers built once per test binary.
var buildDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "nsis-test-*")
	if err != nil {
		panic(err)
	}
	buildDir = d
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

var (
	buildMu sync.Mutex
	built   = map[string]string{}
)

// sampleBins are the real third-party binaries in the sample installers.
var sampleBins = []string{"DLLs/sqlite3.dll", "DLLs/libffi-8.dll", "vcruntime140.dll"}

// sample builds (once) the sample installer of variant v and returns its
// bytes.
func sample(t *testing.T, v nsisbuild.Variant) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	p, ok := built[v.String()]
	if !ok {
		src := filepath.Join(buildDir, "src")
		if _, err := os.Stat(src); err != nil {
			nsisbuild.SampleTree(t, src)
			nsisbuild.CPythonDLLs(t, testenv.Python311, src, sampleBins...)
		}
		var bins []string
		for _, b := range sampleBins {
			bins = append(bins, filepath.Join(src, filepath.Base(b)))
		}
		p = nsisbuild.BuildT(t, buildDir, v.String()+".exe", nsisbuild.SampleSpec(v, src, bins))
		built[v.String()] = p
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// content is a file's size and SHA-256.
type content struct {
	size   int64
	sha256 string
}

func sum(b []byte) content {
	s := sha256.Sum256(b)
	return content{int64(len(b)), hex.EncodeToString(s[:])}
}

// listing is what the reader makes of an installer: every item's path (in
// Walk order) and bytes.
type listing struct {
	in    *nsis.Installer
	paths []string
	files map[string]content
	kinds map[string]nsis.Kind
	data  map[string][]byte
	errs  map[string]error
}

func read(t *testing.T, b []byte, opts *nsis.Options) *listing {
	t.Helper()
	in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	l := &listing{in: in, files: map[string]content{}, kinds: map[string]nsis.Kind{}, data: map[string][]byte{}, errs: map[string]error{}}
	err = in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error {
		l.paths = append(l.paths, it.Path)
		l.kinds[it.Path] = it.Kind
		if err != nil {
			l.errs[it.Path] = err
			return nil
		}
		data, err := io.ReadAll(r)
		if err != nil {
			l.errs[it.Path] = err
			return nil
		}
		if d.Size >= 0 && d.Size != int64(len(data)) {
			t.Errorf("%s: declared %d bytes, read %d", it.Path, d.Size, len(data))
		}
		l.files[it.Path] = sum(data)
		l.data[it.Path] = data
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return l
}

// sevenZip is what 7-Zip makes of the installer file: the paths it lists
// (7zz l -slt, in its order) mapped to ours (it leaves out "$INSTDIR/"),
// and the size and SHA-256 of each file it extracts.
func sevenZip(t *testing.T, exe string) ([]string, map[string]content) {
	t.Helper()
	out := testenv.Run(t, filepath.Dir(exe), testenv.Tool(t, "7zz"), "l", "-slt", exe)
	var paths []string
	for _, m := range regexp.MustCompile(`(?m)^Path = (.*)$`).FindAllStringSubmatch(string(out), -1)[1:] {
		paths = append(paths, ours(m[1]))
	}
	dir := t.TempDir()
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+dir, exe)
	files := map[string]content{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[ours(filepath.ToSlash(rel))] = sum(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return paths, files
}

// ours is our name for a path 7-Zip lists: it drops the "$INSTDIR/" we keep.
func ours(p string) string {
	if strings.HasPrefix(p, "$") || regexp.MustCompile(`^[A-Za-z]:/`).MatchString(p) {
		return p
	}
	return "$INSTDIR/" + p
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// compare7zz checks that the reader lists the same paths as 7-Zip, in the
// same order, and reads the same bytes for each.
func compare7zz(t *testing.T, l *listing, exe string) int {
	t.Helper()
	paths, files := sevenZip(t, exe)
	if strings.Join(l.paths, "\n") != strings.Join(paths, "\n") {
		t.Errorf("paths:\n%s\n7zz lists:\n%s", strings.Join(l.paths, "\n"), strings.Join(paths, "\n"))
	}
	matched := 0
	for p, want := range files {
		if got, ok := l.files[p]; !ok {
			t.Errorf("%s: 7zz extracts it, we read %v", p, l.errs[p])
		} else if got != want {
			t.Errorf("%s: %d bytes %s, 7zz extracts %d bytes %s", p, got.size, got.sha256, want.size, want.sha256)
		} else {
			matched++
		}
	}
	for p := range l.files {
		if _, ok := files[p]; !ok {
			t.Errorf("%s: we read it, 7zz extracts nothing there", p)
		}
	}
	return matched
}

// Every compressor, solid and not, Unicode and ANSI: the reader lists the
// files 7-Zip lists, in its order, at its paths (with "$INSTDIR/"), with the
// bytes 7-Zip extracts, uninstaller included; the uninstaller it rebuilds is
// itself an NSIS uninstaller that both read alike.
func TestAgainst7zz(t *testing.T) {
	for _, v := range nsisbuild.Variants {
		t.Run(v.String(), func(t *testing.T) {
			b := sample(t, v)
			l := read(t, b, nil)
			in := l.in
			wantMethod := map[string]nsis.Method{"zlib": nsis.Deflate, "bzip2": nsis.BZip2, "lzma": nsis.LZMA, "none": nsis.Stored}[v.Compressor]
			if in.Method != wantMethod || in.Solid != v.Solid || in.Unicode == v.ANSI || in.NSIS2 || in.Uninstaller() || in.Truncated {
				t.Errorf("method %s solid %v unicode %v nsis2 %v uninstaller %v truncated %v", in.Method, in.Solid, in.Unicode, in.NSIS2, in.Uninstaller(), in.Truncated)
			}
			if in.Name != "installer-sbom sample" || in.InstallDir != "$PROGRAMFILES64/installer-sbom sample" {
				t.Errorf("name %q, install dir %q", in.Name, in.InstallDir)
			}
			if err := in.CheckCRC(); err != nil {
				t.Errorf("CRC: %v", err)
			}
			if len(l.errs) > 0 {
				t.Errorf("errors: %v", l.errs)
			}
			for p, k := range map[string]nsis.Kind{
				"$INSTDIR/bin/sqlite3.dll": nsis.KindFile, "$INSTDIR/bin/deep/er/sqlite3.dll": nsis.KindFile,
				"$INSTDIR/copy/sqlite3.dll": nsis.KindFile, "$INSTDIR/empty.txt": nsis.KindFile,
				"$INSTDIR/lib/tree/sub/deep/c.txt": nsis.KindFile,
				"$PLUGINSDIR/nsExec.dll":           nsis.KindPlugin, "$INSTDIR/uninstall.exe": nsis.KindUninstaller,
			} {
				if got, ok := l.kinds[p]; !ok || got != k {
					t.Errorf("%s: kind %v (listed %v), want %v", p, got, ok, k)
				}
			}
			if l.files["$INSTDIR/empty.txt"].size != 0 || l.files["$INSTDIR/copy/sqlite3.dll"] != l.files["$INSTDIR/bin/sqlite3.dll"] {
				t.Error("empty file or copy differs")
			}
			exe := writeTemp(t, v.String()+".exe", b)
			n := compare7zz(t, l, exe)
			t.Logf("%s: %d files match 7zz", v, n)

			un := read(t, l.data["$INSTDIR/uninstall.exe"], nil)
			if !un.in.Uninstaller() || un.in.Method != in.Method || un.in.Solid != in.Solid {
				t.Errorf("uninstaller: uninstaller %v method %s solid %v", un.in.Uninstaller(), un.in.Method, un.in.Solid)
			}
			if _, ok := un.files["$PLUGINSDIR/nsExec.dll"]; !ok || len(un.paths) != 1 {
				t.Errorf("uninstaller lists %v", un.paths)
			}
			compare7zz(t, un, writeTemp(t, "uninstall.exe", l.data["$INSTDIR/uninstall.exe"]))
		})
	}
}

// Install paths follow the script: names relative to the last SetOutPath
// (File /r's directories through $_OUTDIR), absolute ones alone. 7-Zip
// agrees except where it joins a name that starts with a shell folder or
// $OUTDIR to the output directory, which exehead does not.
func TestInstallPaths(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	nsisbuild.SampleTree(t, src)
	readme := filepath.Join(src, "readme.txt")
	spec := nsisbuild.Spec{Compressor: "zlib", Files: []nsisbuild.File{
		{Src: readme, OutPath: `$INSTDIR\`},
		{Src: filepath.Join(src, "tree"), OutPath: `$INSTDIR\lib`, Recursive: true},
		{Src: readme, Name: "renamed.txt"},
		{Src: readme, Name: `$SYSDIR\sys.txt`},
		{Src: readme, Name: `$OUTDIR\out.txt`},
		{Src: readme, Name: `C:\abs\c.txt`},
		{Src: readme, OutPath: `$TEMP\t`},
		{Src: readme, OutPath: `$APPDATA\app`},
		{Src: readme, OutPath: `$PROGRAMFILES\p`},
	}}
	exe := nsisbuild.BuildT(t, dir, "paths.exe", spec)
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	l := read(t, b, nil)
	got := append([]string(nil), l.paths...)
	sort.Strings(got)
	want := []string{"$APPDATA/app/readme.txt", "$INSTDIR/lib/out.txt", "$INSTDIR/lib/renamed.txt",
		"$INSTDIR/lib/tree/a.txt", "$INSTDIR/lib/tree/sub/b.txt", "$INSTDIR/lib/tree/sub/deep/c.txt",
		"$INSTDIR/readme.txt", "$PROGRAMFILES/p/readme.txt", "$SYSDIR/sys.txt", "$TEMP/t/readme.txt", "C:/abs/c.txt"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	seven, _ := sevenZip(t, exe)
	sort.Strings(seven)
	differ := map[string]string{"$SYSDIR/sys.txt": "$INSTDIR/lib/$SYSDIR/sys.txt", "$INSTDIR/lib/out.txt": "$INSTDIR/lib/$OUTDIR/out.txt"}
	var mapped []string
	for _, p := range want {
		if d, ok := differ[p]; ok {
			p = d
		}
		mapped = append(mapped, p)
	}
	sort.Strings(mapped)
	if strings.Join(seven, "\n") != strings.Join(mapped, "\n") {
		t.Errorf("7zz lists:\n%s\nwant (with the two documented differences):\n%s", strings.Join(seven, "\n"), strings.Join(mapped, "\n"))
	}
}

// A cut download: the header is there, so every file is listed; those
// whose bytes are present are read, the others fail with ErrTruncated at an
// offset inside the file, and nothing is read past its end.
func TestTruncated(t *testing.T) {
	for _, v := range []nsisbuild.Variant{{Compressor: "lzma", Solid: true}, {Compressor: "bzip2"}, {Compressor: "zlib", Solid: true}} {
		t.Run(v.String(), func(t *testing.T) {
			full := read(t, sample(t, v), nil)
			b := sample(t, v)
			cut := b[:full.in.Offset+(int64(len(b))-full.in.Offset)*2/3]
			l := read(t, cut, nil)
			if !l.in.Truncated || strings.Join(l.paths, "\n") != strings.Join(full.paths, "\n") {
				t.Fatalf("truncated %v, paths %v", l.in.Truncated, l.paths)
			}
			if len(l.files) == 0 || len(l.errs) == 0 {
				t.Fatalf("%d files read, %d errors", len(l.files), len(l.errs))
			}
			for p, c := range l.files {
				if c != full.files[p] {
					t.Errorf("%s read differently from the cut file", p)
				}
			}
			for p, err := range l.errs {
				var fe *nsis.FormatError
				// The offset is where the data is or should be: a block
				// declared past the end keeps its place (the walker
				// clamps it and says so).
				if !errors.Is(err, nsis.ErrTruncated) || !errors.As(err, &fe) || fe.Layer() != "nsis" ||
					fe.Offset() < full.in.Offset || fe.Offset() > full.in.Offset+full.in.ArchiveSize {
					t.Errorf("%s: %v", p, err)
				}
				if !strings.Contains(err.Error(), p) {
					t.Errorf("error does not name the file: %v", err)
				}
			}
		})
	}
}

// A plain PE file is not an NSIS installer: Match says no from its head,
// Open says ErrNotNSIS; a stub without its data (a .ndata section, an
// overlay of something else) may match but does not open.
func TestNotNSIS(t *testing.T) {
	py := testenv.Gunzip(t, filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "python.exe.gz"))
	if nsis.Match(py[:min(len(py), 64<<10)], int64(len(py))) {
		t.Error("python.exe matches")
	}
	if _, err := nsis.Open(bytes.NewReader(py), int64(len(py)), nil); !errors.Is(err, nsis.ErrNotNSIS) {
		t.Errorf("python.exe: %v", err)
	}
	b := sample(t, nsisbuild.Variant{Compressor: "zlib"})
	if !nsis.Match(b[:64<<10], int64(len(b))) {
		t.Error("the installer does not match from its 64 KiB head")
	}
	l := read(t, b, nil)
	stub := append(bytes.Clone(b[:l.in.Offset]), bytes.Repeat([]byte("not nsis"), 4096)...)
	if !nsis.Match(stub[:64<<10], int64(len(stub))) {
		t.Error("a stub with an overlay does not match (Open must decide)")
	}
	if _, err := nsis.Open(bytes.NewReader(stub), int64(len(stub)), nil); !errors.Is(err, nsis.ErrNotNSIS) {
		t.Errorf("stub: %v", err)
	}
	if nsis.Match(b[:l.in.Offset], l.in.Offset) {
		t.Error("a stub without overlay matches")
	}
	if _, err := nsis.Open(bytes.NewReader([]byte("MZ")), 2, nil); !errors.Is(err, nsis.ErrNotNSIS) {
		t.Errorf("2 bytes: %v", err)
	}
}

// A byte changed after makensis wrote the installer breaks its CRC32.
func TestCRC(t *testing.T) {
	b := bytes.Clone(sample(t, nsisbuild.Variant{Compressor: "zlib"}))
	l := read(t, b, nil)
	i := bytes.Index(b, l.data["$INSTDIR/noise.bin"][:64]) // stored raw
	if i < 0 {
		t.Fatal("noise.bin is not stored raw")
	}
	b[i] ^= 1
	l = read(t, b, nil)
	if err := l.in.CheckCRC(); !errors.Is(err, nsis.ErrCRC) {
		t.Errorf("CheckCRC: %v", err)
	}
}

func ExampleInstaller_Walk() {
	b, err := os.ReadFile("setup.exe")
	if err != nil {
		return
	}
	in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		return
	}
	_ = in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error {
		if err != nil {
			fmt.Println(it.Path, err)
			return nil
		}
		n, _ := io.Copy(io.Discard, r)
		fmt.Println(it.Path, it.Kind, n)
		return nil
	})
}
