// Package vex turns a release manager's triage statements about the
// components of an installer (statements.go: vulnerability, component,
// status, justification, impact and action statements) into a VEX
// document: OpenVEX (github.com/openvex/go-vex) or CycloneDX's VEX form
// (vulnerabilities[] with affects[].ref and analysis).
//
// The components are those of an sbomdiff.Detail: the document compose
// writes for an installer, or an SBOM read back, so both give the same
// identifiers. Each statement must name a component the installer has (by
// PURL, by name and version, or by SPDX identifier / bom-ref); a statement
// naming any other component, or naming one ambiguously, is refused, and
// nothing is written while any statement is refused.
//
// In the OpenVEX document every statement's product is the installer
// (@id its PURL, else pkg:generic/<name>@<version>; hashes its SHA-256 and
// SHA-1) and its subcomponent is the component (@id its PURL, else
// pkg:generic/<name>@<version>; identifiers its CPE), with the hashes of
// the component's own library file when the SBOM records which file that
// is (a dynamically linked component), and without hashes for a component
// only compiled into other binaries: hashes are never made up. The
// document's @id is a name-based urn:uuid from the installer's SHA-256, the
// author and the statements, so the same inputs give the same document.
package vex

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	govex "github.com/openvex/go-vex/pkg/vex"
	"github.com/package-url/packageurl-go"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
)

// Options are what New needs beyond the installer and the statements.
type Options struct {
	// Author and Role of the statements (OpenVEX author, role); they take
	// precedence over the statements file's. An author is required.
	Author, Role string
	// ToolVersion makes the tooling "installer-sbom-<ToolVersion>".
	ToolVersion string
	// Timestamp is the document's time when set (SOURCE_DATE_EPOCH),
	// unless a statement is newer: the document's time is the latest of
	// Timestamp and the statements' timestamps, else Now, else the current
	// time.
	Timestamp, Now time.Time
}

// ErrNoAuthor: OpenVEX requires an author, and neither the options nor the
// statements file give one.
var ErrNoAuthor = errors.New("no author: OpenVEX names who makes the statements (--author, or \"author\" in the statements file)")

// Refusal is a statement New refused, and why.
type Refusal struct {
	Statement Statement
	Reason    string
}

func (r Refusal) String() string { return r.Statement.Label() + ": " + r.Reason }

// RefusedError lists every refused statement.
type RefusedError struct {
	Source   string
	Refusals []Refusal
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d statement(s) refused", len(e.Refusals))
	if e.Source != "" {
		b.WriteString(" in " + e.Source)
	}
	for _, r := range e.Refusals {
		b.WriteString("\n  " + r.String())
	}
	return b.String()
}

// Document is a set of statements resolved against an installer's
// components, ready to be written as OpenVEX or CycloneDX.
type Document struct {
	Subject *sbomdiff.Detail
	// ID is the document's @id (CycloneDX serialNumber).
	ID                    string
	Author, Role, Tooling string
	Timestamp             time.Time
	Statements            []Resolved
}

// Resolved is a statement and the component it names.
type Resolved struct {
	Statement
	// Component is the installer's component the statement is about; nil
	// for a statement about the installer itself.
	Component *sbomdiff.ComponentDetail
}

