package inspect

import (
	"crypto/sha256"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
)

// Identical nested containers are walked once. An installer often carries
// the same container twice: python.org's bundle holds every MSI once for
// each install scope, as two payloads with the same bytes. The second copy
// is recorded as an alias of the first, and when the walk is over the first
// one's files, fingerprints, packages, signatures and problems are copied
// under the second one's path, so the inventory is the one a second walk
// would give, without decoding the same bytes again.
//
// A copy is made only of a walk that is complete and did not read files
// beside its container (an external cabinet in the bundle): a container
// whose content depends on where it is must be walked where it is.

// walkKey identifies a container by its bytes and its nesting depth (the
// depth limit may cut two walks of the same bytes differently).
type walkKey struct {
	sum   [32]byte
	depth int
}

// containerWalk is the first walk of some bytes.
type containerWalk struct {
	path        string
	done        chan struct{}
	usedSibling atomic.Bool
	// plain says the bytes turned out not to be a container (a PE that
	// only looked like an NSIS installer): a copy is a plain file too.
	plain atomic.Bool
}

// containerAlias records that the container at to has the bytes of the
// one walked at from.
type containerAlias struct{ from, to string }

// firstWalk registers path as a walk of data at depth, or returns the walk
// of the same bytes already registered.
func (w *walker) firstWalk(data []byte, depth int, path string) (cw *containerWalk, mine bool) {
	k := walkKey{sha256.Sum256(data), depth}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cw = w.walks[k]; cw != nil {
		return cw, false
	}
	if w.walks == nil {
		w.walks = map[walkKey]*containerWalk{}
	}
	cw = &containerWalk{path: path, done: make(chan struct{})}
	w.walks[k] = cw
	return cw, true
}

// aliasOf waits for the first walk of the same bytes to end and reports
// whether its result can stand for this copy. The wait cannot deadlock: a
// walk only ever waits for a walk at its own depth, which waits only for
// deeper ones.
func (w *walker) aliasOf(first *containerWalk) bool {
	<-first.done
	return !first.usedSibling.Load() && !first.plain.Load() && !w.aborted.Load()
}

// markPlain records that the walk of data at depth found no container.
func (w *walker) markPlain(data []byte, depth int) {
	k := walkKey{sha256.Sum256(data), depth}
	w.mu.Lock()
	defer w.mu.Unlock()
	if cw := w.walks[k]; cw != nil {
		cw.plain.Store(true)
	}
}

// underPath reports whether p is path or inside it, and what follows path.
func underPath(p, path string) (rest string, ok bool) {
	if p == path {
		return "", true
	}
	if strings.HasPrefix(p, path) && p[len(path)] == '/' {
		return p[len(path):], true
	}
	return "", false
}

// applyAliases copies each aliased walk under its alias's path. An alias
// whose source contains the target of another alias waits for that one to
// be applied first. Every copied file counts against the entries limit.
// w.mu is held.
func (w *walker) applyAliases() {
	pending := append([]containerAlias(nil), w.aliases...)
	for len(pending) > 0 {
		progressed := false
		var later []containerAlias
		for _, a := range pending {
			blocked := false
			for _, b := range pending {
				if _, inside := underPath(b.to, a.from); inside && b != a {
					blocked = true
					break
				}
			}
			if blocked {
				later = append(later, a)
				continue
			}
			if err := w.copyWalk(a); err != nil {
				w.problems.add(problemFrom(a.to, "limits", err))
				return
			}
			progressed = true
		}
		if !progressed {
			return // cannot happen: aliases nest strictly
		}
		pending = later
	}
}

// copyWalk copies what the walk at a.from produced to a.to.
func (w *walker) copyWalk(a containerAlias) error {
	move := func(p string) string {
		rest, _ := underPath(p, a.from)
		return a.to + rest
	}
	// Containers inside the walk, with their links; the alias's own
	// container was linked to its parent when it was recorded.
	var keys []string
	for k := range w.containers {
		if _, ok := underPath(k, a.from); ok && k != a.from {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		info := *w.containers[k]
		if _, ok := underPath(info.parentKey, a.from); ok {
			info.parentKey = move(info.parentKey)
		}
		info.idMap = nil
		w.containers[move(k)] = &info
	}
	// Files.
	n := len(w.files)
	for i := 0; i < n; i++ {
		fr := w.files[i]
		if _, ok := underPath(fr.Path, a.from); !ok || fr.Path == a.from {
			continue
		}
		if err := w.budget.addEntry("copy", move(fr.Path)); err != nil {
			return err
		}
		c := fr
		c.Path = move(fr.Path)
		if _, ok := underPath(fr.key, a.from); ok {
			c.key = move(fr.key)
		}
		if c.Binary != nil {
			b := *c.Binary
			c.Binary = &b
		}
		w.files = append(w.files, c)
	}
	// Fingerprint reports.
	for _, r := range append([]*fingerprint.FileReport(nil), w.reports...) {
		if _, ok := underPath(r.Path, a.from); ok && r.Path != a.from {
			w.reports = append(w.reports, cachedReport{rep: r}.relocated(move(r.Path)))
		}
	}
	// Packages, replayed from the descriptions the walk's containers gave,
	// innermost first as a walk describes them, so that they merge with
	// the descriptions already made of the alias (a bundle's of its MSI).
	var described []string
	for k := range w.descs {
		if _, ok := underPath(k, a.from); ok {
			described = append(described, k)
		}
	}
	sort.Slice(described, func(i, j int) bool {
		if di, dj := strings.Count(described[i], "/"), strings.Count(described[j], "/"); di != dj {
			return di > dj
		}
		return described[i] < described[j]
	})
	for _, k := range described {
		for _, p := range w.descs[k] {
			if _, ok := underPath(p.Path, a.from); ok {
				p.Path = move(p.Path)
			}
			// Recorded as described there too: a later copy of a walk
			// that holds this one replays it as well.
			w.descs[move(k)] = append(w.descs[move(k)], p)
			w.addPackage(p, move(k))
		}
	}
	// Signatures and problems found inside.
	for _, s := range append([]Signature(nil), w.signatures...) {
		if _, ok := underPath(s.File, a.from); ok {
			s.File = move(s.File)
			w.signatures = append(w.signatures, s)
		}
	}
	for _, x := range append([]Action(nil), w.actions...) {
		if _, ok := underPath(x.Path, a.from); ok {
			x.Path = move(x.Path)
			w.actions = append(w.actions, x)
		}
	}
	for _, p := range append([]Problem(nil), w.problems.kept...) {
		if _, ok := underPath(p.Path, a.from); ok {
			p.Path = move(p.Path)
			w.problems.add(p)
		}
	}
	return nil
}
