package msi_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
	"io"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// Column types as _Columns stores them.
const (
	tKey  = 0x2000 | 0x0100 | 0x0800 | 72 // s72, primary key
	tStr  = 0x1000 | 0x0100 | 0x0800 | 255
	tInt2 = 0x1000 | 0x0100 | 2
	tInt4 = 0x1000 | 0x0100 | 4
)

type testColumn struct {
	name string
	typ  uint16
}

type testTable struct {
	name string
	cols []testColumn
	rows [][]any // string, int or nil (NULL)
}

// testDatabase writes an MSI database (compound file) holding tables and
// extra non-table streams, with 3-byte string references.
func testDatabase(tables []testTable, streams map[string][]byte) []byte {
	ids := map[string]uint32{}
	var data bytes.Buffer
	pool := binary.LittleEndian.AppendUint32(nil, 0x80000000|1252)
	str := func(s string) uint32 {
		if id, ok := ids[s]; ok {
			return id
		}
		id := uint32(len(ids) + 1)
		ids[s] = id
		data.WriteString(s)
		pool = binary.LittleEndian.AppendUint16(pool, uint16(len(s)))
		pool = binary.LittleEndian.AppendUint16(pool, 1)
		return id
	}
	ref := func(b []byte, id uint32) []byte { return append(b, byte(id), byte(id>>8), byte(id>>16)) }
	var out []msibuild.CFBStream
	table := func(name string, b []byte) {
		out = append(out, msibuild.CFBStream{NameUTF16: msi.EncodeStreamName(name, true), Data: b})
	}
	var tabs, colTable, colNum, colName, colType []byte
	for _, t := range tables {
		tabs = ref(tabs, str(t.name))
		var b []byte
		for ci, c := range t.cols {
			colTable = ref(colTable, str(t.name))
			colNum = binary.LittleEndian.AppendUint16(colNum, uint16(ci+1)^0x8000)
			colName = ref(colName, str(c.name))
			colType = binary.LittleEndian.AppendUint16(colType, c.typ^0x8000)
			for _, row := range t.rows {
				switch v := row[ci].(type) {
				case nil:
					if c.typ&0x0800 != 0 {
						b = ref(b, 0)
					} else {
						b = append(b, make([]byte, int(c.typ&0xff)/2*2)...)
					}
				case string:
					b = ref(b, str(v))
				case int:
					if c.typ&0xff == 2 {
						b = binary.LittleEndian.AppendUint16(b, uint16(v)^0x8000)
					} else {
						b = binary.LittleEndian.AppendUint32(b, uint32(v)^0x80000000)
					}
				}
			}
		}
		table(t.name, b)
	}
	table("_Tables", tabs)
	table("_Columns", append(append(append(colTable, colNum...), colName...), colType...))
	table("_StringPool", pool)
	table("_StringData", data.Bytes())
	for name, b := range streams {
		out = append(out, msibuild.CFBStream{NameUTF16: msi.EncodeStreamName(name, false), Data: b})
	}
	var clsid [16]byte
	copy(clsid[:], []byte{0x84, 0x10, 0x0C, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46})
	return msibuild.WriteCFB(3, clsid, out)
}

var (
	directoryCols = []testColumn{{"Directory", tKey}, {"Directory_Parent", tStr}, {"DefaultDir", tStr}}
	componentCols = []testColumn{{"Component", tKey}, {"ComponentId", tStr}, {"Directory_", tStr}, {"Attributes", tInt2}, {"Condition", tStr}, {"KeyPath", tStr}}
	fileCols      = []testColumn{{"File", tKey}, {"Component_", tStr}, {"FileName", tStr}, {"FileSize", tInt4}, {"Version", tStr}, {"Language", tStr}, {"Attributes", tInt2}, {"Sequence", tInt4}}
	hashCols      = []testColumn{{"File_", tKey}, {"Options", tInt2}, {"HashPart1", tInt4}, {"HashPart2", tInt4}, {"HashPart3", tInt4}, {"HashPart4", tInt4}}
	mediaCols     = []testColumn{{"DiskId", tInt2}, {"LastSequence", tInt4}, {"DiskPrompt", tStr}, {"Cabinet", tStr}, {"VolumeLabel", tStr}, {"Source", tStr}}
)

