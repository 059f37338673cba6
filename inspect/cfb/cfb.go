// Package cfb reads Microsoft compound files (MS-CFB, "OLE structured
// storage"), the container of MSI databases, over an io.ReaderAt.
//
// Every sector chain read from the file is bounded: a chain may not be longer
// than the file has sectors (which also catches cycles), every sector number
// is checked against the FAT and against the file size, and the directory is
// walked as a list with a visited set so a malicious tree cannot recurse or
// loop.
package cfb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Layer is the name used in errors.
const Layer = "cfb"

// FormatError is a malformed compound file. Off is the byte offset in the
// compound file, -1 when none applies.
type FormatError = formaterr.Error

// layer spells cfb errors as "cfb: at offset 0x40: message", without the
// offset when none applies.
var layer = &formaterr.Layer{Name: Layer, OmitNegative: true}

func errorf(off int64, format string, args ...any) error {
	return &FormatError{In: layer, Off: off, Msg: fmt.Sprintf(format, args...)}
}

// Magic is the compound file signature.
var Magic = [8]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Special sector numbers (MS-CFB 2.1).
const (
	maxRegSect = 0xFFFFFFFA
	difSect    = 0xFFFFFFFC
	fatSect    = 0xFFFFFFFD
	endOfChain = 0xFFFFFFFE
	freeSect   = 0xFFFFFFFF
	noStream   = 0xFFFFFFFF
)

// Object types of directory entries.
const (
	typeUnused  = 0
	typeStorage = 1
	typeStream  = 2
	typeRoot    = 5
)

const (
	headerSize       = 512
	dirEntrySize     = 128
	miniSectorSize   = 64
	miniStreamCutoff = 4096
)

// Options bound what Open accepts. Zero fields mean the defaults.
type Options struct {
	// MaxEntries is the most directory entries read (default 1<<20).
	MaxEntries int
	// MaxPathBytes bounds the bytes of all entry paths together (default
	// 32 MiB). Every entry stores its full path, so storages nested deep
	// under long names would otherwise cost the square of the nesting.
	MaxPathBytes int64
}

func (o *Options) maxEntries() int {
	if o == nil || o.MaxEntries <= 0 {
		return 1 << 20
	}
	return o.MaxEntries
}

func (o *Options) maxPathBytes() int64 {
	if o == nil || o.MaxPathBytes <= 0 {
		return 32 << 20
	}
	return o.MaxPathBytes
}

// MaxDepth is the deepest nesting of storages accepted. MSI databases nest
// one or two levels (embedded transforms and sub-storages); other compound
// documents a few more.
const MaxDepth = 64

// File is an open compound file.
type File struct {
	r              io.ReaderAt
	size           int64
	Major          int // 3 (512-byte sectors) or 4 (4096-byte sectors)
	SectorSize     int
	nSectors       uint32 // sectors that (at least partly) exist in the file
	fat            []uint32
	fatSectors     []uint32
	miniFAT        []uint32
	miniFATSectors []uint32
	miniStream     *chainReader // nil when the file has no mini stream
	root           *Stream
	streams        []*Stream // streams and storages in directory order, root excluded
}

// Stream is a stream or storage of the compound file.
type Stream struct {
	// Path is the '/'-joined names of the enclosing storages and this entry
	// (the root is not named). Names are decoded from UTF-16; NameUTF16 keeps
	// the raw code units, which MSI stream names need.
	Path      string
	Name      string
	NameUTF16 []uint16
	Storage   bool     // a storage (directory), not a stream
	CLSID     [16]byte // meaningful for storages and the root
	Size      int64
	Entry     int // directory entry index
	entryOff  int64
	start     uint32
	f         *File

	// The sector chain is resolved once; FileOffset and every Open reuse it.
	once  sync.Once
	ra    io.ReaderAt
	raErr error
}

