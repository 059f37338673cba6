package sbomdiff

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/spdx/tools-golang/spdx/v2/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// Detail is a Model with what a statement about a component (a VEX
// statement) needs to name it exactly: the identifiers the document gives
// the installer and each component, and the files that are a component
// itself. It is read from the same documents as the Model, by the same
// rules (the same packages are components), and built for an installer from
// the document compose writes for it, so that an installer and its SBOM give
// the same Detail.
type Detail struct {
	Model *Model
	Root  RootDetail
	// Components are the document's component packages, in the Model's
	// order; unlike Model.Components, two packages with the same name and
	// version (possible in documents other tools wrote) are both kept.
	Components []ComponentDetail
}

// RootDetail identifies the installer package.
type RootDetail struct {
	// Ref is its SPDX identifier ("SPDXRef-Installer" in compose's
	// documents), which is also its CycloneDX bom-ref.
	Ref string
	// PURL and CPE are the package's own identifiers, empty when the
	// document gives none.
	PURL, CPE string
}

// ComponentDetail is one component package.
type ComponentDetail struct {
	Component
	// Ref is the SPDX identifier ("SPDXRef-Library-…") or CycloneDX
	// bom-ref; compose writes the same string in both formats.
	Ref string
	// CPE is the package's CPE 2.3 name, empty when it has none.
	CPE string
	// Linkage lists the linkage kinds the document states for the
	// component (inventory.LinkageStatic, LinkageDynamic, LinkageUnknown),
	// sorted; nil when it states none.
	Linkage []string
	// Files are the files that are the component itself, with the hashes
	// the document records for them: for a dynamically linked component
	// its own library file(s), never a binary it is compiled into or one
	// that loads it. They are known only from compose's evidence
	// (annotation "evidence:", CycloneDX evidence occurrences) together
	// with its STATIC_LINK relationships (CycloneDX dependencies), and
	// only when every linkage stated is static or dynamic; otherwise, and
	// for a component only compiled into other binaries, Files is empty.
	// A package's own checksums are not used: in SBOMs they are often the
	// source archive's.
	Files []File
}

// Dynamic reports whether the document says the component is (also) a
// library file of its own.
func (c *ComponentDetail) Dynamic() bool { return c.hasLinkage(inventory.LinkageDynamic) }

// Static reports whether the document says the component is (also)
// compiled into other binaries.
func (c *ComponentDetail) Static() bool { return c.hasLinkage(inventory.LinkageStatic) }

func (c *ComponentDetail) hasLinkage(l string) bool {
	for _, x := range c.Linkage {
		if x == l {
			return true
		}
	}
	return false
}

// SameName reports whether two component names are the same component by
// the rule the Model uses: case-insensitive, with runs of '-', '_', '.' and
// white space alike.
func SameName(a, b string) bool { return componentKey(a) == componentKey(b) }

// ReadDetail reads an SBOM in any format Read understands into a Detail.
func ReadDetail(r io.Reader, name string, opts *ReadOptions) (*Detail, error) {
	b, format, err := readDocument(r, name, opts)
	if err != nil {
		return nil, err
	}
	return readDetailBytes(b, name, format)
}

func readDetailBytes(b []byte, name, format string) (d *Detail, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, &FormatError{Format: format, Off: -1, Msg: fmt.Sprintf("%s: decoder failed: %v", name, r)}
		}
	}()
	switch format {
	case FormatSPDXJSON, FormatSPDXTagValue:
		doc, err := decodeSPDX(b, name, format)
		if err != nil {
			return nil, err
		}
		return DetailFromSPDX(doc, name, format)
	case FormatCycloneDXJSON:
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(b), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
			return nil, jsonError(FormatCycloneDXJSON, name, err)
		}
		return DetailFromCycloneDX(&bom, name)
	case FormatSPDX3JSON:
		return detailSPDX3(b, name)
	}
	return nil, fmt.Errorf("%s: unknown document format %q", name, format)
}

// DetailFromInventory composes the document of an installer (compose.Compose
// with opts; a zero opts.Created is replaced by the Unix epoch, as the
// document is not written) and reads it back, so that the identifiers are
// the ones compose writes for it. The model's Format is FormatInstaller.
func DetailFromInventory(inv *inspect.Inventory, opts compose.Options) (*Detail, error) {
	if inv == nil {
		return nil, fmt.Errorf("sbomdiff: nil inventory")
	}
	if opts.Created.IsZero() {
		opts.Created = time.Unix(0, 0).UTC()
	}
	res, err := compose.Compose(inv, opts)
	if err != nil {
		return nil, err
	}
	doc, err := res.SPDX()
	if err != nil {
		return nil, err
	}
	d, err := DetailFromSPDX(doc, inv.Artifact.Name, FormatSPDXJSON)
	if err != nil {
		return nil, err
	}
	d.Model.Format = FormatInstaller
	d.Model.Incomplete = d.Model.Incomplete || !inv.Complete()
	return d, nil
}

