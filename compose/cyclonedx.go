package compose

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Output format names of the CycloneDX writer. CycloneDX 1.7 is the
// default; 1.6 is written for consumers that do not read 1.7 yet (BSI
// TR-03183-2 accepts both). The two documents say the same, except what
// only 1.7 can hold: a component's declared licence next to its concluded
// one (1.6 allows one licence expression per component, and gets the
// concluded one, or the declared one when nothing was concluded).
const (
	FormatCycloneDXJSON   = "cyclonedx-json"
	FormatCycloneDX16JSON = "cyclonedx-1.6-json"
)

func init() {
	RegisterFormat(Format{Name: FormatCycloneDXJSON, Ext: ".cdx.json", MediaType: "application/vnd.cyclonedx+json; version=1.7", Write: WriteCycloneDX})
	RegisterFormat(Format{Name: FormatCycloneDX16JSON, Ext: ".cdx16.json", MediaType: "application/vnd.cyclonedx+json; version=1.6", Write: WriteCycloneDX16})
	cycloneDXSchemaCheck = cycloneDXSchemaCheckProblems
}

// Component properties of the BSI CycloneDX property taxonomy
// (github.com/BSI-Bund/tr-03183-cyclonedx-property-taxonomy) for the fields
// BSI TR-03183-2 v2.x asks of every component (section 5.2.2). The writer
// sets them on the installer, the sub-installers and the libraries; a
// value the model cannot show is left out, never guessed: the file name of
// a library compiled into another file (it has none of its own), and every
// one of them on an unverified source-SBOM package (not in the installer).
// Components of type "file" (the installer's files) do not carry them: they
// are parts of the installer's component, named by their path and hashed.
const (
	// PropBSIFilename is the component's own file name, without its path:
	// the installer's and a sub-installer's file, a library's own library
	// file (or, for pip, its wheel).
	PropBSIFilename = "bsi:component:filename"
	// PropBSIExecutable is "executable" or "non-executable".
	PropBSIExecutable = "bsi:component:executable"
	// PropBSIArchive is "archive" or "no archive".
	PropBSIArchive = "bsi:component:archive"
	// PropBSIStructured is "structured" (metadata of the contents is still
	// present) or "unstructured".
	PropBSIStructured = "bsi:component:structured"
	// PropBSIAssociatedLicences is the component's licence as the SBOM's
	// creator sees it, one SPDX expression: the concluded licence, else
	// the declared one; the taxonomy wants it on every component, and it
	// is left out where neither is known rather than said NOASSERTION.
	PropBSIAssociatedLicences = "bsi:component:associatedLicences"
)

// The taxonomy's values of the BSI properties.
const (
	BSIExecutable    = "executable"
	BSINonExecutable = "non-executable"
	BSIArchive       = "archive"
	BSINoArchive     = "no archive"
	BSIStructured    = "structured"
	BSIUnstructured  = "unstructured"
)

// errInvalidCycloneDX means compose produced a CycloneDX document that
// fails the official schema: a bug in compose, never the input's fault.
var errInvalidCycloneDX = errors.New("compose: the composed document is not valid CycloneDX")

// WriteCycloneDX writes the composed result as CycloneDX 1.7 JSON, checked
// against the official 1.7 schema.
//
// The document has the same content as the SPDX document: the installer is
// the metadata component; sub-installers and the files they contain are
// nested components (CycloneDX expresses containment by nesting); libraries
// are top-level components with hashes, identifiers, licences, the BSI
// TR-03183-2 properties and evidence (identity: which techniques and rules
// identified them; occurrences: where, with byte offsets); static and
// dynamic links and depends-on relationships become the dependency graph,
// and compositions say how complete each part is. bom-refs are the
// elements' identifiers in every output (elementRef), the same strings as
// the SPDX identifiers.
func WriteCycloneDX(w io.Writer, res *Result) error {
	return writeCycloneDX(w, res, cdx.SpecVersion1_7)
}

// WriteCycloneDX16 writes the composed result as CycloneDX 1.6 JSON,
// checked against the official 1.6 schema; see WriteCycloneDX.
func WriteCycloneDX16(w io.Writer, res *Result) error {
	return writeCycloneDX(w, res, cdx.SpecVersion1_6)
}

func writeCycloneDX(w io.Writer, res *Result, v cdx.SpecVersion) error {
	if res == nil || res.m == nil {
		return errors.New("compose: WriteCycloneDX needs a Result from Compose")
	}
	r := res.m.cycloneDX(v)
	if len(res.Vulnerabilities) > 0 {
		vulns := append([]cdx.Vulnerability(nil), res.Vulnerabilities...)
		r.bom.Vulnerabilities = &vulns
	}
	// The head is encoded once, for the check and the writing; the BOM it
	// is encoded from is not kept (its compositions name every
	// sub-installer).
	parts, err := r.jsonParts()
	if err != nil {
		return err
	}
	// The writer checks its own output, as the SPDX writer does, before
	// it writes any of it.
	if err := checkCycloneDX(parts, v); err != nil {
		return err
	}
	return parts.writeIndented(w)
}

