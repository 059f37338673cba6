// Package xar reads xar archives, the container of macOS flat packages
// (.pkg). A xar file is a fixed header, a zlib-compressed XML table of
// contents (TOC) and a heap. The TOC names every file, where its bytes lie in
// the heap, how they are encoded and their checksums; the heap also holds the
// TOC checksum and, in signed archives, signatures over that checksum.
//
// Everything is verified while it is read: the TOC checksum against the heap,
// each file's archived and extracted checksums as its bytes stream by, and
// the RSA signature over the TOC checksum. Nothing is written to disk.
package xar

import (
	"bytes"
	"compress/zlib"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Magic starts every xar file.
var Magic = []byte("xar!")

// FormatError says what is wrong with the archive and where: Off is the byte
// offset in the xar file, -1 when none applies.
type FormatError = formaterr.Error

// layer spells xar errors as "xar: at offset 0x40: message: cause", without
// the offset when none applies.
var layer = &formaterr.Layer{Name: "xar", OmitNegative: true}

func errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// ErrChecksum is matched (errors.Is) by every checksum mismatch.
var ErrChecksum = errors.New("checksum mismatch")

// Header checksum algorithm numbers.
const (
	ChecksumNone  = 0
	ChecksumSHA1  = 1
	ChecksumMD5   = 2
	ChecksumOther = 3 // named in the header after the fixed fields
)

// Header is the fixed part at the start of the file.
type Header struct {
	Size                  uint16 // header bytes; the TOC follows
	Version               uint16
	TOCLengthCompressed   uint64
	TOCLengthUncompressed uint64
	ChecksumAlgorithm     uint32
	// ChecksumName is the TOC checksum algorithm: "none", "sha1", "md5" or
	// the name stored in the header for ChecksumOther ("sha256", "sha512").
	ChecksumName string
}

const fixedHeaderSize = 28

// Options bound what the reader accepts. Zero fields take the defaults.
type Options struct {
	MaxTOCSize  int64 // uncompressed TOC bytes; default 64 MiB
	MaxFiles    int   // file elements in the TOC; default 1,000,000
	MaxFileSize int64 // extracted size of one file; default 2 GiB
	MaxDict     int64 // largest xz dictionary of an x-xz file; default 64 MiB
	// MaxPathBytes bounds the bytes of all file names (full paths)
	// together; default 64 MiB. Each file stores its full path, so files
	// nested deep under long names would otherwise cost the square of the
	// depth.
	MaxPathBytes int64
}

// MaxDepth is the deepest nesting of file elements accepted.
const MaxDepth = 1024

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxTOCSize <= 0 {
		v.MaxTOCSize = 64 << 20
	}
	if v.MaxFiles <= 0 {
		v.MaxFiles = 1_000_000
	}
	if v.MaxFileSize <= 0 {
		v.MaxFileSize = 2 << 30
	}
	if v.MaxDict <= 0 {
		v.MaxDict = 64 << 20
	}
	if v.MaxPathBytes <= 0 {
		v.MaxPathBytes = 64 << 20
	}
	return v
}

// Checksum is a digest stored in the TOC (hex) or heap.
type Checksum struct {
	Style string // algorithm as written: "sha1", "SHA1", "md5", "sha256", ...
	Value []byte
}

// String formats the checksum as "style:hex".
func (c Checksum) String() string {
	return strings.ToLower(c.Style) + ":" + hex.EncodeToString(c.Value)
}

// Data says where a file's bytes lie in the heap and how they are encoded.
type Data struct {
	Offset   int64  // in the heap
	Length   int64  // archived (stored) bytes
	Size     int64  // extracted bytes
	Encoding string // MIME style, e.g. "application/x-gzip"; "" means none
	Archived Checksum
	Extract  Checksum
}

