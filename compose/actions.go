package compose

import (
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// ActionLine is an install action as documents record it (after
// "install-action: ") and verify and diff compare it: the action in one
// line, with the sub-installer that declares it named by its path inside
// the installer, so that two releases compare by content, not file name.
func ActionLine(inv *inspect.Inventory, a inspect.Action) string {
	s := a.String()
	root := escapedName(inv)
	rel := a.Path
	if rel == root {
		return s
	}
	rel = strings.TrimPrefix(rel, root+"/")
	kindName, rest, _ := strings.Cut(s, ": ")
	return kindName + " in " + rel + ": " + rest
}

// escapedName is the artifact's name as nested paths start with it.
func escapedName(inv *inspect.Inventory) string {
	if len(inv.Files) > 0 {
		if i := strings.IndexByte(inv.Files[0].Path, '/'); i > 0 {
			return inv.Files[0].Path[:i]
		}
	}
	return inv.Artifact.Name
}

// ActionLines are the inventory's actions as ActionLine gives them,
// sorted.
func ActionLines(inv *inspect.Inventory) []string {
	out := make([]string, 0, len(inv.Actions))
	for _, a := range inv.Actions {
		out = append(out, ActionLine(inv, a))
	}
	sort.Strings(out)
	return out
}

// addActions annotates each action on the package that declares it: the
// sub-installer at its path, else the installer itself.
func (b *builder) addActions() {
	byPath := map[string]*pkgNode{}
	for _, p := range b.inv.Packages {
		if n := b.pkgNodeOf[p.ID]; n != nil && p.Path != "" {
			byPath[p.Path] = n
		}
	}
	for _, a := range b.inv.Actions {
		n := byPath[a.Path]
		if n == nil {
			n = b.root
		}
		n.notes = append(n.notes, NoteInstallAction+" "+ActionLine(b.inv, a))
	}
}