// New checks every statement and resolves its component in subject. When
// any statement is refused it returns a *RefusedError listing all of them.
func New(subject *sbomdiff.Detail, st *Statements, opts Options) (*Document, error) {
	if subject == nil || subject.Model == nil {
		return nil, errors.New("vex: no installer or SBOM")
	}
	if st == nil || len(st.Statements) == 0 {
		return nil, errors.New("vex: no statements")
	}
	d := &Document{Subject: subject, Author: opts.Author, Role: opts.Role, Tooling: compose.ToolName}
	if d.Author == "" {
		d.Author = st.Author
	}
	if d.Role == "" {
		d.Role = st.Role
	}
	if strings.TrimSpace(d.Author) == "" {
		return nil, ErrNoAuthor
	}
	if opts.ToolVersion != "" {
		d.Tooling += "-" + opts.ToolVersion
	}
	refused := &RefusedError{Source: st.Source}
	type key struct{ vuln, comp, ts string }
	first := map[key]int{}
	for _, s := range st.Statements {
		if reason := check(&s); reason != "" {
			refused.Refusals = append(refused.Refusals, Refusal{s, reason})
			continue
		}
		r := Resolved{Statement: s}
		if !s.Component.IsZero() {
			c, reason := resolve(subject, s.Component)
			if reason != "" {
				refused.Refusals = append(refused.Refusals, Refusal{s, reason})
				continue
			}
			r.Component = c
		}
		k := key{s.Vulnerability.ID, "", ""}
		if r.Component != nil {
			k.comp = r.Component.Ref + "\x00" + r.Component.Name + "\x00" + r.Component.Version
		}
		if s.Timestamp != nil {
			k.ts = s.Timestamp.Format(time.RFC3339Nano)
		}
		if i, dup := first[k]; dup {
			refused.Refusals = append(refused.Refusals, Refusal{s, fmt.Sprintf(
				"statement %d already speaks of %s for the same component at the same time (give each statement its own timestamp to record a history)", i, s.Vulnerability.ID)})
			continue
		}
		first[k] = s.Index
		d.Statements = append(d.Statements, r)
	}
	if len(refused.Refusals) > 0 {
		return nil, refused
	}

	// The document is as old as its newest statement at least.
	d.Timestamp = opts.Timestamp
	for _, r := range d.Statements {
		if r.Timestamp != nil && r.Timestamp.After(d.Timestamp) {
			d.Timestamp = *r.Timestamp
		}
	}
	if d.Timestamp.IsZero() {
		d.Timestamp = opts.Now
	}
	if d.Timestamp.IsZero() {
		d.Timestamp = time.Now()
	}
	d.Timestamp = d.Timestamp.UTC().Truncate(time.Second)
	d.ID = d.contentID()
	return d, nil
}

// check validates a statement's own fields: "" when it is good, else why
// it is refused.
func check(s *Statement) string {
	v := s.Vulnerability
	switch {
	case v.ID == "":
		return "no vulnerability identifier"
	case strings.ContainsAny(v.ID, " \t\r\n"):
		return fmt.Sprintf("vulnerability identifier %q contains white space", v.ID)
	}
	for _, a := range v.Aliases {
		if strings.ContainsAny(a, " \t\r\n") {
			return fmt.Sprintf("vulnerability alias %q contains white space", a)
		}
	}
	status := govex.Status(s.Status)
	switch {
	case s.Status == "":
		return "no status (one of " + strings.Join(govex.Statuses(), ", ") + ")"
	case !status.Valid():
		return fmt.Sprintf("unknown status %q (one of %s)", s.Status, strings.Join(govex.Statuses(), ", "))
	}
	if s.Justification != "" && !govex.Justification(s.Justification).Valid() {
		return fmt.Sprintf("unknown justification %q (OpenVEX's are %s)", s.Justification, strings.Join(govex.Justifications(), ", "))
	}
	switch status {
	case govex.StatusNotAffected:
		if s.Justification == "" {
			return "status not_affected needs a justification (one of " + strings.Join(govex.Justifications(), ", ") + ")"
		}
		if s.ActionStatement != "" {
			return "an action_statement is only for status affected"
		}
	case govex.StatusAffected:
		if s.ActionStatement == "" {
			return "status affected needs an action_statement (what users should do)"
		}
		fallthrough
	default:
		if s.Justification != "" {
			return fmt.Sprintf("a justification is only for status not_affected, not %s", s.Status)
		}
		if s.ImpactStatement != "" {
			return fmt.Sprintf("an impact_statement is only for status not_affected, not %s", s.Status)
		}
		if s.ActionStatement != "" && status != govex.StatusAffected {
			return fmt.Sprintf("an action_statement is only for status affected, not %s", s.Status)
		}
	}
	// go-vex's own rules, so that its readers accept what is written.
	gs := govex.Statement{Status: status, Justification: govex.Justification(s.Justification),
		ImpactStatement: s.ImpactStatement, ActionStatement: s.ActionStatement}
	if err := gs.Validate(); err != nil {
		return err.Error()
	}
	return ""
}

