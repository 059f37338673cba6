// Package hfsplus reads HFS+ and HFSX volumes (Mac OS Extended, the
// filesystem of most macOS disk images) read-only over an io.ReaderAt,
// following Apple's Technical Note TN1150.
//
// The volume header at byte 1024 locates three B-trees: the catalog (a
// folder, file or thread record per item, keyed by parent folder ID and
// name), the extents overflow tree (a fork's extents past the eight its
// catalog record holds) and the attributes tree (extended attributes, of
// which com.apple.decmpfs says how a file is compressed). Open walks the
// catalog's leaf nodes once and lists every file and symbolic link by its
// '/'-separated path from the volume's root; Volume.Open returns a file's
// bytes, decompressed when decmpfs compressed them.
//
// Hard links are listed at each of their paths with the bytes of the inode
// they name (the inodes themselves, in the hidden private directory, are
// not listed again); symbolic links are listed with their target and never
// followed. Every count, size and offset the volume declares is checked
// against the volume and against Options before it is used; nothing
// recurses on the volume's say-so.
package hfsplus

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/fslimits"
	"github.com/installer-sbom/installer-sbom/inspect/fspath"
)

// FormatError is malformed or unsupported input of layer "hfsplus": Off is
// the byte offset in the volume (-1 when none applies), Where the file or
// B-tree concerned.
type FormatError = formaterr.Error

var layer = &formaterr.Layer{Name: "hfsplus", OmitNegative: true}

func errorf(off int64, where, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Where: where, Msg: fmt.Sprintf(format, args...)}
}

// LimitError says an Options limit refused the volume.
type LimitError = formaterr.LimitError

func limitErr(off int64, where, limit string, value int64, what string) *FormatError {
	return layer.Limit(off, where, limit, value, what)
}

// Options bound what a volume may make the reader hold (fslimits.Options).
type Options = fslimits.Options

// HeaderOffset is where the volume header starts.
const HeaderOffset = 1024

// Header is the part of the volume header this reader uses.
type Header struct {
	Signature   string // "H+" (HFS+) or "HX" (HFSX, case-sensitive)
	Version     uint16
	Attributes  uint32
	BlockSize   uint32
	TotalBlocks uint32
	FileCount   uint32
	FolderCount uint32
	Journaled   bool
}

// Kind is what a catalog file record is.
type Kind int

const (
	Regular Kind = iota
	Symlink
	Other // a device, FIFO or socket: no bytes
)

// File is one file record of the catalog, at one path.
type File struct {
	Path string // from the volume's root, '/'-separated
	ID   uint32 // catalog node ID (a hard link's own, not its inode's)
	Kind Kind
	Mode uint16 // BSD mode bits, 0 when the record carries none
	// Size is the file's size: its data fork's, or the uncompressed size
	// of a decmpfs-compressed file.
	Size int64
	// Target is a symbolic link's target, as stored.
	Target string
	// Inode is the number of the inode a hard link names, 0 for other
	// files; the file's bytes are the inode's.
	Inode uint32
	// Compression is the decmpfs compression type (decmpfs.CompressionName
	// names it), 0 when the file is not compressed.
	Compression uint32
	// Err says why the file's bytes cannot be read (Volume.Open returns
	// it too).
	Err error

	data, rsrc fork
	decmpfs    []byte // the com.apple.decmpfs attribute, header included
	dataID     uint32 // the catalog ID whose forks and attributes hold the bytes
	firstBlock uint32
}

// Volume is an opened HFS+ or HFSX volume.
type Volume struct {
	Header Header
	// Name is the volume's name (its root folder's).
	Name string
	// Files lists every file and symbolic link, sorted by path.
	Files []*File
	// Problems are what Open found wrong without giving up: records that
	// cannot be placed, directory hard links not followed, attributes
	// that cannot be read.
	Problems []error

	r         io.ReaderAt
	size      int64
	blockSize uint32
	opts      Options
	overflow  map[forkKey][]overflowRec
}

// Signature reports whether the volume header at byte 1024 of b (the
// first 1536 bytes of a partition) is an HFS+ or HFSX header.
func Signature(b []byte) bool {
	return len(b) >= HeaderOffset+2 && (string(b[HeaderOffset:HeaderOffset+2]) == "H+" || string(b[HeaderOffset:HeaderOffset+2]) == "HX")
}

// Special catalog node IDs.
const (
	rootParentID = 1
	rootFolderID = 2
	extentsID    = 3
	catalogID    = 4
	attributesID = 8
)