// chain is n Directory rows below TARGETDIR, each the parent of the next,
// each named name; the last is "D<n-1>".
func chain(n int, name string) [][]any {
	rows := [][]any{{"TARGETDIR", nil, "SourceDir"}}
	parent := "TARGETDIR"
	for i := 0; i < n; i++ {
		key := fmt.Sprintf("D%d", i)
		rows = append(rows, []any{key, parent, name})
		parent = key
	}
	return rows
}

// storedCab writes an uncompressed cabinet holding names, one byte each.
func storedCab(names []string) []byte {
	le := binary.LittleEndian
	var files []byte
	for i, n := range names {
		files = le.AppendUint32(files, 1)
		files = le.AppendUint32(files, uint32(i))
		files = le.AppendUint16(files, 0)
		files = le.AppendUint32(files, 0) // date, time
		files = le.AppendUint16(files, 0x20)
		files = append(append(files, n...), 0)
	}
	var blocks []byte
	nBlocks := 0
	for off := 0; off < len(names); off += 32768 {
		n := min(32768, len(names)-off)
		blocks = le.AppendUint32(blocks, 0)
		blocks = le.AppendUint16(blocks, uint16(n))
		blocks = le.AppendUint16(blocks, uint16(n))
		blocks = append(blocks, bytes.Repeat([]byte{'x'}, n)...)
		nBlocks++
	}
	const head = 36 + 8
	b := []byte("MSCF")
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, uint32(head+len(files)+len(blocks)))
	b = le.AppendUint32(b, 0)
	b = le.AppendUint32(b, head)
	b = le.AppendUint32(b, 0)
	b = append(b, 3, 1)
	b = le.AppendUint16(b, 1)
	b = le.AppendUint16(b, uint16(len(names)))
	b = le.AppendUint32(b, 0) // flags, set id
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, uint32(head+len(files)))
	b = le.AppendUint16(b, uint16(nBlocks))
	b = le.AppendUint16(b, 0)
	return append(append(b, files...), blocks...)
}

func wantMSIError(t *testing.T, err error, want string) {
	t.Helper()
	fe, ok := err.(*msi.FormatError)
	if !ok || !strings.Contains(err.Error(), want) || fe.Off <= 0 {
		t.Fatalf("err = %T %v, want an msi error with an offset saying %q", err, err, want)
	}
}

