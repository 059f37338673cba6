// Package asar reads asar archives, the container Electron applications ship
// their JavaScript in (resources/app.asar), so that the node_modules inside an
// Electron app are seen.
//
// An asar file is two Chromium pickles and the file data:
//
//	0   uint32 4                 payload size of the first pickle
//	4   uint32 headerPickleSize  the second pickle's size, the first pickle's payload
//	8   uint32 headerPickleSize-4  the second pickle's payload size
//	12  uint32 jsonLength        the string in the second pickle
//	16  JSON header, padded to 4 bytes
//	8+headerPickleSize           file data; each file's "offset" is relative to here
//
// The JSON header is a tree: {"files": {NAME: NODE, ...}} where a NODE is a
// directory ({"files": ...}), a symlink ({"link": "target/path"}) or a file
// ({"offset": "123", "size": 4, "executable": true, "integrity": {...}}). A
// file marked "unpacked": true has no data in the archive: it lives in the
// directory NAME.asar.unpacked beside it (native modules, mostly). Integrity is
// a SHA-256 of the whole file and of each blockSize block; it is verified
// while the bytes stream by.
//
// Everything in the header is untrusted: its size, nesting depth, entry count
// and total path length are bounded, and every offset and size is checked
// against the archive before it is read. Errors name the layer "asar" and the
// byte offset in the archive.
package asar

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FormatError says what is wrong with the archive and where: Off is the
// byte offset in the archive, Where the path of the entry concerned (empty
// for the archive itself), Err is ErrIntegrity, ErrUnpacked, a *LimitError or a
// cause.
type FormatError = formaterr.Error

// layer spells asar errors as `asar: entry "name" at offset 123: message`;
// the sentinels and limits are already said by the message, causes are not.
var layer = &formaterr.Layer{Name: "asar", Decimal: true, WhereFormat: "entry %q", Quiet: []error{ErrIntegrity, ErrUnpacked, ErrLimit}}

var (
	// ErrIntegrity is wrapped by the error of a file whose bytes do not
	// match the integrity hashes its header entry declares.
	ErrIntegrity = errors.New("integrity mismatch")
	// ErrUnpacked is wrapped by the error of opening a file whose data is
	// not in the archive but in the .unpacked directory beside it.
	ErrUnpacked = errors.New("data stored outside the archive")
	// ErrLimit is matched by errors.Is for every *LimitError (of every
	// format package).
	ErrLimit = formaterr.ErrLimit
)

// LimitError says an Options limit (MaxHeaderSize, MaxDepth, MaxEntries,
// MaxNameBytes) refused the archive. It is wrapped in a FormatError.
type LimitError = formaterr.LimitError

// Options bound what Open accepts. Zero fields take the defaults.
type Options struct {
	MaxHeaderSize int64 // JSON header bytes; default 64 MiB
	// MaxDepth is the deepest directory nesting; default 256 (a deep
	// node_modules tree nests a few dozen levels).
	MaxDepth     int
	MaxEntries   int   // files, directories and links; default 1,000,000
	MaxNameBytes int64 // sum of the full paths' lengths; default 4×MaxHeaderSize
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxHeaderSize <= 0 {
		v.MaxHeaderSize = 64 << 20
	}
	if v.MaxDepth <= 0 {
		v.MaxDepth = 256
	}
	if v.MaxEntries <= 0 {
		v.MaxEntries = 1_000_000
	}
	if v.MaxNameBytes <= 0 {
		v.MaxNameBytes = 4 * v.MaxHeaderSize
	}
	return v
}

// Type is what a header node is.
type Type int

const (
	TypeFile Type = iota
	TypeDir
	TypeLink
)

func (t Type) String() string {
	switch t {
	case TypeDir:
		return "directory"
	case TypeLink:
		return "link"
	}
	return "file"
}

// Integrity is a file's "integrity" object: the SHA-256 of the whole file
// and of each BlockSize block.
type Integrity struct {
	Algorithm string // "SHA256"
	Hash      []byte
	BlockSize int64
	Blocks    [][]byte
}

// Entry is one node of the header.
type Entry struct {
	Name string // '/'-joined path from the root
	Type Type
	Size int64 // file size; 0 for directories and links
	// Offset is where the file's data starts, relative to DataOffset; -1
	// for directories, links, unpacked files and malformed entries.
	Offset     int64
	Unpacked   bool   // the data is in the .unpacked directory beside the archive
	Executable bool   // "executable": true
	Link       string // a link's target, relative to the archive root
	Integrity  *Integrity
	// HeaderOffset is where the entry's node starts in the archive (in the
	// JSON header).
	HeaderOffset int64
	// Err says why the entry's data cannot be read (a malformed node, data
	// outside the archive); nil otherwise.
	Err error
}

