// Package cab reads Microsoft cabinet files (MS-CAB): the header with its
// reserved areas, folders, files (including files that span cabinets),
// checksummed data blocks, multi-cabinet sets, and every compression method:
// stored, MSZIP, Quantum (package quantum) and LZX (package lzx).
//
// Open and OpenSet parse metadata only; Walk decodes each folder once, front
// to back, streaming every file to a callback, with memory bounded by the
// compression window (at most 2 MiB for LZX and Quantum) whatever the file
// sizes.
package cab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Options bound what a cabinet may make the reader do. Zero fields take the
// defaults documented on each.
type Options struct {
	MaxFiles       int   // 0 = default 65535
	MaxFolderBytes int64 // largest uncompressed folder; 0 = default 4 GiB
	MaxRatio       int64 // largest uncompressed/compressed ratio of a folder before it is refused as a bomb; 0 = default 1000 (only checked once a folder has produced >1 MiB)
	// MaxTotalBytes is the largest sum of the folders' declared uncompressed
	// sizes that Walk will decode; 0 = default 4 GiB. Each folder of a cab
	// bomb can stay under MaxFolderBytes and MaxRatio while the cabinet as
	// a whole expands to many gigabytes; Walk refuses such a cabinet before
	// decoding anything.
	MaxTotalBytes int64
	// Workers is how many folders Walk decodes at once; 0 or 1 decodes
	// them one after another as the callback reads them. With more, up to
	// Workers folders are decoded ahead of the callback on their own
	// goroutines and their files buffered, while the callback still sees
	// every file in folder order, exactly as with one worker.
	Workers int
	// MaxAheadBytes bounds the bytes buffered by all folders decoded ahead
	// together (each counts the sum of its files' sizes), whatever Workers
	// is; a folder larger than this is decoded when its turn comes,
	// streaming, and one that does not fit yet waits for earlier ones to
	// be handed out. 0 = default 64 MiB.
	MaxAheadBytes int64
	// Charge, when set, is given the bytes Walk will decode without handing
	// them to the callback: the data skipped to reach a file, again on each
	// restart (a file whose data lies behind the current position sends
	// its folder back to the start). Walk calls it once, before decoding
	// anything, and only when there are such bytes; an error it returns
	// ends the walk and is returned as is. The walk's own accounting of
	// the bytes the callback reads thus covers every decoded byte.
	Charge func(n int64) error
}

const (
	defaultMaxFiles       = 65535
	defaultMaxFolderBytes = 4 << 30
	defaultMaxRatio       = 1000
	defaultMaxTotalBytes  = 4 << 30
	defaultMaxAheadBytes  = 64 << 20
	ratioGrace            = 1 << 20
	// maxSetCabinets bounds how many cabinets OpenSet follows.
	maxSetCabinets = 4096
)

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxFiles <= 0 {
		v.MaxFiles = defaultMaxFiles
	}
	if v.MaxFolderBytes <= 0 {
		v.MaxFolderBytes = defaultMaxFolderBytes
	}
	if v.MaxRatio <= 0 {
		v.MaxRatio = defaultMaxRatio
	}
	if v.MaxTotalBytes <= 0 {
		v.MaxTotalBytes = defaultMaxTotalBytes
	}
	if v.Workers <= 0 {
		v.Workers = 1
	}
	if v.MaxAheadBytes <= 0 {
		v.MaxAheadBytes = defaultMaxAheadBytes
	}
	return v
}

// File is one file in a cabinet.
type File struct {
	Name         string // as stored (UTF-8 when the name-is-UTF flag is set, else bytes as Latin-1 mapped to runes); backslashes kept
	Size         int64
	Folder       int   // index into Cabinet.Folders (continuation indices resolved)
	FolderOffset int64 // uncompressed offset inside the folder
	Attributes   uint16
	Modified     time.Time // from the DOS date/time, UTC, zero if invalid
}

// File attribute bits.
const (
	AttrReadOnly = 0x01
	AttrHidden   = 0x02
	AttrSystem   = 0x04
	AttrArchive  = 0x20
	AttrExec     = 0x40
	AttrNameUTF  = 0x80
)