// File is one file element of the TOC.
type File struct {
	ID   string
	Name string // '/'-joined path of the nested file elements
	Type string // "file", "directory", "symlink", "hardlink", ...
	// Link is a symlink's target, or for a hardlink the ID of the file
	// holding the data ("original" on that file itself).
	Link  string
	Mode  string
	Mtime string
	Data  *Data // nil when the element has no data
	// Index is the element's position in TOC document order (and in
	// Reader.Files).
	Index int
}

// Signature is a signature or x-signature element.
type Signature struct {
	Element      string // "signature" or "x-signature"
	Style        string // "RSA", "CMS"
	Offset, Size int64  // in the heap
	// Certificates are the DER certificates of KeyInfo, signer first.
	Certificates [][]byte
}

// Reader is an open xar archive.
type Reader struct {
	Header Header
	// TOC is the uncompressed TOC XML.
	TOC          []byte
	CreationTime string
	// SignatureCreationTime is the signature-creation-time element as
	// written: seconds since 2001-01-01 UTC (Apple's reference date).
	SignatureCreationTime string
	// TOCChecksum is where the TOC checksum lies in the heap (Value holds
	// the stored bytes once read). Style is "" for unchecked archives.
	TOCChecksum       Checksum
	TOCChecksumOffset int64
	// TOCDigest is the digest of the compressed TOC computed here.
	TOCDigest  []byte
	Signatures []*Signature
	// Files are all file elements in TOC document order (parents first).
	Files []*File

	r         io.ReaderAt
	size      int64
	heap      int64 // file offset of the heap
	opts      Options
	tocRaw    []byte // compressed TOC as stored
	tocErr    error
	identity  []byte
	identErr  error
	identDone bool
}

// HeapOffset is where the heap starts in the file.
func (x *Reader) HeapOffset() int64 { return x.heap }

// TOCChecksumError is nil when the stored TOC checksum matches the TOC (or
// the archive declares no checksum), else why not.
func (x *Reader) TOCChecksumError() error { return x.tocErr }

// NewReader reads and checks the header and TOC of the xar archive r.
func NewReader(r io.ReaderAt, size int64, opts *Options) (*Reader, error) {
	x := &Reader{r: r, size: size, opts: opts.withDefaults()}
	if err := x.readHeader(); err != nil {
		return nil, err
	}
	if err := x.readTOC(); err != nil {
		return nil, err
	}
	x.checkTOC()
	return x, nil
}

func (x *Reader) readHeader() error {
	var b [fixedHeaderSize]byte
	if size := x.size; size < fixedHeaderSize {
		return errorf(0, io.ErrUnexpectedEOF, "file of %d bytes is shorter than the xar header", size)
	}
	if _, err := x.r.ReadAt(b[:], 0); err != nil {
		return errorf(0, err, "reading header")
	}
	if !bytes.Equal(b[:4], Magic) {
		return errorf(0, nil, "bad magic %q", b[:4])
	}
	h := Header{
		Size:                  binary.BigEndian.Uint16(b[4:]),
		Version:               binary.BigEndian.Uint16(b[6:]),
		TOCLengthCompressed:   binary.BigEndian.Uint64(b[8:]),
		TOCLengthUncompressed: binary.BigEndian.Uint64(b[16:]),
		ChecksumAlgorithm:     binary.BigEndian.Uint32(b[24:]),
	}
	if h.Size < fixedHeaderSize || int64(h.Size) > x.size {
		return errorf(4, nil, "header size %d out of range %d..%d", h.Size, fixedHeaderSize, x.size)
	}
	switch h.ChecksumAlgorithm {
	case ChecksumNone:
		h.ChecksumName = "none"
	case ChecksumSHA1:
		h.ChecksumName = "sha1"
	case ChecksumMD5:
		h.ChecksumName = "md5"
	case ChecksumOther:
		tail := make([]byte, int(h.Size)-fixedHeaderSize)
		if _, err := x.r.ReadAt(tail, fixedHeaderSize); err != nil {
			return errorf(fixedHeaderSize, err, "reading checksum name")
		}
		name, _, _ := bytes.Cut(tail, []byte{0})
		if len(name) == 0 {
			return errorf(fixedHeaderSize, nil, "checksum algorithm 3 (other) without a name")
		}
		h.ChecksumName = strings.ToLower(string(name))
		if newHash(h.ChecksumName) == nil {
			return errorf(fixedHeaderSize, nil, "unsupported TOC checksum algorithm %q", name)
		}
	default:
		return errorf(24, nil, "unknown checksum algorithm %d", h.ChecksumAlgorithm)
	}
	if h.TOCLengthCompressed == 0 || h.TOCLengthCompressed > uint64(x.size-int64(h.Size)) {
		return errorf(8, nil, "compressed TOC length %d exceeds the %d bytes after the header", h.TOCLengthCompressed, x.size-int64(h.Size))
	}
	if h.TOCLengthUncompressed == 0 || h.TOCLengthUncompressed > uint64(x.opts.MaxTOCSize) {
		return errorf(16, nil, "uncompressed TOC length %d out of range 1..%d (table-bytes limit)", h.TOCLengthUncompressed, x.opts.MaxTOCSize)
	}
	x.Header = h
	x.heap = int64(h.Size) + int64(h.TOCLengthCompressed)
	return nil
}

