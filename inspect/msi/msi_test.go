package msi_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/inspect/cfb"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

var (
	buildDir                     string
	buildDirOnce                 sync.Once
	cpythonOnce, smallOnce       sync.Once
	cpythonPath, smallPath       string
	cpythonErr, smallErr, dirErr error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func tempBuildDir(t testing.TB) string {
	t.Helper()
	buildDirOnce.Do(func() { buildDir, dirErr = os.MkdirTemp("", "msi-test-*") })
	if dirErr != nil {
		t.Fatal(dirErr)
	}
	return buildDir
}

// cpythonMSI is the wixl MSI of the full CPython windows-amd64 tree, built
// once per test binary.
func cpythonMSI(t testing.TB) string {
	t.Helper()
	testenv.Tool(t, "wixl")
	data := testenv.EmbedPython(t, testenv.Python311)
	dir := tempBuildDir(t)
	cpythonOnce.Do(func() { cpythonPath, cpythonErr = msibuild.BuildCPython(data, testenv.Python311, dir) })
	if cpythonErr != nil {
		t.Fatal(cpythonErr)
	}
	return cpythonPath
}

// smallMSI is a wixl MSI of a three-file tree.
func smallMSI(t testing.TB) string {
	t.Helper()
	testenv.Tool(t, "wixl")
	dir := tempBuildDir(t)
	smallOnce.Do(func() {
		tree := filepath.Join(dir, "small")
		for name, body := range map[string]string{
			"readme.txt":             "hello\n",
			"bin/tool.cfg":           "a=1\n",
			"bin/deep/Long Name.dat": strings.Repeat("0123456789", 1000),
		} {
			p := filepath.Join(tree, filepath.FromSlash(name))
			if smallErr = os.MkdirAll(filepath.Dir(p), 0o755); smallErr != nil {
				return
			}
			if smallErr = os.WriteFile(p, []byte(body), 0o644); smallErr != nil {
				return
			}
		}
		smallPath = filepath.Join(dir, "small.msi")
		smallErr = msibuild.Build(tree, smallPath, msibuild.Spec{ProductName: "Small", Version: "0.1.2"})
	})
	if smallErr != nil {
		t.Fatal(smallErr)
	}
	return smallPath
}

func nunit(t testing.TB) string {
	return testenv.Shared(t, "fixtures-real", "msi", "NUnit-2.5.2.9222.msi")
}

func externalCab(t testing.TB) string {
	return testenv.Shared(t, "fixtures-real", "msi", "msi_with_external_cab.msi")
}

// allMSIs are the real fixtures and the wixl-built CPython MSI.
func allMSIs(t *testing.T) []string {
	return []string{nunit(t), externalCab(t), cpythonMSI(t), smallMSI(t)}
}

func openFile(t testing.TB, path string) *msi.Database {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return db
}

func lines(b []byte) []string {
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// pseudoTables are listed by msiinfo but are not tables of the database.
var pseudoTables = map[string]bool{"_SummaryInformation": true, "_ForceCodepage": true}

// Every table: names, column names, column types and the multiset of rows
// equal `msiinfo export`.
func TestTablesAgainstMsiinfo(t *testing.T) {
	msiinfo := testenv.Tool(t, "msiinfo")
	for _, p := range allMSIs(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			db := openFile(t, p)
			var want []string
			for _, n := range lines(testenv.Run(t, "", msiinfo, "tables", p)) {
				if !pseudoTables[n] {
					want = append(want, n)
				}
			}
			got := db.TableNames()
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(want, ",") != strings.Join(got, ",") {
				t.Fatalf("tables:\nmsiinfo %v\nours    %v", want, got)
			}
			rows := 0
			exportDir := t.TempDir()
			for _, name := range got {
				// msiinfo writes a table's streams (Binary, Icon) into
				// the working directory: keep them out of the source tree.
				exp := lines(testenv.Run(t, exportDir, msiinfo, "export", p, name))
				if len(exp) < 3 {
					t.Fatalf("%s: short export %q", name, exp)
				}
				tab, err := db.Table(name)
				if err != nil {
					t.Fatal(err)
				}
				var cols, types []string
				for _, c := range tab.Columns {
					cols = append(cols, c.Name)
					types = append(types, c.TypeString())
				}
				if g := strings.Join(cols, "\t"); g != exp[0] {
					t.Errorf("%s columns:\nmsiinfo %q\nours    %q", name, exp[0], g)
				}
				if g := strings.Join(types, "\t"); g != exp[1] {
					t.Errorf("%s types:\nmsiinfo %q\nours    %q", name, exp[1], g)
				}
				wantRows := exp[3:]
				// msiinfo prints values raw, so a value with line breaks
				// spans lines: compare the multisets of printed lines.
				var gotRows []string
				for r := 0; r < tab.Rows(); r++ {
					var cells []string
					for c := range tab.Columns {
						cells = append(cells, tab.Cell(r, c).String())
					}
					gotRows = append(gotRows, lines([]byte(strings.Join(cells, "\t")))...)
				}
				sort.Strings(wantRows)
				sort.Strings(gotRows)
				if len(wantRows) != len(gotRows) {
					t.Errorf("%s: msiinfo has %d lines of rows, we have %d", name, len(wantRows), len(gotRows))
					continue
				}
				for i := range wantRows {
					if wantRows[i] != gotRows[i] {
						t.Errorf("%s row:\nmsiinfo %q\nours    %q", name, wantRows[i], gotRows[i])
						break
					}
				}
				rows += len(gotRows)
			}
			t.Logf("%d tables, %d lines of rows equal msiinfo's", len(got), rows)
		})
	}
}