// resolve finds the component a reference names: "" and the component, or
// why it cannot.
func resolve(subject *sbomdiff.Detail, ref ComponentRef) (*sbomdiff.ComponentDetail, string) {
	var cands []*sbomdiff.ComponentDetail
	for i := range subject.Components {
		c := &subject.Components[i]
		if ref.Ref != "" && c.Ref != ref.Ref {
			continue
		}
		if ref.PURL != "" && !govex.PurlMatches(ref.PURL, ComponentID(c)) && !(c.PURL != "" && govex.PurlMatches(ref.PURL, c.PURL)) {
			continue
		}
		if ref.Name != "" && !sbomdiff.SameName(ref.Name, c.Name) {
			continue
		}
		if ref.Version != "" && !sameVersion(ref.Version, c.Version) {
			continue
		}
		cands = append(cands, c)
	}
	switch {
	case len(cands) == 1:
		return cands[0], ""
	case len(cands) > 1:
		var at []string
		for _, c := range cands {
			at = append(at, componentLabel(c))
		}
		sameVersions := true
		for _, c := range cands[1:] {
			if c.Version != cands[0].Version {
				sameVersions = false
			}
		}
		if sameVersions {
			var refs []string
			for _, c := range cands {
				refs = append(refs, c.Ref)
			}
			return nil, fmt.Sprintf("%s is ambiguous: the installer has %d such components (%s); name one by ref: %s",
				ref, len(cands), strings.Join(at, ", "), strings.Join(refs, ", "))
		}
		return nil, fmt.Sprintf("%s is ambiguous: the installer has %s; give the version or the PURL", ref, strings.Join(at, ", "))
	}
	// Not found: say what the installer has under that name.
	var near []string
	for i := range subject.Components {
		c := &subject.Components[i]
		if (ref.Name != "" && sbomdiff.SameName(ref.Name, c.Name)) || (ref.PURL != "" && purlName(ref.PURL) != "" && sbomdiff.SameName(purlName(ref.PURL), c.Name)) {
			near = append(near, componentLabel(c))
		}
	}
	msg := fmt.Sprintf("component %s is not in the installer", ref)
	if subject.Model.Source != "" {
		msg = fmt.Sprintf("component %s is not in %s", ref, subject.Model.Source)
	}
	if len(near) > 0 {
		msg += " (it has " + strings.Join(near, ", ") + ")"
	}
	return nil, msg
}

func sameVersion(a, b string) bool {
	return a == b || (b != "" && sbomdiff.CompareVersions(a, b) == 0)
}

func purlName(p string) string {
	u, err := packageurl.FromString(p)
	if err != nil {
		return ""
	}
	return u.Name
}

func componentLabel(c *sbomdiff.ComponentDetail) string {
	l := c.Name
	if c.Version != "" {
		l += " " + c.Version
	} else {
		l += " (no version)"
	}
	if c.PURL != "" {
		l += " " + c.PURL
	}
	return l
}

// genericPURL is pkg:generic/<name>[@<version>], the PURL of something no
// package ecosystem names (the fingerprint rules' own form).
func genericPURL(name, version string) string {
	return packageurl.NewPackageURL(packageurl.TypeGeneric, "", name, version, nil, "").ToString()
}

// ComponentID is a component's OpenVEX @id: its PURL, else
// pkg:generic/<name>[@<version>].
func ComponentID(c *sbomdiff.ComponentDetail) string {
	if c.PURL != "" {
		return c.PURL
	}
	return genericPURL(c.Name, c.Version)
}

// ProductID is the installer's OpenVEX @id: its PURL, else
// pkg:generic/<name>[@<version>] (the name the document gives it, else its
// file name).
func (d *Document) ProductID() string {
	if d.Subject.Root.PURL != "" {
		return d.Subject.Root.PURL
	}
	m := d.Subject.Model
	name := m.Name
	if name == "" {
		name = m.FileName
	}
	if name == "" {
		name = m.Source
	}
	return genericPURL(name, m.Version)
}

