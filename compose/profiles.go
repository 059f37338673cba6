package compose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"
)

// Validation of every format compose writes, and the field lists of the
// minimum-element profiles: NTIA 2021, CISA's 2025 revision, BSI TR-03183-2
// v2.1. Each format is read into one neutral view of the document (docView)
// and the profiles are checked on the view, so that a field is required in
// the same words whatever the format.

// Validation profiles.
const (
	ProfileNTIA = "ntia"
	ProfileCISA = "cisa-2025"
	ProfileBSI  = "bsi-tr-03183-2"
)

// Profiles lists the profiles --profile accepts.
func Profiles() []string { return []string{ProfileNTIA, ProfileCISA, ProfileBSI} }

// Format names as ValidateDocument reports them.
const (
	DocSPDX2JSON     = "spdx-2.3-json"
	DocSPDX2TagValue = "spdx-2.3-tag-value"
	DocSPDX3         = "spdx-3.0.1-json-ld"
	DocCycloneDX     = "cyclonedx-json"
)

// Hooks the writers of the newer formats fill in with a check against their
// official schema (nil: only decoding is checked). They return problems
// with Rule RuleSchema.
var (
	cycloneDXSchemaCheck func(doc []byte, specVersion string) []Problem
	spdx3SchemaCheck     func(doc []byte) []Problem
)

// docView is what the profiles look at, in any format.
type docView struct {
	format, specVersion string
	created             string
	authors             []agentView // people and organisations that made the document
	tools               []string    // "name version"
	uri                 string      // namespace, serial number or document IRI
	lifecycle           string      // generation context (CycloneDX lifecycles)
	components          []compView
}

type agentView struct{ name, contact string }

type compView struct {
	ref, kind                  string // kind: package, file
	name, version, supplier    string
	purl, cpe                  string
	licenseConcluded, declared string
	hashes                     map[string]bool // algorithm names, upper case, no dash: SHA1, SHA256, SHA512
	fileName                   string
	props                      map[string]string
	related                    bool // appears in a relationship or dependency
	separable                  bool // has bytes of its own (a file, an installer); a library compiled into another file does not
}

// ValidateDocument detects a document's format, checks it against that
// format's schema and rules, and checks the profile's field list (ntia when
// profile is ""). It returns the format it read and the problems, sorted.
func ValidateDocument(doc []byte, profile string) (string, []Problem) {
	if profile == "" {
		profile = ProfileNTIA
	}
	var probs []Problem
	var v *docView
	format := detectDocument(doc)
	switch format {
	case DocSPDX2JSON:
		probs = Validate(doc)
		v = spdx2View(doc)
	case DocSPDX2TagValue:
		var d v2_3.Document
		if err := tagvalue.ReadInto(bytes.NewReader(doc), &d); err != nil {
			return format, []Problem{{Element: "SPDXRef-DOCUMENT", Rule: RuleJSON, Message: "not an SPDX tag-value document: " + err.Error()}}
		}
		HoistPackageFiles(&d)
		var buf bytes.Buffer
		if err := spdxjson.Write(&d, &buf); err != nil {
			return format, []Problem{{Element: "SPDXRef-DOCUMENT", Rule: RuleJSON, Message: err.Error()}}
		}
		probs = Validate(buf.Bytes())
		v = spdx2View(buf.Bytes())
	case DocCycloneDX:
		probs, v = cycloneDXView(doc)
	case DocSPDX3:
		probs, v = spdx3View(doc)
	default:
		return "", []Problem{{Element: "document", Rule: RuleJSON, Message: "not an SPDX 2.3 (JSON or tag-value), SPDX 3.0.1 or CycloneDX JSON document"}}
	}
	if v != nil && (profile != ProfileNTIA || format != DocSPDX2JSON && format != DocSPDX2TagValue) {
		probs = append(probs, checkProfile(v, profile)...)
	}
	sort.SliceStable(probs, func(i, j int) bool {
		return lessStrings([]string{probs[i].Element, probs[i].Rule, probs[i].Message}, []string{probs[j].Element, probs[j].Rule, probs[j].Message})
	})
	return format, dedupProblems(probs)
}

