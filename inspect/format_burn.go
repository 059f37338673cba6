package inspect

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/burn"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// A WiX Burn bundle is a PE file, so "burn" must win over any plain PE
// format: Priority 10.
func init() {
	RegisterFormat(Format{
		Name:     "burn",
		Layer:    "burn",
		Priority: 10,
		Match:    matchBurn,
		Open:     openBurn,
	})
}

// matchBurn looks for a PE file whose headers and section table lie in the
// head and name a .wixburn section.
func matchBurn(p Probe) bool {
	h, err := pehdr.Parse(p.Head)
	return err == nil && h.Section(".wixburn") != nil
}

func openBurn(src Source) (Container, error) {
	l := DefaultLimits()
	if src.Limits != nil {
		l = *src.Limits
	}
	b, err := burn.Open(src.R, src.Size, &burn.Options{
		Cab:      cabOptionsFrom(&l, src.charger("cab")),
		Manifest: burn.ManifestOptions{MaxBytes: l.TableBytes},
	})
	if err != nil {
		return nil, err
	}
	c := &burnContainer{b: b, r: src.R, size: src.Size, absent: map[string]string{}, limits: l, charge: src.charger("cab")}
	for _, u := range b.UnplacedPayloads() {
		c.absent[u.Payload.ID] = u.Reason
	}
	for _, p := range b.MissingPayloads() {
		c.absent[p.ID] = fmt.Sprintf("is not in its container as %q", p.SourcePath)
	}
	c.names = burnEntryNames(b.Manifest, c.absent)
	c.packageOf = map[string]string{}
	for _, p := range b.Manifest.Packages {
		for _, id := range p.PayloadIDs {
			if _, ok := c.packageOf[id]; !ok {
				c.packageOf[id] = p.ID
			}
		}
	}
	return c, nil
}

// burnContainer adapts a Burn bundle: its entries are the payloads of the UX
// container (under "ux/") and of the attached containers, named by the
// manifest's file paths.
type burnContainer struct {
	b    *burn.Bundle
	r    io.ReaderAt
	size int64
	// names maps payload id to entry name.
	names     map[string]string
	packageOf map[string]string // payload id -> package id
	// problems found while walking (hash mismatches), reported by Describe.
	problems []Problem
	// absent maps the IDs of embedded payloads whose bytes the bundle does
	// not hold to the reason.
	absent map[string]string
	limits Limits
	charge func(int64) error // counts sibling reads against the walk
}

// burnEntryNames gives each embedded payload a unique entry name: its file
// path ('/'-separated), or "<payload id>/<file path>" when several payloads
// share one file path (CPython's bundle carries core.msi twice, once per
// install scope). UX payloads live under "ux/".
func burnEntryNames(m *burn.Manifest, absent map[string]string) map[string]string {
	base := func(p *burn.Payload) string {
		fp := strings.ReplaceAll(p.FilePath, "\\", "/")
		fp = strings.TrimLeft(fp, "/")
		if fp == "" {
			fp = p.SourcePath
		}
		if p.UX {
			fp = "ux/" + fp
		}
		return fp
	}
	count := map[string]int{}
	for _, p := range m.Payloads {
		if _, gone := absent[p.ID]; p.Embedded() && !gone {
			count[base(p)]++
		}
	}
	names := map[string]string{}
	for _, p := range m.Payloads {
		if _, gone := absent[p.ID]; !p.Embedded() || gone {
			continue
		}
		n := base(p)
		if count[n] > 1 {
			if p.UX {
				n = "ux/" + p.ID + "/" + strings.TrimPrefix(n, "ux/")
			} else {
				n = p.ID + "/" + n
			}
		}
		names[p.ID] = n
	}
	return names
}

