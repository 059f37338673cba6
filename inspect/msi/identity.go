package msi

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"slices"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/cfb"
)

// IdentityAlgorithm names the digest Identity computes.
const IdentityAlgorithm = "msi-streams-sha256"

// Signature streams that Authenticode signing of an MSI adds or replaces.
const (
	DigitalSignatureStream   = "\x05DigitalSignature"
	DigitalSignatureExStream = "\x05MsiDigitalSignatureEx"
)

// Identity is a digest of the database that signing does not change:
//
//	SHA-256 over every stream of the compound file, at any depth, except the
//	root-level streams "\x05DigitalSignature" and "\x05MsiDigitalSignatureEx",
//	taken in ascending order of their raw names (the UTF-16 code units of the
//	stored, encoded name; for a stream inside storages, the storage names and
//	the stream name joined by '/' (0x002F), compared unit by unit), each
//	contributing
//	  uint32 little-endian: byte length of the raw name (2 × code units)
//	  the raw name as UTF-16LE
//	  uint64 little-endian: stream length in bytes
//	  the stream bytes.
//
// Storages themselves, their CLSIDs, timestamps and the sector layout are
// not covered: rewriting the compound file with the same streams, as a
// signing tool does, keeps the identity.
func (db *Database) Identity() (string, error) {
	type named struct {
		raw []uint16
		s   *cfb.Stream
	}
	// Raw path names: storage and stream names joined by '/'.
	byPath := map[string][]uint16{}
	var list []named
	for _, s := range db.cfb.Streams() {
		var raw []uint16
		if i := strings.LastIndexByte(s.Path, '/'); i >= 0 {
			parent := byPath[s.Path[:i]]
			raw = append(append(slices.Clone(parent), '/'), s.NameUTF16...)
		} else {
			raw = s.NameUTF16
		}
		byPath[s.Path] = raw
		if s.Storage {
			continue
		}
		if !strings.Contains(s.Path, "/") && (s.Name == DigitalSignatureStream || s.Name == DigitalSignatureExStream) {
			continue
		}
		list = append(list, named{raw, s})
	}
	slices.SortFunc(list, func(a, b named) int { return slices.Compare(a.raw, b.raw) })
	h := sha256.New()
	var buf [8]byte
	for _, n := range list {
		binary.LittleEndian.PutUint32(buf[:4], uint32(2*len(n.raw)))
		h.Write(buf[:4])
		name := make([]byte, 2*len(n.raw))
		for i, c := range n.raw {
			binary.LittleEndian.PutUint16(name[2*i:], c)
		}
		h.Write(name)
		binary.LittleEndian.PutUint64(buf[:], uint64(n.s.Size))
		h.Write(buf[:])
		r, err := n.s.Open()
		if err != nil {
			return "", err
		}
		if _, err := io.Copy(h, r); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
