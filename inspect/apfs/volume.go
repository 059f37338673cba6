package apfs

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/decmpfs"
	"github.com/installer-sbom/installer-sbom/inspect/fspath"
)

// Kind is what a file is.
type Kind int

const (
	Regular Kind = iota
	Symlink
	Other // a device, FIFO or socket: no bytes
)

// Volume is one volume of a container.
type Volume struct {
	// Index is the volume's place in the container superblock's list.
	Index int
	Name  string
	Role  uint16
	// CaseSensitive is false for a case-insensitive volume.
	CaseSensitive bool
	// Encrypted volumes are recognised, not read (Err says so).
	Encrypted bool
	// Err says why the volume's files are not listed.
	Err error
	// Files lists every regular file and symbolic link at each of its
	// paths, sorted by path.
	Files []*File
	// Problems are what was found wrong without giving up on the volume:
	// records that cannot be placed, files under the private directory.
	Problems []error

	c      *Container
	offset int64 // of the volume superblock, for errors
}

// File is one directory entry naming a regular file or symbolic link.
type File struct {
	Path string // from the volume's root, '/'-separated
	// ID is the inode number; hard links share it.
	ID   uint64
	Kind Kind
	Mode uint16
	// Links is the inode's link count (more than 1 for a hard link).
	Links int
	// Size is the file's size: its data stream's, or the uncompressed
	// size of a decmpfs-compressed file.
	Size int64
	// Target is a symbolic link's target.
	Target string
	// Compression is the decmpfs compression type (decmpfs.CompressionName
	// names it), 0 when the file is not compressed.
	Compression uint32
	// Err says why the file's bytes cannot be read (Volume.Open returns
	// it too).
	Err error

	data, rsrc stream
	decmpfs    []byte
	rsrcData   []byte // an embedded resource fork
}

// extent is one file extent record: length bytes at logical offset off,
// stored from block phys (0 for a hole).
type extent struct {
	off, length, phys uint64
}

// stream is a data stream: its size and its extents, sorted.
type stream struct {
	size    int64
	extents []extent
}

// Filesystem record types (the top 4 bits of a key's object ID).
const (
	jInode      = 3
	jXattr      = 4
	jFileExtent = 8
	jDirRec     = 9

	objIDMask = 0x0fffffffffffffff

	rootDirParent = 1
	rootDirID     = 2
	privDirID     = 3

	incompatCaseInsensitive = 0x1
	incompatNormInsensitive = 0x8
	incompatSealed          = 0x20
	fsUnencrypted           = 0x1

	ufCompressed = 0x20

	modeType    = 0o170000
	modeDir     = 0o040000
	modeRegular = 0o100000
	modeSymlink = 0o120000

	xattrDataStream = 1
	xattrEmbedded   = 2

	xfieldDstream = 8

	decmpfsAttrName = decmpfs.AttrName
	rsrcAttrName    = "com.apple.ResourceFork"
	symlinkAttrName = "com.apple.fs.symlink"
)

type inode struct {
	parent, private uint64
	bsdFlags        uint32
	mode            uint16
	nlink           int
	size            int64
	hasSize         bool
}

type drec struct {
	parent uint64
	name   string
	child  uint64
	isDir  bool
}

type xattr struct {
	data     []byte // embedded
	streamID uint64 // a data stream's ID
	size     int64
	stream   bool
}

