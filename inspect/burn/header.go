// Package burn reads WiX Burn bundles: the Windows setup executables (such as
// python.org's python-X.Y.Z-amd64.exe) that carry a `.wixburn` PE section
// describing cabinet containers appended to the executable. The first (UX)
// container holds the bootstrapper application and, as its file `0`, the
// BurnManifest XML; attached containers hold the chain's payloads (MSIs,
// EXEs) under the names a0, a1, ... that the manifest maps to file paths.
//
// Layout, as WiX v3/v4 write it (burn/engine/section.cpp):
//
//	[stub PE with .wixburn][UX cab][engine signature?][attached cab 1]...[final signature]
//
// The UX container starts at the stub size. Attached containers start after
// the "engine": at the original signature's offset + size when the engine was
// signed before the containers were attached, else at the current
// certificate table's end, else right after the UX container.
package burn

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// FormatError reports malformed bundle data at a byte offset of the bundle.
type FormatError = formaterr.Error

// layer spells burn errors as "burn: at offset 0x40: message: cause".
var layer = &formaterr.Layer{Name: "burn"}

// Wrap returns a burn error at the bundle offset off saying msg, caused by
// err (an adapter placing a cabinet's error in the bundle).
func Wrap(off int64, msg string, err error) *FormatError { return layer.Wrap(off, msg, err) }

func errorf(off int64, format string, args ...any) *FormatError {
	return layer.Errorf(off, format, args...)
}

// SectionMagic is the first DWORD of a .wixburn section.
const SectionMagic = 0x00f14300

// fixedHeaderSize is the .wixburn header up to the container sizes.
const fixedHeaderSize = 48

// maxContainers bounds the container count: the stub reserves one 512-byte
// section, so at most (512-48)/4 sizes fit; a larger section is accepted up
// to this many.
const maxContainers = 1024

// Header is the .wixburn section.
type Header struct {
	// SectionOffset is the file offset of the section data.
	SectionOffset int64
	Version       uint32
	// BundleID is the bundle's GUID as "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"
	// (lower case); it equals the manifest's Registration Id.
	BundleID                string
	StubSize                uint32
	OriginalChecksum        uint32
	OriginalSignatureOffset uint32
	OriginalSignatureSize   uint32
	// Format is the container format: 1 = cabinet.
	Format uint32
	// ContainerSizes lists each container's size: index 0 is the UX
	// container, then the attached containers.
	ContainerSizes []uint32
}

// PEInfo is the bundle's PE headers: its section table (where .wixburn
// is), the certificate-table directory and the places signing rewrites.
type PEInfo = pehdr.Header

// ReadPE reads the PE headers of the bundle r of size bytes (with pehdr);
// errors are burn errors at the offset pehdr found.
func ReadPE(r io.ReaderAt, size int64) (*PEInfo, error) {
	h, err := pehdr.Read(r, size)
	if err != nil {
		return nil, layer.Adopt(err)
	}
	return h, nil
}

// ParseHeader decodes .wixburn section data found at file offset off.
func ParseHeader(data []byte, off int64) (*Header, error) {
	if len(data) < fixedHeaderSize {
		return nil, errorf(off, ".wixburn section of %d bytes is shorter than its %d-byte header", len(data), fixedHeaderSize)
	}
	le := binary.LittleEndian
	if m := le.Uint32(data); m != SectionMagic {
		return nil, errorf(off, ".wixburn magic 0x%08x, want 0x%08x", m, SectionMagic)
	}
	h := &Header{
		SectionOffset:           off,
		Version:                 le.Uint32(data[4:]),
		BundleID:                formatGUID(data[8:24]),
		StubSize:                le.Uint32(data[24:]),
		OriginalChecksum:        le.Uint32(data[28:]),
		OriginalSignatureOffset: le.Uint32(data[32:]),
		OriginalSignatureSize:   le.Uint32(data[36:]),
		Format:                  le.Uint32(data[40:]),
	}
	// WiX v3 writes version 2, WiX v4+ version 3 with the same layout.
	if h.Version < 2 || h.Version > 3 {
		return nil, errorf(off+4, ".wixburn version %d not supported (2 and 3 are)", h.Version)
	}
	if h.Format != 1 {
		return nil, errorf(off+40, "container format %d is not a cabinet (1)", h.Format)
	}
	n := int64(le.Uint32(data[44:]))
	if n == 0 {
		return nil, errorf(off+44, "bundle declares no containers; the UX container is required")
	}
	if n > maxContainers || fixedHeaderSize+4*n > int64(len(data)) {
		return nil, errorf(off+44, "%d container sizes do not fit the %d-byte section", n, len(data))
	}
	h.ContainerSizes = make([]uint32, n)
	for i := range h.ContainerSizes {
		h.ContainerSizes[i] = le.Uint32(data[fixedHeaderSize+4*i:])
	}
	return h, nil
}

// formatGUID formats a Windows GUID (first three fields little-endian).
func formatGUID(b []byte) string {
	return fmt.Sprintf("{%08x-%04x-%04x-%x-%x}",
		binary.LittleEndian.Uint32(b), binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16])
}

// ContainerLocation is where one container lies in the bundle file.
type ContainerLocation struct {
	Index  int // 0 = UX, 1.. = attached (the manifest's AttachedIndex)
	Offset int64
	Size   int64
	// Available is how many of its bytes the file holds; less than Size
	// when the bundle is truncated.
	Available int64
}

// Truncated reports that the file ends inside (or before) the container.
func (c ContainerLocation) Truncated() bool { return c.Available < c.Size }

// Locate computes each container's place in a file of fileSize bytes whose
// PE certificate table is certOff/certSize (pehdr's CertificateTable),
// following Burn's own rules.
func (h *Header) Locate(fileSize, certOff, certSize int64) ([]ContainerLocation, error) {
	var engine int64
	switch {
	case h.OriginalSignatureOffset != 0:
		engine = int64(h.OriginalSignatureOffset) + int64(h.OriginalSignatureSize)
	case certOff != 0:
		engine = certOff + certSize
	default:
		engine = int64(h.StubSize) + int64(h.ContainerSizes[0])
	}
	if int64(h.StubSize) < h.SectionOffset {
		return nil, errorf(h.SectionOffset+24, "stub size %d ends before the .wixburn section at 0x%x", h.StubSize, h.SectionOffset)
	}
	locs := make([]ContainerLocation, len(h.ContainerSizes))
	for i, n := range h.ContainerSizes {
		l := ContainerLocation{Index: i, Size: int64(n)}
		switch i {
		case 0:
			l.Offset = int64(h.StubSize)
		case 1:
			l.Offset = engine
		default:
			l.Offset = locs[i-1].Offset + locs[i-1].Size
		}
		if i == 1 && l.Offset < locs[0].Offset+locs[0].Size {
			return nil, errorf(h.SectionOffset+32, "attached containers at %d overlap the UX container ending at %d", l.Offset, locs[0].Offset+locs[0].Size)
		}
		l.Available = max(0, min(l.Size, fileSize-l.Offset))
		locs[i] = l
	}
	return locs, nil
}
