// Package msi reads Windows Installer databases (.msi): the string pool, the
// table catalogue, every table's column-wise rows, the summary information,
// and from those the files an MSI installs with their install paths and the
// cabinets that hold their bytes.
//
// The database lives in a compound file (package cfb). Every table is a
// stream whose rows are stored column by column: all values of column 1,
// then all values of column 2, and so on. Integers are stored with their top
// bit flipped (0 means NULL) and strings as indexes into the string pool.
package msi

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/cfb"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Layer is the name used in errors.
const Layer = "msi"

// FormatError is a malformed MSI database. Off is the byte offset in the MSI
// file (the compound file), -1 when none applies.
type FormatError = formaterr.Error

// layer spells msi errors as "msi: at offset 0x40: message", without the
// offset when none applies.
var layer = &formaterr.Layer{Name: Layer, OmitNegative: true}

func errorf(off int64, format string, args ...any) error {
	return Errorf(off, format, args...)
}

// Errorf returns an msi error at off (-1 when none applies), for adapters
// that judge a compound file not to be an MSI database.
func Errorf(off int64, format string, args ...any) *FormatError {
	return layer.Errorf(off, format, args...)
}

// Options bound what Open reads. Zero fields mean the defaults.
type Options struct {
	// MaxTableBytes is the largest table or string-pool stream read whole
	// (default 64 MiB).
	MaxTableBytes int64
	// MaxPathBytes bounds the bytes of the install paths of all Directory
	// and File rows together (default 64 MiB): each row stores its full
	// path, so a deep Directory chain under long names, or many files in
	// it, would otherwise cost the square of the depth.
	MaxPathBytes int64
	CFB          *cfb.Options
}

func (o *Options) maxPathBytes() int64 {
	if o == nil || o.MaxPathBytes <= 0 {
		return 64 << 20
	}
	return o.MaxPathBytes
}

func (o *Options) maxTableBytes() int64 {
	if o == nil || o.MaxTableBytes <= 0 {
		return 64 << 20
	}
	return o.MaxTableBytes
}

// CLSIDs of the root storage of MSI databases, patches and transforms.
const (
	CLSIDPackage   = "{000C1084-0000-0000-C000-000000000046}"
	CLSIDPatch     = "{000C1086-0000-0000-C000-000000000046}"
	CLSIDTransform = "{000C1082-0000-0000-C000-000000000046}"
)

// Database is an open MSI database.
type Database struct {
	cfb     *cfb.File
	opts    *Options
	pool    *StringPool
	tables  map[string]*tableDef
	order   []string               // table names in _Tables order
	streams map[string]*cfb.Stream // non-table streams of the root storage by decoded name
	tstream map[string]*cfb.Stream // table streams by decoded name
	cache   map[string]*Table

	// Directories is resolved once; dirPathBytes is what its paths cost
	// against MaxPathBytes.
	dirs         map[string]*Directory
	dirsErr      error
	dirsDone     bool
	dirPathBytes int64
	// warnings are oddities the database was read through (see Warnings).
	warnings []Problem
	// srcPaths are directories' source paths, built once each (source.go).
	srcPaths     map[string]string
	srcPathBytes int64
}

// Warnings lists what the database was read through although it is not as
// the schema says (a Directory row whose parent is missing): every file was
// still placed, the way msiextract and lessmsi place it.
func (db *Database) Warnings() []Problem { return db.warnings }

type tableDef struct {
	name    string
	columns []Column
}

// Open reads the compound file and the database catalogue (string pool,
// _Tables, _Columns). Tables are read when asked for.
func Open(r io.ReaderAt, size int64, opts *Options) (*Database, error) {
	var copts *cfb.Options
	if opts != nil {
		copts = opts.CFB
	}
	f, err := cfb.Open(r, size, copts)
	if err != nil {
		return nil, err
	}
	return OpenCFB(f, opts)
}