// cdxWriter holds the model's lookups the CycloneDX rendering needs.
type cdxWriter struct {
	m        *model
	v        cdx.SpecVersion
	pkgByID  map[string]*pkgNode
	fileByID map[string]*fileNode
	// children are the packages and files a package contains that are
	// nested under it (every contained thing but libraries, which are
	// listed once, at the top level); containedBy are the packages that
	// contain each library; contains is everything a package contains.
	children, containedBy, contains map[string][]string
	deps                            map[string][]string
	fileByPath                      map[string]*fileNode
	// filesBySHA256 lists the files with each SHA-256, in the model's
	// order (ownFile looks a package's own file up there rather than
	// scan every file for every package).
	filesBySHA256 map[string][]*fileNode
}

// cdxRendering is the model as a CycloneDX BOM whose top-level components
// are built only when asked for (see jsonParts): bom is the document
// without them, top their identifiers, in the document's order.
type cdxRendering struct {
	x   *cdxWriter
	bom *cdx.BOM
	top []string
}

func (m *model) cycloneDX(v cdx.SpecVersion) *cdxRendering {
	x := &cdxWriter{m: m, v: v, pkgByID: map[string]*pkgNode{}, fileByID: map[string]*fileNode{},
		children: map[string][]string{}, containedBy: map[string][]string{}, contains: map[string][]string{},
		deps: map[string][]string{}, fileByPath: map[string]*fileNode{}, filesBySHA256: map[string][]*fileNode{}}
	for _, p := range m.packages {
		x.pkgByID[p.id] = p
	}
	for _, f := range m.files {
		x.fileByID[f.id] = f
		if _, ok := x.fileByPath[f.path]; !ok {
			x.fileByPath[f.path] = f
		}
		x.filesBySHA256[f.sha256] = append(x.filesBySHA256[f.sha256], f)
	}
	for _, r := range m.rels {
		switch r.kind {
		case relContains:
			x.contains[r.a] = append(x.contains[r.a], r.b)
			if p := x.pkgByID[r.b]; p != nil && p.role == roleLibrary {
				x.containedBy[r.b] = append(x.containedBy[r.b], r.a)
				// A library may be contained by several packages; it is
				// listed once, at the top level.
				continue
			}
			x.children[r.a] = append(x.children[r.a], r.b)
		case relStaticLink, relDynamicLink, relDependsOn:
			x.deps[r.a] = append(x.deps[r.a], r.b)
		}
	}

	bom := cdx.NewBOM()
	// The installer's own children become the BOM's top-level components,
	// with the libraries, sorted by bom-ref.
	root := x.component(rootID, false)
	top := append([]string(nil), x.children[rootID]...)
	for _, p := range m.packages {
		if p.role == roleLibrary || p.role == roleUnverified {
			top = append(top, p.id)
		}
	}
	sort.SliceStable(top, func(i, j int) bool { return x.bomRef(top[i]) < x.bomRef(top[j]) })

	h := sha256.Sum256([]byte(m.namespace))
	h[6] = h[6]&0x0f | 0x50 // name-based UUID (version 5 layout) from the namespace
	h[8] = h[8]&0x3f | 0x80
	u := hex.EncodeToString(h[:16])
	bom.SerialNumber = fmt.Sprintf("urn:uuid:%s-%s-%s-%s-%s", u[0:8], u[8:12], u[12:16], u[16:20], u[20:32])
	bom.Version = 1

	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: ToolName, Version: strings.TrimPrefix(m.tool, ToolName+"-")}
	bom.Metadata = &cdx.Metadata{
		Timestamp: m.created,
		// The document is made from the built installer, not from its
		// build: CycloneDX's post-build phase (CISA's "analyzed" SBOM).
		Lifecycles: &[]cdx.Lifecycle{{Phase: cdx.LifecyclePhasePostBuild}},
		Tools:      &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
		Component:  &root,
	}
	// The document's creators: every person and organization is an author
	// (with the e-mail address the creator line gives in parentheses), the
	// first organization also the manufacturer of the BOM (the field BSI
	// TR-03183-2 reads the SBOM creator's contact from).
	var authors []cdx.OrganizationalContact
	for _, c := range m.creators {
		typ, name, _ := strings.Cut(c, ": ")
		if typ != "Person" && typ != "Organization" {
			continue
		}
		name, email, url := splitContact(name)
		authors = append(authors, cdx.OrganizationalContact{Name: name, Email: email})
		if typ == "Organization" && bom.Metadata.Manufacturer == nil {
			bom.Metadata.Manufacturer = organization(name, email, url)
		}
	}
	if len(authors) > 0 {
		bom.Metadata.Authors = &authors
	}

	var graph []cdx.Dependency
	var froms []string
	for a := range x.deps {
		froms = append(froms, a)
	}
	sort.Strings(froms)
	for _, a := range froms {
		var on []string
		for _, b := range dedupSorted(sortedCopy(x.deps[a])) {
			on = append(on, elementRef(b))
		}
		graph = append(graph, cdx.Dependency{Ref: elementRef(a), Dependencies: &on})
	}
	if len(graph) > 0 {
		bom.Dependencies = &graph
	}
	bom.Compositions = x.compositions(froms)
	if m.incomplete {
		props := append(deref(bom.Metadata.Properties), cdx.Property{Name: PropAnnotation, Value: incompleteComment})
		bom.Metadata.Properties = &props
	}
	return &cdxRendering{x: x, bom: bom, top: top}
}

