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
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
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

// ParseLayout reads the DOS, COFF and optional headers of a PE file (with
// pehdr). It does not check that the certificate table lies inside the file:
// the caller decides what a table past the end means (a truncated download).
func ParseLayout(r io.ReaderAt, size int64) (*Layout, error) {
	h, err := pehdr.ReadHeaders(r, size)
	if err != nil {
		return nil, layer.Adopt(err)
	}
	if h.ChecksumOffset < 0 || h.DirectoryCount < 0 {
		return nil, errorf(h.NTOffset+20, "optional header of %d bytes is too small", h.OptionalSize)
	}
	l := &Layout{
		NTHeaderOffset: h.NTOffset,
		Magic:          h.Magic,
		ChecksumOffset: h.ChecksumOffset,
		Checksum:       h.Checksum,
		CertDirOffset:  h.DirectoryOffset(pehdr.DirSecurity),
	}
	l.CertTableOffset, l.CertTableSize = h.CertificateTable()
	return l, nil
}