func TestSummaryInfoAgainstMsiinfo(t *testing.T) {
	msiinfo := testenv.Tool(t, "msiinfo")
	for _, p := range allMSIs(t) {
		db := openFile(t, p)
		si, err := db.SummaryInfo()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(msiinfo, "suminfo", p)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, l := range lines(out) {
			if k, v, ok := strings.Cut(l, ": "); ok {
				want[k] = v
			}
		}
		const ctime = "Mon Jan _2 15:04:05 2006"
		got := map[string]string{
			"Title": si.Title, "Subject": si.Subject, "Author": si.Author, "Keywords": si.Keywords,
			"Comments": si.Comments, "Template": si.Template, "Revision number (UUID)": si.RevisionNumber,
			"Created": si.Created.Format(ctime), "Last saved": si.LastSaved.Format(ctime),
			"Version": fmt.Sprintf("%d (%x)", si.PageCount, si.PageCount),
			"Source":  fmt.Sprintf("%d (%x)", si.WordCount, si.WordCount), "Application": si.AppName,
			"Security": fmt.Sprintf("%d (%x)", si.Security, si.Security),
		}
		if len(want) < 10 {
			t.Fatalf("%s: msiinfo suminfo printed too little: %q", p, out)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s: msiinfo %q, ours %q", filepath.Base(p), k, v, got[k])
			}
		}
		if !strings.HasPrefix(si.RevisionNumber, "{") || len(si.RevisionNumber) != 38 {
			t.Errorf("PackageCode %q is not a GUID", si.RevisionNumber)
		}
	}
}

func TestStreamsAgainstMsiinfo(t *testing.T) {
	msiinfo := testenv.Tool(t, "msiinfo")
	for _, p := range allMSIs(t) {
		db := openFile(t, p)
		want := lines(testenv.Run(t, "", msiinfo, "streams", p))
		var got []string
		for _, s := range db.Streams() {
			got = append(got, s.Name)
		}
		sort.Strings(want)
		if strings.Join(want, "|") != strings.Join(got, "|") {
			t.Errorf("%s streams:\nmsiinfo %q\nours    %q", filepath.Base(p), want, got)
		}
	}
}

func TestPropertiesAgainstMsiinfo(t *testing.T) {
	msiinfo := testenv.Tool(t, "msiinfo")
	for _, p := range allMSIs(t) {
		props, err := openFile(t, p).Properties()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, l := range lines(testenv.Run(t, "", msiinfo, "export", p, "Property"))[3:] {
			k, v, _ := strings.Cut(l, "\t")
			want[k] = v
		}
		for _, k := range []string{"ProductName", "ProductVersion", "Manufacturer", "ProductCode", "UpgradeCode"} {
			if want[k] == "" || props[k] != want[k] {
				t.Errorf("%s: %s: msiinfo %q, ours %q", filepath.Base(p), k, want[k], props[k])
			}
		}
	}
}