// Every Directory and File row stores its full install path, built from
// its parent's. Chains deep under long names used to cost the square of
// the depth (10,000 directories of 255-byte names: about 12.8 GB); the
// paths are now bounded in depth and in total bytes.
func TestHostilePaths(t *testing.T) {
	long := strings.Repeat("n", 255)
	comp := []any{"C", "{00000000-0000-0000-0000-000000000001}", "D199", 0, nil, nil}
	files := make([][]any, 60000)
	for i := range files {
		files[i] = []any{fmt.Sprintf("F%d", i), "C", long, 1, nil, nil, 0, i + 1}
	}
	for _, tc := range []struct {
		name   string
		tables []testTable
		files  bool // call Files, not Directories
		want   string
	}{
		{"deep", []testTable{{"Directory", directoryCols, chain(20000, ".")}}, false, "deeper than 16384 levels"},
		{"long", []testTable{{"Directory", directoryCols, chain(10000, long)}}, false, "install paths exceed the limit"},
		{"many files", []testTable{{"Directory", directoryCols, chain(200, long)},
			{"Component", componentCols, [][]any{comp}}, {"File", fileCols, files}}, true, "install paths exceed the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := testDatabase(tc.tables, nil)
			var err error
			n, d := testenv.Allocated(func() {
				var db *msi.Database
				if db, err = openBytes(b); err != nil {
					return
				}
				if tc.files {
					_, err = db.Files()
				} else {
					_, err = db.Directories()
				}
			})
			t.Logf("%d-byte MSI: %v; %d MiB allocated, %v", len(b), err, n>>20, d)
			wantMSIError(t, err, tc.want)
			if n > 256<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
	// A chain within the limits resolves, each path from its parent's.
	db, err := openBytes(testDatabase([]testTable{{"Directory", directoryCols, chain(300, "d")}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := db.Directories()
	if err != nil {
		t.Fatal(err)
	}
	if want := "TARGETDIR" + strings.Repeat("/d", 300); dirs["D299"].Path != want {
		t.Fatalf("D299 path %q", dirs["D299"].Path)
	}
}

// hashMismatchMSI is a database of n one-byte files in one cabinet, each
// with an MsiFileHash row that does not match its bytes.
func hashMismatchMSI(n int) []byte {
	files := make([][]any, n)
	hashes := make([][]any, n)
	names := make([]string, n)
	for i := range files {
		names[i] = fmt.Sprintf("F%d", i)
		files[i] = []any{names[i], "C", "f.txt", 1, nil, nil, 0, i + 1}
		hashes[i] = []any{names[i], 0, 1, 2, 3, 4}
	}
	return testDatabase([]testTable{
		{"Directory", directoryCols, chain(1, "dir")},
		{"Component", componentCols, [][]any{{"C", "{00000000-0000-0000-0000-000000000001}", "D0", 0, nil, nil}}},
		{"File", fileCols, files},
		{"MsiFileHash", hashCols, hashes},
		{"Media", mediaCols, [][]any{{1, n, nil, "#c.cab", nil, nil}}},
	}, map[string][]byte{"c.cab": storedCab(names)})
}

// Every MsiFileHash mismatch names the row of the hash; the row used to be
// found by scanning the table, once per mismatch (60,000 mismatches: 25 s).
func TestHostileHashMismatches(t *testing.T) {
	const n = 60000
	b := hashMismatchMSI(n)
	db, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	var problems []msi.Problem
	read := 0
	alloc, d := testenv.Allocated(func() {
		problems, err = db.Walk(nil, func(f *msi.File, r io.Reader, err error) error {
			if err != nil {
				return err
			}
			read++
			return nil
		})
	})
	t.Logf("%d-byte MSI, %d files: %d problems; %d MiB allocated, %v", len(b), read, len(problems), alloc>>20, d)
	if err != nil {
		t.Fatal(err)
	}
	if read != n || len(problems) != n {
		t.Fatalf("%d files read, %d problems", read, len(problems))
	}
	for _, i := range []int{0, n / 2, n - 1} {
		p := problems[i]
		if !strings.Contains(p.Message, "MsiFileHash mismatch") || p.Offset != tab.RowOffset(i) {
			t.Fatalf("problem %d: %+v, want the mismatch at row offset %d", i, p, tab.RowOffset(i))
		}
	}
	if alloc > 256<<20 {
		t.Fatalf("allocated %d MiB", alloc>>20)
	}
}

// Identity names every stream by its raw path, built from its storage's.
// Storages nested deep under long names used to make those paths cost the
// square of the depth (> 6 GiB from 1.5 MB); the compound file now bounds
// depth and path bytes, and Identity stays within them.
func TestHostileIdentityPaths(t *testing.T) {
	long := strings.Repeat("€", 31)
	build := func(depth int, leaves []msibuild.CFBStream) []byte {
		list := leaves
		for i := 0; i < depth; i++ {
			list = []msibuild.CFBStream{{Name: long, Storage: list}}
		}
		var clsid [16]byte
		return msibuild.WriteCFB(3, clsid, list)
	}
	many := make([]msibuild.CFBStream, 5000)
	for i := range many {
		many[i] = msibuild.CFBStream{Name: fmt.Sprintf("%s%05d", strings.Repeat("€", 26), i), Data: []byte{byte(i)}}
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string // "" when Identity succeeds
	}{
		{"deep", build(12000, many[:1]), "nest deeper than 64 levels"},
		{"wide at depth", build(63, many), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var id string
			n, d := testenv.Allocated(func() {
				var db *msi.Database
				if db, err = openBytes(tc.b); err == nil {
					id, err = db.Identity()
				}
			})
			t.Logf("%d-byte file: identity %q, %v; %d MiB allocated, %v", len(tc.b), id, err, n>>20, d)
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if n > 256<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
}
