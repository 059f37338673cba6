package sbomdiff

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/installer-sbom/installer-sbom/compose"
)

// SPDX 3.0.1 JSON-LD documents, as compose writes them (compose/spdx3.go),
// are read the way compose reads SPDX 3 (source SBOMs, validate): the
// compact JSON-LD @graph decoded with encoding/json, every element by its
// compact property names, references by identifier. The model is the one
// the SPDX 2.3 document of the same installer gives:
//
//   - the installer is the package compose calls SPDXRef-Installer (an
//     identifier ending in "#SPDXRef-Installer"), else the single package
//     the document's rootElement names (directly or through an SBOM or
//     bundle), else the first package whose purpose is install, else the
//     first package;
//   - its file name is the name of its distribution artifact (SPDX 3.0.1 has
//     no package file name; compose writes the installer file as a
//     software_File the installer package hasDistributionArtifact), its
//     checksums are its Hash entries (else its distribution artifact's), its
//     identity the externalIdentifier of type other whose comment is
//     "installer-sbom-identity";
//   - sub-installers are the other packages of purpose install; components
//     are every other package unless an Annotation about it is an
//     "unverified:" note ("version-from-source-sbom:" marks the version);
//   - files are the software_File elements other than the installer's
//     distribution artifact and directories.
//
// Only the compact form with SPDX 3.0.1's context is read: an element
// written inline as a property value, rather than in the @graph and named
// by its identifier, is not seen.

// spdx3Node is one object of the @graph: the properties the model needs.
type spdx3Node struct {
	Type    string `json:"type"`
	AtType  string `json:"@type"`
	SpdxID  string `json:"spdxId"`
	AtID    string `json:"@id"`
	Name    string `json:"name"`
	Comment string `json:"comment"`

	// An element's creation information: a reference or an inline object.
	CreationInfo json.RawMessage `json:"creationInfo"`
	// CreationInfo's own properties.
	CreatedBy    ldRefs `json:"createdBy"`
	CreatedUsing ldRefs `json:"createdUsing"`

	// SpdxDocument, Bom, software_Sbom, Bundle.
	RootElement ldRefs `json:"rootElement"`

	// Relationship.
	From             string `json:"from"`
	RelationshipType string `json:"relationshipType"`
	To               ldRefs `json:"to"`

	// Annotation.
	Subject   string `json:"subject"`
	Statement string `json:"statement"`

	// Software artifacts.
	PackageVersion     string       `json:"software_packageVersion"`
	PrimaryPurpose     string       `json:"software_primaryPurpose"`
	PackageURL         string       `json:"software_packageUrl"`
	FileKind           string       `json:"software_fileKind"`
	VerifiedUsing      []spdx3Hash  `json:"verifiedUsing"`
	ExternalIdentifier []spdx3ExtID `json:"externalIdentifier"`
}

type spdx3Hash struct {
	Type      string `json:"type"`
	Algorithm string `json:"algorithm"`
	HashValue string `json:"hashValue"`
}

type spdx3ExtID struct {
	IDType     string `json:"externalIdentifierType"`
	Identifier string `json:"identifier"`
	Comment    string `json:"comment"`
}

// ldRefs is a list of element references: compact JSON-LD writes a list of
// one as the value itself.
type ldRefs []string

var errRefs = errors.New("a reference list is neither a string nor a list of strings")

func (r *ldRefs) UnmarshalJSON(b []byte) error {
	var err error
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '"' {
		var s string
		err = json.Unmarshal(t, &s)
		*r = ldRefs{s}
	} else {
		var l []string
		err = json.Unmarshal(t, &l)
		*r = l
	}
	if err != nil {
		// The decoder's own error would give an offset into the value,
		// not into the document.
		return errRefs
	}
	return nil
}

func (n *spdx3Node) id() string {
	if n.SpdxID != "" {
		return n.SpdxID
	}
	return n.AtID
}

func (n *spdx3Node) typ() string {
	if n.Type != "" {
		return n.Type
	}
	return n.AtType
}

// vocab is a vocabulary value's name: compact JSON-LD writes "install",
// an expanded value is the IRI ".../SoftwarePurpose/install".
func vocab(s string) string {
	return s[strings.LastIndexByte(s, '/')+1:]
}

