package compose

import (
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// Listing is what compose's document for an installer, composed without
// options or source SBOMs, says that can be checked against the
// installer's bytes: the installer's name and version, its files and its
// components, named and grouped by the same rules as in the document
// (versionless sightings merged, one component per name and version). It
// is built from the inventory directly; verify and diff compare it with a
// document read back.
type Listing struct {
	Name, Version string
	// Files are sorted by path, each path with the same bytes once; paths
	// are the inventory's nested paths and hashes lower-case hex.
	Files []ListedFile
	// Components are in the document's order.
	Components []ListedComponent
}

// ListedFile is one file of the installer.
type ListedFile struct{ Path, SHA1, SHA256 string }

// ListedComponent is one component package of the document.
type ListedComponent struct {
	Name, Version, PURL string
	// Linkages and Files are the union over every sighting merged into
	// the component, sorted; Sightings counts those sightings.
	Linkages, Files []string
	Sightings       int
}

// Components groups an inventory's components as compose's documents do
// (one per canonical name and version; a versionless sighting of a
// project the bytes show at exactly one version merged into it), in the
// documents' order. inspect's table, compose and diff count components
// with it, so the three agree.
func Components(comps []inspect.Component) []ListedComponent {
	keys, groups := groupComponents(comps)
	out := make([]ListedComponent, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		c := ListedComponent{Name: g.name, Version: g.version}
		linkages, files := map[string]bool{}, map[string]bool{}
		for _, m := range g.all() {
			c.PURL = orDefault(c.PURL, m.PURL)
			c.Sightings++
			if m.Linkage != "" {
				linkages[m.Linkage] = true
			}
			for _, f := range m.Files {
				files[f] = true
			}
		}
		c.Linkages, c.Files = sortedSet(linkages), sortedSet(files)
		out = append(out, c)
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// List returns the Listing of an inventory. It refuses the inventories
// Compose refuses for their content (no artifact name or hashes, a file
// without path or hashes, an identity with spaces).
func List(inv *inspect.Inventory) (*Listing, error) {
	if err := checkArtifact(inv); err != nil {
		return nil, err
	}
	if _, err := identityLocator(inv.Artifact); err != nil {
		return nil, err
	}
	files, err := uniqueFiles(inv.Files)
	if err != nil {
		return nil, err
	}
	b := &builder{inv: inv}
	self := b.selfPackage()
	if self == nil {
		self = &inspect.Package{}
	}
	l := &Listing{}
	l.Name, l.Version, _ = b.rootNameVersion(self)
	for _, f := range files {
		l.Files = append(l.Files, ListedFile{Path: f.Path, SHA1: strings.ToLower(f.SHA1), SHA256: strings.ToLower(f.SHA256)})
	}
	l.Components = Components(inv.Components)
	return l, nil
}
