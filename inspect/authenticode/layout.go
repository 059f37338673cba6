// Package authenticode reads the Authenticode signature of a PE file and
// computes the file's Authenticode digest: the hash of the file with the
// optional-header CheckSum, the certificate-table directory entry and the
// certificate table itself left out. Because signing changes only those three
// places, the digest identifies the file's content whether or not (and by
// whom) it is signed.
//
// It checks integrity only: the signed digest against the file, the signer's
// signature over its authenticated attributes against the signer
// certificate's key. It makes no trust decision, uses no trust store and no
// network, and gives the same answer every time.
package authenticode

import (
	"encoding/binary"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FormatError reports a malformed PE header or signature at a byte offset of
// the file.
type FormatError = formaterr.Error

// layer spells authenticode errors as "authenticode: at offset 0x40: message: cause".
var layer = &formaterr.Layer{Name: "authenticode"}

func errorf(off int64, format string, args ...any) *FormatError {
	return layer.Errorf(off, format, args...)
}

// Layout is where the fields that signing rewrites sit in a PE file.
type Layout struct {
	// NTHeaderOffset is the file offset of the "PE\0\0" signature.
	NTHeaderOffset int64
	// Magic is the optional header magic: 0x10b (PE32) or 0x20b (PE32+).
	Magic uint16
	// ChecksumOffset is the file offset of the 4-byte optional-header CheckSum.
	ChecksumOffset int64
	Checksum       uint32
	// CertDirOffset is the file offset of the 8-byte certificate-table data
	// directory entry, or -1 when the optional header has too few data
	// directories to hold one.
	CertDirOffset int64
	// CertTableOffset and CertTableSize are the directory entry's values. Unlike
	// every other data directory, its address is a file offset, not an RVA.
	CertTableOffset int64
	CertTableSize   int64
}

// Signed reports whether the directory entry declares a certificate table.
func (l *Layout) Signed() bool { return l.CertTableOffset != 0 && l.CertTableSize != 0 }

// ParseLayout reads the DOS, COFF and optional headers of a PE file. It does
// not check that the certificate table lies inside the file: the caller
// decides what a table past the end means (a truncated download).
func ParseLayout(r io.ReaderAt, size int64) (*Layout, error) {
	var dos [64]byte
	if size < int64(len(dos)) {
		return nil, errorf(0, "file of %d bytes is too small for a DOS header", size)
	}
	if _, err := r.ReadAt(dos[:], 0); err != nil {
		return nil, &FormatError{In: layer, Off: 0, Msg: "reading DOS header", Err: err}
	}
	if dos[0] != 'M' || dos[1] != 'Z' {
		return nil, errorf(0, "no MZ signature")
	}
	nt := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	// PE signature (4) + COFF header (20) + optional header up to and
	// including the data-directory count (PE32+: 112 bytes).
	const need = 4 + 20 + 112
	if nt < 0x40 || nt > size-need {
		return nil, errorf(0x3c, "NT header offset 0x%x outside the file of %d bytes", nt, size)
	}
	var h [need]byte
	if _, err := r.ReadAt(h[:], nt); err != nil {
		return nil, &FormatError{In: layer, Off: nt, Msg: "reading NT headers", Err: err}
	}
	if string(h[:4]) != "PE\x00\x00" {
		return nil, errorf(nt, "no PE signature")
	}
	optSize := int64(binary.LittleEndian.Uint16(h[4+16:]))
	opt := nt + 24
	l := &Layout{NTHeaderOffset: nt, Magic: binary.LittleEndian.Uint16(h[24:]), CertDirOffset: -1}
	var countAt, dirsAt int64 // offsets inside the optional header
	switch l.Magic {
	case 0x10b:
		countAt, dirsAt = 92, 96
	case 0x20b:
		countAt, dirsAt = 108, 112
	default:
		return nil, errorf(opt, "unknown optional header magic 0x%x", l.Magic)
	}
	if optSize < countAt+4 {
		return nil, errorf(nt+20, "optional header of %d bytes is too small", optSize)
	}
	l.ChecksumOffset = opt + 64
	l.Checksum = binary.LittleEndian.Uint32(h[24+64:])
	count := int64(binary.LittleEndian.Uint32(h[24+countAt:]))
	const securityIndex = 4
	dir := dirsAt + securityIndex*8
	if count <= securityIndex || optSize < dir+8 {
		return l, nil
	}
	l.CertDirOffset = opt + dir
	if l.CertDirOffset+8 > size {
		return nil, errorf(l.CertDirOffset, "certificate table directory entry beyond the end of the file")
	}
	var d [8]byte
	if _, err := r.ReadAt(d[:], l.CertDirOffset); err != nil {
		return nil, &FormatError{In: layer, Off: l.CertDirOffset, Msg: "reading certificate table directory entry", Err: err}
	}
	l.CertTableOffset = int64(binary.LittleEndian.Uint32(d[:4]))
	l.CertTableSize = int64(binary.LittleEndian.Uint32(d[4:]))
	return l, nil
}
