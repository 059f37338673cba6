package cab_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// walkRecords lists every call the walk makes, in order: the file, the
// error passed to the callback, the SHA-256 of the bytes read and the error
// reading ended with.
func walkRecords(t testing.TB, c *cab.Cabinet) []string {
	t.Helper()
	var recs []string
	err := c.Walk(func(f *cab.File, r io.Reader, err error) error {
		if err != nil {
			if r != nil {
				t.Errorf("%s: reader and error %v", f.Name, err)
			}
			recs = append(recs, fmt.Sprintf("%s folder %d: error %v", f.Name, f.Folder, err))
			return nil
		}
		h := sha256.New()
		n, rerr := io.Copy(h, r)
		recs = append(recs, fmt.Sprintf("%s folder %d: %d bytes %x, read error %v", f.Name, f.Folder, n, h.Sum(nil), rerr))
		return nil
	})
	if err != nil {
		recs = append(recs, "walk: "+err.Error())
	}
	return recs
}

func withWorkers(o *cab.Options, workers int, ahead int64) *cab.Options {
	var v cab.Options
	if o != nil {
		v = *o
	}
	v.Workers, v.MaxAheadBytes = workers, ahead
	return &v
}

func sameRecords(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d calls, want %d", what, len(got), len(want))
	}
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			t.Errorf("%s: call %d:\n got  %s\n want %s", what, i, got[i], want[i])
		}
	}
}

var (
	pythonGroupsOnce sync.Once
	pythonJoined     []byte
	pythonOriginals  map[string]entry
	pythonJoinedErr  string
)

// pythonMultiFolder builds a real multi-folder MSZIP cabinet: gcab writes
// one folder per cabinet, so the CPython DLLs are split into four groups,
// each packed by gcab, and the four folders are joined into one cabinet by
// joinFolders. It returns the cabinet and the original files' digests.
func pythonMultiFolder(t testing.TB) ([]byte, map[string]entry) {
	t.Helper()
	pythonGroupsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cab-parallel")
		if err != nil {
			pythonJoinedErr = err.Error()
			return
		}
		defer os.RemoveAll(dir)
		names := pythonDLLs(t, dir)
		sizes := map[string]int64{}
		for _, n := range names {
			st, err := os.Stat(filepath.Join(dir, n))
			if err != nil {
				pythonJoinedErr = err.Error()
				return
			}
			sizes[n] = st.Size()
		}
		sort.Slice(names, func(i, j int) bool {
			return sizes[names[i]] > sizes[names[j]] || sizes[names[i]] == sizes[names[j]] && names[i] < names[j]
		})
		groups := make([][]string, 4)
		var load [4]int64
		for _, n := range names {
			k := 0
			for i := range load {
				if load[i] < load[k] {
					k = i
				}
			}
			groups[k] = append(groups[k], n)
			load[k] += sizes[n]
		}
		var cabs [][]byte
		for k, g := range groups {
			out := filepath.Join(dir, fmt.Sprintf("group%d.cab", k))
			testenv.Run(t, dir, testenv.Tool(t, "gcab"), append([]string{"-c", "-n", "-z", out}, g...)...)
			b, err := os.ReadFile(out)
			if err != nil {
				pythonJoinedErr = err.Error()
				return
			}
			cabs = append(cabs, b)
		}
		pythonJoined, err = joinFolders(cabs)
		if err != nil {
			pythonJoinedErr = err.Error()
			return
		}
		pythonOriginals = map[string]entry{}
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				pythonJoinedErr = err.Error()
				return
			}
			pythonOriginals[n] = hashOf(b)
		}
	})
	if pythonJoinedErr != "" {
		t.Fatal(pythonJoinedErr)
	}
	return pythonJoined, pythonOriginals
}

