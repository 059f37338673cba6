package inspect

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/cpio"
	"github.com/installer-sbom/installer-sbom/inspect/pbzx"
	"github.com/installer-sbom/installer-sbom/inspect/pkg"
	"github.com/installer-sbom/installer-sbom/inspect/xar"
)

// A xar archive is registered twice: as "pkg" when its TOC shows a flat
// package (Distribution or PackageInfo file) and as plain "xar" otherwise.
// The header alone cannot tell them apart, so Match inflates the part of the
// TOC that lies in head. When the TOC does not fit in head and no package
// file was seen, "pkg" is chosen; its container still walks a xar that turns
// out not to be a package as a plain xar (the artifact's format stays "pkg").
func init() {
	RegisterFormat(Format{
		Name:     "pkg",
		Layer:    "xar",
		Priority: 1,
		Match:    func(p Probe) bool { return xarLooksLikePkg(p.Head) != pkgLookNo },
		Open:     openXarContainer,
	})
	RegisterFormat(Format{
		Name:  "xar",
		Layer: "xar",
		Match: func(p Probe) bool { return bytes.HasPrefix(p.Head, xar.Magic) },
		Open:  openXarContainer,
	})
}

const (
	pkgLookNo = iota
	pkgLookYes
	pkgLookUnknown
)

func xarLooksLikePkg(head []byte) int {
	if len(head) < 28 || !bytes.HasPrefix(head, xar.Magic) {
		return pkgLookNo
	}
	hs := int(binary.BigEndian.Uint16(head[4:]))
	cl := binary.BigEndian.Uint64(head[8:])
	if hs < 28 || hs >= len(head) {
		return pkgLookUnknown
	}
	zr, err := zlib.NewReader(bytes.NewReader(head[hs:]))
	if err != nil {
		return pkgLookNo
	}
	toc, _ := io.ReadAll(io.LimitReader(zr, 1<<20))
	for _, m := range []string{"<name>Distribution</name>", "<name>PackageInfo</name>"} {
		if bytes.Contains(toc, []byte(m)) {
			return pkgLookYes
		}
	}
	if uint64(len(head)-hs) >= cl {
		return pkgLookNo // the whole TOC was seen
	}
	return pkgLookUnknown
}

