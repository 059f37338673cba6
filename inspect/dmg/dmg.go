// Package dmg reads Apple disk images in the Universal Disk Image Format
// (UDIF, the .dmg files macOS applications ship in) over an io.ReaderAt,
// without mounting or extracting them.
//
// A UDIF image ends with a 512-byte "koly" trailer that locates the data
// fork (the chunks of every partition, one after another) and an XML
// property list whose resource-fork "blkx" array describes each partition:
// a "mish" block table of chunks, each a run of sectors stored raw,
// zero-filled, or compressed (ADC, zlib, bzip2, LZFSE, LZMA/xz). Each
// Partition is an io.ReaderAt over its decompressed sectors; chunks are
// decoded when first read and kept in a small cache shared by the image,
// since a filesystem reads its volume in no particular order.
//
// Everything the image declares is checked before it is used: offsets and
// lengths against the file, chunk sizes against Options, and every
// decompressed byte is counted through Options.Charge. The image's
// checksums (the data fork's and each partition's CRC-32, and the master
// checksum over the partitions' checksums) are verified; a mismatch is
// reported, never fatal.
package dmg

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// TrailerSize is the size of the koly trailer at the end of the image.
const TrailerSize = 512

// SectorSize is the unit of the block tables.
const SectorSize = 512

// Magic starts the trailer: "koly", version 4, header size 512.
var Magic = []byte{'k', 'o', 'l', 'y', 0, 0, 0, 4, 0, 0, 2, 0}

// Chunk types of a mish block table.
const (
	ChunkZero       = 0x00000000
	ChunkRaw        = 0x00000001
	ChunkIgnore     = 0x00000002
	ChunkADC        = 0x80000004
	ChunkZlib       = 0x80000005
	ChunkBzip2      = 0x80000006
	ChunkLZFSE      = 0x80000007
	ChunkLZMA       = 0x80000008 // an xz stream, as hdiutil's ULMO writes it
	ChunkComment    = 0x7ffffffe
	ChunkTerminator = 0xffffffff
)

// ChunkTypeName names a chunk type in messages.
func ChunkTypeName(t uint32) string {
	switch t {
	case ChunkZero:
		return "zero"
	case ChunkRaw:
		return "raw"
	case ChunkIgnore:
		return "ignore"
	case ChunkADC:
		return "ADC"
	case ChunkZlib:
		return "zlib"
	case ChunkBzip2:
		return "bzip2"
	case ChunkLZFSE:
		return "LZFSE"
	case ChunkLZMA:
		return "LZMA"
	case ChunkComment:
		return "comment"
	case ChunkTerminator:
		return "terminator"
	}
	return fmt.Sprintf("%#08x", t)
}

// FormatError is malformed or unsupported input of layer "dmg": Off is the
// byte offset in the image file, Where the partition (and chunk)
// concerned.
type FormatError = formaterr.Error

var layer = &formaterr.Layer{Name: "dmg", WhereFormat: "partition %s"}

func errorf(off int64, where, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Where: where, Msg: fmt.Sprintf(format, args...)}
}

// ErrChecksum is wrapped by the errors of checksums that do not match.
var ErrChecksum = fmt.Errorf("checksum mismatch")

// LimitError says an Options limit refused the image; errors.Is(err,
// formaterr.ErrLimit) matches it.
type LimitError = formaterr.LimitError

func limitErr(off int64, where, limit string, value int64, what string) *FormatError {
	return layer.Limit(off, where, limit, value, what)
}

// Options bound what an image may make the reader hold and do. Zero
// fields take the defaults.
type Options struct {
	// MaxPlistBytes is the largest property list read (default 64 MiB).
	MaxPlistBytes int64
	// MaxChunkBytes is the largest decompressed chunk held in memory
	// (default 64 MiB; hdiutil writes 1 MiB chunks). Raw and zero chunks
	// are never held and may be of any size.
	MaxChunkBytes int64
	// CacheBytes bounds the decoded chunks kept for later reads (default
	// 32 MiB); the chunk being read is always kept.
	CacheBytes int64
	// MaxDict bounds an LZMA chunk's dictionary (default 64 MiB).
	MaxDict int64
	// Charge, when set, is told of every byte a chunk decompresses to,
	// each time it is decompressed; its error stops the read.
	Charge func(n int64) error
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxPlistBytes <= 0 {
		r.MaxPlistBytes = 64 << 20
	}
	if r.MaxChunkBytes <= 0 {
		r.MaxChunkBytes = 64 << 20
	}
	if r.CacheBytes <= 0 {
		r.CacheBytes = 32 << 20
	}
	if r.MaxDict <= 0 {
		r.MaxDict = 64 << 20
	}
	return r
}

