package compose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
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
	name, version, notes := b.rootNameVersion(self)
	root := &pkgNode{
		id: rootID, role: roleInstaller, name: name, version: version, notes: notes,
		fileName: a.Name, purpose: "INSTALL", download: known(o.DownloadLocation),
		checksums: checksumsOf(a.SHA1, a.SHA256, a.SHA512),
	}
	if o.DownloadLocation != "" && !validDownloadLocation(o.DownloadLocation) {
		return fmt.Errorf("compose: download location %q is not a URL, NONE or NOASSERTION", o.DownloadLocation)
	}
	sup := ""
	if o.Supplier != "" {
		s, err := parseAgent(o.Supplier, false)
		if err != nil {
			return fmt.Errorf("compose: supplier %q: %w", o.Supplier, err)
		}
		sup = s
	} else if s, note := b.inferredSupplier(self); s != "" {
		sup = s
		root.notes = append(root.notes, NoteSupplierFrom+" "+note)
	}
	root.supplier = known(sup)
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
	if b.isCPython() && o.CPE == "" && root.version != "" && !strings.ContainsAny(root.version, ": ") {
		root.refs = append(root.refs, extRef{"SECURITY", "cpe23Type", "cpe:2.3:a:python:python:" + root.version + ":*:*:*:*:*:*:*"})
	}
	if o.CPE != "" {
		root.refs = append(root.refs, extRef{"SECURITY", "cpe23Type", o.CPE})
	}
	if o.PURL != "" {
		root.refs = append(root.refs, extRef{"PACKAGE-MANAGER", "purl", o.PURL})
	} else if purl := genericPURL(root.name, root.version); purl != "" {
		// Scanners and the BSI/CISA field lists want a software
		// identifier: an installer has no registry, so a generic one.
		root.refs = append(root.refs, extRef{"PACKAGE-MANAGER", "purl", purl})
	}
	if loc, err := identityLocator(a); err != nil {
		return err
	} else if loc != "" {
		root.refs = append(root.refs, extRef{"OTHER", IdentityRefType, loc})
	}
	errs := 0
	for _, p := range b.inv.Problems {
		sev := inspect.SeverityWarning
		if p.IsError() {
			sev = inspect.SeverityError
			errs++
		}
		root.notes = append(root.notes, fmt.Sprintf(NoteInspectionProblem+" %s: %s: %s at offset %d: %s", sev, p.Path, p.Layer, p.Offset, p.Message))
	}
	if errs > 0 {
		b.m.incomplete = true
		root.notes = append(root.notes, fmt.Sprintf(NoteIncomplete+" %d part(s) of the installer could not be read (see inspection-problem errors); this document lists less than the installer holds.", errs))
	}
	b.root = root
	b.m.packages = append(b.m.packages, root)
	return nil
}

// inferredSupplier is the installer's supplier when the caller gives none,
// from what the installer says of itself, most direct first: the
// manufacturer its own metadata names (MSI Manufacturer, Burn publisher),
// the organisation of its code signature's signer, the owner of its pkg
// component identifiers. note says where it came from; "" when none.
func (b *builder) inferredSupplier(self *inspect.Package) (agent, note string) {
	if self.Manufacturer != "" {
		if s, err := parseAgent(self.Manufacturer, false); err == nil {
			return s, fmt.Sprintf("the supplier %q is the manufacturer the installer's own %s metadata names.", self.Manufacturer, orDefault(self.Format, b.inv.Artifact.Format))
		}
	}
	for _, sig := range b.inv.Signatures {
		if sig.File != b.inv.Artifact.Name || !sig.DigestMatches {
			continue
		}
		if org := dnAttribute(sig.Signer, "O"); org != "" {
			if s, err := parseAgent("Organization: "+org, false); err == nil {
				return s, fmt.Sprintf("the supplier %q is the organisation of the installer's %s signer (%s); the certificate chain was not checked against a trust store.", org, sig.Kind, sig.Signer)
			}
		}
	}
	if f := b.inv.Artifact.Format; f == "pkg" || f == "xar" {
		owners := map[string]bool{}
		for _, p := range b.inv.Packages {
			if o := identifierOwner(p.ID); o != "" {
				owners[o] = true
			}
		}
		if list := sortedKeys(owners); len(list) == 1 {
			if s, err := parseAgent("Organization: "+list[0], false); err == nil {
				return s, fmt.Sprintf("the supplier %q owns the reverse-DNS identifiers of every component package of the installer.", list[0])
			}
		}
	}
	return "", ""
}

