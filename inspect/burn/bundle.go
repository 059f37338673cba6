package burn

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// Options bound what Open reads.
type Options struct {
	Cab      *cab.Options
	Manifest ManifestOptions
	// MaxSectionBytes bounds the .wixburn section read; 0 = 64 KiB.
	MaxSectionBytes int64
}

// Container is one container of the bundle.
type Container struct {
	ContainerLocation
	// ID is the manifest's Container Id for attached containers ("" for
	// the UX container or when the manifest names none).
	ID string
	// Hash is the SHA-1 the manifest declares for the container bytes.
	Hash string
	// Cabinet is the opened cabinet; nil when Err says why it could not be.
	Cabinet *cab.Cabinet
	Err     error
}

// Bundle is an opened Burn bundle.
type Bundle struct {
	PE         *PEInfo
	Header     *Header
	Containers []*Container // [0] is the UX container
	Manifest   *Manifest
	// ManifestBytes is the raw BurnManifest XML (UX file "0").
	ManifestBytes []byte
	r             io.ReaderAt
	size          int64
	opts          Options
	// payloads maps each container to its embedded payloads by SourcePath.
	payloads map[*Container]map[string]*Payload
	// unplaced are embedded payloads no container entry can deliver.
	unplaced []Unplaced
	// containerOf is the container of each placed embedded payload.
	containerOf map[*Payload]*Container
}

// Unplaced is an embedded payload whose bytes the bundle cannot hold where
// the manifest says: Reason says why.
type Unplaced struct {
	Payload *Payload
	Reason  string
}

// UnplacedPayloads lists, in manifest order, embedded payloads that name a
// container the bundle does not have, or share their container and
// SourcePath with an earlier payload (only one entry can answer to a name).
func (b *Bundle) UnplacedPayloads() []Unplaced { return b.unplaced }

// confirmAttached checks that the first attached container starts where
// Locate put it (a cabinet's MSCF signature) and otherwise tries the other
// places signing tools leave it: right after the UX container (a bundle
// signed after its containers were attached, certificate at the end), or
// right after a certificate table that follows the UX container (an engine
// signed before attaching whose .wixburn section was not updated). The
// first candidate holding a cabinet wins; the later containers follow it.
func confirmAttached(r io.ReaderAt, size int64, h *Header, locs []ContainerLocation, certOff, certSize int64) []ContainerLocation {
	if len(locs) < 2 {
		return locs
	}
	isCab := func(off int64) bool {
		var m [4]byte
		_, err := r.ReadAt(m[:], off)
		return err == nil && string(m[:]) == "MSCF"
	}
	if isCab(locs[1].Offset) {
		return locs
	}
	uxEnd := locs[0].Offset + locs[0].Size
	candidates := []int64{uxEnd}
	if certOff >= uxEnd && certOff-uxEnd < 8 {
		candidates = append(candidates, certOff+certSize)
	}
	if h.OriginalSignatureOffset != 0 {
		candidates = append(candidates, int64(h.OriginalSignatureOffset)+int64(h.OriginalSignatureSize))
	}
	for _, at := range candidates {
		if at == locs[1].Offset || at < uxEnd || at >= size || !isCab(at) {
			continue
		}
		out := append([]ContainerLocation(nil), locs...)
		for i := 1; i < len(out); i++ {
			if i == 1 {
				out[i].Offset = at
			} else {
				out[i].Offset = out[i-1].Offset + out[i-1].Size
			}
			out[i].Available = max(0, min(out[i].Size, size-out[i].Offset))
		}
		return out
	}
	return locs
}

// ManifestEntry is the UX container's file holding the BurnManifest.
const ManifestEntry = "0"

var errStop = errors.New("stop")