// DetailFromSPDX builds the Detail of an SPDX 2.3 document.
func DetailFromSPDX(doc *v2_3.Document, name, format string) (*Detail, error) {
	m, err := FromSPDX(doc, name, format)
	if err != nil {
		return nil, err
	}
	d := &Detail{Model: m}
	notes := spdxNotes(doc)
	files := map[string]File{} // document path without "./" -> file
	fileIDs := map[common.ElementID]string{}
	for _, f := range doc.Files {
		if f == nil {
			continue
		}
		p := strings.TrimPrefix(strings.TrimPrefix(f.FileName, "./"), "/")
		mf := File{Path: p}
		for _, c := range f.Checksums {
			switch c.Algorithm {
			case common.SHA256:
				mf.SHA256 = strings.ToLower(c.Value)
			case common.SHA1:
				mf.SHA1 = strings.ToLower(c.Value)
			}
		}
		files[p] = mf
		fileIDs[f.FileSPDXIdentifier] = p
	}
	staticFiles := map[common.ElementID]map[string]bool{} // package -> paths of files it is compiled into
	for _, r := range doc.Relationships {
		if r == nil || r.Relationship != "STATIC_LINK" || r.RefA.DocumentRefID != "" {
			continue
		}
		if p, ok := fileIDs[r.RefA.ElementRefID]; ok {
			if staticFiles[r.RefB.ElementRefID] == nil {
				staticFiles[r.RefB.ElementRefID] = map[string]bool{}
			}
			staticFiles[r.RefB.ElementRefID][p] = true
		}
	}

	root := spdxRoot(doc)
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		if p == root {
			d.Root.Ref = "SPDXRef-" + string(p.PackageSPDXIdentifier)
			d.Root.PURL, d.Root.CPE = spdxRefs(p)
			continue
		}
		if p.PrimaryPackagePurpose == "INSTALL" {
			continue
		}
		c := ComponentDetail{Component: Component{Name: p.PackageName, Version: spdxVersion(p.PackageVersion)},
			Ref: "SPDXRef-" + string(p.PackageSPDXIdentifier)}
		unverified := false
		var evidence []string
		for _, n := range notes[p.PackageSPDXIdentifier] {
			switch {
			case strings.HasPrefix(n, compose.NoteUnverified):
				unverified = true
			case strings.HasPrefix(n, compose.NoteVersionFromSourceSBOM):
				c.VersionFromSource = true
			case strings.HasPrefix(n, compose.NoteEvidence):
				linkage, paths := parseEvidenceNote(n)
				c.Linkage = mergeLinkage(c.Linkage, linkage)
				evidence = append(evidence, paths...)
			}
		}
		if unverified {
			continue
		}
		c.PURL, c.CPE = spdxRefs(p)
		c.Files = ownFiles(c.Linkage, evidence, staticFiles[p.PackageSPDXIdentifier], files)
		d.Components = append(d.Components, c)
	}
	d.sortComponents()
	return d, nil
}

// spdxRefs returns a package's first purl and cpe23Type references.
func spdxRefs(p *v2_3.Package) (purl, cpe string) {
	for _, r := range p.PackageExternalReferences {
		if r == nil {
			continue
		}
		switch {
		case r.RefType == "purl" && purl == "":
			purl = r.Locator
		case r.RefType == "cpe23Type" && cpe == "":
			cpe = r.Locator
		}
	}
	return purl, cpe
}

// parseEvidenceNote reads compose's evidence annotation: "evidence: NAME
// found in the installer's bytes, linkage L1,L2:" and one line per
// finding, "PATH: rule RULE at WHERE[: MATCH]" or "PATH: imports the
// library". It returns the linkage kinds and the paths of the rule lines
// (the files the component was found in, not those that load it).
func parseEvidenceNote(n string) (linkage []string, paths []string) {
	head, body, _ := strings.Cut(n, "\n")
	if i := strings.LastIndex(head, ", linkage "); i >= 0 {
		l := strings.TrimSuffix(head[i+len(", linkage "):], ":")
		for _, k := range strings.Split(l, ",") {
			if k = strings.TrimSpace(k); k != "" {
				linkage = append(linkage, k)
			}
		}
	}
	for _, line := range strings.Split(body, "\n") {
		if i := strings.Index(line, ": rule "); i > 0 {
			paths = append(paths, line[:i])
		}
	}
	return linkage, paths
}

