package compose

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

func (b *builder) componentNode(id string, g *componentGroup, ix *sourceIndex) *pkgNode {
	n := &pkgNode{
		id: id, role: roleLibrary, name: g.name, version: g.version, purpose: "LIBRARY",
	}
	var purl, cpe, supplier string
	var sourceCPEs []string // from the matched source SBOM entry
	linkages := map[string]bool{}
	var fileNames []string
	for _, m := range g.all() {
		purl = orDefault(purl, m.PURL)
		cpe = orDefault(cpe, m.CPE)
		supplier = orDefault(supplier, m.Supplier)
		linkages[m.Linkage] = true
		n.evidence = append(n.evidence, m.Evidence...)
		for _, f := range m.Files {
			switch {
			case canonicalName(m.Name) == "pip" && wheelOf(f) != "":
				// pip is distributed as its wheel.
				fileNames = append(fileNames, path.Base(wheelOf(f)))
			case m.Linkage == inventory.LinkageDynamic && b.binaryFile[f]:
				// A separate library is distributed as its own file.
				fileNames = append(fileNames, path.Base(f))
			default:
				fileNames = append(fileNames, "")
			}
		}
	}
	n.linkage = strings.Join(sortedKeys(linkages), ",")
	if len(fileNames) > 0 && allEqual(fileNames) {
		n.fileName = fileNames[0]
	}
	// The inventory's supplier, even an unknown one, comes before the
	// source SBOM's.
	supplierStated := false
	if supplier != "" {
		if s, err := parseAgent(supplier, false); err == nil {
			n.supplier, supplierStated = known(s), true
		}
	}

	cands := ix.candidates(g.name, purl, cpe)
	var match *sourceEntry
	switch {
	case len(cands) == 0:
	case g.version != "":
		for _, pass := range []func(e *sourceEntry) bool{
			func(e *sourceEntry) bool { return sameVersion(e.pkg.Version, g.version) },
			func(e *sourceEntry) bool { return e.pkg.Version == "" },
		} {
			for _, e := range cands {
				if pass(e) {
					e.used = true
					if match == nil {
						match = e
					}
				}
			}
			if match != nil {
				break
			}
		}
		if match == nil {
			var listed []string
			for _, e := range cands {
				e.used = true
				listed = append(listed, e.label())
			}
			// The project is the same, so the license and originator still
			// apply; the identifiers and the download location name the
			// other version and do not.
			n.licenseConcluded = known(cands[0].pkg.LicenseConcluded)
			n.licenseDeclared = known(cands[0].pkg.LicenseDeclared)
			n.setOriginator(cands[0].pkg.Originator)
			n.notes = append(n.notes, fmt.Sprintf(NoteVersionConflict+" the installer's bytes show %s %s but the source SBOM lists %s. The version from the bytes is kept; the source entry's identifiers and download location are not used.", g.name, g.version, strings.Join(listed, ", ")))
			b.res.Conflicts = append(b.res.Conflicts, fmt.Sprintf("%s: the installer has %s, the source SBOM lists %s", g.name, g.version, strings.Join(listed, ", ")))
			if cpe == "" {
				cpe = cpeWithVersion(cands[0].pkg.CPE(), g.version)
			}
		}
	case len(g.otherVersions) > 0:
		// The bytes show this project at several versions elsewhere; which
		// one this sighting is, neither they nor the source SBOM can say.
		for _, e := range cands {
			e.used = true
		}
	default:
		versions := map[string]bool{}
		for _, e := range cands {
			e.used = true
			if e.pkg.Version != "" {
				versions[normVersion(e.pkg.Version)] = true
			}
		}
		if len(versions) > 1 {
			var listed []string
			for _, e := range cands {
				listed = append(listed, e.label())
			}
			n.notes = append(n.notes, fmt.Sprintf(NoteVersionAmbiguous+" the installer's bytes do not show the version of %s and the source SBOMs list %s; no version is claimed.", g.name, strings.Join(listed, ", ")))
			b.res.Conflicts = append(b.res.Conflicts, fmt.Sprintf("%s: the installer's bytes show no version and the source SBOMs disagree: %s", g.name, strings.Join(listed, ", ")))
		} else {
			match = cands[0]
			if match.pkg.Version != "" {
				n.version = match.pkg.Version
				n.notes = append(n.notes, fmt.Sprintf(NoteVersionFromSourceSBOM+" the installer's bytes do not show the version of %s; %s is taken from %s (%s).", g.name, match.pkg.Version, match.sbom, match.pkg.SPDXID))
			}
		}
	}
	if match != nil {
		sp := match.pkg
		n.notes = append(n.notes, fmt.Sprintf(NoteSourceSBOM+" merged with %s; license, download location and identifiers come from that entry.", match.label()))
		n.licenseConcluded = known(sp.LicenseConcluded)
		n.licenseDeclared = known(sp.LicenseDeclared)
		if validDownloadLocation(sp.DownloadLocation) {
			n.download = known(sp.DownloadLocation)
		}
		n.homepage = sp.Homepage
		n.setOriginator(sp.Originator)
		n.copyright = known(sp.CopyrightText)
		if n.supplier == "" && !supplierStated {
			n.supplier = knownAgent(sp.Supplier)
		}
		if n.supplier == "" {
			// The project's source SBOM names who wrote the component;
			// with no distributor in between, that is its supplier.
			n.supplier = n.originator
		}
		for _, r := range sp.ExternalRefs {
			if r.Locator != "" && !strings.ContainsAny(r.Locator, " \t\n") && validRefCategory(r.Category) {
				if r.Type == "cpe23Type" {
					// One primary CPE (scanners match the first): chosen
					// below from the rule and the source SBOM.
					sourceCPEs = append(sourceCPEs, r.Locator)
					continue
				}
				n.refs = append(n.refs, extRef{r.Category, r.Type, r.Locator})
			}
		}
		n.sourceInfo = sourceInfo(match)
	}
	if purl != "" && n.purl() == "" {
		n.refs = append(n.refs, extRef{"PACKAGE-MANAGER", "purl", purl})
	}
	if primary, alternates := primaryCPE(cpe, sourceCPEs, n.version); primary != "" {
		n.refs = append(n.refs, extRef{"SECURITY", "cpe23Type", primary})
		for _, a := range alternates {
			n.notes = append(n.notes, fmt.Sprintf("%s %s names %s as %s; the primary CPE is %s.", NoteCPEAlternate, sourceName(match), g.name, a, primary))
		}
	}
	if len(g.versionless) > 0 {
		var files []string
		for _, m := range g.versionless {
			files = append(files, m.Files...)
		}
		sort.Strings(files)
		n.notes = append(n.notes, fmt.Sprintf(NoteVersionlessSighting+" %s is also found without a version string in %s; this is reported under %s, the only version of %s the installer's bytes show.",
			g.name, strings.Join(dedupSorted(files), ", "), g.version, g.name))
	}
	if len(g.otherVersions) > 0 {
		var vs []string
		for _, k := range g.otherVersions {
			_, v, _ := strings.Cut(k, "\x00")
			vs = append(vs, v)
		}
		n.notes = append(n.notes, fmt.Sprintf(NoteVersionUnknown+" these files show no version of %s, and the installer's bytes show several elsewhere (%s); no version is claimed.", g.name, strings.Join(vs, ", ")))
	}
	n.notes = append(n.notes, evidenceNote(g, n.linkage))
	return n
}