// detectDocument names a document's format.
func detectDocument(doc []byte) string {
	switch sourceFormat(doc) {
	case "spdx-tag-value":
		return DocSPDX2TagValue
	case "spdx3":
		return DocSPDX3
	case "cyclonedx":
		return DocCycloneDX
	}
	var probe struct {
		SPDXVersion string `json:"spdxVersion"`
	}
	if json.Unmarshal(doc, &probe) == nil && strings.HasPrefix(probe.SPDXVersion, "SPDX-2.") {
		return DocSPDX2JSON
	}
	return ""
}

// checkProfile checks a view against a profile's field list. Every missing
// field is one problem naming the element and the field.
func checkProfile(v *docView, profile string) []Problem {
	var probs []Problem
	rule := "profile-" + profile
	add := func(el string, warn bool, format string, args ...any) {
		probs = append(probs, Problem{Element: el, Rule: rule, Message: fmt.Sprintf(format, args...), Warning: warn})
	}
	const doc = "document"
	if v.created == "" {
		add(doc, false, "no timestamp")
	}
	if len(v.authors) == 0 && len(v.tools) == 0 {
		add(doc, false, "no author")
	}
	if profile == ProfileBSI {
		switch {
		case v.format == DocCycloneDX && versionBefore(v.specVersion, "1.6"):
			add(doc, false, "CycloneDX %s: BSI TR-03183-2 accepts CycloneDX 1.6 or later", v.specVersion)
		case v.format == DocSPDX2JSON || v.format == DocSPDX2TagValue:
			add(doc, false, "SPDX 2.3: BSI TR-03183-2 accepts SPDX 3.0.1 or later")
		}
		contact := false
		for _, a := range v.authors {
			contact = contact || a.contact != ""
		}
		if !contact {
			add(doc, false, "no creator contact (e-mail address or URL)")
		}
		if v.uri == "" {
			add(doc, false, "no document URI")
		}
	}
	if profile == ProfileCISA || profile == ProfileBSI {
		if len(v.tools) == 0 {
			add(doc, false, "no tool name and version")
		}
	}
	if profile == ProfileCISA && v.format == DocCycloneDX && v.lifecycle == "" {
		add(doc, false, "no generation context (metadata.lifecycles)")
	}
	for _, c := range v.components {
		if c.kind == "file" {
			// Every profile lists components; the files are their
			// contents, already hashed and named by the package that
			// holds them.
			continue
		}
		el := c.ref
		if c.name == "" {
			add(el, false, "no name")
		}
		if c.kind == "package" {
			if c.version == "" || c.version == "NOASSERTION" {
				// A known unknown (SPDX's NOASSERTION; CycloneDX has no
				// word for it but leaving the field out) is flagged, not
				// failed, except where BSI requires the version.
				unknown := c.version == "NOASSERTION" || v.format == DocCycloneDX || v.format == DocSPDX3
				add(el, unknown && profile != ProfileBSI, "%s: no version", c.name)
			}
			if c.supplier == "" || c.supplier == "NOASSERTION" {
				// The same known unknown for the supplier: one installer's
				// documents get one verdict in every format.
				unknown := c.supplier == "NOASSERTION" || v.format == DocCycloneDX || v.format == DocSPDX3
				add(el, unknown && profile != ProfileBSI, "%s: no supplier", c.name)
			}
		}
		if profile == ProfileNTIA {
			continue
		}
		if c.kind == "package" && c.purl == "" && c.cpe == "" {
			add(el, false, "%s: no software identifier (PURL or CPE)", c.name)
		}
		if c.separable && len(c.hashes) == 0 {
			add(el, false, "%s: no hash", c.name)
		}
		lic := c.licenseConcluded
		if profile == ProfileCISA && lic == "" {
			lic = c.declared
		}
		if lic == "" || lic == "NOASSERTION" {
			add(el, lic == "NOASSERTION" && profile == ProfileCISA, "%s: no licence", c.name)
		}
		if profile != ProfileBSI {
			continue
		}
		if c.separable && !c.hashes["SHA512"] {
			add(el, false, "%s: no SHA-512 hash", c.name)
		}
		if c.separable && c.fileName == "" {
			add(el, false, "%s: no file name (bsi:component:filename)", c.name)
		}
		if v.format == DocCycloneDX && c.kind == "package" {
			for _, p := range []string{"bsi:component:executable", "bsi:component:archive", "bsi:component:structured"} {
				if c.separable && c.props[p] == "" {
					add(el, false, "%s: no %s property", c.name, p)
				}
			}
		}
	}
	return probs
}

