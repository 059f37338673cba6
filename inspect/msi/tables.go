package msi

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
)

// Typed views of the tables an installer inventory needs. A table the
// database does not define reads as empty; a defined table missing a column
// these helpers need is an error.

// columns resolves column names of t, failing when one is missing.
func columns(t *Table, names ...string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		idx[i] = t.ColumnIndex(n)
		if idx[i] < 0 {
			return nil, errorf(t.RowOffset(0), "table %q has no column %q", t.Name, n)
		}
	}
	return idx, nil
}

// optionalTable returns nil (no error) when the database lacks the table.
func (db *Database) optionalTable(name string, cols ...string) (*Table, []int, error) {
	if !db.HasTable(name) {
		return nil, nil, nil
	}
	t, err := db.Table(name)
	if err != nil {
		return nil, nil, err
	}
	idx, err := columns(t, cols...)
	if err != nil {
		return nil, nil, err
	}
	return t, idx, nil
}

// Properties returns the Property table.
func (db *Database) Properties() (map[string]string, error) {
	t, c, err := db.optionalTable("Property", "Property", "Value")
	if err != nil || t == nil {
		return map[string]string{}, err
	}
	m := make(map[string]string, t.Rows())
	for r := 0; r < t.Rows(); r++ {
		m[t.Cell(r, c[0]).Str] = t.Cell(r, c[1]).Str
	}
	return m, nil
}

// Component is a row of the Component table.
type Component struct {
	Key         string
	ComponentID string // GUID
	Directory   string
	Attributes  int32
	Condition   string
	KeyPath     string
}

// Components returns the Component table.
func (db *Database) Components() ([]Component, error) {
	t, c, err := db.optionalTable("Component", "Component", "ComponentId", "Directory_", "Attributes", "Condition", "KeyPath")
	if err != nil || t == nil {
		return nil, err
	}
	out := make([]Component, t.Rows())
	for r := range out {
		out[r] = Component{Key: t.Cell(r, c[0]).Str, ComponentID: t.Cell(r, c[1]).Str, Directory: t.Cell(r, c[2]).Str,
			Attributes: t.Cell(r, c[3]).Int, Condition: t.Cell(r, c[4]).Str, KeyPath: t.Cell(r, c[5]).Str}
	}
	return out, nil
}

// Feature is a row of the Feature table.
type Feature struct {
	Key, Parent, Title, Description string
	Display, Level                  int32
	Directory                       string
	Attributes                      int32
}

// Features returns the Feature table.
func (db *Database) Features() ([]Feature, error) {
	t, c, err := db.optionalTable("Feature", "Feature", "Feature_Parent", "Title", "Description", "Display", "Level", "Directory_", "Attributes")
	if err != nil || t == nil {
		return nil, err
	}
	out := make([]Feature, t.Rows())
	for r := range out {
		out[r] = Feature{Key: t.Cell(r, c[0]).Str, Parent: t.Cell(r, c[1]).Str, Title: t.Cell(r, c[2]).Str,
			Description: t.Cell(r, c[3]).Str, Display: t.Cell(r, c[4]).Int, Level: t.Cell(r, c[5]).Int,
			Directory: t.Cell(r, c[6]).Str, Attributes: t.Cell(r, c[7]).Int}
	}
	return out, nil
}

// FeatureComponent is a row of FeatureComponents.
type FeatureComponent struct{ Feature, Component string }

// FeatureComponents returns the FeatureComponents table.
func (db *Database) FeatureComponents() ([]FeatureComponent, error) {
	t, c, err := db.optionalTable("FeatureComponents", "Feature_", "Component_")
	if err != nil || t == nil {
		return nil, err
	}
	out := make([]FeatureComponent, t.Rows())
	for r := range out {
		out[r] = FeatureComponent{t.Cell(r, c[0]).Str, t.Cell(r, c[1]).Str}
	}
	return out, nil
}

// Media is a row of the Media table: the files with Sequence up to
// LastSequence (and above the previous row's) are in Cabinet, which is
// "#name" for a stream of the MSI and a file name beside the MSI otherwise.
type Media struct {
	DiskID       int32
	LastSequence int32
	DiskPrompt   string
	Cabinet      string
	VolumeLabel  string
	Source       string
}

// Embedded reports a cabinet stored as a stream of the MSI.
func (m Media) Embedded() bool { return strings.HasPrefix(m.Cabinet, "#") }