// Folder is one compressed stream of a cabinet (or of a set, where a folder
// may continue from one cabinet into the next).
type Folder struct {
	Compression string // "none", "mszip", "lzx:21", "quantum:18" ...
	DataBlocks  int
	Offset      int64 // of the first CFDATA block

	method     int // compression method (low 4 bits of typeCompress)
	windowBits int
	parts      []folderPart
	// prevMissing is the cabinet this folder's data starts in, when that
	// cabinet was not opened; the folder cannot be decoded.
	prevMissing string
	// nextMissing is the cabinet this folder's data continues into, when
	// that cabinet was not opened.
	nextMissing string
}

// folderPart is the run of a folder's data blocks held by one cabinet.
type folderPart struct {
	r           io.ReaderAt
	size        int64
	cabinet     string // "" for the first cabinet of a set
	offset      int64  // of the first CFDATA block in this cabinet
	blocks      int
	dataReserve int
}

// Compression methods.
const (
	methodNone    = 0
	methodMSZIP   = 1
	methodQuantum = 2
	methodLZX     = 3
)

// Cabinet is a parsed cabinet, or a merged multi-cabinet set.
type Cabinet struct {
	Files        []*File
	Folders      []*Folder
	SetID, Index uint16
	PrevCabinet  string // names from the header, empty when absent
	NextCabinet  string
	// SetErr says why OpenSet stopped before the set's last cabinet (one
	// missing or damaged): the cabinets before it are read, and data that
	// continues past them fails with "which was not opened".
	SetErr error

	opts Options
}

// Header flags.
const (
	flagPrevCabinet    = 0x0001
	flagNextCabinet    = 0x0002
	flagReservePresent = 0x0004
)

// Folder indices of files that span cabinets.
const (
	ifoldContinuedFromPrev    = 0xFFFD
	ifoldContinuedToNext      = 0xFFFE
	ifoldContinuedPrevAndNext = 0xFFFF
)

const (
	headerSize     = 36
	folderSize     = 8
	fileSize       = 16
	dataHeaderSize = 8
	maxNameLen     = 256 // including the terminating NUL
	maxHeaderRes   = 60000
)

// parsed is one cabinet file before sets are merged.
type parsed struct {
	cab          Cabinet
	name         string
	files        []*File
	rawFolder    []uint16 // iFolder of each file as stored
	folders      []*Folder
	fromPrev     bool // folder 0 continues from the previous cabinet
	toNext       bool // the last folder continues into the next cabinet
	flags        uint16
	dataReserve  int
	folderStarts []int64
}

// Open parses the header, folders and files; no data is decompressed yet.
// A cabinet that is part of a set is opened on its own: folders continued
// from or into other cabinets give errors for the files that need them.
func Open(r io.ReaderAt, size int64, opts *Options) (*Cabinet, error) {
	o := opts.withDefaults()
	p, err := parse(r, size, "", &o)
	if err != nil {
		return nil, err
	}
	return merge([]*parsed{p}, o)
}