// Open reads the header, the FAT, the mini FAT and the directory.
func Open(r io.ReaderAt, size int64, opts *Options) (*File, error) {
	var h [headerSize]byte
	if size < headerSize {
		return nil, errorf(0, "file of %d bytes is shorter than the %d-byte header", size, headerSize)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, errorf(0, "reading header: %v", err)
	}
	if [8]byte(h[:8]) != Magic {
		return nil, errorf(0, "not a compound file (bad signature)")
	}
	le := binary.LittleEndian
	if bo := le.Uint16(h[28:]); bo != 0xFFFE {
		return nil, errorf(28, "bad byte order mark 0x%04x", bo)
	}
	f := &File{r: r, size: size}
	f.Major = int(le.Uint16(h[26:]))
	shift := le.Uint16(h[30:])
	switch {
	case f.Major == 3 && shift == 9:
	case f.Major == 4 && shift == 12:
	default:
		return nil, errorf(26, "unsupported version %d with sector shift %d", f.Major, shift)
	}
	f.SectorSize = 1 << shift
	if ms := le.Uint16(h[32:]); ms != 6 {
		return nil, errorf(32, "unsupported mini sector shift %d", ms)
	}
	if c := le.Uint32(h[56:]); c != miniStreamCutoff {
		return nil, errorf(56, "unsupported mini stream cutoff %d", c)
	}
	if size <= int64(f.SectorSize) {
		return nil, errorf(0, "file of %d bytes has no sectors", size)
	}
	// Sector n starts at (n+1)*SectorSize. A partial last sector counts: some
	// writers do not pad the file, and reads past its end fail on their own.
	ns := (size - int64(f.SectorSize) + int64(f.SectorSize) - 1) / int64(f.SectorSize)
	if ns > maxRegSect {
		ns = maxRegSect
	}
	f.nSectors = uint32(ns)

	if err := f.readFAT(h[:]); err != nil {
		return nil, err
	}
	if err := f.readMiniFAT(h[:]); err != nil {
		return nil, err
	}
	if err := f.readDirectory(le.Uint32(h[48:]), opts.maxEntries(), opts.maxPathBytes()); err != nil {
		return nil, err
	}
	return f, nil
}

// sectorOffset is the file offset of sector n.
func (f *File) sectorOffset(n uint32) int64 { return (int64(n) + 1) * int64(f.SectorSize) }

// readSector reads sector n whole; a sector cut off by the end of the file
// is an error.
func (f *File) readSector(n uint32, buf []byte, what string) error {
	if n >= f.nSectors {
		return errorf(f.size, "%s: sector %d is beyond the end of the file (%d sectors)", what, n, f.nSectors)
	}
	off := f.sectorOffset(n)
	if _, err := f.r.ReadAt(buf[:f.SectorSize], off); err != nil {
		return errorf(off, "%s: reading sector %d: %v", what, n, err)
	}
	return nil
}

// readFAT collects the FAT sector numbers from the header DIFAT and the DIFAT
// chain, then reads the FAT.
func (f *File) readFAT(h []byte) error {
	le := binary.LittleEndian
	nFAT := le.Uint32(h[44:])
	if nFAT > f.nSectors {
		return errorf(44, "%d FAT sectors declared but the file has %d sectors", nFAT, f.nSectors)
	}
	fatSectors := make([]uint32, 0, nFAT)
	fatSectorsAt := make([]int64, 0, nFAT) // where each FAT sector number was read
	for i := 0; i < 109 && uint32(len(fatSectors)) < nFAT; i++ {
		fatSectors = append(fatSectors, le.Uint32(h[76+4*i:]))
		fatSectorsAt = append(fatSectorsAt, int64(76+4*i))
	}
	difat := le.Uint32(h[68:])
	nDIFAT := le.Uint32(h[72:])
	if nDIFAT > f.nSectors {
		return errorf(72, "%d DIFAT sectors declared but the file has %d sectors", nDIFAT, f.nSectors)
	}
	per := f.SectorSize/4 - 1
	buf := make([]byte, f.SectorSize)
	seen := map[uint32]bool{}
	for i := uint32(0); uint32(len(fatSectors)) < nFAT; i++ {
		if i >= nDIFAT || difat > maxRegSect {
			return errorf(68, "DIFAT chain ends after %d sectors with %d of %d FAT sectors found", i, len(fatSectors), nFAT)
		}
		if seen[difat] {
			return errorf(f.sectorOffset(difat), "DIFAT chain loops at sector %d", difat)
		}
		seen[difat] = true
		if err := f.readSector(difat, buf, "DIFAT"); err != nil {
			return err
		}
		for j := 0; j < per && uint32(len(fatSectors)) < nFAT; j++ {
			fatSectors = append(fatSectors, le.Uint32(buf[4*j:]))
			fatSectorsAt = append(fatSectorsAt, f.sectorOffset(difat)+int64(4*j))
		}
		difat = le.Uint32(buf[4*per:])
	}
	perFAT := f.SectorSize / 4
	f.fatSectors = fatSectors
	f.fat = make([]uint32, 0, len(fatSectors)*perFAT)
	for i, s := range fatSectors {
		if s > maxRegSect {
			return errorf(fatSectorsAt[i], "FAT sector %d has invalid sector number 0x%x", i, s)
		}
		if err := f.readSector(s, buf, fmt.Sprintf("FAT sector %d", i)); err != nil {
			return err
		}
		for j := 0; j < perFAT; j++ {
			f.fat = append(f.fat, le.Uint32(buf[4*j:]))
		}
	}
	return nil
}

