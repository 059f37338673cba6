// Package apfs reads APFS containers (Apple File System, the filesystem of
// recent macOS disk images) read-only over an io.ReaderAt, following
// Apple's "Apple File System Reference".
//
// The container superblock at block 0 and its copies in the checkpoint
// descriptor area give the newest valid checkpoint (each object's
// Fletcher-64 checksum is checked); the container object map turns each
// volume's virtual object ID into the block of its volume superblock; the
// volume's own object map locates the nodes of its filesystem B-tree,
// whose leaf records (inodes, directory records, file extents, extended
// attributes) Open reads once. Every regular file and symbolic link is
// listed by its '/'-separated path from the volume's root; Volume.Open
// returns a file's bytes (holes read as zeros), decompressed when decmpfs
// compressed them.
//
// Hard links are listed at each of their paths; symbolic links are listed
// with their target and never followed. Encrypted and sealed volumes are
// recognised and not read. Every node, offset, count and size the
// container declares is checked before it is used: nodes are read at most
// once per tree and their levels must decrease, extents must lie inside
// the container, and the records kept are bounded by Options.
package apfs

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/fslimits"
)

// FormatError is malformed or unsupported input of layer "apfs": Off is
// the byte offset in the container (-1 when none applies), Where the
// volume, file or tree concerned.
type FormatError = formaterr.Error

var layer = &formaterr.Layer{Name: "apfs", OmitNegative: true}

func errorf(off int64, where, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Where: where, Msg: fmt.Sprintf(format, args...)}
}

// LimitError says an Options limit refused the container.
type LimitError = formaterr.LimitError

func limitErr(off int64, where, limit string, value int64, what string) *FormatError {
	return layer.Limit(off, where, limit, value, what)
}

// ErrChecksum is the cause of an object whose Fletcher-64 checksum does
// not match its bytes.
var ErrChecksum = fmt.Errorf("checksum mismatch")

// Options bound what a container may make the reader hold (fslimits.Options).
type Options = fslimits.Options

// Object types (the low 16 bits of o_type) and storage flags.
const (
	typeNXSuperblock = 0x01
	typeBTree        = 0x02
	typeBTreeNode    = 0x03
	typeOmap         = 0x0b
	typeFS           = 0x0d
	typeFSTree       = 0x0e

	typeMask = 0x0000ffff
)

// Signature reports whether b (a partition's first bytes) starts with an
// APFS container superblock.
func Signature(b []byte) bool {
	return len(b) >= 36 && string(b[32:36]) == "NXSB"
}

// Checksum is the Fletcher-64 checksum APFS stores in an object's first 8
// bytes, computed over the rest of the object as little-endian 32-bit
// words.
func Checksum(b []byte) uint64 {
	const mod = 0xffffffff
	var s1, s2 uint64
	for i := 8; i+4 <= len(b); i += 4 {
		s1 = (s1 + uint64(binary.LittleEndian.Uint32(b[i:]))) % mod
		s2 = (s2 + s1) % mod
	}
	c1 := mod - (s1+s2)%mod
	c2 := mod - (s1+c1)%mod
	return c2<<32 | c1
}

// Container is an opened APFS container.
type Container struct {
	BlockSize  uint32
	BlockCount uint64
	// XID is the transaction of the checkpoint read.
	XID uint64
	// Volumes are the container's volumes, in superblock order; a
	// volume that cannot be read has Err set.
	Volumes []*Volume
	// Problems are what Open found wrong without giving up (a stale or
	// damaged superblock copy).
	Problems []error

	r      io.ReaderAt
	blocks uint64 // blocks that can be read: BlockCount within the input
	opts   Options
	items  int64 // records kept and nodes read, against MaxItems
	attrs  int64
}