func sourceInfo(e *sourceEntry) string {
	s := fmt.Sprintf("Listed in the source SBOM %s as %s", e.sbom, e.pkg.SPDXID)
	for _, c := range e.pkg.Checksums {
		s += fmt.Sprintf("; source archive %s %s", c.Algorithm, c.Value)
	}
	return s + "."
}

func evidenceNote(g *componentGroup, linkage string) string {
	var lines []string
	for _, m := range g.all() {
		for _, ev := range m.Evidence {
			where := ev.Resource
			if ev.Offset >= 0 {
				where = fmt.Sprintf("offset 0x%x", ev.Offset)
				if ev.Resource != "" {
					where += " (" + ev.Resource + ")"
				}
			}
			l := fmt.Sprintf("%s: rule %s at %s", ev.File, ev.Rule, where)
			if ev.Match != "" {
				l += fmt.Sprintf(": %q", ev.Match)
			}
			lines = append(lines, l)
		}
		for _, imp := range m.ImportedBy {
			lines = append(lines, fmt.Sprintf("%s: imports the library", imp))
		}
	}
	sort.Strings(lines)
	lines = dedupSorted(lines)
	return fmt.Sprintf(NoteEvidence+" %s found in the installer's bytes, linkage %s:\n%s", g.name, linkage, strings.Join(lines, "\n"))
}