// OpenCFB reads the database inside an open compound file.
func OpenCFB(f *cfb.File, opts *Options) (*Database, error) {
	db := &Database{cfb: f, opts: opts, tables: map[string]*tableDef{},
		streams: map[string]*cfb.Stream{}, tstream: map[string]*cfb.Stream{}, cache: map[string]*Table{}}
	for _, s := range f.Streams() {
		if s.Storage || strings.Contains(s.Path, "/") {
			continue
		}
		name, table := DecodeStreamName(s.NameUTF16)
		if table {
			db.tstream[name] = s
		} else {
			db.streams[name] = s
		}
	}
	var err error
	db.pool, err = db.readStringPool()
	if err != nil {
		return nil, err
	}
	if err := db.readCatalogue(); err != nil {
		return nil, err
	}
	return db, nil
}

// CFB returns the compound file holding the database.
func (db *Database) CFB() *cfb.File { return db.cfb }

// Codepage is the database code page from the string pool header.
func (db *Database) Codepage() int { return db.pool.Codepage }

// Strings returns the string pool.
func (db *Database) Strings() *StringPool { return db.pool }

// TableNames lists the tables named in _Tables, in stored order.
func (db *Database) TableNames() []string { return append([]string(nil), db.order...) }

// HasTable reports whether the database defines the table.
func (db *Database) HasTable(name string) bool { _, ok := db.tables[name]; return ok }

// StreamInfo is one stream of the database that is not a table: embedded
// cabinets, Binary and Icon table data, summary information, signatures.
type StreamInfo struct {
	Name string // decoded name ("nunit.cab", "Binary.Logo", "\x05SummaryInformation")
	Size int64
}

