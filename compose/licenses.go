package compose

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
	"github.com/installer-sbom/installer-sbom/internal/version"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// Licences of library packages.
//
// The declared licence is what the component's own metadata declares
// (package.json, a wheel's core metadata) or, for a library found by its
// bytes, what installer-sbom's rule data records its project declares for
// that version (inspect/fingerprint/rules, "licenses"): inventory
// Component.License.
//
// The concluded licence comes from a licence text the installer carries for
// that component (inventory File.Licenses: the dist-info's licence file of a
// Python distribution, CPython's LICENSE.txt for cpython, a section of it
// for a library CPython's Windows build bundles, pip/_vendor/<name>/LICENSE
// for a package pip vendors), annotated license-from-text: with the file
// and how much of it the licence covers. When the texts name the same
// licences as the declared expression, the declared expression is the
// conclusion (it says what the texts alone cannot: "or later", a choice
// between licences); otherwise every licence the texts show applies (AND).
// Without a text, the concluded licence is the declared one, annotated
// license-from-rule-data: or license-from-metadata: with where it comes
// from. Empty (NOASSERTION) only where nothing is known.
//
// A source SBOM's licences (merge.go) come from the project itself and are
// kept: a text the installer carries is then only recorded. They give way
// only where the source SBOM lists another version of the component than
// the bytes show (version-conflict:) and the rule data knows the licence
// of the version the bytes show: projects change licences between versions
// (OpenSSL 3.0, xz 5.6).

// licenseHit is a licence text the inventory attributes to a component.
type licenseHit struct {
	file string
	text inventory.LicenseText
	expr string // normalised expression
}

// licenseIndex holds the inventory's licence texts by the canonical name of
// the component each is for.
type licenseIndex map[string][]licenseHit

func newLicenseIndex(files []inspect.File) licenseIndex {
	ix := licenseIndex{}
	for _, f := range files {
		for _, lt := range f.Licenses {
			if lt.Component == "" {
				continue
			}
			// An inventory is also read from JSON: only valid expressions.
			expr, err := fingerprint.NormalizeLicenseExpression(lt.Expression)
			if err != nil {
				continue
			}
			lt.Coverage = min(max(lt.Coverage, 0), 100)
			k := canonicalName(lt.Component)
			ix[k] = append(ix[k], licenseHit{file: f.Path, text: lt, expr: expr})
		}
	}
	return ix
}

// ruleLicenses are the built-in rules' licence ranges and PURL prefixes, by
// rule name.
var ruleLicenses = sync.OnceValue(func() map[string]fingerprint.Rule {
	m := map[string]fingerprint.Rule{}
	for _, r := range fingerprint.BuiltinRules() {
		m[r.Name] = r
	}
	return m
})

// declared is a component's declared licence and where it comes from.
type declared struct {
	expr string
	// from is "rule-data" or "metadata"; where names the rule or the file.
	from, where string
	// version is the version whose licence the rule data gave; sourceVersion
	// says it is the source SBOM's (the bytes show none).
	version       string
	sourceVersion bool
	// note explains an unknown licence: a metadata text that is not an
	// SPDX expression, a version-less sighting of a project whose licence
	// changed between versions.
	note string
	// candidates, for a version-less sighting of a project whose licence
	// changed between versions, are the licences of its versions.
	candidates []string
}

// ruleOf returns the built-in rule a component was reported by (its name is
// the rule's and its PURL, if any, of the rule's kind).
func ruleOf(c inspect.Component) (fingerprint.Rule, bool) {
	r, ok := ruleLicenses()[canonicalName(c.Name)]
	if !ok {
		return r, false
	}
	prefix, _, _ := strings.Cut(r.PURL, "@")
	if c.PURL != "" && c.PURL != prefix && !strings.HasPrefix(c.PURL, prefix+"@") {
		return r, false
	}
	return r, true
}

