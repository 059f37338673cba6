package asar_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/asar"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// The oracles are two @electron/asar releases: 3.4.1, the last whose asar
// command runs on Node 20, and 4.3.2, whose command needs Node 22 but whose
// library runs on 20. Both write the integrity of every file, the form
// Electron checks when its integrity fuse is on; 4 also stores identical
// files once (entries share data) and drops the empty block hash 3 adds
// after a file that fills its last block.
var oracles = []string{"3.4.1", "4.3.2"}

// asarTool packs or extracts with one release: the asar command for 3,
// the library's createPackageWithOptions and extractAll for 4.
func asarTool(t testing.TB, version, op string, args ...string) {
	t.Helper()
	tool := testenv.NPMTool(t, "@electron/asar", version)
	node := testenv.Tool(t, "node")
	dir := t.TempDir()
	if strings.HasPrefix(version, "3.") {
		if op == "pack" {
			args = append(args, "--unpack", "*.node")
		}
		testenv.Run(t, dir, node, append([]string{filepath.Join(tool, "bin", "asar.js"), op}, args...)...)
		return
	}
	const script = `const [lib, op, a, b] = process.argv.slice(1);
const asar = await import(lib);
if (op === "pack") await asar.createPackageWithOptions(a, b, {unpack: "*.node"});
else await asar.extractAll(a, b);`
	lib := "file://" + filepath.ToSlash(filepath.Join(tool, "lib", "asar.js"))
	testenv.Run(t, dir, node, append([]string{"--input-type=module", "-e", script, lib, op}, args...)...)
}

// asarCLI runs the asar command of the first oracle.
func asarCLI(t testing.TB, dir string, args ...string) {
	t.Helper()
	tool := testenv.NPMTool(t, "@electron/asar", oracles[0])
	testenv.Run(t, dir, testenv.Tool(t, "node"), append([]string{filepath.Join(tool, "bin", "asar.js")}, args...)...)
}

// pseudoRandom is deterministic filler that does not compress.
func pseudoRandom(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// appTree lays out a small Electron app: nested directories, a bundled
// node_modules package, a native module to be unpacked, files on both sides
// of the 4 MiB integrity block size, an empty and an executable file and a
// symlink.
func appTree(t testing.TB) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "app")
	files := map[string][]byte{
		"package.json":                            []byte(`{"name":"demo-app","version":"0.1.0","main":"main.js"}` + "\n"),
		"main.js":                                 []byte("require('foo');\n"),
		"assets/same-as-main.js":                  []byte("require('foo');\n"),
		"lib/deep/er/still/nested.txt":            []byte("deep\n"),
		"node_modules/foo/package.json":           []byte(`{"name":"foo","version":"1.2.3","license":"MIT"}` + "\n"),
		"node_modules/foo/index.js":               []byte("module.exports = require('./build/Release/foo.node');\n"),
		"node_modules/foo/build/Release/foo.node": pseudoRandom(3000, 1),
		"assets/empty.txt":                        nil,
		"assets/exact-4m.bin":                     pseudoRandom(4<<20, 2),
		"assets/over-4m.bin":                      pseudoRandom(5<<20+123, 3),
		"données/é.txt":                           []byte("unicode\n"),
		"bin/run.sh":                              []byte("#!/bin/sh\necho hi\n"),
	}
	for name, b := range files {
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(src, "bin", "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../main.js", filepath.Join(src, "lib", "main-link.js")); err != nil {
		t.Fatal(err)
	}
	return src
}

// packApp builds app.asar (and app.asar.unpacked) from appTree with a
// release of the real tool and returns the archive's path.
func packApp(t testing.TB, version string) string {
	t.Helper()
	archive := filepath.Join(t.TempDir(), "app.asar")
	asarTool(t, version, "pack", appTree(t), archive)
	return archive
}

