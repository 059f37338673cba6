package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
)

// FormatCycloneDXJSON is the output format name of the CycloneDX writer.
const FormatCycloneDXJSON = "cyclonedx-json"

func init() {
	RegisterFormat(Format{Name: FormatCycloneDXJSON, Ext: ".cdx.json", MediaType: "application/vnd.cyclonedx+json", Write: WriteCycloneDX})
}

// WriteCycloneDX writes the composed result as CycloneDX 1.6 JSON with the
// same content as the SPDX document: the installer is the metadata
// component; sub-installers and the files they contain are nested
// components (CycloneDX expresses containment by nesting); libraries are
// top-level components with hashes, identifiers, licenses and evidence
// (occurrences with byte offsets); static and dynamic links and depends-on
// relationships become the dependency graph. bom-refs are the elements' identifiers in
// every output (elementRef), the same strings as the SPDX identifiers.
func WriteCycloneDX(w io.Writer, res *Result) error {
	if res == nil || res.m == nil {
		return errors.New("compose: WriteCycloneDX needs a Result from Compose")
	}
	m := res.m
	pkgByID := map[string]*pkgNode{}
	for _, p := range m.packages {
		pkgByID[p.id] = p
	}
	fileByID := map[string]*fileNode{}
	for _, f := range m.files {
		fileByID[f.id] = f
	}
	children := map[string][]string{} // container -> contained packages and files
	containedBy := map[string][]string{}
	deps := map[string][]string{}
	for _, r := range m.rels {
		switch r.kind {
		case relContains:
			if p := pkgByID[r.b]; p != nil && (p.role == roleLibrary) {
				containedBy[r.b] = append(containedBy[r.b], r.a)
				// A library may be contained by several packages; it is
				// listed once, at the top level.
				continue
			}
			children[r.a] = append(children[r.a], r.b)
		case relStaticLink, relDynamicLink, relDependsOn:
			deps[r.a] = append(deps[r.a], r.b)
		}
	}

	var build func(id string) cdx.Component
	build = func(id string) cdx.Component {
		var c cdx.Component
		if p := pkgByID[id]; p != nil {
			c = cdxPackage(p)
		} else if f := fileByID[id]; f != nil {
			c = cdxFile(f)
		}
		var kids []cdx.Component
		for _, k := range children[id] {
			kids = append(kids, build(k))
		}
		if len(kids) > 0 {
			c.Components = &kids
		}
		if cb := containedBy[id]; len(cb) > 0 {
			var refs []string
			for _, id := range cb {
				refs = append(refs, elementRef(id))
			}
			props := append(deref(c.Properties), cdx.Property{Name: PropContained, Value: strings.Join(refs, " ")})
			c.Properties = &props
		}
		return c
	}

	bom := cdx.NewBOM()
	root := build(rootID)
	// The installer's own children become the BOM's top-level components.
	var top []cdx.Component
	if root.Components != nil {
		top = *root.Components
		root.Components = nil
	}
	for _, p := range m.packages {
		if p.role == roleLibrary || p.role == roleUnverified {
			top = append(top, build(p.id))
		}
	}
	sort.SliceStable(top, func(i, j int) bool { return top[i].BOMRef < top[j].BOMRef })

	h := sha256.Sum256([]byte(m.namespace))
	h[6] = h[6]&0x0f | 0x50 // name-based UUID (version 5 layout) from the namespace
	h[8] = h[8]&0x3f | 0x80
	u := hex.EncodeToString(h[:16])
	bom.SerialNumber = fmt.Sprintf("urn:uuid:%s-%s-%s-%s-%s", u[0:8], u[8:12], u[12:16], u[16:20], u[20:32])
	bom.Version = 1

	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: ToolName, Version: strings.TrimPrefix(m.tool, ToolName+"-")}
	bom.Metadata = &cdx.Metadata{
		Timestamp: m.created,
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
		Component: &root,
	}
	var authors []cdx.OrganizationalContact
	for _, c := range m.creators {
		if typ, name, _ := strings.Cut(c, ": "); typ == "Person" || typ == "Organization" {
			authors = append(authors, cdx.OrganizationalContact{Name: name})
		}
	}
	if len(authors) > 0 {
		bom.Metadata.Authors = &authors
	}
	if len(top) > 0 {
		bom.Components = &top
	}

	var graph []cdx.Dependency
	var froms []string
	for a := range deps {
		froms = append(froms, a)
	}
	sort.Strings(froms)
	for _, a := range froms {
		var on []string
		for _, b := range dedupSorted(sortedCopy(deps[a])) {
			on = append(on, elementRef(b))
		}
		graph = append(graph, cdx.Dependency{Ref: elementRef(a), Dependencies: &on})
	}
	if len(graph) > 0 {
		bom.Dependencies = &graph
	}
	if m.incomplete {
		// CycloneDX's own word for an inventory known to lack parts.
		bom.Compositions = &[]cdx.Composition{{Aggregate: cdx.CompositionAggregateIncomplete,
			Assemblies: &[]cdx.BOMReference{cdx.BOMReference(elementRef(rootID))}}}
		props := append(deref(bom.Metadata.Properties), cdx.Property{Name: PropAnnotation, Value: incompleteComment})
		bom.Metadata.Properties = &props
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}

func cdxPackage(p *pkgNode) cdx.Component {
	c := cdx.Component{BOMRef: elementRef(p.id), Name: p.name, Version: p.version, PackageURL: p.purl(), CPE: p.cpe()}
	switch p.role {
	case roleInstaller, roleSubInstaller:
		c.Type = cdx.ComponentTypeApplication
	default:
		c.Type = cdx.ComponentTypeLibrary
	}
	if s := p.supplier; s != "" {
		_, name, _ := strings.Cut(s, ": ")
		c.Supplier = &cdx.OrganizationalEntity{Name: name}
	}
	if o := p.originator; o != "" {
		_, name, _ := strings.Cut(o, ": ")
		c.Authors = &[]cdx.OrganizationalContact{{Name: name}}
	}
	var hashes []cdx.Hash
	for _, h := range p.checksums {
		if alg, ok := cdxHashAlg(h.alg); ok {
			hashes = append(hashes, cdx.Hash{Algorithm: alg, Value: h.value})
		}
	}
	if len(hashes) > 0 {
		c.Hashes = &hashes
	}
	if lic := p.licenseConcluded; lic != "" && lic != "NONE" {
		c.Licenses = &cdx.Licenses{{Expression: lic}}
	} else if lic := p.licenseDeclared; lic != "" && lic != "NONE" {
		c.Licenses = &cdx.Licenses{{Expression: lic}}
	}
	if cp := p.copyright; cp != "" && cp != "NONE" {
		c.Copyright = cp
	}
	var refs []cdx.ExternalReference
	if d := p.download; d != "" && d != "NONE" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: d})
	}
	// The homepage is a source SBOM's, as it gives it.
	if p.homepage != "" && p.homepage != "NOASSERTION" && p.homepage != "NONE" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeWebsite, URL: p.homepage})
	}
	if len(refs) > 0 {
		c.ExternalReferences = &refs
	}
	props := []cdx.Property{{Name: PropSPDXID, Value: elementRef(p.id)}}
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
		// Occurrences only: CycloneDX identity methods require a
		// confidence figure, which the fingerprint rules do not give.
		c.Evidence = &cdx.Evidence{Occurrences: &occ}
	}
	return c
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
	case "SHA3-512":
		return cdx.HashAlgoSHA3_512, true
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