// Open reads the PE headers, the .wixburn section, the UX container and its
// manifest, and opens each attached container's cabinet directory. A missing,
// truncated or unreadable attached container is not an error: it is recorded
// in its Container (Truncated, Err) so that everything readable can still be
// reported. Without a readable UX container and manifest there is no bundle
// to describe, and Open fails.
func Open(r io.ReaderAt, size int64, opts *Options) (*Bundle, error) {
	b := &Bundle{r: r, size: size}
	if opts != nil {
		b.opts = *opts
	}
	maxSection := b.opts.MaxSectionBytes
	if maxSection <= 0 {
		maxSection = 64 << 10
	}
	pe, err := ReadPE(r, size)
	if err != nil {
		return nil, err
	}
	b.PE = pe
	s := pe.Section(".wixburn")
	if s == nil {
		return nil, errorf(0, "PE file has no .wixburn section: not a Burn bundle")
	}
	secOff, secLen := int64(s.PointerToRawData), int64(s.SizeOfRawData)
	if secLen > maxSection {
		secLen = maxSection // the header and sizes come first; the rest is reserve
	}
	if secOff+secLen > size {
		return nil, errorf(secOff, ".wixburn section data (%d bytes) extends past the end of the file at %d", secLen, size)
	}
	data := make([]byte, secLen)
	if _, err := r.ReadAt(data, secOff); err != nil {
		return nil, &FormatError{In: layer, Off: secOff, Msg: "reading .wixburn section", Err: err}
	}
	if b.Header, err = ParseHeader(data, secOff); err != nil {
		return nil, err
	}
	certOff, certSize := pe.CertificateTable()
	locs, err := b.Header.Locate(size, certOff, certSize)
	if err != nil {
		return nil, err
	}
	locs = confirmAttached(r, size, b.Header, locs, certOff, certSize)
	for _, l := range locs {
		b.Containers = append(b.Containers, &Container{ContainerLocation: l})
	}
	ux := b.Containers[0]
	if ux.Truncated() {
		return nil, errorf(size, "UX container at offset %d declares %d bytes but the file ends at %d", ux.Offset, ux.Size, size)
	}
	if ux.Cabinet, err = cab.Open(io.NewSectionReader(r, ux.Offset, ux.Size), ux.Size, b.opts.Cab); err != nil {
		return nil, &FormatError{In: layer, Off: ux.Offset, Msg: "UX container", Err: err}
	}
	if err := b.readManifest(); err != nil {
		return nil, err
	}
	byIndex := map[int]ManifestContainer{}
	for _, mc := range b.Manifest.Containers {
		if mc.Attached {
			byIndex[mc.AttachedIndex] = mc
		}
	}
	// Group embedded payloads by container once: UX payloads under the UX
	// container, the others under the container their Container id names.
	b.payloads = map[*Container]map[string]*Payload{}
	byID := map[string]*Container{}
	for _, c := range b.Containers {
		b.payloads[c] = map[string]*Payload{}
		if mc, ok := byIndex[c.Index]; ok && c.Index > 0 {
			c.ID, c.Hash = mc.ID, strings.ToLower(mc.Hash)
			byID[c.ID] = c
		}
	}
	for _, p := range b.Manifest.Payloads {
		if !p.Embedded() {
			continue
		}
		c := ux
		if !p.UX {
			if c = byID[p.Container]; c == nil {
				b.unplaced = append(b.unplaced, Unplaced{p, fmt.Sprintf("names container %q, which the bundle does not have", p.Container)})
				continue
			}
		}
		if first, ok := b.payloads[c][p.SourcePath]; ok {
			b.unplaced = append(b.unplaced, Unplaced{p, fmt.Sprintf("has the source path %q of payload %s in the same container; only one of them can be there", p.SourcePath, first.ID)})
			continue
		}
		b.payloads[c][p.SourcePath] = p
		if b.containerOf == nil {
			b.containerOf = map[*Payload]*Container{}
		}
		b.containerOf[p] = c
	}
	for _, c := range b.Containers[1:] {
		if c.Available == 0 {
			c.Err = errorf(c.Offset, "attached container %d is not in the file (it ends at %d)", c.Index, size)
			continue
		}
		// A truncated container is opened over the bytes that exist: its
		// file table comes first, and folders past the end fail one by one
		// during Walk.
		cb, err := cab.Open(io.NewSectionReader(r, c.Offset, c.Available), c.Available, b.opts.Cab)
		if err != nil {
			c.Err = &FormatError{In: layer, Off: c.Offset, Msg: fmt.Sprintf("attached container %d", c.Index), Err: err}
			continue
		}
		c.Cabinet = cb
	}
	return b, nil
}

