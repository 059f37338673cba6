package msi

import (
	"bytes"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"io"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/authenticode"
	"github.com/installer-sbom/installer-sbom/inspect/cfb"
)

// DefaultMaxSignatureBytes bounds the \x05DigitalSignature stream read into
// memory (real ones are 5–30 KiB).
const DefaultMaxSignatureBytes = 4 << 20

// Signature is the Authenticode signature of an MSI database.
type Signature struct {
	authenticode.SignedData
	// Computed is the database digest computed with the signature's
	// algorithm (hex), and DigestMatches whether it equals the signed one:
	// the database was not changed after signing.
	Computed      string
	DigestMatches bool
	// Extended says the database also has a \x05MsiDigitalSignatureEx
	// stream: the signed digest then covers that stream's pre-hash of the
	// storages' metadata (names, sizes, state bits, times) before the
	// content. The pre-hash is taken as stored, not recomputed, so only
	// the content is checked.
	Extended bool
}

// Signature reads the database's Authenticode signature and checks its
// digest. It returns (nil, nil) when the database has no
// \x05DigitalSignature stream. maxBytes bounds the signature stream (0 means
// DefaultMaxSignatureBytes). An unreadable or malformed signature is a
// *FormatError at the stream's offset in the file.
func (db *Database) Signature(maxBytes int64) (*Signature, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxSignatureBytes
	}
	ds, ok := db.cfb.Stream(DigitalSignatureStream)
	if !ok || ds.Storage {
		return nil, nil
	}
	off := ds.FileOffset(0)
	if ds.Size > maxBytes {
		return nil, errorf(off, "signature stream of %d bytes exceeds the limit of %d", ds.Size, maxBytes)
	}
	der, err := readStream(ds)
	if err != nil {
		return nil, errorf(off, "reading the signature stream: %v", err)
	}
	sd, err := authenticode.ParseSignedData(der)
	if err != nil {
		return nil, errorf(off, "signature: PKCS #7: %v", err)
	}
	if !sd.Hash.Available() {
		return nil, errorf(off, "signature digest algorithm %s not available", sd.Algorithm)
	}
	sig := &Signature{SignedData: *sd}
	h := sd.Hash.New()
	if ex, ok := db.cfb.Stream(DigitalSignatureExStream); ok && !ex.Storage {
		sig.Extended = true
		if ex.Size != int64(h.Size()) {
			return sig, errorf(ex.FileOffset(0), "MsiDigitalSignatureEx stream of %d bytes; a %s pre-hash has %d", ex.Size, sd.Algorithm, h.Size())
		}
		pre, err := readStream(ex)
		if err != nil {
			return sig, errorf(ex.FileOffset(0), "reading MsiDigitalSignatureEx: %v", err)
		}
		h.Write(pre)
	}
	if err := db.WriteSignedContent(h); err != nil {
		return sig, err
	}
	sum := h.Sum(nil)
	sig.Computed = hex.EncodeToString(sum)
	sig.DigestMatches = subtle.ConstantTimeCompare(sum, sd.Digest) == 1
	return sig, nil
}

func readStream(s *cfb.Stream) ([]byte, error) {
	r, err := s.Open()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(int(s.Size))
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteSignedContent writes to w the bytes an MSI Authenticode signature's
// digest covers (the digest Windows' MSI SIP computes, as implemented by
// osslsigncode's msi_hash_dir):
//
//	for the root storage, then recursively for each storage:
//	  its children in ascending order of their stored names compared as
//	  bytes — the UTF-16LE code units followed by the 0x0000 terminator,
//	  compared with memcmp over the shorter length (so the order is by
//	  low byte first, not by code unit value);
//	  each child stream's bytes (at the root, \x05DigitalSignature and
//	  \x05MsiDigitalSignatureEx are left out), each child storage
//	  recursively;
//	  then the storage's own 16-byte CLSID.
//
// Storage names, stream lengths, timestamps and the sector layout are not
// covered, so a signing tool may rewrite the compound file freely.
func (db *Database) WriteSignedContent(w io.Writer) error {
	children := map[string][]*cfb.Stream{}
	for _, s := range db.cfb.Streams() {
		parent := strings.TrimSuffix(strings.TrimSuffix(s.Path, s.Name), "/")
		children[parent] = append(children[parent], s)
	}
	for _, list := range children {
		sort.SliceStable(list, func(i, j int) bool { return signedNameLess(list[i].NameUTF16, list[j].NameUTF16) })
	}
	type frame struct {
		path  string
		clsid [16]byte
		next  int
	}
	// An explicit stack: a hostile file may nest storages deeply. Each path
	// is expanded once: storages with duplicate names (invalid, but
	// possible in a hostile file) would otherwise multiply the work.
	stack := []frame{{path: "", clsid: db.cfb.Root().CLSID}}
	expanded := map[string]bool{"": true}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		list := children[top.path]
		if top.next >= len(list) {
			if _, err := w.Write(top.clsid[:]); err != nil {
				return err
			}
			stack = stack[:len(stack)-1]
			continue
		}
		s := list[top.next]
		top.next++
		if s.Storage {
			if expanded[s.Path] {
				continue
			}
			expanded[s.Path] = true
			stack = append(stack, frame{path: s.Path, clsid: s.CLSID})
			continue
		}
		if top.path == "" && (s.Name == DigitalSignatureStream || s.Name == DigitalSignatureExStream) {
			continue
		}
		if s.Size == 0 {
			continue
		}
		r, err := s.Open()
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, r); err != nil {
			return err
		}
	}
	return nil
}

// signedNameLess orders stored names as the MSI signature digest does: the
// UTF-16LE bytes with the terminating 0x0000 compared over the shorter
// length; of two names equal that far, the longer comes first.
func signedNameLess(a, b []uint16) bool {
	ab, bb := nameBytes(a), nameBytes(b)
	n := min(len(ab), len(bb))
	if c := bytes.Compare(ab[:n], bb[:n]); c != 0 {
		return c < 0
	}
	return len(ab) > len(bb)
}

func nameBytes(u []uint16) []byte {
	b := make([]byte, 2*len(u)+2)
	for i, c := range u {
		binary.LittleEndian.PutUint16(b[2*i:], c)
	}
	return b
}
