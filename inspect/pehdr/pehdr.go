// Package pehdr reads the headers of a PE file, held in memory (Parse) or
// read through an io.ReaderAt (Read): the COFF header, the optional header's
// CheckSum and data directories (the certificate table among them) and the
// section table; it maps RVAs to file offsets and says where the overlay
// (data appended after the last section) begins. Every read is bounded by
// the file; it allocates only the headers and the section table (at most
// MaxSections entries). It is the one PE header reader of the walker, the
// Burn and Authenticode packages and the fingerprint engine; tools that need
// more (imports, resources, signatures) build on it.
package pehdr

import (
	"encoding/binary"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// MaxSections bounds the section table read (the loader accepts 96 on old
// Windows and up to 65,535 on new; real files have a few dozen).
const MaxSections = 1024

// Data directory indices.
const (
	DirExport   = 0
	DirImport   = 1
	DirResource = 2
	DirSecurity = 4
	DirCLR      = 14
)

// Error is a malformed header at a byte offset (Off, Msg).
type Error = formaterr.Error

// layer spells PE header errors as "pe: at offset 0x3c: message".
var layer = &formaterr.Layer{Name: "pe"}

// Directory is one data directory entry.
type Directory struct{ RVA, Size uint32 }

// Section is one section header.
type Section struct {
	Name                            string
	VirtualAddress, VirtualSize     uint32
	PointerToRawData, SizeOfRawData uint32
}

// Header is what Parse or Read read.
type Header struct {
	NTOffset int64 // file offset of the "PE\0\0" signature
	Machine  uint16
	Magic    uint16 // 0x10b PE32, 0x20b PE32+; 0 when the optional header is too small to say
	// OptionalOffset and OptionalSize locate the optional header.
	OptionalOffset, OptionalSize int64
	// ChecksumOffset is the file offset of the optional header's CheckSum,
	// -1 when the optional header is too small to hold it.
	ChecksumOffset int64
	Checksum       uint32
	// DirectoryCount is the optional header's NumberOfRvaAndSizes as
	// declared, -1 when the optional header is too small to hold it.
	// Directories holds the entries that are there (at most 16).
	DirectoryCount int64
	Directories    []Directory
	// NumberOfSections is the COFF header's count; Sections is the table
	// (nil after ReadHeaders).
	NumberOfSections int
	Sections         []Section
	size             int64
}

// IsPE reports whether b starts with an MZ header pointing at a PE signature
// inside b.
func IsPE(b []byte) bool {
	if len(b) < 0x40 || b[0] != 'M' || b[1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(b[0x3c:]))
	return off >= 0x40 && off+4 <= int64(len(b)) && string(b[off:off+4]) == "PE\x00\x00"
}

// Parse reads the headers of the PE file b, held in memory.
func Parse(b []byte) (*Header, error) {
	return readAll(source{size: int64(len(b)), b: b})
}

// Read reads the headers of the PE file r of size bytes, as Parse does. It
// reads only the headers: at most 64 + 24 bytes, the optional header (up to
// 64 KiB) and the section table (up to MaxSections entries).
func Read(r io.ReaderAt, size int64) (*Header, error) {
	return readAll(source{size: size, r: r})
}

func readAll(src source) (*Header, error) {
	h, err := readHeaders(src)
	if err != nil {
		return nil, err
	}
	if err := h.readSections(src); err != nil {
		return nil, err
	}
	return h, nil
}

// ReadHeaders reads the DOS, COFF and optional headers of the PE file r of
// size bytes but not the section table (Sections is nil), for readers that
// need only the header fields and data directories (Authenticode).
func ReadHeaders(r io.ReaderAt, size int64) (*Header, error) {
	return readHeaders(source{size: size, r: r})
}

// source is the file: in memory (b) or read piece by piece (r).
type source struct {
	size int64
	b    []byte
	r    io.ReaderAt
}

// at returns the n bytes at off, which the caller has checked lie inside
// the file; what says what they are, for a read error.
func (s source) at(off, n int64, what string) ([]byte, error) {
	if s.r == nil {
		return s.b[off : off+n], nil
	}
	p := make([]byte, n)
	if _, err := s.r.ReadAt(p, off); err != nil {
		return nil, layer.Wrap(off, "reading "+what, err)
	}
	return p, nil
}

func readHeaders(src source) (*Header, error) {
	size := src.size
	if size < 0x40 {
		return nil, layer.Errorf(0, "no MZ header")
	}
	dos, err := src.at(0, 0x40, "DOS header")
	if err != nil {
		return nil, err
	}
	if dos[0] != 'M' || dos[1] != 'Z' {
		return nil, layer.Errorf(0, "no MZ header")
	}
	nt := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	if nt < 0x40 || nt+24 > size {
		return nil, layer.Errorf(0x3c, "NT header offset %#x does not point at a PE signature", nt)
	}
	coff, err := src.at(nt, 24, "COFF header")
	if err != nil {
		return nil, err
	}
	if string(coff[:4]) != "PE\x00\x00" {
		return nil, layer.Errorf(0x3c, "NT header offset %#x does not point at a PE signature", nt)
	}
	h := &Header{
		NTOffset:         nt,
		Machine:          binary.LittleEndian.Uint16(coff[4:]),
		NumberOfSections: int(binary.LittleEndian.Uint16(coff[6:])),
		OptionalOffset:   nt + 24,
		OptionalSize:     int64(binary.LittleEndian.Uint16(coff[20:])),
		ChecksumOffset:   -1,
		DirectoryCount:   -1,
		size:             size,
	}
	opt, optSize := h.OptionalOffset, h.OptionalSize
	if opt+optSize > size {
		return nil, layer.Errorf(nt+20, "optional header of %d bytes runs past the end of the file", optSize)
	}
	if optSize < 2 {
		return h, nil
	}
	o, err := src.at(opt, optSize, "optional header")
	if err != nil {
		return nil, err
	}
	h.Magic = binary.LittleEndian.Uint16(o)
	var countAt int64
	switch h.Magic {
	case 0x10b:
		countAt = 92
	case 0x20b:
		countAt = 108
	default:
		return nil, layer.Errorf(opt, "unknown optional header magic %#x", h.Magic)
	}
	if optSize >= 68 {
		h.ChecksumOffset = opt + 64
		h.Checksum = binary.LittleEndian.Uint32(o[64:])
	}
	if optSize >= countAt+4 {
		h.DirectoryCount = int64(binary.LittleEndian.Uint32(o[countAt:]))
		n := min(h.DirectoryCount, 16, (optSize-countAt-4)/8)
		for i := int64(0); i < n; i++ {
			d := o[countAt+4+8*i:]
			h.Directories = append(h.Directories, Directory{binary.LittleEndian.Uint32(d), binary.LittleEndian.Uint32(d[4:])})
		}
	}
	return h, nil
}

func (h *Header) readSections(src source) error {
	nsec := int64(h.NumberOfSections)
	if nsec > MaxSections {
		return layer.Errorf(h.NTOffset+6, "%d sections (more than %d)", nsec, MaxSections)
	}
	st := h.OptionalOffset + h.OptionalSize
	if st+nsec*40 > src.size {
		return layer.Errorf(st, "section table of %d entries runs past the end of the file", nsec)
	}
	if nsec == 0 {
		return nil
	}
	tab, err := src.at(st, nsec*40, "section table")
	if err != nil {
		return err
	}
	h.Sections = make([]Section, nsec)
	for i := range h.Sections {
		s := tab[40*i:]
		name := s[:8]
		for j, c := range name {
			if c == 0 {
				name = name[:j]
				break
			}
		}
		h.Sections[i] = Section{
			Name:             string(name),
			VirtualSize:      binary.LittleEndian.Uint32(s[8:]),
			VirtualAddress:   binary.LittleEndian.Uint32(s[12:]),
			SizeOfRawData:    binary.LittleEndian.Uint32(s[16:]),
			PointerToRawData: binary.LittleEndian.Uint32(s[20:]),
		}
	}
	return nil
}

// DirectoryOffset is the file offset of data directory entry i (8 bytes),
// -1 when the optional header has no such entry.
func (h *Header) DirectoryOffset(i int) int64 {
	if i < 0 || i >= len(h.Directories) {
		return -1
	}
	countAt := int64(92)
	if h.Magic == 0x20b {
		countAt = 108
	}
	return h.OptionalOffset + countAt + 4 + 8*int64(i)
}

// CertificateTable is the certificate-table data directory (DirSecurity).
// Unlike every other directory its address is a file offset, not an RVA;
// both are zero when the file is not signed. The table is not checked to
// lie inside the file: a table past the end means a truncated download,
// which the caller reports.
func (h *Header) CertificateTable() (off, size int64) {
	d := h.Directory(DirSecurity)
	return int64(d.RVA), int64(d.Size)
}

// OverlayOffset is where data appended to the image begins: the end of the
// section whose raw data ends last, or the end of the section table when no
// section has raw data. It is not clamped to the file size. It needs the
// section table (Parse or Read).
func (h *Header) OverlayOffset() int64 {
	end := h.OptionalOffset + h.OptionalSize + 40*int64(len(h.Sections))
	for _, s := range h.Sections {
		if s.SizeOfRawData > 0 {
			end = max(end, int64(s.PointerToRawData)+int64(s.SizeOfRawData))
		}
	}
	return end
}

// Directory returns data directory i, zero when absent.
func (h *Header) Directory(i int) Directory {
	if i < len(h.Directories) {
		return h.Directories[i]
	}
	return Directory{}
}

// Offset maps n bytes at rva to a file offset inside the file; ok is false
// when they are not all backed by one section's raw data (or, for RVAs below
// the first section, by the headers).
func (h *Header) Offset(rva, n uint32) (int64, bool) {
	end := uint64(rva) + uint64(n)
	for _, s := range h.Sections {
		vsize := s.VirtualSize
		if vsize == 0 {
			vsize = s.SizeOfRawData
		}
		if uint64(rva) < uint64(s.VirtualAddress) || end > uint64(s.VirtualAddress)+uint64(vsize) {
			continue
		}
		off := uint64(s.PointerToRawData) + uint64(rva-s.VirtualAddress)
		if end-uint64(s.VirtualAddress) > uint64(s.SizeOfRawData) || off+uint64(n) > uint64(h.size) {
			return 0, false
		}
		return int64(off), true
	}
	// Headers are mapped at RVA = file offset.
	if len(h.Sections) == 0 || end <= uint64(h.Sections[0].VirtualAddress) {
		if end <= uint64(h.size) {
			return int64(rva), true
		}
	}
	return 0, false
}

// Bytes returns the n bytes at rva, nil when they are not in the file.
func (h *Header) Bytes(b []byte, rva, n uint32) []byte {
	off, ok := h.Offset(rva, n)
	if !ok || off+int64(n) > int64(len(b)) {
		return nil
	}
	return b[off : off+int64(n)]
}

// CString reads a NUL-terminated string of at most max bytes at rva.
func (h *Header) CString(b []byte, rva uint32, max int) string {
	off, ok := h.Offset(rva, 1)
	if !ok {
		return ""
	}
	end := min(off+int64(max), int64(len(b)))
	for i := off; i < end; i++ {
		if b[i] == 0 {
			return string(b[off:i])
		}
	}
	return ""
}

// Section returns the named section, nil when there is none.
func (h *Header) Section(name string) *Section {
	for i := range h.Sections {
		if h.Sections[i].Name == name {
			return &h.Sections[i]
		}
	}
	return nil
}