// XML shapes of the TOC. Numbers are read as strings and parsed with bounds.
type xmlTOC struct {
	TOC struct {
		CreationTime    string `xml:"creation-time"`
		SigCreationTime string `xml:"signature-creation-time"`
		Checksum        *struct {
			Style  string `xml:"style,attr"`
			Offset string `xml:"offset"`
			Size   string `xml:"size"`
		} `xml:"checksum"`
		Signatures  []xmlSignature `xml:"signature"`
		XSignatures []xmlSignature `xml:"x-signature"`
		Files       []xmlFile      `xml:"file"`
	} `xml:"toc"`
}

type xmlSignature struct {
	Style  string   `xml:"style,attr"`
	Offset string   `xml:"offset"`
	Size   string   `xml:"size"`
	Certs  []string `xml:"KeyInfo>X509Data>X509Certificate"`
}

type xmlChecksum struct {
	Style string `xml:"style,attr"`
	Value string `xml:",chardata"`
}

type xmlFile struct {
	ID   string   `xml:"id,attr"`
	Name []string `xml:"name"`
	Type struct {
		Value string `xml:",chardata"`
		Link  string `xml:"link,attr"`
	} `xml:"type"`
	Link  string `xml:"link"`
	Mode  string `xml:"mode"`
	Mtime string `xml:"mtime"`
	Data  *struct {
		Length   string `xml:"length"`
		Offset   string `xml:"offset"`
		Size     string `xml:"size"`
		Encoding struct {
			Style string `xml:"style,attr"`
		} `xml:"encoding"`
		Archived  xmlChecksum `xml:"archived-checksum"`
		Extracted xmlChecksum `xml:"extracted-checksum"`
	} `xml:"data"`
	Files []xmlFile `xml:"file"`
}

