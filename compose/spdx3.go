package compose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
	spdx3 "github.com/spdx/tools-golang/spdx/v3/v3_0"
)

// FormatSPDX3JSON is the output format name of the SPDX 3.0.1 JSON-LD
// writer.
const FormatSPDX3JSON = "spdx3-json"

// SPDX3Context is the JSON-LD context every SPDX 3.0.1 document names.
const SPDX3Context = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"

func init() {
	// application/spdx3+json is IANA's media type for SPDX 3 JSON-LD;
	// application/spdx+json is SPDX 2's, a different data model.
	RegisterFormat(Format{Name: FormatSPDX3JSON, Ext: ".spdx3.json", MediaType: "application/spdx3+json", Write: WriteSPDX3JSON})
}

// errInvalidSPDX3 means compose produced an SPDX 3 document that tools-golang
// cannot read back or finds invalid: a bug in compose.
var errInvalidSPDX3 = errors.New("compose: the composed document is not valid SPDX 3.0.1")

// WriteSPDX3JSON writes the composed result as SPDX 3.0.1 JSON-LD with the
// same content as the SPDX 2.3 document:
//
//   - one CreationInfo (blank node _:creationinfo) shared by every element:
//     specVersion 3.0.1, created, createdBy (the tool as a SoftwareAgent and
//     every creator as a Person or Organization), createdUsing (the tool);
//   - the SpdxDocument, whose rootElement is the installer package and whose
//     element list names every other element; its comment says when the
//     document is incomplete;
//   - the installer and sub-installers as software_Package with
//     primaryPurpose install, components as software_Package with
//     primaryPurpose library; suppliers and originators as Person or
//     Organization elements; checksums as verifiedUsing Hash entries (and
//     the package verification code); PURL and CPE as externalIdentifier
//     entries (the first PURL also as software_packageUrl);
//   - every file as a software_File named as in SPDX 2.3 ("./" + its nested
//     path), with its SHA-1, SHA-256 and SHA-512, and its SPDX 2.3 file types
//     as purposes (BINARY: executable, ARCHIVE: archive, SOURCE: source,
//     DOCUMENTATION: documentation);
//   - one Relationship per model relationship (contains, hasStaticLink,
//     hasDynamicLink, dependsOn, other), one hasConcludedLicense or
//     hasDeclaredLicense Relationship per known license, to a
//     simplelicensing_LicenseExpression (or to the NoneLicense individual
//     when the license is NONE); an unknown license has none;
//   - one Annotation (annotationType other) per note, statement = the note,
//     subject = the package.
//
// Identifiers are IRIs under the document namespace, "<namespace>#" + the
// element's SPDX 2.3 identifier, so an element is found under the same name
// in every format; elements with no SPDX 2.3 counterpart (agents,
// relationships, license expressions, annotations) get identifiers derived
// from their content. The graph is in a fixed order and every list sorted,
// so the same result gives the same bytes. The output is read back with
// tools-golang's SPDX 3 reader and validated before it is written.
func WriteSPDX3JSON(w io.Writer, res *Result) error {
	if res == nil || res.m == nil {
		return errors.New("compose: WriteSPDX3JSON needs a Result from Compose")
	}
	limit := res.limits.SPDX3Objects
	if n := res.m.spdx3ObjectsAtLeast(); n > limit {
		return spdx3LimitError(n, limit)
	}
	b, err := res.m.spdx3JSON(limit)
	if err != nil {
		return err
	}
	if err := checkSPDX3(b); err != nil {
		return fmt.Errorf("%w: %v", errInvalidSPDX3, err)
	}
	_, err = w.Write(b)
	return err
}

