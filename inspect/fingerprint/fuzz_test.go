package fingerprint

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

type acHit struct{ anchor, start int }

func naiveSearch(anchors [][]byte, data []byte) []acHit {
	var out []acHit
	for ai, a := range anchors {
		for i := 0; i+len(a) <= len(data); i++ {
			if bytes.Equal(data[i:i+len(a)], a) {
				out = append(out, acHit{ai, i})
			}
		}
	}
	sortHits(out)
	return out
}

func sortHits(h []acHit) {
	sort.Slice(h, func(i, j int) bool {
		if h[i].start != h[j].start {
			return h[i].start < h[j].start
		}
		return h[i].anchor < h[j].anchor
	})
}

func acSearch(m *acMatcher, data []byte) []acHit {
	var out []acHit
	m.scan(data, func(a, s int) bool { out = append(out, acHit{a, s}); return true })
	sortHits(out)
	return out
}

// splitAnchors turns fuzz bytes into anchors: the first byte is the count,
// then each anchor is a length byte (4..19) and that many bytes. A small
// alphabet makes overlaps and shared prefixes likely.
func splitAnchors(spec []byte) [][]byte {
	if len(spec) == 0 {
		return nil
	}
	n := int(spec[0]%8) + 1
	spec = spec[1:]
	var out [][]byte
	for i := 0; i < n && len(spec) > 0; i++ {
		l := int(spec[0]%16) + 4
		spec = spec[1:]
		if l > len(spec) {
			break
		}
		a := make([]byte, l)
		for j := range a {
			a[j] = 'a' + spec[j]%4
		}
		spec = spec[l:]
		out = append(out, a)
	}
	return out
}

func FuzzAhoCorasick(f *testing.F) {
	f.Add([]byte{3, 4, 0, 1, 2, 3, 5, 0, 1, 2, 3, 0, 4, 1, 1, 1, 1}, []byte("abcdabcdaabcdbbbbbabcda"))
	f.Add([]byte{1, 0, 0, 0, 0, 0}, bytes.Repeat([]byte("a"), 40))
	f.Fuzz(func(t *testing.T, spec, text []byte) {
		anchors := splitAnchors(spec)
		if len(anchors) == 0 {
			return
		}
		for i := range text {
			text[i] = 'a' + text[i]%4
		}
		m, err := newACMatcher(anchors)
		if err != nil {
			t.Fatal(err)
		}
		got, want := acSearch(m, text), naiveSearch(anchors, text)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("anchors %q text %q:\n got %v\nwant %v", anchors, text, got, want)
		}
	})
}

// TestAhoCorasickBuiltinAnchors compares the compiled built-in automaton
// with a naive search over a real binary.
func TestAhoCorasickBuiltinAnchors(t *testing.T) {
	e := Default().ruleSet()
	dir := testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219")
	data := testenv.Gunzip(t, filepath.Join(dir, "windows-amd64_python311.dll.gz"))
	var anchors [][]byte
	for _, r := range e.raw {
		for _, p := range r.Patterns {
			for _, a := range p.Anchors {
				anchors = append(anchors, []byte(latin1(a)))
			}
			for _, h := range p.AnchorsHex {
				b, _ := hexDecode(h)
				anchors = append(anchors, b)
			}
		}
	}
	if len(anchors) != len(e.anchorLen) {
		t.Fatalf("%d anchors, engine has %d", len(anchors), len(e.anchorLen))
	}
	got, want := acSearch(e.ac, data), naiveSearch(anchors, data)
	if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("automaton found %d hits, naive search %d", len(got), len(want))
	}
}

func hexDecode(s string) ([]byte, error) {
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		if _, err := fmt.Sscanf(s[2*i:2*i+2], "%02x", &v); err != nil {
			return nil, err
		}
		b[i] = v
	}
	return b, nil
}