type sizeHash struct {
	size int64
	sum  [32]byte
}

func sibling(msiPath string) func(string) (io.ReaderAt, int64, error) {
	return func(name string) (io.ReaderAt, int64, error) {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(msiPath), name))
		if err != nil {
			return nil, 0, err
		}
		return bytes.NewReader(b), int64(len(b)), nil
	}
}

// walkAll returns our files by install path, and the problems.
func walkAll(t *testing.T, db *msi.Database, msiPath string) (map[string]sizeHash, []msi.Problem) {
	t.Helper()
	got := map[string]sizeHash{}
	problems, err := db.Walk(&msi.WalkOptions{Sibling: sibling(msiPath)}, func(f *msi.File, r io.Reader, err error) error {
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			return nil
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			return nil
		}
		var s sizeHash
		s.size = n
		copy(s.sum[:], h.Sum(nil))
		if _, dup := got[f.Path]; dup {
			t.Errorf("two files install to %s", f.Path)
		}
		got[f.Path] = s
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, problems
}

// Path normalisation for comparing with msiextract: msiextract renders the
// directories below TARGETDIR by their DefaultDir target names, except that
// it shows ProgramFilesFolder as "Program Files" and drops a standard folder
// whose DefaultDir is "." (wixl's ProgramFiles64Folder). We name the
// standard folder itself ("ProgramFilesFolder/NUnit 2.5.2/..."). So our
// first path element (always a standard folder here) is dropped, and so is
// msiextract's leading "Program Files/".
func normOurs(p string) string {
	_, rest, _ := strings.Cut(p, "/")
	return rest
}

func normMsiextract(p string) string { return strings.TrimPrefix(p, "Program Files/") }

// The (size, sha256) multiset and the path set of our files equal what
// msiextract writes and lists.
func TestFilesAgainstMsiextract(t *testing.T) {
	msiextract := testenv.Tool(t, "msiextract")
	for _, p := range allMSIs(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			db := openFile(t, p)
			got, problems := walkAll(t, db, p)
			for _, pr := range problems {
				t.Errorf("problem: %+v", pr)
			}
			dir := t.TempDir()
			testenv.Run(t, "", msiextract, "-C", dir, p)
			want := map[sizeHash]int{}
			err := filepath.WalkDir(dir, func(q string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				b, err := os.ReadFile(q)
				if err != nil {
					return err
				}
				want[sizeHash{int64(len(b)), sha256.Sum256(b)}]++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			have := map[sizeHash]int{}
			for _, s := range got {
				have[s]++
			}
			if len(want) == 0 {
				t.Fatal("msiextract wrote nothing")
			}
			for k, n := range want {
				if have[k] != n {
					t.Errorf("file of %d bytes sha256 %x: msiextract %d, ours %d", k.size, k.sum[:6], n, have[k])
				}
			}
			for k, n := range have {
				if want[k] == 0 {
					t.Errorf("we produce %d file(s) of %d bytes sha256 %x that msiextract does not", n, k.size, k.sum[:6])
				}
			}
			wantPaths := map[string]bool{}
			for _, l := range lines(testenv.Run(t, "", msiextract, "-l", p)) {
				wantPaths[normMsiextract(l)] = true
			}
			gotPaths := map[string]bool{}
			for path := range got {
				first, _, _ := strings.Cut(path, "/")
				if !msi.StandardFolders[first] {
					t.Errorf("%s does not start with a standard folder", path)
				}
				gotPaths[normOurs(path)] = true
			}
			for q := range wantPaths {
				if !gotPaths[q] {
					t.Errorf("msiextract lists %q, we do not", q)
				}
			}
			for q := range gotPaths {
				if !wantPaths[q] {
					t.Errorf("we list %q, msiextract does not", q)
				}
			}
			t.Logf("%d files, %d paths equal msiextract's", len(got), len(gotPaths))
		})
	}
}

// Hand-checked path forms from NUnit's Directory and File tables (see
// `msiinfo export NUnit-2.5.2.9222.msi Directory`): "NUnit|NUnit 2.5.2"
// under ProgramFilesFolder, and "FRAMEWK|framework" under bin/net-2.0.
func TestDirectoryForms(t *testing.T) {
	db := openFile(t, nunit(t))
	dirs, err := db.Directories()
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"INSTALLDIR":    "ProgramFilesFolder/NUnit 2.5.2",
		"framework_2.0": "ProgramFilesFolder/NUnit 2.5.2/bin/net-2.0/framework",
		"RunUnderMenu":  "ProgramMenuFolder/NUnit 2.5.2/Select Runtime",
		"TARGETDIR":     "TARGETDIR",
	} {
		if d := dirs[key]; d == nil || d.Path != want {
			t.Errorf("%s: got %+v, want %q", key, d, want)
		}
	}
	if got := msi.LongName("l2zxp7o3.wxs|create_msi_with_external_cab.wxs"); got != "create_msi_with_external_cab.wxs" {
		t.Errorf("LongName: %q", got)
	}
}

