// Package compose turns an inspect.Inventory, and optionally the project's
// own source SBOMs, into one SPDX 2.3 document per installer (and the same
// content as CycloneDX 1.6), and validates SPDX documents against the SPDX
// 2.3 JSON schema and the NTIA minimum elements.
//
// Every package and file in the document comes from the installer's bytes;
// the source SBOMs only add facts the bytes cannot show (license, download
// location, a version the binary does not carry). What the document says and
// why is recorded in annotations whose comments start with a fixed keyword
// so that people and tools (verify, diff) can read them back:
//
//	evidence:                where in which file a component was found
//	source-sbom:             which source-SBOM entry a component was merged with
//	version-from-source-sbom: the bytes show no version; it was taken from the source SBOM
//	version-conflict:        the bytes and the source SBOM disagree; the bytes' version is kept
//	version-ambiguous:       the bytes show no version and the source SBOMs disagree
//	not-embedded:            a sub-installer the bundle downloads on demand
//	unverified:              a source-SBOM package not found in the installer (--include-unverified)
//	inspection-problem:      part of the installer that could not be read
//	version-from-bytes:      the installer's version from its own metadata or its CPython
//	versionless-sighting:    files that carry a component without a version, merged into its only version
//	version-unknown:         a versionless sighting of a component the bytes show at several versions
//
// Layout, for readers such as verify and diff: the installer is the package
// RootID, DESCRIBED by the document; each sub-installer is a package with
// purpose INSTALL that the installer (or its enclosing sub-installer)
// CONTAINS; every file of the inventory is in the document's file list,
// named "./" + its nested inventory path, with SHA-1 and SHA-256, and is
// CONTAINed by exactly one package; every fingerprinted component is a
// LIBRARY package. Identifiers are "SPDXRef-<kind>-<name>-<12 hex digits of
// a SHA-256 over the element's identity>", so they stay the same when
// unrelated elements change.
//
// The installer's signature-invariant identity (inspect.Artifact.Identity)
// is recorded as an external reference of the root package with category
// OTHER, type "installer-sbom-identity" and locator "<algorithm>:<hex digest>",
// e.g. "authenticode-sha256:9f86d0…". See IdentityRefType.
package compose

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// DefaultNamespaceBase is used when Options.NamespaceBase is empty.
const DefaultNamespaceBase = "https://spdx.org/spdxdocs/installer-sbom"

// IdentityRefType is the referenceType of the root package's external
// reference (category OTHER) that carries the installer's signature-invariant
// identity as "<algorithm>:<hex digest>".
const IdentityRefType = "installer-sbom-identity"

// RootID is the SPDX identifier of the package that stands for the installer.
const RootID = "SPDXRef-Installer"

// errInvalidOutput means Compose produced a document that fails the SPDX
// 2.3 schema: a bug in compose, never the input's fault.
var errInvalidOutput = errors.New("compose: the composed document is not valid SPDX 2.3")

// Options are what the caller knows about the installer beyond its bytes.
type Options struct {
	// Name and Version of the product the installer installs. Name
	// defaults to the name the installer gives itself, else its file name;
	// Version to the version the installer declares. When the product is
	// CPython (Name "Python", "CPython", "Python <anything>", or no Name and
	// an installer file named python-X.Y...), Version defaults to the
	// version of the cpython component found in the bytes and the root
	// gets CPython's CPE, cpe:2.3:a:python:python:<version>.
	Name, Version string
	// Supplier is "Organization: X", "Person: Y" or a bare organisation
	// name. Empty means NOASSERTION.
	Supplier         string
	DownloadLocation string
	// NamespaceBase defaults to DefaultNamespaceBase.
	NamespaceBase string
	// Creators are extra creators ("Organization: PSF", "Person: ...").
	Creators []string
	// ToolVersion makes the creator "Tool: installer-sbom-<ToolVersion>".
	ToolVersion string
	// Created is the document's creation time (SOURCE_DATE_EPOCH or now);
	// it is written in UTC at second precision. It must be set.
	Created time.Time
	// CPE and PURL of the installed product, when the caller knows them.
	CPE, PURL   string
	SourceSBOMs []SourceSBOM
	// IncludeUnverified keeps source-SBOM packages that are not found in
	// the installer, annotated as unverified.
	IncludeUnverified bool
	// Strict is the caller's --strict: it does not change the document.
	// Compose never fails on a conflict; under Strict the caller fails
	// (exit 1) when Result.Conflicts is not empty, after writing the
	// document and listing the conflicts.
	Strict bool
}

// Result is a composed document and what the caller should tell the user.
type Result struct {
	Document *v2_3.Document
	// Unverified lists source-SBOM packages not found in the installer.
	Unverified []string
	// Conflicts lists versions on which the bytes and the source SBOMs
	// disagree, or on which the source SBOMs disagree among themselves
	// when the bytes show no version.
	Conflicts []string

	m *model
}

// Package roles in the model.
const (
	roleInstaller    = "installer"
	roleSubInstaller = "sub-installer"
	roleLibrary      = "library"
	roleUnverified   = "unverified"
)

// model is the format-neutral document both writers render.
type model struct {
	name, namespace, created string
	creators                 []string // "Tool: ...", "Organization: ..."
	tool                     string   // installer-sbom-<version>
	packages                 []*pkgNode
	files                    []*fileNode
	rels                     []relation
}

type checksum struct{ alg, value string }

type extRef struct{ category, typ, locator string }