// contentID derives the document identifier from the installer, the
// author and the statements (not the document time).
func (d *Document) contentID() string {
	type stmt struct {
		Vuln      string   `json:"v"`
		Aliases   []string `json:"a,omitempty"`
		Component string   `json:"c,omitempty"`
		Status    string   `json:"s"`
		Just      string   `json:"j,omitempty"`
		Impact    string   `json:"i,omitempty"`
		Action    string   `json:"x,omitempty"`
		Time      string   `json:"t,omitempty"`
	}
	m := d.Subject.Model
	content := struct {
		Kind, Product, SHA256, Author, Role string
		Statements                          []stmt
	}{Kind: "installer-sbom vex 1", Product: d.ProductID(), SHA256: m.SHA256, Author: d.Author, Role: d.Role}
	for _, r := range d.Statements {
		s := stmt{Vuln: r.Vulnerability.ID, Aliases: r.Vulnerability.Aliases, Status: r.Status, Just: r.Justification,
			Impact: r.ImpactStatement, Action: r.ActionStatement}
		if r.Component != nil {
			s.Component = r.Component.Ref + " " + ComponentID(r.Component)
		}
		if r.Timestamp != nil {
			s.Time = r.Timestamp.UTC().Format(time.RFC3339Nano)
		}
		content.Statements = append(content.Statements, s)
	}
	b, _ := json.Marshal(content)
	h := sha256.Sum256(b)
	h[6] = h[6]&0x0f | 0x50 // name-based UUID (version 5 layout)
	h[8] = h[8]&0x3f | 0x80
	u := hex.EncodeToString(h[:16])
	return fmt.Sprintf("urn:uuid:%s-%s-%s-%s-%s", u[0:8], u[8:12], u[12:16], u[16:20], u[20:32])
}

// product is the installer as an OpenVEX component.
func (d *Document) product() govex.Component {
	m := d.Subject.Model
	c := govex.Component{ID: d.ProductID()}
	hashes := map[govex.Algorithm]govex.Hash{}
	if m.SHA256 != "" {
		hashes[govex.SHA256] = govex.Hash(m.SHA256)
	}
	if m.SHA1 != "" {
		hashes[govex.SHA1] = govex.Hash(m.SHA1)
	}
	if len(hashes) > 0 {
		c.Hashes = hashes
	}
	if cpe := d.Subject.Root.CPE; cpe != "" {
		c.Identifiers = map[govex.IdentifierType]string{govex.CPE23: cpe}
	}
	return c
}

// Subcomponents are a component's OpenVEX subcomponents: one per own
// library file (with its hashes), and one without hashes when the
// component is compiled into other binaries or its own file is not known.
func Subcomponents(c *sbomdiff.ComponentDetail) []govex.Subcomponent {
	base := govex.Component{ID: ComponentID(c)}
	if c.CPE != "" {
		base.Identifiers = map[govex.IdentifierType]string{govex.CPE23: c.CPE}
	}
	var out []govex.Subcomponent
	seen := map[string]bool{}
	for _, f := range c.Files {
		if f.SHA256 == "" && f.SHA1 == "" {
			continue
		}
		if seen[f.SHA256+f.SHA1] {
			continue
		}
		seen[f.SHA256+f.SHA1] = true
		s := base
		s.Hashes = map[govex.Algorithm]govex.Hash{}
		if f.SHA256 != "" {
			s.Hashes[govex.SHA256] = govex.Hash(f.SHA256)
		}
		if f.SHA1 != "" {
			s.Hashes[govex.SHA1] = govex.Hash(f.SHA1)
		}
		out = append(out, govex.Subcomponent{Component: s})
	}
	if len(out) == 0 || c.Static() {
		out = append(out, govex.Subcomponent{Component: base})
	}
	return out
}