func openXarContainer(src Source) (Container, error) {
	l := DefaultLimits()
	if src.Limits != nil {
		l = *src.Limits
	}
	maxFiles := int(min(l.Entries, 1<<31-1))
	x, err := xar.NewReader(src.R, src.Size, &xar.Options{
		MaxTOCSize:  l.TableBytes,
		MaxFiles:    maxFiles,
		MaxFileSize: l.EntryBytes,
	})
	if err != nil {
		return nil, err
	}
	c := &xarContainer{x: x}
	if pkg.IsPackage(x) {
		c.p, err = pkg.FromXar(x, &pkg.Options{
			Cpio: cpio.Options{MaxFileSize: l.EntryBytes, MaxEntries: l.Entries},
			// Each pbzx worker holds a decoded chunk (16 MiB in Apple's
			// payloads) and an xz dictionary: four keep memory within the
			// aim however many cores the machine has.
			Pbzx:            pbzx.Options{Workers: min(runtime.GOMAXPROCS(0), 4)},
			MaxMetadataSize: min(l.TableBytes, 16<<20),
			MaxPayloadSize:  l.TotalBytes,
		})
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

// xarContainer adapts a xar archive, read as a flat package when it is one.
type xarContainer struct {
	x *xar.Reader
	p *pkg.Package // nil for a plain xar
}

func (c *xarContainer) Walk(fn func(Entry, io.Reader) error) error {
	if c.p != nil {
		return c.p.Walk(func(e pkg.Entry, r io.Reader) error {
			return fn(Entry{Name: e.Name, Size: e.Size, Packed: e.Packed, Dir: e.Dir, Package: e.Package, InstallPath: e.InstallPath, Err: e.Err}, r)
		})
	}
	for _, f := range c.x.Files {
		switch {
		case f.Type == "directory":
			if err := fn(Entry{Name: f.Name, Dir: true}, nil); err != nil {
				return err
			}
			continue
		case f.Data == nil || (f.Type != "file" && f.Type != "hardlink"):
			continue // symlinks and the data-less names of hardlinks carry no bytes
		}
		r, err := c.x.Open(f)
		e := Entry{Name: f.Name, Size: f.Data.Size, Packed: f.Data.Length, Err: err}
		if err != nil {
			r = nil
		}
		if err := fn(e, r); err != nil {
			return err
		}
	}
	return nil
}

func (c *xarContainer) Describe() Description {
	var d Description
	if err := c.x.TOCChecksumError(); err != nil {
		d.Problems = append(d.Problems, problemFrom("", "xar", err))
	}
	if id, err := c.x.Identity(); err == nil {
		d.Identity = &Identity{Algorithm: xar.IdentityAlgorithm, Digest: hex.EncodeToString(id)}
	} else {
		d.Problems = append(d.Problems, problemFrom("", "xar", err))
	}
	for _, s := range c.x.Signatures {
		d.Signatures = append(d.Signatures, xarSignature(c.x, s))
	}
	if c.p == nil {
		return d
	}
	p := c.p
	productID := ""
	if p.Product {
		prod := Package{Format: "pkg-product", Properties: map[string]string{}}
		if dist := p.Distribution; dist != nil {
			if a, ok := distributionAction(dist); ok {
				d.Actions = append(d.Actions, a)
			}
			prod.Name = dist.Title
			if dist.Product != nil {
				prod.ID, prod.Version = dist.Product.ID, dist.Product.Version
			}
			if len(p.Components) == 1 && prod.Version == "" && p.Components[0].Info != nil {
				prod.Version = p.Components[0].Info.Version
			}
		}
		if prod.ID == "" {
			prod.ID = "pkg-product:" + prod.Name
		}

		if prod.Name == "" {
			prod.Name = prod.ID
		}
		for _, comp := range p.Components {
			if comp.ID() == prod.ID {
				// Product and component often share an identifier
				// (com.example.App); package IDs must be unique.
				prod.ID = "pkg-product:" + prod.ID
				break
			}
		}
		if len(prod.Properties) == 0 {
			prod.Properties = nil
		}
		productID = prod.ID
		d.Packages = append(d.Packages, prod)
	}
	for _, comp := range p.Components {
		pk := Package{
			ID:              comp.ID(),
			Name:            strings.TrimSuffix(comp.Dir, ".pkg"),
			Format:          "pkg-component",
			Path:            comp.Dir,
			Embedded:        comp.Dir != "",
			Parent:          productID,
			InstallLocation: comp.InstallLocation(),
			Properties:      map[string]string{},
		}
		if pk.Name == "" {
			pk.Name = pk.ID
		}
		if comp.Info != nil {
			pk.Version = comp.Info.Version
			if comp.Info.InstallKBytes >= 0 {
				pk.Size = comp.Info.InstallKBytes * 1024
			}
			if comp.Info.Auth != "" {
				pk.Properties["auth"] = comp.Info.Auth
			}
			if comp.Info.NumberOfFiles >= 0 {
				pk.Properties["numberOfFiles"] = strconv.FormatInt(comp.Info.NumberOfFiles, 10)
			}
		}
		if r := comp.Ref; r != nil {
			if pk.Version == "" {
				pk.Version = r.Version
			}
			if pk.Size == 0 && r.InstallKBytes >= 0 {
				pk.Size = r.InstallKBytes * 1024
			}
			pk.Properties["pkgRef"] = r.ID
		}
		if comp.PayloadFormat != "" {
			pk.Properties["payloadCompression"] = comp.PayloadFormat
		}
		if comp.Scripts != nil {
			pk.Properties["scripts"] = "true"
		}
		d.Actions = append(d.Actions, pkgScriptActions(comp)...)
		if len(pk.Properties) == 0 {
			pk.Properties = nil
		}
		if comp.Dir == "" {
			// A bare component package describes the container itself.
			pk.Path, pk.Embedded = "", false
		}
		d.Packages = append(d.Packages, pk)
	}
	for _, err := range p.Problems {
		path := ""
		if fe, ok := err.(*pkg.FormatError); ok && fe.Layer() == "pkg" {
			path = fe.Where
		}
		pr := problemFrom(path, "pkg", err)
		d.Problems = append(d.Problems, pr)
	}
	return d
}

func xarSignature(x *xar.Reader, s *xar.Signature) Signature {
	sig := Signature{Kind: "xar", DigestAlgorithm: x.Header.ChecksumName}
	if secs, err := strconv.ParseFloat(x.SignatureCreationTime, 64); err == nil && secs > 0 && secs < 1e10 {
		// Seconds since Apple's reference date, 2001-01-01 UTC.
		sig.Time = time.Unix(978307200+int64(secs), 0).UTC().Format(time.RFC3339)
	}
	certs, certErr := s.ParseCertificates()
	for _, c := range certs {
		sig.Chain = append(sig.Chain, c.Subject.String())
	}
	if len(certs) > 0 {
		sig.Signer = certs[0].Subject.String()
		sig.Issuer = certs[0].Issuer.String()
		sig.Serial = strings.ToUpper(certs[0].SerialNumber.Text(16))
	}
	err := x.VerifySignature(s)
	sig.DigestMatches = err == nil
	var msgs []string
	msgs = append(msgs, s.Element+" style "+s.Style)
	if err != nil {
		msgs = append(msgs, err.Error())
	}
	if certErr != nil {
		msgs = append(msgs, certErr.Error())
	}
	sig.Message = strings.Join(msgs, "; ")
	return sig
}

// pkgScriptActions are the install scripts a component's PackageInfo
// names: Installer runs them as root, before or after the payload.
func pkgScriptActions(comp *pkg.Component) []Action {
	if comp.Info == nil || len(comp.Info.Scripts)+len(comp.Info.Relocate) == 0 {
		return nil
	}
	names := make([]string, 0, len(comp.Info.Scripts))
	for n := range comp.Info.Scripts {
		names = append(names, n)
	}
	sort.Strings(names)
	scripts := "Scripts"
	if comp.Dir != "" {
		scripts = comp.Dir + "/Scripts"
	}
	var out []Action
	for _, n := range names {
		when := "when the package installs"
		switch n {
		case "preinstall", "preflight", "preupgrade":
			when = "before the payload is installed"
		case "postinstall", "postflight", "postupgrade":
			when = "after the payload is installed"
		}
		file := strings.TrimPrefix(comp.Info.Scripts[n], "./")
		out = append(out, Action{Kind: "script", Name: n, Runs: "script " + scripts + "/" + file, When: when,
			Privilege: "system", Path: comp.Dir, Evidence: "PackageInfo <scripts> of " + orDefault(comp.Dir, "the package"), Offset: -1})
	}
	for _, id := range comp.Info.Relocate {
		out = append(out, Action{Kind: "relocate", Name: id, Runs: "installs bundle " + id + " over an existing copy wherever it is found",
			When: "when the payload is installed", Privilege: "system", Path: comp.Dir,
			Evidence: "PackageInfo <relocate> of " + orDefault(comp.Dir, "the package"), Offset: -1})
	}
	return out
}

// distributionAction is the JavaScript a product archive's Distribution
// makes Installer run (its checks, and the functions they call); with
// allow-external-scripts it may run programs (system.run) as the user.
func distributionAction(dist *pkg.Distribution) (Action, bool) {
	if dist.JavaScript == "" && dist.InstallationCheck == "" && dist.VolumeCheck == "" {
		return Action{}, false
	}
	var when []string
	if dist.InstallationCheck != "" {
		when = append(when, "installation-check "+dist.InstallationCheck)
	}
	if dist.VolumeCheck != "" {
		when = append(when, "volume-check "+dist.VolumeCheck)
	}
	if len(when) == 0 {
		when = append(when, "when Installer evaluates the Distribution")
	}
	runs := fmt.Sprintf("Distribution JavaScript (%d bytes)", len(dist.JavaScript))
	if dist.AllowExternalScripts {
		runs += ", allowed to run programs (allow-external-scripts)"
	}
	a := Action{Kind: "script", Name: "Distribution", Runs: runs, When: strings.Join(when, "; "), Privilege: "installing user",
		Evidence: "Distribution <script>", Offset: -1}
	if i := strings.Index(dist.JavaScript, "system.run"); i >= 0 {
		end := strings.IndexAny(dist.JavaScript[i:], ";\n")
		if end < 0 {
			end = len(dist.JavaScript) - i
		}
		a.Target = clipText(dist.JavaScript[i:i+end], 240)
	}
	a.Fetches, _ = scriptFetch([]byte(dist.JavaScript))
	return a, true
}