// checkSPDX3 reads a document back with tools-golang and validates it.
func checkSPDX3(b []byte) error {
	doc := &spdx3.Document{}
	if err := doc.FromJSON(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("reading it back: %w", err)
	}
	var errs []error
	for _, err := range flatten(doc.Validate(false)) {
		// tools-golang reads the NoneLicense individual as its predefined
		// value, which has no creationInfo: the individual is defined by
		// the SPDX model, not by the document, and needs none.
		if strings.HasSuffix(err.Error(), "<IndividualLicensingInfo> .CreationInfo: required") {
			continue
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// flatten lists the errors an errors.Join holds.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// spdx3Node is one object of the @graph. Fields are in the order they are
// written; a field is left out when empty.
type spdx3Node struct {
	Type         string `json:"type"`
	BlankID      string `json:"@id,omitempty"`
	SpdxID       string `json:"spdxId,omitempty"`
	CreationInfo string `json:"creationInfo,omitempty"`
	// CreationInfo's own properties.
	SpecVersion  string   `json:"specVersion,omitempty"`
	Created      string   `json:"created,omitempty"`
	CreatedBy    []string `json:"createdBy,omitempty"`
	CreatedUsing []string `json:"createdUsing,omitempty"`

	Name    string `json:"name,omitempty"`
	Comment string `json:"comment,omitempty"`

	// SpdxDocument.
	DataLicense        string   `json:"dataLicense,omitempty"`
	ProfileConformance []string `json:"profileConformance,omitempty"`
	RootElement        []string `json:"rootElement,omitempty"`
	Element            []string `json:"element,omitempty"`

	// Relationship.
	From             string   `json:"from,omitempty"`
	RelationshipType string   `json:"relationshipType,omitempty"`
	To               []string `json:"to,omitempty"`

	// Annotation.
	AnnotationType string `json:"annotationType,omitempty"`
	Subject        string `json:"subject,omitempty"`
	Statement      string `json:"statement,omitempty"`

	// simplelicensing_LicenseExpression and SimpleLicensingText.
	LicenseExpression string       `json:"simplelicensing_licenseExpression,omitempty"`
	CustomIDToURI     []spdx3Entry `json:"simplelicensing_customIdToUri,omitempty"`
	LicenseText       string       `json:"simplelicensing_licenseText,omitempty"`

	// Software artifacts.
	PackageVersion     string               `json:"software_packageVersion,omitempty"`
	PrimaryPurpose     string               `json:"software_primaryPurpose,omitempty"`
	AdditionalPurpose  []string             `json:"software_additionalPurpose,omitempty"`
	FileKind           string               `json:"software_fileKind,omitempty"`
	DownloadLocation   string               `json:"software_downloadLocation,omitempty"`
	HomePage           string               `json:"software_homePage,omitempty"`
	PackageURL         string               `json:"software_packageUrl,omitempty"`
	SourceInfo         string               `json:"software_sourceInfo,omitempty"`
	CopyrightText      string               `json:"software_copyrightText,omitempty"`
	SuppliedBy         string               `json:"suppliedBy,omitempty"`
	OriginatedBy       []string             `json:"originatedBy,omitempty"`
	VerifiedUsing      []spdx3Integrity     `json:"verifiedUsing,omitempty"`
	ExternalIdentifier []spdx3ExtIdentifier `json:"externalIdentifier,omitempty"`
	ExternalRef        []spdx3ExternalRef   `json:"externalRef,omitempty"`
}

// spdx3Entry is a DictionaryEntry.
type spdx3Entry struct {
	Type  string `json:"type"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

// spdx3Integrity is a Hash or a PackageVerificationCode.
type spdx3Integrity struct {
	Type      string `json:"type"`
	Algorithm string `json:"algorithm"`
	HashValue string `json:"hashValue"`
}

type spdx3ExtIdentifier struct {
	Type       string `json:"type"`
	IDType     string `json:"externalIdentifierType"`
	Identifier string `json:"identifier"`
	Comment    string `json:"comment,omitempty"`
}

type spdx3ExternalRef struct {
	Type    string   `json:"type"`
	RefType string   `json:"externalRefType"`
	Locator []string `json:"locator"`
	Comment string   `json:"comment,omitempty"`
}

type spdx3Doc struct {
	Context string       `json:"@context"`
	Graph   []*spdx3Node `json:"@graph"`
}

const spdx3CreationInfo = "_:creationinfo"

// spdx3NoneLicense is the SPDX 3 individual for "there is no license"
// (SPDX 2's NONE).
const spdx3NoneLicense = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoneLicense"

// spdx3Relationship is the SPDX 3 relationship type of each model
// relationship kind.
var spdx3Relationship = map[string]string{
	relContains:    "contains",
	relStaticLink:  "hasStaticLink",
	relDynamicLink: "hasDynamicLink",
	relDependsOn:   "dependsOn",
	relUnverified:  "other",
}

// spdx3Purpose is the SPDX 3 software purpose of an SPDX 2.3 package
// purpose or file type. File types with no SPDX 3 purpose (TEXT, IMAGE,
// AUDIO, ...) are not listed.
var spdx3Purpose = map[string]string{
	"APPLICATION": "application", "ARCHIVE": "archive", "CONTAINER": "container", "DEVICE": "device",
	"FILE": "file", "FIRMWARE": "firmware", "FRAMEWORK": "framework", "INSTALL": "install",
	"LIBRARY": "library", "OPERATING_SYSTEM": "operatingSystem", "OPERATING-SYSTEM": "operatingSystem",
	"OTHER": "other", "SOURCE": "source",
	// file types
	"BINARY": "executable", "DOCUMENTATION": "documentation",
}

// spdx3Hash is the SPDX 3 hash algorithm of an SPDX 2.3 checksum algorithm.
var spdx3Hash = map[string]string{
	"SHA1": "sha1", "SHA224": "sha224", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512",
	"SHA3-256": "sha3_256", "SHA3-384": "sha3_384", "SHA3-512": "sha3_512",
	"MD2": "md2", "MD4": "md4", "MD5": "md5", "MD6": "md6",
	"BLAKE2b-256": "blake2b256", "BLAKE2b-384": "blake2b384", "BLAKE2b-512": "blake2b512",
	"BLAKE3": "blake3", "ADLER32": "adler32",
}

// spdx3IdentifierType is the SPDX 3 externalIdentifierType of an SPDX 2.3
// external reference type that identifies the package.
var spdx3IdentifierType = map[string]string{
	"purl": "packageUrl", "cpe23Type": "cpe23", "cpe22Type": "cpe22", "swid": "swid",
	"gitoid": "gitoid", "swh": "swhid",
}

// spdx3RefType is the SPDX 3 externalRefType of an SPDX 2.3 external
// reference type that points to a resource about the package.
var spdx3RefType = map[string]string{
	"maven-central": "mavenCentral", "npm": "npm", "nuget": "nuget", "bower": "bower",
	"advisory": "securityAdvisory", "fix": "securityFix", "url": "securityOther",
}

var spdx3Email = regexp.MustCompile(`^(.*\S)\s*[(<]([^()<>\s]+@[^()<>\s]+)[)>]$`)

// spdx3Writer builds the graph of one model.
type spdx3Writer struct {
	m     *model
	ns    string // "<namespace>#"
	graph []*spdx3Node
	// agents by "Type: name", licenses by expression: their identifiers.
	agents   map[string]string
	licenses map[string]string
	// elements other than the document, in graph order.
	elements []string
	// relationships and annotations are collected and identified at the end.
	rels  [][4]string // from, type, to, comment
	notes [][2]string // subject, statement
}

// spdx3ObjectsAtLeast counts objects the SPDX 3 graph of the model will
// hold, before it is built: one per package, file, relationship, note and
// licence relationship, and the creation information, the document, the
// tool and its agent and the data licence. The agents and licences,
// named once each, and the installer's own file are not counted.
func (m *model) spdx3ObjectsAtLeast() int64 {
	n := int64(5 + len(m.packages) + len(m.files) + len(m.rels))
	for _, p := range m.packages {
		n += int64(len(p.notes))
		if p.licenseConcluded != "" {
			n++
		}
		if p.licenseDeclared != "" {
			n++
		}
	}
	return n
}

// spdx3LimitError refuses an SPDX 3 document of n objects or more.
func spdx3LimitError(n, limit int64) error {
	return fmt.Errorf("compose: %w: the SPDX 3 document would hold %d objects or more, over the spdx3-objects limit of %d "+
		"(its writer reads the whole document back to check it, about 16 KB and 0.2 ms per object)", inspect.ErrLimit, n, limit)
}

// newSPDX3Writer is a writer of m's SPDX 3 graph, not yet built.
func newSPDX3Writer(m *model) *spdx3Writer {
	return &spdx3Writer{m: m, ns: m.namespace + "#", agents: map[string]string{}, licenses: map[string]string{}}
}

// spdx3JSON builds the graph and encodes it, unless it holds more than
// limit objects.
func (m *model) spdx3JSON(limit int64) ([]byte, error) {
	w := newSPDX3Writer(m)
	if err := w.build(); err != nil {
		return nil, err
	}
	if n := int64(len(w.graph)); n > limit {
		return nil, spdx3LimitError(n, limit)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(spdx3Doc{Context: SPDX3Context, Graph: w.graph}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (w *spdx3Writer) iri(id string) string { return w.ns + elementRef(id) }

func (w *spdx3Writer) add(n *spdx3Node) {
	n.CreationInfo = spdx3CreationInfo
	w.graph = append(w.graph, n)
	w.elements = append(w.elements, n.SpdxID)
}

func (w *spdx3Writer) build() error {
	m := w.m
	ci := &spdx3Node{Type: "CreationInfo", BlankID: spdx3CreationInfo, SpecVersion: spdx3.Version, Created: m.created}
	doc := &spdx3Node{
		Type: "SpdxDocument", SpdxID: w.ns + "SPDXRef-DOCUMENT", CreationInfo: spdx3CreationInfo, Name: m.name,
		ProfileConformance: []string{"core", "software", "simpleLicensing"},
		RootElement:        []string{w.iri(rootID)},
	}
	if m.incomplete {
		doc.Comment = incompleteComment
	}
	w.graph = append(w.graph, ci, doc)

	// The creators: the tool is a Tool (createdUsing) and, since createdBy
	// must name an agent, also a SoftwareAgent; people and organisations are
	// agents.
	toolIDs, err := assignIDs([]idItem{{"Tool", m.tool, "Tool\x00" + m.tool}, {"SoftwareAgent", m.tool, "SoftwareAgent\x00" + m.tool}})
	if err != nil {
		return err
	}
	tool := &spdx3Node{Type: "Tool", SpdxID: w.iri(toolIDs[0]), Name: m.tool}
	w.add(tool)
	ci.CreatedUsing = []string{tool.SpdxID}
	agent := &spdx3Node{Type: "SoftwareAgent", SpdxID: w.iri(toolIDs[1]), Name: m.tool}
	w.add(agent)
	ci.CreatedBy = []string{agent.SpdxID}
	for _, c := range m.creators {
		if strings.HasPrefix(c, "Tool: ") {
			continue // the tool itself, added above
		}
		id, err := w.agent(c)
		if err != nil {
			return fmt.Errorf("compose: creator %q: %w", c, err)
		}
		ci.CreatedBy = append(ci.CreatedBy, id)
	}
	dataLicense, err := w.license("CC0-1.0")
	if err != nil {
		return err
	}
	doc.DataLicense = dataLicense

	for _, p := range m.packages {
		if err := w.pkg(p); err != nil {
			return fmt.Errorf("compose: package %s: %w", p.id, err)
		}
	}
	for _, f := range m.files {
		w.file(f)
	}
	if err := w.distributionArtifacts(); err != nil {
		return err
	}
	for _, r := range m.rels {
		typ, ok := spdx3Relationship[r.kind]
		if !ok {
			return fmt.Errorf("compose: relationship kind %q has no SPDX 3 type", r.kind)
		}
		w.rels = append(w.rels, [4]string{w.iri(r.a), typ, w.iri(r.b), r.comment})
	}
	if err := w.addRelationships(); err != nil {
		return err
	}
	if err := w.addAnnotations(); err != nil {
		return err
	}
	doc.Element = w.elements
	return nil
}

// agent returns the identifier of an agent ("Person: x", "Organization: y"),
// adding it on first use. A Person's or Organization's e-mail address in
// parentheses becomes an email external identifier.
func (w *spdx3Writer) agent(a string) (string, error) {
	if id, ok := w.agents[a]; ok {
		return id, nil
	}
	typ, name, ok := strings.Cut(a, ": ")
	if !ok || (typ != "Person" && typ != "Organization") || strings.TrimSpace(name) == "" {
		return "", fmt.Errorf("agent %q is not Person: or Organization:", a)
	}
	ids, err := assignIDs([]idItem{{typ, name, typ + "\x00" + name}})
	if err != nil {
		return "", err
	}
	n := &spdx3Node{Type: typ, SpdxID: w.iri(ids[0]), Name: name}
	if m := spdx3Email.FindStringSubmatch(name); m != nil {
		n.Name = m[1]
		n.ExternalIdentifier = []spdx3ExtIdentifier{{Type: "ExternalIdentifier", IDType: "email", Identifier: m[2]}}
	}
	w.add(n)
	w.agents[a] = n.SpdxID
	return n.SpdxID, nil
}

// license returns the identifier of a license expression, adding it on
// first use; NONE is the NoneLicense individual.
func (w *spdx3Writer) license(expr string) (string, error) {
	if expr == "NONE" {
		return spdx3NoneLicense, nil
	}
	if id, ok := w.licenses[expr]; ok {
		return id, nil
	}
	ids, err := assignIDs([]idItem{{"LicenseExpression", expr, "LicenseExpression\x00" + expr}})
	if err != nil {
		return "", err
	}
	n := &spdx3Node{Type: "simplelicensing_LicenseExpression", SpdxID: w.iri(ids[0]), LicenseExpression: expr}
	// Each LicenseRef the expression names is defined in the document, as
	// SPDX 2.3's extracted licensing infos define them: a
	// SimpleLicensingText the expression maps the identifier to.
	for _, ref := range licenseRefs(expr) {
		text, err := w.licenseText(ref)
		if err != nil {
			return "", err
		}
		n.CustomIDToURI = append(n.CustomIDToURI, spdx3Entry{Type: "DictionaryEntry", Key: ref, Value: text})
	}
	w.add(n)
	w.licenses[expr] = n.SpdxID
	return n.SpdxID, nil
}

// licenseText returns the identifier of the SimpleLicensingText that
// defines a LicenseRef, adding it on first use.
func (w *spdx3Writer) licenseText(ref string) (string, error) {
	if id, ok := w.licenses["\x00text\x00"+ref]; ok {
		return id, nil
	}
	ids, err := assignIDs([]idItem{{"LicenseText", ref, "SimpleLicensingText\x00" + ref}})
	if err != nil {
		return "", err
	}
	name, text, comment := licenseRefDefinition(ref)
	if name == "NOASSERTION" {
		name = ref
	}
	n := &spdx3Node{Type: "simplelicensing_SimpleLicensingText", SpdxID: w.iri(ids[0]), Name: name, Comment: comment, LicenseText: text}
	w.add(n)
	w.licenses["\x00text\x00"+ref] = n.SpdxID
	return n.SpdxID, nil
}

// isURL says whether s is an absolute URL (not NONE or NOASSERTION).
func isURL(s string) bool {
	if s == "" || s == "NONE" || s == "NOASSERTION" || strings.ContainsAny(s, " \t\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func (w *spdx3Writer) pkg(p *pkgNode) error {
	n := &spdx3Node{
		Type: "software_Package", SpdxID: w.iri(p.id), Name: p.name, Comment: p.comment,
		PackageVersion: p.version, PrimaryPurpose: spdx3Purpose[p.purpose],
		SourceInfo: p.sourceInfo, CopyrightText: p.copyright,
	}
	if p.purpose != "" && n.PrimaryPurpose == "" {
		n.PrimaryPurpose = "other"
	}
	if isURL(p.download) {
		n.DownloadLocation = p.download
	}
	if isURL(p.homepage) {
		n.HomePage = p.homepage
	}
	// Agents are added to the graph before the package that names them.
	var err error
	if known(p.supplier) != "" {
		if n.SuppliedBy, err = w.agent(p.supplier); err != nil {
			return err
		}
	}
	if known(p.originator) != "" {
		o, err := w.agent(p.originator)
		if err != nil {
			return err
		}
		n.OriginatedBy = []string{o}
	}
	if p.filesAnalyzed && p.verificationCode != "" {
		n.VerifiedUsing = append(n.VerifiedUsing, spdx3Integrity{Type: "PackageVerificationCode", Algorithm: "sha1", HashValue: p.verificationCode})
	}
	for _, c := range p.checksums {
		alg, ok := spdx3Hash[c.alg]
		if !ok {
			return fmt.Errorf("checksum algorithm %q has no SPDX 3 name", c.alg)
		}
		n.VerifiedUsing = append(n.VerifiedUsing, spdx3Integrity{Type: "Hash", Algorithm: alg, HashValue: c.value})
	}
	for _, r := range p.refs {
		if r.typ == "purl" && n.PackageURL == "" {
			n.PackageURL = r.locator
		}
		switch {
		case r.typ == IdentityRefType:
			// The installer's signature-invariant identity: type other,
			// the SPDX 2.3 reference type as comment.
			n.ExternalIdentifier = append(n.ExternalIdentifier, spdx3ExtIdentifier{Type: "ExternalIdentifier", IDType: "other", Identifier: r.locator, Comment: IdentityRefType})
		case spdx3IdentifierType[r.typ] != "":
			n.ExternalIdentifier = append(n.ExternalIdentifier, spdx3ExtIdentifier{Type: "ExternalIdentifier", IDType: spdx3IdentifierType[r.typ], Identifier: r.locator})
		case spdx3RefType[r.typ] != "":
			n.ExternalRef = append(n.ExternalRef, spdx3ExternalRef{Type: "ExternalRef", RefType: spdx3RefType[r.typ], Locator: []string{r.locator}})
		default:
			// Nothing is dropped: an identifier SPDX 3 has no type for is
			// "other", its SPDX 2.3 category and type in the comment.
			n.ExternalIdentifier = append(n.ExternalIdentifier, spdx3ExtIdentifier{Type: "ExternalIdentifier", IDType: "other", Identifier: r.locator, Comment: r.category + " " + r.typ})
		}
	}
	w.add(n)
	if p.licenseConcluded != "" {
		l, err := w.license(p.licenseConcluded)
		if err != nil {
			return err
		}
		w.rels = append(w.rels, [4]string{n.SpdxID, "hasConcludedLicense", l, ""})
	}
	if p.licenseDeclared != "" {
		l, err := w.license(p.licenseDeclared)
		if err != nil {
			return err
		}
		w.rels = append(w.rels, [4]string{n.SpdxID, "hasDeclaredLicense", l, ""})
	}
	for _, note := range p.notes {
		w.notes = append(w.notes, [2]string{n.SpdxID, note})
	}
	return nil
}

func (w *spdx3Writer) file(f *fileNode) {
	n := &spdx3Node{Type: "software_File", SpdxID: w.iri(f.id), Name: "./" + f.path, Comment: f.comment, FileKind: "file"}
	for _, t := range f.types {
		p := spdx3Purpose[t]
		if p == "" {
			continue
		}
		if n.PrimaryPurpose == "" {
			n.PrimaryPurpose = p
		} else if p != n.PrimaryPurpose {
			n.AdditionalPurpose = append(n.AdditionalPurpose, p)
		}
	}
	n.VerifiedUsing = []spdx3Integrity{{Type: "Hash", Algorithm: "sha1", HashValue: f.sha1}, {Type: "Hash", Algorithm: "sha256", HashValue: f.sha256}}
	if f.sha512 != "" {
		n.VerifiedUsing = append(n.VerifiedUsing, spdx3Integrity{Type: "Hash", Algorithm: "sha512", HashValue: f.sha512})
	}
	w.add(n)
}

// distributionArtifacts says, for every package distributed as one file
// (the installer, a sub-installer, a library that is its own DLL), which
// software_File that is: SPDX 3.0.1 has no package file name, and BSI
// TR-03183-2 asks for the deployable component's file name and hash. The
// file is the package's own among the files (same SHA-256, or the only one
// with that name); the installer itself, which is no file of its own
// listing, gets a software_File of its own.
func (w *spdx3Writer) distributionArtifacts() error {
	bySHA256 := map[string]*fileNode{}
	byBase := map[string][]*fileNode{}
	for _, f := range w.m.files {
		if _, ok := bySHA256[f.sha256]; !ok {
			bySHA256[f.sha256] = f
		}
		b := path.Base(f.path)
		byBase[b] = append(byBase[b], f)
	}
	for _, p := range w.m.packages {
		if p.fileName == "" {
			continue
		}
		sha256 := ""
		for _, c := range p.checksums {
			if c.alg == "SHA256" {
				sha256 = c.value
			}
		}
		var target string
		switch {
		case p.role == roleInstaller && sha256 != "":
			ids, err := assignIDs([]idItem{{"File", p.fileName, "installer\x00" + sha256}})
			if err != nil {
				return err
			}
			n := &spdx3Node{Type: "software_File", SpdxID: w.iri(ids[0]), Name: p.fileName, FileKind: "file",
				Comment: "The installer file itself."}
			for _, c := range p.checksums {
				n.VerifiedUsing = append(n.VerifiedUsing, spdx3Integrity{Type: "Hash", Algorithm: strings.ToLower(c.alg), HashValue: c.value})
			}
			w.add(n)
			target = n.SpdxID
		case sha256 != "" && bySHA256[sha256] != nil && path.Base(bySHA256[sha256].path) == p.fileName:
			target = w.iri(bySHA256[sha256].id)
		case sha256 == "" && len(byBase[p.fileName]) > 0 && sameBytes(byBase[p.fileName]):
			target = w.iri(byBase[p.fileName][0].id)
		default:
			continue
		}
		w.rels = append(w.rels, [4]string{w.iri(p.id), "hasDistributionArtifact", target, ""})
	}
	return nil
}

// sameBytes reports whether files all hold the same bytes.
func sameBytes(fs []*fileNode) bool {
	for _, f := range fs[1:] {
		if f.sha256 != fs[0].sha256 {
			return false
		}
	}
	return true
}

// addRelationships adds the collected relationships, sorted, each with an
// identifier derived from what it says.
func (w *spdx3Writer) addRelationships() error {
	rels := w.rels
	sort.SliceStable(rels, func(i, j int) bool { return lessStrings(rels[i][:], rels[j][:]) })
	var items []idItem
	for _, r := range rels {
		items = append(items, idItem{"Relationship", r[1], strings.Join(r[:], "\x00")})
	}
	ids, err := assignIDs(items)
	if err != nil {
		return err
	}
	for i, r := range rels {
		w.add(&spdx3Node{Type: "Relationship", SpdxID: w.iri(ids[i]), Comment: r[3], From: r[0], RelationshipType: r[1], To: []string{r[2]}})
	}
	return nil
}

// addAnnotations adds one Annotation per note, in the order of the
// packages and their (sorted) notes; a note said twice of the same element
// is two annotations, as in SPDX 2.3.
func (w *spdx3Writer) addAnnotations() error {
	var items []idItem
	seen := map[string]int{}
	for _, a := range w.notes {
		key := a[0] + "\x00" + a[1]
		seen[key]++
		if seen[key] > 1 {
			key += fmt.Sprintf("\x00%d", seen[key])
		}
		keyword, _, _ := strings.Cut(a[1], ":")
		items = append(items, idItem{"Annotation", keyword, key})
	}
	ids, err := assignIDs(items)
	if err != nil {
		return err
	}
	for i, a := range w.notes {
		w.add(&spdx3Node{Type: "Annotation", SpdxID: w.iri(ids[i]), AnnotationType: "other", Subject: a[0], Statement: a[1]})
	}
	return nil
}
