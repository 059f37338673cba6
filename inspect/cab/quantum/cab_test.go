package quantum_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/quantumbuild"
	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func fixture(t testing.TB, name string) string {
	return testenv.Shared(t, "fixtures-real", "cab", name)
}

// walkCab returns every file's bytes as the cab package decodes them, and
// the errors of the files it could not produce.
func walkCab(t testing.TB, b []byte, opts *cab.Options) (map[string][]byte, map[string]error) {
	t.Helper()
	c, err := cab.Open(bytes.NewReader(b), int64(len(b)), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	errs := map[string]error{}
	err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if err == nil {
			var data []byte
			if data, err = io.ReadAll(r); err == nil {
				got[f.Name] = data
				return nil
			}
		}
		errs[f.Name] = err
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return got, errs
}

// extract runs an oracle that extracts path into a fresh directory and
// returns the files it wrote, or the error it exited with.
func extract(t testing.TB, tool, path string) (map[string][]byte, error) {
	t.Helper()
	dir := t.TempDir()
	var cmd *exec.Cmd
	switch tool {
	case "cabextract":
		cmd = exec.Command(testenv.Tool(t, "cabextract"), "-q", "-d", dir, path)
	case "7zz":
		cmd = exec.Command(testenv.Tool(t, "7zz"), "x", "-y", "-bd", "-o"+dir, path)
	default:
		t.Fatalf("unknown oracle %s", tool)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", tool, err, strings.TrimSpace(stderr.String()))
	}
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, nil
}

// sameFiles fails the test unless got and want hold the same files with the
// same bytes.
func sameFiles(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: %s missing from our output", what, name)
		case !bytes.Equal(g, w):
			i := 0
			for i < min(len(g), len(w)) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s: %s differs: %d bytes, want %d; first difference at %d", what, name, len(g), len(w), i)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: %s produced by us but not by the oracle", what, name)
		}
	}
}

// TestMixedCab decodes the Quantum folder of libmspack's mixed.cab (written
// by Microsoft's tools) and checks every file against `cabextract -p` and
// 7-Zip.
func TestMixedCab(t *testing.T) {
	p := fixture(t, "mixed.cab")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got, errs := walkCab(t, b, nil)
	for n, err := range errs {
		t.Errorf("%s: %v", n, err)
	}
	for _, name := range []string{"mszip.txt", "lzx.txt", "qtm.txt"} {
		want := testenv.Run(t, "", testenv.Tool(t, "cabextract"), "-q", "-p", "-F", name, p)
		if !bytes.Equal(got[name], want) {
			t.Errorf("%s: got %q, cabextract -p gives %q", name, got[name], want)
		}
	}
	if len(got["qtm.txt"]) != 59 || !strings.Contains(string(got["qtm.txt"]), "Quantum decompressor is working") {
		t.Errorf("qtm.txt: %q", got["qtm.txt"])
	}
	want, err := extract(t, "7zz", p)
	if err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "7zz", got, want)
}

// TestMaxSizeBlock: libmspack's CVE-2018-18584 cabinet has a Quantum:21
// folder whose one data block is 38912 zero bytes (the most a block may
// hold), declaring 32768 bytes. Decoded, the zeros ask at once for a match
// far behind the start of the data; cabextract and 7-Zip fail the file, and
// so must we, with a Quantum error inside the block, without allocating
// more than the window.
func TestMaxSizeBlock(t *testing.T) {
	p := fixture(t, "cve-2018-18584-qtm-max-size-block.cab")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var errs map[string]error
	var got map[string][]byte
	alloc, d := testenv.Allocated(func() { got, errs = walkCab(t, b, nil) })
	t.Logf("allocated %d bytes in %v", alloc, d)
	if alloc > 3<<20 {
		t.Errorf("allocated %d bytes, want at most the 2 MiB window and a little", alloc)
	}
	if len(got) != 0 || len(errs) != 1 {
		t.Fatalf("got %d files and %d errors, want one error", len(got), len(errs))
	}
	err = errs["test1.bin"]
	var fe *cab.FormatError
	if !errors.As(err, &fe) || fe.Layer() != "quantum" || fe.Offset() < 0x4e || fe.Offset() >= int64(len(b)) ||
		!strings.Contains(err.Error(), "reaches before the start of the data") {
		t.Errorf("got %v; want a quantum error inside the data block", err)
	}
	t.Log(err)
	for _, tool := range []string{"cabextract", "7zz"} {
		if out, err := extract(t, tool, p); err == nil {
			t.Errorf("%s extracted %d files from the cabinet", tool, len(out))
		}
	}
}

// shape is test data of one kind.
type shape struct {
	name string
	data func(r *rand.Rand, n int) []byte
}

var words = strings.Fields(`the quantum compressor codes literals and matches with an arithmetic
	coder over adaptive models cabinet folder window frame block selector position length slot extra
	bits Microsoft installer file data of to in is for on that with as by`)