func openFile(t testing.TB, path string, opts *asar.Options) (*asar.Archive, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a, err := asar.Open(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return a, b
}

func readEntry(a *asar.Archive, e *asar.Entry) ([]byte, error) {
	r, err := a.Open(e)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// TestAsarMatchesExtract is the differential check: every entry and every
// byte must be what `asar extract` writes.
func TestAsarMatchesExtract(t *testing.T) {
	for _, version := range oracles {
		t.Run(version, func(t *testing.T) { matchesExtract(t, version) })
	}
}

func matchesExtract(t *testing.T, version string) {
	archive := packApp(t, version)
	dest := filepath.Join(t.TempDir(), "extracted")
	asarTool(t, version, "extract", archive, dest)

	a, raw := openFile(t, archive, nil)
	if !asar.Magic(raw[:min(len(raw), 8192)], int64(len(raw))) {
		t.Error("Magic does not recognise the archive")
	}
	if len(a.Problems) > 0 {
		t.Errorf("problems: %v", a.Problems)
	}

	// What the oracle wrote, by '/'-path.
	want := map[string]fs.FileMode{}
	err := filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dest {
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		want[filepath.ToSlash(rel)] = d.Type()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	got := map[string]bool{}
	var unpacked, verified []string
	for _, e := range a.Entries {
		got[e.Name] = true
		p := filepath.Join(dest, filepath.FromSlash(e.Name))
		mode, ok := want[e.Name]
		if !ok {
			t.Errorf("%s: listed but not extracted by asar", e.Name)
			continue
		}
		switch e.Type {
		case asar.TypeDir:
			if !mode.IsDir() {
				t.Errorf("%s: directory here, %v in the extraction", e.Name, mode)
			}
		case asar.TypeLink:
			target, err := os.Readlink(p)
			if err != nil {
				t.Errorf("%s: link here, not in the extraction: %v", e.Name, err)
				continue
			}
			if resolved := filepath.ToSlash(filepath.Join(filepath.Dir(e.Name), target)); resolved != e.Link {
				t.Errorf("%s: link to %q, extraction links to %q", e.Name, e.Link, resolved)
			}
		case asar.TypeFile:
			wantBytes, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("%s: %v", e.Name, err)
				continue
			}
			if e.Size != int64(len(wantBytes)) {
				t.Errorf("%s: size %d, extracted %d", e.Name, e.Size, len(wantBytes))
			}
			if fi, err := os.Stat(p); err == nil && e.Executable != (fi.Mode()&0o100 != 0) {
				t.Errorf("%s: executable=%v, extracted mode %v", e.Name, e.Executable, fi.Mode())
			}
			if e.Integrity == nil {
				t.Errorf("%s: no integrity", e.Name)
			}
			data, err := readEntry(a, e)
			if e.Unpacked {
				unpacked = append(unpacked, e.Name)
				if !errors.Is(err, asar.ErrUnpacked) {
					t.Errorf("%s: unpacked, Open error %v", e.Name, err)
				}
				checkFormatError(t, err, int64(len(raw)))
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", e.Name, err)
				continue
			}
			if !bytes.Equal(data, wantBytes) {
				t.Errorf("%s: %d bytes differ from the extracted %d", e.Name, len(data), len(wantBytes))
			}
			verified = append(verified, e.Name)
		}
	}
	for name := range want {
		if !got[name] {
			t.Errorf("%s: extracted by asar but not listed", name)
		}
	}
	if !slices.Equal(unpacked, []string{"node_modules/foo/build/Release/foo.node"}) {
		t.Errorf("unpacked = %q", unpacked)
	}
	for _, name := range []string{"node_modules/foo/package.json", "assets/exact-4m.bin", "assets/over-4m.bin", "assets/empty.txt", "données/é.txt", "lib/deep/er/still/nested.txt"} {
		if !slices.Contains(verified, name) {
			t.Errorf("%s not read and verified; verified %q", name, verified)
		}
	}
	// Release 4 stores the two identical files once.
	offsets := map[string]int64{}
	for _, e := range a.Entries {
		offsets[e.Name] = e.Offset
	}
	if _, ok := offsets["assets/same-as-main.js"]; !ok || offsets["main.js"] < 0 || offsets["assets/same-as-main.js"] < 0 {
		t.Fatalf("entries: %v", offsets)
	}
	if shared := offsets["main.js"] == offsets["assets/same-as-main.js"]; shared != strings.HasPrefix(version, "4.") {
		t.Errorf("identical files at offsets %d and %d", offsets["main.js"], offsets["assets/same-as-main.js"])
	}
	// Parents come before their contents.
	seen := map[string]bool{}
	for _, e := range a.Entries {
		if dir := filepath.ToSlash(filepath.Dir(e.Name)); dir != "." && !seen[dir] {
			t.Errorf("%s listed before its directory", e.Name)
		}
		seen[e.Name] = true
	}
}

// checkFormatError requires a *FormatError naming layer asar and an offset
// inside the archive.
func checkFormatError(t *testing.T, err error, size int64) *asar.FormatError {
	t.Helper()
	var fe *asar.FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *asar.FormatError", err, err)
	}
	if fe.Layer() != "asar" || fe.Offset() < 0 || fe.Offset() > size {
		t.Errorf("error %q: layer %q offset %d (archive of %d bytes)", err, fe.Layer(), fe.Offset(), size)
	}
	if !strings.HasPrefix(err.Error(), "asar: ") || !strings.Contains(err.Error(), fmt.Sprintf("at offset %d", fe.Offset())) {
		t.Errorf("error text %q does not name the layer and offset", err)
	}
	return fe
}

// TestAsarIntegrityMismatch changes one byte of data in block 1 of a file
// and in a small file: every byte is still returned, then the error names
// the block and where it starts.
func TestAsarIntegrityMismatch(t *testing.T) {
	archive := packApp(t, oracles[0])
	a, raw := openFile(t, archive, nil)
	find := func(name string) *asar.Entry {
		for _, e := range a.Entries {
			if e.Name == name {
				return e
			}
		}
		t.Fatalf("no entry %s", name)
		return nil
	}
	big, small := find("assets/over-4m.bin"), find("node_modules/foo/package.json")
	bad := slices.Clone(raw)
	bad[a.DataOffset+big.Offset+4<<20+77] ^= 0xff
	bad[a.DataOffset+small.Offset+3] ^= 0xff
	b, err := asar.Open(bytes.NewReader(bad), int64(len(bad)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		e  *asar.Entry
		at int64
	}{
		{big, a.DataOffset + big.Offset + 4<<20},
		{small, a.DataOffset + small.Offset},
	} {
		r, err := b.Open(tc.e)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		if !errors.Is(err, asar.ErrIntegrity) {
			t.Fatalf("%s: error %v, want an integrity mismatch", tc.e.Name, err)
		}
		if int64(len(data)) != tc.e.Size {
			t.Errorf("%s: %d of %d bytes returned before the mismatch", tc.e.Name, len(data), tc.e.Size)
		}
		if fe := checkFormatError(t, err, int64(len(bad))); fe.Offset() != tc.at {
			t.Errorf("%s: mismatch reported at %d, want %d: %v", tc.e.Name, fe.Offset(), tc.at, err)
		}
	}
}

// build writes an archive the way @electron/asar does, around any header
// text and data.
func build(header string, data []byte) []byte {
	str := 4 + (len(header)+3)/4*4
	var b bytes.Buffer
	for _, v := range []int{4, str + 4, str, len(header)} {
		binary.Write(&b, binary.LittleEndian, uint32(v))
	}
	b.WriteString(header)
	b.Write(make([]byte, str-4-len(header)))
	b.Write(data)
	return b.Bytes()
}

func sha(b []byte) string { return fmt.Sprintf("%x", sha256.Sum256(b)) }

// TestAsarBuild checks the hand-built archives used by the malformed cases
// against the real tool's reading: `asar extract` gets the same bytes.
func TestAsarBuild(t *testing.T) {
	data := []byte("hello, asar\n")
	header := fmt.Sprintf(`{"files":{"a":{"files":{"b.txt":{"size":%d,"offset":"0","integrity":{"algorithm":"SHA256","hash":"%s","blockSize":4194304,"blocks":["%s"]}}}}}}`,
		len(data), sha(data), sha(data))
	dir := t.TempDir()
	archive := filepath.Join(dir, "hand.asar")
	if err := os.WriteFile(archive, build(header, data), 0o644); err != nil {
		t.Fatal(err)
	}
	asarCLI(t, dir, "extract", archive, filepath.Join(dir, "x"))
	got, err := os.ReadFile(filepath.Join(dir, "x", "a", "b.txt"))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("asar extract of the hand-built archive: %q %v", got, err)
	}
	a, _ := openFile(t, archive, nil)
	if len(a.Entries) != 2 || len(a.Problems) > 0 {
		t.Fatalf("entries %v problems %v", a.Entries, a.Problems)
	}
	if b, err := readEntry(a, a.Entries[1]); err != nil || !bytes.Equal(b, data) {
		t.Fatalf("read %q %v", b, err)
	}
}

func TestAsarMalformed(t *testing.T) {
	good := build(`{"files":{"f":{"size":3,"offset":"0"}}}`, []byte("abc"))
	deep := strings.Repeat(`{"files":{"d":`, 300) + `{"size":0,"offset":"0"}` + strings.Repeat(`}}`, 300)
	for _, tc := range []struct {
		name string
		b    []byte
		opts *asar.Options
		at   int64 // the error's offset; -1 to check only that it is in range
		msg  string
	}{
		{"empty", nil, nil, 0, "too short"},
		{"truncated pickle header", good[:10], nil, 0, "too short"},
		{"not a size pickle", append([]byte{5, 0, 0, 0}, good[4:]...), nil, 0, "want 4"},
		{"header past end", good[:20], nil, 4, "runs past the end"},
		{"payload mismatch", func() []byte { b := slices.Clone(good); b[8]++; return b }(), nil, 8, "does not match"},
		{"json length too long", func() []byte { b := slices.Clone(good); b[12] += 8; return b }(), nil, 12, "exceeds"},
		{"header size limit", good, &asar.Options{MaxHeaderSize: 8}, 12, "MaxHeaderSize"},
		{"truncated json", build(`{"files":{"f":{"size":3,`, []byte("abc")), nil, -1, "JSON header"},
		{"json not object", build(`["files"]`, nil), nil, 16, "not an object"},
		{"no files", build(`{"fil":{}}`, nil), nil, 16, `no "files"`},
		{"trailing data", build(`{"files":{}} {}`, nil), nil, 28, "after the JSON header"},
		{"deep nesting", build(deep, nil), nil, -1, "MaxDepth"},
		{"too many entries", build(`{"files":{"a":{"files":{}},"b":{"files":{}},"c":{"files":{}}}}`, nil), &asar.Options{MaxEntries: 2}, -1, "MaxEntries"},
		{"names too long", build(`{"files":{"aaaaaaaa":{"files":{"bbbbbbbb":{"files":{}}}}}}`, nil), &asar.Options{MaxNameBytes: 20}, -1, "MaxNameBytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := asar.Open(bytes.NewReader(tc.b), int64(len(tc.b)), tc.opts)
			if err == nil {
				t.Fatal("no error")
			}
			fe := checkFormatError(t, err, int64(len(tc.b)))
			if tc.at >= 0 && fe.Offset() != tc.at {
				t.Errorf("offset %d, want %d: %v", fe.Offset(), tc.at, err)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// TestAsarMalformedEntries: a bad node spoils only itself; the archive
// opens and the entry's error names it and its offset.
func TestAsarMalformedEntries(t *testing.T) {
	for _, tc := range []struct {
		name, node, msg string
	}{
		{"offset past end", `{"size":3,"offset":"100"}`, "runs past the end"},
		{"size past end", `{"size":4,"offset":"0"}`, "runs past the end"},
		{"huge size", `{"size":9007199254740992,"offset":"0"}`, "runs past the end"},
		{"size beyond 2^53", `{"size":1e300,"offset":"0"}`, `"size"`},
		{"huge offset", `{"size":1,"offset":"99999999999999999999999"}`, `"offset"`},
		{"negative size", `{"size":-1,"offset":"0"}`, `"size"`},
		{"fractional size", `{"size":1.5,"offset":"0"}`, `"size"`},
		{"offset not numeric", `{"size":1,"offset":"0x10"}`, `"offset"`},
		{"no size", `{"offset":"0"}`, `"size"`},
		{"nothing", `{"mode":420}`, "neither"},
		{"not an object", `[1,[2]]`, "not an object"},
		{"offset is an object", `{"size":1,"offset":{"a":[1]}}`, "object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := build(`{"files":{"ok":{"size":3,"offset":"0"},"bad":`+tc.node+`,"after":{"size":2,"offset":"1"}}}`, []byte("abc"))
			a, err := asar.Open(bytes.NewReader(b), int64(len(b)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Entries) != 3 || a.Entries[1].Name != "bad" {
				t.Fatalf("entries %+v", a.Entries)
			}
			for i, e := range a.Entries {
				data, err := readEntry(a, e)
				if i == 1 {
					if err == nil {
						t.Fatalf("bad entry read %q", data)
					}
					checkFormatError(t, err, int64(len(b)))
					if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), `entry "bad"`) {
						t.Errorf("error %q does not say %q about entry \"bad\"", err, tc.msg)
					}
					continue
				}
				if want := "abc"[3-e.Size:]; err != nil || string(data) != want {
					t.Errorf("%s: %q %v, want %q", e.Name, data, err, want)
				}
			}
		})
	}
}

// TestAsarHeaderProblems: names Electron would refuse or shadow and
// integrity that cannot be checked are problems; the bytes are still read.
func TestAsarHeaderProblems(t *testing.T) {
	data := []byte("abcd")
	node := func(integrity string) string {
		return fmt.Sprintf(`{"size":4,"offset":"0","integrity":%s}`, integrity)
	}
	header := `{"files":{` +
		`"..":` + node(`{"algorithm":"SHA256","hash":"`+sha(data)+`","blockSize":2,"blocks":["`+sha(data[:2])+`","`+sha(data[2:])+`"]}`) +
		`,"a/b":` + node(`{"algorithm":"MD5","hash":"x","blockSize":4,"blocks":[]}`) +
		`,"dup":` + node(`{"algorithm":"SHA256","hash":"zz","blockSize":4,"blocks":[]}`) +
		`,"dup":` + node(`{"algorithm":"SHA256","hash":"`+sha(data)+`","blockSize":4,"blocks":["`+sha(data)+`","`+sha(data)+`","`+sha(data)+`"]}`) +
		`,"e":` + node(`"text"`) +
		`,"h":` + node(`null`) +
		`,"f":` + node(`{"algorithm":"SHA256","hash":"`+sha(data)+`","blockSize":0,"blocks":["`+sha(data)+`"]}`) +
		`,"g":` + node(`{"algorithm":"SHA256","hash":"`+sha(data)+`","blockSize":4,"blocks":"no"}`) +
		`}}`
	b := build(header, data)
	a, err := asar.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, p := range a.Problems {
		checkFormatError(t, p, int64(len(b)))
		msgs = append(msgs, p.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`entry ".." at offset`, `invalid entry name ".."`,
		`invalid entry name "a/b"`, `unsupported algorithm MD5`,
		`entry "dup"`, `hash zz is not a hex SHA-256`, `duplicate entry name "dup"`, `3 block hashes for 4 bytes in blocks of 4 (want 1)`,
		`entry "e"`, `integrity not checked: "integrity" is not an object`,
		`entry "h"`, `integrity not checked: unsupported algorithm <nil>`,
		`blockSize 0 is not a positive integer`, `blocks is not a list`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("problems do not say %q:\n%s", want, all)
		}
	}
	for _, e := range a.Entries {
		got, err := readEntry(a, e)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: %q %v", e.Name, got, err)
		}
		if (e.Integrity != nil) != (e.Name == "..") {
			t.Errorf("%s: integrity %+v", e.Name, e.Integrity)
		}
	}
}

// TestAsarDeepValues: values nested deeper than any limit under keys the
// reader does not use are skipped without recursion; in "integrity" they
// are a JSON error with its offset.
func TestAsarDeepValues(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	b := build(`{"files":{"f":{"size":0,"offset":"0","x":`+deep+`}},"x":`+deep+`}`, nil)
	a, err := asar.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil || len(a.Entries) != 1 || a.Entries[0].Err != nil {
		t.Fatalf("%v %+v", err, a)
	}
	b = build(`{"files":{"f":{"size":0,"offset":"0","integrity":`+deep+`}}}`, nil)
	_, err = asar.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err == nil {
		t.Fatal("no error")
	}
	checkFormatError(t, err, int64(len(b)))
}

// TestAsarIntegrityBlocks: both block-list forms verify, and the block
// count is checked against the data.
func TestAsarIntegrityBlocks(t *testing.T) {
	data := []byte("abcdefgh") // two full blocks of 4
	empty := sha(nil)
	for _, tc := range []struct {
		name   string
		blocks []string
		ok     bool
	}{
		{"asar 4 (no trailing block)", []string{sha(data[:4]), sha(data[4:])}, true},
		{"asar 3 (trailing empty block)", []string{sha(data[:4]), sha(data[4:]), empty}, true},
		{"wrong trailing block", []string{sha(data[:4]), sha(data[4:]), sha(data)}, false},
		{"swapped blocks", []string{sha(data[4:]), sha(data[:4])}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := fmt.Sprintf(`{"files":{"f":{"size":8,"offset":"0","integrity":{"algorithm":"SHA256","hash":"%s","blockSize":4,"blocks":["%s"]}}}}`,
				sha(data), strings.Join(tc.blocks, `","`))
			b := build(header, data)
			a, err := asar.Open(bytes.NewReader(b), int64(len(b)), nil)
			if err != nil || len(a.Problems) > 0 {
				t.Fatalf("%v %v", err, a.Problems)
			}
			_, err = readEntry(a, a.Entries[0])
			if tc.ok != (err == nil) {
				t.Fatalf("read error %v", err)
			}
			if err != nil {
				checkFormatError(t, err, int64(len(b)))
			}
		})
	}
}
