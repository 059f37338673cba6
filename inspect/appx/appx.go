// Package appx reads what makes a zip an MSIX/AppX package or bundle: the
// package identity in AppxManifest.xml (or a bundle's
// AppxMetadata/AppxBundleManifest.xml), the block map (AppxBlockMap.xml)
// whose per-block hashes every payload file must match, and the signature
// (AppxSignature.p7x), whose digests cover the zip's local records, its
// central directory, [Content_Types].xml, the block map and the code
// integrity catalog. The zip itself is read by package inspect/zip; this
// package parses the small XML parts, verifies block hashes as file data
// streams past, and checks the signature's digests against the raw zip
// structure (zipraw.go).
package appx

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Part names with a fixed meaning in a package or bundle (zip entry names).
const (
	ManifestName       = "AppxManifest.xml"
	BundleManifestName = "AppxMetadata/AppxBundleManifest.xml"
	BlockMapName       = "AppxBlockMap.xml"
	SignatureName      = "AppxSignature.p7x"
	ContentTypesName   = "[Content_Types].xml"
	CodeIntegrityName  = "AppxMetadata/CodeIntegrity.cat"
)

// FormatError is a malformed part, at a byte offset of the package when
// one applies (-1 otherwise).
type FormatError = formaterr.Error

var layer = &formaterr.Layer{Name: "msix", OmitNegative: true, ColonWithoutOffset: true, WhereFormat: "%s"}

func errorf(where string, off int64, format string, args ...any) error {
	return &FormatError{In: layer, Where: where, Off: off, Msg: fmt.Sprintf(format, args...)}
}

// Footprint reports whether a zip entry is one of the package's own
// metadata parts, which the block map does not list.
func Footprint(name string) bool {
	switch name {
	case BlockMapName, SignatureName, ContentTypesName, CodeIntegrityName:
		return true
	}
	return false
}

// Identity is a package's or bundle's <Identity>.
type Identity struct {
	Name, Publisher, Version, ProcessorArchitecture, ResourceID string
}

// PublisherID is the 13-character publisher ID Windows derives from the
// publisher's distinguished name: the first 8 bytes of the SHA-256 of its
// UTF-16LE encoding, as 65 bits (a zero bit appended) in Crockford's
// base32, lower case. It is part of the package's full and family names.
func PublisherID(publisher string) string {
	u := utf16.Encode([]rune(publisher))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	sum := sha256.Sum256(b)
	v := binary.BigEndian.Uint64(sum[:8])
	const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
	var out [13]byte
	// 65 bits: the 64 of v then a 0; 13 groups of 5 from the top.
	for i := 0; i < 13; i++ {
		shift := 65 - 5*(i+1) // position of the group's lowest bit in the 65-bit value
		var g uint64
		if shift >= 1 {
			g = (v >> (shift - 1)) & 31
		} else {
			g = (v << 1) & 31
		}
		out[i] = alphabet[g]
	}
	return string(out[:])
}

// FullName is the package full name: Name_Version_Architecture_ResourceId_PublisherId.
func (id Identity) FullName() string {
	return strings.Join([]string{id.Name, id.Version, strings.ToLower(orNeutral(id.ProcessorArchitecture)), id.ResourceID, PublisherID(id.Publisher)}, "_")
}

// FamilyName is Name_PublisherId.
func (id Identity) FamilyName() string { return id.Name + "_" + PublisherID(id.Publisher) }

func orNeutral(arch string) string {
	if arch == "" {
		return "neutral"
	}
	return arch
}