// jsonParts gives the rendering as the JSON document cyclonedx-go's
// encoder writes of the whole BOM, converted to the rendering's version,
// with the top-level components encoded a batch at a time.
func (r *cdxRendering) jsonParts() (*jsonParts, error) {
	head := *r.bom
	arrays := map[string]jsonArray{}
	if n := len(r.top); n > 0 {
		// One component in the head makes the encoder write the member
		// (it is omitempty) where the document has it.
		head.Components = &[]cdx.Component{{}}
		x, top := r.x, r.top
		arrays["components"] = jsonArray{n: n, encode: func(from, to int) ([]byte, error) {
			comps := make([]cdx.Component, 0, to-from)
			for _, id := range top[from:to] {
				comps = append(comps, x.component(id, true))
			}
			return encodeCDXComponents(comps, x.v)
		}}
	}
	b, err := encodeCDX(&head, r.x.v)
	if err != nil {
		return nil, err
	}
	// The head is kept while the components are written; not so the
	// encoder's spare room.
	return &jsonParts{head: bytes.Clone(b), arrays: arrays}, nil
}

// encodeCDX encodes a BOM as the writer's encoder does, converted to the
// version v (cyclonedx-go copies the BOM and drops or changes what v
// cannot say), but compact.
func encodeCDX(bom *cdx.BOM, v cdx.SpecVersion) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// encodeCDXComponents encodes top-level components, as a compact JSON
// array, as they are in the whole BOM's encoding: cyclonedx-go converts
// each on its own (and its copy of a BOM is a copy of each component), so
// a BOM holding only them gives the same bytes for each.
func encodeCDXComponents(comps []cdx.Component, v cdx.SpecVersion) ([]byte, error) {
	b, err := encodeCDX(&cdx.BOM{Components: &comps}, v)
	if err != nil {
		return nil, err
	}
	members, err := compactMembers(b)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.name == "components" {
			return m.value, nil
		}
	}
	return nil, errors.New("compose: cyclonedx-go wrote no components")
}

var (
	cdxPartSchemaMu sync.Mutex
	cdxPartSchemas  = map[string]*partSchema{}
)

// checkCycloneDX checks a CycloneDX document of version v against the
// official JSON schema of that version, a part at a time.
func checkCycloneDX(parts *jsonParts, v cdx.SpecVersion) error {
	version := v.String()
	cdxPartSchemaMu.Lock()
	s, ok := cdxPartSchemas[version]
	if !ok {
		root, err := cdxSchema(version)
		if err == nil {
			s, err = newPartSchema(root, "components")
		}
		if err != nil {
			cdxPartSchemaMu.Unlock()
			return fmt.Errorf("compose: checking the CycloneDX document: %w", err)
		}
		cdxPartSchemas[version] = s
	}
	cdxPartSchemaMu.Unlock()
	viol, err := parts.check(s)
	if err != nil {
		return fmt.Errorf("compose: checking the CycloneDX document: %w", err)
	}
	if viol != nil {
		return fmt.Errorf("%w %s: %s", errInvalidCycloneDX, v, strings.Join(viol.describe(), "; "))
	}
	return nil
}

// compositions says how complete each part of the document is, and only
// what is known:
//   - the installer's contents (its files and sub-installers, and the
//     contents of each sub-installer whose bytes were read) are complete
//     when inspect read every byte: CycloneDX assemblies do not cascade, so
//     this says that each of these packages' own parts are all listed (a
//     library found compiled into a file is a part of that file, not of
//     the package). When inspect could not read everything, the installer
//     is incomplete (CycloneDX's own word for an inventory known to lack
//     parts) and nothing is said of its sub-installers;
//   - the contents of a sub-installer the installer downloads on demand are
//     unknown: its bytes are not in the installer;
//   - what each library and each linking file depends on is unknown: the
//     graph lists the links the bytes show, not every library a library
//     needs (system libraries are not components).
func (x *cdxWriter) compositions(froms []string) *[]cdx.Composition {
	var comps []cdx.Composition
	var read, notRead []cdx.BOMReference
	for _, p := range x.m.packages {
		switch {
		case p.role != roleSubInstaller:
		case hasNotePrefix(p.notes, NoteNotEmbedded):
			notRead = append(notRead, cdx.BOMReference(elementRef(p.id)))
		default:
			read = append(read, cdx.BOMReference(elementRef(p.id)))
		}
	}
	root := []cdx.BOMReference{cdx.BOMReference(elementRef(rootID))}
	if x.m.incomplete {
		comps = append(comps, cdx.Composition{Aggregate: cdx.CompositionAggregateIncomplete, Assemblies: &root})
	} else {
		complete := append(root, read...)
		sortRefs(complete)
		comps = append(comps, cdx.Composition{Aggregate: cdx.CompositionAggregateComplete, Assemblies: &complete})
	}
	if len(notRead) > 0 {
		sortRefs(notRead)
		comps = append(comps, cdx.Composition{Aggregate: cdx.CompositionAggregateUnknown, Assemblies: &notRead})
	}
	unknown := map[string]bool{}
	for _, a := range froms {
		unknown[elementRef(a)] = true
	}
	for _, p := range x.m.packages {
		if p.role == roleLibrary {
			unknown[elementRef(p.id)] = true
		}
	}
	if len(unknown) > 0 {
		var refs []cdx.BOMReference
		for _, r := range sortedKeys(unknown) {
			refs = append(refs, cdx.BOMReference(r))
		}
		comps = append(comps, cdx.Composition{Aggregate: cdx.CompositionAggregateUnknown, Dependencies: &refs})
	}
	return &comps
}

