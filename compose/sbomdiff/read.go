package sbomdiff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/installer-sbom/installer-sbom/compose"
)

// DefaultMaxDocumentBytes bounds the SBOM read into memory when
// ReadOptions.MaxBytes is zero. The largest real SBOMs (every file of a
// CPython installer, with annotations) are a few MiB.
const DefaultMaxDocumentBytes = 256 << 20

// ReadOptions bound Read.
type ReadOptions struct {
	MaxBytes int64 // 0 means DefaultMaxDocumentBytes
}

// Read reads an SBOM in any supported format (see Detect) from r. name is
// used in the model's Source and in errors.
func Read(r io.Reader, name string, opts *ReadOptions) (*Model, error) {
	b, format, err := readDocument(r, name, opts)
	if err != nil {
		return nil, err
	}
	return ReadBytes(b, name, format)
}

// readDocument reads a document whole, within the size bound, and detects
// its format.
func readDocument(r io.Reader, name string, opts *ReadOptions) ([]byte, string, error) {
	max := int64(DefaultMaxDocumentBytes)
	if opts != nil && opts.MaxBytes > 0 {
		max = opts.MaxBytes
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", name, err)
	}
	if int64(len(b)) > max {
		return nil, "", fmt.Errorf("%s: document larger than the limit of %d bytes", name, max)
	}
	format, ok := Detect(b[:min(len(b), 64<<10)])
	if !ok && len(b) > 64<<10 {
		// A writer that sorts keys puts spdxVersion or bomFormat after
		// the large arrays: look at the whole document.
		format, ok = Detect(b)
	}
	if !ok {
		return nil, "", fmt.Errorf("%s: not an SPDX 2.3 (JSON or tag-value), SPDX 3.0.1 JSON-LD or CycloneDX JSON document", name)
	}
	return b, format, nil
}

// ReadBytes reads a document of a known format.
func ReadBytes(b []byte, name, format string) (m *Model, err error) {
	// The third-party decoders are not written for hostile input; a panic
	// in one of them is a malformed document, not a crash.
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, &FormatError{Format: format, Off: -1, Msg: fmt.Sprintf("%s: decoder failed: %v", name, r)}
		}
	}()
	read, ok := readers[format]
	if !ok {
		return nil, fmt.Errorf("%s: unknown document format %q", name, format)
	}
	return read(b, name)
}

// readers read the output formats of compose (named as in compose.Formats)
// that can be compared with an installer.
var readers = map[string]func(b []byte, name string) (*Model, error){
	FormatSPDXJSON: func(b []byte, name string) (*Model, error) {
		doc, err := decodeSPDX(b, name, FormatSPDXJSON)
		if err != nil {
			return nil, err
		}
		return FromSPDX(doc, name, FormatSPDXJSON)
	},
	FormatSPDXTagValue: func(b []byte, name string) (*Model, error) {
		doc, err := decodeSPDX(b, name, FormatSPDXTagValue)
		if err != nil {
			return nil, err
		}
		return FromSPDX(doc, name, FormatSPDXTagValue)
	},
	FormatSPDX3JSON: readSPDX3,
	FormatCycloneDXJSON: func(b []byte, name string) (*Model, error) {
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
			return nil, jsonError(FormatCycloneDXJSON, name, err)
		}
		return FromCycloneDX(&bom, name)
	},
}

// Readable reports whether Read understands documents of the named format
// (a name from compose.Formats).
func Readable(format string) bool {
	_, ok := readers[format]
	return ok
}

// longLine finds the first line longer than max bytes: its 1-based number
// and byte offset.
func longLine(b []byte, max int) (line int, off int64, ok bool) {
	start := 0
	for line = 1; start < len(b); line++ {
		end := bytes.IndexByte(b[start:], '\n')
		if end < 0 {
			end = len(b) - start
		}
		if end > max {
			return line, int64(start), true
		}
		start += end + 1
	}
	return 0, 0, false
}