// rangeLicense is the rule's expression for version v ("" when no range
// holds it), and, for an empty v, the ranges described and their
// expressions when they differ.
func rangeLicense(r fingerprint.Rule, v string) (expr, ranges string, candidates []string) {
	if len(r.Licenses) == 0 {
		return "", "", nil
	}
	if v == "" {
		same := true
		var parts []string
		for _, l := range r.Licenses {
			same = same && l.Expression == r.Licenses[0].Expression
			if e, err := fingerprint.NormalizeLicenseExpression(l.Expression); err == nil {
				candidates = append(candidates, e)
			}
			switch {
			case l.From != "" && l.Before != "":
				parts = append(parts, fmt.Sprintf("from %s before %s: %s", l.From, l.Before, l.Expression))
			case l.From != "":
				parts = append(parts, fmt.Sprintf("from %s: %s", l.From, l.Expression))
			case l.Before != "":
				parts = append(parts, fmt.Sprintf("before %s: %s", l.Before, l.Expression))
			default:
				parts = append(parts, l.Expression)
			}
		}
		if same {
			return r.Licenses[0].Expression, "", nil
		}
		return "", strings.Join(parts, "; "), dedupSorted(licSorted(candidates))
	}
	for _, l := range r.Licenses {
		if (l.From == "" || version.Compare(v, l.From) >= 0) && (l.Before == "" || version.Compare(v, l.Before) < 0) {
			return l.Expression, "", nil
		}
	}
	return "", "", nil
}

// declaredLicense is what the group's members declare. A member's own
// License comes first; a library found by its bytes whose inventory has
// none (an inventory from before licences were recorded, a sighting without
// a version of a project whose licence changed) gets its rule's for the
// version the bytes show, else for sourceVersion, the version a source SBOM
// gives the package.
func declaredLicense(g *componentGroup, sourceVersion string) declared {
	var found []declared
	var notes, candidates []string
	for _, m := range g.all() {
		r, isRule := ruleOf(m)
		var d declared
		if isRule {
			d.from, d.where = "rule-data", r.Name
		} else {
			d.from = "metadata"
			if len(m.Evidence) > 0 {
				d.where = m.Evidence[0].File
			}
		}
		lic := m.License
		d.version = orDefault(m.Version, g.version)
		if lic == "" && isRule {
			if d.version == "" && sourceVersion != "" {
				d.version, d.sourceVersion = sourceVersion, true
			}
			var ranges string
			var cands []string
			lic, ranges, cands = rangeLicense(r, d.version)
			if ranges != "" && lic == "" {
				candidates = append(candidates, cands...)
				notes = append(notes, fmt.Sprintf(NoteLicenseFromRuleData+" the installer's bytes do not show which version of %s this is, and its licence changed between versions (%s): no licence is declared, and the concluded licence takes each of them to apply, %s.", g.name, ranges, andAll(cands)))
			}
		}
		if lic == "" {
			continue
		}
		expr, err := fingerprint.NormalizeLicenseExpression(lic)
		if err != nil {
			kw := NoteLicenseFromMetadata
			if isRule {
				kw = NoteLicenseFromRuleData
			}
			notes = append(notes, fmt.Sprintf("%s %s gives the licence of %s as %q, which is not an SPDX licence expression; it is not used.", kw, orDefault(d.where, "the component's metadata"), g.name, clip(lic, 200)))
			continue
		}
		d.expr = expr
		found = append(found, d)
	}
	if len(found) == 0 {
		sort.Strings(notes)
		return declared{note: strings.Join(dedupSorted(notes), "\n"), candidates: dedupSorted(licSorted(candidates))}
	}
	// Sightings of one package agree on its licence; if they do not, all
	// of them apply.
	d := found[0]
	var exprs []string
	for _, f := range found {
		exprs = append(exprs, f.expr)
	}
	if ex := dedupSorted(licSorted(exprs)); len(ex) > 1 {
		d.expr = andAll(ex)
	}
	return d
}

func licSorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// andAll joins expressions with AND, parenthesising compound ones.
func andAll(exprs []string) string {
	if len(exprs) == 1 {
		return exprs[0]
	}
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		if strings.Contains(e, " ") {
			e = "(" + e + ")"
		}
		parts[i] = e
	}
	return strings.Join(parts, " AND ")
}

// licenseFamilies is the set of licences an expression names, "only",
// "or later" and "+" set aside: the part a licence text can show.
func licenseFamilies(expr string) map[string]bool {
	m := map[string]bool{}
	for _, id := range fingerprint.LicenseIDs(expr) {
		id = strings.TrimSuffix(strings.TrimSuffix(id, "-only"), "-or-later")
		m[strings.ToLower(id)] = true
	}
	return m
}