// Media returns the Media table sorted by LastSequence (then DiskId).
func (db *Database) Media() ([]Media, error) {
	t, c, err := db.optionalTable("Media", "DiskId", "LastSequence", "DiskPrompt", "Cabinet", "VolumeLabel", "Source")
	if err != nil {
		return nil, err
	}
	if t == nil {
		if _, ok := db.streams[MergeModuleCabinet]; ok {
			// A merge module: every file is in its one cabinet stream.
			return []Media{{DiskID: 1, LastSequence: math.MaxInt32, Cabinet: "#" + MergeModuleCabinet}}, nil
		}
		return nil, nil
	}
	out := make([]Media, t.Rows())
	for r := range out {
		out[r] = Media{DiskID: t.Cell(r, c[0]).Int, LastSequence: t.Cell(r, c[1]).Int, DiskPrompt: t.Cell(r, c[2]).Str,
			Cabinet: t.Cell(r, c[3]).Str, VolumeLabel: t.Cell(r, c[4]).Str, Source: t.Cell(r, c[5]).Str}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].LastSequence != out[j].LastSequence {
			return out[i].LastSequence < out[j].LastSequence
		}
		return out[i].DiskID < out[j].DiskID
	})
	return out, nil
}

// FileHash is a row of MsiFileHash: the MD5 of an unversioned file as four
// little-endian int32 parts.
type FileHash struct {
	File    string
	Options int32
	Parts   [4]int32
}

// MD5 returns the 16 hash bytes.
func (h FileHash) MD5() [16]byte {
	var b [16]byte
	for i, p := range h.Parts {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(p))
	}
	return b
}

// FileHashes returns MsiFileHash keyed by File key.
func (db *Database) FileHashes() (map[string]FileHash, error) {
	t, c, err := db.optionalTable("MsiFileHash", "File_", "Options", "HashPart1", "HashPart2", "HashPart3", "HashPart4")
	if err != nil || t == nil {
		return map[string]FileHash{}, err
	}
	out := make(map[string]FileHash, t.Rows())
	for r := 0; r < t.Rows(); r++ {
		h := FileHash{File: t.Cell(r, c[0]).Str, Options: t.Cell(r, c[1]).Int}
		for i := range h.Parts {
			h.Parts[i] = t.Cell(r, c[2+i]).Int
		}
		out[h.File] = h
	}
	return out, nil
}

// Directory is a row of the Directory table with its resolved target path.
type Directory struct {
	Key        string
	Parent     string
	DefaultDir string
	// Path is the install path: a standard folder or root directory by its
	// property name ("ProgramFiles64Folder", "TARGETDIR") followed by the
	// long target names of the directories below it, '/'-separated.
	Path string

	depth int // directories between this one and its root (0 for a root)
}

// StandardFolders are the Windows Installer system folder properties. A
// directory with one of these keys is rendered by its name, whatever its
// parent and DefaultDir say, because Windows resolves it to a fixed place.
var StandardFolders = map[string]bool{
	"AdminToolsFolder": true, "AppDataFolder": true, "CommonAppDataFolder": true,
	"CommonFiles64Folder": true, "CommonFilesFolder": true, "DesktopFolder": true,
	"FavoritesFolder": true, "FontsFolder": true, "LocalAppDataFolder": true,
	"MyPicturesFolder": true, "NetHoodFolder": true, "PersonalFolder": true,
	"PrintHoodFolder": true, "ProgramFiles64Folder": true, "ProgramFilesFolder": true,
	"ProgramMenuFolder": true, "RecentFolder": true, "SendToFolder": true,
	"StartMenuFolder": true, "StartupFolder": true, "System16Folder": true,
	"System64Folder": true, "SystemFolder": true, "TempFolder": true,
	"TemplateFolder": true, "WindowsFolder": true, "WindowsVolume": true,
	"CommonFiles6432Folder": true, "ProgramFiles6432Folder": true, "System6432Folder": true,
}

// LongName picks the long name of a "short|long" file or directory name.
func LongName(s string) string {
	if _, long, ok := strings.Cut(s, "|"); ok {
		return long
	}
	return s
}

// targetName is the long target part of DefaultDir ("target:source", each
// "short|long"); "" when the directory is its parent ("." as target).
func targetName(defaultDir string) string {
	target, _, _ := strings.Cut(defaultDir, ":")
	target = LongName(target)
	if target == "." {
		return ""
	}
	return target
}

// MaxDirectoryDepth is the deepest Directory chain accepted below its root
// or standard folder. Windows paths hold at most 32,767 characters, so no
// installable chain is deeper.
const MaxDirectoryDepth = 16384

// Directories returns the Directory table with resolved paths. A parent
// chain that loops or names a missing row, is deeper than
// MaxDirectoryDepth, or makes the paths exceed Options.MaxPathBytes is an
// error naming the row. The table is resolved once: every call returns the
// same map.
func (db *Database) Directories() (map[string]*Directory, error) {
	if !db.dirsDone {
		db.dirs, db.dirsErr = db.resolveDirectories()
		db.dirsDone = true
	}
	return db.dirs, db.dirsErr
}

