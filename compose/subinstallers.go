package compose

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
)

func (b *builder) addSubInstallers() error {
	// The packages are sorted by their identity key, computed once each;
	// they are not copied (a bundle may declare 200,000).
	type keyed struct {
		*inspect.Package
		key string
	}
	self := b.selfPackage()
	sorted := make([]keyed, 0, len(b.inv.Packages))
	for i := range b.inv.Packages {
		p := &b.inv.Packages[i]
		if self != nil && p.ID == self.ID && p.Path == self.Path {
			continue
		}
		sorted = append(sorted, keyed{p, strings.Join([]string{p.Path, p.ID, p.Name, p.Version, p.URL}, "\x00")})
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		pi, pj := sorted[i], sorted[j]
		if pi.key != pj.key {
			return pi.key < pj.key
		}
		return lessStrings([]string{pi.Format, pi.Manufacturer, pi.Hash}, []string{pj.Format, pj.Manufacturer, pj.Hash})
	})
	// A package listed twice with the same identity is one package.
	pkgs := sorted[:0]
	for i, p := range sorted {
		if i > 0 && p.key == sorted[i-1].key {
			continue
		}
		pkgs = append(pkgs, p)
	}
	fileByPath := map[string]*inspect.File{}
	for i := range b.inv.Files {
		f := &b.inv.Files[i]
		if g, ok := fileByPath[f.Path]; !ok || f.SHA256 < g.SHA256 {
			fileByPath[f.Path] = f
		}
	}
	items := make([]idItem, 0, len(pkgs))
	for _, p := range pkgs {
		items = append(items, idItem{prefix: "Package", name: orDefault(p.Name, path.Base(p.Path)), key: p.key})
	}
	ids, err := assignIDs(items)
	if err != nil {
		return err
	}
	b.pkgNodeOf = map[string]*pkgNode{}
	if self != nil && self.ID != "" {
		b.pkgNodeOf[self.ID] = b.root
	}
	for i, p := range pkgs {
		n := &pkgNode{
			id: ids[i], role: roleSubInstaller, name: orDefault(p.Name, path.Base(p.Path)), version: p.Version,
			purpose: "INSTALL",
		}
		if n.name == "" || n.name == "." {
			n.name = orDefault(p.ID, "package")
		}
		switch {
		case p.Manufacturer != "":
			n.supplier = knownAgent(p.Manufacturer)
		default:
			// A sub-installer built into the installer comes from the
			// installer's supplier.
			n.supplier = b.root.supplier
		}
		var facts []string
		if p.Format != "" {
			facts = append(facts, "format "+p.Format)
		}
		if p.ID != "" {
			facts = append(facts, "id "+p.ID)
		}
		if p.Path != "" {
			facts = append(facts, "path "+p.Path)
		}
		if p.ProductCode != "" {
			facts = append(facts, "ProductCode "+p.ProductCode)
		}
		if p.UpgradeCode != "" {
			facts = append(facts, "UpgradeCode "+p.UpgradeCode)
		}
		if p.InstallLocation != "" {
			facts = append(facts, "installs to "+p.InstallLocation)
		}
		if len(facts) > 0 {
			n.comment = "Sub-installer: " + strings.Join(facts, "; ") + "."
		}
		if purl := genericPURL(n.name, n.version); purl != "" {
			n.refs = append(n.refs, extRef{"PACKAGE-MANAGER", "purl", purl})
		}
		if f, ok := fileByPath[p.Path]; ok && p.Embedded && p.Path != "" {
			n.fileName = path.Base(p.Path)
			n.checksums = checksumsOf(f.SHA1, f.SHA256, f.SHA512)
		} else if alg, val, ok := declaredHash(p.Hash); ok {
			n.checksums = []checksum{{alg, val}}
		}
		if !p.Embedded {
			if p.URL != "" {
				if validDownloadLocation(p.URL) {
					n.download = known(p.URL)
				}
				if u, err := url.Parse(p.URL); err == nil && path.Base(u.Path) != "." && path.Base(u.Path) != "/" {
					n.fileName = path.Base(u.Path)
				}
			}
			note := NoteNotEmbedded + " the installer does not contain this package's bytes; it downloads it on demand"
			if p.Missing {
				note = NoteNotEmbedded + " the installer declares this package's bytes embedded, but they are not in it (see the inspection-problem errors)"
			}
			if p.URL != "" {
				note += " from " + p.URL
			}
			var decl []string
			if p.Size > 0 {
				decl = append(decl, fmt.Sprintf("size %d", p.Size))
			}
			if p.Hash != "" {
				decl = append(decl, "hash "+p.Hash)
			}
			if len(decl) > 0 {
				note += ". The installer declares " + strings.Join(decl, " and ") + "; they were not checked against bytes"
			}
			n.notes = append(n.notes, note+".")
		}
		b.pkgNodeOf[p.ID] = n
		if p.Embedded && p.Path != "" {
			if b.pkgAt == nil {
				b.pkgAt = map[string][]string{}
			}
			b.pkgAt[p.Path] = append(b.pkgAt[p.Path], n.id)
		}
		b.m.packages = append(b.m.packages, n)
	}
	for i, p := range pkgs {
		parent := rootID
		if pp, ok := b.pkgNodeOf[p.Parent]; ok && p.Parent != "" && p.Parent != p.ID {
			parent = pp.id
		} else if p.Path != "" {
			parent = b.enclosing(p.Path, ids[i])
		}
		b.m.rels = append(b.m.rels, relation{a: parent, kind: relContains, b: ids[i]})
	}
	return nil
}

// enclosing returns the innermost embedded package whose bytes contain the
// nested path p (other than self), or the root: p's ancestors are looked
// up from the deepest, and at one path the package declared first wins.
func (b *builder) enclosing(p, self string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] != '/' {
			continue
		}
		for _, id := range b.pkgAt[p[:i]] {
			if id != self {
				return id
			}
		}
	}
	return rootID
}