// openVolume reads volume v's superblock (virtual oid in the container's
// object map) and its filesystem tree.
func (c *Container) openVolume(v *Volume, oid uint64, omap map[uint64]omapVal) error {
	what := fmt.Sprintf("volume %d", v.Index)
	paddr, err := lookup(omap, oid, what)
	if err != nil {
		return err
	}
	v.offset = int64(paddr) * int64(c.BlockSize)
	b, err := c.readObject(paddr, typeFS, what+" superblock")
	if err != nil {
		return err
	}
	le16, le32, le64 := binary.LittleEndian.Uint16, binary.LittleEndian.Uint32, binary.LittleEndian.Uint64
	if string(b[32:36]) != "APSB" {
		return errorf(v.offset+32, what, "volume superblock magic %q is not APSB", b[32:36])
	}
	v.Name = cstring(b[704:960])
	v.Role = le16(b[964:])
	incompat := le64(b[56:])
	v.CaseSensitive = incompat&incompatCaseInsensitive == 0
	if le64(b[264:])&fsUnencrypted == 0 {
		v.Encrypted = true
		return errorf(v.offset+264, v.Name, "encrypted APFS volume not read: its files are not listed")
	}
	if incompat&incompatSealed != 0 {
		return errorf(v.offset+56, v.Name, "sealed APFS volume not read (not supported): its files are not listed")
	}
	vomap, err := c.readOmap(le64(b[128:]), c.XID, v.Name+" object map")
	if err != nil {
		return err
	}
	rootOID := le64(b[136:])
	hashed := incompat&(incompatCaseInsensitive|incompatNormInsensitive) != 0
	resolve := func(oid uint64) (uint64, error) { return lookup(vomap, oid, v.Name+" filesystem tree") }
	root, err := resolve(rootOID)
	if err != nil {
		return err
	}
	t := &tree{c: c, what: v.Name + " filesystem tree", subtype: typeFSTree, resolve: resolve}
	inodes := map[uint64]*inode{}
	var drecs []drec
	extents := map[uint64][]extent{}
	xattrs := map[uint64]map[string]*xattr{}
	err = t.walk(root, func(k, val []byte) error {
		if len(k) < 8 {
			return errorf(-1, t.what, "key of %d bytes", len(k))
		}
		hdr := le64(k)
		id, typ := hdr&objIDMask, hdr>>60
		switch typ {
		case jInode:
			if len(val) < 92 {
				return errorf(-1, t.what, "inode %d's record of %d bytes", id, len(val))
			}
			if err := c.charge(t.what); err != nil {
				return err
			}
			in := &inode{parent: le64(val), private: le64(val[8:]), bsdFlags: le32(val[68:]),
				mode: le16(val[80:]), nlink: int(int32(le32(val[56:])))}
			in.size, in.hasSize = dstreamSize(val[92:])
			inodes[id] = in
		case jDirRec:
			var name []byte
			if hashed {
				if len(k) < 12 {
					return errorf(-1, t.what, "directory record key of %d bytes", len(k))
				}
				n := int(le32(k[8:]) & 0x3ff)
				if 12+n > len(k) {
					return errorf(-1, t.what, "directory record name of %d bytes in a key of %d", n, len(k))
				}
				name = k[12 : 12+n]
			} else {
				if len(k) < 10 {
					return errorf(-1, t.what, "directory record key of %d bytes", len(k))
				}
				n := int(le16(k[8:]))
				if 10+n > len(k) {
					return errorf(-1, t.what, "directory record name of %d bytes in a key of %d", n, len(k))
				}
				name = k[10 : 10+n]
			}
			if len(val) < 18 {
				return errorf(-1, t.what, "directory record of %d bytes", len(val))
			}
			if err := c.charge(t.what); err != nil {
				return err
			}
			if err := c.chargeBytes(int64(len(name)), t.what); err != nil {
				return err
			}
			drecs = append(drecs, drec{parent: id, name: cstring(name), child: le64(val) & objIDMask, isDir: le16(val[16:])&0xf == 4})
		case jFileExtent:
			if len(k) < 16 || len(val) < 24 {
				return errorf(-1, t.what, "file extent record of %d+%d bytes", len(k), len(val))
			}
			if err := c.charge(t.what); err != nil {
				return err
			}
			extents[id] = append(extents[id], extent{off: le64(k[8:]), length: le64(val) & (1<<56 - 1), phys: le64(val[8:])})
		case jXattr:
			if len(k) < 10 || len(val) < 4 {
				return errorf(-1, t.what, "extended attribute record of %d+%d bytes", len(k), len(val))
			}
			n := int(le16(k[8:]))
			if 10+n > len(k) {
				return errorf(-1, t.what, "extended attribute name of %d bytes in a key of %d", n, len(k))
			}
			name := cstring(k[10 : 10+n])
			if name != decmpfsAttrName && name != rsrcAttrName && name != symlinkAttrName {
				return nil
			}
			flags, dl := le16(val), int(le16(val[2:]))
			if 4+dl > len(val) {
				return errorf(-1, t.what, "extended attribute %s of inode %d: %d bytes in a record of %d", name, id, dl, len(val))
			}
			if err := c.charge(t.what); err != nil {
				return err
			}
			x := &xattr{}
			switch {
			case flags&xattrEmbedded != 0:
				if err := c.chargeBytes(int64(dl), t.what); err != nil {
					return err
				}
				x.data = append([]byte(nil), val[4:4+dl]...)
			case flags&xattrDataStream != 0:
				if dl < 16 {
					return errorf(-1, t.what, "extended attribute %s of inode %d: data stream of %d bytes", name, id, dl)
				}
				x.stream, x.streamID = true, le64(val[4:])
				x.size = int64(le64(val[12:]) & (1<<62 - 1))
			default:
				return nil
			}
			if xattrs[id] == nil {
				xattrs[id] = map[string]*xattr{}
			}
			xattrs[id][name] = x
		}
		return nil
	})
	if err != nil {
		return err
	}
	return v.build(inodes, drecs, extents, xattrs)
}

