package compose

import (
	"errors"
	"io"

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
			doc, err := res.SPDX()
			if err != nil {
				return err
			}
			return WriteSPDXTagValue(w, doc)
		}})
}

// WriteSPDXTagValue writes the document in SPDX 2.3 tag-value form. The
// tools-golang tag-value writer does not write annotations held by packages,
// so they are written as document-level annotations that name their
// package (SPDXREF); the caller's document is not modified.
func WriteSPDXTagValue(w io.Writer, doc *v2_3.Document) error {
	if doc == nil {
		return errors.New("compose: nil document")
	}
	cp := *doc
	// The writer sorts these slices in place; give it copies.
	cp.Files = append([]*v2_3.File(nil), doc.Files...)
	cp.Annotations = append([]*v2_3.Annotation(nil), doc.Annotations...)
	cp.Packages = nil
	for _, p := range doc.Packages {
		pc := *p
		pc.Files = nil
		pc.Annotations = nil
		for i := range p.Annotations {
			a := p.Annotations[i]
			a.AnnotationSPDXIdentifier = common.DocElementID{ElementRefID: p.PackageSPDXIdentifier}
			cp.Annotations = append(cp.Annotations, &a)
		}
		cp.Packages = append(cp.Packages, &pc)
	}
	return tagvalue.Write(&cp, w)
}
