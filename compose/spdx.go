package compose

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// FormatSPDXJSON is the output format name of the SPDX 2.3 JSON writer.
const FormatSPDXJSON = "spdx-json"

func init() {
	RegisterFormat(Format{Name: FormatSPDXJSON, Ext: ".spdx.json", MediaType: "application/spdx+json",
		Write: func(w io.Writer, res *Result) error {
			r, err := res.checkedSPDX()
			if err != nil {
				return err
			}
			return r.parts.writeIndented(w)
		}})
}

// errInvalidOutput means compose produced a document that fails the SPDX
// 2.3 schema: a bug in compose, never the input's fault.
var errInvalidOutput = errors.New("compose: the composed document is not valid SPDX 2.3")

// SPDX returns the result as an SPDX 2.3 document, checked against the SPDX
// 2.3 JSON schema. It is built on the first call; later calls return the
// same document.
func (r *Result) SPDX() (*v2_3.Document, error) {
	rendering, err := r.checkedSPDX()
	if err != nil {
		return nil, err
	}
	r.spdxDocOnce.Do(func() { r.spdxDoc, r.spdxDocErr = rendering.document() })
	return r.spdxDoc, r.spdxDocErr
}

// Document is SPDX without the error: nil when the document cannot be
// built, which is a bug in compose (SPDX says why).
func (r *Result) Document() *v2_3.Document {
	doc, _ := r.SPDX()
	return doc
}

// checkedSPDX renders the model in SPDX 2.3's terms and checks the JSON
// rendering against the SPDX 2.3 JSON schema, a part at a time, on the
// first call; later calls return the same rendering.
func (r *Result) checkedSPDX() (*spdxRendering, error) {
	if r == nil || r.m == nil {
		return nil, errors.New("compose: SPDX needs a Result from Compose")
	}
	r.spdxOnce.Do(func() {
		rendering, err := r.m.spdxRendering()
		if err == nil {
			err = rendering.check()
		}
		if err == nil {
			r.spdxRendering = rendering
		}
		r.spdxErr = err
	})
	return r.spdxRendering, r.spdxErr
}

// spdxRendering is the model in SPDX 2.3's terms: the document without its
// packages, files and relationships (head), and those built one at a time
// when asked for, so that the JSON document is checked and written without
// the whole tools-golang document or its text in memory. Files go into
// the document's file list and are tied to packages with CONTAINS: filling
// Package.Files would make tools-golang emit "files" inside a package,
// which the SPDX 2.3 JSON schema rejects.
type spdxRendering struct {
	m         *model
	head      *v2_3.Document
	annotator common.Annotator
	// rels are the document's relationships in the order SPDX writes
	// them: DESCRIBES and the model's, sorted.
	rels []spdxRelation
	// parts is the JSON document as check checked it, for the JSON
	// writer (its head encoded once; its arrays encode as they are read).
	parts *jsonParts
}

// spdxRelation is "a typ b" with an optional comment, a and b as model
// identifiers (the document is "DOCUMENT"), typ SPDX's.
type spdxRelation struct{ a, typ, b, comment string }

// spdxRendering renders everything but the packages, files and
// relationships themselves.
func (m *model) spdxRendering() (*spdxRendering, error) {
	// The document DESCRIBES the installer; the model's relationships in
	// SPDX's terms, sorted as SPDX writes them (by the SPDX identifiers,
	// which order as the model's: they add one prefix).
	rels := make([]spdxRelation, 0, len(m.rels)+1)
	rels = append(rels, spdxRelation{"DOCUMENT", "DESCRIBES", rootID, ""})
	for _, r := range m.rels {
		typ, ok := spdxRelationship[r.kind]
		if !ok {
			return nil, fmt.Errorf("compose: relationship kind %q has no SPDX type", r.kind)
		}
		rels = append(rels, spdxRelation{r.a, typ, r.b, r.comment})
	}
	sort.SliceStable(rels, func(i, j int) bool {
		x, y := rels[i], rels[j]
		return lessStrings([]string{x.a, x.typ, x.b, x.comment}, []string{y.a, y.typ, y.b, y.comment})
	})
	return &spdxRendering{m: m, head: m.spdxHead(), rels: rels, annotator: common.Annotator{AnnotatorType: "Tool", Annotator: m.tool}}, nil
}

// spdxHead is the SPDX 2.3 document without its packages, files and
// relationships.
func (m *model) spdxHead() *v2_3.Document {
	doc := &v2_3.Document{
		SPDXVersion:       v2_3.Version,
		DataLicense:       v2_3.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      m.name,
		DocumentNamespace: m.namespace,
		CreationInfo:      &v2_3.CreationInfo{Created: m.created},
	}
	if m.incomplete {
		doc.DocumentComment = incompleteComment
	}
	for _, c := range m.creators {
		typ, name, _ := strings.Cut(c, ": ")
		doc.CreationInfo.Creators = append(doc.CreationInfo.Creators, common.Creator{CreatorType: typ, Creator: name})
	}
	doc.OtherLicenses = m.spdxOtherLicenses()
	return doc
}