// chain follows the FAT from start and returns exactly need sectors (need <
// 0: to the end of the chain). It is an error when the chain ends early,
// visits a sector twice, or names a sector outside the file. startOff is
// where the start sector number was read, for errors.
func (f *File) chain(start uint32, need int64, startOff int64, what label) ([]uint32, error) {
	return followChain(f.fat, f.nSectors, start, need, startOff, f.fatEntryOffset, what)
}

// fatEntryOffset is the file offset of FAT entry i.
func (f *File) fatEntryOffset(i uint32) int64 {
	per := uint32(f.SectorSize / 4)
	return f.sectorOffset(f.fatSectors[i/per]) + int64(i%per)*4
}

// miniFATEntryOffset is the file offset of mini FAT entry i.
func (f *File) miniFATEntryOffset(i uint32) int64 {
	per := uint32(f.SectorSize / 4)
	return f.sectorOffset(f.miniFATSectors[i/per]) + int64(i%per)*4
}

// followChain walks table from start. limit is the number of sectors that
// exist; entryOff locates table entries in the file for error messages.
// When the chain is damaged — it ends early or names a sector that does not
// exist (a truncated file) — the sectors before the damage are returned with
// a *DamageError, so that what they hold can still be read.
func followChain(table []uint32, limit uint32, start uint32, need int64, startOff int64, entryOff func(uint32) int64, what label) ([]uint32, error) {
	if need == 0 {
		return nil, nil
	}
	if need > int64(limit) {
		return nil, errorf(startOff, "%s: needs %d sectors but only %d exist", what, need, limit)
	}
	var out []uint32
	if need > 0 {
		out = make([]uint32, 0, need)
	}
	s, from := start, startOff
	var damage error
	for {
		if s == endOfChain && need < 0 {
			break
		}
		if s == endOfChain {
			damage = &DamageError{errorf(from, "%s: chain ends after %d of %d sectors", what, len(out), need).(*FormatError)}
			break
		}
		if s >= limit || s >= uint32(len(table)) {
			damage = &DamageError{errorf(from, "%s: chain names sector 0x%x, beyond the %d that exist", what, s, min(limit, uint32(len(table)))).(*FormatError)}
			break
		}
		if uint32(len(out)) >= limit {
			return nil, errorf(from, "%s: chain is longer than the file's %d sectors (a cycle)", what, limit)
		}
		out = append(out, s)
		if need > 0 && int64(len(out)) == need {
			break
		}
		s, from = table[s], entryOff(s)
	}
	// A chain that visits a sector twice loops (or aliases itself), even when
	// it is cut off before the loop would make it too long.
	sorted := slices.Clone(out)
	slices.Sort(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return nil, errorf(startOff, "%s: chain visits sector %d twice (a cycle)", what, sorted[i])
		}
	}
	if damage != nil {
		return out, damage
	}
	return out, nil
}

// DamageError is a sector chain cut short: the sectors before the damage
// are readable, the rest is not. Reading a stream past the damage gives it.
type DamageError struct{ *FormatError }

func (e *DamageError) Unwrap() error { return e.FormatError }

func (f *File) readMiniFAT(h []byte) error {
	le := binary.LittleEndian
	start := le.Uint32(h[60:])
	n := le.Uint32(h[64:])
	if n == 0 || start == endOfChain {
		return nil
	}
	secs, err := f.chain(start, int64(n), 60, label{text: "mini FAT"})
	if err != nil {
		return err
	}
	f.miniFATSectors = secs
	f.miniFAT = make([]uint32, 0, len(secs)*f.SectorSize/4)
	buf := make([]byte, f.SectorSize)
	for _, s := range secs {
		if err := f.readSector(s, buf, "mini FAT"); err != nil {
			return err
		}
		for j := 0; j < f.SectorSize/4; j++ {
			f.miniFAT = append(f.miniFAT, le.Uint32(buf[4*j:]))
		}
	}
	return nil
}

