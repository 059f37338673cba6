package cab_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// entry is what a reader or an extractor produced for one file.
type entry struct {
	Size   int64
	SHA256 string
}

func fixture(t testing.TB, rel ...string) string {
	return testenv.Shared(t, append([]string{"fixtures-real"}, rel...)...)
}

func openFile(t testing.TB, path string, opts *cab.Options) *cab.Cabinet {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cab.Open(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

// walkAll hashes every file the walk produces and collects per-file errors.
func walkAll(t testing.TB, c *cab.Cabinet) (map[string]entry, map[string]error) {
	t.Helper()
	got := map[string]entry{}
	errs := map[string]error{}
	err := c.Walk(func(f *cab.File, r io.Reader, err error) error {
		name := strings.ReplaceAll(f.Name, `\`, "/")
		if err != nil {
			errs[name] = err
			return nil
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			errs[name] = err
			return nil
		}
		if n != f.Size {
			t.Errorf("%s: read %d bytes, declared %d", f.Name, n, f.Size)
		}
		got[name] = entry{n, hex.EncodeToString(h.Sum(nil))}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return got, errs
}

// hashTree hashes every regular file under dir, keyed by '/'-separated path.
func hashTree(t testing.TB, dir string) map[string]entry {
	t.Helper()
	got := map[string]entry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		got[filepath.ToSlash(rel)] = entry{int64(len(b)), hex.EncodeToString(sum[:])}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func cabextract(t testing.TB, path string) map[string]entry {
	t.Helper()
	dir := t.TempDir()
	testenv.Run(t, "", testenv.Tool(t, "cabextract"), "-q", "-d", dir, path)
	return hashTree(t, dir)
}

func sevenZip(t testing.TB, path string) map[string]entry {
	t.Helper()
	dir := t.TempDir()
	testenv.Run(t, "", testenv.Tool(t, "7zz"), "x", "-y", "-bd", "-o"+dir, path)
	return hashTree(t, dir)
}

func sameEntries(t *testing.T, what string, got, want map[string]entry) {
	t.Helper()
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		g, gok := got[n]
		w, wok := want[n]
		switch {
		case !gok:
			t.Errorf("%s: %s missing from our walk (want %d bytes %s)", what, n, w.Size, w.SHA256)
		case !wok:
			t.Errorf("%s: %s produced by us but not by the oracle", what, n)
		case g != w:
			t.Errorf("%s: %s: got %d bytes %s, want %d bytes %s", what, n, g.Size, g.SHA256, w.Size, w.SHA256)
		}
	}
	if len(want) == 0 {
		t.Errorf("%s: oracle produced no files", what)
	}
}

// TestDifferential compares every readable fixture cab with cabextract and
// 7-Zip: same names, sizes and SHA-256 digests.
func TestDifferential(t *testing.T) {
	cases := []struct {
		path    []string
		skip    string // file we do not decode (Quantum)
		skipMsg string
	}{
		{path: []string{"cab", "normal_2files_2folders.cab"}},
		{path: []string{"cab", "mixed.cab"}},
		{path: []string{"cab", "large-files-cab.NESTED-BOMB.cab"}},
		{path: []string{"msi", "vcredis1.cab"}},
		{path: []string{"msi", "msi_with_external_cab.cab"}},
	}
	for _, tc := range cases {
		t.Run(tc.path[len(tc.path)-1], func(t *testing.T) {
			p := fixture(t, tc.path...)
			got, errs := walkAll(t, openFile(t, p, nil))
			for name, err := range errs {
				if name == tc.skip && strings.Contains(err.Error(), tc.skipMsg) {
					continue
				}
				t.Errorf("%s: %v", name, err)
			}
			for _, oracle := range []struct {
				name string
				run  func(testing.TB, string) map[string]entry
			}{{"cabextract", cabextract}, {"7zz", sevenZip}} {
				want := oracle.run(t, p)
				if tc.skip != "" {
					if _, ok := want[tc.skip]; !ok {
						t.Errorf("%s did not extract %s", oracle.name, tc.skip)
					}
					delete(want, tc.skip)
				}
				sameEntries(t, oracle.name, got, want)
			}
		})
	}
}

// TestMixedText checks the MSZIP, LZX and Quantum folders of mixed.cab
// against the text cabextract prints for them.
func TestMixedText(t *testing.T) {
	p := fixture(t, "cab", "mixed.cab")
	c := openFile(t, p, nil)
	var got bytes.Buffer
	err := c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		_, err = io.Copy(&got, r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := testenv.Run(t, "", testenv.Tool(t, "cabextract"), "-q", "-p", "-F", "mszip.txt", p)
	want = append(want, testenv.Run(t, "", testenv.Tool(t, "cabextract"), "-q", "-p", "-F", "lzx.txt", p)...)
	want = append(want, testenv.Run(t, "", testenv.Tool(t, "cabextract"), "-q", "-p", "-F", "qtm.txt", p)...)
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("got\n%q\nwant\n%q", got.Bytes(), want)
	}
	if got := []string{c.Folders[0].Compression, c.Folders[1].Compression, c.Folders[2].Compression}; fmt.Sprint(got) != "[mszip lzx:18 quantum:18]" {
		t.Errorf("compression: %v", got)
	}
}

// multiSet returns the 5-part set under the names its headers use.
func multiSet(t testing.TB) map[string][]byte {
	t.Helper()
	set := map[string][]byte{}
	for i := 1; i <= 5; i++ {
		b, err := os.ReadFile(fixture(t, "cab", fmt.Sprintf("multi_basic_pt%d.cab", i)))
		if err != nil {
			t.Fatal(err)
		}
		set[fmt.Sprintf("cabd_multi_basic_pt%d.cab", i)] = b
	}
	return set
}

func TestMultiCabinetSet(t *testing.T) {
	set := multiSet(t)
	first := set["cabd_multi_basic_pt1.cab"]
	var asked []string
	next := func(name string) (io.ReaderAt, int64, error) {
		asked = append(asked, name)
		b, ok := set[name]
		if !ok {
			return nil, 0, fs.ErrNotExist
		}
		return bytes.NewReader(b), int64(len(b)), nil
	}
	c, err := cab.OpenSet(bytes.NewReader(first), int64(len(first)), next, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "[cabd_multi_basic_pt2.cab cabd_multi_basic_pt3.cab cabd_multi_basic_pt4.cab cabd_multi_basic_pt5.cab]"; fmt.Sprint(asked) != want {
		t.Errorf("next() asked for %v, want %s", asked, want)
	}
	if len(c.Folders) != 1 || c.Folders[0].DataBlocks != 5 || c.NextCabinet != "" || c.SetID != 12345 {
		t.Errorf("merged set: %d folders, %+v, next %q, set %d", len(c.Folders), c.Folders[0], c.NextCabinet, c.SetID)
	}
	got, errs := walkAll(t, c)
	for n, err := range errs {
		t.Errorf("%s: %v", n, err)
	}
	// Oracle: cabextract follows the chain when the parts carry the names
	// in their headers.
	dir := t.TempDir()
	for name, b := range set {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := cabextract(t, filepath.Join(dir, "cabd_multi_basic_pt1.cab"))
	sameEntries(t, "cabextract", got, want)
	if len(got) != 3 {
		t.Errorf("got %d files, want 3 (spanned entries listed once)", len(got))
	}

	// Alone, the first part cannot produce files that continue into the
	// second; the middle part cannot produce files that began earlier.
	for _, name := range []string{"cabd_multi_basic_pt1.cab", "cabd_multi_basic_pt3.cab"} {
		b := set[name]
		c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, errs := walkAll(t, c)
		if len(errs) != 3 {
			t.Errorf("%s alone: %d file errors, want 3", name, len(errs))
		}
		for n, err := range errs {
			var fe *cab.FormatError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), "which was not opened") {
				t.Errorf("%s alone: %s: %v", name, n, err)
			}
		}
	}

	// A missing or damaged part ends the set there, with the part's name
	// in SetErr: the parts before it are read (as cabextract reads them),
	// and data continuing past them fails with "which was not opened".
	for _, damage := range []string{"missing", "truncated"} {
		if damage == "missing" {
			delete(set, "cabd_multi_basic_pt4.cab")
		} else {
			set["cabd_multi_basic_pt4.cab"] = multiSet(t)["cabd_multi_basic_pt4.cab"][:150]
		}
		asked = nil
		c, err := cab.OpenSet(bytes.NewReader(first), int64(len(first)), next, nil)
		if err != nil || c.SetErr == nil || !strings.Contains(c.SetErr.Error(), "cabd_multi_basic_pt4.cab") || c.NextCabinet != "cabd_multi_basic_pt4.cab" {
			t.Fatalf("OpenSet with a %s part: %v, SetErr %v", damage, err, c.SetErr)
		}
		_, errs := walkAll(t, c)
		for n, err := range errs {
			if !strings.Contains(err.Error(), `continues in cabinet "cabd_multi_basic_pt4.cab", which was not opened`) {
				t.Errorf("%s part: %s: %v", damage, n, err)
			}
		}
	}
}

// TestMalformed checks that the malformed libmspack cabs fail with a
// FormatError naming the layer and an offset inside the file.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct{ name, layer, msg string }{
		{"cve-2015-4471-lzx-under-read.cab", "cab", "past the end of the"},
		{"lzx-premature-matches.cab", "lzx", ""},
		{"lzx-main-tree-no-lengths.cab", "lzx", "main tree"},
		{"cve-2018-18584-qtm-max-size-block.cab", "quantum", "reaches before the start of the data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fixture(t, "cab", tc.name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var fileErrs []error
			c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
			if err == nil {
				err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
					if err == nil {
						_, err = io.Copy(io.Discard, r)
					}
					if err != nil {
						fileErrs = append(fileErrs, err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(fileErrs) != len(c.Files) {
					t.Fatalf("%d of %d files failed, want all", len(fileErrs), len(c.Files))
				}
				err = fileErrs[0]
			}
			var fe *cab.FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("got %T %v, want *cab.FormatError", err, err)
			}
			if fe.Layer() != tc.layer || fe.Offset() < 0 || fe.Offset() >= int64(len(b)) || !strings.Contains(fe.Error(), tc.msg) {
				t.Errorf("got layer %q offset %d %q; want layer %q, an offset inside the %d-byte file, message containing %q",
					fe.Layer(), fe.Offset(), fe.Error(), tc.layer, len(b), tc.msg)
			}
			t.Log(fe)
		})
	}
}

// innerBomb extracts large-files.cab from the nested bomb with our reader.
func innerBomb(t testing.TB) []byte {
	t.Helper()
	c := openFile(t, fixture(t, "cab", "large-files-cab.NESTED-BOMB.cab"), nil)
	var inner []byte
	err := c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		inner, err = io.ReadAll(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return inner
}

// TestNestedBomb: the inner cabinet declares three 2 GiB files. With default
// options the walk is refused before anything is decoded; tighter per-folder
// limits refuse each folder, and the ratio limit stops a folder early.
func TestNestedBomb(t *testing.T) {
	inner := innerBomb(t)
	c, err := cab.Open(bytes.NewReader(inner), int64(len(inner)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Files) != 3 || c.Files[0].Size != 2147450880 {
		t.Fatalf("inner cab lists %d files", len(c.Files))
	}
	calls := 0
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error { calls++; return nil })
	var le *cab.LimitError
	if !errors.As(err, &le) || le.Limit != "MaxTotalBytes" || !errors.Is(err, cab.ErrLimit) || calls != 0 {
		t.Errorf("default options: walk returned %v after %d callbacks, want a MaxTotalBytes limit error before any", err, calls)
	}

	// Per-folder size limit: every file refused, nothing decoded.
	c, err = cab.Open(bytes.NewReader(inner), int64(len(inner)), &cab.Options{MaxTotalBytes: 1 << 40, MaxFolderBytes: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if errors.As(err, &le) && le.Limit == "MaxFolderBytes" && r == nil {
			refused++
		}
		return nil
	})
	if err != nil || refused != 3 {
		t.Errorf("MaxFolderBytes: %d of 3 files refused, walk error %v", refused, err)
	}

	// Ratio limit: each folder is stopped soon after its first MiB.
	c, err = cab.Open(bytes.NewReader(inner), int64(len(inner)), &cab.Options{MaxTotalBytes: 1 << 40, MaxRatio: 50})
	if err != nil {
		t.Fatal(err)
	}
	stopped := 0
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if err == nil {
			n, rerr := io.Copy(io.Discard, r)
			if n > 4<<20 {
				t.Errorf("%s: %d bytes decoded before the ratio limit", f.Name, n)
			}
			err = rerr
		}
		if errors.As(err, &le) && le.Limit == "MaxRatio" {
			stopped++
		}
		return nil
	})
	if err != nil || stopped != 3 {
		t.Errorf("MaxRatio: %d of 3 files stopped, walk error %v", stopped, err)
	}
}

// TestBombPrefixes compares the first 32 MiB of each 2 GiB file of the inner
// bomb (MSZIP, LZX:15 and LZX:21 folders written by Microsoft's tools) with
// what cabextract prints for the same file.
func TestBombPrefixes(t *testing.T) {
	const prefix = 32 << 20
	inner := innerBomb(t)
	path := filepath.Join(t.TempDir(), "large-files.cab")
	if err := os.WriteFile(path, inner, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := cab.Open(bytes.NewReader(inner), int64(len(inner)), &cab.Options{MaxTotalBytes: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if err != nil {
			return err
		}
		h := sha256.New()
		if _, err := io.CopyN(h, r, prefix); err != nil {
			return err
		}
		got[f.Name] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range c.Files {
		cmd := exec.Command(testenv.Tool(t, "cabextract"), "-q", "-p", "-F", f.Name, path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.CopyN(h, out, prefix)
		cmd.Process.Kill()
		cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if want := hex.EncodeToString(h.Sum(nil)); got[f.Name] != want {
			t.Errorf("%s (%s): first %d bytes differ from cabextract", f.Name, c.Folders[f.Folder].Compression, prefix)
		}
	}
}

// pythonDLLs writes the gunzipped CPython Windows DLLs into dir and returns
// their names.
func pythonDLLs(t testing.TB, dir string) []string {
	t.Helper()
	src := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64", "DLLs")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".gz") {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".gz")
		if err := os.WriteFile(filepath.Join(dir, name), testenv.Gunzip(t, filepath.Join(src, e.Name())), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if len(names) < 10 {
		t.Fatalf("only %d DLLs in %s", len(names), src)
	}
	return names
}

// gcabCabinet builds a cabinet of the CPython DLLs with gcab (-z: MSZIP).
func gcabCabinet(t testing.TB, dir string, mszip bool) (string, map[string]entry) {
	t.Helper()
	in := filepath.Join(dir, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		t.Fatal(err)
	}
	names := pythonDLLs(t, in)
	out := filepath.Join(dir, "dlls.cab")
	args := []string{"-c", "-n"}
	if mszip {
		args = append(args, "-z")
	}
	args = append(args, out)
	args = append(args, names...)
	testenv.Run(t, in, testenv.Tool(t, "gcab"), args...)
	return out, hashTree(t, in)
}

// TestGcabRoundTrip reads stored and MSZIP cabinets that gcab builds from
// real DLLs and checks every byte against the originals and cabextract.
func TestGcabRoundTrip(t *testing.T) {
	for _, mszip := range []bool{false, true} {
		t.Run(fmt.Sprintf("mszip=%v", mszip), func(t *testing.T) {
			path, originals := gcabCabinet(t, t.TempDir(), mszip)
			c := openFile(t, path, nil)
			want := "none"
			if mszip {
				want = "mszip"
			}
			if c.Folders[0].Compression != want {
				t.Errorf("compression %s, want %s", c.Folders[0].Compression, want)
			}
			got, errs := walkAll(t, c)
			for n, err := range errs {
				t.Errorf("%s: %v", n, err)
			}
			sameEntries(t, "originals", got, originals)
			sameEntries(t, "cabextract", got, cabextract(t, path))
		})
	}
}

// TestChecksum corrupts one byte of a data block: the block's checksum
// catches it. A zero checksum means none and is not checked.
func TestChecksum(t *testing.T) {
	b, err := os.ReadFile(fixture(t, "msi", "vcredis1.cab"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	first := c.Folders[0].Offset
	if binary.LittleEndian.Uint32(b[first:]) == 0 {
		t.Fatal("fixture's first data block has no checksum")
	}
	// Find the third block and flip a byte in it.
	at := first
	for i := 0; i < 2; i++ {
		at += 8 + int64(binary.LittleEndian.Uint16(b[at+4:]))
	}
	bad := bytes.Clone(b)
	bad[at+100] ^= 0x40
	c, err = cab.Open(bytes.NewReader(bad), int64(len(bad)), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, errs := walkAll(t, c)
	var fe *cab.FormatError
	for _, err := range errs {
		if !errors.As(err, &fe) || !errors.Is(err, cab.ErrChecksum) || fe.Offset() != at || !strings.HasSuffix(fe.Where, "data block 2") || fe.Layer() != "cab" {
			t.Errorf("got %v, want a checksum error for block 2 at 0x%x", err, at)
		}
	}
	if len(errs) != 1 {
		t.Errorf("%d errors, want 1", len(errs))
	}

	// The same byte flipped with the checksum cleared decodes to something
	// (or fails in LZX), but never reports a checksum error.
	binary.LittleEndian.PutUint32(bad[at:], 0)
	c, err = cab.Open(bytes.NewReader(bad), int64(len(bad)), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, errs = walkAll(t, c)
	for _, err := range errs {
		if errors.Is(err, cab.ErrChecksum) {
			t.Errorf("checksum 0 was checked: %v", err)
		}
	}
}
