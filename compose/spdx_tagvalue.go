package compose

import (
	"bufio"
	"errors"
	"io"
	"slices"

	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"
)

// FormatSPDXTagValue is the output format name of the SPDX 2.3 tag-value
// writer.
const FormatSPDXTagValue = "spdx-tag-value"

func init() {
	RegisterFormat(Format{Name: FormatSPDXTagValue, Ext: ".spdx", MediaType: "text/spdx",
		Write: func(w io.Writer, res *Result) error {
			r, err := res.checkedSPDX()
			if err != nil {
				return err
			}
			// tools-golang writes tag-value from a whole document: this
			// writer builds its own, which it may rearrange, rather than
			// copy the one SPDX keeps (for 200,000 packages each is
			// some 200 MB).
			doc, err := r.document()
			if err != nil {
				return err
			}
			return writeTagValue(w, doc)
		}})
}

// WriteSPDXTagValue writes the document in SPDX 2.3 tag-value form. Each
// file is written under the package that CONTAINS it, as tag-value
// expects (the JSON form keeps one file list, which its schema requires);
// only files no package contains are "unpackaged". The tools-golang
// tag-value writer does not write annotations held by packages, so they
// are written as document-level annotations that name their package
// (SPDXREF); the caller's document is not modified.
func WriteSPDXTagValue(w io.Writer, doc *v2_3.Document) error {
	if doc == nil {
		return errors.New("compose: nil document")
	}
	// writeTagValue rearranges the document's packages and adds to its
	// annotations, and the tools-golang writer sorts its lists in place:
	// give them copies.
	cp := *doc
	cp.Annotations = slices.Clone(doc.Annotations)
	cp.Packages = make([]*v2_3.Package, len(doc.Packages))
	for i, p := range doc.Packages {
		pc := *p
		cp.Packages[i] = &pc
	}
	return writeTagValue(w, &cp)
}

// writeTagValue is WriteSPDXTagValue on a document it may change.
func writeTagValue(w io.Writer, doc *v2_3.Document) error {
	isPackage := map[common.ElementID]bool{}
	for _, p := range doc.Packages {
		isPackage[p.PackageSPDXIdentifier] = true
	}
	fileByID := map[common.ElementID]*v2_3.File{}
	for _, f := range doc.Files {
		fileByID[f.FileSPDXIdentifier] = f
	}
	filesOf := map[common.ElementID][]*v2_3.File{}
	packaged := map[common.ElementID]bool{}
	for _, r := range doc.Relationships {
		if r == nil || r.Relationship != "CONTAINS" || !isPackage[r.RefA.ElementRefID] {
			continue
		}
		if f := fileByID[r.RefB.ElementRefID]; f != nil && !packaged[f.FileSPDXIdentifier] {
			packaged[f.FileSPDXIdentifier] = true
			filesOf[r.RefA.ElementRefID] = append(filesOf[r.RefA.ElementRefID], f)
		}
	}
	var unpackaged []*v2_3.File
	for _, f := range doc.Files {
		if !packaged[f.FileSPDXIdentifier] {
			unpackaged = append(unpackaged, f)
		}
	}
	doc.Files = unpackaged
	for _, p := range doc.Packages {
		p.Files = filesOf[p.PackageSPDXIdentifier]
		for i := range p.Annotations {
			a := p.Annotations[i]
			a.AnnotationSPDXIdentifier = common.DocElementID{ElementRefID: p.PackageSPDXIdentifier}
			doc.Annotations = append(doc.Annotations, &a)
		}
		p.Annotations = nil
	}
	bw := bufio.NewWriter(w)
	if err := tagvalue.Write(doc, bw); err != nil {
		return err
	}
	return bw.Flush()
}

// HoistPackageFiles moves the files a tag-value document lists under its
// packages into the document's file list, where the JSON form (and every
// reader of the model) keeps them; the CONTAINS relationships already say
// which package holds each. Reading tag-value back with tools-golang needs
// this once.
func HoistPackageFiles(doc *v2_3.Document) {
	seen := map[common.ElementID]bool{}
	for _, f := range doc.Files {
		seen[f.FileSPDXIdentifier] = true
	}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		for _, f := range p.Files {
			if f != nil && !seen[f.FileSPDXIdentifier] {
				seen[f.FileSPDXIdentifier] = true
				doc.Files = append(doc.Files, f)
			}
		}
		p.Files = nil
	}
}