// pkg renders the model's package p.
func (s *spdxRendering) pkg(p *pkgNode) (*v2_3.Package, error) {
	version := p.version
	if version == "" {
		// A version neither the bytes nor a source SBOM show is a
		// known unknown: said as NOASSERTION (which validate reports
		// as a warning), never guessed and never silently left out.
		version = "NOASSERTION"
	}
	sp := &v2_3.Package{
		PackageName:               p.name,
		PackageSPDXIdentifier:     elementID(p.id),
		PackageVersion:            version,
		PackageFileName:           p.fileName,
		PackageDownloadLocation:   orDefault(p.download, "NOASSERTION"),
		FilesAnalyzed:             p.filesAnalyzed,
		IsFilesAnalyzedTagPresent: true,
		PackageHomePage:           p.homepage,
		PackageSourceInfo:         p.sourceInfo,
		PackageLicenseConcluded:   orDefault(p.licenseConcluded, "NOASSERTION"),
		PackageLicenseDeclared:    orDefault(p.licenseDeclared, "NOASSERTION"),
		PackageCopyrightText:      orDefault(p.copyright, "NOASSERTION"),
		PackageComment:            p.comment,
		PrimaryPackagePurpose:     p.purpose,
	}
	var err error
	if sp.PackageSupplier, err = supplierOf(p.supplier); err != nil {
		return nil, fmt.Errorf("compose: package %s: %w", p.id, err)
	}
	if p.originator != "" {
		typ, name, _ := strings.Cut(p.originator, ": ")
		sp.PackageOriginator = &common.Originator{OriginatorType: typ, Originator: name}
	} else if p.originatorUnknown {
		sp.PackageOriginator = &common.Originator{Originator: "NOASSERTION"}
	}
	if p.filesAnalyzed {
		sp.PackageVerificationCode = &common.PackageVerificationCode{Value: p.verificationCode}
	}
	for _, c := range p.checksums {
		sp.PackageChecksums = append(sp.PackageChecksums, common.Checksum{Algorithm: common.ChecksumAlgorithm(c.alg), Value: c.value})
	}
	for _, r := range p.refs {
		sp.PackageExternalReferences = append(sp.PackageExternalReferences, &v2_3.PackageExternalReference{Category: r.category, RefType: r.typ, Locator: r.locator})
	}
	for _, n := range p.notes {
		sp.Annotations = append(sp.Annotations, v2_3.Annotation{
			Annotator: s.annotator, AnnotationDate: s.m.created, AnnotationType: "OTHER",
			AnnotationSPDXIdentifier: common.DocElementID{ElementRefID: elementID(p.id)},
			AnnotationComment:        n,
		})
	}
	return sp, nil
}

// file renders the model's file f.
func (s *spdxRendering) file(f *fileNode) *v2_3.File {
	sf := &v2_3.File{
		FileName:           "./" + f.path,
		FileSPDXIdentifier: elementID(f.id),
		FileTypes:          f.types,
		Checksums: []common.Checksum{
			{Algorithm: common.SHA1, Value: f.sha1},
			{Algorithm: common.SHA256, Value: f.sha256},
		},
		LicenseConcluded:  "NOASSERTION",
		FileCopyrightText: "NOASSERTION",
		FileComment:       f.comment,
	}
	if f.sha512 != "" {
		sf.Checksums = append(sf.Checksums, common.Checksum{Algorithm: common.SHA512, Value: f.sha512})
	}
	return sf
}

// relationship renders rels[i].
func (s *spdxRendering) relationship(i int) *v2_3.Relationship {
	r := s.rels[i]
	return &v2_3.Relationship{
		RefA:                docElementID(elementRef(r.a)),
		RefB:                docElementID(elementRef(r.b)),
		Relationship:        r.typ,
		RelationshipComment: r.comment,
	}
}

// document is the whole rendering as one tools-golang document, all of
// it the caller's (what it changes does not change what is written).
func (s *spdxRendering) document() (*v2_3.Document, error) {
	doc := s.m.spdxHead()
	for _, p := range s.m.packages {
		sp, err := s.pkg(p)
		if err != nil {
			return nil, err
		}
		doc.Packages = append(doc.Packages, sp)
	}
	for _, f := range s.m.files {
		doc.Files = append(doc.Files, s.file(f))
	}
	for i := range s.rels {
		doc.Relationships = append(doc.Relationships, s.relationship(i))
	}
	return doc, nil
}