func (b *Bundle) readManifest() error {
	ux := b.Containers[0]
	max := b.opts.Manifest.MaxBytes
	if max <= 0 {
		max = 64 << 20
	}
	var found bool
	err := ux.Cabinet.Walk(func(f *cab.File, r io.Reader, err error) error {
		if f.Name != ManifestEntry {
			return nil
		}
		found = true
		if err != nil {
			return err
		}
		if f.Size > max {
			return errorf(ux.Offset, "manifest of %d bytes exceeds the limit of %d", f.Size, max)
		}
		// The size is checked against max above: one buffer, not the
		// doublings of ReadAll.
		b.ManifestBytes = make([]byte, f.Size)
		if _, err := io.ReadFull(r, b.ManifestBytes); err != nil {
			return err
		}
		return errStop
	})
	if err != nil && err != errStop {
		if _, ok := formaterr.As(err, "burn"); ok {
			return err
		}
		return &FormatError{In: layer, Off: ux.Offset, Msg: "reading the manifest from the UX container", Err: err}
	}
	if !found {
		return errorf(ux.Offset, "UX container has no manifest file %q", ManifestEntry)
	}
	m, err := ParseManifest(b.ManifestBytes, &b.opts.Manifest)
	if err != nil {
		if fe, ok := formaterr.As(err, "burn"); ok {
			// Manifest offsets are inside the XML; name the container too.
			return &FormatError{In: layer, Off: ux.Offset, Msg: fmt.Sprintf("UX container file %q at XML offset %d", ManifestEntry, fe.Off), Err: err}
		}
		return err
	}
	b.Manifest = m
	return nil
}

// ID is the bundle's id: the manifest's Registration Id, else the .wixburn
// GUID.
func (b *Bundle) ID() string {
	if b.Manifest != nil && b.Manifest.BundleID != "" {
		return b.Manifest.BundleID
	}
	return b.Header.BundleID
}

// PayloadFile is one file of a container handed to WalkPayloads.
type PayloadFile struct {
	Container *Container
	// Name is the entry name inside the container (a0, u1, ...).
	Name string
	Size int64
	// Payload is the manifest payload stored under Name; nil for a file
	// the manifest does not name.
	Payload *Payload
}