// versionBefore compares dotted spec versions ("1.5" < "1.6").
func versionBefore(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "%d.%d", &a1, &a2)
	fmt.Sscanf(b, "%d.%d", &b1, &b2)
	return a1 < b1 || a1 == b1 && a2 < b2
}

// spdx2View reads an SPDX 2.3 JSON document into the view.
func spdx2View(doc []byte) *docView {
	var root map[string]any
	if json.Unmarshal(doc, &root) != nil {
		return nil
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	v := &docView{format: DocSPDX2JSON, specVersion: strings.TrimPrefix(str(root, "spdxVersion"), "SPDX-"), uri: str(root, "documentNamespace")}
	if ci, ok := root["creationInfo"].(map[string]any); ok {
		v.created = str(ci, "created")
		creators, _ := ci["creators"].([]any)
		for _, c := range creators {
			s, _ := c.(string)
			typ, name, _ := strings.Cut(s, ": ")
			if typ == "Tool" {
				v.tools = append(v.tools, name)
				continue
			}
			a := agentView{name: name}
			if i := strings.LastIndex(name, "("); i >= 0 && strings.HasSuffix(name, ")") {
				a.contact = name[i+1 : len(name)-1]
			}
			v.authors = append(v.authors, a)
		}
	}
	related := map[string]bool{}
	for _, r := range objects(root, "relationships") {
		related[str(r, "spdxElementId")] = true
		related[str(r, "relatedSpdxElement")] = true
	}
	hashesOf := func(m map[string]any) map[string]bool {
		h := map[string]bool{}
		for _, c := range objects(m, "checksums") {
			h[strings.ToUpper(strings.ReplaceAll(str(c, "algorithm"), "-", ""))] = true
		}
		return h
	}
	for _, p := range objects(root, "packages") {
		c := compView{ref: str(p, "SPDXID"), kind: "package", name: str(p, "name"), version: str(p, "versionInfo"),
			supplier: str(p, "supplier"), licenseConcluded: str(p, "licenseConcluded"), declared: str(p, "licenseDeclared"),
			hashes: hashesOf(p), fileName: str(p, "packageFileName")}
		c.separable = len(c.hashes) > 0 || c.fileName != ""
		for _, r := range objects(p, "externalRefs") {
			switch str(r, "referenceType") {
			case "purl":
				c.purl = str(r, "referenceLocator")
			case "cpe23Type", "cpe22Type":
				c.cpe = str(r, "referenceLocator")
			}
		}
		c.related = related[c.ref]
		v.components = append(v.components, c)
	}
	for _, f := range objects(root, "files") {
		c := compView{ref: str(f, "SPDXID"), kind: "file", name: str(f, "fileName"), fileName: str(f, "fileName"),
			hashes: hashesOf(f), licenseConcluded: str(f, "licenseConcluded"), separable: true}
		c.related = related[c.ref]
		v.components = append(v.components, c)
	}
	return v
}

// cycloneDXView decodes a CycloneDX JSON document (checking its schema when
// the hook is set) into the view.
func cycloneDXView(doc []byte) ([]Problem, *docView) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(doc), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return []Problem{{Element: "document", Rule: RuleJSON, Message: "not a CycloneDX JSON document: " + err.Error()}}, nil
	}
	var probe struct {
		SpecVersion string `json:"specVersion"`
	}
	json.Unmarshal(doc, &probe)
	var probs []Problem
	if cycloneDXSchemaCheck != nil {
		probs = cycloneDXSchemaCheck(doc, probe.SpecVersion)
	}
	v := &docView{format: DocCycloneDX, specVersion: probe.SpecVersion, uri: bom.SerialNumber}
	if md := bom.Metadata; md != nil {
		v.created = md.Timestamp
		if md.Authors != nil {
			for _, a := range *md.Authors {
				v.authors = append(v.authors, agentView{name: a.Name, contact: orDefault(a.Email, a.Phone)})
			}
		}
		if md.Manufacturer != nil {
			a := agentView{name: md.Manufacturer.Name}
			if md.Manufacturer.URL != nil && len(*md.Manufacturer.URL) > 0 {
				a.contact = (*md.Manufacturer.URL)[0]
			}
			if md.Manufacturer.Contact != nil {
				for _, c := range *md.Manufacturer.Contact {
					a.contact = orDefault(a.contact, orDefault(c.Email, c.Phone))
				}
			}
			v.authors = append(v.authors, a)
		}
		if md.Tools != nil && md.Tools.Components != nil {
			for _, t := range *md.Tools.Components {
				v.tools = append(v.tools, strings.TrimSpace(t.Name+" "+t.Version))
			}
		}
		if md.Lifecycles != nil && len(*md.Lifecycles) > 0 {
			v.lifecycle = string((*md.Lifecycles)[0].Phase)
		}
	}
	related := map[string]bool{}
	if bom.Dependencies != nil {
		for _, d := range *bom.Dependencies {
			related[d.Ref] = true
			if d.Dependencies != nil {
				for _, r := range *d.Dependencies {
					related[r] = true
				}
			}
		}
	}
	var walk func(c cdx.Component, depth int)
	walk = func(c cdx.Component, depth int) {
		if depth > 64 {
			return
		}
		cv := compView{ref: c.BOMRef, kind: "package", name: c.Name, version: c.Version, purl: c.PackageURL, cpe: c.CPE,
			hashes: map[string]bool{}, props: map[string]string{}}
		if c.Type == cdx.ComponentTypeFile {
			cv.kind = "file"
		}
		if c.Supplier != nil {
			cv.supplier = c.Supplier.Name
		}
		cv.licenseConcluded, cv.declared = cdxLicensesByAcknowledgement(c.Licenses)
		if c.Hashes != nil {
			for _, h := range *c.Hashes {
				cv.hashes[strings.ReplaceAll(string(h.Algorithm), "-", "")] = true
			}
		}
		if c.Properties != nil {
			for _, p := range *c.Properties {
				cv.props[p.Name] = p.Value
			}
		}
		cv.fileName = cv.props["bsi:component:filename"]
		if cv.kind == "file" {
			cv.fileName = orDefault(cv.fileName, c.Name)
		}
		// A library compiled into another file has no bytes of its own:
		// BSI omits its hash and file name.
		cv.separable = cv.kind == "file" || cv.props[PropLinkage] != LinkageStaticValue && len(cv.hashes) > 0
		cv.related = related[c.BOMRef]
		v.components = append(v.components, cv)
		if c.Components != nil {
			for _, sub := range *c.Components {
				walk(sub, depth+1)
			}
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		walk(*bom.Metadata.Component, 0)
	}
	if bom.Components != nil {
		for _, c := range *bom.Components {
			walk(c, 0)
		}
	}
	return probs, v
}