// OpenVEX returns the document as go-vex's type.
func (d *Document) OpenVEX() *govex.VEX {
	ts := d.Timestamp
	doc := &govex.VEX{
		Metadata: govex.Metadata{
			Context: govex.ContextLocator(), ID: d.ID, Author: d.Author, AuthorRole: d.Role,
			Timestamp: &ts, Version: 1, Tooling: d.Tooling,
		},
		Statements: []govex.Statement{},
	}
	for _, r := range d.Statements {
		p := govex.Product{Component: d.product()}
		if r.Component != nil {
			p.Subcomponents = Subcomponents(r.Component)
		}
		s := govex.Statement{
			Vulnerability:   govex.Vulnerability{Name: govex.VulnerabilityID(r.Vulnerability.ID)},
			Products:        []govex.Product{p},
			Status:          govex.Status(r.Status),
			Justification:   govex.Justification(r.Justification),
			ImpactStatement: r.ImpactStatement,
			ActionStatement: r.ActionStatement,
		}
		for _, a := range r.Vulnerability.Aliases {
			s.Vulnerability.Aliases = append(s.Vulnerability.Aliases, govex.VulnerabilityID(a))
		}
		if r.Timestamp != nil {
			t := r.Timestamp.UTC()
			s.Timestamp = &t
		}
		doc.Statements = append(doc.Statements, s)
	}
	return doc
}

// WriteOpenVEX writes the document as indented OpenVEX JSON.
func (d *Document) WriteOpenVEX(w io.Writer) error {
	return d.OpenVEX().ToJSON(w)
}

// CycloneDX states: OpenVEX status → CycloneDX analysis state.
var cdxState = map[string]cdx.ImpactAnalysisState{
	string(govex.StatusNotAffected):        cdx.IASNotAffected,
	string(govex.StatusAffected):           cdx.IASExploitable,
	string(govex.StatusFixed):              cdx.IASResolved,
	string(govex.StatusUnderInvestigation): cdx.IASInTriage,
}

// cdxJustification maps OpenVEX justifications to CycloneDX's nearest; the
// OpenVEX value is kept in the property PropJustification.
var cdxJustification = map[string]cdx.ImpactAnalysisJustification{
	string(govex.ComponentNotPresent):                         cdx.IAJCodeNotPresent,
	string(govex.VulnerableCodeNotPresent):                    cdx.IAJCodeNotPresent,
	string(govex.VulnerableCodeNotInExecutePath):              cdx.IAJCodeNotReachable,
	string(govex.VulnerableCodeCannotBeControlledByAdversary): cdx.IAJRequiresEnvironment,
	string(govex.InlineMitigationsAlreadyExist):               cdx.IAJProtectedByMitigatingControl,
}

// PropJustification is the CycloneDX vulnerability property that carries
// the statement's OpenVEX justification, which CycloneDX's vocabulary
// renders only approximately.
const PropJustification = "installer-sbom:openvex-justification"

// CycloneDXVulnerabilities are the statements in CycloneDX's VEX form: one
// vulnerability per statement, affects[].ref the component's bom-ref (the
// installer's for a statement about the installer), analysis {state,
// justification, detail: the impact statement}, recommendation: the action
// statement. They can be put into the CycloneDX SBOM compose writes for the
// same installer, whose bom-refs they name.
func (d *Document) CycloneDXVulnerabilities() ([]cdx.Vulnerability, error) {
	var out []cdx.Vulnerability
	for _, r := range d.Statements {
		ref := d.Subject.Root.Ref
		what := "the installer"
		if r.Component != nil {
			ref, what = r.Component.Ref, componentLabel(r.Component)
		}
		if ref == "" {
			return nil, fmt.Errorf("%s: %s has no bom-ref in %s", r.Label(), what, d.Subject.Model.Source)
		}
		v := cdx.Vulnerability{
			ID:             r.Vulnerability.ID,
			Source:         vulnSource(r.Vulnerability.ID),
			Affects:        &[]cdx.Affects{{Ref: ref}},
			Recommendation: r.ActionStatement,
			Analysis: &cdx.VulnerabilityAnalysis{
				State:         cdxState[r.Status],
				Justification: cdxJustification[r.Justification],
				Detail:        r.ImpactStatement,
			},
		}
		if r.Timestamp != nil {
			t := r.Timestamp.UTC().Format(time.RFC3339)
			v.Analysis.FirstIssued, v.Analysis.LastUpdated = t, t
		}
		var refs []cdx.VulnerabilityReference
		for _, a := range r.Vulnerability.Aliases {
			src := vulnSource(a)
			if src == nil {
				src = &cdx.Source{Name: strings.SplitN(a, "-", 2)[0]}
			}
			refs = append(refs, cdx.VulnerabilityReference{ID: a, Source: src})
		}
		if len(refs) > 0 {
			v.References = &refs
		}
		if r.Justification != "" {
			v.Properties = &[]cdx.Property{{Name: PropJustification, Value: r.Justification}}
		}
		out = append(out, v)
	}
	return out, nil
}