// Open reads the container superblock, the newest checkpoint, the
// container's object map and each volume's filesystem tree.
func Open(r io.ReaderAt, size int64, opts *Options) (*Container, error) {
	o := opts.WithDefaults()
	if size < 4096 {
		return nil, errorf(0, "", "container of %d bytes is too short for an APFS superblock", size)
	}
	hb := make([]byte, 4096)
	if _, err := r.ReadAt(hb, 0); err != nil {
		return nil, &FormatError{In: layer, Off: 0, Msg: "reading the container superblock", Err: err}
	}
	if !Signature(hb) {
		return nil, errorf(32, "", "magic %q is not NXSB", hb[32:36])
	}
	bs := binary.LittleEndian.Uint32(hb[36:])
	if bs < 4096 || bs > 65536 || bs&(bs-1) != 0 {
		return nil, errorf(36, "", "block size %d is not a power of two from 4096 to 65536", bs)
	}
	c := &Container{BlockSize: bs, r: r, opts: o}
	c.BlockCount = binary.LittleEndian.Uint64(hb[40:])
	c.blocks = min(c.BlockCount, uint64(size)/uint64(bs))
	if c.BlockCount > c.blocks {
		c.Problems = append(c.Problems, errorf(40, "", "superblock declares %d blocks, the input holds %d", c.BlockCount, c.blocks))
	}
	sb, err := c.latestSuperblock()
	if err != nil {
		return nil, err
	}
	le32, le64 := binary.LittleEndian.Uint32, binary.LittleEndian.Uint64
	c.XID = le64(sb[16:])
	omapOID := le64(sb[160:])
	omap, err := c.readOmap(omapOID, c.XID, "container object map")
	if err != nil {
		return nil, err
	}
	maxFS := min(le32(sb[180:]), 100)
	for i := uint32(0); i < 100; i++ {
		oid := le64(sb[184+8*i:])
		if oid == 0 {
			continue
		}
		v := &Volume{Index: int(i), c: c}
		if i >= maxFS {
			v.Err = errorf(184+8*int64(i), "", "volume %d is past the container's maximum of %d volumes", i, maxFS)
		} else {
			v.Err = c.openVolume(v, oid, omap)
		}
		if v.Err != nil {
			if le, ok := asLimit(v.Err); ok {
				return nil, le
			}
		}
		c.Volumes = append(c.Volumes, v)
	}
	return c, nil
}

// asLimit returns err when it is a limit error, which stops the whole
// container instead of one volume.
func asLimit(err error) (error, bool) {
	if fe, ok := err.(*FormatError); ok {
		if _, ok := fe.Err.(*LimitError); ok {
			return err, true
		}
	}
	return nil, false
}

// maxDescBlocks bounds the checkpoint descriptor area scanned (mkapfs
// writes 64 blocks for a 512 MiB container).
const maxDescBlocks = 1 << 14

// latestSuperblock is the valid container superblock of the newest
// transaction: block 0's, or a newer copy in the checkpoint descriptor
// area.
func (c *Container) latestSuperblock() ([]byte, error) {
	b0, err := c.readObject(0, typeNXSuperblock, "container superblock")
	var best []byte
	if err != nil {
		c.Problems = append(c.Problems, err)
	} else if string(b0[32:36]) == "NXSB" && binary.LittleEndian.Uint32(b0[36:]) == c.BlockSize {
		best = b0
	}
	hb := b0
	if hb == nil {
		hb = make([]byte, c.BlockSize)
		c.r.ReadAt(hb, 0)
	}
	descBlocks := binary.LittleEndian.Uint32(hb[104:])
	descBase := binary.LittleEndian.Uint64(hb[112:])
	if descBlocks&(1<<31) != 0 {
		c.Problems = append(c.Problems, errorf(104, "", "checkpoint descriptor area is a B-tree (not read): only block 0's superblock is used"))
		descBlocks = 0
	}
	if uint64(descBlocks) > c.blocks || descBase > c.blocks-uint64(descBlocks) {
		c.Problems = append(c.Problems, errorf(104, "", "checkpoint descriptor area of %d blocks at block %d is outside the container's %d blocks", descBlocks, descBase, c.blocks))
		descBlocks = 0
	}
	if descBlocks > maxDescBlocks {
		c.Problems = append(c.Problems, errorf(104, "", "checkpoint descriptor area of %d blocks is larger than %d: only block 0's superblock is used", descBlocks, maxDescBlocks))
		descBlocks = 0
	}
	var bad int
	for i := uint64(0); i < uint64(descBlocks); i++ {
		b := make([]byte, c.BlockSize)
		at := int64(descBase+i) * int64(c.BlockSize)
		if _, err := c.r.ReadAt(b, at); err != nil {
			return nil, c.readErr(at, "checkpoint descriptor area", err)
		}
		if binary.LittleEndian.Uint32(b[24:])&typeMask != typeNXSuperblock {
			continue
		}
		if binary.LittleEndian.Uint64(b) != Checksum(b) || string(b[32:36]) != "NXSB" || binary.LittleEndian.Uint32(b[36:]) != c.BlockSize {
			bad++
			continue
		}
		if best == nil || binary.LittleEndian.Uint64(b[16:]) > binary.LittleEndian.Uint64(best[16:]) {
			best = b
		}
	}
	if bad > 0 {
		c.Problems = append(c.Problems, errorf(int64(descBase)*int64(c.BlockSize), "", "%d superblock copies in the checkpoint descriptor area are damaged (checksum or magic)", bad))
	}
	if best == nil {
		return nil, errorf(0, "", "no valid container superblock (block 0 and the checkpoint descriptor area)")
	}
	return best, nil
}

