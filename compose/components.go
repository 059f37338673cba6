package compose

import (
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// componentGroup is every inventory component with the same canonical name
// and version: one package in the document, whatever number of files or
// linkages the fingerprint engine reported it under.
type componentGroup struct {
	name, version string
	members       []inspect.Component
	// versionless are sightings without a version merged into this group
	// because it is the only version of the project the bytes show.
	versionless []inspect.Component
	// otherVersions, for a group without a version, are the keys of the
	// groups of the same project with versions.
	otherVersions []string
}

func memberKey(c inspect.Component) []string {
	return []string{c.Name, c.Version, c.PURL, c.CPE, c.Supplier, c.Linkage, strings.Join(c.Files, "\x00"), strings.Join(c.ImportedBy, "\x00")}
}

// all returns the members and the merged versionless sightings.
func (g *componentGroup) all() []inspect.Component {
	return append(append([]inspect.Component(nil), g.members...), g.versionless...)
}

// groupComponents groups the inventory's components into the packages of
// the document, keyed by canonical name and normalised version; keys are
// sorted.
func groupComponents(comps []inspect.Component) ([]string, map[string]*componentGroup) {
	groups := map[string]*componentGroup{}
	var keys []string
	for _, c := range comps {
		k := canonicalName(c.Name) + "\x00" + normVersion(c.Version)
		g, ok := groups[k]
		if !ok {
			g = &componentGroup{name: c.Name, version: c.Version}
			groups[k] = g
			keys = append(keys, k)
		}
		g.members = append(g.members, c)
	}
	sort.Strings(keys)
	// Members in a fixed order, so that the name, identifiers and supplier
	// taken from the first one do not depend on the inventory's order.
	for _, g := range groups {
		sort.SliceStable(g.members, func(i, j int) bool {
			return lessStrings(memberKey(g.members[i]), memberKey(g.members[j]))
		})
		g.name, g.version = g.members[0].Name, g.members[0].Version
		// Prefer the plain lower-case spelling the fingerprint rules use.
		for _, m := range g.members {
			if m.Name == strings.ToLower(m.Name) {
				g.name = m.Name
				break
			}
		}
	}
	// A sighting without a version (an error-message table, a versionless
	// banner) of a project whose version the bytes show elsewhere is the
	// same package when there is exactly one such version: listing it
	// again without a version would show the package twice, and filling
	// its version from the source SBOM could contradict the bytes.
	versioned := map[string][]string{} // canonical name -> keys with a version
	for _, k := range keys {
		if name, v, _ := strings.Cut(k, "\x00"); v != "" {
			versioned[name] = append(versioned[name], k)
		}
	}
	kept := keys[:0]
	for _, k := range keys {
		name, v, _ := strings.Cut(k, "\x00")
		if v == "" && len(versioned[name]) == 1 {
			into := groups[versioned[name][0]]
			into.versionless = append(into.versionless, groups[k].members...)
			continue
		}
		if v == "" && len(versioned[name]) > 1 {
			groups[k].otherVersions = versioned[name]
		}
		kept = append(kept, k)
	}
	keys = kept
	return keys, groups
}

func (b *builder) addComponents() {
	keys, groups := groupComponents(b.inv.Components)
	ix := newSourceIndex(b.opts.SourceSBOMs)
	var items []idItem
	for _, k := range keys {
		items = append(items, idItem{prefix: "Library", name: groups[k].name, key: k})
	}
	// The keys are distinct, so assignIDs cannot fail.
	ids, _ := assignIDs(items)
	type placed struct {
		n       *pkgNode
		archive map[string]bool // archives holding the component's files
	}
	byName := map[string][]placed{}
	var children []int
	nodes := make([]placed, len(keys))
	licenses := newLicenseIndex(b.inv.Files)
	for i, k := range keys {
		g := groups[k]
		n := b.componentNode(ids[i], g, ix)
		b.setLicenses(n, g, licenses)
		b.m.packages = append(b.m.packages, n)
		b.componentRelations(n, g)
		pl := placed{n: n, archive: map[string]bool{}}
		for _, m := range g.all() {
			for _, f := range m.Files {
				pl.archive[archiveOf(f)] = true
			}
			if m.Parent != "" {
				children = append(children, i)
			}
		}
		nodes[i] = pl
		byName[canonicalName(g.name)] = append(byName[canonicalName(g.name)], pl)
	}
	// A component vendored inside another (a finding naming its Parent:
	// pip's pinned dependencies, the libraries a wheel's PEP 770 SBOM lists)
	// is a DEPENDS_ON of that component where both sit in the same archive.
	for _, i := range children {
		child := nodes[i]
		seen := map[string]bool{}
		for _, m := range groups[keys[i]].all() {
			for _, parent := range byName[canonicalName(m.Parent)] {
				if seen[parent.n.id] || parent.n == child.n || !sharesArchive(parent.archive, child.archive) {
					continue
				}
				seen[parent.n.id] = true
				b.m.rels = append(b.m.rels, relation{a: parent.n.id, kind: relDependsOn, b: child.n.id})
			}
		}
	}
	b.unused = ix.unused()
}

// archiveOf is the nested path of the innermost package archive (wheel,
// jar, nupkg, zip, asar) that holds p, "" for a file outside any.
func archiveOf(p string) string {
	lp := strings.ToLower(p)
	best := -1
	for _, ext := range []string{".whl/", ".jar/", ".nupkg/", ".zip/", ".asar/", ".egg/"} {
		if i := strings.LastIndex(lp, ext); i >= 0 && i+len(ext)-1 > best {
			best = i + len(ext) - 1
		}
	}
	if best < 0 {
		return ""
	}
	return p[:best]
}

func sharesArchive(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}

// wheelOf returns the nested path of the .whl file that holds p, or "".
func wheelOf(p string) string {
	if i := strings.Index(strings.ToLower(p), ".whl/"); i >= 0 {
		return p[:i+len(".whl")]
	}
	if strings.HasSuffix(strings.ToLower(p), ".whl") {
		return p
	}
	return ""
}

// componentRelations links a component to the files that carry it:
// STATIC_LINK from each binary it is compiled into, CONTAINS from the package
// that holds its own library file, DYNAMIC_LINK from each module that loads
// that library.
func (b *builder) componentRelations(n *pkgNode, g *componentGroup) {
	before := len(b.m.rels)
	for _, m := range g.all() {
		for _, f := range m.Files {
			fid, ok := b.fileID[f]
			if !ok {
				n.notes = append(n.notes, NoteInventoryInconsistency+" evidence file "+f+" is not in the inventory's file list.")
				continue
			}
			if m.Linkage == inventory.LinkageStatic {
				b.m.rels = append(b.m.rels, relation{a: fid, kind: relStaticLink, b: n.id})
			} else {
				b.m.rels = append(b.m.rels, relation{a: b.containerOfPath(f), kind: relContains, b: n.id})
			}
		}
		for _, imp := range m.ImportedBy {
			if fid, ok := b.fileID[imp]; ok {
				b.m.rels = append(b.m.rels, relation{a: fid, kind: relDynamicLink, b: n.id})
			}
		}
	}
	if len(b.m.rels) == before {
		b.m.rels = append(b.m.rels, relation{a: rootID, kind: relContains, b: n.id,
			comment: "no file named in the component's evidence is in the inventory"})
	}
}

func (b *builder) containerOfPath(p string) string {
	if c, ok := b.fileContainer[p]; ok {
		return c
	}
	return rootID
}