// joinFolders makes one cabinet whose folders are the single folders of the
// given cabinets (no reserves, no set links), data blocks and their
// checksums copied unchanged, files pointing at their new folder.
func joinFolders(cabs [][]byte) ([]byte, error) {
	le := binary.LittleEndian
	var folders [][]byte // 8-byte entries, offset filled in later
	var files []byte
	var datas [][]byte
	nFiles := 0
	for k, b := range cabs {
		if le.Uint16(b[30:]) != 0 || le.Uint16(b[26:]) != 1 {
			return nil, fmt.Errorf("cabinet %d: flags %#x, %d folders", k, le.Uint16(b[30:]), le.Uint16(b[26:]))
		}
		fo := bytes.Clone(b[36:44])
		at := int(le.Uint32(fo))
		start := at
		for i := 0; i < int(le.Uint16(fo[4:])); i++ {
			at += 8 + int(le.Uint16(b[at+4:]))
		}
		folders = append(folders, fo)
		datas = append(datas, b[start:at])
		pos := int(le.Uint32(b[16:]))
		for i := 0; i < int(le.Uint16(b[28:])); i++ {
			end := pos + 16 + bytes.IndexByte(b[pos+16:], 0) + 1
			e := bytes.Clone(b[pos:end])
			le.PutUint16(e[8:], uint16(k))
			files = append(files, e...)
			nFiles++
			pos = end
		}
	}
	coffFiles := 36 + 8*len(folders)
	out := make([]byte, 36, coffFiles+len(files))
	copy(out, cabs[0][:36])
	le.PutUint32(out[16:], uint32(coffFiles))
	le.PutUint16(out[26:], uint16(len(folders)))
	le.PutUint16(out[28:], uint16(nFiles))
	for _, fo := range folders {
		out = append(out, fo...)
	}
	out = append(out, files...)
	for k, d := range datas {
		le.PutUint32(out[36+8*k:], uint32(len(out)))
		out = append(out, d...)
	}
	le.PutUint32(out[8:], uint32(len(out)))
	return out, nil
}

// parallelCases are the cabinets the parallel walk is compared on: every
// fixture (well-formed, multi-folder, malformed), the spanned set, the
// joined multi-folder cabinet, and the inner bomb under a ratio limit.
func parallelCases(t *testing.T) map[string]func(*cab.Options) (*cab.Cabinet, error) {
	cases := map[string]func(*cab.Options) (*cab.Cabinet, error){}
	open := func(b []byte, base *cab.Options) func(*cab.Options) (*cab.Cabinet, error) {
		return func(o *cab.Options) (*cab.Cabinet, error) {
			return cab.Open(bytes.NewReader(b), int64(len(b)), withWorkers(base, o.Workers, o.MaxAheadBytes))
		}
	}
	for _, dir := range []string{"cab", "msi"} {
		paths, err := filepath.Glob(filepath.Join(fixture(t, dir), "*.cab"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cases[dir+"/"+filepath.Base(p)] = open(b, nil)
		}
	}
	set := multiSet(t)
	first := set["cabd_multi_basic_pt1.cab"]
	cases["multi_basic set"] = func(o *cab.Options) (*cab.Cabinet, error) {
		return cab.OpenSet(bytes.NewReader(first), int64(len(first)), func(name string) (io.ReaderAt, int64, error) {
			b, ok := set[name]
			if !ok {
				return nil, 0, os.ErrNotExist
			}
			return bytes.NewReader(b), int64(len(b)), nil
		}, o)
	}
	joined, _ := pythonMultiFolder(t)
	cases["python DLLs, 4 folders"] = open(joined, nil)
	corrupt := bytes.Clone(joined)
	c, err := cab.Open(bytes.NewReader(joined), int64(len(joined)), nil)
	if err != nil {
		t.Fatal(err)
	}
	corrupt[c.Folders[1].Offset+8+500] ^= 0x10 // checksummed: folder 1 fails at its first block
	cases["python DLLs, folder 1 corrupt"] = open(corrupt, nil)
	// One MSZIP folder of several MiB (streamed through the decoding
	// pipe) whose third file starts inside the second: the walk decodes
	// the folder again from its start, in line.
	path, _ := gcabCabinet(t, t.TempDir(), true)
	overlap, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	at := int(binary.LittleEndian.Uint32(overlap[16:])) // coffFiles
	var starts []int                                    // offsets of the uoffFolderStart fields
	for i := 0; i < 3; i++ {
		starts = append(starts, at+4)
		at += 16
		at += bytes.IndexByte(overlap[at:], 0) + 1
	}
	binary.LittleEndian.PutUint32(overlap[starts[2]:], binary.LittleEndian.Uint32(overlap[starts[1]:])+1)
	cases["python DLLs, one folder, overlapping files"] = open(overlap, nil)
	inner := innerBomb(t)
	cases["inner bomb, ratio"] = open(inner, &cab.Options{MaxTotalBytes: 1 << 40, MaxRatio: 50})
	return cases
}

// TestParallelWalkSameCalls: with 2 or 4 workers, and with a read-ahead cap
// that lets some folders be decoded ahead and makes others stream, the walk
// makes exactly the calls of the sequential walk (files, bytes, errors).
func TestParallelWalkSameCalls(t *testing.T) {
	cases := parallelCases(t)
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		open := cases[name]
		t.Run(name, func(t *testing.T) {
			seqCab, err := open(&cab.Options{Workers: 1})
			if err != nil {
				// Open does not decode; the worker count cannot matter.
				t.Skipf("does not open: %v", err)
			}
			want := walkRecords(t, seqCab)
			for _, o := range []cab.Options{{Workers: 2}, {Workers: 4}, {Workers: 2, MaxAheadBytes: 1 << 20}, {Workers: 3, MaxAheadBytes: 40}, {Workers: 2, MaxAheadBytes: 3 << 30}} {
				c, err := open(&o)
				if err != nil {
					t.Fatal(err)
				}
				sameRecords(t, fmt.Sprintf("workers %d, ahead %d", o.Workers, o.MaxAheadBytes), walkRecords(t, c), want)
			}
		})
	}
}