func (c *Container) readErr(at int64, what string, err error) error {
	if _, ok := err.(*FormatError); ok {
		return err // the layer below (a disk image's chunk) names its own place
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &FormatError{In: layer, Off: at, Where: what, Msg: "reading the container", Err: err}
}

// readObject reads the object at block paddr and checks its checksum and
// type (0 accepts any).
func (c *Container) readObject(paddr uint64, typ uint32, what string) ([]byte, error) {
	if paddr >= c.blocks {
		return nil, errorf(-1, what, "block %d is outside the container's %d blocks", paddr, c.blocks)
	}
	at := int64(paddr) * int64(c.BlockSize)
	b := make([]byte, c.BlockSize)
	if _, err := c.r.ReadAt(b, at); err != nil {
		return nil, c.readErr(at, what, err)
	}
	if got, want := Checksum(b), binary.LittleEndian.Uint64(b); got != want {
		return nil, &FormatError{In: layer, Off: at, Where: what, Msg: fmt.Sprintf("object checksum is %016x, its bytes give %016x", want, got), Err: ErrChecksum}
	}
	if t := binary.LittleEndian.Uint32(b[24:]) & typeMask; typ != 0 && t != typ {
		return nil, errorf(at+24, what, "object type %#x, want %#x", t, typ)
	}
	return b, nil
}

// omapVal is an object map entry: where a virtual object lies.
type omapVal struct {
	xid   uint64
	flags uint32
	paddr uint64
}

const (
	omapValDeleted   = 1
	omapValEncrypted = 4
)

// readOmap reads the object map at paddr: the newest entry of each
// object at or before xid.
func (c *Container) readOmap(paddr, xid uint64, what string) (map[uint64]omapVal, error) {
	b, err := c.readObject(paddr, typeOmap, what)
	if err != nil {
		return nil, err
	}
	treeType := binary.LittleEndian.Uint32(b[40:])
	if treeType&0xc0000000 != 0x40000000 {
		return nil, errorf(int64(paddr)*int64(c.BlockSize)+40, what, "object map's tree is not physical (type %#x)", treeType)
	}
	m := map[uint64]omapVal{}
	t := &tree{c: c, what: what + " tree", subtype: typeOmap, resolve: func(oid uint64) (uint64, error) { return oid, nil }}
	err = t.walk(binary.LittleEndian.Uint64(b[48:]), func(k, v []byte) error {
		if len(k) < 16 || len(v) < 16 {
			return errorf(-1, t.what, "record of %d+%d bytes, want 16+16", len(k), len(v))
		}
		oid, x := binary.LittleEndian.Uint64(k), binary.LittleEndian.Uint64(k[8:])
		if x > xid {
			return nil
		}
		if old, ok := m[oid]; ok && old.xid >= x {
			return nil
		}
		if err := c.charge(t.what); err != nil {
			return err
		}
		m[oid] = omapVal{xid: x, flags: binary.LittleEndian.Uint32(v), paddr: binary.LittleEndian.Uint64(v[8:])}
		return nil
	})
	return m, err
}

// charge counts one kept record or read node against MaxItems.
func (c *Container) charge(where string) error {
	if c.items++; c.items > c.opts.MaxItems {
		return limitErr(-1, where, "MaxItems", c.opts.MaxItems, "too many records and nodes")
	}
	return nil
}

// lookup resolves a virtual object ID through an object map.
func lookup(omap map[uint64]omapVal, oid uint64, what string) (uint64, error) {
	v, ok := omap[oid]
	switch {
	case !ok || v.flags&omapValDeleted != 0:
		return 0, errorf(-1, what, "object %d is not in the object map", oid)
	case v.flags&omapValEncrypted != 0:
		return 0, errorf(-1, what, "object %d is encrypted", oid)
	}
	return v.paddr, nil
}

// Node flags, node header and tree info sizes.
const (
	nodeRoot  = 1
	nodeLeaf  = 2
	nodeFixed = 4

	nodeHeader = 56
	treeInfo   = 40
	maxLevels  = 32

	btreeHashed = 0x80
)

// tree walks a B-tree's leaf records.
type tree struct {
	c       *Container
	what    string
	subtype uint32
	resolve func(oid uint64) (uint64, error) // a child's oid to its block
	// from the root's tree info
	fixedK, fixedV int
	hashed         bool
}

type pending struct {
	paddr uint64
	level int // the level the node must have, -1 for the root
}

// walk calls fn for every leaf record, in key order, reading each node
// once.
func (t *tree) walk(root uint64, fn func(k, v []byte) error) error {
	seen := map[uint64]bool{}
	stack := []pending{{root, -1}}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[p.paddr] {
			return errorf(int64(p.paddr)*int64(t.c.BlockSize), t.what, "node at block %d is reached twice (a cycle)", p.paddr)
		}
		seen[p.paddr] = true
		if err := t.c.charge(t.what); err != nil {
			return err
		}
		isRoot := p.level < 0
		typ := uint32(typeBTreeNode)
		if isRoot {
			typ = typeBTree
		}
		b, err := t.c.readObject(p.paddr, typ, t.what)
		if err != nil {
			return err
		}
		at := int64(p.paddr) * int64(t.c.BlockSize)
		if st := binary.LittleEndian.Uint32(b[28:]); st != t.subtype {
			return errorf(at+28, t.what, "node subtype %#x, want %#x", st, t.subtype)
		}
		flags := binary.LittleEndian.Uint16(b[32:])
		level := int(binary.LittleEndian.Uint16(b[34:]))
		if (flags&nodeRoot != 0) != isRoot {
			return errorf(at+32, t.what, "node flags %#x: root flag on a non-root node or missing on the root", flags)
		}
		if isRoot {
			if level >= maxLevels {
				return errorf(at+34, t.what, "tree of %d levels", level+1)
			}
			info := b[len(b)-treeInfo:]
			if ns := binary.LittleEndian.Uint32(info[4:]); ns != t.c.BlockSize {
				return errorf(at+int64(len(b)-treeInfo+4), t.what, "node size %d, the block size is %d", ns, t.c.BlockSize)
			}
			t.hashed = binary.LittleEndian.Uint32(info)&btreeHashed != 0
			t.fixedK, t.fixedV = int(binary.LittleEndian.Uint32(info[8:])), int(binary.LittleEndian.Uint32(info[12:]))
		} else if level != p.level {
			return errorf(at+34, t.what, "node at level %d, its parent wants level %d", level, p.level)
		}
		if (flags&nodeLeaf != 0) != (level == 0) {
			return errorf(at+32, t.what, "node flags %#x disagree with level %d", flags, level)
		}
		var children []pending
		err = t.records(b, at, isRoot, flags, level, func(k, v []byte) error {
			if level == 0 {
				err := fn(k, v)
				if fe, ok := err.(*FormatError); ok && fe.Off < 0 {
					fe.Off = at // a malformed record: name its node
				}
				return err
			}
			if len(v) < 8 || (t.hashed && len(v) < 40) {
				return errorf(at, t.what, "index value of %d bytes", len(v))
			}
			child, err := t.resolve(binary.LittleEndian.Uint64(v))
			if err != nil {
				return err
			}
			children = append(children, pending{child, level - 1})
			return nil
		})
		if err != nil {
			return err
		}
		for i := len(children) - 1; i >= 0; i-- {
			stack = append(stack, children[i])
		}
	}
	return nil
}