type dirEntry struct {
	name     []uint16
	typ      byte
	left     uint32
	right    uint32
	child    uint32
	clsid    [16]byte
	start    uint32
	size     int64
	entryOff int64
}

func (f *File) readDirectory(start uint32, maxEntries int, maxPathBytes int64) error {
	secs, err := f.chain(start, -1, 48, label{text: "directory"})
	if err != nil {
		return err
	}
	perSector := f.SectorSize / dirEntrySize
	if len(secs)*perSector > maxEntries {
		return errorf(48, "directory has %d entries, more than the limit of %d", len(secs)*perSector, maxEntries)
	}
	if len(secs) == 0 {
		return errorf(48, "directory is empty")
	}
	le := binary.LittleEndian
	entries := make([]dirEntry, 0, len(secs)*perSector)
	buf := make([]byte, f.SectorSize)
	for _, s := range secs {
		if err := f.readSector(s, buf, "directory"); err != nil {
			return err
		}
		for j := 0; j < perSector; j++ {
			b := buf[j*dirEntrySize : (j+1)*dirEntrySize]
			e := dirEntry{
				typ:      b[66],
				left:     le.Uint32(b[68:]),
				right:    le.Uint32(b[72:]),
				child:    le.Uint32(b[76:]),
				start:    le.Uint32(b[116:]),
				size:     int64(le.Uint64(b[120:])),
				entryOff: f.sectorOffset(s) + int64(j*dirEntrySize),
			}
			copy(e.clsid[:], b[80:96])
			if f.Major == 3 {
				// Version 3 writers may leave garbage in the high half.
				e.size &= 0xFFFFFFFF
			}
			nl := int(le.Uint16(b[64:]))
			if e.typ != typeUnused {
				if nl < 2 || nl > 64 || nl%2 != 0 {
					return errorf(e.entryOff+64, "directory entry %d: bad name length %d", len(entries), nl)
				}
				e.name = make([]uint16, nl/2-1)
				for k := range e.name {
					e.name[k] = le.Uint16(b[2*k:])
				}
			}
			entries = append(entries, e)
		}
	}
	root := entries[0]
	if root.typ != typeRoot {
		return errorf(entries[0].entryOff+66, "directory entry 0 is type %d, not the root storage", root.typ)
	}
	f.root = &Stream{Name: "Root Entry", Storage: true, CLSID: root.clsid, Size: root.size, start: root.start, f: f}
	if root.size > 0 {
		if root.size < 0 || root.size > f.size {
			return errorf(root.entryOff+120, "mini stream size %d exceeds the file size %d", root.size, f.size)
		}
		cr, err := f.regularChain(root.start, root.size, root.entryOff+116, label{text: "mini stream"})
		if err != nil {
			return err
		}
		f.miniStream = cr
	}

	// Walk the tree of storages iteratively. Each entry may be reached once:
	// the red-black trees are not trusted to be trees.
	visited := make([]bool, len(entries))
	visited[0] = true
	// Each entry's path is its storage's path (built once, shared by the
	// siblings) plus its name; the depth and the bytes of all paths are
	// bounded.
	type item struct {
		id     uint32
		prefix string
		depth  int // storages above the entry
	}
	var stack []item
	var pathBytes int64
	push := func(id uint32, prefix string, depth int, from int64) error {
		if id == noStream {
			return nil
		}
		if int(id) >= len(entries) || id > maxRegSect {
			return errorf(from, "directory link to entry %d, beyond the %d entries", id, len(entries))
		}
		if visited[id] {
			return errorf(from, "directory entry %d is linked twice (a cycle)", id)
		}
		visited[id] = true
		stack = append(stack, item{id, prefix, depth})
		return nil
	}
	if err := push(root.child, "", 0, root.entryOff+76); err != nil {
		return err
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		e := entries[it.id]
		if err := push(e.left, it.prefix, it.depth, e.entryOff+68); err != nil {
			return err
		}
		if err := push(e.right, it.prefix, it.depth, e.entryOff+72); err != nil {
			return err
		}
		name := string(utf16.Decode(e.name))
		if pathBytes += int64(len(it.prefix) + len(name)); pathBytes > maxPathBytes {
			return errorf(e.entryOff, "directory entry %d: the paths of the entries exceed the limit of %d bytes", it.id, maxPathBytes)
		}
		st := &Stream{
			Path: it.prefix + name, Name: name, NameUTF16: e.name,
			CLSID: e.clsid, Entry: int(it.id), entryOff: e.entryOff, start: e.start, f: f,
		}
		switch e.typ {
		case typeStorage:
			st.Storage = true
			if e.child != noStream && it.depth+1 >= MaxDepth {
				return errorf(e.entryOff+76, "directory entry %d (%q): storages nest deeper than %d levels", it.id, name, MaxDepth)
			}
			if err := push(e.child, st.Path+"/", it.depth+1, e.entryOff+76); err != nil {
				return err
			}
		case typeStream:
			if e.size < 0 || e.size > f.size {
				return errorf(e.entryOff+120, "stream %q: size %d exceeds the file size %d", st.Path, e.size, f.size)
			}
			st.Size = e.size
		default:
			return errorf(e.entryOff+66, "directory entry %d (%q) in the tree has type %d", it.id, name, e.typ)
		}
		f.streams = append(f.streams, st)
	}
	sort.Slice(f.streams, func(i, j int) bool { return f.streams[i].Path < f.streams[j].Path })
	return nil
}