type pkgNode struct {
	id                                      string // full SPDXRef-...
	role                                    string
	name, version, fileName                 string
	supplier, originator                    string // agent syntax or NOASSERTION
	download, homepage, purpose             string
	licenseConcluded, licenseDeclared       string
	copyright, sourceInfo, comment, linkage string
	checksums                               []checksum
	refs                                    []extRef
	filesAnalyzed                           bool
	verificationCode                        string
	notes                                   []string // annotation comments
	evidence                                []inspect.Evidence
}

func (p *pkgNode) purl() string { return p.refOf("purl") }
func (p *pkgNode) cpe() string  { return p.refOf("cpe23Type") }
func (p *pkgNode) refOf(typ string) string {
	for _, r := range p.refs {
		if r.typ == typ {
			return r.locator
		}
	}
	return ""
}

type fileNode struct {
	id, path, sha1, sha256, kind, comment string
	types                                 []string
}

type relation struct{ a, typ, b, comment string }

// Compose builds the SPDX document for one inventory. Packages, files and
// relationships are sorted and identifiers are derived from content, so the
// same inventory and options give the same bytes. The document is checked
// against the SPDX 2.3 JSON schema before it is returned.
func Compose(inv *inspect.Inventory, opts Options) (*Result, error) {
	if inv == nil {
		return nil, errors.New("compose: nil inventory")
	}
	if opts.Created.IsZero() {
		return nil, errors.New("compose: Options.Created is not set (pass SOURCE_DATE_EPOCH or the current time)")
	}
	if y := opts.Created.UTC().Year(); y < 1970 || y > 9999 {
		return nil, fmt.Errorf("compose: creation time %v is outside the years 1970-9999", opts.Created)
	}
	a := inv.Artifact
	if a.Name == "" || !isHex(a.SHA256, 64) || !isHex(a.SHA1, 40) {
		return nil, fmt.Errorf("compose: artifact %q lacks a name, SHA-256 or SHA-1", a.Name)
	}
	b := &builder{inv: inv, opts: opts, res: &Result{}}
	if err := b.build(); err != nil {
		return nil, err
	}
	b.res.m = b.m
	doc, err := b.m.spdx()
	if err != nil {
		return nil, err
	}
	b.res.Document = doc
	var buf strings.Builder
	if err := WriteSPDXJSON(&buf, doc); err != nil {
		return nil, fmt.Errorf("compose: writing the document: %w", err)
	}
	for _, p := range Validate([]byte(buf.String())) {
		if p.Rule == RuleSchema {
			return nil, fmt.Errorf("%w: %s", errInvalidOutput, p)
		}
	}
	return b.res, nil
}

type builder struct {
	inv  *inspect.Inventory
	opts Options
	res  *Result
	m    *model
	root *pkgNode

	fileID     map[string]string // path -> SPDXID
	binaryFile map[string]bool   // paths of PE, Mach-O and ELF files
	// fileContainer is the SPDXID of the package that CONTAINS each file.
	fileContainer map[string]string
	pkgNodeOf     map[string]*pkgNode
	pkgPaths      []pkgPath // embedded packages by path, for containment
	unused        [][]*sourceEntry
}

type pkgPath struct {
	path string
	id   string // SPDXID
}

