package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// FormatSPDXJSON is the output format name of the SPDX 2.3 JSON writer.
const FormatSPDXJSON = "spdx-json"

func init() {
	RegisterFormat(Format{Name: FormatSPDXJSON, Ext: ".spdx.json", MediaType: "application/spdx+json",
		Write: func(w io.Writer, res *Result) error {
			if _, err := res.SPDX(); err != nil {
				return err
			}
			_, err := w.Write(res.spdxJSON)
			return err
		}})
}

// errInvalidOutput means compose produced a document that fails the SPDX
// 2.3 schema: a bug in compose, never the input's fault.
var errInvalidOutput = errors.New("compose: the composed document is not valid SPDX 2.3")

// SPDX returns the result as an SPDX 2.3 document, checked against the SPDX
// 2.3 JSON schema. It is built on the first call; later calls return the
// same document.
func (r *Result) SPDX() (*v2_3.Document, error) {
	if r == nil || r.m == nil {
		return nil, errors.New("compose: SPDX needs a Result from Compose")
	}
	r.spdxOnce.Do(func() { r.spdxDoc, r.spdxJSON, r.spdxErr = r.m.checkedSPDX() })
	return r.spdxDoc, r.spdxErr
}

// Document is SPDX without the error: nil when the document cannot be
// built, which is a bug in compose (SPDX says why).
func (r *Result) Document() *v2_3.Document {
	doc, _ := r.SPDX()
	return doc
}

// checkedSPDX renders the model and checks the rendering against the SPDX
// 2.3 JSON schema; it returns the document and its JSON.
func (m *model) checkedSPDX() (*v2_3.Document, []byte, error) {
	doc, err := m.spdx()
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	if err := WriteSPDXJSON(&buf, doc); err != nil {
		return nil, nil, fmt.Errorf("compose: writing the document: %w", err)
	}
	for _, p := range Validate(buf.Bytes()) {
		if p.Rule == RuleSchema {
			return nil, nil, fmt.Errorf("%w: %s", errInvalidOutput, p)
		}
	}
	return doc, buf.Bytes(), nil
}

// spdx renders the model as a tools-golang SPDX 2.3 document. Files go into
// the document's file list and are tied to packages with CONTAINS: filling
// Package.Files would make tools-golang emit "files" inside a package, which
// the SPDX 2.3 JSON schema rejects.
func (m *model) spdx() (*v2_3.Document, error) {
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
	annotator := common.Annotator{AnnotatorType: "Tool", Annotator: m.tool}
	for _, p := range m.packages {
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
				Annotator: annotator, AnnotationDate: m.created, AnnotationType: "OTHER",
				AnnotationSPDXIdentifier: common.DocElementID{ElementRefID: elementID(p.id)},
				AnnotationComment:        n,
			})
		}
		doc.Packages = append(doc.Packages, sp)
	}
	doc.OtherLicenses = m.spdxOtherLicenses()
	for _, f := range m.files {
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
		doc.Files = append(doc.Files, sf)
	}
	// The document DESCRIBES the installer; the model's relationships in
	// SPDX's terms, sorted as SPDX writes them.
	rels := [][4]string{{"SPDXRef-DOCUMENT", "DESCRIBES", RootID, ""}}
	for _, r := range m.rels {
		typ, ok := spdxRelationship[r.kind]
		if !ok {
			return nil, fmt.Errorf("compose: relationship kind %q has no SPDX type", r.kind)
		}
		rels = append(rels, [4]string{elementRef(r.a), typ, elementRef(r.b), r.comment})
	}
	sort.SliceStable(rels, func(i, j int) bool { return lessStrings(rels[i][:], rels[j][:]) })
	for _, r := range rels {
		doc.Relationships = append(doc.Relationships, &v2_3.Relationship{
			RefA:                docElementID(r[0]),
			RefB:                docElementID(r[2]),
			Relationship:        r[1],
			RelationshipComment: r[3],
		})
	}
	return doc, nil
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