// chargeBytes counts kept bytes (names, attributes) against MaxAttrBytes.
func (c *Container) chargeBytes(n int64, where string) error {
	if c.attrs += n; c.attrs > c.opts.MaxAttrBytes+c.opts.MaxPathBytes {
		return limitErr(-1, where, "MaxAttrBytes", c.opts.MaxAttrBytes, "names and attributes too large together")
	}
	return nil
}

// dstreamSize finds the data stream extended field of an inode's xfields
// blob and returns the stream's size.
func dstreamSize(b []byte) (int64, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n := int(binary.LittleEndian.Uint16(b))
	if 4+4*n > len(b) {
		return 0, false
	}
	data := 4 + 4*n
	for i := 0; i < n; i++ {
		typ, size := b[4+4*i], int(binary.LittleEndian.Uint16(b[4+4*i+2:]))
		if data+size > len(b) {
			return 0, false
		}
		if typ == xfieldDstream && size >= 8 {
			s := binary.LittleEndian.Uint64(b[data:])
			if s > 1<<62 {
				return 0, false
			}
			return int64(s), true
		}
		data += (size + 7) &^ 7
	}
	return 0, false
}

// build places every directory record by its path and makes the files.
func (v *Volume) build(inodes map[uint64]*inode, drecs []drec, extents map[uint64][]extent, xattrs map[uint64]map[string]*xattr) error {
	c := v.c
	dirs := map[uint64]*drec{}
	for i := range drecs {
		d := &drecs[i]
		in := inodes[d.child]
		isDir := d.isDir
		if in != nil {
			isDir = in.mode&modeType == modeDir
		}
		d.isDir = isDir
		if !isDir {
			continue
		}
		if dirs[d.child] != nil {
			v.Problems = append(v.Problems, errorf(-1, d.name, "directory %d has more than one name: only the first is used", d.child))
			continue
		}
		dirs[d.child] = d
	}
	paths := &fspath.Resolver[uint64]{
		Root: rootDirID,
		Dir: func(id uint64) (uint64, string, bool) {
			if d := dirs[id]; d != nil {
				return d.parent, d.name, true
			}
			return 0, "", false
		},
		Hidden:   func(id uint64) bool { return id == privDirID },
		Tree:     "filesystem tree",
		MaxDepth: c.opts.MaxDepth,
		MaxBytes: c.opts.MaxPathBytes,
		TooLong:  limitErr(-1, "filesystem tree", "MaxPathBytes", c.opts.MaxPathBytes, "paths too long together"),
	}
	for i := range drecs {
		d := &drecs[i]
		if d.isDir || d.parent == rootDirParent {
			continue
		}
		dir, hidden, err := paths.Resolve(d.parent)
		if err != nil {
			if _, ok := err.(*FormatError); ok {
				return err
			}
			v.Problems = append(v.Problems, errorf(-1, d.name, "%v", err))
			continue
		}
		if hidden {
			v.Problems = append(v.Problems, errorf(-1, d.name, "file in the volume's private directory not listed"))
			continue
		}
		p := d.name
		if dir != "" {
			p = dir + "/" + d.name
		}
		if err := paths.Charge(len(p)); err != nil {
			return err
		}
		if inodes[d.child] == nil {
			v.Problems = append(v.Problems, errorf(-1, p, "directory record names inode %d, which the filesystem tree does not hold: the file is not listed", d.child))
			continue
		}
		v.Files = append(v.Files, v.newFile(p, d.child, inodes[d.child], extents, xattrs[d.child]))
	}
	sort.SliceStable(v.Files, func(i, j int) bool { return v.Files[i].Path < v.Files[j].Path })
	return nil
}