// WalkPayloads walks the UX container (except the manifest itself) and every
// attached container that could be opened, front to back, calling fn for
// each file with its manifest payload. r is valid only until fn returns. When
// a file's bytes cannot be produced (a truncated container, a corrupt folder)
// fn gets r == nil and err != nil, and the walk goes on; an error returned by
// fn stops it.
func (b *Bundle) WalkPayloads(fn func(pf PayloadFile, r io.Reader, err error) error) error {
	for _, c := range b.Containers {
		if c.Cabinet == nil {
			continue
		}
		bySource := b.payloads[c]
		err := c.Cabinet.Walk(func(f *cab.File, r io.Reader, err error) error {
			if c.Index == 0 && f.Name == ManifestEntry {
				return nil
			}
			return fn(PayloadFile{Container: c, Name: f.Name, Size: f.Size, Payload: bySource[f.Name]}, r, err)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ReadPayload reads one embedded payload's bytes, at most max of them,
// from a cabinet reader of its own over the payload's container, so that it
// can run while a walk of that container is in progress (an MSI whose
// external cabinet is another payload of the bundle). The folder holding
// the payload is decoded again; opts counts those bytes.
func (b *Bundle) ReadPayload(p *Payload, max int64, opts *cab.Options) ([]byte, error) {
	c := b.containerOf[p]
	if c == nil || c.Cabinet == nil {
		return nil, errorf(-1, "payload %s is not in a container of the bundle", p.ID)
	}
	var src io.ReaderAt = io.NewSectionReader(b.r, c.Offset, c.Available)
	cb, err := cab.Open(src, c.Available, opts)
	if err != nil {
		return nil, &FormatError{In: layer, Off: c.Offset, Msg: fmt.Sprintf("container %d", c.Index), Err: err}
	}
	var data []byte
	err = cb.Walk(func(f *cab.File, r io.Reader, err error) error {
		if f.Name != p.SourcePath {
			return nil
		}
		if err != nil {
			return err
		}
		if f.Size > max {
			return errorf(c.Offset, "payload %s declares %d bytes, more than the limit of %d", p.ID, f.Size, max)
		}
		data, err = io.ReadAll(io.LimitReader(r, f.Size))
		if err != nil {
			return err
		}
		return errStop
	})
	if err != errStop {
		if err == nil {
			err = errorf(c.Offset, "payload %s is not in container %d as %q", p.ID, c.Index, p.SourcePath)
		}
		return nil, err
	}
	return data, nil
}

// MissingPayloads lists embedded payloads whose container was opened but
// does not hold their SourcePath.
func (b *Bundle) MissingPayloads() []*Payload {
	var out []*Payload
	for _, c := range b.Containers {
		if c.Cabinet == nil {
			continue
		}
		names := map[string]bool{}
		for _, f := range c.Cabinet.Files {
			names[f.Name] = true
		}
		for src, p := range b.payloads[c] {
			if !names[src] {
				out = append(out, p)
			}
		}
	}
	// Manifest order, not map order.
	order := map[*Payload]int{}
	for i, p := range b.Manifest.Payloads {
		order[p] = i
	}
	sort.Slice(out, func(i, j int) bool { return order[out[i]] < order[out[j]] })
	return out
}

// Hasher returns a hash for a payload's declared algorithm, or nil.
func Hasher(alg string) hash.Hash {
	switch alg {
	case "sha1":
		return sha1.New()
	case "sha256":
		return sha256.New()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// VerifyContainerHash hashes a complete attached container's bytes and
// compares them with the manifest's declared SHA-1. It returns nil when they
// match or nothing is declared.
func (b *Bundle) VerifyContainerHash(c *Container) error {
	if c.Hash == "" || c.Truncated() {
		return nil
	}
	h := sha1.New()
	if len(c.Hash) != 40 {
		return nil
	}
	if _, err := io.Copy(h, io.NewSectionReader(b.r, c.Offset, c.Size)); err != nil {
		return &FormatError{In: layer, Off: c.Offset, Msg: "reading attached container", Err: err}
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != c.Hash {
		return &HashMismatchError{errorf(c.Offset, "attached container %d has SHA-1 %s, the manifest declares %s", c.Index, got, c.Hash)}
	}
	return nil
}

// HashMismatchError says bytes were read whole but their hash is not the
// one the manifest declares: suspicious, but nothing was lost.
type HashMismatchError struct{ *FormatError }

func (e *HashMismatchError) Unwrap() error { return e.FormatError }

// Engine returns the bundle's engine (stub and UX container) as it was when
// it was signed, before the attached containers were appended: the bytes up
// to the end of the original signature, with the PE CheckSum and certificate
// table entry restored from the .wixburn section and the section's record of
// them cleared again. Its Authenticode signature is the publisher's signature
// over the stub and the UX container, which holds the manifest, so it can be
// checked even when a download stopped inside the attached containers. ok is
// false when the bundle records no original signature or the file is too
// short to hold it.
func (b *Bundle) Engine() (r io.ReaderAt, size int64, ok bool) {
	h := b.Header
	certDir := b.PE.DirectoryOffset(pehdr.DirSecurity)
	if h.OriginalSignatureOffset == 0 || h.OriginalSignatureSize == 0 || b.PE.ChecksumOffset < 0 || certDir < 0 {
		return nil, 0, false
	}
	size = int64(h.OriginalSignatureOffset) + int64(h.OriginalSignatureSize)
	if size > b.size || certDir+8 > size || h.SectionOffset+40 > size {
		return nil, 0, false
	}
	p := &patchedReaderAt{r: b.r, size: size}
	ck := binary.LittleEndian.AppendUint32(nil, h.OriginalChecksum)
	p.patch(b.PE.ChecksumOffset, ck)
	dir := binary.LittleEndian.AppendUint32(nil, h.OriginalSignatureOffset)
	dir = binary.LittleEndian.AppendUint32(dir, h.OriginalSignatureSize)
	p.patch(certDir, dir)
	p.patch(h.SectionOffset+28, make([]byte, 12)) // original checksum, signature offset, size
	return p, size, true
}

// patchedReaderAt reads r up to size with a few byte ranges replaced.
type patchedReaderAt struct {
	r       io.ReaderAt
	size    int64
	patches []patch
}

type patch struct {
	off  int64
	data []byte
}

func (p *patchedReaderAt) patch(off int64, data []byte) {
	p.patches = append(p.patches, patch{off, data})
}

func (p *patchedReaderAt) ReadAt(b []byte, off int64) (int, error) {
	if off >= p.size {
		return 0, io.EOF
	}
	want := len(b)
	if int64(want) > p.size-off {
		b = b[:p.size-off]
	}
	n, err := p.r.ReadAt(b, off)
	for _, pt := range p.patches {
		for i, c := range pt.data {
			if at := pt.off + int64(i) - off; at >= 0 && at < int64(n) {
				b[at] = c
			}
		}
	}
	if err == nil && n < want {
		err = io.EOF
	}
	return n, err
}
