package sbomdiff

import (
	"regexp"
	"slices"
	"sort"
)

// Diff is what changed from one model (Old) to another (New).
type Diff struct {
	Old     Side    `json:"old"`
	New     Side    `json:"new"`
	Summary Summary `json:"summary"`

	ComponentsAdded   []Component       `json:"componentsAdded"`
	ComponentsRemoved []Component       `json:"componentsRemoved"`
	ComponentsChanged []ComponentChange `json:"componentsChanged"`
	FilesAdded        []File            `json:"filesAdded"`
	FilesRemoved      []File            `json:"filesRemoved"`
	FilesChanged      []FileChange      `json:"filesChanged"`
	// ActionsAdded and ActionsRemoved are install actions (compose's
	// one-line form) only the new or only the old side declares; a
	// changed action is one removed and one added.
	ActionsAdded   []string `json:"actionsAdded"`
	ActionsRemoved []string `json:"actionsRemoved"`
	// Signatures, when both sides are installers and their own code
	// signatures differ (signer, or whether they verify), says how.
	Signatures *SignatureChange `json:"signatures,omitempty"`
}

// SignatureChange is the installers' own code signatures on each side.
type SignatureChange struct {
	Old []string `json:"old"`
	New []string `json:"new"`
}

// Side describes one of the compared installers or documents.
type Side struct {
	Source   string    `json:"source"`
	Format   string    `json:"format"`
	Name     string    `json:"name,omitempty"`
	Version  string    `json:"version,omitempty"`
	SHA256   string    `json:"sha256,omitempty"`
	Identity *Identity `json:"identity,omitempty"`
}

// Summary counts the differences.
type Summary struct {
	ComponentsAdded      int `json:"componentsAdded"`
	ComponentsRemoved    int `json:"componentsRemoved"`
	ComponentsChanged    int `json:"componentsChanged"`
	ComponentsDowngraded int `json:"componentsDowngraded"`
	ComponentsUnchanged  int `json:"componentsUnchanged"`
	FilesAdded           int `json:"filesAdded"`
	FilesRemoved         int `json:"filesRemoved"`
	FilesChanged         int `json:"filesChanged"`
	FilesUnchanged       int `json:"filesUnchanged"`
}

// ComponentChange is a component found on both sides at other versions.
// Old and New list the versions found on one side only (usually one each).
type ComponentChange struct {
	Name string   `json:"name"`
	Old  []string `json:"old"`
	New  []string `json:"new"`
	// Downgrade says the highest new version is lower than the highest old
	// one (CompareVersions).
	Downgrade bool `json:"downgrade"`
}

// FileChange is a path found on both sides with other contents. Old and New
// are the SHA-256 values (SHA-1 when a side records no SHA-256); a path may
// hold several files (the same name in two sub-installers).
type FileChange struct {
	Path string `json:"path"`
	// OldPath is the path on the old side when it differs only in its
	// numbers (diff pairs "Python 3.11/python311.dll" with
	// "Python 3.14/python314.dll"); empty when the paths are equal.
	OldPath string   `json:"oldPath,omitempty"`
	Old     []string `json:"old"`
	New     []string `json:"new"`
}

// Differs reports whether anything other than the installer checksum changed.
func (d *Diff) Differs() bool {
	s := d.Summary
	return s.ComponentsAdded+s.ComponentsRemoved+s.ComponentsChanged+s.FilesAdded+s.FilesRemoved+s.FilesChanged > 0 ||
		len(d.ActionsAdded)+len(d.ActionsRemoved) > 0 || d.Signatures != nil
}

func sideOf(m *Model) Side {
	return Side{Source: m.Source, Format: m.Format, Name: m.Name, Version: m.Version, SHA256: m.SHA256, Identity: m.Identity}
}

// compareOptions tune Compare for verify.
type compareOptions struct {
	// bytesVersions compares a component whose old version came from a
	// source SBOM as if it had none: the bytes cannot show it.
	bytesVersions bool
	// exactPaths turns off the pairing of paths that differ only in their
	// numbers: verify wants every path exactly as the SBOM has it.
	exactPaths bool
}