// FuzzIdentify feeds arbitrary bytes through Identify under names that
// trigger every evidence source. Seeds are real PE and Mach-O heads (cut to
// keep the corpus small) and a universal header built from them.
func FuzzIdentify(f *testing.F) {
	dir := testenv.Shared(f, "fixtures-real", "pbs-cpython-3.11.11-20241219")
	pe := testenv.Gunzip(f, filepath.Join(dir, "windows-amd64_libffi-8.dll.gz"))
	f.Add(pe, uint8(0))
	f.Add(pe[:4096], uint8(1))
	mac := testenv.Gunzip(f, filepath.Join(dir, "darwin-arm64_libpython3.11.dylib.gz"))
	f.Add(mac[:16384], uint8(2))
	fat := make([]byte, 4096)
	binary.BigEndian.PutUint32(fat, 0xcafebabe)
	binary.BigEndian.PutUint32(fat[4:], 1)
	binary.BigEndian.PutUint32(fat[8:], 0x0100000c)
	binary.BigEndian.PutUint32(fat[16:], 4096)
	binary.BigEndian.PutUint32(fat[20:], 8192)
	f.Add(append(fat, mac[:8192]...), uint8(3))
	f.Add([]byte("Name: pip\nVersion: 1.0\n\nbody"), uint8(4))
	f.Add([]byte("requests==2.0\n  idna==3.7 # c\n"), uint8(5))
	f.Add([]byte(`<package><metadata><id>X</id><version>1</version></metadata></package>`), uint8(6))
	f.Add([]byte(`{"name":"a","version":"1.0.0","license":[{"type":"MIT"}],"author":{"name":"x"}}`), uint8(8))
	f.Add([]byte(`{"libraries":{"A/1.0":{"type":"package"}}}`), uint8(9))
	f.Add([]byte("groupId=g\nartifactId=a\nversion=1\n"), uint8(10))
	f.Add([]byte(`<?xml version="1.0"?><plist version="1.0"><dict><key>CFBundleIdentifier</key><string>a.b</string><key>CFBundleShortVersionString</key><string>1.0</string></dict></plist>`), uint8(11))
	f.Add([]byte("bplist00\xd1\x01\x02_\x10\x12CFBundleIdentifierSa.b\x08\x0b\x20\x00\x00\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x24"), uint8(11))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[{"name":"z","versionInfo":"1"}]}`), uint8(12))
	if b, err := os.ReadFile("/usr/bin/true"); err == nil {
		f.Add(b, uint8(7))
	}
	names := []string{"a.dll", "x/libcrypto-3-x64.dll", "lib/libpython3.11.dylib", "Python", "p.dist-info/METADATA",
		"w.whl/pip/_vendor/vendor.txt", "x.nuspec", "libz.so.1",
		// catalogers added later: appended so existing corpus entries keep their names
		"app.asar/node_modules/a/package.json", "App.deps.json", "j.jar/META-INF/maven/g/a/pom.properties",
		"A.app/Contents/Info.plist", "p-1.dist-info/sboms/s.json", "q.egg-info/PKG-INFO"}
	e := Default()
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		name := names[int(which)%len(names)]
		rep := e.Identify(name, data)
		Aggregate([]*FileReport{rep, e.Identify("other.dll", data)})
		for _, fd := range rep.Findings {
			if fd.Name == "" || len(fd.Evidence) == 0 {
				t.Fatalf("finding without name or evidence: %+v", fd)
			}
			for _, ev := range fd.Evidence {
				if ev.Offset >= int64(len(data)) {
					t.Fatalf("evidence offset %d past %d bytes", ev.Offset, len(data))
				}
			}
		}
	})
}

func TestVersionInfoParser(t *testing.T) {
	dir := testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219")
	data := testenv.Gunzip(t, filepath.Join(dir, "windows-amd64_sqlite3.dll.gz"))
	rep := Default().Identify("sqlite3.dll", data)
	if rep.PE == nil {
		t.Fatal("no PE facts")
	}
	// Oracle: the fixed version is the 4-part form of the string version
	// (both are in the file; the string one is greppable as UTF-16).
	if rep.PE.VersionStrings["ProductVersion"] != "3.47.1.0" || rep.PE.ProductVersion != "3.47.1.0" || rep.PE.FileVersion != "3.47.1.0" {
		t.Errorf("version info %+v", rep.PE)
	}
	if !bytes.Contains(data, utf16le("3.47.1.0")) {
		t.Error("oracle: UTF-16 version string not in file")
	}
	if rep.PE.Machine != "amd64" || rep.Exports != "sqlite3.dll" {
		t.Errorf("machine %q export %q", rep.PE.Machine, rep.Exports)
	}
	// Truncated and corrupted version blocks must not panic or loop.
	for _, b := range [][]byte{nil, {6, 0}, {6, 0, 0, 0, 0, 0}, bytes.Repeat([]byte{0xff}, 100), {8, 0, 0, 0, 1, 0, 'V', 0}} {
		parseVersionInfo(b)
	}
}