// Open reads the volume header and the catalog of the volume r of size
// bytes.
func Open(r io.ReaderAt, size int64, opts *Options) (*Volume, error) {
	o := opts.WithDefaults()
	if size < HeaderOffset+512 {
		return nil, errorf(0, "", "volume of %d bytes is too short for an HFS+ header", size)
	}
	hb := make([]byte, 512)
	if _, err := r.ReadAt(hb, HeaderOffset); err != nil {
		return nil, &FormatError{In: layer, Off: HeaderOffset, Msg: "reading the volume header", Err: err}
	}
	be16, be32 := binary.BigEndian.Uint16, binary.BigEndian.Uint32
	h := Header{Signature: string(hb[:2]), Version: be16(hb[2:]), Attributes: be32(hb[4:]),
		FileCount: be32(hb[32:]), FolderCount: be32(hb[36:]), BlockSize: be32(hb[40:]), TotalBlocks: be32(hb[44:])}
	h.Journaled = h.Attributes&(1<<13) != 0
	if h.Signature != "H+" && h.Signature != "HX" {
		return nil, errorf(HeaderOffset, "", "signature %q is not HFS+ (H+) or HFSX (HX)", h.Signature)
	}
	if h.BlockSize < 512 || h.BlockSize > 1<<20 || h.BlockSize&(h.BlockSize-1) != 0 {
		return nil, errorf(HeaderOffset+40, "", "block size %d is not a power of two from 512 to 1 MiB", h.BlockSize)
	}
	v := &Volume{Header: h, r: r, size: size, blockSize: h.BlockSize, opts: o}

	extents, err := v.newForkReader(parseFork(hb[192:]), "extents overflow file")
	if err != nil {
		return nil, err
	}
	if extents.Size() > 0 {
		if err := v.loadOverflow(extents); err != nil {
			return nil, err
		}
	}
	catFork, err := v.complete(parseFork(hb[272:]), catalogID, forkData, "catalog file")
	if err != nil {
		return nil, err
	}
	cat, err := v.newForkReader(catFork, "catalog file")
	if err != nil {
		return nil, err
	}
	ct, err := openBTree(cat, "catalog")
	if err != nil {
		return nil, err
	}
	if err := v.readCatalog(ct); err != nil {
		return nil, err
	}
	if attrFork := parseFork(hb[352:]); attrFork.size > 0 {
		if err := v.readAttributes(attrFork); err != nil {
			v.Problems = append(v.Problems, err)
		}
	}
	for _, f := range v.Files {
		v.prepare(f)
	}
	sort.SliceStable(v.Files, func(i, j int) bool { return v.Files[i].Path < v.Files[j].Path })
	return v, nil
}

// Fork types in extents overflow keys.
const (
	forkData     = 0x00
	forkResource = 0xff
)

type forkKey struct {
	kind byte
	id   uint32
}

type overflowRec struct {
	start   uint32
	extents []extent
}

// loadOverflow reads every record of the extents overflow tree.
func (v *Volume) loadOverflow(r *forkReader) error {
	t, err := openBTree(r, "extents overflow")
	if err != nil {
		return err
	}
	v.overflow = map[forkKey][]overflowRec{}
	var n int64
	return t.leaves(func(rec []byte) error {
		key, data, ok := keyed(rec)
		if !ok || len(key) < 10 || len(data) < 64 {
			return errorf(-1, "extents overflow", "malformed leaf record")
		}
		if n++; n > v.opts.MaxItems {
			return limitErr(-1, "extents overflow", "MaxItems", v.opts.MaxItems, "too many extent records")
		}
		k := forkKey{key[0], binary.BigEndian.Uint32(key[2:])}
		o := overflowRec{start: binary.BigEndian.Uint32(key[6:])}
		for i := 0; i < 8; i++ {
			e := extent{binary.BigEndian.Uint32(data[8*i:]), binary.BigEndian.Uint32(data[8*i+4:])}
			if e.count == 0 {
				break
			}
			o.extents = append(o.extents, e)
		}
		v.overflow[k] = append(v.overflow[k], o)
		return nil
	})
}

// complete appends a fork's overflow extents until they cover the blocks
// its catalog record declares.
func (v *Volume) complete(f fork, id uint32, kind byte, what string) (fork, error) {
	have := f.blocks()
	if have >= uint64(f.totalBlocks) {
		return f, nil
	}
	byStart := map[uint32][]extent{}
	for _, r := range v.overflow[forkKey{kind, id}] {
		if _, dup := byStart[r.start]; !dup && len(r.extents) > 0 {
			byStart[r.start] = r.extents
		}
	}
	f.extents = f.extents[:len(f.extents):len(f.extents)]
	for have < uint64(f.totalBlocks) {
		more := byStart[uint32(have)]
		if more == nil || have > 1<<32-1 {
			return f, errorf(-1, what, "fork's extents end after %d of its %d blocks", have, f.totalBlocks)
		}
		delete(byStart, uint32(have)) // each record once, so this ends
		f.extents = append(f.extents, more...)
		for _, e := range more {
			have += uint64(e.count)
		}
	}
	return f, nil
}