var shapes = []shape{
	{"text", func(r *rand.Rand, n int) []byte {
		var b bytes.Buffer
		for b.Len() < n {
			b.WriteString(words[r.IntN(len(words))])
			if r.IntN(12) == 0 {
				b.WriteString(".\n")
			} else {
				b.WriteByte(' ')
			}
		}
		return b.Bytes()[:n]
	}},
	{"random", func(r *rand.Rand, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}},
	{"runs", func(r *rand.Rand, n int) []byte {
		var b []byte
		for len(b) < n {
			b = append(b, bytes.Repeat([]byte{byte(r.IntN(4) * 85)}, 1+r.IntN(100000))...)
		}
		return b[:n]
	}},
	// Records with counters and repeated fields: matches at many
	// distances, near and far.
	{"records", func(r *rand.Rand, n int) []byte {
		var b []byte
		for i := 0; len(b) < n; i++ {
			b = fmt.Appendf(b, "%08x\x00\x01%c%s|", i*7, byte(i), words[i%len(words)])
			if r.IntN(50) == 0 {
				b = append(b, byte(r.Uint32()), byte(r.Uint32()))
			}
		}
		return b[:n]
	}},
}

// executable is real machine code: the start of the test binary.
func executable(t testing.TB, n int) []byte {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b[:min(n, len(b))]
}

// splitFiles cuts data into files at the given sizes (the last takes the
// rest), so that files start and end inside frames and span them.
func splitFiles(data []byte, sizes ...int) []quantumbuild.File {
	var files []quantumbuild.File
	for i := 0; len(data) > 0; i++ {
		n := len(data)
		if i < len(sizes) {
			n = min(n, sizes[i])
		}
		files = append(files, quantumbuild.File{Name: fmt.Sprintf("f%d.bin", i), Data: data[:n]})
		data = data[n:]
	}
	return files
}

// TestEncodedDifferential writes Quantum cabinets for every kind of window
// and data (text, random, long runs, records, machine code; one to ten
// frames, files crossing frames) and checks that our walk, cabextract and
// 7-Zip all give back the original bytes.
func TestEncodedDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2))
	exe := executable(t, 300000)
	windows := []int{10, 11, 13, 15, 16, 18, 20, 21}
	for i, wb := range windows {
		for j, sh := range append(shapes, shape{"code", func(_ *rand.Rand, n int) []byte { return exe[:min(n, len(exe))] }}) {
			// Sizes from under one frame to about ten frames.
			n := []int{1, 1000, 32768, 32769, 70000, 150000, 300000}[(i+j)%7]
			data := sh.data(r, n)
			n = len(data)
			name := fmt.Sprintf("w%d-%s-%d", wb, sh.name, n)
			t.Run(name, func(t *testing.T) {
				files := splitFiles(data, 1, 40000, n/3)
				checkEncoded(t, files, quantumbuild.Options{WindowBits: wb}, "cabextract", "7zz")
			})
		}
	}
}

// TestEncodedVariants covers what a real encoder may also do: trailing
// zero bytes after each frame's code (skipped by cabextract; 7-Zip refuses
// them), only literals (every model rescaled and re-sorted many times), a
// short match search, matches reaching back exactly the window size.
func TestEncodedVariants(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 3))
	text := shapes[0].data(r, 200000)
	random := shapes[1].data(r, 100000)
	// Random bytes of exactly a window, then their start again: matches
	// at the largest offset each window codes (slot 41 for 2 MiB).
	edge := func(wb int) []byte {
		b := shapes[1].data(r, 1<<wb)
		return append(b, b[:min(len(b), 50000)]...)
	}
	for _, tc := range []struct {
		name    string
		data    []byte
		o       quantumbuild.Options
		oracles []string
	}{
		{"trailing1", text, quantumbuild.Options{WindowBits: 17, Trailing: 1}, []string{"cabextract"}},
		{"trailing4", text, quantumbuild.Options{WindowBits: 12, Trailing: 4}, []string{"cabextract"}},
		{"literals-text", text, quantumbuild.Options{WindowBits: 21, Literals: true}, []string{"cabextract", "7zz"}},
		{"literals-random", random, quantumbuild.Options{WindowBits: 10, Literals: true}, []string{"cabextract", "7zz"}},
		{"chain1", text, quantumbuild.Options{WindowBits: 14, Chain: 1}, []string{"cabextract", "7zz"}},
		{"edge10", edge(10), quantumbuild.Options{WindowBits: 10}, []string{"cabextract", "7zz"}},
		{"edge15", edge(15), quantumbuild.Options{WindowBits: 15}, []string{"cabextract", "7zz"}},
		{"edge21", edge(21), quantumbuild.Options{WindowBits: 21}, []string{"cabextract", "7zz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkEncoded(t, splitFiles(tc.data, 5000, 70000), tc.o, tc.oracles...)
		})
	}
}