// records calls fn for each key and value of node b (at container offset
// at), every range checked against the node.
func (t *tree) records(b []byte, at int64, isRoot bool, flags uint16, level int, fn func(k, v []byte) error) error {
	le16 := binary.LittleEndian.Uint16
	n := int(binary.LittleEndian.Uint32(b[36:]))
	tocOff, tocLen := nodeHeader+int(le16(b[40:])), int(le16(b[42:]))
	valEnd := len(b)
	if isRoot {
		valEnd -= treeInfo
	}
	keyStart := tocOff + tocLen
	if keyStart > valEnd {
		return errorf(at+40, t.what, "table of contents (%d bytes at %d) runs past the node", tocLen, tocOff)
	}
	fixed := flags&nodeFixed != 0
	entry := 8
	if fixed {
		entry = 4
	}
	if n > tocLen/entry {
		return errorf(at+36, t.what, "%d records do not fit a table of contents of %d bytes", n, tocLen)
	}
	for i := 0; i < n; i++ {
		e := b[tocOff+entry*i:]
		var ko, kl, vo, vl int
		if fixed {
			ko, vo = int(le16(e)), int(le16(e[2:]))
			kl, vl = t.fixedK, t.fixedV
			if level > 0 {
				vl = 8
			}
			if kl <= 0 || kl > len(b) || vl <= 0 || vl > len(b) {
				return errorf(at, t.what, "fixed-size records of %d+%d bytes", kl, vl)
			}
		} else {
			ko, kl, vo, vl = int(le16(e)), int(le16(e[2:])), int(le16(e[4:])), int(le16(e[6:]))
		}
		if vo == 0xffff {
			continue // a record without a value
		}
		ks, vs := keyStart+ko, valEnd-vo
		if ks+kl > valEnd || vs < keyStart || vs+vl > valEnd {
			return errorf(at+int64(tocOff+entry*i), t.what, "record %d's key (%d bytes at %d) or value (%d bytes at %d) lies outside the node", i, kl, ks, vl, vs)
		}
		if err := fn(b[ks:ks+kl], b[vs:vs+vl]); err != nil {
			return err
		}
	}
	return nil
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[uint64]V) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// cstring is a NUL-terminated name as stored (its length counting the
// NUL); a '/' inside is shown as ':' as macOS's POSIX layer does.
func cstring(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return strings.ReplaceAll(string(b), "/", ":")
}