func (db *Database) resolveDirectories() (map[string]*Directory, error) {
	t, c, err := db.optionalTable("Directory", "Directory", "Directory_Parent", "DefaultDir")
	if err != nil || t == nil {
		return map[string]*Directory{}, err
	}
	dirs := make(map[string]*Directory, t.Rows())
	rowOf := map[string]int{}
	for r := 0; r < t.Rows(); r++ {
		d := &Directory{Key: t.Cell(r, c[0]).Str, Parent: t.Cell(r, c[1]).Str, DefaultDir: t.Cell(r, c[2]).Str}
		if _, dup := dirs[d.Key]; dup {
			return nil, errorf(t.RowOffset(r), "Directory row %d: duplicate key %q", r, d.Key)
		}
		dirs[d.Key] = d
		rowOf[d.Key] = r
	}
	const resolving = "\x00resolving"
	maxBytes := db.opts.maxPathBytes()
	var total int64
	for _, key := range slices.Sorted(maps.Keys(dirs)) {
		// Walk up to a resolved directory, a standard folder or a root,
		// collecting the chain; then resolve it top down, each path once
		// from its parent's. No recursion.
		var chain []*Directory
		d := dirs[key]
		for d.Path == "" {
			if std, ok := standardFolder(d.Key); ok {
				d.Path = std
				break
			}
			if d.Parent == "" || d.Parent == d.Key {
				d.Path = d.Key
				break
			}
			chain = append(chain, d)
			d.Path = resolving
			if len(chain) > MaxDirectoryDepth {
				return nil, errorf(t.RowOffset(rowOf[key]), "Directory row %q: parent chain is deeper than %d levels", key, MaxDirectoryDepth)
			}
			p, ok := dirs[d.Parent]
			if !ok {
				// Windows Installer would fail; msiextract and lessmsi
				// root the files at the missing key, and so do we.
				p = &Directory{Key: d.Parent, Path: d.Parent}
				dirs[d.Parent] = p
				db.warnings = append(db.warnings, Problem{Layer: Layer, Offset: t.RowOffset(rowOf[d.Key]), Warning: true,
					Message: fmt.Sprintf("Directory row %q: parent %q is not in the Directory table; its files are placed under %q", d.Key, d.Parent, d.Parent)})
			}
			if p.Path == resolving {
				return nil, errorf(t.RowOffset(rowOf[d.Key]), "Directory row %q: parent chain loops back to %q", d.Key, p.Key)
			}
			d = p
		}
		if d.depth+len(chain) > MaxDirectoryDepth {
			return nil, errorf(t.RowOffset(rowOf[key]), "Directory row %q: parent chain is deeper than %d levels", key, MaxDirectoryDepth)
		}
		base, depth := d.Path, d.depth
		for i := len(chain) - 1; i >= 0; i-- {
			if n := targetName(chain[i].DefaultDir); n != "" {
				if total += int64(len(base) + 1 + len(n)); total > maxBytes {
					return nil, errorf(t.RowOffset(rowOf[chain[i].Key]), "Directory row %q: the install paths exceed the limit of %d bytes", chain[i].Key, maxBytes)
				}
				base = base + "/" + n
			}
			depth++
			chain[i].Path, chain[i].depth = base, depth
		}
	}
	db.dirPathBytes = total
	return dirs, nil
}

// standardFolder reports whether a Directory key is a standard folder, as
// an MSI names it (ProgramFilesFolder) or as a merge module does, with the
// module's GUID appended (ProgramFilesFolder.F844F0E3_8CB4_4A0F_973E_31C4F9338382),
// and gives the folder's plain name.
func standardFolder(key string) (string, bool) {
	if StandardFolders[key] {
		return key, true
	}
	base, suffix, ok := strings.Cut(key, ".")
	if ok && StandardFolders[base] && isModuleGUID(suffix) {
		return base, true
	}
	return "", false
}

// isModuleGUID reports whether s is a GUID as merge modules append it to
// their keys: 32 hex digits in groups of 8-4-4-4-12 joined by '_'.
func isModuleGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '_' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// PatchMetadata returns a patch's MsiPatchMetadata properties (Company
// column empty: the standard ones), or an empty map when it has none.
func (db *Database) PatchMetadata() (map[string]string, error) {
	t, c, err := db.optionalTable("MsiPatchMetadata", "Company", "Property", "Value")
	out := map[string]string{}
	if err != nil || t == nil {
		return out, err
	}
	for r := 0; r < t.Rows(); r++ {
		if t.Cell(r, c[0]).Str == "" {
			out[t.Cell(r, c[1]).Str] = t.Cell(r, c[2]).Str
		}
	}
	return out, nil
}

// ModuleSignature is a merge module's identity (its ModuleSignature row).
type ModuleSignature struct {
	ModuleID string // "Name.GUID", the GUID with '_' for '-'
	Language int32
	Version  string
}