// hashes returns an element's SHA-256 and SHA-1 Hash values (not its
// package verification code, which is SHA-1 too).
func (n *spdx3Node) hashes() (sha256, sha1 string) {
	for _, h := range n.VerifiedUsing {
		if vocab(h.Type) != "Hash" {
			continue
		}
		switch vocab(h.Algorithm) {
		case "sha256":
			sha256 = h.HashValue
		case "sha1":
			sha1 = h.HashValue
		}
	}
	return sha256, sha1
}

// refs returns a package's PURL (software_packageUrl, else its first
// packageUrl identifier) and first CPE 2.3 identifier.
func (n *spdx3Node) refs() (purl, cpe string) {
	purl = n.PackageURL
	for _, x := range n.ExternalIdentifier {
		switch vocab(x.IDType) {
		case "packageUrl":
			if purl == "" {
				purl = x.Identifier
			}
		case "cpe23":
			if cpe == "" {
				cpe = x.Identifier
			}
		}
	}
	return purl, cpe
}

// ref is the identifier a Detail gives an element: the SPDX 2.3 identifier
// compose names every element by ("<namespace>#SPDXRef-x"), else its whole
// identifier.
func (n *spdx3Node) ref() string {
	id := n.id()
	if i := strings.LastIndexByte(id, '#'); i >= 0 && strings.HasPrefix(id[i+1:], "SPDXRef-") {
		return id[i+1:]
	}
	return id
}

// spdx3Graph is a decoded document with what every reading of it needs.
type spdx3Graph struct {
	name  string
	nodes []spdx3Node
	byID  map[string]*spdx3Node
	doc   *spdx3Node
	root  *spdx3Node
	// notes are the Annotation statements by subject.
	notes map[string][]string
	// artifacts are the installer's own file elements (its
	// distribution artifacts): not files inside it. artifact is the one
	// that names the installer file: the one with the installer's SHA-256,
	// else the first.
	artifacts map[string]bool
	artifact  *spdx3Node
	ourTool   bool
}

// spdx3ContextSuffix is how the context compose names ends; any scheme.
var spdx3ContextSuffix = strings.TrimPrefix(compose.SPDX3Context, "https:")