// Compare lists what changed from old to new: components added, removed and
// at other versions, and files added, removed and with other contents,
// matched by path. A path found on one side only is then paired with a path
// found on the other side only when the two are equal after replacing every
// run of digits with '#' and no other unmatched path on either side gives
// the same pattern ("Python 3.11/python311.dll" and
// "Python 3.14/python314.dll"): releases name their install directory and
// DLLs by version. A pair with other contents is a change (with OldPath);
// a pair with the same contents counts as unchanged. The installers' own checksums are reported in Old and New
// but are not a difference here (two releases always differ); Verify
// checks them.
func Compare(old, new *Model) *Diff {
	d := compare(old, new, compareOptions{})
	// Documents do not record signatures: only two installers say
	// whether theirs changed (another signer, or one that stopped
	// verifying).
	if old.Format == FormatInstaller && new.Format == FormatInstaller && !slices.Equal(old.Signatures, new.Signatures) {
		d.Signatures = &SignatureChange{Old: orEmpty(old.Signatures), New: orEmpty(new.Signatures)}
	}
	return d
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func compare(old, new *Model, opts compareOptions) *Diff {
	d := &Diff{Old: sideOf(old), New: sideOf(new),
		ComponentsAdded: []Component{}, ComponentsRemoved: []Component{}, ComponentsChanged: []ComponentChange{},
		FilesAdded: []File{}, FilesRemoved: []File{}, FilesChanged: []FileChange{}}
	compareComponents(d, old, new, opts)
	compareFiles(d, old, new, opts)
	d.ActionsAdded, d.ActionsRemoved = setDifference(new.Actions, old.Actions), setDifference(old.Actions, new.Actions)
	d.Summary.ComponentsAdded = len(d.ComponentsAdded)
	d.Summary.ComponentsRemoved = len(d.ComponentsRemoved)
	d.Summary.ComponentsChanged = len(d.ComponentsChanged)
	for _, c := range d.ComponentsChanged {
		if c.Downgrade {
			d.Summary.ComponentsDowngraded++
		}
	}
	d.Summary.FilesAdded = len(d.FilesAdded)
	d.Summary.FilesRemoved = len(d.FilesRemoved)
	d.Summary.FilesChanged = len(d.FilesChanged)
	return d
}

type componentSide struct {
	name     string
	versions map[string]Component
}

func groupComponents(m *Model, opts compareOptions) (map[string]*componentSide, []string) {
	groups := map[string]*componentSide{}
	var keys []string
	for _, c := range m.Components {
		if opts.bytesVersions && c.VersionFromSource {
			c.Version = ""
		}
		k := componentKey(c.Name)
		g, ok := groups[k]
		if !ok {
			g = &componentSide{name: c.Name, versions: map[string]Component{}}
			groups[k] = g
			keys = append(keys, k)
		}
		g.versions[c.Version] = c
	}
	return groups, keys
}

func compareComponents(d *Diff, old, new *Model, opts compareOptions) {
	og, okeys := groupComponents(old, opts)
	ng, nkeys := groupComponents(new, opts)
	keys := append(okeys, nkeys...)
	sort.Strings(keys)
	keys = slices.Compact(keys)
	for _, k := range keys {
		o, n := og[k], ng[k]
		switch {
		case o == nil:
			for _, v := range sortedVersions(n.versions) {
				d.ComponentsAdded = append(d.ComponentsAdded, n.versions[v])
			}
			continue
		case n == nil:
			for _, v := range sortedVersions(o.versions) {
				d.ComponentsRemoved = append(d.ComponentsRemoved, o.versions[v])
			}
			continue
		}
		var oldOnly, newOnly []string
		for _, v := range sortedVersions(o.versions) {
			if _, ok := n.versions[v]; !ok {
				oldOnly = append(oldOnly, v)
			} else {
				// A component is a name at a version, as compose and
				// inspect count them: zlib 1.2.11 and 1.2.13 on both
				// sides are two unchanged components.
				d.Summary.ComponentsUnchanged++
			}
		}
		for _, v := range sortedVersions(n.versions) {
			if _, ok := o.versions[v]; !ok {
				newOnly = append(newOnly, v)
			}
		}
		switch {
		case len(oldOnly) == 0 && len(newOnly) == 0:
		case len(oldOnly) == 0:
			for _, v := range newOnly {
				d.ComponentsAdded = append(d.ComponentsAdded, n.versions[v])
			}
		case len(newOnly) == 0:
			for _, v := range oldOnly {
				d.ComponentsRemoved = append(d.ComponentsRemoved, o.versions[v])
			}
		default:
			d.ComponentsChanged = append(d.ComponentsChanged, ComponentChange{
				Name: o.name, Old: oldOnly, New: newOnly,
				Downgrade: CompareVersions(maxVersion(newOnly), maxVersion(oldOnly)) < 0,
			})
		}
	}
}

func sortedVersions(m map[string]Component) []string {
	vs := make([]string, 0, len(m))
	for v := range m {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool {
		if c := CompareVersions(vs[i], vs[j]); c != 0 {
			return c < 0
		}
		return vs[i] < vs[j]
	})
	return vs
}

// digestsOf lists the contents recorded for one path: SHA-256 values when
// every file at the path has one on both sides, else SHA-1 values.
func digestsOf(fs []File, useSHA1 bool) []string {
	var out []string
	for _, f := range fs {
		if useSHA1 {
			out = append(out, f.SHA1)
		} else {
			out = append(out, f.SHA256)
		}
	}
	sort.Strings(out)
	return slices.Compact(out)
}

var digitRuns = regexp.MustCompile(`[0-9]+`)

func compareFiles(d *Diff, old, new *Model, opts compareOptions) {
	byPath := func(m *Model) (map[string][]File, []string) {
		out := map[string][]File{}
		var paths []string
		for _, f := range m.Files {
			if _, ok := out[f.Path]; !ok {
				paths = append(paths, f.Path)
			}
			out[f.Path] = append(out[f.Path], f)
		}
		return out, paths
	}
	of, opaths := byPath(old)
	nf, npaths := byPath(new)
	paths := append(opaths, npaths...)
	sort.Strings(paths)
	paths = slices.Compact(paths)
	// Unmatched paths by their digit pattern, for pairing.
	pairOld, pairNew := map[string]string{}, map[string]string{}
	if !opts.exactPaths {
		oldBy, newBy := map[string][]string{}, map[string][]string{}
		for _, p := range paths {
			k := digitRuns.ReplaceAllString(p, "#")
			switch {
			case nf[p] == nil:
				oldBy[k] = append(oldBy[k], p)
			case of[p] == nil:
				newBy[k] = append(newBy[k], p)
			}
		}
		for k, ops := range oldBy {
			if nps := newBy[k]; len(ops) == 1 && len(nps) == 1 {
				pairOld[ops[0]], pairNew[nps[0]] = nps[0], ops[0]
			}
		}
	}
	for _, p := range paths {
		o, n := of[p], nf[p]
		oldPath := ""
		switch {
		case o == nil && pairNew[p] != "":
			oldPath = pairNew[p]
			o = of[oldPath]
		case o == nil:
			d.FilesAdded = append(d.FilesAdded, n...)
			continue
		case n == nil && pairOld[p] != "":
			continue // reported with its new path
		case n == nil:
			d.FilesRemoved = append(d.FilesRemoved, o...)
			continue
		}
		useSHA1 := false
		for _, f := range append(slices.Clone(o), n...) {
			if f.SHA256 == "" {
				useSHA1 = true
			}
		}
		od, nd := digestsOf(o, useSHA1), digestsOf(n, useSHA1)
		if slices.Equal(od, nd) {
			d.Summary.FilesUnchanged++
			continue
		}
		d.FilesChanged = append(d.FilesChanged, FileChange{Path: p, OldPath: oldPath, Old: od, New: nd})
	}
}

// setDifference is a's lines that b lacks, in a's order; never nil.
func setDifference(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	out := []string{}
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}