func sortRefs(r []cdx.BOMReference) {
	sort.Slice(r, func(i, j int) bool { return r[i] < r[j] })
}

func hasNotePrefix(notes []string, prefix string) bool {
	for _, n := range notes {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}

// bomRef is the bom-ref of the component the element id becomes.
func (x *cdxWriter) bomRef(id string) string {
	if x.pkgByID[id] == nil && x.fileByID[id] == nil {
		return ""
	}
	return elementRef(id)
}

// component is the element id as a CycloneDX component, with the
// components nested in it when nested is true.
func (x *cdxWriter) component(id string, nested bool) cdx.Component {
	var c cdx.Component
	if p := x.pkgByID[id]; p != nil {
		c = x.pkg(p)
	} else if f := x.fileByID[id]; f != nil {
		c = cdxFile(f)
	}
	var kids []cdx.Component
	if nested {
		for _, k := range x.children[id] {
			kids = append(kids, x.component(k, true))
		}
	}
	if len(kids) > 0 {
		c.Components = &kids
	}
	if cb := x.containedBy[id]; len(cb) > 0 {
		var refs []string
		for _, id := range cb {
			refs = append(refs, elementRef(id))
		}
		props := append(deref(c.Properties), cdx.Property{Name: PropContained, Value: strings.Join(refs, " ")})
		c.Properties = &props
	}
	return c
}

func (x *cdxWriter) pkg(p *pkgNode) cdx.Component {
	c := cdx.Component{BOMRef: elementRef(p.id), Name: p.name, Version: p.version, PackageURL: p.purl(), CPE: p.cpe()}
	var longVersion []cdx.Property
	if len(p.version) > cdxMaxVersion {
		// CycloneDX caps versions at 1024 characters; an installer's
		// longer one is kept whole in a property.
		c.Version = ""
		longVersion = []cdx.Property{{Name: PropLongVersion, Value: p.version}}
	}
	switch p.role {
	case roleInstaller, roleSubInstaller:
		c.Type = cdx.ComponentTypeApplication
	default:
		c.Type = cdx.ComponentTypeLibrary
	}
	if s := p.supplier; s != "" {
		_, name, _ := strings.Cut(s, ": ")
		c.Supplier = organization(splitContact(name))
	}
	// The originator made the package: an organization is its
	// manufacturer, a person its author.
	if o := p.originator; o != "" {
		typ, name, _ := strings.Cut(o, ": ")
		name, email, url := splitContact(name)
		if typ == "Organization" {
			c.Manufacturer = organization(name, email, url)
		} else {
			c.Authors = &[]cdx.OrganizationalContact{{Name: name, Email: email}}
		}
	}
	checksums := p.checksums
	if len(checksums) == 0 && p.role == roleLibrary {
		checksums = x.ownFileChecksums(p)
	}
	var hashes []cdx.Hash
	for _, h := range checksums {
		// A source SBOM's malformed digest cannot be said in CycloneDX
		// (the schema wants hex of a digest's length); the SPDX documents
		// keep it as given.
		if alg, ok := cdxHashAlg(h.alg); ok && cdxHashValue.MatchString(h.value) {
			hashes = append(hashes, cdx.Hash{Algorithm: alg, Value: h.value})
		}
	}
	if len(hashes) > 0 {
		c.Hashes = &hashes
	}
	c.Licenses = x.licenses(p)
	if cp := p.copyright; cp != "" && cp != "NONE" {
		c.Copyright = cp
	}
	var refs []cdx.ExternalReference
	if d := p.download; d != "" && d != "NONE" && cdxIRI(d) {
		ref := cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: d}
		// The installer's and a sub-installer's hashes are those of the
		// bytes at their download location (BSI TR-03183-2 reads the
		// deployable component's SHA-512 from the distribution reference).
		// A library's download location is its source SBOM's, which
		// names its sources, not the file in the installer.
		if (p.role == roleInstaller || p.role == roleSubInstaller) && len(hashes) > 0 {
			hs := append([]cdx.Hash(nil), hashes...)
			ref.Hashes = &hs
		}
		refs = append(refs, ref)
	}
	// The homepage is a source SBOM's, as it gives it.
	if p.homepage != "" && p.homepage != "NOASSERTION" && p.homepage != "NONE" && cdxIRI(p.homepage) {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeWebsite, URL: p.homepage})
	}
	if len(refs) > 0 {
		c.ExternalReferences = &refs
	}
	props := append([]cdx.Property{{Name: PropSPDXID, Value: elementRef(p.id)}}, longVersion...)
	if p.role != roleUnverified {
		if p.fileName != "" {
			props = append(props, cdx.Property{Name: PropBSIFilename, Value: p.fileName})
		}
		exe, arch, structured := x.bsiFlags(p)
		for _, kv := range [][2]string{{PropBSIExecutable, exe}, {PropBSIArchive, arch}, {PropBSIStructured, structured}, {PropBSIAssociatedLicences, associatedLicence(p)}} {
			if kv[1] != "" {
				props = append(props, cdx.Property{Name: kv[0], Value: kv[1]})
			}
		}
	}
	for _, r := range p.refs {
		if r.typ == IdentityRefType {
			props = append(props, cdx.Property{Name: PropIdentity, Value: r.locator})
		}
	}
	if p.linkage != "" {
		props = append(props, cdx.Property{Name: PropLinkage, Value: p.linkage})
	}
	if p.sourceInfo != "" {
		props = append(props, cdx.Property{Name: PropSourceInfo, Value: p.sourceInfo})
	}
	if p.comment != "" {
		props = append(props, cdx.Property{Name: PropComment, Value: p.comment})
	}
	if p.role == roleUnverified {
		props = append(props, cdx.Property{Name: PropUnverified, Value: "true"})
	}
	for _, n := range p.notes {
		props = append(props, cdx.Property{Name: PropAnnotation, Value: n})
	}
	c.Properties = &props
	if len(p.evidence) > 0 {
		var occ []cdx.EvidenceOccurrence
		for _, ev := range p.evidence {
			o := cdx.EvidenceOccurrence{Location: ev.File}
			ctx := "rule " + ev.Rule
			if ev.Resource != "" {
				ctx += ", " + ev.Resource
			}
			if ev.Match != "" {
				ctx += fmt.Sprintf(": %q", ev.Match)
			}
			o.AdditionalContext = ctx
			if ev.Offset >= 0 && ev.Offset <= int64(^uint32(0)>>1) {
				off := int(ev.Offset)
				o.Offset = &off
			}
			occ = append(occ, o)
		}
		c.Evidence = &cdx.Evidence{Identity: identityEvidence(p), Occurrences: &occ}
	}
	return c
}