// Name is the module's name: its ModuleID without the GUID.
func (m ModuleSignature) Name() string {
	if base, suffix, ok := strings.Cut(m.ModuleID, "."); ok && isModuleGUID(suffix) {
		return base
	}
	return m.ModuleID
}

// GUID is the module's GUID in registry form, or "".
func (m ModuleSignature) GUID() string {
	if _, suffix, ok := strings.Cut(m.ModuleID, "."); ok && isModuleGUID(suffix) {
		return "{" + strings.ReplaceAll(suffix, "_", "-") + "}"
	}
	return ""
}

// Module returns the ModuleSignature row of a merge module; ok is false for
// a database that is not one.
func (db *Database) Module() (m ModuleSignature, ok bool, err error) {
	t, c, err := db.optionalTable("ModuleSignature", "ModuleID", "Language", "Version")
	if err != nil || t == nil || t.Rows() == 0 {
		return m, false, err
	}
	return ModuleSignature{ModuleID: t.Cell(0, c[0]).Str, Language: t.Cell(0, c[1]).Int, Version: t.Cell(0, c[2]).Str}, true, nil
}

// MergeModuleCabinet is the stream that holds a merge module's files, named
// by their File keys; a merge module has no Media table.
const MergeModuleCabinet = "MergeModule.CABinet"

// File is a row of the File table with its install path.
type File struct {
	Key        string // also the file's name inside its cabinet
	Component  string
	FileName   string // as stored, "short|long"
	Name       string // long name
	Size       int64
	Version    string // empty for unversioned files; may name a companion File key
	Language   string
	Attributes int32
	Sequence   int32
	Directory  string // the component's directory key
	// Path is the install path: Directory.Path + "/" + Name.
	Path string
	Row  int // row index in the File table
}

// File attribute bits.
const (
	FileAttrNoncompressed = 0x2000
	FileAttrCompressed    = 0x4000
)

// Files returns the File table with install paths, in Sequence order.
func (db *Database) Files() ([]*File, error) {
	t, c, err := db.optionalTable("File", "File", "Component_", "FileName", "FileSize", "Version", "Language", "Attributes", "Sequence")
	if err != nil || t == nil {
		return nil, err
	}
	comps, err := db.Components()
	if err != nil {
		return nil, err
	}
	compDir := make(map[string]string, len(comps))
	for _, c := range comps {
		compDir[c.Key] = c.Directory
	}
	dirs, err := db.Directories()
	if err != nil {
		return nil, err
	}
	// File paths count against the same limit as directory paths: a deep
	// directory holding many files costs its path once per file.
	maxBytes, total := db.opts.maxPathBytes(), db.dirPathBytes
	out := make([]*File, t.Rows())
	for r := range out {
		f := &File{Key: t.Cell(r, c[0]).Str, Component: t.Cell(r, c[1]).Str, FileName: t.Cell(r, c[2]).Str,
			Size: int64(t.Cell(r, c[3]).Int), Version: t.Cell(r, c[4]).Str, Language: t.Cell(r, c[5]).Str,
			Attributes: t.Cell(r, c[6]).Int, Sequence: t.Cell(r, c[7]).Int, Row: r}
		f.Name = LongName(f.FileName)
		if f.Name == "" || strings.ContainsAny(f.Name, "/\\") || f.Name == "." || f.Name == ".." {
			return nil, errorf(t.RowOffset(r), "File row %q: bad file name %q", f.Key, f.FileName)
		}
		dk, ok := compDir[f.Component]
		if !ok {
			return nil, errorf(t.RowOffset(r), "File row %q: component %q is not in the Component table", f.Key, f.Component)
		}
		d, ok := dirs[dk]
		if !ok {
			d = &Directory{Key: dk, Path: dk}
			dirs[dk] = d
			db.warnings = append(db.warnings, Problem{File: f.Key, Layer: Layer, Offset: t.RowOffset(r), Warning: true,
				Message: fmt.Sprintf("File row %q: directory %q of component %q is not in the Directory table; its files are placed under %q", f.Key, dk, f.Component, dk)})
		}
		f.Directory = dk
		if total += int64(len(d.Path) + 1 + len(f.Name)); total > maxBytes {
			return nil, errorf(t.RowOffset(r), "File row %q: the install paths exceed the limit of %d bytes", f.Key, maxBytes)
		}
		f.Path = d.Path + "/" + f.Name
		out[r] = f
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Sequence < out[j].Sequence })
	return out, nil
}

// Versioned reports whether Version is a version (not empty, not a
// companion file reference).
func (f *File) Versioned() bool {
	return f.Version != "" && f.Version[0] >= '0' && f.Version[0] <= '9'
}

// String is for debugging.
func (f *File) String() string { return fmt.Sprintf("%s (%s, %d bytes)", f.Path, f.Key, f.Size) }