// TestParallelWalkOracles: the parallel walk of the real multi-folder
// cabinets matches cabextract, and the joined cabinet matches the DLLs it
// was built from; a corrupt folder fails only its own files.
func TestParallelWalkOracles(t *testing.T) {
	dir := t.TempDir()
	joined, originals := pythonMultiFolder(t)
	joinedPath := filepath.Join(dir, "joined.cab")
	if err := os.WriteFile(joinedPath, joined, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		skip string // file we do not decode
	}{
		{path: fixture(t, "cab", "normal_2files_2folders.cab")},
		{path: fixture(t, "cab", "mixed.cab")},
		{path: joinedPath},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			c := openFile(t, tc.path, &cab.Options{Workers: 4})
			if len(c.Folders) < 2 {
				t.Fatalf("%d folders", len(c.Folders))
			}
			got, errs := walkAll(t, c)
			for n, err := range errs {
				if n != tc.skip {
					t.Errorf("%s: %v", n, err)
				}
			}
			want := cabextract(t, tc.path)
			delete(want, tc.skip)
			sameEntries(t, "cabextract", got, want)
			if tc.path == joinedPath {
				sameEntries(t, "originals", got, originals)
			}
		})
	}

	c, err := cab.Open(bytes.NewReader(joined), int64(len(joined)), nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(joined)
	at := c.Folders[2].Offset
	bad[at+8+100] ^= 0x01
	c, err = cab.Open(bytes.NewReader(bad), int64(len(bad)), &cab.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := walkAll(t, c)
	inFolder := map[int]int{}
	for _, f := range c.Files {
		inFolder[f.Folder]++
	}
	if len(errs) != inFolder[2] {
		t.Errorf("%d file errors, want the %d files of folder 2", len(errs), inFolder[2])
	}
	for n, err := range errs {
		var fe *cab.FormatError
		if !errors.As(err, &fe) || !strings.Contains(fe.Where+" ", "folder 2 ") || fe.Offset() != at || !errors.Is(err, cab.ErrChecksum) {
			t.Errorf("%s: %v, want a checksum error of folder 2 at 0x%x", n, err, at)
		}
	}
	for n, e := range got {
		if originals[n] != e {
			t.Errorf("%s differs from the original", n)
		}
	}
	if len(got)+len(errs) != len(originals) {
		t.Errorf("%d files and %d errors for %d files", len(got), len(errs), len(originals))
	}
}

// settled waits until the goroutine count is back to base (goroutines that
// have signalled their end still need a moment to exit).
func settled(base int) bool {
	for i := 0; i < 500; i++ {
		if runtime.NumGoroutine() <= base {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestParallelWalkEarlyStop: a callback error stops the walk at once, with
// the error returned and no goroutine left decoding.
func TestParallelWalkEarlyStop(t *testing.T) {
	joined, _ := pythonMultiFolder(t)
	stop := errors.New("enough")
	for _, stopAt := range []int{0, 1, 5, -1} {
		t.Run(fmt.Sprint("stop at ", stopAt), func(t *testing.T) {
			base := runtime.NumGoroutine()
			c, err := cab.Open(bytes.NewReader(joined), int64(len(joined)), &cab.Options{Workers: 4})
			if err != nil {
				t.Fatal(err)
			}
			if stopAt < 0 {
				stopAt = len(c.Files) - 1
			}
			calls := 0
			err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
				calls++
				if calls-1 == stopAt {
					return stop
				}
				if calls%2 == 0 {
					_, err = io.CopyN(io.Discard, r, 1000) // read some, not all
					return err
				}
				return nil
			})
			if err != stop || calls != stopAt+1 {
				t.Errorf("walk returned %v after %d calls, want %v after %d", err, calls, stop, stopAt+1)
			}
			if !settled(base) {
				t.Errorf("%d goroutines after the walk, %d before", runtime.NumGoroutine(), base)
			}
		})
	}
}

// TestParallelWalkMemory: a folder larger than MaxAheadBytes is not buffered
// ahead but streamed when its turn comes, so the walk allocates far less
// than the folders hold.
func TestParallelWalkMemory(t *testing.T) {
	joined, originals := pythonMultiFolder(t)
	var total int64
	for _, e := range originals {
		total += e.Size
	}
	alloc := func(o *cab.Options) uint64 {
		c, err := cab.Open(bytes.NewReader(joined), int64(len(joined)), o)
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err = c.Walk(func(f *cab.File, r io.Reader, err error) error {
			if err == nil {
				_, err = io.Copy(io.Discard, r)
			}
			return err
		})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	streamed := alloc(&cab.Options{Workers: 4, MaxAheadBytes: 1 << 20})
	buffered := alloc(&cab.Options{Workers: 4})
	t.Logf("%d bytes of files: %d bytes allocated streaming, %d decoding ahead", total, streamed, buffered)
	if streamed > uint64(total)/8 {
		t.Errorf("walk with a 1 MiB read-ahead cap allocated %d bytes for %d bytes of files", streamed, total)
	}
	if buffered < uint64(total)/4 {
		t.Errorf("walk decoding ahead allocated only %d bytes for %d bytes of files: nothing was buffered?", buffered, total)
	}
}

// TestParallelWalkBudget: the folders pending ahead never hold more than
// MaxAheadBytes together, nor number more than Workers.
func TestParallelWalkBudget(t *testing.T) {
	joined, _ := pythonMultiFolder(t)
	c, err := cab.Open(bytes.NewReader(joined), int64(len(joined)), nil)
	if err != nil {
		t.Fatal(err)
	}
	sizes := make([]int64, len(c.Folders))
	for _, f := range c.Files {
		sizes[f.Folder] += f.Size
	}
	largest := slices.Max(sizes)
	defer cab.SetAheadHook(nil)
	for _, o := range []cab.Options{{Workers: 4}, {Workers: 2}, {Workers: 4, MaxAheadBytes: largest + 1000}, {Workers: 4, MaxAheadBytes: 2*largest + 1000}} {
		maxPending, maxBuffered := 0, int64(0)
		cab.SetAheadHook(func(pending int, buffered int64) {
			maxPending, maxBuffered = max(maxPending, pending), max(maxBuffered, buffered)
		})
		c, err := cab.Open(bytes.NewReader(joined), int64(len(joined)), &o)
		if err != nil {
			t.Fatal(err)
		}
		walkRecords(t, c)
		budget := o.MaxAheadBytes
		if budget == 0 {
			budget = 64 << 20
		}
		if maxPending > o.Workers || maxBuffered > budget {
			t.Errorf("%+v: %d folders holding %d bytes ahead, budget %d", o, maxPending, maxBuffered, budget)
		}
		// Folder 0 streams; with room for all, the others go ahead up to
		// the worker count; with room for one, one at a time.
		want := min(o.Workers, len(sizes)-1)
		if budget < 2*largest && budget > largest {
			want = 1
		}
		if maxPending < want {
			t.Errorf("%+v: at most %d folders ahead, want %d", o, maxPending, want)
		}
	}
}

func TestParallelOptionsDefault(t *testing.T) {
	// Workers 0 keeps the sequential walk: r is the streaming reader,
	// which only the sequential walk hands out.
	b, err := os.ReadFile(fixture(t, "cab", "normal_2files_2folders.cab"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		workers int
		reader  string
	}{{0, "*cab.fileReader"}, {1, "*cab.fileReader"}, {2, "*cab.replayReader"}} {
		c, err := cab.Open(bytes.NewReader(b), int64(len(b)), &cab.Options{Workers: tc.workers})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		c.Walk(func(f *cab.File, r io.Reader, err error) error {
			types = append(types, fmt.Sprintf("%T", r))
			return nil
		})
		// The first folder is always decoded on the walk's goroutine.
		if got := strings.Join(types[1:], ","); !strings.Contains(got, tc.reader) {
			t.Errorf("workers %d: readers %v, want %s after the first folder", tc.workers, types, tc.reader)
		}
	}
}