// licenses gives the concluded licence and the declared one, each as an
// SPDX expression with its acknowledgement. CycloneDX 1.6 holds a single
// expression: the concluded one, or the declared one when nothing was
// concluded. An unknown licence (and NONE) is left out.
// associatedLicence is the value of PropBSIAssociatedLicences: the
// concluded licence, else the declared one, else "".
func associatedLicence(p *pkgNode) string {
	for _, l := range []string{p.licenseConcluded, p.licenseDeclared} {
		if l != "" && l != "NONE" && l != "NOASSERTION" {
			return l
		}
	}
	return ""
}

func (x *cdxWriter) licenses(p *pkgNode) *cdx.Licenses {
	usable := func(s string) bool { return s != "" && s != "NONE" && s != "NOASSERTION" }
	concluded, declared := cdx.LicenseAcknowledgementConcluded, cdx.LicenseAcknowledgementDeclared
	var out cdx.Licenses
	if usable(p.licenseConcluded) {
		out = append(out, cdx.LicenseChoice{Expression: p.licenseConcluded, Acknowledgement: &concluded})
	}
	if usable(p.licenseDeclared) && (x.v >= cdx.SpecVersion1_7 || len(out) == 0) {
		out = append(out, cdx.LicenseChoice{Expression: p.licenseDeclared, Acknowledgement: &declared})
	}
	if len(out) == 0 {
		return nil
	}
	return &out
}

// ownFileChecksums are the hashes of a library's own file (the DLL or
// shared library that is the library, pip's wheel), when the model names
// one (fileName) and every file of that name among the library's evidence
// has the same bytes. A library compiled into another file has no file of
// its own, and no hash: BSI TR-03183-2 asks that it be omitted, not
// invented.
func (x *cdxWriter) ownFileChecksums(p *pkgNode) []checksum {
	if p.fileName == "" {
		return nil
	}
	var own *fileNode
	seen := map[string]bool{}
	for _, ev := range p.evidence {
		// The evidence file itself, or the archive (a wheel) holding it.
		for q := ev.File; q != "." && q != "/" && q != ""; q = path.Dir(q) {
			if path.Base(q) != p.fileName || seen[q] {
				continue
			}
			seen[q] = true
			f := x.fileByPath[q]
			if f == nil {
				continue
			}
			if own != nil && (own.sha1 != f.sha1 || own.sha256 != f.sha256 || own.sha512 != f.sha512) {
				return nil
			}
			own = f
		}
	}
	if own == nil {
		return nil
	}
	return checksumsOf(own.sha1, own.sha256, own.sha512)
}