// item is a catalog record kept until paths are known.
type item struct {
	parent uint32
	name   string
	folder bool
	rec    []byte // a file record's data (248 bytes), copied
}

// privateDataName is the hidden folder holding hard links' inodes.
const privateDataName = "\x00\x00\x00\x00HFS+ Private Data"

// privateDirName is the hidden folder holding directory hard links.
const privateDirName = ".HFS+ Private Directory Data\r"

func (v *Volume) readCatalog(t *btree) error {
	folders := map[uint32]*item{}
	var files []*item
	var n int64
	err := t.leaves(func(rec []byte) error {
		key, data, ok := keyed(rec)
		if !ok || len(key) < 6 || len(data) < 2 {
			return errorf(-1, "catalog", "malformed leaf record")
		}
		nameLen := int(binary.BigEndian.Uint16(key[4:]))
		if nameLen > 255 || 6+2*nameLen > len(key) {
			return errorf(-1, "catalog", "record key names %d characters in %d bytes", nameLen, len(key))
		}
		typ := binary.BigEndian.Uint16(data)
		if typ != 1 && typ != 2 {
			return nil // thread records
		}
		if n++; n > v.opts.MaxItems {
			return limitErr(-1, "catalog", "MaxItems", v.opts.MaxItems, "too many files and folders")
		}
		it := &item{parent: binary.BigEndian.Uint32(key), name: decodeName(key[6 : 6+2*nameLen])}
		switch typ {
		case 1:
			if len(data) < 88 {
				return errorf(-1, "catalog", "folder record of %d bytes", len(data))
			}
			it.folder = true
			folders[binary.BigEndian.Uint32(data[8:])] = it
		case 2:
			if len(data) < 248 {
				return errorf(-1, "catalog", "file record of %d bytes", len(data))
			}
			it.rec = append([]byte(nil), data[:248]...)
			files = append(files, it)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if root := folders[rootFolderID]; root != nil {
		v.Name = root.name
	} else {
		return errorf(-1, "catalog", "the catalog has no root folder")
	}
	var private, privateDirs uint32
	for id, f := range folders {
		if f.parent == rootFolderID && f.name == privateDataName {
			private = id
		}
		if f.parent == rootFolderID && f.name == privateDirName {
			privateDirs = id
		}
	}
	paths := &fspath.Resolver[uint32]{
		Root: rootFolderID,
		Dir: func(id uint32) (uint32, string, bool) {
			if f := folders[id]; f != nil {
				return f.parent, f.name, true
			}
			return 0, "", false
		},
		// Hard links' inodes and directory hard links' targets.
		Hidden:   func(id uint32) bool { return id != 0 && (id == private || id == privateDirs) },
		Tree:     "catalog",
		MaxDepth: v.opts.MaxDepth,
		MaxBytes: v.opts.MaxPathBytes,
		TooLong:  limitErr(-1, "catalog", "MaxPathBytes", v.opts.MaxPathBytes, "paths too long together"),
	}
	inodes := map[uint32]*item{}
	for _, it := range files {
		if private != 0 && it.parent == private && strings.HasPrefix(it.name, "iNode") {
			if num, err := strconv.ParseUint(it.name[5:], 10, 32); err == nil {
				inodes[uint32(num)] = it
			}
		}
	}
	for _, it := range files {
		dir, hidden, err := paths.Resolve(it.parent)
		if err != nil {
			if _, ok := err.(*FormatError); ok {
				return err
			}
			v.Problems = append(v.Problems, errorf(-1, it.name, "%v", err))
			continue
		}
		if hidden {
			continue // an inode, reached through its links
		}
		p := it.name
		if dir != "" {
			p = dir + "/" + it.name
		}
		if err := paths.Charge(len(p)); err != nil {
			return err
		}
		f := v.newFile(p, it.rec)
		if f.Inode != 0 {
			if in := inodes[f.Inode]; in != nil {
				v.linkTo(f, in.rec)
			} else {
				f.Err = errorf(-1, p, "hard link to inode %d, which the private directory does not hold", f.Inode)
			}
		}
		if f.Kind == Other && isDirLink(it.rec) {
			v.Problems = append(v.Problems, errorf(-1, p, "directory hard link not followed: the files under it are not listed"))
		}
		v.Files = append(v.Files, f)
	}
	return nil
}

// decodeName turns a catalog name (UTF-16BE, decomposed as HFS+ stores
// it) into UTF-8. A '/' in a name is shown as ':', as macOS's POSIX layer
// does; invalid surrogates become U+FFFD.
func decodeName(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.BigEndian.Uint16(b[2*i:])
	}
	return strings.ReplaceAll(string(utf16.Decode(u)), "/", ":")
}

// File record fields.
const (
	offFileID     = 8
	offOwnerFlags = 41
	offFileMode   = 42
	offSpecial    = 44
	offFileType   = 48
	offCreator    = 52
	offDataFork   = 88
	offRsrcFork   = 168

	ufCompressed = 0x20

	modeType    = 0o170000
	modeRegular = 0o100000
	modeSymlink = 0o120000
)

func (v *Volume) newFile(path string, rec []byte) *File {
	be32 := binary.BigEndian.Uint32
	f := &File{Path: path, ID: be32(rec[offFileID:]), Mode: binary.BigEndian.Uint16(rec[offFileMode:])}
	f.dataID = f.ID
	f.data, f.rsrc = parseFork(rec[offDataFork:]), parseFork(rec[offRsrcFork:])
	switch {
	case be32(rec[offFileType:]) == 0x686c6e6b && be32(rec[offCreator:]) == 0x6866732b: // 'hlnk' 'hfs+'
		f.Inode = be32(rec[offSpecial:])
	case f.Mode&modeType == modeSymlink:
		f.Kind = Symlink
	case isDirLink(rec):
		f.Kind = Other
	case f.Mode&modeType == 0 || f.Mode&modeType == modeRegular:
	default:
		f.Kind = Other
	}
	if rec[offOwnerFlags]&ufCompressed != 0 {
		f.Compression = 1 << 31 // known once the attribute is read
	}
	f.Size = int64(f.data.size)
	return f
}

// isDirLink: a directory hard link's file record ('fdrp' 'MACS').
func isDirLink(rec []byte) bool {
	return binary.BigEndian.Uint32(rec[offFileType:]) == 0x66647270 && binary.BigEndian.Uint32(rec[offCreator:]) == 0x4d414353
}

// linkTo gives a hard link its inode's bytes.
func (v *Volume) linkTo(f *File, inode []byte) {
	in := v.newFile(f.Path, inode)
	f.dataID = in.ID
	f.data, f.rsrc = in.data, in.rsrc
	f.Mode, f.Kind, f.Size, f.Compression = in.Mode, in.Kind, in.Size, in.Compression
}

// prepare completes a file's forks with overflow extents, reads a
// symbolic link's target and parses a compressed file's decmpfs header.
func (v *Volume) prepare(f *File) {
	if f.Err != nil || f.Kind == Other {
		return
	}
	var err error
	if f.data, err = v.complete(f.data, f.dataID, forkData, f.Path); err != nil {
		f.Err = err
		return
	}
	if f.rsrc, err = v.complete(f.rsrc, f.dataID, forkResource, f.Path); err != nil && f.Compression != 0 {
		f.Err = err
		return
	}
	if len(f.data.extents) > 0 {
		f.firstBlock = f.data.extents[0].start
	}
	if f.Kind == Symlink {
		r, err := v.newForkReader(f.data, f.Path)
		if err == nil && f.data.size > 4096 {
			err = errorf(-1, f.Path, "symbolic link target of %d bytes", f.data.size)
		}
		if err == nil {
			b := make([]byte, f.data.size)
			_, err = r.ReadAt(b, 0)
			f.Target = string(b)
		}
		f.Err = err
		return
	}
	if f.Compression != 0 {
		f.Err = v.parseDecmpfs(f)
	}
}

// Open returns the bytes of a regular file: its data fork, or the
// decompressed bytes of a decmpfs-compressed file.
func (v *Volume) Open(f *File) (io.Reader, error) {
	if f.Err != nil {
		return nil, f.Err
	}
	if f.Kind != Regular {
		return nil, errorf(-1, f.Path, "not a regular file")
	}
	if f.Compression != 0 {
		return v.openCompressed(f)
	}
	r, err := v.newForkReader(f.data, f.Path)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(r, 0, r.Size()), nil
}

// ReadOrder lists the regular files in the order their bytes lie on the
// volume, which decodes a compressed disk image's chunks once each.
func (v *Volume) ReadOrder() []*File {
	out := make([]*File, 0, len(v.Files))
	out = append(out, v.Files...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].firstBlock < out[j].firstBlock })
	return out
}