func jsonError(format, name string, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &FormatError{Format: format, Off: se.Offset, Msg: name + ": " + se.Error()}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &FormatError{Format: format, Off: te.Offset, Msg: name + ": " + te.Error()}
	}
	return &FormatError{Format: format, Off: -1, Msg: name + ": " + err.Error()}
}

// FromSPDX builds the model of an SPDX 2.3 document. The installer is the
// package the document DESCRIBES (compose's SPDXRef-Installer); its
// sub-installers are the other packages with primaryPackagePurpose
// INSTALL; every other package is a component unless it is annotated as
// unverified.
func FromSPDX(doc *v2_3.Document, name, format string) (*Model, error) {
	if doc == nil {
		return nil, &FormatError{Format: format, Off: -1, Msg: name + ": empty document"}
	}
	m := &Model{Source: name, Format: format}
	notes := spdxNotes(doc)

	root := spdxRoot(doc)
	m.Incomplete = strings.HasPrefix(doc.DocumentComment, compose.NoteIncomplete)
	ourTool := false
	if doc.CreationInfo != nil {
		for _, c := range doc.CreationInfo.Creators {
			if c.CreatorType == "Tool" && strings.HasPrefix(c.Creator, compose.ToolName) {
				ourTool = true
			}
		}
	}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		if p == root {
			m.Name, m.Version, m.FileName = p.PackageName, spdxVersion(p.PackageVersion), p.PackageFileName
			for _, c := range p.PackageChecksums {
				switch c.Algorithm {
				case common.SHA256:
					m.SHA256 = c.Value
				case common.SHA1:
					m.SHA1 = c.Value
				}
			}
			for _, r := range p.PackageExternalReferences {
				if r != nil && r.RefType == compose.IdentityRefType {
					m.Identity = parseIdentity(r.Locator)
				}
			}
			continue
		}
		if p.PrimaryPackagePurpose == "INSTALL" {
			continue // a sub-installer: its files are compared, not it
		}
		c := Component{Name: p.PackageName, Version: spdxVersion(p.PackageVersion)}
		unverified := false
		for _, n := range notes[p.PackageSPDXIdentifier] {
			switch {
			case strings.HasPrefix(n, compose.NoteUnverified):
				unverified = true
			case strings.HasPrefix(n, compose.NoteVersionFromSourceSBOM):
				c.VersionFromSource = true
			}
		}
		if unverified {
			continue
		}
		for _, r := range p.PackageExternalReferences {
			if r != nil && r.RefType == "purl" && c.PURL == "" {
				c.PURL = r.Locator
			}
		}
		m.Components = append(m.Components, c)
	}
	for _, f := range doc.Files {
		if f == nil {
			continue
		}
		mf := File{Path: strings.TrimPrefix(strings.TrimPrefix(f.FileName, "./"), "/")}
		for _, c := range f.Checksums {
			switch c.Algorithm {
			case common.SHA256:
				mf.SHA256 = c.Value
			case common.SHA1:
				mf.SHA1 = c.Value
			}
		}
		m.Files = append(m.Files, mf)
	}
	for _, ns := range notes {
		for _, n := range ns {
			m.addActionNote(n)
		}
	}
	m.stripRoot(ourTool)
	m.normalize()
	return m, nil
}

// spdxRoot is the package the document describes: the one compose calls
// SPDXRef-Installer, else the single package the document DESCRIBES, else
// the first package whose purpose is INSTALL, else the first package.
func spdxRoot(doc *v2_3.Document) *v2_3.Package {
	byID := map[common.ElementID]*v2_3.Package{}
	for _, p := range doc.Packages {
		if p != nil {
			byID[p.PackageSPDXIdentifier] = p
		}
	}
	if p := byID[common.ElementID(strings.TrimPrefix(compose.RootID, "SPDXRef-"))]; p != nil {
		return p
	}
	var described []*v2_3.Package
	for _, r := range doc.Relationships {
		if r != nil && r.Relationship == "DESCRIBES" && r.RefA.ElementRefID == "DOCUMENT" {
			if p := byID[r.RefB.ElementRefID]; p != nil {
				described = append(described, p)
			}
		}
	}
	if len(described) == 1 {
		return described[0]
	}
	for _, p := range doc.Packages {
		if p != nil && p.PrimaryPackagePurpose == "INSTALL" {
			return p
		}
	}
	for _, p := range doc.Packages {
		if p != nil {
			return p
		}
	}
	return nil
}