func mergeLinkage(a, b []string) []string {
	set := map[string]bool{}
	for _, x := range append(append([]string(nil), a...), b...) {
		set[x] = true
	}
	if len(set) == 0 {
		return nil
	}
	out := make([]string, 0, len(set))
	for x := range set {
		out = append(out, x)
	}
	sort.Strings(out)
	return out
}

// ownFiles are the files a component was found in that are not binaries
// it is compiled into, when the document says the component is dynamically
// linked and states no linkage other than static and dynamic (an
// "unknown" linkage leaves open which file is which). Paths not in the
// document's file list are left out.
func ownFiles(linkage, evidence []string, static map[string]bool, files map[string]File) []File {
	dynamic := false
	for _, l := range linkage {
		switch l {
		case inventory.LinkageDynamic:
			dynamic = true
		case inventory.LinkageStatic:
		default:
			return nil
		}
	}
	if !dynamic {
		return nil
	}
	seen := map[string]bool{}
	var out []File
	for _, p := range evidence {
		f, ok := files[p]
		if !ok || static[p] || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// DetailFromCycloneDX builds the Detail of a CycloneDX BOM.
func DetailFromCycloneDX(bom *cdx.BOM, name string) (*Detail, error) {
	m, err := FromCycloneDX(bom, name)
	if err != nil {
		return nil, err
	}
	d := &Detail{Model: m}
	files := map[string]File{}      // path -> file
	fileRefs := map[string]string{} // bom-ref -> path
	var comps []*cdx.Component
	var walk func(cs []cdx.Component, depth int)
	walk = func(cs []cdx.Component, depth int) {
		if depth > maxCDXDepth {
			return // FromCycloneDX has refused such a BOM
		}
		for i := range cs {
			c := &cs[i]
			ours, unverified, _ := cdxMarks(c)
			switch {
			case c.Type == cdx.ComponentTypeFile:
				f := cdxFile(c)
				files[f.Path] = f
				if c.BOMRef != "" {
					fileRefs[c.BOMRef] = f.Path
				}
			case c.Type == cdx.ComponentTypeApplication && ours:
			case unverified:
			default:
				comps = append(comps, c)
			}
			if c.Components != nil {
				walk(*c.Components, depth+1)
			}
		}
	}
	if md := bom.Metadata; md != nil && md.Component != nil {
		root := md.Component
		d.Root = RootDetail{Ref: root.BOMRef, PURL: root.PackageURL, CPE: root.CPE}
		if root.Components != nil {
			walk(*root.Components, 0)
		}
	}
	if bom.Components != nil {
		walk(*bom.Components, 0)
	}
	static := map[string]map[string]bool{} // component bom-ref -> paths of files that depend on it
	if bom.Dependencies != nil {
		for _, dep := range *bom.Dependencies {
			p, ok := fileRefs[dep.Ref]
			if !ok || dep.Dependencies == nil {
				continue
			}
			for _, on := range *dep.Dependencies {
				if static[on] == nil {
					static[on] = map[string]bool{}
				}
				static[on][p] = true
			}
		}
	}
	for _, c := range comps {
		cd := ComponentDetail{Component: Component{Name: c.Name, Version: c.Version, PURL: c.PackageURL}, Ref: c.BOMRef, CPE: c.CPE}
		for _, p := range props(c) {
			switch {
			case p.Name == compose.PropLinkage:
				cd.Linkage = mergeLinkage(cd.Linkage, strings.Split(p.Value, ","))
			case p.Name == compose.PropAnnotation && strings.HasPrefix(p.Value, compose.NoteVersionFromSourceSBOM):
				cd.VersionFromSource = true
			}
		}
		var evidence []string
		if c.Evidence != nil && c.Evidence.Occurrences != nil {
			for _, o := range *c.Evidence.Occurrences {
				evidence = append(evidence, strings.TrimPrefix(strings.TrimPrefix(o.Location, "./"), "/"))
			}
		}
		// In CycloneDX the dependency graph holds both the files a
		// component is compiled into and those that load it; the latter
		// are never among the occurrences, so what remains of the
		// occurrences is the component's own files.
		cd.Files = ownFiles(cd.Linkage, evidence, static[c.BOMRef], files)
		d.Components = append(d.Components, cd)
	}
	d.sortComponents()
	return d, nil
}

// sortComponents orders components as the Model does (by name key, then
// version), then by identifier.
func (d *Detail) sortComponents() {
	sort.SliceStable(d.Components, func(i, j int) bool {
		a, b := d.Components[i], d.Components[j]
		if ka, kb := componentKey(a.Name), componentKey(b.Name); ka != kb {
			return ka < kb
		}
		if c := CompareVersions(a.Version, b.Version); c != 0 {
			return c < 0
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Ref < b.Ref
	})
}