func (c *burnContainer) Walk(fn func(Entry, io.Reader) error) error {
	for _, ct := range c.b.Containers[1:] {
		if err := c.b.VerifyContainerHash(ct); err != nil {
			p := problemFrom("", "burn", err)
			var mismatch *burn.HashMismatchError
			if errors.As(err, &mismatch) {
				p.Severity = SeverityWarning
			}
			c.problems = append(c.problems, p)
		}
	}
	return c.b.WalkPayloads(func(pf burn.PayloadFile, r io.Reader, err error) error {
		e := Entry{Name: pf.Name, Size: pf.Size}
		if pf.Container.Index == 0 {
			e.Name = "ux/" + pf.Name
		}
		p := pf.Payload
		if p != nil {
			e.Name = c.names[p.ID]
			e.Package = c.packageOf[p.ID]
		}
		if err != nil {
			e.Err = c.wrapCabError(pf, err)
			return fn(e, nil)
		}
		// Read errors (data ending inside a truncated container) are
		// reported at their bundle offset, like errors before the first byte.
		r = &cabErrorReader{r: r, wrap: func(err error) error { return c.wrapCabError(pf, err) }}
		if p == nil || p.Hash == "" {
			return fn(e, r)
		}
		// Hash the bytes as the walker reads them and compare with the
		// manifest once it has read them all. A walker that stopped early
		// (a limit) has reported why; the bytes are not read again.
		h := burn.Hasher(p.HashAlgorithm)
		cr := &countingReader{r: io.TeeReader(r, h)}
		if err := fn(e, cr); err != nil {
			return err
		}
		if cr.eof {
			c.checkPayload(e.Name, p, h, cr.n)
		}
		return nil
	})
}

// OpenSibling opens another embedded payload in the directory of entry:
// the external cabinet of an MSI payload (WiX v3 bundles ship
// SetupProject1.msi with cab1.cab beside it). The payload is read whole,
// within the entry-bytes limit, from a cabinet reader of its own; the bytes
// it decodes count against the walk.
func (c *burnContainer) OpenSibling(entry, name string) (io.ReaderAt, int64, error) {
	dir := path.Dir(entry)
	want := name
	if dir != "." {
		want = dir + "/" + name
	}
	var target *burn.Payload
	for _, p := range c.b.Manifest.Payloads {
		if n, ok := c.names[p.ID]; ok && strings.EqualFold(n, want) {
			target = p
			break
		}
	}
	if target == nil {
		return nil, 0, fmt.Errorf("no payload %q beside %q in the bundle", name, entry)
	}
	data, err := c.b.ReadPayload(target, c.limits.EntryBytes, cabOptionsFrom(&c.limits, c.charge))
	if err != nil {
		return nil, 0, err
	}
	if c.charge != nil {
		if err := c.charge(int64(len(data))); err != nil {
			return nil, 0, err
		}
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// wrapCabError turns a cab error (offset inside the container) into a burn
// error at the bundle-file offset, naming the container and entry.
func (c *burnContainer) wrapCabError(pf burn.PayloadFile, err error) error {
	off := pf.Container.Offset
	var oe OffsetError
	if errors.As(err, &oe) && oe.Offset() >= 0 {
		off += oe.Offset()
	}
	what := "attached container"
	if pf.Container.Index == 0 {
		what = "UX container"
	}
	msg := fmt.Sprintf("%s %d at offset %d, entry %s", what, pf.Container.Index, pf.Container.Offset, pf.Name)
	if pf.Container.Truncated() {
		msg += fmt.Sprintf(" (the file ends at %d, inside the container)", c.size)
	}
	return burn.Wrap(off, msg, err)
}

func (c *burnContainer) checkPayload(name string, p *burn.Payload, h hash.Hash, n int64) {
	got := hex.EncodeToString(h.Sum(nil))
	switch {
	case n != p.FileSize:
		c.problems = append(c.problems, Problem{Path: name, Layer: "burn", Offset: -1, Severity: SeverityWarning,
			Message: fmt.Sprintf("payload %s is %d bytes, the manifest declares %d", p.ID, n, p.FileSize)})
	case got != p.Hash:
		c.problems = append(c.problems, Problem{Path: name, Layer: "burn", Offset: -1, Severity: SeverityWarning,
			Message: fmt.Sprintf("payload %s has %s %s, the manifest declares %s", p.ID, p.HashAlgorithm, got, p.Hash)})
	}
}

// cabErrorReader wraps the cab reader's errors other than io.EOF.
type cabErrorReader struct {
	r    io.Reader
	wrap func(error) error
}

func (r *cabErrorReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = r.wrap(err)
	}
	return n, err
}

// countingReader counts bytes read and notes a clean end of data.
type countingReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if err == io.EOF {
		r.eof = true
	}
	return n, err
}