// parseIdentity splits compose's "<algorithm>:<hex digest>" locator.
func parseIdentity(loc string) *Identity {
	alg, digest, ok := strings.Cut(strings.TrimSpace(loc), ":")
	if !ok || alg == "" || digest == "" {
		return nil
	}
	return &Identity{Algorithm: alg, Digest: strings.ToLower(digest)}
}

// FromCycloneDX builds the model of a CycloneDX BOM. The installer is the
// metadata component; components of type "file" are files (named by their
// path) wherever they are nested; components of type "application" that
// compose wrote (they carry installer-sbom:spdxid) are sub-installers, whose
// nested files are walked; every other component is a component unless
// installer-sbom:unverified is "true".
func FromCycloneDX(bom *cdx.BOM, name string) (*Model, error) {
	if bom == nil {
		return nil, &FormatError{Format: FormatCycloneDXJSON, Off: -1, Msg: name + ": empty BOM"}
	}
	m := &Model{Source: name, Format: FormatCycloneDXJSON}
	ourTool := false
	if bom.Compositions != nil {
		for _, c := range *bom.Compositions {
			if c.Aggregate == cdx.CompositionAggregateIncomplete {
				m.Incomplete = true
			}
		}
	}
	if md := bom.Metadata; md != nil {
		if md.Tools != nil && md.Tools.Components != nil {
			for _, t := range *md.Tools.Components {
				if t.Name == compose.ToolName {
					ourTool = true
				}
			}
		}
		if root := md.Component; root != nil {
			m.Name, m.Version, m.FileName = root.Name, root.Version, root.Name
			if root.Hashes != nil {
				for _, h := range *root.Hashes {
					switch h.Algorithm {
					case cdx.HashAlgoSHA256:
						m.SHA256 = h.Value
					case cdx.HashAlgoSHA1:
						m.SHA1 = h.Value
					}
				}
			}
			for _, p := range props(root) {
				if p.Name == compose.PropIdentity {
					m.Identity = parseIdentity(p.Value)
				}
				if p.Name == compose.PropAnnotation {
					m.addActionNote(p.Value)
				}
			}
			if root.Components != nil {
				if err := walkCDX(m, *root.Components, 0); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
		}
	}
	if bom.Components != nil {
		if err := walkCDX(m, *bom.Components, 0); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if ourTool {
		// compose names files by nesting path under the installer's file
		// name, which the root's packageFileName gave in SPDX; CycloneDX has
		// no file name for the metadata component, so take the files' own
		// common first segment.
		m.FileName = ""
	}
	m.stripRoot(ourTool)
	m.normalize()
	return m, nil
}

// maxCDXDepth bounds recursion into nested components of a hostile BOM.
const maxCDXDepth = 64

func walkCDX(m *Model, comps []cdx.Component, depth int) error {
	if depth > maxCDXDepth && len(comps) > 0 {
		// Skipping them would let verify pass a document whose deeper
		// components the installer does not have.
		return fmt.Errorf("components nested more than %d deep (under %q): not read, so not verified", maxCDXDepth, comps[0].Name)
	}
	for i := range comps {
		c := &comps[i]
		for _, p := range props(c) {
			if p.Name == compose.PropAnnotation {
				m.addActionNote(p.Value)
			}
		}
		ours, unverified, fromSource := cdxMarks(c)
		switch {
		case c.Type == cdx.ComponentTypeFile:
			m.Files = append(m.Files, cdxFile(c))
		case c.Type == cdx.ComponentTypeApplication && ours:
			// a sub-installer
		case unverified:
		default:
			m.Components = append(m.Components, Component{Name: c.Name, Version: c.Version, PURL: c.PackageURL, VersionFromSource: fromSource})
		}
		if c.Components != nil {
			if err := walkCDX(m, *c.Components, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func props(c *cdx.Component) []cdx.Property {
	if c == nil || c.Properties == nil {
		return nil
	}
	return *c.Properties
}

// spdxVersion reads versionInfo: NOASSERTION and NONE (a version nobody
// could show) are no version, as in the inventory.
func spdxVersion(v string) string {
	if v == "NOASSERTION" || v == "NONE" {
		return ""
	}
	return v
}

// cdxMarks reads the properties compose puts on a CycloneDX component: that
// compose wrote it, that it is an unverified source-SBOM package, that its
// version came from a source SBOM.
func cdxMarks(c *cdx.Component) (ours, unverified, fromSource bool) {
	for _, p := range props(c) {
		switch {
		case p.Name == compose.PropSPDXID:
			ours = true
		case p.Name == compose.PropUnverified && p.Value == "true":
			unverified = true
		case p.Name == compose.PropAnnotation && strings.HasPrefix(p.Value, compose.NoteVersionFromSourceSBOM):
			fromSource = true
		case p.Name == compose.PropAnnotation && strings.HasPrefix(p.Value, compose.NoteUnverified):
			unverified = true
		}
	}
	return ours, unverified, fromSource
}

// cdxFile is a CycloneDX file component as a listed file.
func cdxFile(c *cdx.Component) File {
	f := File{Path: strings.TrimPrefix(strings.TrimPrefix(c.Name, "./"), "/")}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			switch h.Algorithm {
			case cdx.HashAlgoSHA256:
				f.SHA256 = strings.ToLower(h.Value)
			case cdx.HashAlgoSHA1:
				f.SHA1 = strings.ToLower(h.Value)
			}
		}
	}
	return f
}

// spdxNotes are the annotation comments of an SPDX 2.3 document by the
// element they annotate: packages' own annotations and, as tag-value
// documents write them, document-level ones naming their package.
func spdxNotes(doc *v2_3.Document) map[common.ElementID][]string {
	notes := map[common.ElementID][]string{}
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		for _, a := range p.Annotations {
			notes[p.PackageSPDXIdentifier] = append(notes[p.PackageSPDXIdentifier], a.AnnotationComment)
		}
	}
	for _, a := range doc.Annotations {
		if a != nil {
			id := a.AnnotationSPDXIdentifier.ElementRefID
			notes[id] = append(notes[id], a.AnnotationComment)
		}
	}
	return notes
}

// decodeSPDX decodes an SPDX 2.3 document in JSON or tag-value, files of
// a tag-value document moved under the package that precedes them.
func decodeSPDX(b []byte, name, format string) (*v2_3.Document, error) {
	var doc v2_3.Document
	if format == FormatSPDXJSON {
		if err := spdxjson.ReadInto(bytes.NewReader(b), &doc); err != nil {
			return nil, jsonError(FormatSPDXJSON, name, err)
		}
		return &doc, nil
	}
	// The tag-value reader scans lines of at most 64 KiB and says only
	// "token too long" past that: name the line first.
	if line, off, ok := longLine(b, bufio.MaxScanTokenSize-1); ok {
		return nil, &FormatError{Format: FormatSPDXTagValue, Off: off,
			Msg: fmt.Sprintf("%s: line %d is longer than %d bytes", name, line, bufio.MaxScanTokenSize-1)}
	}
	if err := tagvalue.ReadInto(bytes.NewReader(b), &doc); err != nil {
		return nil, &FormatError{Format: FormatSPDXTagValue, Off: -1, Msg: name + ": " + err.Error()}
	}
	compose.HoistPackageFiles(&doc)
	return &doc, nil
}