// decodeSPDX3 decodes an SPDX 3.0.1 JSON-LD document and finds its
// installer.
func decodeSPDX3(b []byte, name string) (*spdx3Graph, error) {
	var raw struct {
		Context json.RawMessage `json:"@context"`
		Graph   *[]spdx3Node    `json:"@graph"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, jsonError(FormatSPDX3JSON, name, err)
	}
	fail := func(format string, args ...any) error {
		return &FormatError{Format: FormatSPDX3JSON, Off: -1, Msg: name + ": " + fmt.Sprintf(format, args...)}
	}
	if err := checkSPDX3Context(raw.Context); err != nil {
		return nil, fail("%v", err)
	}
	if raw.Graph == nil {
		return nil, fail("no @graph: only the compact form with an @graph of elements is read")
	}
	g := &spdx3Graph{name: name, nodes: *raw.Graph, byID: map[string]*spdx3Node{}, notes: map[string][]string{}, artifacts: map[string]bool{}}
	for i := range g.nodes {
		n := &g.nodes[i]
		if id := n.id(); id != "" && g.byID[id] == nil {
			g.byID[id] = n
		}
		switch n.typ() {
		case "SpdxDocument":
			if g.doc == nil {
				g.doc = n
			}
		case "Annotation":
			g.notes[n.Subject] = append(g.notes[n.Subject], n.Statement)
		}
	}
	if g.doc == nil {
		return nil, fail("no SpdxDocument element in the @graph")
	}
	g.ourTool = g.createdByUs()
	g.root = g.findRoot()
	if g.root != nil {
		rootSHA256, _ := g.root.hashes()
		for i := range g.nodes {
			r := &g.nodes[i]
			if r.typ() != "Relationship" || vocab(r.RelationshipType) != "hasDistributionArtifact" || r.From != g.root.id() {
				continue
			}
			for _, to := range r.To {
				f := g.byID[to]
				if f == nil || f.typ() != "software_File" {
					continue
				}
				g.artifacts[to] = true
				sha256, _ := f.hashes()
				if g.artifact == nil || sha256 != "" && strings.EqualFold(sha256, rootSHA256) {
					g.artifact = f
				}
			}
		}
	}
	return g, nil
}

// checkSPDX3Context accepts a @context that is, or lists, SPDX 3.0.1's.
func checkSPDX3Context(c json.RawMessage) error {
	if len(c) == 0 {
		return errors.New("no @context: not a JSON-LD document")
	}
	var list []any
	var one string
	if json.Unmarshal(c, &one) == nil {
		list = []any{one}
	} else if json.Unmarshal(c, &list) != nil {
		return errors.New("@context is neither a string nor a list")
	}
	other := ""
	for _, x := range list {
		s, _ := x.(string)
		if strings.HasSuffix(s, spdx3ContextSuffix) {
			return nil
		}
		if strings.Contains(s, "spdx.org/rdf/") && other == "" {
			other = s
		}
	}
	if other != "" {
		return fmt.Errorf("@context %q: only SPDX 3.0.1 (%s) is read", other, compose.SPDX3Context)
	}
	return fmt.Errorf("@context does not name SPDX 3.0.1's (%s)", compose.SPDX3Context)
}

// createdByUs reports whether the document's creation information names
// installer-sbom as a tool or software agent.
func (g *spdx3Graph) createdByUs() bool {
	var ci *spdx3Node
	c := bytes.TrimSpace(g.doc.CreationInfo)
	switch {
	case len(c) > 0 && c[0] == '{':
		var inline spdx3Node
		if json.Unmarshal(c, &inline) == nil {
			ci = &inline
		}
	case len(c) > 0 && c[0] == '"':
		var ref string
		if json.Unmarshal(c, &ref) == nil {
			ci = g.byID[ref]
		}
	}
	if ci == nil {
		return false
	}
	for _, ref := range append(append([]string(nil), ci.CreatedUsing...), ci.CreatedBy...) {
		if a := g.byID[ref]; a != nil && (a.typ() == "Tool" || a.typ() == "SoftwareAgent") && strings.HasPrefix(a.Name, compose.ToolName) {
			return true
		}
	}
	return false
}

// findRoot is the installer package (see the comment at the top).
func (g *spdx3Graph) findRoot() *spdx3Node {
	var pkgs []*spdx3Node
	for i := range g.nodes {
		if n := &g.nodes[i]; n.typ() == "software_Package" {
			pkgs = append(pkgs, n)
		}
	}
	for _, p := range pkgs {
		if strings.HasSuffix(p.id(), "#"+compose.RootID) {
			return p
		}
	}
	described := map[*spdx3Node]bool{}
	var order []*spdx3Node
	add := func(refs ldRefs, follow bool) {
		for _, ref := range refs {
			n := g.byID[ref]
			switch {
			case n == nil:
			case n.typ() == "software_Package":
				if !described[n] {
					described[n] = true
					order = append(order, n)
				}
			case follow && (n.typ() == "software_Sbom" || n.typ() == "Bom" || n.typ() == "Bundle"):
				// One level: an SBOM the document is made of.
				for _, r := range n.RootElement {
					if p := g.byID[r]; p != nil && p.typ() == "software_Package" && !described[p] {
						described[p] = true
						order = append(order, p)
					}
				}
			}
		}
	}
	add(g.doc.RootElement, true)
	if len(order) == 1 {
		return order[0]
	}
	for _, p := range pkgs {
		if vocab(p.PrimaryPurpose) == "install" {
			return p
		}
	}
	if len(pkgs) > 0 {
		return pkgs[0]
	}
	return nil
}

// components are the packages that are components, in graph order: not
// the installer, not a sub-installer, not an unverified package.
func (g *spdx3Graph) components() []*spdx3Node {
	var out []*spdx3Node
	for i := range g.nodes {
		n := &g.nodes[i]
		if n.typ() != "software_Package" || n == g.root || vocab(n.PrimaryPurpose) == "install" {
			continue
		}
		unverified := false
		for _, s := range g.notes[n.id()] {
			unverified = unverified || strings.HasPrefix(s, compose.NoteUnverified)
		}
		if !unverified {
			out = append(out, n)
		}
	}
	return out
}

func (g *spdx3Graph) component(n *spdx3Node) Component {
	c := Component{Name: n.Name, Version: spdxVersion(n.PackageVersion)}
	c.PURL, _ = n.refs()
	for _, s := range g.notes[n.id()] {
		if strings.HasPrefix(s, compose.NoteVersionFromSourceSBOM) {
			c.VersionFromSource = true
		}
	}
	return c
}

// files are the files inside the installer, by element identifier, in
// graph order.
func (g *spdx3Graph) files() (ids []string, files []File) {
	for i := range g.nodes {
		n := &g.nodes[i]
		if n.typ() != "software_File" || g.artifacts[n.id()] || vocab(n.FileKind) == "directory" {
			continue
		}
		f := File{Path: strings.TrimPrefix(strings.TrimPrefix(n.Name, "./"), "/")}
		f.SHA256, f.SHA1 = n.hashes()
		f.SHA256, f.SHA1 = strings.ToLower(f.SHA256), strings.ToLower(f.SHA1)
		ids = append(ids, n.id())
		files = append(files, f)
	}
	return ids, files
}

// model builds the comparison model.
func (g *spdx3Graph) model() *Model {
	m := &Model{Source: g.name, Format: FormatSPDX3JSON, Incomplete: strings.HasPrefix(g.doc.Comment, compose.NoteIncomplete)}
	if r := g.root; r != nil {
		m.Name, m.Version = r.Name, spdxVersion(r.PackageVersion)
		m.SHA256, m.SHA1 = r.hashes()
		if a := g.artifact; a != nil {
			m.FileName = strings.TrimPrefix(a.Name, "./")
			if m.SHA256 == "" {
				// SPDX 3 may put an artifact's hashes on its file only.
				m.SHA256, m.SHA1 = a.hashes()
			}
		}
		for _, x := range r.ExternalIdentifier {
			if vocab(x.IDType) == "other" && x.Comment == compose.IdentityRefType {
				m.Identity = parseIdentity(x.Identifier)
			}
		}
	}
	for _, n := range g.components() {
		m.Components = append(m.Components, g.component(n))
	}
	_, m.Files = g.files()
	for _, ns := range g.notes {
		for _, n := range ns {
			m.addActionNote(n)
		}
	}
	m.stripRoot(g.ourTool)
	m.normalize()
	return m
}

// readSPDX3 reads an SPDX 3.0.1 JSON-LD document into the model.
func readSPDX3(b []byte, name string) (*Model, error) {
	g, err := decodeSPDX3(b, name)
	if err != nil {
		return nil, err
	}
	return g.model(), nil
}

// detailSPDX3 reads an SPDX 3.0.1 JSON-LD document into a Detail, by the
// rules of DetailFromSPDX: a component's linkage and the paths it was found
// in come from compose's "evidence:" annotations, the files it is compiled
// into from hasStaticLink relationships (from the file to the package).
func detailSPDX3(b []byte, name string) (*Detail, error) {
	g, err := decodeSPDX3(b, name)
	if err != nil {
		return nil, err
	}
	d := &Detail{Model: g.model()}
	ids, list := g.files()
	files := map[string]File{}     // path -> file
	fileIDs := map[string]string{} // element -> path
	for i, f := range list {
		files[f.Path] = f
		fileIDs[ids[i]] = f.Path
	}
	static := map[string]map[string]bool{} // package -> paths of files it is compiled into
	for i := range g.nodes {
		r := &g.nodes[i]
		if r.typ() != "Relationship" || vocab(r.RelationshipType) != "hasStaticLink" {
			continue
		}
		p, ok := fileIDs[r.From]
		if !ok {
			continue
		}
		for _, to := range r.To {
			if static[to] == nil {
				static[to] = map[string]bool{}
			}
			static[to][p] = true
		}
	}
	if r := g.root; r != nil {
		d.Root.Ref = r.ref()
		d.Root.PURL, d.Root.CPE = r.refs()
	}
	for _, n := range g.components() {
		c := ComponentDetail{Component: g.component(n), Ref: n.ref()}
		_, c.CPE = n.refs()
		var evidence []string
		for _, s := range g.notes[n.id()] {
			if strings.HasPrefix(s, compose.NoteEvidence) {
				linkage, paths := parseEvidenceNote(s)
				c.Linkage = mergeLinkage(c.Linkage, linkage)
				evidence = append(evidence, paths...)
			}
		}
		c.Files = ownFiles(c.Linkage, evidence, static[n.id()], files)
		d.Components = append(d.Components, c)
	}
	d.sortComponents()
	return d, nil
}