func (c *burnContainer) Describe() Description {
	var d Description
	b, m := c.b, c.b.Manifest
	bundleID := b.ID()
	root := Package{
		ID:           bundleID,
		Name:         m.Name,
		Version:      m.Version,
		Format:       "burn",
		Manufacturer: m.Publisher,
		Properties:   map[string]string{"burn.bundleId": b.Header.BundleID},
	}
	if len(m.UpgradeCodes) > 0 {
		root.UpgradeCode = m.UpgradeCodes[0]
	}
	if m.ProviderKey != "" {
		root.Properties["burn.providerKey"] = m.ProviderKey
	}
	d.Actions = append(d.Actions, burnBundleActions(m, c.names)...)
	d.Packages = make([]Package, 0, 1+len(m.Packages)) // a bundle may list 200k
	d.Packages = append(d.Packages, root)
	for _, p := range m.Packages {
		pkg := Package{
			ID:          p.ID,
			Name:        p.DisplayName,
			Version:     p.Version,
			Format:      p.Kind,
			Parent:      bundleID,
			ProductCode: p.ProductCode,
			UpgradeCode: p.UpgradeCode,
			Size:        p.Size,
			Properties: map[string]string{
				"burn.vital":     yesNo(p.Vital),
				"burn.permanent": yesNo(p.Permanent),
			},
		}
		if len(p.PayloadIDs) > 0 {
			if pl := m.Payload(p.PayloadIDs[0]); pl != nil {
				if pkg.Name == "" {
					pkg.Name = pl.FilePath
				}
				pkg.Properties["burn.filePath"] = pl.FilePath
				pkg.Size = pl.FileSize
				if pl.Hash != "" {
					pkg.Hash = pl.HashAlgorithm + ":" + pl.Hash
				}
				pkg.URL = pl.DownloadURL
				if _, gone := c.absent[pl.ID]; gone {
					pkg.Missing = true
				} else if pl.Embedded() {
					pkg.Embedded = true
					pkg.Path = c.names[pl.ID]
				}
			}
		}
		if pkg.Name == "" {
			pkg.Name = p.ID
		}
		d.Packages = append(d.Packages, pkg)
		if a, ok := burnPackageAction(p, pkg); ok {
			if len(d.Actions) < max(int(c.limits.Problems), 1) {
				d.Actions = append(d.Actions, a)
			} else {
				d.ActionsDropped++ // a hostile chain: bounded where it is made
			}
		}
	}
	for _, ct := range b.Containers[1:] {
		if ct.Truncated() {
			d.Problems = append(d.Problems, Problem{Layer: "burn", Offset: c.size, Message: fmt.Sprintf(
				"attached container %d at offset %d declares %d bytes but the file ends at %d (%d bytes present)",
				ct.Index, ct.Offset, ct.Size, c.size, ct.Available)})
		}
		if ct.Err != nil {
			d.Problems = append(d.Problems, problemFrom("", "burn", ct.Err))
		}
	}
	for _, p := range m.Payloads {
		if why, gone := c.absent[p.ID]; gone {
			d.Problems = append(d.Problems, Problem{Layer: "burn", Offset: -1, Message: fmt.Sprintf(
				"embedded payload %s (%s) %s; its bytes are not read", p.ID, p.FilePath, why)})
		}
	}
	d.Problems = append(d.Problems, c.problems...)
	sig, id, probs := authenticodeDescription(c.r, c.size, "")
	if sig != nil {
		d.Signatures = append(d.Signatures, *sig)
	}
	d.Identity = id
	d.Problems = append(d.Problems, probs...)
	// The engine (stub + UX container, which holds the manifest) carries the
	// publisher's signature from before the containers were attached; it
	// survives a download cut inside the attached containers.
	if er, esize, ok := b.Engine(); ok {
		esig, _, eprobs := authenticodeDescription(er, esize, "")
		if esig != nil {
			esig.Kind = "authenticode-engine"
			d.Signatures = append(d.Signatures, *esig)
		}
		for _, p := range eprobs {
			p.Message = "engine signature: " + p.Message
			d.Problems = append(d.Problems, p)
		}
	}
	return d
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// burnPackageAction is what running a chain package means beyond
// installing an MSI: an ExePackage runs a program with its command line,
// an MsuPackage applies a Windows update; per-machine packages run
// elevated. A package the bundle downloads runs bytes no SBOM of the
// bundle holds: its URL is a network fetch.
func burnPackageAction(p *burn.Package, pkg Package) (Action, bool) {
	a := Action{Name: p.ID, Evidence: "BurnManifest " + map[string]string{"exe": "ExePackage", "msu": "MsuPackage"}[p.Kind], Offset: -1,
		Privilege: msi.PrivilegeUser}
	if p.PerMachine == "yes" {
		a.Privilege = PrivilegeAdmin
	}
	file := pkg.Properties["burn.filePath"]
	switch p.Kind {
	case "exe":
		a.Kind, a.Runs, a.Target = "exe-package", "program "+orDefault(file, p.ID), p.InstallArguments
	case "msu":
		a.Kind, a.Runs = "msu-package", "Windows update "+orDefault(p.KB, orDefault(file, p.ID))
	default:
		return Action{}, false
	}
	if !pkg.Embedded && pkg.URL != "" {
		a.Runs += " downloaded from " + pkg.URL
		a.Fetches = pkg.URL
	}
	when := "when the bundle installs"
	if p.InstallCondition != "" {
		when += " if " + p.InstallCondition
	}
	if p.DetectCondition != "" {
		when += " and not already (" + p.DetectCondition + ")"
	}
	a.When = when
	return a, true
}

// burnBundleActions are what the bundle itself runs or changes: its
// bootstrapper application (the first UX payload, a DLL the engine loads
// and runs with the installing user's rights) and the related bundles it
// upgrades or removes (Action Upgrade: they are uninstalled).
func burnBundleActions(m *burn.Manifest, names map[string]string) []Action {
	var out []Action
	for _, p := range m.Payloads {
		if !p.UX {
			continue
		}
		name := names[p.ID]
		if name == "" {
			name = p.FilePath
		}
		out = append(out, Action{Kind: "bootstrapper", Name: p.FilePath, Runs: "bootstrapper application " + name,
			When: "when the bundle runs", Privilege: msi.PrivilegeUser, Evidence: "BurnManifest UX payload " + p.ID, Offset: -1})
		break // the first UX payload is the BA; the rest are its data
	}
	priv := msi.PrivilegeUser
	if m.PerMachine {
		priv = PrivilegeAdmin
	}
	for i, rb := range m.RelatedBundles {
		// Only an upgrade changes the machine: it removes the other
		// bundle (Detect, Addon and Patch only relate them).
		if i >= 1000 || rb.Action != "Upgrade" {
			continue
		}
		out = append(out, Action{Kind: "related-bundle", Name: rb.ID, Runs: "uninstalls the related bundle " + rb.ID,
			When: "when the bundle installs", Privilege: priv, Evidence: "BurnManifest RelatedBundle Action=Upgrade", Offset: -1})
	}
	return out
}
