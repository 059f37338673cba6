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
			// Built once per entry from its storage's raw path; the
			// compound file bounds the depth and the bytes of all paths.
			parent := byPath[s.Path[:i]]
			raw = make([]uint16, 0, len(parent)+1+len(s.NameUTF16))
			raw = append(append(append(raw, parent...), '/'), s.NameUTF16...)
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
	// Streams may share sector chains; hashing each would read the same
	// bytes again and again (a 6.3 MB MSI hashed 64 GB).
	claims := sectorClaims{}
	for _, n := range list {
		if err := claims.claim(n.s, db.cfb.SectorSize); err != nil {
			return "", err
		}
	}
	h := sha256.New()
	var buf [8]byte
	// One name buffer and one copy buffer for all streams: there may be a
	// million of them.
	var name []byte
	copyBuf := make([]byte, 32<<10)
	for _, n := range list {
		binary.LittleEndian.PutUint32(buf[:4], uint32(2*len(n.raw)))
		h.Write(buf[:4])
		name = name[:0]
		for _, c := range n.raw {
			name = binary.LittleEndian.AppendUint16(name, c)
		}
		h.Write(name)
		binary.LittleEndian.PutUint64(buf[:], uint64(n.s.Size))
		h.Write(buf[:])
		r, err := n.s.Open()
		if err != nil {
			return "", err
		}
		if _, err := io.CopyBuffer(h, r, copyBuf); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// sectorClaims records which bytes of the compound file the streams hashed
// so far are stored in, in 64-byte units (the mini sector size; regular
// sectors are multiples of it): bit u%64 of claims[u/64] is unit u.
type sectorClaims map[int64]uint64

// claim marks the units holding s, failing when one already belongs to an
// earlier stream: streams whose chains share sectors would be hashed once
// per stream, so the bytes hashed are bounded by the file's size only when
// every unit is claimed once.
func (c sectorClaims) claim(s *cfb.Stream, sectorSize int) error {
	step := int64(64)
	if s.Size >= 4096 {
		step = int64(sectorSize)
	}
	for off := int64(0); off < s.Size; off += step {
		fo := s.FileOffset(off)
		if fo < 0 {
			return nil // a damaged chain: Open reports it
		}
		n := min(step, s.Size-off)
		for u := fo / 64; u <= (fo+n-1)/64; u++ {
			bit := uint64(1) << (u % 64)
			if c[u/64]&bit != 0 {
				name, _ := DecodeStreamName(s.NameUTF16)
				return errorf(u*64, "stream %q shares its sectors with another stream; the identity would hash the same bytes again", name)
			}
			c[u/64] |= bit
		}
	}
	return nil
}