// bsiFlags are the values of the BSI executable, archive and structured
// properties of a package, "" where the model cannot tell (the property is
// then left out). What they say:
//   - the installer and a sub-installer are archives (they hold the files
//     and packages they install) and structured (they list their contents:
//     an MSI's File table, a Burn manifest, a pkg's Bom, a zip's central
//     directory); executable when their own file is a program (a Burn
//     bundle, a self-extracting .exe), not when it is a database or an
//     archive format (.msi, .pkg, .zip). A bare binary inspected as itself
//     is no archive and unstructured;
//   - a library is executable (it is code: machine code, or the Python
//     code of a distribution); an archive and structured when it is
//     distributed as an archive (pip's wheel); otherwise no archive, and
//     structured only when its own metadata is in the installer with it (a
//     .dist-info directory, a package.json: identified by manifest
//     analysis), unstructured when only its compiled code shows it.
func (x *cdxWriter) bsiFlags(p *pkgNode) (exe, archive, structured string) {
	switch p.role {
	case roleInstaller, roleSubInstaller:
		own := x.ownFile(p)
		// It holds files other than its own bytes, or other packages (a
		// library it contains has its file contained beside it).
		holds := false
		for _, id := range x.contains[p.id] {
			if q := x.pkgByID[id]; q != nil && q.role == roleLibrary || own != nil && id == own.id {
				continue
			}
			holds = true
		}
		kind := ""
		if own != nil {
			kind = own.kind
		}
		ext := strings.ToLower(path.Ext(p.fileName))
		switch {
		case kind == inspect.KindPE || kind == inspect.KindMachO || kind == inspect.KindELF:
			exe = BSIExecutable
		case kind != "":
			exe = BSINonExecutable
		case ext == ".exe":
			exe = BSIExecutable
		case archiveExt[ext]:
			exe = BSINonExecutable
		case p.fileName == "" && holds:
			// A package that is its contents (a component package
			// directory inside a product archive) is no program file.
			exe = BSINonExecutable
		}
		switch {
		case holds || kind == inspect.KindArchive || archiveExt[ext]:
			archive, structured = BSIArchive, BSIStructured
		case kind != "":
			archive, structured = BSINoArchive, BSIUnstructured
		}
	case roleLibrary:
		exe = BSIExecutable
		switch {
		case archiveExt[strings.ToLower(path.Ext(p.fileName))]:
			archive, structured = BSIArchive, BSIStructured
		default:
			archive, structured = BSINoArchive, BSIUnstructured
			for _, ev := range p.evidence {
				if t, _ := evidenceTechnique(ev); t == cdx.EvidenceIdentityTechniqueManifestAnalysis {
					structured = BSIStructured
				}
			}
		}
	}
	return exe, archive, structured
}

// archiveExt are the file name extensions of the archive and installer
// formats compose meets, which are not programs.
var archiveExt = map[string]bool{".msi": true, ".msp": true, ".msm": true, ".pkg": true, ".mpkg": true, ".xar": true,
	".zip": true, ".cab": true, ".whl": true, ".egg": true, ".jar": true, ".nupkg": true, ".asar": true,
	".dmg": true, ".tar": true, ".tgz": true, ".gz": true, ".xz": true, ".bz2": true, ".7z": true, ".appx": true, ".msix": true}

// ownFile is the file node that holds a package's own bytes: the file its
// SHA-256 and file name point to (an embedded sub-installer; the artifact
// itself when inspect read it as a bare file).
func (x *cdxWriter) ownFile(p *pkgNode) *fileNode {
	want := ""
	for _, c := range p.checksums {
		if c.alg == "SHA256" {
			want = c.value
		}
	}
	if want == "" || p.fileName == "" {
		return nil
	}
	for _, f := range x.filesBySHA256[want] {
		if path.Base(f.path) == p.fileName {
			return f
		}
	}
	return nil
}

// Confidence the writer gives each identification technique in
// evidence.identity (CycloneDX requires one per method). They are stated
// judgements, not measured rates: 1 for metadata the component's own build
// or packager wrote (a manifest, a version resource, a Go or Rust build
// record, the name a library gives itself in its header), 0.8 for a
// fingerprint rule's byte pattern (tied to the library's own strings and
// proven on real binaries, but a string can be quoted elsewhere), 0.5 for
// a file name alone and for anything else.
const (
	confidenceMetadata = 1.0
	confidencePattern  = 0.8
	confidenceWeak     = 0.5
)

// evidenceTechnique is the CycloneDX identification technique of one piece
// of evidence and the confidence given to it.
func evidenceTechnique(ev inspect.Evidence) (cdx.EvidenceIdentityTechnique, float32) {
	rule := ev.Rule
	for _, prefix := range []string{"npm.", "pypi.", "nuget.", "maven.", "macos."} {
		if strings.HasPrefix(rule, prefix) {
			return cdx.EvidenceIdentityTechniqueManifestAnalysis, confidenceMetadata
		}
	}
	switch {
	case ev.Offset >= 0:
		return cdx.EvidenceIdentityTechniqueBinaryAnalysis, confidencePattern
	case strings.HasSuffix(rule, ".library-name"):
		if ev.Resource == "file name" {
			return cdx.EvidenceIdentityTechniqueFilename, confidenceWeak
		}
		// The export name, LC_ID_DYLIB or DT_SONAME.
		return cdx.EvidenceIdentityTechniqueBinaryAnalysis, confidenceMetadata
	case strings.HasSuffix(rule, ".versioninfo"), strings.HasPrefix(ev.Resource, "VERSIONINFO/"), rule == "pe.product", rule == "golang.buildinfo",
		rule == "cargo.auditable", rule == "dotnet.assembly":
		return cdx.EvidenceIdentityTechniqueBinaryAnalysis, confidenceMetadata
	}
	return cdx.EvidenceIdentityTechniqueOther, confidenceWeak
}