func sameFamilies(a, b map[string]bool) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// textsFor returns the licence texts for a component: those the inventory
// attributes to its name, nearest to its files (a copy of the project in
// another directory of the installer has its own texts).
func (ix licenseIndex) textsFor(g *componentGroup) []licenseHit {
	hits := ix[canonicalName(g.name)]
	if len(hits) == 0 {
		return nil
	}
	var places []string
	for _, m := range g.all() {
		places = append(places, m.Files...)
		for _, e := range m.Evidence {
			places = append(places, e.File)
		}
	}
	best, out := -1, []licenseHit(nil)
	for _, h := range hits {
		s := 0
		for _, p := range places {
			s = max(s, commonDirs(path.Dir(h.file), path.Dir(p)))
		}
		switch {
		case s > best:
			best, out = s, []licenseHit{h}
		case s == best:
			out = append(out, h)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return lessStrings([]string{out[i].file, out[i].text.Section, out[i].expr}, []string{out[j].file, out[j].text.Section, out[j].expr})
	})
	return out
}

// commonDirs is the number of leading path elements two directories share.
func commonDirs(a, b string) int {
	as, bs := strings.Split(a, "/"), strings.Split(b, "/")
	n := 0
	for n < len(as) && n < len(bs) && as[n] == bs[n] {
		n++
	}
	return n
}

// maxListedTexts bounds the licence files an annotation names.
const maxListedTexts = 8

// setLicenses fills a library package's declared and concluded licences
// (see the comment at the top of this file).
func (b *builder) setLicenses(n *pkgNode, g *componentGroup, ix licenseIndex) {
	d := declaredLicense(g, n.version)
	if d.note != "" {
		n.notes = append(n.notes, d.note)
	}
	// A source SBOM that names another version of the project: the rule
	// data's licence for the version the bytes show comes first.
	if d.expr != "" && d.from == "rule-data" && hasLicNote(n, NoteVersionConflict) && (n.licenseDeclared != "" || n.licenseConcluded != "") {
		if n.licenseDeclared != d.expr || n.licenseConcluded != d.expr {
			n.notes = append(n.notes, fmt.Sprintf(NoteLicenseFromRuleData+" the source SBOM's licence (declared %s, concluded %s) is that of another version of %s; the licence installer-sbom's rule data records for %s %s is used instead.",
				orDefault(n.licenseDeclared, "NOASSERTION"), orDefault(n.licenseConcluded, "NOASSERTION"), g.name, g.name, g.version))
		}
		n.licenseDeclared, n.licenseConcluded = "", ""
	}
	if n.licenseDeclared == "" {
		n.licenseDeclared = d.expr
	}

	texts := ix.textsFor(g)
	if len(texts) > 0 {
		var exprs []string
		var listed []string
		for i, t := range texts {
			exprs = append(exprs, t.expr)
			if i < maxListedTexts {
				where := fmt.Sprintf("%d%%", t.text.Coverage)
				if t.text.Section != "" {
					where += ", " + t.text.Section
				}
				listed = append(listed, fmt.Sprintf("%s (%s) is %s", t.file, where, t.expr))
			}
		}
		if len(texts) > maxListedTexts {
			listed = append(listed, fmt.Sprintf("and %d more licence texts", len(texts)-maxListedTexts))
		}
		fromText := andAll(dedupSorted(licSorted(exprs)))
		concluded := fromText
		if n.licenseDeclared != "" && sameFamilies(licenseFamilies(n.licenseDeclared), licenseFamilies(fromText)) {
			// The texts are the declared licences; the declared expression
			// also says how they combine.
			concluded = n.licenseDeclared
		}
		note := NoteLicenseFromText + " " + strings.Join(listed, "; ")
		switch {
		case n.licenseConcluded == "":
			n.licenseConcluded = concluded
			note += "; the concluded licence is " + concluded
			switch {
			case n.licenseDeclared == "":
			case n.licenseDeclared == d.expr:
				note += fmt.Sprintf(", the declared one (%s) %s", describeDeclared(d, g), d.expr)
			default:
				note += fmt.Sprintf(", the declared one (the source SBOM's) %s", n.licenseDeclared)
			}
		case n.licenseConcluded == concluded:
			note += "; the source SBOM concludes the same, " + concluded
		default:
			note += fmt.Sprintf("; the source SBOM concludes %s, which is kept", n.licenseConcluded)
		}
		n.notes = append(n.notes, note+".")
		return
	}
	if n.licenseConcluded != "" {
		return
	}
	if d.expr == "" {
		// A version-less sighting whose licence depends on the version:
		// every candidate is taken to apply (the note says so).
		if len(d.candidates) > 0 {
			n.licenseConcluded = andAll(d.candidates)
		}
		return
	}
	n.licenseConcluded = d.expr
	kw := NoteLicenseFromRuleData
	if d.from == "metadata" {
		kw = NoteLicenseFromMetadata
	}
	n.notes = append(n.notes, fmt.Sprintf("%s no licence text for %s is in the installer; the concluded licence is the declared one (%s): %s.", kw, g.name, describeDeclared(d, g), d.expr))
}