// Root returns the root storage; its CLSID identifies the document type.
func (f *File) Root() *Stream { return f.root }

// Streams lists the streams and storages, sorted by Path.
func (f *File) Streams() []*Stream { return f.streams }

// Stream returns the stream or storage at path.
func (f *File) Stream(path string) (*Stream, bool) {
	i := sort.Search(len(f.streams), func(i int) bool { return f.streams[i].Path >= path })
	if i < len(f.streams) && f.streams[i].Path == path {
		return f.streams[i], true
	}
	return nil, false
}

// Open returns a reader of the stream's bytes. The sector chain is checked
// here, so a damaged stream fails before any byte is read.
func (s *Stream) Open() (*io.SectionReader, error) {
	if s.Storage {
		return nil, errorf(-1, "%q is a storage, not a stream", s.Path)
	}
	ra, err := s.ReaderAt()
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(ra, 0, s.Size), nil
}

// ReaderAt returns random access to the stream's bytes (offsets 0..Size).
func (s *Stream) ReaderAt() (io.ReaderAt, error) {
	s.once.Do(func() { s.ra, s.raErr = s.resolve() })
	return s.ra, s.raErr
}

func (s *Stream) resolve() (io.ReaderAt, error) {
	f := s.f
	what := label{stream: s.Path}
	if s.Size < miniStreamCutoff {
		if s.Size == 0 {
			return &chainReader{size: 0}, nil
		}
		if f.miniStream == nil {
			return nil, errorf(s.entryOff+116, "%s: in the mini stream, but the file has none", what)
		}
		limit := uint32(min(int64(len(f.miniFAT)), (f.miniStream.size+miniSectorSize-1)/miniSectorSize))
		need := (s.Size + miniSectorSize - 1) / miniSectorSize
		secs, err := followChain(f.miniFAT, limit, s.start, need, s.entryOff+116, f.miniFATEntryOffset, label{stream: s.Path, mini: true})
		if err != nil {
			return nil, err
		}
		// Every mini sector must lie inside the mini stream (the last one
		// only as far as the stream needs it), so reads cannot run off it.
		for i, sec := range secs {
			used := int64(miniSectorSize)
			if i == len(secs)-1 {
				used = s.Size - int64(i)*miniSectorSize
			}
			if int64(sec)*miniSectorSize+used > f.miniStream.size {
				return nil, errorf(s.entryOff+116, "%s: mini sector %d lies beyond the %d-byte mini stream", what, sec, f.miniStream.size)
			}
		}
		return &chainReader{r: f.miniStream, sectors: secs, sectorSize: miniSectorSize, size: s.Size, what: what,
			offset: func(n uint32) int64 { return int64(n) * miniSectorSize }, errOff: s.entryOff + 116}, nil
	}
	return f.regularChain(s.start, s.Size, s.entryOff+116, what)
}