// vulnSource names the database of the well-known identifier kinds.
func vulnSource(id string) *cdx.Source {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return &cdx.Source{Name: "NVD", URL: "https://nvd.nist.gov/vuln/detail/" + id}
	case strings.HasPrefix(id, "GHSA-"):
		return &cdx.Source{Name: "GitHub", URL: "https://github.com/advisories/" + id}
	}
	return nil
}

// CycloneDX returns the statements as a CycloneDX BOM that holds only the
// installer (metadata component, with the bom-ref of compose's SBOM) and
// the vulnerabilities.
func (d *Document) CycloneDX() (*cdx.BOM, error) {
	vulns, err := d.CycloneDXVulnerabilities()
	if err != nil {
		return nil, err
	}
	m := d.Subject.Model
	root := cdx.Component{BOMRef: d.Subject.Root.Ref, Type: cdx.ComponentTypeApplication, Name: m.Name, Version: m.Version,
		PackageURL: d.Subject.Root.PURL, CPE: d.Subject.Root.CPE}
	if root.Name == "" {
		root.Name = m.FileName
	}
	var hashes []cdx.Hash
	if m.SHA1 != "" {
		hashes = append(hashes, cdx.Hash{Algorithm: cdx.HashAlgoSHA1, Value: m.SHA1})
	}
	if m.SHA256 != "" {
		hashes = append(hashes, cdx.Hash{Algorithm: cdx.HashAlgoSHA256, Value: m.SHA256})
	}
	if len(hashes) > 0 {
		root.Hashes = &hashes
	}
	tool := cdx.Component{Type: cdx.ComponentTypeApplication, Name: compose.ToolName,
		Version: strings.TrimPrefix(strings.TrimPrefix(d.Tooling, compose.ToolName), "-")}
	bom := cdx.NewBOM()
	bom.SerialNumber = d.ID
	bom.Version = 1
	bom.Metadata = &cdx.Metadata{
		Timestamp: d.Timestamp.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{tool}},
		Authors:   &[]cdx.OrganizationalContact{{Name: d.Author}},
		Component: &root,
	}
	bom.Vulnerabilities = &vulns
	return bom, nil
}

// WriteCycloneDX writes CycloneDX() as CycloneDX 1.6 JSON.
func (d *Document) WriteCycloneDX(w io.Writer) error {
	bom, err := d.CycloneDX()
	if err != nil {
		return err
	}
	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	return enc.EncodeVersion(bom, cdx.SpecVersion1_6)
}

// Formats are the output formats of Write.
const (
	FormatOpenVEX   = "openvex"
	FormatCycloneDX = "cyclonedx"
)

// FormatNames lists Write's formats, the default first.
func FormatNames() []string { return []string{FormatOpenVEX, FormatCycloneDX} }

// Write writes the document in the named format.
func (d *Document) Write(w io.Writer, format string) error {
	switch format {
	case FormatOpenVEX, "":
		return d.WriteOpenVEX(w)
	case FormatCycloneDX:
		return d.WriteCycloneDX(w)
	}
	names := FormatNames()
	sort.Strings(names)
	return fmt.Errorf("vex: unknown format %q (known: %s)", format, strings.Join(names, ", "))
}