// Checksum is a UDIF checksum: its type (2 is CRC-32), its size in bits
// and its value.
type Checksum struct {
	Type uint32
	Bits uint32
	Data [128]byte
}

// ChecksumCRC32 is the checksum type of a CRC-32.
const ChecksumCRC32 = 2

// CRC32 returns the checksum as a CRC-32, if it is one.
func (c Checksum) CRC32() (uint32, bool) {
	if c.Type != ChecksumCRC32 || c.Bits != 32 {
		return 0, false
	}
	return binary.BigEndian.Uint32(c.Data[:]), true
}

func parseChecksum(b []byte) Checksum {
	c := Checksum{Type: binary.BigEndian.Uint32(b), Bits: binary.BigEndian.Uint32(b[4:])}
	copy(c.Data[:], b[8:8+128])
	return c
}

// Trailer is the koly block at the end of an image.
type Trailer struct {
	Offset                         int64 // where the trailer starts in the file
	Version, Flags                 uint32
	DataForkOffset, DataForkLength uint64
	RsrcForkOffset, RsrcForkLength uint64
	SegmentNumber, SegmentCount    uint32
	DataForkChecksum               Checksum
	XMLOffset, XMLLength           uint64
	MasterChecksum                 Checksum
	ImageVariant                   uint32
	SectorCount                    uint64
}

func parseTrailer(b []byte, off int64) Trailer {
	be32, be64 := binary.BigEndian.Uint32, binary.BigEndian.Uint64
	return Trailer{
		Offset:           off,
		Version:          be32(b[4:]),
		Flags:            be32(b[12:]),
		DataForkOffset:   be64(b[0x18:]),
		DataForkLength:   be64(b[0x20:]),
		RsrcForkOffset:   be64(b[0x28:]),
		RsrcForkLength:   be64(b[0x30:]),
		SegmentNumber:    be32(b[0x38:]),
		SegmentCount:     be32(b[0x3c:]),
		DataForkChecksum: parseChecksum(b[0x50:]),
		XMLOffset:        be64(b[0xd8:]),
		XMLLength:        be64(b[0xe0:]),
		MasterChecksum:   parseChecksum(b[0x160:]),
		ImageVariant:     be32(b[0x1e8:]),
		SectorCount:      be64(b[0x1ec:]),
	}
}

// IsImage reports whether tail, the last bytes of a file, ends with a
// koly trailer.
func IsImage(tail []byte) bool {
	return len(tail) >= TrailerSize && bytes.HasPrefix(tail[len(tail)-TrailerSize:], Magic)
}

// Unreadable recognises disk images this package does not read, from a
// file's first and last bytes: an encrypted image (FileVault's "encrcdsa"
// header, or the old "cdsaencr" trailer) or a sparse image ("sprs",
// version 3). It names the kind, or returns "".
func Unreadable(head, tail []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("encrcdsa")),
		len(tail) >= 8 && bytes.Equal(tail[len(tail)-8:], []byte("cdsaencr")):
		return "an encrypted disk image"
	case len(head) >= 8 && bytes.HasPrefix(head, []byte("sprs")) && binary.BigEndian.Uint32(head[4:]) == 3:
		return "a sparse disk image (UDSP)"
	}
	return ""
}

// Image is an opened UDIF image.
type Image struct {
	Trailer    Trailer
	Partitions []*Partition
	// Problems are what Open found wrong without giving up: a master
	// checksum that does not match, a partition whose table is malformed
	// (its Partition.Err says so too).
	Problems []error

	r     io.ReaderAt
	size  int64
	opts  Options
	cache cache
}