// describeDeclared says where a declared licence comes from.
func describeDeclared(d declared, g *componentGroup) string {
	if d.from == "metadata" {
		if d.where != "" {
			return "the component's own metadata, " + d.where
		}
		return "the component's own metadata"
	}
	switch {
	case d.version == "":
		return fmt.Sprintf("installer-sbom's rule data for %s, any version", d.where)
	case d.sourceVersion:
		return fmt.Sprintf("installer-sbom's rule data for %s %s, the version the source SBOM gives", d.where, d.version)
	}
	return fmt.Sprintf("installer-sbom's rule data for %s %s", d.where, d.version)
}

func hasLicNote(n *pkgNode, keyword string) bool {
	for _, s := range n.notes {
		if strings.HasPrefix(s, keyword) {
			return true
		}
	}
	return false
}

// licenseRefTexts describe the LicenseRefs the rule data uses: SPDX 2.3
// wants every LicenseRef a document names defined in it, and installer-sbom
// does not carry the texts.
var licenseRefTexts = map[string][2]string{
	"LicenseRef-Public-Domain": {"Public domain",
		"The authors dedicate the code to the public domain; there is no licence text."},
	"LicenseRef-Microsoft-Visual-CPP-Redistributable": {"Microsoft Visual C++ Redistributable licence terms",
		"Microsoft Software License Terms for the Visual C++ runtime libraries (distributable code); see the terms of the Visual Studio edition that built the program."},
	"LicenseRef-Qt-Commercial": {"Qt commercial licence",
		"The Qt Company's commercial licence for Qt."},
	"LicenseRef-LGPL-3.0-or-later-WITH-ZeroMQ-static-linking-exception": {"GNU LGPL 3.0 or later with the ZeroMQ static linking exception",
		"The GNU Lesser General Public License version 3 or later, with ZeroMQ's exception permitting static linking (libzmq before 4.3.3); the exception is not on the SPDX License List."},
	"LicenseRef-GPL-2.0-only-WITH-TBB-runtime-exception": {"GNU GPL 2.0 with the TBB runtime exception",
		"The GNU General Public License version 2 with Threading Building Blocks' runtime exception (TBB before 2017); the exception is not on the SPDX License List."},
}

// spdxOtherLicenses defines every LicenseRef the packages' licences name
// (SPDX 2.3 hasExtractedLicensingInfos), sorted by identifier.
func (m *model) spdxOtherLicenses() []*v2_3.OtherLicense {
	refs := map[string]bool{}
	for _, p := range m.packages {
		for _, e := range []string{p.licenseConcluded, p.licenseDeclared} {
			for _, t := range strings.FieldsFunc(e, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
				if strings.HasPrefix(t, "LicenseRef-") {
					refs[t] = true
				}
			}
		}
	}
	var out []*v2_3.OtherLicense
	for _, id := range sortedKeys(refs) {
		name, text, comment := licenseRefDefinition(id)
		out = append(out, &v2_3.OtherLicense{LicenseIdentifier: id, LicenseName: name, ExtractedText: text, LicenseComment: comment})
	}
	return out
}

// licenseRefDefinition is what a document says of a LicenseRef it names
// (SPDX 2.3 extracted licensing info, SPDX 3 SimpleLicensingText): the
// rule data's description, or that the text is not carried.
func licenseRefDefinition(id string) (name, text, comment string) {
	if t, ok := licenseRefTexts[id]; ok {
		return t[0], t[1], "installer-sbom's rule data names this licence; the text is a description, not the licence."
	}
	return "NOASSERTION", "installer-sbom does not carry this licence's text; the identifier comes from the component's metadata or a source SBOM.", ""
}

// licenseRefs lists the LicenseRef identifiers an expression names, in
// order of first appearance.
func licenseRefs(expr string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(expr, func(r rune) bool { return r == ' ' || r == '(' || r == ')' }) {
		if strings.HasPrefix(t, "LicenseRef-") && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