func (x *Reader) readTOC() error {
	h := x.Header
	x.tocRaw = make([]byte, h.TOCLengthCompressed)
	if _, err := x.r.ReadAt(x.tocRaw, int64(h.Size)); err != nil {
		return errorf(int64(h.Size), err, "reading compressed TOC")
	}
	zr, err := zlib.NewReader(bytes.NewReader(x.tocRaw))
	if err != nil {
		return errorf(int64(h.Size), err, "TOC is not zlib")
	}
	toc, err := io.ReadAll(io.LimitReader(zr, int64(h.TOCLengthUncompressed)+1))
	if err != nil {
		return errorf(int64(h.Size), err, "decompressing TOC")
	}
	if uint64(len(toc)) != h.TOCLengthUncompressed {
		return errorf(16, nil, "TOC decompresses to %d bytes, header says %d", len(toc), h.TOCLengthUncompressed)
	}
	x.TOC = toc
	var doc xmlTOC
	dec := xml.NewDecoder(bytes.NewReader(toc))
	if err := dec.Decode(&doc); err != nil {
		return errorf(int64(h.Size), err, "TOC XML (offset %d in the uncompressed TOC)", dec.InputOffset())
	}
	t := doc.TOC
	x.CreationTime = strings.TrimSpace(t.CreationTime)
	x.SignatureCreationTime = strings.TrimSpace(t.SigCreationTime)
	tocOff := int64(h.Size)
	if t.Checksum != nil {
		off, err1 := parseNum(t.Checksum.Offset)
		n, err2 := parseNum(t.Checksum.Size)
		if err1 != nil || err2 != nil {
			return errorf(tocOff, nil, "TOC checksum element: bad offset %q or size %q", t.Checksum.Offset, t.Checksum.Size)
		}
		if n > 64 || off > x.size-x.heap || n > x.size-x.heap-off {
			return errorf(tocOff, nil, "TOC checksum at heap offset %d size %d lies outside the %d-byte heap", off, n, x.size-x.heap)
		}
		x.TOCChecksum.Style = strings.ToLower(strings.TrimSpace(t.Checksum.Style))
		x.TOCChecksumOffset = off
		x.TOCChecksum.Value = make([]byte, n)
		if _, err := x.r.ReadAt(x.TOCChecksum.Value, x.heap+off); err != nil {
			return errorf(x.heap+off, err, "reading TOC checksum")
		}
	}
	for _, group := range []struct {
		elem string
		sigs []xmlSignature
	}{{"signature", t.Signatures}, {"x-signature", t.XSignatures}} {
		for _, s := range group.sigs {
			off, err1 := parseNum(s.Offset)
			n, err2 := parseNum(s.Size)
			if err1 != nil || err2 != nil {
				return errorf(tocOff, nil, "%s element: bad offset %q or size %q", group.elem, s.Offset, s.Size)
			}
			sig := &Signature{Element: group.elem, Style: s.Style, Offset: off, Size: n}
			for _, c := range s.Certs {
				der, err := decodeBase64(c)
				if err != nil {
					return errorf(tocOff, err, "%s certificate", group.elem)
				}
				sig.Certificates = append(sig.Certificates, der)
			}
			x.Signatures = append(x.Signatures, sig)
		}
	}
	var pathBytes int64
	if err := x.flatten(t.Files, "", 0, &pathBytes); err != nil {
		return err
	}
	return nil
}

// flatten appends files and their children to x.Files, each name built once
// from its directory's. depth is the number of directories above files;
// pathBytes counts the bytes of all names against MaxPathBytes.
func (x *Reader) flatten(files []xmlFile, dir string, depth int, pathBytes *int64) error {
	if len(files) > 0 && depth >= MaxDepth {
		parent := x.Files[len(x.Files)-1] // depth > 0: the directory was just added
		return errorf(int64(x.Header.Size), nil, "file element id %q (file %d of the TOC): directories nest deeper than %d levels", parent.ID, parent.Index, MaxDepth)
	}
	for i := range files {
		xf := &files[i]
		if len(x.Files) >= x.opts.MaxFiles {
			return errorf(int64(x.Header.Size), nil, "TOC lists more than %d files", x.opts.MaxFiles)
		}
		name := ""
		if len(xf.Name) > 0 {
			name = xf.Name[0]
		}
		if name == "" {
			return errorf(int64(x.Header.Size), nil, "file element id %q has no name", xf.ID)
		}
		if dir != "" {
			name = dir + "/" + name
		}
		if *pathBytes += int64(len(name)); *pathBytes > x.opts.MaxPathBytes {
			return errorf(int64(x.Header.Size), nil, "file element id %q (file %d of the TOC): the file names exceed the limit of %d bytes", xf.ID, len(x.Files), x.opts.MaxPathBytes)
		}
		f := &File{
			ID:    xf.ID,
			Name:  name,
			Type:  strings.TrimSpace(xf.Type.Value),
			Mode:  strings.TrimSpace(xf.Mode),
			Mtime: strings.TrimSpace(xf.Mtime),
			Index: len(x.Files),
		}
		switch f.Type {
		case "symlink":
			f.Link = xf.Link
		case "hardlink":
			f.Link = xf.Type.Link
		}
		if d := xf.Data; d != nil {
			off, e1 := parseNum(d.Offset)
			length, e2 := parseNum(d.Length)
			size, e3 := parseNum(d.Size)
			if e1 != nil || e2 != nil || e3 != nil {
				return errorf(int64(x.Header.Size), nil, "file %q: bad data offset %q, length %q or size %q", name, d.Offset, d.Length, d.Size)
			}
			fd := &Data{Offset: off, Length: length, Size: size, Encoding: strings.TrimSpace(d.Encoding.Style)}
			var err error
			if fd.Archived, err = parseChecksum(d.Archived); err != nil {
				return errorf(int64(x.Header.Size), err, "file %q archived-checksum", name)
			}
			if fd.Extract, err = parseChecksum(d.Extracted); err != nil {
				return errorf(int64(x.Header.Size), err, "file %q extracted-checksum", name)
			}
			f.Data = fd
		}
		x.Files = append(x.Files, f)
		if err := x.flatten(xf.Files, name, depth+1, pathBytes); err != nil {
			return err
		}
	}
	return nil
}