// Open reads the trailer and the block tables of the image r of size
// bytes. Chunks are read later, as partitions are.
func Open(r io.ReaderAt, size int64, opts *Options) (*Image, error) {
	o := opts.withDefaults()
	if size < TrailerSize {
		return nil, errorf(0, "", "file of %d bytes is too short for a disk image", size)
	}
	off := size - TrailerSize
	kb := make([]byte, TrailerSize)
	if _, err := r.ReadAt(kb, off); err != nil {
		return nil, &FormatError{In: layer, Off: off, Msg: "reading the koly trailer", Err: err}
	}
	if !bytes.HasPrefix(kb, Magic) {
		return nil, errorf(off, "", "no koly trailer at the end of the file")
	}
	img := &Image{Trailer: parseTrailer(kb, off), r: r, size: size, opts: o}
	img.cache.max = o.CacheBytes
	t := &img.Trailer
	if t.DataForkOffset > uint64(off) || t.DataForkLength > uint64(off)-t.DataForkOffset {
		return nil, errorf(off+0x18, "", "data fork at %d, %d bytes, is not inside the %d bytes before the trailer", t.DataForkOffset, t.DataForkLength, off)
	}
	if t.XMLLength == 0 {
		return nil, errorf(off+0xd8, "", "image has no XML property list (images that describe their partitions only in a resource fork are not read)")
	}
	if t.XMLOffset > uint64(off) || t.XMLLength > uint64(off)-t.XMLOffset {
		return nil, errorf(off+0xd8, "", "property list at %d, %d bytes, is not inside the %d bytes before the trailer", t.XMLOffset, t.XMLLength, off)
	}
	if int64(t.XMLLength) > o.MaxPlistBytes {
		return nil, limitErr(int64(t.XMLOffset), "", "MaxPlistBytes", o.MaxPlistBytes, fmt.Sprintf("property list of %d bytes", t.XMLLength))
	}
	xb := make([]byte, t.XMLLength)
	if _, err := r.ReadAt(xb, int64(t.XMLOffset)); err != nil {
		return nil, &FormatError{In: layer, Off: int64(t.XMLOffset), Msg: "reading the property list", Err: err}
	}
	entries, err := blkxEntries(xb)
	if err != nil {
		return nil, &FormatError{In: layer, Off: int64(t.XMLOffset), Msg: err.Error()}
	}
	for i, e := range entries {
		p := &Partition{Index: i, Name: e.name, CFName: e.cfName, ID: e.id, img: img}
		if p.Name == "" {
			p.Name = e.cfName
		}
		if p.Name == "" {
			p.Name = strconv.Itoa(i)
		}
		if err := p.parseTable(e.data); err != nil {
			p.Err = err
			img.Problems = append(img.Problems, err)
		}
		img.Partitions = append(img.Partitions, p)
	}
	if err := img.checkMaster(); err != nil {
		img.Problems = append(img.Problems, err)
	}
	return img, nil
}

// checkMaster verifies the master checksum: the CRC-32 of every
// partition's checksum value, in order.
func (img *Image) checkMaster() error {
	want, ok := img.Trailer.MasterChecksum.CRC32()
	if !ok {
		return nil
	}
	h := crc32.NewIEEE()
	for _, p := range img.Partitions {
		n := p.Checksum.Bits / 8
		if p.Checksum.Bits%8 != 0 || n > 128 {
			return nil // not a checksum this reader can combine
		}
		h.Write(p.Checksum.Data[:n])
	}
	if got := h.Sum32(); got != want {
		return &FormatError{In: layer, Off: img.Trailer.Offset + 0x160,
			Msg: fmt.Sprintf("master checksum is %08x, the partitions' checksums give %08x", want, got), Err: ErrChecksum}
	}
	return nil
}