// dnAttribute returns the first value of attribute key in an RFC 2253
// distinguished name as crypto/x509 prints it ("CN=x,O=Python Software
// Foundation,C=US", with ',' inside values escaped as "\,").
func dnAttribute(dn, key string) string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(dn); i++ {
		switch c := dn[i]; {
		case c == '\\' && i+1 < len(dn):
			cur.WriteByte(dn[i+1])
			i++
		case c == ',' || c == '+':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if k, v, ok := strings.Cut(p, "="); ok && strings.EqualFold(strings.TrimSpace(k), key) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// identifierOwner is the domain that owns a reverse-DNS identifier
// ("org.python.Python.PythonFramework-3.11" → "python.org"); for code
// hosts (com.github.macadmins.Nudge) the account under the host
// ("macadmins (github.com)"). "" when the identifier is not reverse DNS.
func identifierOwner(id string) string {
	labels := strings.Split(id, ".")
	if len(labels) < 3 {
		return ""
	}
	tld, name := strings.ToLower(labels[0]), strings.ToLower(labels[1])
	if len(tld) < 2 || len(tld) > 6 || name == "" || strings.ContainsAny(tld+name, " {}") {
		return ""
	}
	domain := name + "." + tld
	switch domain {
	case "github.com", "gitlab.com", "github.io", "sourceforge.net", "bitbucket.org":
		return labels[2] + " (" + domain + ")"
	}
	return domain
}

// rootNameVersion is the installer's name and version: the caller's, else
// what the installer's own metadata (self) says, with CPython's version
// taken from its bytes; notes say where a version came from.
func (b *builder) rootNameVersion(self *inspect.Package) (name, version string, notes []string) {
	o := b.opts
	name, version = orDefault(o.Name, orDefault(self.Name, b.inv.Artifact.Name)), o.Version
	if b.isCPython() && version == "" {
		versions := map[string]bool{}
		for _, c := range b.inv.Components {
			if canonicalName(c.Name) == "cpython" && c.Version != "" {
				versions[c.Version] = true
			}
		}
		if vs := sortedKeys(versions); len(vs) == 1 {
			version = vs[0]
			notes = append(notes, NoteVersionFromBytes+" the installer's version "+vs[0]+" is the version of the cpython component found in its bytes.")
		}
	}
	if version == "" && self.Version != "" {
		version = self.Version
		notes = append(notes, NoteVersionFromBytes+" the installer's version "+self.Version+" is the version its own metadata declares.")
	}
	return name, version, notes
}

// identityLocator is the installer's signature-invariant identity as
// "<algorithm>:<hex digest>", or "" when the inventory has none.
func identityLocator(a inspect.Artifact) (string, error) {
	id := a.Identity
	if id == nil || id.Algorithm == "" || id.Digest == "" {
		return "", nil
	}
	loc := id.Algorithm + ":" + strings.ToLower(id.Digest)
	if strings.ContainsAny(loc, " \t\n") {
		return "", fmt.Errorf("compose: identity %q contains spaces", loc)
	}
	return loc, nil
}

// isCPython reports whether the installed product is CPython, from the
// caller's product name or, without one, the python.org installer naming.
func (b *builder) isCPython() bool {
	if b.opts.Name != "" {
		n := canonicalName(b.opts.Name)
		return n == "cpython" || strings.HasPrefix(n, "python-") || strings.HasPrefix(n, "cpython-")
	}
	if cpythonInstallerName.MatchString(strings.ToLower(b.inv.Artifact.Name)) {
		return true
	}
	// An MSI or bundle names its product itself: python.org's say
	// "Python 3.11.0 (64-bit)", whatever the file was renamed to.
	self := b.selfPackage()
	return self != nil && cpythonProductName.MatchString(self.Name)
}

var (
	cpythonInstallerName = regexp.MustCompile(`^c?python-[0-9]+\.[0-9]+`)
	cpythonProductName   = regexp.MustCompile(`^Python [0-9]+\.[0-9]+(\.[0-9]+)? `)
)

// genericPURL is pkg:generic/<name>@<version>, escaped as the PURL
// specification says, or "" without a name.
func genericPURL(name, version string) string {
	if name == "" {
		return ""
	}
	p := "pkg:generic/" + purlEscape(name)
	if version != "" && version != "NOASSERTION" {
		p += "@" + purlEscape(version)
	}
	return p
}

// purlEscape percent-encodes what a PURL name or version may not hold.
func purlEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".-_~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// productLicenses gives the installer the licence of the product it
// installs: the caller's --license; else, for a CPython installer, the
// licence concluded for the cpython component found in its bytes. Each
// sub-installer built into the installer (no licence of its own) carries
// the installer's. NOASSERTION stays where neither is known.
func (b *builder) productLicenses() error {
	root := b.root
	switch {
	case b.opts.License != "":
		expr, err := fingerprint.NormalizeLicenseExpression(b.opts.License)
		if err != nil {
			return fmt.Errorf("compose: licence %q: %w", b.opts.License, err)
		}
		root.licenseDeclared, root.licenseConcluded = expr, expr
	case b.isCPython():
		for _, p := range b.m.packages {
			if p.role == roleLibrary && canonicalName(p.name) == "cpython" && p.licenseConcluded != "" && p.licenseConcluded != "NONE" {
				root.licenseConcluded = p.licenseConcluded
				root.notes = append(root.notes, fmt.Sprintf("%s the installer installs CPython; its licence is the one concluded for the cpython component (%s).", NoteLicenseFromProduct, p.licenseConcluded))
				break
			}
		}
	}
	if root.licenseConcluded == "" {
		return nil
	}
	for _, p := range b.m.packages {
		if p.role == roleSubInstaller && p.licenseConcluded == "" && p.download == "" {
			p.licenseConcluded = root.licenseConcluded
			p.notes = append(p.notes, fmt.Sprintf("%s a part of the installer's product, under its licence (%s).", NoteLicenseFromProduct, root.licenseConcluded))
		}
	}
	return nil
}