func TestStreamNameRoundTrip(t *testing.T) {
	b, err := os.ReadFile(nunit(t))
	if err != nil {
		t.Fatal(err)
	}
	f, err := cfb.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	tables := 0
	for _, s := range f.Streams() {
		name, table := msi.DecodeStreamName(s.NameUTF16)
		if table {
			tables++
		}
		if enc := msi.EncodeStreamName(name, table); fmt.Sprint(enc) != fmt.Sprint(s.NameUTF16) {
			t.Errorf("%q: encodes to %x, stored as %x", name, enc, s.NameUTF16)
		}
	}
	// msiinfo tables lists 39 tables plus 2 pseudo tables; 3 more streams
	// are the catalogue and string pool (_Tables, _Columns, _StringPool,
	// _StringData, less tables without rows, which have no stream).
	if tables < 30 {
		t.Errorf("only %d table streams decoded", tables)
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func openBytes(b []byte) (*msi.Database, error) {
	return msi.Open(bytes.NewReader(b), int64(len(b)), nil)
}

// wantOffsetError checks that err names the cfb or msi layer and an offset;
// wantOff >= 0 also pins the offset.
func wantOffsetError(t *testing.T, err error, wantOff int64, wantText string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	var oe interface {
		Layer() string
		Offset() int64
	}
	if !errors.As(err, &oe) {
		t.Fatalf("error %T %q has no layer/offset", err, err)
	}
	if l := oe.Layer(); l != "cfb" && l != "msi" {
		t.Errorf("layer %q", l)
	}
	if oe.Offset() < 0 || (wantOff >= 0 && oe.Offset() != wantOff) {
		t.Errorf("offset %d, want %d", oe.Offset(), wantOff)
	}
	if !strings.Contains(err.Error(), wantText) {
		t.Errorf("error %q does not mention %q", err, wantText)
	}
	t.Log(err)
}

// tableStream finds the compound-file stream of an MSI table.
func tableStream(t *testing.T, db *msi.Database, table string) *cfb.Stream {
	t.Helper()
	raw := fmt.Sprint(msi.EncodeStreamName(table, true))
	for _, s := range db.CFB().Streams() {
		if fmt.Sprint(s.NameUTF16) == raw {
			return s
		}
	}
	t.Fatalf("no stream for table %s", table)
	return nil
}

// copyCell overwrites the stored value of (row, col) with that of (srow,
// scol) of the same table; both must have the same width.
func copyCell(t *testing.T, b []byte, tab *msi.Table, row, col, srow, scol, width int) {
	t.Helper()
	dst, src := tab.CellOffset(row, col), tab.CellOffset(srow, scol)
	if dst < 0 || src < 0 {
		t.Fatal("cell offset")
	}
	copy(b[dst:dst+int64(width)], b[src:src+int64(width)])
}

func rowWhere(t *testing.T, tab *msi.Table, col, value string) int {
	t.Helper()
	for r := 0; r < tab.Rows(); r++ {
		if tab.String(r, col) == value {
			return r
		}
	}
	t.Fatalf("%s: no row with %s=%q", tab.Name, col, value)
	return -1
}

func TestMalformed(t *testing.T) {
	t.Run("truncated", func(t *testing.T) {
		b := readFile(t, nunit(t))
		for _, n := range []int{100, 4096, len(b) / 2} {
			_, err := openBytes(b[:n])
			wantOffsetError(t, err, -1, "")
		}
	})
	t.Run("fat-cycle", func(t *testing.T) {
		// The directory's first sector is made to follow itself in the FAT.
		b := bytes.Clone(readFile(t, smallMSI(t)))
		le := func(o int) uint32 { return uint32(b[o]) | uint32(b[o+1])<<8 | uint32(b[o+2])<<16 | uint32(b[o+3])<<24 }
		dir, fat0 := le(48), le(76)
		entry := int(fat0+1)*512 + 4*int(dir)
		for i := 0; i < 4; i++ {
			b[entry+i] = byte(dir >> (8 * i))
		}
		_, err := openBytes(b)
		wantOffsetError(t, err, int64(entry), "cycle")
	})
	t.Run("string-pool", func(t *testing.T) {
		b := bytes.Clone(readFile(t, nunit(t)))
		db, err := openBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		// String 1 becomes a long string (length 0, count kept) whose
		// 32-bit length in the next pair is 0xFFFFFFFF, past the end of
		// _StringData. Both pairs lie in the stream's first 64-byte sector.
		pool := tableStream(t, db, "_StringPool")
		first, second := pool.FileOffset(4), pool.FileOffset(8)
		b[first], b[first+1] = 0, 0
		copy(b[second:second+4], []byte{0xFF, 0xFF, 0xFF, 0xFF})
		_, err = openBytes(b)
		wantOffsetError(t, err, second, "_StringData")
	})
	t.Run("directory-cycle", func(t *testing.T) {
		b := bytes.Clone(readFile(t, nunit(t)))
		db, err := openBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		tab, err := db.Table("Directory")
		if err != nil {
			t.Fatal(err)
		}
		// INSTALLDIR's parent becomes "doc", a directory below it.
		installdir, doc := rowWhere(t, tab, "Directory", "INSTALLDIR"), rowWhere(t, tab, "Directory", "doc")
		copyCell(t, b, tab, installdir, tab.ColumnIndex("Directory_Parent"), doc, tab.ColumnIndex("Directory"), db.Strings().RefSize)
		db, err = openBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.Files()
		wantOffsetError(t, err, -1, "loops")
	})
}

// A wrong MsiFileHash is reported for that file only.
func TestHashMismatch(t *testing.T) {
	p := smallMSI(t)
	b := bytes.Clone(readFile(t, p))
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	_, problems := walkAll(t, db, p)
	if len(problems) != 0 {
		t.Fatalf("unmodified: %+v", problems)
	}
	files, err := db.Files()
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, f := range files {
		if f.Name == "readme.txt" {
			key = f.Key
		}
	}
	tab, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	off := tab.CellOffset(rowWhere(t, tab, "File_", key), tab.ColumnIndex("HashPart2"))
	b[off] ^= 1
	db, err = openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	_, problems = walkAll(t, db, p)
	if len(problems) != 1 || problems[0].File != key || !strings.Contains(problems[0].Message, "MsiFileHash mismatch") {
		t.Fatalf("problems: %+v", problems)
	}
	if problems[0].Offset != tab.RowOffset(rowWhere(t, tab, "File_", key)) {
		t.Errorf("offset %d", problems[0].Offset)
	}
	t.Log(problems[0].Message)
}

// A File row whose key names no cabinet entry, and the entry no row names,
// are both reported.
func TestMissingCabinetEntry(t *testing.T) {
	p := nunit(t)
	b := bytes.Clone(readFile(t, p))
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := db.Table("File")
	if err != nil {
		t.Fatal(err)
	}
	row := rowWhere(t, tab, "File", "_LOGO")
	// The key becomes "C__LOGO" (its component's key), which the cabinet
	// does not hold.
	copyCell(t, b, tab, row, 0, row, tab.ColumnIndex("Component_"), db.Strings().RefSize)
	db, err = openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	var missing, unnamed bool
	problems, err := db.Walk(nil, func(f *msi.File, r io.Reader, err error) error {
		if f.Key == "C__LOGO" && err == nil {
			t.Errorf("C__LOGO has bytes")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range problems {
		t.Log(pr.Message)
		missing = missing || (pr.File == "C__LOGO" && strings.Contains(pr.Message, "has no entry"))
		unnamed = unnamed || (pr.File == "_LOGO" && strings.Contains(pr.Message, "no File row"))
	}
	if !missing || !unnamed || len(problems) != 2 {
		t.Errorf("problems: %+v", problems)
	}
}

// Signing with osslsigncode rewrites the compound file and adds
// \x05DigitalSignature (and \x05MsiDigitalSignatureEx); the identity stays,
// while any change to a stream changes it.
func TestIdentitySurvivesSigning(t *testing.T) {
	ossl := testenv.Tool(t, "osslsigncode")
	openssl := testenv.Tool(t, "openssl")
	dir := t.TempDir()
	unsigned := smallMSI(t)
	key, cert := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	testenv.Run(t, dir, openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=installer-sbom test")
	signed := filepath.Join(dir, "signed.msi")
	testenv.Run(t, dir, ossl, "sign", "-certs", cert, "-key", key, "-in", unsigned, "-out", signed)
	signedEx := filepath.Join(dir, "signed-ex.msi")
	testenv.Run(t, dir, ossl, "sign", "-add-msi-dse", "-certs", cert, "-key", key, "-in", unsigned, "-out", signedEx)

	id := func(p string) string {
		d, err := openFile(t, p).Identity()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := id(unsigned)
	for _, p := range []string{signed, signedEx} {
		if sha256.Sum256(readFile(t, p)) == sha256.Sum256(readFile(t, unsigned)) {
			t.Fatal("signing did not change the file")
		}
		if got := id(p); got != base {
			t.Errorf("%s: identity %s, unsigned %s", filepath.Base(p), got, base)
		}
	}
	names := map[string]bool{}
	for _, s := range openFile(t, signedEx).Streams() {
		names[s.Name] = true
	}
	if !names[msi.DigitalSignatureStream] || !names[msi.DigitalSignatureExStream] {
		t.Fatalf("signed MSI streams: %v", names)
	}
	// Changing one byte of a table changes the identity.
	b := bytes.Clone(readFile(t, unsigned))
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	off := tableStream(t, db, "Property").FileOffset(0)
	b[off] ^= 1
	db, err = openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := db.Identity(); err != nil || d == base {
		t.Errorf("modified Property table: identity %s (err %v), unmodified %s", d, err, base)
	}
}

// FuzzMSIDatabase: run with -fuzzminimizetime 100x (see FuzzCFB).
func FuzzMSIDatabase(f *testing.F) {
	small, err := msibuild.RepackSmall(readFile(f, nunit(f)), 8192)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add(readFile(f, externalCab(f)))
	f.Add(readFile(f, smallMSI(f)))
	// Regression seed of issue 14: a Directory chain holding files whose
	// MsiFileHash rows do not match their cabinet entries.
	f.Add(hostile.MSIHashMismatches(8))
	f.Fuzz(func(t *testing.T, b []byte) {
		db, err := msi.Open(bytes.NewReader(b), int64(len(b)), &msi.Options{MaxTableBytes: 1 << 20})
		if err != nil {
			var oe interface{ Layer() string }
			if !errors.As(err, &oe) {
				t.Fatalf("error without layer: %T %v", err, err)
			}
			return
		}
		for _, name := range db.TableNames() {
			tab, err := db.Table(name)
			if err != nil {
				continue
			}
			for r := 0; r < tab.Rows(); r++ {
				for c := range tab.Columns {
					_ = tab.Cell(r, c).String()
				}
			}
		}
		_, _ = db.SummaryInfo()
		_, _ = db.Properties()
		_, _ = db.Features()
		_, _ = db.FeatureComponents()
		_, _ = db.Identity()
		_, _ = db.Actions()
		_, _ = db.Walk(&msi.WalkOptions{Cab: &cab.Options{MaxFiles: 1000, MaxFolderBytes: 1 << 24, MaxTotalBytes: 1 << 25}},
			func(f *msi.File, r io.Reader, err error) error {
				if r != nil {
					_, _ = io.Copy(io.Discard, r)
				}
				return nil
			})
	})
}
