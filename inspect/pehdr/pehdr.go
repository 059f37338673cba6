// Package pehdr reads the headers of a PE file held in memory: the COFF
// header, the optional header's data directories and the section table, and
// maps RVAs to file offsets. Every read is bounded by the data; it allocates
// only the section table (at most MaxSections entries). Tools that need more
// (imports, resources, signatures) build on it.
package pehdr

import (
	"encoding/binary"

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
	Name                         string
	VirtualAddress, VirtualSize  uint32
	PointerToRawData, RawDataLen uint32
}

// Header is what Parse read.
type Header struct {
	NTOffset    int64
	Machine     uint16
	Magic       uint16 // 0x10b PE32, 0x20b PE32+
	Directories []Directory
	Sections    []Section
	size        int64
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

// Parse reads the headers of the PE file b.
func Parse(b []byte) (*Header, error) {
	size := int64(len(b))
	if size < 0x40 || b[0] != 'M' || b[1] != 'Z' {
		return nil, layer.Errorf(0, "no MZ header")
	}
	nt := int64(binary.LittleEndian.Uint32(b[0x3c:]))
	if nt < 0x40 || nt+24 > size || string(b[nt:nt+4]) != "PE\x00\x00" {
		return nil, layer.Errorf(0x3c, "NT header offset %#x does not point at a PE signature", nt)
	}
	coff := b[nt+4:]
	h := &Header{NTOffset: nt, Machine: binary.LittleEndian.Uint16(coff), size: size}
	nsec := int64(binary.LittleEndian.Uint16(coff[2:]))
	optSize := int64(binary.LittleEndian.Uint16(coff[16:]))
	opt := nt + 24
	if opt+optSize > size {
		return nil, layer.Errorf(nt+20, "optional header of %d bytes runs past the end of the file", optSize)
	}
	if optSize >= 2 {
		h.Magic = binary.LittleEndian.Uint16(b[opt:])
		var countAt int64
		switch h.Magic {
		case 0x10b:
			countAt = 92
		case 0x20b:
			countAt = 108
		default:
			return nil, layer.Errorf(opt, "unknown optional header magic %#x", h.Magic)
		}
		if optSize >= countAt+4 {
			n := int64(binary.LittleEndian.Uint32(b[opt+countAt:]))
			n = min(n, 16, (optSize-countAt-4)/8)
			for i := int64(0); i < n; i++ {
				d := b[opt+countAt+4+8*i:]
				h.Directories = append(h.Directories, Directory{binary.LittleEndian.Uint32(d), binary.LittleEndian.Uint32(d[4:])})
			}
		}
	}
	if nsec > MaxSections {
		return nil, layer.Errorf(nt+6, "%d sections (more than %d)", nsec, MaxSections)
	}
	st := opt + optSize
	if st+nsec*40 > size {
		return nil, layer.Errorf(st, "section table of %d entries runs past the end of the file", nsec)
	}
	for i := int64(0); i < nsec; i++ {
		s := b[st+40*i:]
		name := s[:8]
		for j, c := range name {
			if c == 0 {
				name = name[:j]
				break
			}
		}
		h.Sections = append(h.Sections, Section{
			Name:             string(name),
			VirtualSize:      binary.LittleEndian.Uint32(s[8:]),
			VirtualAddress:   binary.LittleEndian.Uint32(s[12:]),
			RawDataLen:       binary.LittleEndian.Uint32(s[16:]),
			PointerToRawData: binary.LittleEndian.Uint32(s[20:]),
		})
	}
	return h, nil
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
			vsize = s.RawDataLen
		}
		if uint64(rva) < uint64(s.VirtualAddress) || end > uint64(s.VirtualAddress)+uint64(vsize) {
			continue
		}
		off := uint64(s.PointerToRawData) + uint64(rva-s.VirtualAddress)
		if end-uint64(s.VirtualAddress) > uint64(s.RawDataLen) || off+uint64(n) > uint64(h.size) {
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