func (b *builder) addUnverified() {
	var items []idItem
	for _, grp := range b.unused {
		e := grp[0]
		items = append(items, idItem{prefix: "Source", name: e.pkg.Name, key: canonicalName(e.pkg.Name) + "\x00" + normVersion(e.pkg.Version)})
	}
	ids, _ := assignIDs(items)
	for i, grp := range b.unused {
		var labels []string
		for _, e := range grp {
			labels = append(labels, e.label())
		}
		b.res.Unverified = append(b.res.Unverified, strings.Join(labels, ", "))
		if !b.opts.IncludeUnverified {
			continue
		}
		sp := grp[0].pkg
		n := &pkgNode{
			id: ids[i], role: roleUnverified, name: sp.Name, version: sp.Version,
			purpose:          "LIBRARY",
			licenseConcluded: known(sp.LicenseConcluded), licenseDeclared: known(sp.LicenseDeclared),
			copyright: known(sp.CopyrightText), homepage: sp.Homepage, supplier: knownAgent(sp.Supplier),
			sourceInfo: sourceInfo(grp[0]),
		}
		n.setOriginator(sp.Originator)
		if validPurpose(sp.Purpose) {
			n.purpose = sp.Purpose
		}
		if validDownloadLocation(sp.DownloadLocation) {
			n.download = known(sp.DownloadLocation)
		}
		if n.supplier == "" {
			n.supplier = n.originator
		}
		for _, c := range sp.Checksums {
			if validChecksumAlg(c.Algorithm) && c.Value != "" {
				n.checksums = append(n.checksums, checksum{c.Algorithm, c.Value})
			}
		}
		for _, r := range sp.ExternalRefs {
			if r.Locator != "" && !strings.ContainsAny(r.Locator, " \t\n") && validRefCategory(r.Category) {
				n.refs = append(n.refs, extRef{r.Category, r.Type, r.Locator})
			}
		}
		n.notes = append(n.notes, fmt.Sprintf(NoteUnverified+" listed in the source SBOM as %s but not found in the installer's bytes; kept on request (--include-unverified), not verified.", strings.Join(labels, ", ")))
		b.m.packages = append(b.m.packages, n)
		b.m.rels = append(b.m.rels, relation{a: rootID, kind: relUnverified, b: n.id,
			comment: "listed by a source SBOM; not found in the installer's bytes"})
	}
}

// primaryCPE chooses a component's one CPE: the rule's (its vendor and
// product are the ones NVD uses today: tcl:tcl, not CPython's tcl_tk:tcl_tk
// which ends in 2008) with the component's version, else the source SBOM's
// first; the version field as NVD writes it (3.50.4, not the 3.50.4.0 a
// source SBOM may give). The other CPEs the source SBOM gives are
// alternates, recorded as annotations, never as second CPEs a scanner
// could match instead.
func primaryCPE(rule string, source []string, version string) (primary string, alternates []string) {
	primary = rule
	if primary == "" && len(source) > 0 {
		primary = source[0]
	}
	if primary == "" {
		return "", nil
	}
	fields := strings.Split(primary, ":")
	if len(fields) >= 6 && strings.HasPrefix(primary, "cpe:2.3:") {
		if fields[5] == "*" || fields[5] == "" || fields[5] == "-" {
			if version != "" {
				fields[5] = cpeVersion(version)
			}
		} else {
			fields[5] = nvdVersion(fields[5])
		}
		primary = strings.Join(fields, ":")
	}
	for _, s := range source {
		if s != primary && !sameCPEProduct(s, primary) {
			alternates = append(alternates, s)
		} else if s != primary && nvdVersion(cpeField(s, 5)) != cpeField(primary, 5) {
			alternates = append(alternates, s)
		}
	}
	return primary, dedupSorted(alternates)
}

// nvdVersion drops the fourth part of a version whose last part is 0
// (SQLite's and Tcl's 3.50.4.0 / 8.6.15.0 are 3.50.4 / 8.6.15 in NVD).
func nvdVersion(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) == 4 && parts[3] == "0" {
		return strings.Join(parts[:3], ".")
	}
	return v
}

// cpeVersion is a version as a CPE 2.3 version field: NVD's form, with the
// characters CPE reserves escaped.
func cpeVersion(v string) string {
	v = nvdVersion(v)
	var b strings.Builder
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func cpeField(cpe string, i int) string {
	f := strings.Split(cpe, ":")
	if i < len(f) {
		return f[i]
	}
	return ""
}

// sameCPEProduct reports whether two CPEs name the same vendor and product.
func sameCPEProduct(a, b string) bool {
	return cpeField(a, 3) == cpeField(b, 3) && cpeField(a, 4) == cpeField(b, 4)
}

// sourceName names the source SBOM an entry came from, for annotations.
func sourceName(e *sourceEntry) string {
	if e == nil {
		return "the source SBOM"
	}
	return e.label()
}