// Archive is an opened asar file.
type Archive struct {
	// HeaderSize is the header pickle's size, as the asar tools name it.
	HeaderSize int64
	// DataOffset is where file data starts: 8 + HeaderSize.
	DataOffset int64
	// Entries are the header's nodes in header order, each directory before
	// its contents.
	Entries []*Entry
	// Problems are header defects that do not stop the archive being read:
	// invalid or duplicate names, integrity data that cannot be checked.
	Problems []*FormatError

	r    io.ReaderAt
	size int64
}

// fixedSize is the two pickle headers and the JSON string length.
const fixedSize = 16

// filesPrefix is how every asar writer starts the JSON header.
const filesPrefix = `{"files":`

// Magic reports whether head (the first bytes of a file of the given size)
// has the pickle header shape of an asar archive and a JSON header that
// starts with {"files":.
func Magic(head []byte, size int64) bool {
	if len(head) < fixedSize+len(filesPrefix) {
		return false
	}
	hps := int64(binary.LittleEndian.Uint32(head[4:]))
	payload := int64(binary.LittleEndian.Uint32(head[8:]))
	jsonLen := int64(binary.LittleEndian.Uint32(head[12:]))
	return binary.LittleEndian.Uint32(head) == 4 && hps >= 8 && 8+hps <= size && payload == hps-4 &&
		jsonLen <= payload-4 && jsonLen >= int64(len(filesPrefix)) &&
		string(head[fixedSize:fixedSize+len(filesPrefix)]) == filesPrefix
}

func errorf(entry string, off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Where: entry, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

func limitErr(off int64, limit string, value int64, what string) *FormatError {
	return layer.Limit(off, "", limit, value, what)
}

// Open reads and checks the header of the asar archive r of size bytes.
func Open(r io.ReaderAt, size int64, opts *Options) (*Archive, error) {
	o := opts.withDefaults()
	if size < fixedSize {
		return nil, errorf("", 0, nil, "%d bytes is too short for the %d-byte pickle header", size, fixedSize)
	}
	var fixed [fixedSize]byte
	if _, err := r.ReadAt(fixed[:], 0); err != nil {
		return nil, errorf("", 0, err, "cannot read the pickle header")
	}
	u32 := func(off int) int64 { return int64(binary.LittleEndian.Uint32(fixed[off:])) }
	if u32(0) != 4 {
		return nil, errorf("", 0, nil, "size pickle declares a %d-byte payload, want 4 (not an asar archive)", u32(0))
	}
	hps := u32(4)
	if hps < 8 {
		return nil, errorf("", 4, nil, "header pickle size %d is smaller than its own 8-byte header", hps)
	}
	if 8+hps > size {
		return nil, errorf("", 4, nil, "header pickle of %d bytes runs past the end of the %d-byte archive", hps, size)
	}
	if payload := u32(8); payload != hps-4 {
		return nil, errorf("", 8, nil, "header pickle payload size %d does not match the pickle size %d (want %d)", payload, hps, hps-4)
	}
	jsonLen := u32(12)
	if jsonLen > hps-8 {
		return nil, errorf("", 12, nil, "JSON header length %d exceeds the header pickle's %d-byte string space", jsonLen, hps-8)
	}
	if jsonLen > o.MaxHeaderSize {
		return nil, limitErr(12, "MaxHeaderSize", o.MaxHeaderSize, fmt.Sprintf("JSON header of %d bytes", jsonLen))
	}
	header := make([]byte, jsonLen)
	if _, err := r.ReadAt(header, fixedSize); err != nil {
		return nil, errorf("", fixedSize, err, "cannot read the %d-byte JSON header", jsonLen)
	}
	a := &Archive{HeaderSize: hps, DataOffset: 8 + hps, r: r, size: size}
	p := &parser{a: a, o: o, base: fixedSize}
	p.dec = json.NewDecoder(bytes.NewReader(header))
	p.dec.UseNumber()
	if err := p.root(); err != nil {
		return nil, err
	}
	return a, nil
}

// Open returns a reader for a file entry's data. At the end of the data it
// returns a *FormatError wrapping ErrIntegrity, instead of io.EOF, when the
// bytes do not match the entry's integrity hashes (all the bytes have been
// returned by then). Unpacked files fail with ErrUnpacked.
func (a *Archive) Open(e *Entry) (io.Reader, error) {
	switch {
	case e.Err != nil:
		return nil, e.Err
	case e.Type != TypeFile:
		return nil, errorf(e.Name, e.HeaderOffset, nil, "a %s has no data", e.Type)
	case e.Unpacked:
		return nil, errorf(e.Name, e.HeaderOffset, ErrUnpacked,
			"%d bytes stored outside the archive, in the .unpacked directory beside it; not read", e.Size)
	}
	start := a.DataOffset + e.Offset
	return &fileReader{
		sr:    io.NewSectionReader(a.r, start, e.Size),
		e:     e,
		start: start,
		v:     newVerifier(e.Integrity),
	}, nil
}