// Streams lists the non-table streams of the root storage, sorted by name.
func (db *Database) Streams() []StreamInfo {
	var out []StreamInfo
	for n, s := range db.streams {
		out = append(out, StreamInfo{Name: n, Size: s.Size})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// OpenStream opens a non-table stream by its decoded name.
func (db *Database) OpenStream(name string) (*cfb.Stream, bool) {
	s, ok := db.streams[name]
	return s, ok
}

// readStream reads a table stream whole, bounded by MaxTableBytes. A missing
// stream reads as empty (tables without rows have no stream).
func (db *Database) readTableStream(name string) ([]byte, *cfb.Stream, error) {
	s, ok := db.tstream[name]
	if !ok {
		return nil, nil, nil
	}
	if max := db.opts.maxTableBytes(); s.Size > max {
		return nil, s, errorf(s.FileOffset(0), "table stream %q is %d bytes, more than the limit of %d", name, s.Size, max)
	}
	r, err := s.Open()
	if err != nil {
		return nil, s, err
	}
	b := make([]byte, s.Size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, s, err
	}
	return b, s, nil
}

// Column type bits (the Type column of _Columns).
const (
	colSizeMask    = 0x00ff
	colValid       = 0x0100
	colLocalizable = 0x0200
	colString      = 0x0800
	colNullable    = 0x1000
	colKey         = 0x2000
	colTemporary   = 0x4000
)

// Column is one column of a table.
type Column struct {
	Name   string
	Number int // 1-based
	Type   uint16
}

// IsString reports a string column (values are string pool references).
func (c Column) IsString() bool { return c.Type&colString != 0 && !c.IsBinary() }

// IsBinary reports a stream column (Binary.Data, Icon.Data): the value
// names a stream "Table.Key".
func (c Column) IsBinary() bool { return c.Type&^colNullable == colString|colValid }

// Nullable reports whether NULL is allowed.
func (c Column) Nullable() bool { return c.Type&colNullable != 0 }

// Localizable reports a localizable string column.
func (c Column) Localizable() bool { return c.Type&colLocalizable != 0 }

// Key reports a primary key column.
func (c Column) Key() bool { return c.Type&colKey != 0 }

// Width is the declared size: characters for strings, bytes for integers.
func (c Column) Width() int { return int(c.Type & colSizeMask) }

// TypeString renders the type as msiinfo/IDT files do: s72, S255, l0, i2,
// I4, v0 (lower case: NOT NULL).
func (c Column) TypeString() string {
	var ch byte
	switch {
	case c.IsBinary():
		ch = 'v'
	case c.IsString() && c.Localizable():
		ch = 'l'
	case c.IsString():
		ch = 's'
	default:
		ch = 'i'
	}
	if c.Nullable() {
		ch -= 'a' - 'A'
	}
	return fmt.Sprintf("%c%d", ch, c.Width())
}

// storedWidth is the bytes one value occupies in the table stream.
func (c Column) storedWidth(strRef int) int {
	switch {
	case c.IsBinary():
		return 2
	case c.Type&colString != 0:
		return strRef
	case c.Width() <= 2:
		return 2
	default:
		return 4
	}
}

func (db *Database) readCatalogue() error {
	le := binary.LittleEndian
	sref := db.pool.RefSize
	// _Tables: one string column.
	b, s, err := db.readTableStream("_Tables")
	if err != nil {
		return err
	}
	if len(b)%sref != 0 {
		return errorf(s.FileOffset(0), "_Tables is %d bytes, not a multiple of the %d-byte row", len(b), sref)
	}
	seen := map[string]bool{}
	for i := 0; i+sref <= len(b); i += sref {
		name, err := db.pool.ref(b[i:i+sref], s, int64(i))
		if err != nil {
			return err
		}
		if name == "" || seen[name] {
			return errorf(s.FileOffset(int64(i)), "_Tables row %d: empty or repeated table name %q", i/sref, name)
		}
		seen[name] = true
		db.order = append(db.order, name)
		db.tables[name] = &tableDef{name: name}
	}
	// _Columns: Table (string), Number (int16), Name (string), Type (int16).
	b, s, err = db.readTableStream("_Columns")
	if err != nil {
		return err
	}
	row := 2*sref + 4
	if len(b)%row != 0 {
		return errorf(s.FileOffset(0), "_Columns is %d bytes, not a multiple of the %d-byte row", len(b), row)
	}
	n := len(b) / row
	for i := 0; i < n; i++ {
		tOff := i * sref
		numOff := n*sref + i*2
		nameOff := n*(sref+2) + i*sref
		typeOff := n*(2*sref+2) + i*2
		table, err := db.pool.ref(b[tOff:tOff+sref], s, int64(tOff))
		if err != nil {
			return err
		}
		name, err := db.pool.ref(b[nameOff:nameOff+sref], s, int64(nameOff))
		if err != nil {
			return err
		}
		num := int(le.Uint16(b[numOff:]) ^ 0x8000)
		typ := le.Uint16(b[typeOff:]) ^ 0x8000
		def, ok := db.tables[table]
		if !ok {
			return errorf(s.FileOffset(int64(tOff)), "_Columns row %d names table %q, which _Tables does not list", i, table)
		}
		if typ&colTemporary != 0 {
			continue
		}
		def.columns = append(def.columns, Column{Name: name, Number: num, Type: typ})
	}
	// In _Tables order, with columns of equal number kept in _Columns
	// order: a damaged database gets the same error every time (a map's
	// order named a different table from run to run).
	for _, name := range db.order {
		def := db.tables[name]
		sort.SliceStable(def.columns, func(i, j int) bool { return def.columns[i].Number < def.columns[j].Number })
		for i, c := range def.columns {
			if c.Number != i+1 {
				return errorf(s.FileOffset(0), "table %q: column %q has number %d, want %d (columns must be numbered 1..n)", def.name, c.Name, c.Number, i+1)
			}
		}
		if len(def.columns) == 0 {
			return errorf(s.FileOffset(0), "table %q has no columns", def.name)
		}
	}
	return nil
}

// Table is a table read whole. Values are decoded when accessed.
type Table struct {
	Name    string
	Columns []Column
	rows    int
	data    []byte
	offsets []int // start of each column in data
	widths  []int
	stream  *cfb.Stream
	db      *Database
}

// Table reads a table. It is an error when the database does not define it.
func (db *Database) Table(name string) (*Table, error) {
	if t, ok := db.cache[name]; ok {
		return t, nil
	}
	def, ok := db.tables[name]
	if !ok {
		return nil, errorf(-1, "no table %q", name)
	}
	b, s, err := db.readTableStream(name)
	if err != nil {
		return nil, err
	}
	t := &Table{Name: name, Columns: def.columns, data: b, stream: s, db: db}
	rowSize := 0
	for _, c := range def.columns {
		w := c.storedWidth(db.pool.RefSize)
		t.widths = append(t.widths, w)
		rowSize += w
	}
	if len(b)%rowSize != 0 {
		return nil, errorf(s.FileOffset(0), "table %q is %d bytes, not a multiple of its %d-byte row", name, len(b), rowSize)
	}
	t.rows = len(b) / rowSize
	off := 0
	for _, w := range t.widths {
		t.offsets = append(t.offsets, off)
		off += w * t.rows
	}
	// Check every string reference once, so accessors cannot fail later.
	for ci, c := range def.columns {
		if c.Type&colString == 0 || c.IsBinary() {
			continue
		}
		for r := 0; r < t.rows; r++ {
			o := t.offsets[ci] + r*t.widths[ci]
			if _, err := db.pool.ref(b[o:o+t.widths[ci]], s, int64(o)); err != nil {
				return nil, fmt.Errorf("table %q row %d column %q: %w", name, r, c.Name, err)
			}
		}
	}
	db.cache[name] = t
	return t, nil
}

// Rows is the number of rows.
func (t *Table) Rows() int { return t.rows }

// ColumnIndex returns the index of the named column, -1 when absent.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func (t *Table) raw(row, col int) uint32 {
	o := t.offsets[col] + row*t.widths[col]
	var v uint32
	for i := t.widths[col] - 1; i >= 0; i-- {
		v = v<<8 | uint32(t.data[o+i])
	}
	return v
}

// Value is one cell.
type Value struct {
	Null bool
	Int  int32  // integer columns
	Str  string // string columns; the stream name for binary columns
}

// String renders the value as msiinfo export does.
func (v Value) String() string {
	switch {
	case v.Null:
		return ""
	case v.Str != "":
		return v.Str
	}
	return fmt.Sprint(v.Int)
}

// Cell returns the value at row, column index col.
func (t *Table) Cell(row, col int) Value {
	c := t.Columns[col]
	raw := t.raw(row, col)
	switch {
	case c.IsBinary():
		if raw == 0 {
			return Value{Null: true}
		}
		return Value{Str: t.streamName(row)}
	case c.Type&colString != 0:
		s := t.db.pool.get(raw)
		return Value{Null: raw == 0, Str: s}
	case raw == 0:
		return Value{Null: true}
	case t.widths[col] == 2:
		return Value{Int: int32(int16(uint16(raw) ^ 0x8000))}
	default:
		return Value{Int: int32(raw ^ 0x80000000)}
	}
}

// streamName is "Table.Key1.Key2", the stream holding a binary cell.
func (t *Table) streamName(row int) string {
	parts := []string{t.Name}
	for i, c := range t.Columns {
		if !c.Key() || c.IsBinary() {
			continue
		}
		parts = append(parts, t.Cell(row, i).String())
	}
	return strings.Join(parts, ".")
}

// String returns a string cell by column name; "" for NULL or no such column.
func (t *Table) String(row int, col string) string {
	i := t.ColumnIndex(col)
	if i < 0 {
		return ""
	}
	return t.Cell(row, i).Str
}

// Int returns an integer cell by column name; ok is false for NULL or no
// such column.
func (t *Table) Int(row int, col string) (v int32, ok bool) {
	i := t.ColumnIndex(col)
	if i < 0 || t.Columns[i].Type&colString != 0 {
		return 0, false
	}
	c := t.Cell(row, i)
	return c.Int, !c.Null
}

// CellOffset is the file offset where the cell's stored value begins.
func (t *Table) CellOffset(row, col int) int64 {
	if t.stream == nil || row < 0 || row >= t.rows || col < 0 || col >= len(t.Columns) {
		return -1
	}
	return t.stream.FileOffset(int64(t.offsets[col] + row*t.widths[col]))
}

// RowOffset is the file offset of the row's first stored value, for errors.
func (t *Table) RowOffset(row int) int64 {
	if t.stream == nil || len(t.widths) == 0 {
		return -1
	}
	return t.stream.FileOffset(int64(row * t.widths[0]))
}
