package compose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// selfPackage returns the inventory package that is the artifact itself
// (a Burn bundle reports its own registration as a package whose path is
// the artifact), or nil. Its facts describe the root package.
func (b *builder) selfPackage() *inspect.Package {
	for i := range b.inv.Packages {
		p := &b.inv.Packages[i]
		if p.Embedded && p.Path != "" && !strings.Contains(p.Path, "/") {
			return p
		}
	}
	return nil
}

func (b *builder) addRoot() error {
	a := b.inv.Artifact
	o := b.opts
	self := b.selfPackage()
	if self == nil {
		self = &inspect.Package{}
	}
	root := &pkgNode{
		id: RootID, role: roleInstaller, name: orDefault(o.Name, orDefault(self.Name, a.Name)), version: o.Version,
		fileName: a.Name, purpose: "INSTALL", download: orDefault(o.DownloadLocation, "NOASSERTION"),
		licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION", copyright: "NOASSERTION",
		checksums: []checksum{{"SHA1", strings.ToLower(a.SHA1)}, {"SHA256", strings.ToLower(a.SHA256)}},
	}
	if o.DownloadLocation != "" && !validDownloadLocation(o.DownloadLocation) {
		return fmt.Errorf("compose: download location %q is not a URL, NONE or NOASSERTION", o.DownloadLocation)
	}
	sup, err := parseAgent(orDefault(o.Supplier, "NOASSERTION"), false)
	if err != nil {
		return fmt.Errorf("compose: supplier %q: %w", o.Supplier, err)
	}
	if o.Supplier == "" && self.Manufacturer != "" {
		// The installer names its manufacturer in its own metadata.
		if s, err := parseAgent(self.Manufacturer, false); err == nil {
			sup = s
		}
	}
	root.supplier = sup
	var facts []string
	if a.Format != "" {
		facts = append(facts, fmt.Sprintf("Installer format %s, %d bytes", a.Format, a.Size))
	}
	if self.ID != "" {
		facts = append(facts, "id "+self.ID)
	}
	if self.ProductCode != "" {
		facts = append(facts, "ProductCode "+self.ProductCode)
	}
	if self.UpgradeCode != "" {
		facts = append(facts, "UpgradeCode "+self.UpgradeCode)
	}
	if len(facts) > 0 {
		root.comment = strings.Join(facts, "; ") + "."
	}
	if b.isCPython() && root.version == "" {
		versions := map[string]bool{}
		for _, c := range b.inv.Components {
			if canonicalName(c.Name) == "cpython" && c.Version != "" {
				versions[c.Version] = true
			}
		}
		if vs := sortedKeys(versions); len(vs) == 1 {
			root.version = vs[0]
			root.notes = append(root.notes, NoteVersionFromBytes+" the installer's version "+vs[0]+" is the version of the cpython component found in its bytes.")
		}
	}
	if root.version == "" && self.Version != "" {
		root.version = self.Version
		root.notes = append(root.notes, NoteVersionFromBytes+" the installer's version "+self.Version+" is the version its own metadata declares.")
	}
	if b.isCPython() && o.CPE == "" && root.version != "" && !strings.ContainsAny(root.version, ": ") {
		root.refs = append(root.refs, extRef{"SECURITY", "cpe23Type", "cpe:2.3:a:python:python:" + root.version + ":*:*:*:*:*:*:*"})
	}
	if o.CPE != "" {
		root.refs = append(root.refs, extRef{"SECURITY", "cpe23Type", o.CPE})
	}
	if o.PURL != "" {
		root.refs = append(root.refs, extRef{"PACKAGE-MANAGER", "purl", o.PURL})
	}
	if id := a.Identity; id != nil && id.Algorithm != "" && id.Digest != "" {
		loc := id.Algorithm + ":" + strings.ToLower(id.Digest)
		if strings.ContainsAny(loc, " \t\n") {
			return fmt.Errorf("compose: identity %q contains spaces", loc)
		}
		root.refs = append(root.refs, extRef{"OTHER", IdentityRefType, loc})
	}
	for _, p := range b.inv.Problems {
		root.notes = append(root.notes, fmt.Sprintf(NoteInspectionProblem+" %s: %s at offset %d: %s", p.Path, p.Layer, p.Offset, p.Message))
	}
	b.root = root
	b.m.packages = append(b.m.packages, root)
	b.m.rels = append(b.m.rels, relation{a: "SPDXRef-DOCUMENT", typ: "DESCRIBES", b: RootID})
	return nil
}

// isCPython reports whether the installed product is CPython, from the
// caller's product name or, without one, the python.org installer naming.
func (b *builder) isCPython() bool {
	if b.opts.Name != "" {
		n := canonicalName(b.opts.Name)
		return n == "cpython" || strings.HasPrefix(n, "python-") || strings.HasPrefix(n, "cpython-")
	}
	return cpythonInstallerName.MatchString(strings.ToLower(b.inv.Artifact.Name))
}

var cpythonInstallerName = regexp.MustCompile(`^python-[0-9]+\.[0-9]+`)