func (v *Volume) newFile(p string, id uint64, in *inode, extents map[uint64][]extent, xa map[string]*xattr) *File {
	f := &File{Path: p, ID: id}
	f.Mode, f.Links = in.mode, in.nlink
	switch in.mode & modeType {
	case modeRegular, 0:
	case modeSymlink:
		f.Kind = Symlink
		if x := xa[symlinkAttrName]; x != nil && !x.stream {
			f.Target = string(x.data)
			if i := strings.IndexByte(f.Target, 0); i >= 0 {
				f.Target = f.Target[:i]
			}
		} else {
			f.Err = errorf(-1, p, "symbolic link without an embedded %s attribute", symlinkAttrName)
		}
		return f
	default:
		f.Kind = Other
		return f
	}
	var err error
	if in.bsdFlags&ufCompressed != 0 {
		x := xa[decmpfsAttrName]
		switch {
		case x == nil:
			f.Err = errorf(-1, p, "file is flagged compressed but has no %s attribute", decmpfsAttrName)
			return f
		case x.stream:
			if f.decmpfs, err = v.readSmallStream(x, extents, p); err != nil {
				f.Err = err
				return f
			}
		default:
			f.decmpfs = x.data
		}
		if r := xa[rsrcAttrName]; r != nil && r.stream {
			if f.rsrc, err = v.newStream(r.size, extents[r.streamID], p+" (resource fork)"); err != nil {
				f.Err = err
				return f
			}
		} else if r != nil {
			f.rsrcData = r.data
		}
		f.Err = f.parseDecmpfs()
		return f
	}
	if in.hasSize {
		f.data, err = v.newStream(in.size, extents[in.private], p)
		f.Err = err
	}
	f.Size = f.data.size
	return f
}

// newStream sorts and checks a data stream's extents: inside the
// container, not overlapping.
func (v *Volume) newStream(size int64, ext []extent, what string) (stream, error) {
	c := v.c
	ext = append([]extent(nil), ext...)
	sort.Slice(ext, func(i, j int) bool { return ext[i].off < ext[j].off })
	var end uint64
	for i, e := range ext {
		if e.off < end && i > 0 {
			return stream{}, errorf(-1, what, "file extents overlap at logical offset %d", e.off)
		}
		if e.length > 1<<62 || e.off > 1<<62 {
			return stream{}, errorf(-1, what, "file extent of %d bytes at logical offset %d", e.length, e.off)
		}
		blocks := (e.length + uint64(c.BlockSize) - 1) / uint64(c.BlockSize)
		if e.phys != 0 && (e.phys >= c.blocks || blocks > c.blocks-e.phys) {
			return stream{}, errorf(-1, what, "file extent of %d blocks at block %d is outside the container's %d blocks", blocks, e.phys, c.blocks)
		}
		end = e.off + e.length
	}
	return stream{size: size, extents: ext}, nil
}

// readSmallStream reads an attribute kept in a data stream (a decmpfs
// header too large to embed).
func (v *Volume) readSmallStream(x *xattr, extents map[uint64][]extent, what string) ([]byte, error) {
	if err := v.c.chargeBytes(x.size, what); err != nil {
		return nil, err
	}
	s, err := v.newStream(x.size, extents[x.streamID], what)
	if err != nil {
		return nil, err
	}
	// Only bytes the container holds: an attribute is never sparse.
	var stored uint64
	for _, e := range s.extents {
		if e.phys != 0 {
			stored += e.length
		}
	}
	if uint64(x.size) > stored || x.size > v.c.opts.MaxInlineBytes {
		return nil, errorf(-1, what, "%s attribute of %d bytes has %d bytes of extents", decmpfsAttrName, x.size, stored)
	}
	b := make([]byte, x.size)
	if _, err := io.ReadFull(v.reader(s, what), b); err != nil {
		return nil, err
	}
	return b, nil
}

// Open returns the bytes of a regular file: its data stream (holes as
// zeros), or the decompressed bytes of a decmpfs-compressed file.
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
	return v.reader(f.data, f.Path), nil
}

// ReadOrder lists the files in the order their bytes lie in the
// container, which decodes a compressed disk image's chunks once each.
func (v *Volume) ReadOrder() []*File {
	out := append([]*File(nil), v.Files...)
	first := func(f *File) uint64 {
		for _, s := range []stream{f.data, f.rsrc} {
			for _, e := range s.extents {
				if e.phys != 0 {
					return e.phys
				}
			}
		}
		return 0
	}
	sort.SliceStable(out, func(i, j int) bool { return first(out[i]) < first(out[j]) })
	return out
}