// VerifyDataFork compares the data fork's CRC-32 with the trailer's. It
// reads the whole data fork (raw bytes, nothing is decompressed).
func (img *Image) VerifyDataFork() error {
	want, ok := img.Trailer.DataForkChecksum.CRC32()
	if !ok {
		return nil
	}
	h := crc32.NewIEEE()
	start := int64(img.Trailer.DataForkOffset)
	if _, err := io.Copy(h, io.NewSectionReader(img.r, start, int64(img.Trailer.DataForkLength))); err != nil {
		return &FormatError{In: layer, Off: start, Msg: "reading the data fork", Err: err}
	}
	if got := h.Sum32(); got != want {
		return &FormatError{In: layer, Off: img.Trailer.Offset + 0x50,
			Msg: fmt.Sprintf("data fork checksum is %08x, its bytes give %08x", want, got), Err: ErrChecksum}
	}
	return nil
}

// Chunk is one entry of a partition's block table.
type Chunk struct {
	Type    uint32
	Comment uint32
	Sector  uint64 // first sector, relative to the partition
	Sectors uint64
	Offset  uint64 // compressed data, relative to the data fork plus the table's data offset
	Length  uint64
}

// Partition is one blkx entry: a partition of the disk (or a piece of
// partition-map metadata) and its decompressed sectors.
type Partition struct {
	Index       int
	Name        string // the entry's Name, else its CFName: "disk image (Apple_HFS : 4)"
	CFName      string
	ID          string
	FirstSector uint64 // in the whole disk
	Sectors     uint64 // as the table declares
	DataOffset  uint64
	Checksum    Checksum
	Chunks      []Chunk // data chunks in order, comments and the terminator left out
	// Err says the block table is malformed; the partition reads nothing.
	Err error

	img  *Image
	size int64 // bytes the chunks cover

	mu      sync.Mutex
	crcs    []uint32 // CRC-32 of each chunk's bytes, once known
	crcDone []bool
}

// Size is the partition's decompressed size.
func (p *Partition) Size() int64 { return p.size }

// Where names the partition in messages.
func (p *Partition) Where() string { return strconv.Quote(p.Name) }

const mishHeaderSize = 0xcc
const mishChunkSize = 40

// maxSectors keeps sector arithmetic in bytes inside int64.
const maxSectors = 1 << 53

func (p *Partition) parseTable(b []byte) error {
	off := int64(p.img.Trailer.XMLOffset)
	if len(b) < mishHeaderSize || string(b[:4]) != "mish" {
		return errorf(off, p.Where(), "block table is not a mish table")
	}
	be32, be64 := binary.BigEndian.Uint32, binary.BigEndian.Uint64
	if v := be32(b[4:]); v != 1 {
		return errorf(off, p.Where(), "block table version %d (want 1)", v)
	}
	p.FirstSector, p.Sectors, p.DataOffset = be64(b[8:]), be64(b[16:]), be64(b[24:])
	p.Checksum = parseChecksum(b[0x40:])
	n := uint64(be32(b[0xc8:]))
	if n > uint64(len(b)-mishHeaderSize)/mishChunkSize {
		return errorf(off, p.Where(), "block table declares %d chunks, its %d bytes hold %d", n, len(b), (len(b)-mishHeaderSize)/mishChunkSize)
	}
	var next uint64
	for i := uint64(0); i < n; i++ {
		e := b[mishHeaderSize+i*mishChunkSize:]
		c := Chunk{Type: be32(e), Comment: be32(e[4:]), Sector: be64(e[8:]), Sectors: be64(e[16:]), Offset: be64(e[24:]), Length: be64(e[32:])}
		if c.Type == ChunkTerminator {
			break
		}
		if c.Type == ChunkComment || c.Sectors == 0 {
			continue
		}
		if c.Sector != next {
			return errorf(off, p.Where(), "chunk %d starts at sector %d, the chunks before it end at %d", i, c.Sector, next)
		}
		if c.Sectors >= maxSectors-next {
			return errorf(off, p.Where(), "chunk %d of %d sectors runs past any disk", i, c.Sectors)
		}
		next += c.Sectors
		p.Chunks = append(p.Chunks, c)
	}
	p.size = int64(next) * SectorSize
	p.crcs = make([]uint32, len(p.Chunks))
	p.crcDone = make([]bool, len(p.Chunks))
	if next != p.Sectors {
		return errorf(off, p.Where(), "block table declares %d sectors, its chunks cover %d", p.Sectors, next)
	}
	return nil
}