// identityEvidence says how the component was identified: its name by
// every technique and rule whose evidence names it, and its version, when
// the version is the bytes' (not a source SBOM's), by the evidence whose
// matched text shows that version. Each method's value is the rule or
// cataloguer that found the evidence.
func identityEvidence(p *pkgNode) *cdx.EvidenceIdentityChoice {
	methods := func(keep func(inspect.Evidence) bool) *[]cdx.EvidenceIdentityMethod {
		type key struct {
			t    cdx.EvidenceIdentityTechnique
			rule string
		}
		conf := map[key]float32{}
		for _, ev := range p.evidence {
			if keep(ev) {
				t, c := evidenceTechnique(ev)
				conf[key{t, ev.Rule}] = c
			}
		}
		if len(conf) == 0 {
			return nil
		}
		var out []cdx.EvidenceIdentityMethod
		for k, c := range conf {
			c := c
			out = append(out, cdx.EvidenceIdentityMethod{Technique: k.t, Confidence: &c, Value: k.rule})
		}
		sort.Slice(out, func(i, j int) bool {
			if out[i].Technique != out[j].Technique {
				return out[i].Technique < out[j].Technique
			}
			return out[i].Value < out[j].Value
		})
		return &out
	}
	var ids []cdx.EvidenceIdentity
	if ms := methods(func(inspect.Evidence) bool { return true }); ms != nil {
		ids = append(ids, cdx.EvidenceIdentity{Field: cdx.EvidenceIdentityFieldTypeName, ConcludedValue: p.name, Methods: ms})
	}
	if p.version != "" && !hasNotePrefix(p.notes, NoteVersionFromSourceSBOM) {
		if ms := methods(func(ev inspect.Evidence) bool { return strings.Contains(ev.Match, p.version) }); ms != nil {
			ids = append(ids, cdx.EvidenceIdentity{Field: cdx.EvidenceIdentityFieldTypeVersion, ConcludedValue: p.version, Methods: ms})
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return &cdx.EvidenceIdentityChoice{Identities: &ids}
}

// splitContact splits an SPDX creator or supplier name "Name (contact)"
// into the name and the e-mail address or URL in the parentheses.
func splitContact(s string) (name, email, url string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndex(s, "(")
	if i < 0 || !strings.HasSuffix(s, ")") {
		return s, "", ""
	}
	contact := strings.TrimSpace(s[i+1 : len(s)-1])
	name = strings.TrimSpace(s[:i])
	switch {
	case name == "":
		return s, "", ""
	case contact == "":
		return name, "", ""
	case strings.HasPrefix(contact, "https://") || strings.HasPrefix(contact, "http://"):
		if !strings.ContainsAny(contact, " \t<>\"") && cdxIRI(contact) {
			return name, "", contact
		}
	case strings.Count(contact, "@") == 1 && !strings.ContainsAny(contact, " \t<>()[],;:\"") &&
		!strings.HasPrefix(contact, "@") && !strings.HasSuffix(contact, "@"):
		return name, contact, ""
	}
	return s, "", ""
}

// organization is an organizational entity with its contact, if any.
func organization(name, email, url string) *cdx.OrganizationalEntity {
	o := &cdx.OrganizationalEntity{Name: name}
	if email != "" {
		o.Contact = &[]cdx.OrganizationalContact{{Email: email}}
	}
	if url != "" {
		o.URL = &[]string{url}
	}
	return o
}

// PropLongVersion holds a version longer than CycloneDX's 1024 characters.
const PropLongVersion = "installer-sbom:version"

const cdxMaxVersion = 1024

// cdxHashValue is the CycloneDX schema's hash-content pattern.
var cdxHashValue = regexp.MustCompile(`^([a-fA-F0-9]{32}|[a-fA-F0-9]{40}|[a-fA-F0-9]{64}|[a-fA-F0-9]{96}|[a-fA-F0-9]{128})$`)

var (
	cdxIRIOnce   sync.Once
	cdxIRISchema *jsonschema.Schema
)

// cdxIRI says whether s passes the schema's iri-reference format, which
// every URL in the document must: checked with the validator the document
// is checked with, so that a source SBOM's odd homepage is left out rather
// than make the document invalid.
func cdxIRI(s string) bool {
	cdxIRIOnce.Do(func() {
		c := jsonschema.NewCompiler()
		doc := map[string]any{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string", "format": "iri-reference"}
		if err := c.AddResource("mem://iri.json", doc); err == nil {
			cdxIRISchema, _ = c.Compile("mem://iri.json")
		}
	})
	return cdxIRISchema != nil && cdxIRISchema.Validate(s) == nil
}

func cdxFile(f *fileNode) cdx.Component {
	c := cdx.Component{BOMRef: elementRef(f.id), Type: cdx.ComponentTypeFile, Name: f.path,
		Hashes: &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA1, Value: f.sha1}, {Algorithm: cdx.HashAlgoSHA256, Value: f.sha256}}}
	if f.sha512 != "" {
		*c.Hashes = append(*c.Hashes, cdx.Hash{Algorithm: cdx.HashAlgoSHA512, Value: f.sha512})
	}
	if f.comment != "" {
		c.Properties = &[]cdx.Property{{Name: PropComment, Value: f.comment}}
	}
	return c
}

func cdxHashAlg(a string) (cdx.HashAlgorithm, bool) {
	switch a {
	case "SHA1":
		return cdx.HashAlgoSHA1, true
	case "SHA256":
		return cdx.HashAlgoSHA256, true
	case "SHA384":
		return cdx.HashAlgoSHA384, true
	case "SHA512":
		return cdx.HashAlgoSHA512, true
	case "MD5":
		return cdx.HashAlgoMD5, true
	case "SHA3-256":
		return cdx.HashAlgoSHA3_256, true
	case "SHA3-384":
		return cdx.HashAlgoSHA3_384, true
	case "SHA3-512":
		return cdx.HashAlgoSHA3_512, true
	case "BLAKE2b-256":
		return cdx.HashAlgoBlake2b_256, true
	case "BLAKE2b-384":
		return cdx.HashAlgoBlake2b_384, true
	case "BLAKE2b-512":
		return cdx.HashAlgoBlake2b_512, true
	case "BLAKE3":
		return cdx.HashAlgoBlake3, true
	}
	return "", false
}

func deref(p *[]cdx.Property) []cdx.Property {
	if p == nil {
		return nil
	}
	return *p
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// The official CycloneDX JSON schemas, as the CycloneDX JavaScript library
// 10.3.0 ships them (schema/cyclonedx/README.md says where from). Each file
// is registered under http://cyclonedx.org/schema/<file name>, the URL the
// bom schemas' relative $refs resolve to.
//
//go:embed schema/cyclonedx/*.schema.json
var cdxSchemaFiles embed.FS

const cdxSchemaBase = "http://cyclonedx.org/schema/"

var (
	cdxSchemaMu       sync.Mutex
	cdxSchemaCompiled = map[string]*jsonschema.Schema{}
)

// cdxSchema returns the official JSON schema of a CycloneDX version ("1.6"
// or "1.7"), compiled once.
func cdxSchema(version string) (*jsonschema.Schema, error) {
	cdxSchemaMu.Lock()
	defer cdxSchemaMu.Unlock()
	if s, ok := cdxSchemaCompiled[version]; ok {
		return s, nil
	}
	mainFile := "bom-" + version + ".SNAPSHOT.schema.json"
	if _, err := cdxSchemaFiles.Open("schema/cyclonedx/" + mainFile); err != nil {
		return nil, fmt.Errorf("no schema for CycloneDX %q", version)
	}
	entries, err := cdxSchemaFiles.ReadDir("schema/cyclonedx")
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	for _, e := range entries {
		// The other versions' bom schemas are not needed.
		if strings.HasPrefix(e.Name(), "bom-") && e.Name() != mainFile {
			continue
		}
		b, err := cdxSchemaFiles.ReadFile("schema/cyclonedx/" + e.Name())
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
		if err := c.AddResource(cdxSchemaBase+e.Name(), doc); err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name(), err)
		}
	}
	s, err := c.Compile(cdxSchemaBase + mainFile)
	if err != nil {
		return nil, err
	}
	cdxSchemaCompiled[version] = s
	return s, nil
}