// jsonParts gives the rendering as the JSON document WriteSPDXJSON writes
// of document(), with its packages, files and relationships encoded one
// at a time.
func (s *spdxRendering) jsonParts() (*jsonParts, error) {
	head := *s.head
	arrays := map[string]jsonArray{}
	// Each array given in parts holds one element in the head, so that
	// encoding/json writes its member (they are omitempty) where the
	// document has it.
	if n := len(s.m.packages); n > 0 {
		head.Packages = []*v2_3.Package{nil}
		arrays["packages"] = batchesOf(n, func(i int) (*v2_3.Package, error) { return s.pkg(s.m.packages[i]) })
	}
	if n := len(s.m.files); n > 0 {
		head.Files = []*v2_3.File{nil}
		arrays["files"] = batchesOf(n, func(i int) (*v2_3.File, error) { return s.file(s.m.files[i]), nil })
	}
	if n := len(s.rels); n > 0 {
		head.Relationships = []*v2_3.Relationship{nil}
		arrays["relationships"] = batchesOf(n, func(i int) (*v2_3.Relationship, error) { return s.relationship(i), nil })
	}
	b, err := compactJSON(&head)
	if err != nil {
		return nil, err
	}
	return &jsonParts{head: b, arrays: arrays}, nil
}

var (
	spdxPartSchemaOnce sync.Once
	spdxPartSchema     *partSchema
	spdxPartSchemaErr  error
)

// check checks the JSON rendering against the SPDX 2.3 JSON schema and
// keeps it (parts) for the JSON writer.
func (s *spdxRendering) check() error {
	spdxPartSchemaOnce.Do(func() {
		root, err := spdxSchemaCompiled()
		if err != nil {
			spdxPartSchemaErr = err
			return
		}
		spdxPartSchema, spdxPartSchemaErr = newPartSchema(root, "packages", "files", "relationships")
	})
	if spdxPartSchemaErr != nil {
		return fmt.Errorf("compose: the SPDX 2.3 schema: %w", spdxPartSchemaErr)
	}
	parts, err := s.jsonParts()
	if err != nil {
		return fmt.Errorf("compose: writing the document: %w", err)
	}
	s.parts = parts
	v, err := parts.check(spdxPartSchema)
	if err != nil {
		return fmt.Errorf("compose: writing the document: %w", err)
	}
	if v == nil {
		return nil
	}
	// Name the package or file that fails by its SPDX identifier, as
	// Validate does.
	el := "SPDXRef-DOCUMENT"
	if v.member != "" {
		el = v.pointer("")
		if obj, ok := v.part.(map[string]any); ok {
			if id, ok := obj["SPDXID"].(string); ok && id != "" && v.member != "relationships" {
				el = id
			}
		}
	}
	p := Problem{Element: el, Rule: RuleSchema, Message: strings.Join(v.describe(), "; ")}
	return fmt.Errorf("%w: %s", errInvalidOutput, p)
}

// spdxRelationship is the SPDX 2.3 relationship type of each model
// relationship kind.
var spdxRelationship = map[string]string{
	relContains:    "CONTAINS",
	relStaticLink:  "STATIC_LINK",
	relDynamicLink: "DYNAMIC_LINK",
	relDependsOn:   "DEPENDS_ON",
	relUnverified:  "OTHER",
}

func supplierOf(agent string) (*common.Supplier, error) {
	if agent == "" || agent == "NOASSERTION" {
		return &common.Supplier{Supplier: "NOASSERTION"}, nil
	}
	typ, name, ok := strings.Cut(agent, ": ")
	if !ok || (typ != "Person" && typ != "Organization") {
		return nil, fmt.Errorf("supplier %q is not Person: or Organization:", agent)
	}
	return &common.Supplier{SupplierType: typ, Supplier: name}, nil
}

// elementID is a model identifier as tools-golang wants it (it writes the
// SPDXRef- prefix itself).
func elementID(id string) common.ElementID { return common.ElementID(id) }

// docElementID is an SPDX identifier ("SPDXRef-…") as tools-golang wants it.
func docElementID(spdxID string) common.DocElementID {
	return common.DocElementID{ElementRefID: common.ElementID(strings.TrimPrefix(spdxID, "SPDXRef-"))}
}

// WriteSPDXJSON writes the document as indented SPDX 2.3 JSON. The bytes
// depend only on the document: tools-golang writes struct fields in a fixed
// order and Compose sorts every list.
func WriteSPDXJSON(w io.Writer, doc *v2_3.Document) error {
	if doc == nil {
		return errors.New("compose: nil document")
	}
	return spdxjson.Write(doc, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
}