// OpenSet follows NextCabinet names through next() and merges a spanned set
// into one Cabinet. It fails when a named cabinet cannot be opened or does
// not belong to the set.
func OpenSet(r io.ReaderAt, size int64, next func(name string) (io.ReaderAt, int64, error), opts *Options) (*Cabinet, error) {
	o := opts.withDefaults()
	p, err := parse(r, size, "", &o)
	if err != nil {
		return nil, err
	}
	set := []*parsed{p}
	files := len(p.files)
	// A cabinet that cannot be opened, is damaged or does not belong ends
	// the set there: the cabinets before it are still read, as cabextract
	// reads them.
	var setErr error
	for p.cab.NextCabinet != "" {
		if len(set) >= maxSetCabinets {
			return nil, formatErr(0, "cabinet set has more than %d cabinets", maxSetCabinets)
		}
		name := p.cab.NextCabinet
		nr, nsize, err := next(name)
		if err != nil {
			setErr = &FormatError{In: layer, Where: place(name, -1, -1),
				Msg: fmt.Sprintf("next cabinet of the set cannot be opened: %v", err), Err: err}
			break
		}
		np, err := parse(nr, nsize, name, &o)
		if err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				return nil, err
			}
			setErr = err
			break
		}
		if np.cab.SetID != p.cab.SetID || np.cab.Index != p.cab.Index+1 {
			setErr = &FormatError{In: layer, Off: 0x20, Where: place(name, -1, -1),
				Msg: fmt.Sprintf("cabinet is set %d number %d, want set %d number %d",
					np.cab.SetID, np.cab.Index, p.cab.SetID, p.cab.Index+1)}
			break
		}
		files += len(np.files)
		if files > o.MaxFiles {
			return nil, limitErr(0, -1, "MaxFiles", int64(o.MaxFiles), "cabinet set lists more files")
		}
		set = append(set, np)
		p = np
	}
	c, err := merge(set, o)
	if err != nil {
		return nil, err
	}
	c.SetErr = setErr
	return c, nil
}

// merge joins parsed cabinets into one Cabinet: the last folder of a cabinet
// and the first of the next are one folder when files continue across.
func merge(set []*parsed, o Options) (*Cabinet, error) {
	first, last := set[0], set[len(set)-1]
	c := &Cabinet{
		SetID:       first.cab.SetID,
		Index:       first.cab.Index,
		PrevCabinet: first.cab.PrevCabinet,
		NextCabinet: last.cab.NextCabinet,
		opts:        o,
	}
	type key struct {
		name         string
		folder       int
		offset, size int64
	}
	seen := map[key]bool{}
	for k, p := range set {
		folderMap := make([]int, len(p.folders))
		for i, f := range p.folders {
			if i == 0 && k > 0 && p.fromPrev && set[k-1].toNext {
				m := c.Folders[len(c.Folders)-1]
				if m.method != f.method || m.windowBits != f.windowBits {
					return nil, &FormatError{In: layer, Off: headerSize, Where: place(p.name, 0, -1),
						Msg: fmt.Sprintf("continued folder is %s, but it began as %s", f.Compression, m.Compression)}
				}
				m.parts = append(m.parts, f.parts...)
				m.DataBlocks += f.DataBlocks
				m.nextMissing = f.nextMissing
				folderMap[0] = len(c.Folders) - 1
				continue
			}
			folderMap[i] = len(c.Folders)
			c.Folders = append(c.Folders, f)
		}
		for j, f := range p.files {
			f.Folder = folderMap[f.Folder]
			id := key{f.Name, f.Folder, f.FolderOffset, f.Size}
			raw := p.rawFolder[j]
			if k > 0 && (raw == ifoldContinuedFromPrev || raw == ifoldContinuedPrevAndNext) && seen[id] {
				continue // already listed by the cabinet it started in
			}
			seen[id] = true
			c.Files = append(c.Files, f)
		}
	}
	return c, nil
}