// checkEncoded builds the cabinet and compares our walk with the original
// files and with each oracle's extraction.
func checkEncoded(t *testing.T, files []quantumbuild.File, o quantumbuild.Options, oracles ...string) {
	t.Helper()
	b, err := quantumbuild.Cabinet(files, o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "q.cab")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, errs := walkCab(t, b, nil)
	for n, err := range errs {
		t.Errorf("%s: %v", n, err)
	}
	orig := map[string][]byte{}
	for _, f := range files {
		orig[f.Name] = f.Data
	}
	sameFiles(t, "original", got, orig)
	for _, tool := range oracles {
		want, err := extract(t, tool, path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		sameFiles(t, tool, got, want)
	}
}

// TestRestart: a file whose data lies behind the previous file's sends the
// folder back to its start; the Quantum decoder starts over with fresh
// models, in the sequential and the parallel walk.
func TestRestart(t *testing.T) {
	data := shapes[0].data(rand.New(rand.NewPCG(4, 4)), 100000)
	b, err := quantumbuild.Cabinet(splitFiles(data, 60000), quantumbuild.Options{WindowBits: 17})
	if err != nil {
		t.Fatal(err)
	}
	// File entries start at 44; the second, after "f0.bin", at 67. Point
	// it at folder offset 1000, inside the first file.
	if string(b[44+16:44+22]) != "f0.bin" {
		t.Fatalf("unexpected file table % x", b[44:80])
	}
	binary.LittleEndian.PutUint32(b[67+4:], 1000)
	for _, workers := range []int{1, 3} {
		got, errs := walkCab(t, b, &cab.Options{Workers: workers})
		for n, err := range errs {
			t.Errorf("%s: %v", n, err)
		}
		if !bytes.Equal(got["f0.bin"], data[:60000]) || !bytes.Equal(got["f1.bin"], data[1000:41000]) {
			t.Errorf("workers %d: f0 %d bytes right, f1 %d", workers, commonPrefix(got["f0.bin"], data), commonPrefix(got["f1.bin"], data[1000:]))
		}
	}
}

// TestShortFrameBeforeLast: a block shorter than 32 KiB before a folder's
// last cannot be placed by readers that see 32 KiB frames; cabextract and
// 7-Zip fail such a folder, and so do we, at the block after the short one.
func TestShortFrameBeforeLast(t *testing.T) {
	data := shapes[0].data(rand.New(rand.NewPCG(1, 1)), 50000)
	files := splitFiles(data, 100)
	b, err := quantumbuild.Cabinet(files, quantumbuild.Options{WindowBits: 16, Frames: []int{1000}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "short.cab")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, errs := walkCab(t, b, nil)
	if !bytes.Equal(got["f0.bin"], data[:100]) {
		t.Errorf("f0.bin, inside the short frame: %q", got["f0.bin"])
	}
	err = errs["f1.bin"]
	var fe *cab.FormatError
	if !errors.As(err, &fe) || fe.Layer() != "quantum" || !strings.HasSuffix(fe.Where, "data block 1") || !strings.Contains(err.Error(), "only the last frame may be shorter") {
		t.Errorf("f1.bin: %v", err)
	}
	for _, tool := range []string{"cabextract", "7zz"} {
		if out, err := extract(t, tool, path); err == nil && bytes.Equal(out["f1.bin"], data[100:]) {
			t.Errorf("%s reads the folder; the short frame rule is wrong", tool)
		}
	}
}

// TestMatchPastFrame: a last block that declares fewer bytes than its code
// produces (the last match runs past the declared end) is refused, as 7-Zip
// refuses it; cabextract drops the excess.
func TestMatchPastFrame(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 4000)
	blocks, sizes, err := quantumbuild.Encode(data, quantumbuild.Options{WindowBits: 15})
	if err != nil {
		t.Fatal(err)
	}
	sizes[len(sizes)-1] -= 2
	b, err := quantumbuild.Wrap([]quantumbuild.File{{Name: "a", Data: data[:len(data)-2]}}, 15, blocks, sizes)
	if err != nil {
		t.Fatal(err)
	}
	_, errs := walkCab(t, b, nil)
	if err := errs["a"]; err == nil || !strings.Contains(err.Error(), "runs past the end of the frame") {
		t.Errorf("got %v, want a match running past the end of the frame", err)
	}
}

// TestCorruptFrames flips bytes of a good cabinet's Quantum data (no
// checksums): every file must come out right or fail with a cab or quantum error
// inside the file, never panic.
func TestCorruptFrames(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	data := shapes[3].data(r, 100000)
	b, err := quantumbuild.Cabinet(splitFiles(data, 30000), quantumbuild.Options{WindowBits: 16, NoChecksums: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cab.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := c.Folders[0].Offset
	failed := 0
	for i := 0; i < 300; i++ {
		bad := bytes.Clone(b)
		for k := 0; k <= i%4; k++ {
			at := start + 8 + r.Int64N(int64(len(bad))-start-8)
			bad[at] ^= byte(1 + r.IntN(255))
		}
		_, errs := walkCab(t, bad, nil)
		for n, err := range errs {
			var fe *cab.FormatError
			if !errors.As(err, &fe) || (fe.Layer() != "cab" && fe.Layer() != "quantum") || fe.Offset() < 0 || fe.Offset() >= int64(len(bad)) {
				t.Fatalf("%s: %T %v", n, err, err)
			}
			failed++
		}
	}
	t.Logf("%d file errors in 300 corrupted cabinets", failed)
}
