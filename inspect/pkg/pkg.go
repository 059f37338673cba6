// Package pkg lays out a macOS flat package the way Installer.app would: a
// xar archive that is either a product archive (a Distribution script at the
// top and one directory per component package) or a single component
// package (PackageInfo at the top). Each component's Payload (a cpio
// archive compressed with gzip, pbzx, xz or bzip2, or stored) is streamed
// and every file gets its install path, install-location + path in the
// payload. Scripts archives are decoded the same way and listed, since they
// run at install time.
package pkg

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/cpio"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/inflate"
	"github.com/installer-sbom/installer-sbom/inspect/pbzx"
	"github.com/installer-sbom/installer-sbom/inspect/xar"
)

// FormatError says what is wrong with the package and where: Off is the byte
// offset in the xar file of the member concerned (-1 when none), Where the
// member's xar path.
type FormatError = formaterr.Error

// layer spells pkg errors as "pkg: Payload: at offset 0x40: message: cause".
var layer = &formaterr.Layer{Name: "pkg", OmitNegative: true, WhereSep: ": "}

func errorf(p string, off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Where: p, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

// Options bound the work. Zero fields take the defaults of each package.
type Options struct {
	Cpio cpio.Options
	Pbzx pbzx.Options
	// MaxMetadataSize bounds Distribution and PackageInfo, read whole;
	// default 16 MiB.
	MaxMetadataSize int64
	// MaxPayloadSize bounds the decompressed bytes of one Payload or
	// Scripts stream; default 8 GiB.
	MaxPayloadSize int64
}

// Package is an opened flat package.
type Package struct {
	Xar *xar.Reader
	// Product is true for a product archive (Distribution at the top).
	Product          bool
	Distribution     *Distribution
	DistributionFile *xar.File
	Components       []*Component
	// Problems found while reading metadata; the package is still usable.
	Problems []error

	opts     Options
	compByID map[string]*Component // xar file → component, keyed by xar dir
}

// Component is one component package.
type Component struct {
	// Dir is the xar directory of the component ("" when the archive is
	// itself a component package).
	Dir         string
	Info        *PackageInfo // nil when PackageInfo is missing or unreadable
	Ref         *PkgRef      // the Distribution pkg-ref pointing here, if any
	PackageInfo *xar.File
	Bom         *xar.File
	Payload     *xar.File
	Scripts     *xar.File
	// PayloadFormat and ScriptsFormat are the compression found while
	// walking ("gzip", "pbzx", "xz", "bzip2", "none").
	PayloadFormat, ScriptsFormat string
	// PayloadFiles counts the cpio members of the Payload seen by Walk.
	PayloadFiles int64
}

// ID is the component's identifier: PackageInfo's, else the pkg-ref's, else
// its directory name.
func (c *Component) ID() string {
	switch {
	case c.Info != nil:
		return c.Info.Identifier
	case c.Ref != nil:
		return c.Ref.ID
	}
	return c.Dir
}

// InstallLocation is where the payload's root lands ("/" by default).
func (c *Component) InstallLocation() string {
	if c.Info != nil && c.Info.InstallLocation != "" {
		return c.Info.InstallLocation
	}
	return "/"
}

// InstallPath joins an install location and a path inside a payload the
// way Installer does: the payload root "." is the install location itself.
// It only joins: ".." and "." inside the name are kept as the payload
// stores them, so that a member climbing out of its location shows as such
// ("/Applications/../../etc/passwd") instead of being resolved into a
// harmless-looking path.
func InstallPath(location, inPayload string) string {
	if location == "" {
		location = "/"
	}
	name := cpio.NormalizeName(inPayload)
	if name == "." {
		return location
	}
	return strings.TrimRight(location, "/") + "/" + name
}

// IsPackage reports whether a xar archive is a flat package.
func IsPackage(x *xar.Reader) bool {
	for _, f := range x.Files {
		if !strings.Contains(f.Name, "/") && f.Type == "file" && (f.Name == "Distribution" || f.Name == "PackageInfo") {
			return true
		}
	}
	return false
}

// ErrNotPackage is returned by FromXar for a xar that is not a flat package.
var ErrNotPackage = errors.New("pkg: xar archive has neither Distribution nor PackageInfo at the top")

// FromXar interprets an open xar archive as a flat package.
func FromXar(x *xar.Reader, opts *Options) (*Package, error) {
	if !IsPackage(x) {
		return nil, ErrNotPackage
	}
	p := &Package{Xar: x, compByID: map[string]*Component{}}
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.MaxMetadataSize <= 0 {
		p.opts.MaxMetadataSize = 16 << 20
	}
	if p.opts.MaxPayloadSize <= 0 {
		p.opts.MaxPayloadSize = 8 << 30
	}
	top := map[string]*xar.File{}
	for _, f := range x.Files {
		if !strings.Contains(f.Name, "/") {
			top[f.Name] = f
		}
	}
	if d := top["Distribution"]; d != nil && d.Type == "file" {
		p.Product = true
		p.DistributionFile = d
		b, err := p.readMeta(d)
		if err == nil {
			p.Distribution, err = ParseDistribution(b)
			if err != nil {
				err = errorf(d.Name, -1, err, "parsing")
			}
		}
		if err != nil {
			p.Problems = append(p.Problems, err)
		}
		// Components are top-level directories holding a PackageInfo or a
		// Payload, in TOC order.
		for _, f := range x.Files {
			dir, base, ok := strings.Cut(f.Name, "/")
			if !ok || strings.Contains(base, "/") {
				continue
			}
			if base != "PackageInfo" && base != "Payload" {
				continue
			}
			if p.compByID[dir] == nil {
				c := &Component{Dir: dir}
				p.compByID[dir] = c
				p.Components = append(p.Components, c)
			}
		}
	} else {
		c := &Component{}
		p.compByID[""] = c
		p.Components = append(p.Components, c)
	}
	// A component's files by name, found in one pass over the TOC (the last
	// of a repeated name wins): a pass per component is quadratic.
	files := map[string]*xar.File{}
	for _, f := range x.Files {
		if f.Type != "file" {
			continue
		}
		dir, base := "", f.Name
		if i := strings.LastIndexByte(f.Name, '/'); i >= 0 {
			dir, base = f.Name[:i], f.Name[i+1:]
		}
		switch base {
		case "PackageInfo", "Bom", "Payload", "Scripts":
			if p.compByID[dir] != nil {
				files[f.Name] = f
			}
		}
	}
	for _, c := range p.Components {
		prefix := ""
		if c.Dir != "" {
			prefix = c.Dir + "/"
		}
		c.PackageInfo = files[prefix+"PackageInfo"]
		c.Bom = files[prefix+"Bom"]
		c.Payload = files[prefix+"Payload"]
		c.Scripts = files[prefix+"Scripts"]
		if c.PackageInfo != nil {
			b, err := p.readMeta(c.PackageInfo)
			if err == nil {
				c.Info, err = ParsePackageInfo(b)
				if err != nil {
					err = errorf(c.PackageInfo.Name, -1, err, "parsing")
				}
			}
			if err != nil {
				p.Problems = append(p.Problems, err)
			}
		} else {
			p.Problems = append(p.Problems, errorf(c.Dir, -1, nil, "component package has no PackageInfo"))
		}
	}
	if p.Distribution != nil {
		for _, r := range p.Distribution.PkgRefs {
			if r.Component == "" {
				continue
			}
			if c := p.compByID[r.Component]; c != nil {
				c.Ref = r
			} else {
				p.Problems = append(p.Problems, errorf("Distribution", -1, nil, "pkg-ref %q points at %q, which is not in the archive", r.ID, r.Location))
			}
		}
	}
	return p, nil
}

func (p *Package) readMeta(f *xar.File) ([]byte, error) {
	if f.Data == nil {
		return nil, errorf(f.Name, -1, nil, "has no data")
	}
	if f.Data.Size > p.opts.MaxMetadataSize {
		return nil, errorf(f.Name, p.Xar.HeapOffset()+f.Data.Offset, nil, "%d bytes exceed the metadata limit %d", f.Data.Size, p.opts.MaxMetadataSize)
	}
	r, err := p.Xar.Open(f)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Payload compression formats.
const (
	CompressionGzip  = "gzip"
	CompressionPbzx  = "pbzx"
	CompressionXZ    = "xz"
	CompressionBzip2 = "bzip2"
	CompressionNone  = "none"
)

// DecodePayload sniffs the compression of a Payload or Scripts stream and
// returns the decompressed cpio stream. The reader it returns may be an
// io.Closer; closing it after the last read lets its buffers serve the
// next payload.
func DecodePayload(r io.Reader, opts *Options) (io.Reader, string, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	g, _ := gzipPayloads.Get().(*gzipPayload)
	if g == nil {
		g = &gzipPayload{br: bufio.NewReaderSize(nil, 64<<10)}
	}
	g.br.Reset(r)
	br := g.br
	head, _ := br.Peek(6)
	switch {
	case len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b:
		// Our inflater: about twice klauspost's speed on payloads, whose
		// decompression is on the critical path of a pkg's inspection.
		if g.zr == nil {
			g.zr = new(inflate.GzipReader)
		}
		if err := g.zr.Reset(br); err != nil {
			g.release()
			return nil, CompressionGzip, err
		}
		return &pooledGzip{g: g}, CompressionGzip, nil
	case bytes.HasPrefix(head, pbzx.Magic):
		zr, err := pbzx.NewReader(br, &o.Pbzx)
		return zr, CompressionPbzx, err
	case bytes.Equal(head, pbzx.XZMagic):
		zr, err := pbzx.NewXZReader(br, o.Pbzx.MaxDict)
		return zr, CompressionXZ, err
	case bytes.HasPrefix(head, []byte("BZh")):
		return bzip2.NewReader(br), CompressionBzip2, nil
	case bytes.HasPrefix(head, []byte("0707")):
		return br, CompressionNone, nil
	}
	err := fmt.Errorf("unknown payload compression (first bytes % x)", head)
	g.release()
	return nil, "", err
}

// gzipPayloads keeps a gzip payload's input buffer and decoder (about
// 100 KiB, allocated and cleared) for the next one: a pkg of 15,000
// components spent a third of its inspection allocating and collecting
// them. Only gzip payloads give theirs back; the other decoders keep the
// buffer they were handed (pbzx reads it on goroutines of its own).
var gzipPayloads sync.Pool

type gzipPayload struct {
	br *bufio.Reader
	zr *inflate.GzipReader
}

// release drops the source and puts g back in the pool.
func (g *gzipPayload) release() {
	g.br.Reset(nil)
	gzipPayloads.Put(g)
}

// pooledGzip reads a gzip payload until it is closed.
type pooledGzip struct {
	g *gzipPayload
}

var errPayloadClosed = errors.New("payload reader used after Close")

func (p *pooledGzip) Read(b []byte) (int, error) {
	if p.g == nil {
		return 0, errPayloadClosed
	}
	return p.g.zr.Read(b)
}

// Close gives the buffers back; reading afterwards is an error.
func (p *pooledGzip) Close() error {
	if p.g != nil {
		p.g.release()
		p.g = nil
	}
	return nil
}