// chunkAt returns the index of the chunk holding byte off.
func (p *Partition) chunkAt(off int64) int {
	s := uint64(off) / SectorSize
	lo, hi := 0, len(p.Chunks)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if p.Chunks[mid].Sector <= s {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// ReadAt reads the partition's decompressed bytes.
func (p *Partition) ReadAt(b []byte, off int64) (int, error) {
	if p.Err != nil {
		return 0, p.Err
	}
	if off < 0 {
		return 0, fmt.Errorf("dmg: negative offset")
	}
	n := 0
	for n < len(b) {
		if off >= p.size {
			return n, io.EOF
		}
		i := p.chunkAt(off)
		c := &p.Chunks[i]
		start := int64(c.Sector) * SectorSize
		end := start + int64(c.Sectors)*SectorSize
		want := b[n:min(len(b), n+int(min(end-off, int64(len(b)-n))))]
		switch c.Type {
		case ChunkZero, ChunkIgnore:
			clear(want)
		case ChunkRaw:
			at, err := p.rawOffset(i)
			if err != nil {
				return n, err
			}
			if _, err := p.img.r.ReadAt(want, at+(off-start)); err != nil {
				return n, &FormatError{In: layer, Off: at, Where: p.chunkWhere(i), Msg: "reading a raw chunk", Err: err}
			}
		default:
			data, err := p.decoded(i)
			if err != nil {
				return n, err
			}
			copy(want, data[off-start:])
		}
		n += len(want)
		off += int64(len(want))
	}
	return n, nil
}

func (p *Partition) chunkWhere(i int) string {
	return fmt.Sprintf("%s chunk %d (%s)", p.Where(), i, ChunkTypeName(p.Chunks[i].Type))
}

// dataStart is where chunk i's stored bytes start in the file, checked to
// lie inside the data fork.
func (p *Partition) dataStart(i int) (int64, error) {
	c := &p.Chunks[i]
	t := &p.img.Trailer
	base := t.DataForkOffset + p.DataOffset
	if base < p.DataOffset || c.Offset > t.DataForkLength || p.DataOffset > t.DataForkLength-c.Offset ||
		c.Length > t.DataForkLength-c.Offset-p.DataOffset {
		return 0, errorf(int64(t.XMLOffset), p.chunkWhere(i), "stored at %d+%d, %d bytes, outside the %d-byte data fork",
			p.DataOffset, c.Offset, c.Length, t.DataForkLength)
	}
	return int64(base + c.Offset), nil
}

func (p *Partition) rawOffset(i int) (int64, error) {
	at, err := p.dataStart(i)
	if err != nil {
		return 0, err
	}
	if c := &p.Chunks[i]; c.Length != c.Sectors*SectorSize {
		return 0, errorf(at, p.chunkWhere(i), "raw chunk of %d sectors stores %d bytes", c.Sectors, c.Length)
	}
	return at, nil
}

// decoded returns chunk i decompressed, from the cache or decoded now.
func (p *Partition) decoded(i int) ([]byte, error) {
	key := cacheKey{p.Index, i}
	if b := p.img.cache.get(key); b != nil {
		return b, nil
	}
	b, err := p.decode(i)
	if err != nil {
		return nil, err
	}
	p.img.cache.put(key, b)
	return b, nil
}

// decode decompresses chunk i, counting its bytes, and records its CRC.
func (p *Partition) decode(i int) ([]byte, error) {
	c := &p.Chunks[i]
	at, err := p.dataStart(i)
	if err != nil {
		return nil, err
	}
	o := &p.img.opts
	size := int64(c.Sectors) * SectorSize
	if size > o.MaxChunkBytes {
		return nil, limitErr(at, p.chunkWhere(i), "MaxChunkBytes", o.MaxChunkBytes, fmt.Sprintf("chunk decompresses to %d bytes", size))
	}
	if c.Length > uint64(o.MaxChunkBytes)+1<<20 {
		return nil, limitErr(at, p.chunkWhere(i), "MaxChunkBytes", o.MaxChunkBytes, fmt.Sprintf("chunk stores %d compressed bytes", c.Length))
	}
	src := make([]byte, c.Length)
	if _, err := p.img.r.ReadAt(src, at); err != nil {
		return nil, &FormatError{In: layer, Off: at, Where: p.chunkWhere(i), Msg: "reading the chunk", Err: err}
	}
	out, err := decompress(c.Type, src, size, o)
	if err != nil {
		if isCharge(err) {
			return nil, unwrapCharge(err)
		}
		return nil, &FormatError{In: layer, Off: at, Where: p.chunkWhere(i), Msg: "decompressing", Err: err}
	}
	p.mu.Lock()
	if !p.crcDone[i] {
		p.crcs[i], p.crcDone[i] = crc32.ChecksumIEEE(out), true
	}
	p.mu.Unlock()
	return out, nil
}

// VerifyChecksum compares the partition's CRC-32 with its bytes'. Chunks
// already decoded are not decoded again (their CRCs were kept); the
// others are read now, their bytes counted like any other.
func (p *Partition) VerifyChecksum() error {
	want, ok := p.Checksum.CRC32()
	if !ok || p.Err != nil {
		return nil
	}
	var crc uint32
	for i := range p.Chunks {
		c := &p.Chunks[i]
		n := int64(c.Sectors) * SectorSize
		var part uint32
		switch c.Type {
		case ChunkIgnore:
			continue // not covered by the checksum
		case ChunkZero:
			part = crc32Zeros(n)
		case ChunkRaw:
			at, err := p.rawOffset(i)
			if err != nil {
				return err
			}
			h := crc32.NewIEEE()
			if _, err := io.Copy(h, io.NewSectionReader(p.img.r, at, n)); err != nil {
				return &FormatError{In: layer, Off: at, Where: p.chunkWhere(i), Msg: "reading a raw chunk", Err: err}
			}
			part = h.Sum32()
		default:
			p.mu.Lock()
			done := p.crcDone[i]
			p.mu.Unlock()
			if !done {
				if _, err := p.decode(i); err != nil {
					return err
				}
			}
			p.mu.Lock()
			part = p.crcs[i]
			p.mu.Unlock()
		}
		crc = crc32Combine(crc, part, n)
	}
	if crc != want {
		return &FormatError{In: layer, Off: int64(p.img.Trailer.XMLOffset), Where: p.Where(),
			Msg: fmt.Sprintf("checksum is %08x, the decompressed sectors give %08x", want, crc), Err: ErrChecksum}
	}
	return nil
}

// FileSystem says what a partition holds, from its first bytes: "hfsplus"
// (HFS+ or HFSX), "apfs", "hfs" (the original HFS), or "" when none of
// these.
func (p *Partition) FileSystem() (string, error) {
	if p.size < 1536 {
		return "", nil
	}
	b := make([]byte, 1536)
	if _, err := p.ReadAt(b, 0); err != nil {
		return "", err
	}
	switch {
	case string(b[1024:1026]) == "H+" || string(b[1024:1026]) == "HX":
		return "hfsplus", nil
	case string(b[32:36]) == "NXSB":
		return "apfs", nil
	case string(b[1024:1026]) == "BD":
		return "hfs", nil
	}
	return "", nil
}

// IsMetadata reports whether the partition is partition-map metadata or
// free space rather than a volume: a driver descriptor map, an Apple
// partition map, the GPT's headers and tables, a protective MBR, free
// space.
func (p *Partition) IsMetadata() bool {
	for _, s := range []string{"Apple_partition_map", "Apple_Free", "DDM", "Driver Descriptor Map", " GPT ", "GPT Header", "GPT Partition Data",
		"MBR", "Apple_Driver", "Apple_Patches"} {
		if strings.Contains(p.Name, s) || strings.Contains(p.CFName, s) {
			return true
		}
	}
	return false
}

// FileOffset is where the partition's first stored chunk starts in the
// image file, -1 when it stores none (for problems about the partition).
func (p *Partition) FileOffset() int64 {
	for i, c := range p.Chunks {
		if c.Type == ChunkZero || c.Type == ChunkIgnore {
			continue
		}
		if at, err := p.dataStart(i); err == nil {
			return at
		}
		break
	}
	return -1
}
