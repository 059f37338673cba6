package pkg

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/cpio"
	"github.com/installer-sbom/installer-sbom/inspect/xar"
)

// Entry is one item of the package as Walk yields it.
type Entry struct {
	// Name is the path in the xar archive; for members of a Payload or
	// Scripts archive it is "<component dir>/Payload/<path in payload>".
	Name        string
	Size        int64
	Packed      int64 // archived bytes for xar members; 0 when unknown
	Dir         bool
	Package     string // component identifier
	InstallPath string // for Payload members: install-location + path
	// Layer says which reader produced the entry: "xar" or "cpio".
	Layer string
	// Err, when set, says the entry's bytes cannot be read (r is nil).
	Err error
}

// Walk yields every file of the archive in TOC order, replacing each
// component's Payload and Scripts by their decoded cpio members. Readers are
// valid until fn returns. Payload members are streamed: a checksum mismatch
// of the Payload itself is only known at its end, and is then yielded as an
// error entry named after the Payload. Symlinks and device nodes are not
// yielded (they carry no bytes).
func (p *Package) Walk(fn func(e Entry, r io.Reader) error) error {
	byFile := map[*xar.File]*Component{}
	for _, c := range p.Components {
		for _, f := range []*xar.File{c.PackageInfo, c.Bom, c.Payload, c.Scripts} {
			if f != nil {
				byFile[f] = c
			}
		}
	}
	for _, f := range p.Xar.Files {
		c := byFile[f]
		if c == nil {
			// Other files inside a component directory still belong to it.
			if dir, _, ok := strings.Cut(f.Name, "/"); ok {
				c = p.compByID[dir]
			} else if p.compByID[""] != nil {
				c = p.compByID[""]
			}
		}
		pkgID := ""
		if c != nil {
			pkgID = c.ID()
		}
		switch {
		case f.Type == "directory":
			if err := fn(Entry{Name: f.Name, Size: 0, Dir: true, Package: pkgID, Layer: "xar"}, nil); err != nil {
				return err
			}
			continue
		case f.Data == nil || (f.Type != "file" && f.Type != "hardlink"):
			continue // symlinks and the data-less names of hardlinks carry no bytes
		}
		if c != nil && (f == c.Payload || f == c.Scripts) {
			if err := p.walkArchive(c, f, f == c.Payload, fn); err != nil {
				return err
			}
			continue
		}
		r, err := p.Xar.Open(f)
		e := Entry{Name: f.Name, Size: f.Data.Size, Packed: f.Data.Length, Package: pkgID, Layer: "xar", Err: err}
		if err != nil {
			r = nil
		}
		if err := fn(e, r); err != nil {
			return err
		}
	}
	return nil
}

// walkArchive decodes a Payload or Scripts file and yields its members.
func (p *Package) walkArchive(c *Component, f *xar.File, isPayload bool, fn func(Entry, io.Reader) error) error {
	id := c.ID()
	fail := func(err error) error {
		return fn(Entry{Name: f.Name, Size: -1, Package: id, Layer: "pkg", Err: err}, nil)
	}
	xr, err := p.Xar.Open(f)
	if err != nil {
		return fail(err)
	}
	dec, format, err := DecodePayload(xr, &p.opts)
	if isPayload {
		c.PayloadFormat = format
	} else {
		c.ScriptsFormat = format
	}
	if err != nil {
		return fail(errorf(f.Name, p.Xar.HeapOffset()+f.Data.Offset, err, "decoding %s", format))
	}
	if c, ok := dec.(io.Closer); ok {
		// A pbzx payload decodes chunks ahead on goroutines; a walk that
		// stops early cancels them instead of letting them finish. A gzip
		// payload gives its buffers to the next one.
		defer c.Close()
	}
	limited := &limitReader{r: dec, n: p.opts.MaxPayloadSize}
	cr := cpio.NewReader(limited, &p.opts.Cpio)
	base := f.Name + "/"
	var count int64
	for {
		h, err := cr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if isPayload {
				c.PayloadFiles = count
			}
			return fail(p.wrapStream(f, format, err))
		}
		count++
		if h.Name == "." {
			continue
		}
		e := Entry{Name: base + h.Name, Size: h.Size, Package: id, Layer: "cpio"}
		if isPayload {
			e.InstallPath = InstallPath(c.InstallLocation(), h.Name)
		}
		switch {
		case h.IsDir():
			e.Dir, e.Size = true, 0
			if err := fn(e, nil); err != nil {
				return err
			}
		case h.IsRegular():
			if err := fn(e, &streamReader{r: cr, f: f, p: p, format: format}); err != nil {
				return err
			}
		}
	}
	if isPayload {
		c.PayloadFiles = count
	}
	// Drain the rest (cpio block padding) so the xar reader reaches the
	// end of the Payload and verifies its checksums. Honest padding is a
	// few blocks; the drained bytes reach no callback, so no walk-wide
	// limit would count them: more than maxDrain is refused unread.
	if n, err := io.Copy(io.Discard, io.LimitReader(limited, maxDrain+1)); err != nil {
		return fail(p.wrapStream(f, format, err))
	} else if n > maxDrain {
		return fail(errorf(f.Name, p.Xar.HeapOffset()+f.Data.Offset, nil,
			"%s payload continues for more than %d bytes after the cpio trailer; reading stopped at decoded offset %d",
			format, maxDrain, p.opts.MaxPayloadSize-limited.n))
	}
	if n := c.Info; isPayload && n != nil && n.NumberOfFiles >= 0 && n.NumberOfFiles != count {
		p.Problems = append(p.Problems, errorf(f.Name, -1, nil, "PackageInfo says %d files, the payload holds %d", n.NumberOfFiles, count))
	}
	return nil
}

// wrapStream keeps errors that already name their layer (cpio, pbzx, xar)
// and names the rest (gzip, bzip2, xz decoders) after the payload.
func (p *Package) wrapStream(f *xar.File, format string, err error) error {
	var oe interface{ Layer() string }
	if errors.As(err, &oe) {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return errorf(f.Name, p.Xar.HeapOffset()+f.Data.Offset, err, "decoding %s payload", format)
}

// streamReader hands a cpio member to the walk callback and names errors
// after the payload they happened in.
type streamReader struct {
	r      *cpio.Reader
	f      *xar.File
	p      *Package
	format string
}

func (s *streamReader) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	if err != nil && err != io.EOF {
		err = s.p.wrapStream(s.f, s.format, err)
	}
	return n, err
}

// maxDrain is the most decoded bytes read after a payload's cpio trailer.
const maxDrain = 1 << 20

type limitReader struct {
	r io.Reader
	n int64
}

func (l *limitReader) Read(b []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, fmt.Errorf("decompressed payload exceeds the limit")
	}
	if int64(len(b)) > l.n {
		b = b[:l.n]
	}
	n, err := l.r.Read(b)
	l.n -= int64(n)
	return n, err
}