// cdxLicensesByAcknowledgement splits a CycloneDX 1.7 licence list into
// the concluded and the declared expression (its acknowledgement); a licence
// without one (CycloneDX 1.6 and earlier) counts as both.
func cdxLicensesByAcknowledgement(ls *cdx.Licenses) (concluded, declared string) {
	if ls == nil {
		return "", ""
	}
	var con, dec, either cdx.Licenses
	for _, l := range *ls {
		ack := l.Acknowledgement
		if ack == nil && l.License != nil && l.License.Acknowledgement != "" {
			a := l.License.Acknowledgement
			ack = &a
		}
		switch {
		case ack == nil:
			either = append(either, l)
		case *ack == cdx.LicenseAcknowledgementConcluded:
			con = append(con, l)
		case *ack == cdx.LicenseAcknowledgementDeclared:
			dec = append(dec, l)
		}
	}
	concluded = orDefault(cdxLicenseExpression(&con), cdxLicenseExpression(&either))
	declared = orDefault(cdxLicenseExpression(&dec), cdxLicenseExpression(&either))
	return concluded, declared
}

// LinkageStaticValue is the installer-sbom:linkage value of a library
// compiled into another file.
const LinkageStaticValue = "static"

// spdx3View reads an SPDX 3 JSON-LD document into the view.
func spdx3View(doc []byte) ([]Problem, *docView) {
	var d struct {
		Graph []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return []Problem{{Element: "document", Rule: RuleJSON, Message: "not an SPDX 3 JSON-LD document: " + err.Error()}}, nil
	}
	var probs []Problem
	if spdx3SchemaCheck != nil {
		probs = spdx3SchemaCheck(doc)
	}
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	id := func(m map[string]any) string { return orDefault(str(m, "spdxId"), str(m, "@id")) }
	byID := map[string]map[string]any{}
	for _, el := range d.Graph {
		byID[id(el)] = el
	}
	v := &docView{format: DocSPDX3, specVersion: "3.0.1"}
	agent := func(ref string) agentView {
		el := byID[ref]
		a := agentView{name: str(el, "name")}
		if ids, ok := el["externalIdentifier"].([]any); ok {
			for _, x := range ids {
				m, _ := x.(map[string]any)
				if t := str(m, "externalIdentifierType"); t == "email" || t == "urlScheme" || strings.Contains(str(m, "identifier"), "@") {
					a.contact = str(m, "identifier")
				}
			}
		}
		return a
	}
	licenses := map[string]map[string]string{} // element → relationship type → expression
	related := map[string]bool{}
	artifact := map[string]string{} // package → its distribution artifact (a software_File)
	for _, el := range d.Graph {
		switch str(el, "type") {
		case "SpdxDocument":
			v.uri = id(el)
		case "CreationInfo":
			v.created = str(el, "created")
			v.specVersion = orDefault(str(el, "specVersion"), v.specVersion)
			by, _ := el["createdBy"].([]any)
			for _, b := range by {
				v.authors = append(v.authors, agent(fmt.Sprint(b)))
			}
			tools, _ := el["createdUsing"].([]any)
			for _, t := range tools {
				v.tools = append(v.tools, str(byID[fmt.Sprint(t)], "name"))
			}
		case "Relationship":
			from := str(el, "from")
			related[from] = true
			tos, _ := el["to"].([]any)
			if str(el, "relationshipType") == "hasDistributionArtifact" && len(tos) == 1 {
				artifact[from] = fmt.Sprint(tos[0])
			}
			for _, t := range tos {
				related[fmt.Sprint(t)] = true
				if lic := byID[fmt.Sprint(t)]; lic != nil && str(lic, "simplelicensing_licenseExpression") != "" {
					if licenses[from] == nil {
						licenses[from] = map[string]string{}
					}
					licenses[from][str(el, "relationshipType")] = str(lic, "simplelicensing_licenseExpression")
				}
			}
		}
	}
	for _, el := range d.Graph {
		t := str(el, "type")
		if t != "software_Package" && t != "software_File" {
			continue
		}
		c := compView{ref: id(el), kind: "package", name: str(el, "name"), version: str(el, "software_packageVersion"),
			hashes: map[string]bool{}, props: map[string]string{}}
		if t == "software_File" {
			c.kind, c.fileName, c.separable = "file", c.name, true
		}
		if s := str(el, "suppliedBy"); s != "" {
			c.supplier = agent(s).name
		}
		if ids, ok := el["externalIdentifier"].([]any); ok {
			for _, x := range ids {
				m, _ := x.(map[string]any)
				switch str(m, "externalIdentifierType") {
				case "packageUrl":
					c.purl = str(m, "identifier")
				case "cpe23", "cpe22":
					c.cpe = str(m, "identifier")
				}
			}
		}
		c.purl = orDefault(c.purl, str(el, "software_packageUrl"))
		if hs, ok := el["verifiedUsing"].([]any); ok {
			for _, x := range hs {
				m, _ := x.(map[string]any)
				// A package verification code digests the files analysed
				// in it, not a deployable file: it gives the package no
				// bytes of its own (CycloneDX has no such field, so both
				// views agree).
				if str(m, "type") == "PackageVerificationCode" {
					continue
				}
				c.hashes[strings.ToUpper(strings.ReplaceAll(str(m, "algorithm"), "_", ""))] = true
			}
		}
		if c.kind == "package" {
			// SPDX 3.0.1 has no package file name: the deployable file is
			// the package's distribution artifact, whose hashes are the
			// package's too.
			if f := byID[artifact[c.ref]]; f != nil {
				c.fileName = path.Base(str(f, "name"))
				if hs, ok := f["verifiedUsing"].([]any); ok {
					for _, x := range hs {
						m, _ := x.(map[string]any)
						c.hashes[strings.ToUpper(strings.ReplaceAll(str(m, "algorithm"), "_", ""))] = true
					}
				}
			}
			c.separable = len(c.hashes) > 0
		}
		c.licenseConcluded = licenses[c.ref]["hasConcludedLicense"]
		c.declared = licenses[c.ref]["hasDeclaredLicense"]
		c.related = related[c.ref]
		v.components = append(v.components, c)
	}
	return probs, v
}