// parse reads one cabinet's header, folder and file tables.
func parse(r io.ReaderAt, size int64, name string, o *Options) (*parsed, error) {
	ferr := func(at int64, format string, args ...any) error {
		e := formatErr(at, format, args...)
		e.Where = place(name, -1, -1)
		return e
	}
	if size < headerSize {
		return nil, ferr(0, "file of %d bytes is too short for a cabinet header", size)
	}
	var hb [headerSize + 4]byte
	n, err := r.ReadAt(hb[:min(int64(len(hb)), size)], 0)
	if n < headerSize {
		return nil, ferr(0, "reading the cabinet header: %v", err)
	}
	le := binary.LittleEndian
	if string(hb[0:4]) != "MSCF" {
		return nil, ferr(0, "no MSCF signature")
	}
	coffFiles := int64(le.Uint32(hb[16:]))
	nFolders := int(le.Uint16(hb[26:]))
	nFiles := int(le.Uint16(hb[28:]))
	flags := le.Uint16(hb[30:])
	p := &parsed{name: name, flags: flags}
	p.cab.SetID = le.Uint16(hb[32:])
	p.cab.Index = le.Uint16(hb[34:])
	if nFiles > o.MaxFiles {
		e := limitErr(28, -1, "MaxFiles", int64(o.MaxFiles), fmt.Sprintf("cabinet lists %d files", nFiles))
		e.Where = place(name, -1, -1)
		return nil, e
	}
	off := int64(headerSize)
	folderReserve := 0
	if flags&flagReservePresent != 0 {
		if n < headerSize+4 {
			return nil, ferr(off, "header reserve sizes past the end of the file")
		}
		headerReserve := int64(le.Uint16(hb[36:]))
		folderReserve = int(hb[38])
		p.dataReserve = int(hb[39])
		if headerReserve > maxHeaderRes {
			return nil, ferr(off, "header reserve of %d bytes exceeds %d", headerReserve, maxHeaderRes)
		}
		off += 4 + headerReserve
	}
	readName := func(what string) (string, error) {
		var b [maxNameLen]byte
		n, _ := r.ReadAt(b[:min(int64(len(b)), max(0, size-off))], off)
		i := strings.IndexByte(string(b[:n]), 0)
		if i < 0 {
			return "", ferr(off, "%s is not NUL-terminated within %d bytes", what, maxNameLen)
		}
		s := decodeName(b[:i], false)
		off += int64(i) + 1
		return s, nil
	}
	if flags&flagPrevCabinet != 0 {
		if p.cab.PrevCabinet, err = readName("previous cabinet name"); err != nil {
			return nil, err
		}
		if _, err = readName("previous disk name"); err != nil {
			return nil, err
		}
	}
	if flags&flagNextCabinet != 0 {
		if p.cab.NextCabinet, err = readName("next cabinet name"); err != nil {
			return nil, err
		}
		if _, err = readName("next disk name"); err != nil {
			return nil, err
		}
	}
	// Folders.
	entry := int64(folderSize + folderReserve)
	if off+int64(nFolders)*entry > size {
		return nil, ferr(off, "%d folder entries run past the end of the file", nFolders)
	}
	fb := make([]byte, int64(nFolders)*entry)
	// An empty cabinet (no folders, no files: WiX writes one for a patch
	// that delivers no files) ends here; reading nothing at its end is
	// not an error.
	if _, err := r.ReadAt(fb, off); err != nil && len(fb) > 0 {
		return nil, ferr(off, "reading folder entries: %v", err)
	}
	for i := 0; i < nFolders; i++ {
		e := fb[int64(i)*entry:]
		f := &Folder{
			Offset:     int64(le.Uint32(e[0:])),
			DataBlocks: int(le.Uint16(e[4:])),
		}
		typ := le.Uint16(e[6:])
		f.method = int(typ & 0x000F)
		switch f.method {
		case methodNone:
			f.Compression = "none"
		case methodMSZIP:
			f.Compression = "mszip"
		case methodQuantum:
			f.windowBits = int(typ>>8) & 0x1F
			f.Compression = fmt.Sprintf("quantum:%d", f.windowBits)
		case methodLZX:
			f.windowBits = int(typ>>8) & 0x1F
			f.Compression = fmt.Sprintf("lzx:%d", f.windowBits)
		default:
			f.Compression = fmt.Sprintf("unknown:%d", f.method)
		}
		f.parts = []folderPart{{r: r, size: size, cabinet: name, offset: f.Offset, blocks: f.DataBlocks, dataReserve: p.dataReserve}}
		p.folders = append(p.folders, f)
		p.folderStarts = append(p.folderStarts, off+int64(i)*entry)
	}
	// Files: fixed entries each followed by a NUL-terminated name.
	if nFiles > 0 && nFolders == 0 {
		return nil, ferr(26, "cabinet lists %d files but no folders", nFiles)
	}
	if coffFiles < off+int64(nFolders)*entry && nFiles > 0 {
		return nil, ferr(16, "file entries at 0x%x overlap the header or folder entries", coffFiles)
	}
	if nFiles > 0 && coffFiles >= size {
		return nil, ferr(16, "file entries at 0x%x lie past the end of the %d-byte file", coffFiles, size)
	}
	tableLen := min(int64(nFiles)*(fileSize+maxNameLen), size-coffFiles)
	if nFiles > 0 && tableLen < int64(nFiles)*(fileSize+1) {
		return nil, ferr(coffFiles, "%d file entries run past the end of the file", nFiles)
	}
	var tb []byte
	var tableErr error // why the table could not be read to tableLen
	if nFiles > 0 {
		tb = make([]byte, tableLen)
		// The read reaches past the entries (names are of unknown length)
		// into the data: damage there (a stream cut short) must not lose
		// a table that was read whole.
		n, err := r.ReadAt(tb, coffFiles)
		if int64(n) < tableLen {
			tb, tableErr = tb[:n], err
			if n == 0 {
				return nil, ferr(coffFiles, "reading file entries: %v", err)
			}
		}
	}
	pos := 0
	for i := 0; i < nFiles; i++ {
		at := coffFiles + int64(pos)
		if pos+fileSize > len(tb) {
			if tableErr != nil {
				return nil, ferr(at, "reading file entry %d: %v", i, tableErr)
			}
			return nil, ferr(at, "file entry %d runs past the end of the file", i)
		}
		e := tb[pos:]
		f := &File{
			Size:         int64(le.Uint32(e[0:])),
			FolderOffset: int64(le.Uint32(e[4:])),
			Attributes:   le.Uint16(e[14:]),
			Modified:     dosTime(le.Uint16(e[10:]), le.Uint16(e[12:])),
		}
		ifold := le.Uint16(e[8:])
		nameBytes := e[fileSize:min(len(e), fileSize+maxNameLen)]
		j := strings.IndexByte(string(nameBytes), 0)
		if j < 0 {
			if tableErr != nil && len(nameBytes) < maxNameLen {
				return nil, ferr(at+fileSize, "reading the name of file entry %d: %v", i, tableErr)
			}
			return nil, ferr(at+fileSize, "name of file entry %d is not NUL-terminated within %d bytes", i, maxNameLen)
		}
		f.Name = decodeName(nameBytes[:j], f.Attributes&AttrNameUTF != 0)
		pos += fileSize + j + 1
		switch ifold {
		case ifoldContinuedFromPrev:
			f.Folder = 0
			p.fromPrev = true
		case ifoldContinuedPrevAndNext:
			f.Folder = 0
			p.fromPrev = true
			p.toNext = true
		case ifoldContinuedToNext:
			f.Folder = nFolders - 1
			p.toNext = true
		default:
			if int(ifold) >= nFolders {
				return nil, ferr(at+8, "file %q is in folder %d of %d", f.Name, ifold, nFolders)
			}
			f.Folder = int(ifold)
		}
		p.files = append(p.files, f)
		p.rawFolder = append(p.rawFolder, ifold)
	}
	if p.fromPrev {
		if flags&flagPrevCabinet == 0 {
			return nil, ferr(30, "files continue from a previous cabinet, but the header names none")
		}
		p.folders[0].prevMissing = p.cab.PrevCabinet
	}
	if p.toNext {
		if flags&flagNextCabinet == 0 {
			return nil, ferr(30, "files continue into a next cabinet, but the header names none")
		}
		p.folders[nFolders-1].nextMissing = p.cab.NextCabinet
	}
	return p, nil
}

// decodeName turns stored name bytes into a string.
func decodeName(b []byte, isUTF8 bool) string {
	if isUTF8 {
		return strings.ToValidUTF8(string(b), string(utf8.RuneError))
	}
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// dosTime converts an MS-DOS date and time; it returns the zero time when
// either is invalid.
func dosTime(date, tm uint16) time.Time {
	day := int(date & 0x1F)
	month := int(date>>5) & 0x0F
	year := int(date>>9) + 1980
	sec := int(tm&0x1F) * 2
	minute := int(tm>>5) & 0x3F
	hour := int(tm >> 11)
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day {
		return time.Time{} // e.g. 31 February
	}
	return t
}