// ValidateCycloneDXSchema checks a CycloneDX JSON document against the
// official schema of the specVersion it declares (1.6 or 1.7). It returns
// that version and one line per schema violation ("<JSON pointer>:
// <message>"), none when the document passes; an error when the document
// is not a JSON object or declares a version without a vendored schema.
func ValidateCycloneDXSchema(doc []byte) (version string, problems []string, err error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return "", nil, err
	}
	root, ok := inst.(map[string]any)
	if !ok {
		return "", nil, errors.New("the document is not a JSON object")
	}
	version, _ = root["specVersion"].(string)
	problems, err = validateCycloneDXInstance(inst, version)
	return version, problems, err
}

// cycloneDXSchemaCheckProblems is validate's schema check of a CycloneDX
// document: one problem per schema violation, named by the bom-ref of the
// component it is in ("document" outside any).
func cycloneDXSchemaCheckProblems(doc []byte, specVersion string) []Problem {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return []Problem{{Element: "document", Rule: RuleJSON, Message: err.Error()}}
	}
	if _, err := cdxSchema(specVersion); err != nil {
		return []Problem{{Element: "document", Rule: RuleSchema, Warning: true,
			Message: fmt.Sprintf("CycloneDX %q: compose has the official schemas of CycloneDX 1.6 and 1.7 only; the schema was not checked", specVersion)}}
	}
	lines, err := validateCycloneDXInstance(inst, specVersion)
	if err != nil {
		return []Problem{{Element: "document", Rule: RuleSchema, Message: err.Error()}}
	}
	var probs []Problem
	for _, l := range lines {
		ptr, _, _ := strings.Cut(l, ": ")
		probs = append(probs, Problem{Element: cdxElementAt(inst, ptr), Rule: RuleSchema, Message: l})
	}
	return probs
}

// cdxElementAt is the bom-ref of the innermost component (or other object
// with a bom-ref) a JSON pointer points into, "document" when there is
// none.
func cdxElementAt(inst any, ptr string) string {
	el := "document"
	cur := inst
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case map[string]any:
			cur = v[tok]
		case []any:
			i := -1
			fmt.Sscanf(tok, "%d", &i)
			if i < 0 || i >= len(v) {
				return el
			}
			cur = v[i]
		default:
			return el
		}
		if m, ok := cur.(map[string]any); ok {
			if r, ok := m["bom-ref"].(string); ok && r != "" {
				el = r
			}
		}
	}
	return el
}

func cycloneDXSchemaProblems(doc []byte, version string) ([]string, error) {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	return validateCycloneDXInstance(inst, version)
}

func validateCycloneDXInstance(inst any, version string) ([]string, error) {
	sch, err := cdxSchema(version)
	if err != nil {
		return nil, err
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	return schemaErrorLines(ve, ""), nil
}