func (f *File) regularChain(start uint32, size int64, startOff int64, what label) (*chainReader, error) {
	need := (size + int64(f.SectorSize) - 1) / int64(f.SectorSize)
	secs, err := f.chain(start, need, startOff, what)
	var damage *DamageError
	if err != nil && !(errors.As(err, &damage) && len(secs) > 0) {
		return nil, err
	}
	// A damaged chain still reads up to the damage: a cabinet stream cut
	// short keeps the files before the cut.
	return &chainReader{r: f.r, sectors: secs, sectorSize: int64(f.SectorSize), size: size, offset: f.sectorOffset, what: what, fileSize: f.size, damage: damage}, nil
}

// label names a chain in errors. A stream's label is formatted only when an
// error needs it: formatting one per stream would copy every path again.
type label struct {
	text   string // "directory", "mini FAT", ...
	stream string // the stream's path, when the chain is a stream's
	mini   bool
}

func (l label) String() string {
	if l.text != "" {
		return l.text
	}
	s := fmt.Sprintf("stream %q", l.stream)
	if l.mini {
		s += " (mini)"
	}
	return s
}

// chainReader maps stream offsets onto a list of sectors of an underlying
// reader (the file or the mini stream).
type chainReader struct {
	r          io.ReaderAt
	sectors    []uint32
	sectorSize int64
	size       int64
	offset     func(uint32) int64
	what       label
	fileSize   int64 // size of the file, for regular chains; 0 for mini chains
	errOff     int64 // for mini chains: where errors point (the entry's start field)
	// damage, when set, says why the chain stops after sectors: reads
	// past them fail with it.
	damage *DamageError
}

func (c *chainReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errorf(-1, "negative read offset")
	}
	if off >= c.size {
		return 0, io.EOF
	}
	n := 0
	for len(p) > 0 && off < c.size {
		idx := off / c.sectorSize
		in := off % c.sectorSize
		if idx >= int64(len(c.sectors)) {
			if c.damage != nil {
				return n, c.damage
			}
			return n, io.ErrUnexpectedEOF
		}
		// Extend over physically contiguous sectors to read in one call.
		run := int64(1)
		for idx+run < int64(len(c.sectors)) && c.sectors[idx+run] == c.sectors[idx+run-1]+1 && run*c.sectorSize-in < int64(len(p)) {
			run++
		}
		chunk := min(run*c.sectorSize-in, c.size-off, int64(len(p)))
		base := c.offset(c.sectors[idx]) + in
		m, err := c.r.ReadAt(p[:chunk], base)
		n += m
		if int64(m) < chunk {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			if fe, ok := err.(*FormatError); ok && fe.Layer() == Layer {
				return n, err
			}
			if c.fileSize > 0 {
				return n, errorf(base+int64(m), "%s: sector %d: %v", c.what, c.sectors[idx], err)
			}
			return n, errorf(c.errOff, "%s: mini sector %d: %v", c.what, c.sectors[idx], err)
		}
		p = p[chunk:]
		off += chunk
	}
	if len(p) > 0 {
		return n, io.EOF
	}
	return n, nil
}

// HasMagic reports whether b starts with the compound file signature.
func HasMagic(b []byte) bool {
	return len(b) >= 8 && [8]byte(b[:8]) == Magic
}

// CLSIDString formats a CLSID in registry form, {XXXXXXXX-XXXX-...}.
func CLSIDString(c [16]byte) string {
	le := binary.LittleEndian
	return strings.ToUpper(fmt.Sprintf("{%08x-%04x-%04x-%02x%02x-%x}",
		le.Uint32(c[0:]), le.Uint16(c[4:]), le.Uint16(c[6:]), c[8], c[9], c[10:16]))
}

// FileOffset maps an offset inside the stream to the offset in the compound
// file where that byte is stored, for error messages; -1 when off is outside
// the stream or its chain is damaged, or s is nil (a missing stream).
func (s *Stream) FileOffset(off int64) int64 {
	if s == nil || s.Storage || off < 0 || off >= s.Size {
		return -1
	}
	ra, err := s.ReaderAt()
	if err != nil {
		return -1
	}
	return ra.(*chainReader).fileOffset(off)
}

func (c *chainReader) fileOffset(off int64) int64 {
	if off < 0 || off >= c.size || c.sectorSize == 0 {
		return -1
	}
	if off/c.sectorSize >= int64(len(c.sectors)) {
		return -1
	}
	o := c.offset(c.sectors[off/c.sectorSize]) + off%c.sectorSize
	if parent, ok := c.r.(*chainReader); ok {
		return parent.fileOffset(o)
	}
	return o
}