func (b *builder) build() error {
	tool := "installer-sbom-" + orDefault(b.opts.ToolVersion, "devel")
	if !validAgentName(tool) {
		return fmt.Errorf("compose: tool version %q is not usable in a creator", b.opts.ToolVersion)
	}
	b.m = &model{tool: tool, created: b.opts.Created.UTC().Truncate(time.Second).Format(time.RFC3339)}
	b.m.creators = []string{"Tool: " + tool}
	for _, c := range b.opts.Creators {
		ag, err := parseAgent(c, true)
		if err != nil {
			return fmt.Errorf("compose: creator %q: %w", c, err)
		}
		b.m.creators = append(b.m.creators, ag)
	}
	a := b.inv.Artifact
	base := strings.TrimRight(orDefault(b.opts.NamespaceBase, DefaultNamespaceBase), "/")
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("compose: namespace base %q is not an absolute URL", base)
	}
	b.m.name = a.Name
	b.m.namespace = base + "/" + url.PathEscape(a.Name) + "-" + strings.ToLower(a.SHA256)

	if err := b.addRoot(); err != nil {
		return err
	}
	if err := b.addSubInstallers(); err != nil {
		return err
	}
	if err := b.addFiles(); err != nil {
		return err
	}
	b.addComponents()
	b.addUnverified()
	b.finish()
	return nil
}

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
			root.notes = append(root.notes, "version-from-bytes: the installer's version "+vs[0]+" is the version of the cpython component found in its bytes.")
		}
	}
	if root.version == "" && self.Version != "" {
		root.version = self.Version
		root.notes = append(root.notes, "version-from-bytes: the installer's version "+self.Version+" is the version its own metadata declares.")
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
		root.notes = append(root.notes, fmt.Sprintf("inspection-problem: %s: %s at offset %d: %s", p.Path, p.Layer, p.Offset, p.Message))
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

func (b *builder) addSubInstallers() error {
	var pkgs []inspect.Package
	self := b.selfPackage()
	for _, p := range b.inv.Packages {
		if self != nil && p.ID == self.ID && p.Path == self.Path {
			continue
		}
		pkgs = append(pkgs, p)
	}
	pkgKey := func(p inspect.Package) string {
		return strings.Join([]string{p.Path, p.ID, p.Name, p.Version, p.URL}, "\x00")
	}
	sort.SliceStable(pkgs, func(i, j int) bool {
		ki, kj := pkgKey(pkgs[i]), pkgKey(pkgs[j])
		if ki != kj {
			return ki < kj
		}
		return lessStrings([]string{pkgs[i].Format, pkgs[i].Manufacturer, pkgs[i].Hash}, []string{pkgs[j].Format, pkgs[j].Manufacturer, pkgs[j].Hash})
	})
	// A package listed twice with the same identity is one package.
	uniq := pkgs[:0]
	for i, p := range pkgs {
		if i > 0 && pkgKey(p) == pkgKey(pkgs[i-1]) {
			continue
		}
		uniq = append(uniq, p)
	}
	pkgs = uniq
	fileByPath := map[string]*inspect.File{}
	for i := range b.inv.Files {
		f := &b.inv.Files[i]
		if g, ok := fileByPath[f.Path]; !ok || f.SHA256 < g.SHA256 {
			fileByPath[f.Path] = f
		}
	}
	var items []idItem
	for _, p := range pkgs {
		items = append(items, idItem{prefix: "Package", name: orDefault(p.Name, path.Base(p.Path)), key: pkgKey(p)})
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
			purpose: "INSTALL", download: "NOASSERTION", licenseConcluded: "NOASSERTION",
			licenseDeclared: "NOASSERTION", copyright: "NOASSERTION",
		}
		if n.name == "" || n.name == "." {
			n.name = orDefault(p.ID, "package")
		}
		switch {
		case p.Manufacturer != "":
			n.supplier, _ = parseAgent(p.Manufacturer, false)
		default:
			// A sub-installer built into the installer comes from the
			// installer's supplier.
			n.supplier = b.root.supplier
		}
		if n.supplier == "" {
			n.supplier = "NOASSERTION"
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
		if f, ok := fileByPath[p.Path]; ok && p.Embedded && p.Path != "" {
			n.fileName = path.Base(p.Path)
			n.checksums = []checksum{{"SHA1", strings.ToLower(f.SHA1)}, {"SHA256", strings.ToLower(f.SHA256)}}
		} else if alg, val, ok := declaredHash(p.Hash); ok {
			n.checksums = []checksum{{alg, val}}
		}
		if !p.Embedded {
			if p.URL != "" {
				if validDownloadLocation(p.URL) {
					n.download = p.URL
				}
				if u, err := url.Parse(p.URL); err == nil && path.Base(u.Path) != "." && path.Base(u.Path) != "/" {
					n.fileName = path.Base(u.Path)
				}
			}
			note := "not-embedded: the installer does not contain this package's bytes; it downloads it on demand"
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
			b.pkgPaths = append(b.pkgPaths, pkgPath{path: p.Path, id: n.id})
		}
		b.m.packages = append(b.m.packages, n)
	}
	// Deepest path first, so the innermost package wins.
	sort.SliceStable(b.pkgPaths, func(i, j int) bool { return len(b.pkgPaths[i].path) > len(b.pkgPaths[j].path) })
	for i, p := range pkgs {
		parent := RootID
		if pp, ok := b.pkgNodeOf[p.Parent]; ok && p.Parent != "" && p.Parent != p.ID {
			parent = pp.id
		} else if p.Path != "" {
			parent = b.enclosing(p.Path, ids[i])
		}
		b.m.rels = append(b.m.rels, relation{a: parent, typ: "CONTAINS", b: ids[i]})
	}
	return nil
}

// enclosing returns the innermost embedded package whose bytes contain the
// nested path p (other than self), or the root.
func (b *builder) enclosing(p, self string) string {
	for _, pp := range b.pkgPaths {
		if pp.id != self && strings.HasPrefix(p, pp.path+"/") {
			return pp.id
		}
	}
	return RootID
}

func (b *builder) addFiles() error {
	files := append([]inspect.File(nil), b.inv.Files...)
	sort.SliceStable(files, func(i, j int) bool {
		return lessStrings([]string{files[i].Path, files[i].SHA256}, []string{files[j].Path, files[j].SHA256})
	})
	// The same path with the same bytes twice is one file.
	out := files[:0]
	for i, f := range files {
		if i > 0 && f.Path == files[i-1].Path && f.SHA256 == files[i-1].SHA256 {
			continue
		}
		out = append(out, f)
	}
	files = out
	pathCount := map[string]int{}
	for _, f := range files {
		pathCount[f.Path]++
	}
	var items []idItem
	for _, f := range files {
		if f.Path == "" || !isHex(f.SHA1, 40) || !isHex(f.SHA256, 64) {
			return fmt.Errorf("compose: file %q lacks a path, SHA-1 or SHA-256", f.Path)
		}
		key := f.Path
		if pathCount[f.Path] > 1 {
			key += "\x00" + f.SHA256
		}
		items = append(items, idItem{prefix: "File", name: path.Base(f.Path), key: key})
	}
	ids, err := assignIDs(items)
	if err != nil {
		return err
	}
	b.fileID = map[string]string{}
	b.binaryFile = map[string]bool{}
	b.fileContainer = map[string]string{}
	direct := map[string][]string{} // package SPDXID -> SHA-1s of the files it contains
	for i, f := range files {
		n := &fileNode{id: ids[i], path: f.Path, sha1: strings.ToLower(f.SHA1), sha256: strings.ToLower(f.SHA256), kind: f.Kind, types: fileTypes(f)}
		if f.InstallPath != "" {
			n.comment = "Installs to " + f.InstallPath + "."
		}
		if _, ok := b.fileID[f.Path]; !ok {
			b.fileID[f.Path] = n.id
		}
		if f.Kind == inspect.KindPE || f.Kind == inspect.KindMachO || f.Kind == inspect.KindELF {
			b.binaryFile[f.Path] = true
		}
		b.m.files = append(b.m.files, n)
		c := b.containerOf(f)
		if _, ok := b.fileContainer[f.Path]; !ok {
			b.fileContainer[f.Path] = c
		}
		b.m.rels = append(b.m.rels, relation{a: c, typ: "CONTAINS", b: n.id})
		direct[c] = append(direct[c], n.sha1)
	}
	for _, p := range b.m.packages {
		if shas, ok := direct[p.id]; ok {
			p.filesAnalyzed = true
			p.verificationCode = verificationCode(shas)
		}
	}
	return nil
}

// containerOf is the package that directly contains a file: the package the
// inventory assigns it to, else the innermost embedded package whose bytes
// hold it, else the installer. A package's own bytes (an MSI inside a
// bundle) belong to the package around it.
func (b *builder) containerOf(f inspect.File) string {
	if n, ok := b.pkgNodeOf[f.Package]; ok && f.Package != "" {
		own := false
		for _, pp := range b.pkgPaths {
			if pp.id == n.id && pp.path == f.Path {
				own = true
			}
		}
		if !own {
			return n.id
		}
	}
	self := ""
	for _, pp := range b.pkgPaths {
		if pp.path == f.Path {
			self = pp.id
		}
	}
	return b.enclosing(f.Path, self)
}

// verificationCode is SPDX 2.3 §7.9: the SHA-1 of the concatenation of the
// sorted lower-case hex SHA-1 values of every file in the package.
func verificationCode(sha1s []string) string {
	s := append([]string(nil), sha1s...)
	sort.Strings(s)
	h := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(h[:])
}

func fileTypes(f inspect.File) []string {
	ext := strings.ToLower(path.Ext(f.Path))
	switch f.Kind {
	case inspect.KindPE, inspect.KindMachO, inspect.KindELF:
		return []string{"BINARY"}
	case inspect.KindArchive:
		return []string{"ARCHIVE"}
	case inspect.KindText:
		switch ext {
		case ".py", ".pyi", ".pyw", ".c", ".h", ".tcl", ".tm", ".js", ".sh", ".ps1", ".bat", ".cmd":
			return []string{"SOURCE", "TEXT"}
		case ".txt", ".rst", ".md", ".html", ".htm":
			return []string{"DOCUMENTATION", "TEXT"}
		}
		return []string{"TEXT"}
	}
	switch ext {
	case ".png", ".gif", ".ico", ".jpg", ".jpeg", ".bmp", ".icns", ".ppm", ".xbm", ".pgm":
		return []string{"IMAGE"}
	case ".wav", ".aif", ".aiff", ".au":
		return []string{"AUDIO"}
	case ".zip", ".whl", ".cab", ".msi", ".tar", ".gz", ".tgz", ".xz", ".bz2", ".pkg":
		return []string{"ARCHIVE"}
	}
	return []string{"OTHER"}
}

// componentGroup is every inventory component with the same canonical name
// and version: one package in the document, whatever number of files or
// linkages the fingerprint engine reported it under.
type componentGroup struct {
	name, version string
	members       []inspect.Component
	// versionless are sightings without a version merged into this group
	// because it is the only version of the project the bytes show.
	versionless []inspect.Component
	// otherVersions, for a group without a version, are the keys of the
	// groups of the same project with versions.
	otherVersions []string
}

func memberKey(c inspect.Component) []string {
	return []string{c.Name, c.Version, c.PURL, c.CPE, c.Supplier, c.Linkage, strings.Join(c.Files, "\x00"), strings.Join(c.ImportedBy, "\x00")}
}

// all returns the members and the merged versionless sightings.
func (g *componentGroup) all() []inspect.Component {
	return append(append([]inspect.Component(nil), g.members...), g.versionless...)
}

func (b *builder) addComponents() {
	groups := map[string]*componentGroup{}
	var keys []string
	for _, c := range b.inv.Components {
		k := canonicalName(c.Name) + "\x00" + normVersion(c.Version)
		g, ok := groups[k]
		if !ok {
			g = &componentGroup{name: c.Name, version: c.Version}
			groups[k] = g
			keys = append(keys, k)
		}
		g.members = append(g.members, c)
	}
	sort.Strings(keys)
	// Members in a fixed order, so that the name, identifiers and supplier
	// taken from the first one do not depend on the inventory's order.
	for _, g := range groups {
		sort.SliceStable(g.members, func(i, j int) bool {
			return lessStrings(memberKey(g.members[i]), memberKey(g.members[j]))
		})
		g.name, g.version = g.members[0].Name, g.members[0].Version
		// Prefer the plain lower-case spelling the fingerprint rules use.
		for _, m := range g.members {
			if m.Name == strings.ToLower(m.Name) {
				g.name = m.Name
				break
			}
		}
	}
	// A sighting without a version (an error-message table, a versionless
	// banner) of a project whose version the bytes show elsewhere is the
	// same package when there is exactly one such version: listing it
	// again without a version would show the package twice, and filling
	// its version from the source SBOM could contradict the bytes.
	versioned := map[string][]string{} // canonical name -> keys with a version
	for _, k := range keys {
		if name, v, _ := strings.Cut(k, "\x00"); v != "" {
			versioned[name] = append(versioned[name], k)
		}
	}
	kept := keys[:0]
	for _, k := range keys {
		name, v, _ := strings.Cut(k, "\x00")
		if v == "" && len(versioned[name]) == 1 {
			into := groups[versioned[name][0]]
			into.versionless = append(into.versionless, groups[k].members...)
			continue
		}
		if v == "" && len(versioned[name]) > 1 {
			groups[k].otherVersions = versioned[name]
		}
		kept = append(kept, k)
	}
	keys = kept
	ix := newSourceIndex(b.opts.SourceSBOMs)
	var items []idItem
	for _, k := range keys {
		items = append(items, idItem{prefix: "Library", name: groups[k].name, key: k})
	}
	// The keys are distinct, so assignIDs cannot fail.
	ids, _ := assignIDs(items)
	pipByWheel := map[string]string{} // wheel path -> pip's SPDXID
	var pypiNodes []*pkgNode
	var pypiFiles [][]string
	for i, k := range keys {
		g := groups[k]
		n := b.componentNode(ids[i], g, ix)
		b.m.packages = append(b.m.packages, n)
		b.componentRelations(n, g)
		var files []string
		for _, m := range g.all() {
			files = append(files, m.Files...)
		}
		if strings.HasPrefix(n.purl(), "pkg:pypi/") {
			if canonicalName(g.name) == "pip" {
				for _, f := range files {
					if w := wheelOf(f); w != "" {
						pipByWheel[w] = n.id
					}
				}
			} else {
				pypiNodes = append(pypiNodes, n)
				pypiFiles = append(pypiFiles, files)
			}
		}
	}
	// pip's vendored distributions are the pypi components whose files lie
	// under pip/_vendor inside pip's own wheel.
	for i, n := range pypiNodes {
		seen := map[string]bool{}
		for _, f := range pypiFiles[i] {
			for w, pip := range pipByWheel {
				if strings.HasPrefix(f, w+"/pip/_vendor/") && !seen[pip] {
					seen[pip] = true
					b.m.rels = append(b.m.rels, relation{a: pip, typ: "DEPENDS_ON", b: n.id})
				}
			}
		}
	}
	b.unused = ix.unused()
}

// wheelOf returns the nested path of the .whl file that holds p, or "".
func wheelOf(p string) string {
	if i := strings.Index(strings.ToLower(p), ".whl/"); i >= 0 {
		return p[:i+len(".whl")]
	}
	if strings.HasSuffix(strings.ToLower(p), ".whl") {
		return p
	}
	return ""
}

func (b *builder) componentNode(id string, g *componentGroup, ix *sourceIndex) *pkgNode {
	n := &pkgNode{
		id: id, role: roleLibrary, name: g.name, version: g.version, purpose: "LIBRARY",
		download: "NOASSERTION", licenseConcluded: "NOASSERTION", licenseDeclared: "NOASSERTION", copyright: "NOASSERTION",
	}
	var purl, cpe, supplier string
	linkages := map[string]bool{}
	var fileNames []string
	for _, m := range g.all() {
		purl = orDefault(purl, m.PURL)
		cpe = orDefault(cpe, m.CPE)
		supplier = orDefault(supplier, m.Supplier)
		linkages[m.Linkage] = true
		n.evidence = append(n.evidence, m.Evidence...)
		for _, f := range m.Files {
			switch {
			case canonicalName(m.Name) == "pip" && wheelOf(f) != "":
				// pip is distributed as its wheel.
				fileNames = append(fileNames, path.Base(wheelOf(f)))
			case m.Linkage == fingerprint.LinkageDynamic && b.binaryFile[f]:
				// A separate library is distributed as its own file.
				fileNames = append(fileNames, path.Base(f))
			default:
				fileNames = append(fileNames, "")
			}
		}
	}
	n.linkage = strings.Join(sortedKeys(linkages), ",")
	if len(fileNames) > 0 && allEqual(fileNames) {
		n.fileName = fileNames[0]
	}
	if supplier != "" {
		if s, err := parseAgent(supplier, false); err == nil {
			n.supplier = s
		}
	}

	cands := ix.candidates(g.name, purl, cpe)
	var match *sourceEntry
	switch {
	case len(cands) == 0:
	case g.version != "":
		for _, pass := range []func(e *sourceEntry) bool{
			func(e *sourceEntry) bool { return sameVersion(e.pkg.Version, g.version) },
			func(e *sourceEntry) bool { return e.pkg.Version == "" },
		} {
			for _, e := range cands {
				if pass(e) {
					e.used = true
					if match == nil {
						match = e
					}
				}
			}
			if match != nil {
				break
			}
		}
		if match == nil {
			var listed []string
			for _, e := range cands {
				e.used = true
				listed = append(listed, e.label())
			}
			// The project is the same, so the license and originator still
			// apply; the identifiers and the download location name the
			// other version and do not.
			n.licenseConcluded = orDefault(cands[0].pkg.LicenseConcluded, "NOASSERTION")
			n.licenseDeclared = orDefault(cands[0].pkg.LicenseDeclared, "NOASSERTION")
			n.originator = agentOrEmpty(cands[0].pkg.Originator)
			n.notes = append(n.notes, fmt.Sprintf("version-conflict: the installer's bytes show %s %s but the source SBOM lists %s. The version from the bytes is kept; the source entry's identifiers and download location are not used.", g.name, g.version, strings.Join(listed, ", ")))
			b.res.Conflicts = append(b.res.Conflicts, fmt.Sprintf("%s: the installer has %s, the source SBOM lists %s", g.name, g.version, strings.Join(listed, ", ")))
			if cpe == "" {
				cpe = cpeWithVersion(cands[0].pkg.CPE(), g.version)
			}
		}
	case len(g.otherVersions) > 0:
		// The bytes show this project at several versions elsewhere; which
		// one this sighting is, neither they nor the source SBOM can say.
		for _, e := range cands {
			e.used = true
		}
	default:
		versions := map[string]bool{}
		for _, e := range cands {
			e.used = true
			if e.pkg.Version != "" {
				versions[normVersion(e.pkg.Version)] = true
			}
		}
		if len(versions) > 1 {
			var listed []string
			for _, e := range cands {
				listed = append(listed, e.label())
			}
			n.notes = append(n.notes, fmt.Sprintf("version-ambiguous: the installer's bytes do not show the version of %s and the source SBOMs list %s; no version is claimed.", g.name, strings.Join(listed, ", ")))
			b.res.Conflicts = append(b.res.Conflicts, fmt.Sprintf("%s: the installer's bytes show no version and the source SBOMs disagree: %s", g.name, strings.Join(listed, ", ")))
		} else {
			match = cands[0]
			if match.pkg.Version != "" {
				n.version = match.pkg.Version
				n.notes = append(n.notes, fmt.Sprintf("version-from-source-sbom: the installer's bytes do not show the version of %s; %s is taken from %s (%s).", g.name, match.pkg.Version, match.sbom, match.pkg.SPDXID))
			}
		}
	}
	if match != nil {
		sp := match.pkg
		n.notes = append(n.notes, fmt.Sprintf("source-sbom: merged with %s; license, download location and identifiers come from that entry.", match.label()))
		n.licenseConcluded = orDefault(sp.LicenseConcluded, "NOASSERTION")
		n.licenseDeclared = orDefault(sp.LicenseDeclared, "NOASSERTION")
		if validDownloadLocation(sp.DownloadLocation) {
			n.download = sp.DownloadLocation
		}
		n.homepage = sp.Homepage
		n.originator = agentOrEmpty(sp.Originator)
		if sp.CopyrightText != "" {
			n.copyright = sp.CopyrightText
		}
		if n.supplier == "" {
			n.supplier = agentOrEmpty(sp.Supplier)
		}
		if n.supplier == "" || n.supplier == "NOASSERTION" {
			// The project's source SBOM names who wrote the component;
			// with no distributor in between, that is its supplier.
			if o := agentOrEmpty(sp.Originator); o != "" && o != "NOASSERTION" {
				n.supplier = o
			}
		}
		for _, r := range sp.ExternalRefs {
			if r.Locator != "" && !strings.ContainsAny(r.Locator, " \t\n") && validRefCategory(r.Category) {
				n.refs = append(n.refs, extRef{r.Category, r.Type, r.Locator})
			}
		}
		n.sourceInfo = sourceInfo(match)
	}
	if purl != "" && n.purl() == "" {
		n.refs = append(n.refs, extRef{"PACKAGE-MANAGER", "purl", purl})
	}
	if cpe != "" && n.cpe() == "" {
		n.refs = append(n.refs, extRef{"SECURITY", "cpe23Type", cpe})
	}
	if n.supplier == "" {
		n.supplier = "NOASSERTION"
	}
	if len(g.versionless) > 0 {
		var files []string
		for _, m := range g.versionless {
			files = append(files, m.Files...)
		}
		sort.Strings(files)
		n.notes = append(n.notes, fmt.Sprintf("versionless-sighting: %s is also found without a version string in %s; this is reported under %s, the only version of %s the installer's bytes show.",
			g.name, strings.Join(dedupSorted(files), ", "), g.version, g.name))
	}
	if len(g.otherVersions) > 0 {
		var vs []string
		for _, k := range g.otherVersions {
			_, v, _ := strings.Cut(k, "\x00")
			vs = append(vs, v)
		}
		n.notes = append(n.notes, fmt.Sprintf("version-unknown: these files show no version of %s, and the installer's bytes show several elsewhere (%s); no version is claimed.", g.name, strings.Join(vs, ", ")))
	}
	n.notes = append(n.notes, evidenceNote(g, n.linkage))
	return n
}

func sourceInfo(e *sourceEntry) string {
	s := fmt.Sprintf("Listed in the source SBOM %s as %s", e.sbom, e.pkg.SPDXID)
	for _, c := range e.pkg.Checksums {
		s += fmt.Sprintf("; source archive %s %s", c.Algorithm, c.Value)
	}
	return s + "."
}

func evidenceNote(g *componentGroup, linkage string) string {
	var lines []string
	for _, m := range g.all() {
		for _, ev := range m.Evidence {
			where := ev.Resource
			if ev.Offset >= 0 {
				where = fmt.Sprintf("offset 0x%x", ev.Offset)
				if ev.Resource != "" {
					where += " (" + ev.Resource + ")"
				}
			}
			l := fmt.Sprintf("%s: rule %s at %s", ev.File, ev.Rule, where)
			if ev.Match != "" {
				l += fmt.Sprintf(": %q", ev.Match)
			}
			lines = append(lines, l)
		}
		for _, imp := range m.ImportedBy {
			lines = append(lines, fmt.Sprintf("%s: imports the library", imp))
		}
	}
	sort.Strings(lines)
	lines = dedupSorted(lines)
	return fmt.Sprintf("evidence: %s found in the installer's bytes, linkage %s:\n%s", g.name, linkage, strings.Join(lines, "\n"))
}

// componentRelations links a component to the files that carry it:
// STATIC_LINK from each binary it is compiled into, CONTAINS from the package
// that holds its own library file, DYNAMIC_LINK from each module that loads
// that library.
func (b *builder) componentRelations(n *pkgNode, g *componentGroup) {
	before := len(b.m.rels)
	for _, m := range g.all() {
		for _, f := range m.Files {
			fid, ok := b.fileID[f]
			if !ok {
				n.notes = append(n.notes, "inventory-inconsistency: evidence file "+f+" is not in the inventory's file list.")
				continue
			}
			if m.Linkage == fingerprint.LinkageStatic {
				b.m.rels = append(b.m.rels, relation{a: fid, typ: "STATIC_LINK", b: n.id})
			} else {
				b.m.rels = append(b.m.rels, relation{a: b.containerOfPath(f), typ: "CONTAINS", b: n.id})
			}
		}
		for _, imp := range m.ImportedBy {
			if fid, ok := b.fileID[imp]; ok {
				b.m.rels = append(b.m.rels, relation{a: fid, typ: "DYNAMIC_LINK", b: n.id})
			}
		}
	}
	if len(b.m.rels) == before {
		b.m.rels = append(b.m.rels, relation{a: RootID, typ: "CONTAINS", b: n.id,
			comment: "no file named in the component's evidence is in the inventory"})
	}
}

func (b *builder) containerOfPath(p string) string {
	if c, ok := b.fileContainer[p]; ok {
		return c
	}
	return RootID
}

func (b *builder) addUnverified() {
	var items []idItem
	for _, grp := range b.unused {
		e := grp[0]
		items = append(items, idItem{prefix: "Source", name: e.pkg.Name, key: canonicalName(e.pkg.Name) + "\x00" + normVersion(e.pkg.Version)})
	}
	ids, _ := assignIDs(items)
	for i, grp := range b.unused {
		var labels []string
		for _, e := range grp {
			labels = append(labels, e.label())
		}
		b.res.Unverified = append(b.res.Unverified, strings.Join(labels, ", "))
		if !b.opts.IncludeUnverified {
			continue
		}
		sp := grp[0].pkg
		n := &pkgNode{
			id: ids[i], role: roleUnverified, name: sp.Name, version: sp.Version,
			purpose:  "LIBRARY",
			download: "NOASSERTION", licenseConcluded: orDefault(sp.LicenseConcluded, "NOASSERTION"),
			licenseDeclared: orDefault(sp.LicenseDeclared, "NOASSERTION"), copyright: orDefault(sp.CopyrightText, "NOASSERTION"),
			homepage: sp.Homepage, originator: agentOrEmpty(sp.Originator), supplier: agentOrEmpty(sp.Supplier),
			sourceInfo: sourceInfo(grp[0]),
		}
		if validPurpose(sp.Purpose) {
			n.purpose = sp.Purpose
		}
		if validDownloadLocation(sp.DownloadLocation) {
			n.download = sp.DownloadLocation
		}
		if n.supplier == "" || n.supplier == "NOASSERTION" {
			n.supplier = orDefault(n.originator, "NOASSERTION")
		}
		for _, c := range sp.Checksums {
			if validChecksumAlg(c.Algorithm) && c.Value != "" {
				n.checksums = append(n.checksums, checksum{c.Algorithm, c.Value})
			}
		}
		for _, r := range sp.ExternalRefs {
			if r.Locator != "" && !strings.ContainsAny(r.Locator, " \t\n") && validRefCategory(r.Category) {
				n.refs = append(n.refs, extRef{r.Category, r.Type, r.Locator})
			}
		}
		n.notes = append(n.notes, fmt.Sprintf("unverified: listed in the source SBOM as %s but not found in the installer's bytes; kept on request (--include-unverified), not verified.", strings.Join(labels, ", ")))
		b.m.packages = append(b.m.packages, n)
		b.m.rels = append(b.m.rels, relation{a: RootID, typ: "OTHER", b: n.id,
			comment: "listed by a source SBOM; not found in the installer's bytes"})
	}
}

// finish sorts everything: the root first, then packages, files and
// relationships by identifier.
func (b *builder) finish() {
	m := b.m
	sort.SliceStable(m.packages, func(i, j int) bool {
		if (m.packages[i].id == RootID) != (m.packages[j].id == RootID) {
			return m.packages[i].id == RootID
		}
		return m.packages[i].id < m.packages[j].id
	})
	for _, p := range m.packages {
		sort.Strings(p.notes)
		sort.SliceStable(p.evidence, func(i, j int) bool {
			a, c := p.evidence[i], p.evidence[j]
			return lessStrings([]string{a.File, a.Rule, fmt.Sprintf("%020d", a.Offset), a.Resource, a.Match},
				[]string{c.File, c.Rule, fmt.Sprintf("%020d", c.Offset), c.Resource, c.Match})
		})
	}
	sort.SliceStable(m.files, func(i, j int) bool {
		return m.files[i].path < m.files[j].path || (m.files[i].path == m.files[j].path && m.files[i].id < m.files[j].id)
	})
	sort.SliceStable(m.rels, func(i, j int) bool {
		x, y := m.rels[i], m.rels[j]
		return lessStrings([]string{x.a, x.typ, x.b, x.comment}, []string{y.a, y.typ, y.b, y.comment})
	})
	out := m.rels[:0]
	for i, r := range m.rels {
		if i > 0 && r == m.rels[i-1] {
			continue
		}
		out = append(out, r)
	}
	m.rels = out
	sort.Strings(b.res.Conflicts)
	sort.Strings(b.res.Unverified)
}

// idItem is one element needing an identifier: "SPDXRef-<prefix>-<name>-<hash>".
type idItem struct {
	prefix, name, key string
}

// assignIDs derives identifiers from content: a sanitised name and 12 hex
// digits of the SHA-256 of the item's key. Items whose short identifiers
// collide get the full hash, so the result never depends on the order of
// the items. Identical keys are an error.
func assignIDs(items []idItem) ([]string, error) {
	short := make([]string, len(items))
	byID := map[string][]int{}
	for i, it := range items {
		h := sha256.Sum256([]byte(it.key))
		short[i] = "SPDXRef-" + it.prefix + "-" + idName(it.name) + "-" + hex.EncodeToString(h[:6])
		byID[short[i]] = append(byID[short[i]], i)
	}
	for _, idx := range byID {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			it := items[i]
			h := sha256.Sum256([]byte(it.key))
			short[i] = "SPDXRef-" + it.prefix + "-" + idName(it.name) + "-" + hex.EncodeToString(h[:])
		}
	}
	seen := map[string]bool{}
	for i, id := range short {
		if seen[id] {
			return nil, fmt.Errorf("compose: two elements with the same identity %q", items[i].key)
		}
		seen[id] = true
	}
	return short, nil
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.]+`)

func idName(name string) string {
	s := strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-.")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-.")
	}
	if s == "" {
		s = "x"
	}
	return s
}

var (
	agentRE       = regexp.MustCompile(`^(Person|Organization|Tool):\s*(\S.*)$`)
	agentTypeLike = regexp.MustCompile(`^[A-Za-z]+:\s`) // "Robot: x": a misspelt agent type
)

// parseAgent normalises "Type: name" agent syntax. A bare name is an
// organisation; "NOASSERTION" passes through unless creator is set (creators
// must name someone). Tool is allowed only for creators.
func parseAgent(s string, creator bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("empty")
	}
	if strings.ContainsAny(s, "\n\r") {
		return "", errors.New("contains a line break")
	}
	if s == "NOASSERTION" {
		if creator {
			return "", errors.New("a creator must name a person, organization or tool")
		}
		return s, nil
	}
	if m := agentRE.FindStringSubmatch(s); m != nil {
		if m[1] == "Tool" && !creator {
			return "", errors.New("a supplier cannot be a tool")
		}
		return m[1] + ": " + strings.TrimSpace(m[2]), nil
	}
	if agentTypeLike.MatchString(s) || (strings.Contains(s, ":") && !strings.Contains(s, " ")) {
		return "", errors.New(`want "Person: name", "Organization: name" or "Tool: name"`)
	}
	return "Organization: " + s, nil
}

func agentOrEmpty(s string) string {
	a, err := parseAgent(s, false)
	if err != nil {
		return ""
	}
	return a
}

func validAgentName(s string) bool { return s != "" && !strings.ContainsAny(s, "\n\r") }

func validDownloadLocation(s string) bool {
	if s == "NONE" || s == "NOASSERTION" {
		return true
	}
	if strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func declaredHash(h string) (alg, val string, ok bool) {
	a, v, found := strings.Cut(h, ":")
	if !found {
		return "", "", false
	}
	v = strings.ToLower(v)
	switch strings.ToLower(a) {
	case "sha1":
		return "SHA1", v, isHex(v, 40)
	case "sha256":
		return "SHA256", v, isHex(v, 64)
	case "sha512":
		return "SHA512", v, isHex(v, 128)
	}
	return "", "", false
}

var checksumAlgs = map[string]bool{"SHA1": true, "SHA224": true, "SHA256": true, "SHA384": true, "SHA512": true,
	"SHA3-256": true, "SHA3-384": true, "SHA3-512": true, "MD2": true, "MD4": true, "MD5": true, "MD6": true,
	"BLAKE2b-256": true, "BLAKE2b-384": true, "BLAKE2b-512": true, "BLAKE3": true, "ADLER32": true}

func validChecksumAlg(a string) bool { return checksumAlgs[a] }

var purposes = map[string]bool{"OTHER": true, "INSTALL": true, "ARCHIVE": true, "FIRMWARE": true, "APPLICATION": true,
	"FRAMEWORK": true, "LIBRARY": true, "CONTAINER": true, "SOURCE": true, "DEVICE": true, "OPERATING_SYSTEM": true, "FILE": true}

func validPurpose(p string) bool { return purposes[p] }

func validRefCategory(c string) bool {
	switch c {
	case "SECURITY", "PACKAGE-MANAGER", "PERSISTENT-ID", "OTHER":
		return true
	}
	return false
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func lessStrings(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		if k != "" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func allEqual(s []string) bool {
	for _, x := range s[1:] {
		if x != s[0] {
			return false
		}
	}
	return true
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i > 0 && x == s[i-1] {
			continue
		}
		out = append(out, x)
	}
	return out
}