func parseChecksum(c xmlChecksum) (Checksum, error) {
	style := strings.TrimSpace(c.Style)
	v := strings.TrimSpace(c.Value)
	if style == "" && v == "" {
		return Checksum{}, nil
	}
	b, err := hex.DecodeString(v)
	if err != nil {
		return Checksum{}, fmt.Errorf("value %q is not hex", v)
	}
	if h := newHash(style); h != nil && h.Size() != len(b) {
		return Checksum{}, fmt.Errorf("%s value has %d bytes, want %d", style, len(b), h.Size())
	}
	return Checksum{Style: style, Value: b}, nil
}

// parseNum parses a non-negative decimal number of a TOC element.
func parseNum(s string) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("bad number %q", s)
	}
	return v, nil
}

// newHash returns a hash for a checksum style name, or nil when unknown.
func newHash(style string) hash.Hash {
	switch strings.ToLower(strings.TrimSpace(style)) {
	case "md5":
		return md5.New()
	case "sha1":
		return sha1.New()
	case "sha224":
		return sha256.New224()
	case "sha256":
		return sha256.New()
	case "sha384":
		return sha512.New384()
	case "sha512":
		return sha512.New()
	}
	return nil
}

// checkTOC compares the stored TOC checksum with the digest of the
// compressed TOC bytes, which is what xar checksums (and signs).
func (x *Reader) checkTOC() {
	name := x.Header.ChecksumName
	if name == "none" {
		if x.TOCChecksum.Style != "" && x.TOCChecksum.Style != "none" {
			x.tocErr = errorf(24, nil, "header declares no TOC checksum but the TOC has a %s checksum", x.TOCChecksum.Style)
		}
		return
	}
	h := newHash(name)
	h.Write(x.tocRaw)
	x.TOCDigest = h.Sum(nil)
	switch {
	case x.TOCChecksum.Style == "":
		x.tocErr = errorf(int64(x.Header.Size), nil, "header declares a %s TOC checksum but the TOC has no checksum element", name)
	case x.TOCChecksum.Style != name:
		x.tocErr = errorf(int64(x.Header.Size), nil, "TOC checksum style %q differs from the header's %q", x.TOCChecksum.Style, name)
	case !bytes.Equal(x.TOCChecksum.Value, x.TOCDigest):
		x.tocErr = errorf(x.heap+x.TOCChecksumOffset, ErrChecksum, "TOC %s checksum: stored %x, computed %x", name, x.TOCChecksum.Value, x.TOCDigest)
	}
}

func decodeBase64(s string) ([]byte, error) {
	return base64Std.DecodeString(strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\n', '\r', '\t':
			return -1
		}
		return r
	}, s))
}
