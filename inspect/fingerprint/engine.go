package fingerprint

import (
	"github.com/installer-sbom/installer-sbom/inspect/filekind"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
	"slices"

	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// Engine identifies components in files. It is immutable after construction
// and safe for concurrent use.
type Engine struct {
	// ruleSet returns the compiled rules. The default engine compiles them
	// on first use: Wants (what the walk asks while it decodes) needs only
	// the catalogers, so the ~25 ms the rules take is spent on a worker
	// while the installer is being decoded, not before the walk starts.
	ruleSet func() *ruleSet
	// catalogers run in order on every file they want (catalog.go).
	catalogers []Cataloger
	names      nameCache
}

// ruleSet is an engine's rules, compiled.
type ruleSet struct {
	raw       []Rule
	rules     []compiledRule
	pats      []compiledPattern
	ac        *acMatcher
	anchorPat []int // anchor index -> pattern index
	patByID   map[string]int
	anchorLen []int
}

var (
	defaultOnce   sync.Once
	defaultEngine *Engine
)

// Default returns the engine with the built-in rules, compiled once, when
// first needed.
func Default() *Engine {
	defaultOnce.Do(func() {
		defaultEngine = newEngine(sync.OnceValue(func() *ruleSet {
			rs, err := compileRuleSet(nil)
			if err != nil {
				// The built-in data is part of the program; tests compile it.
				panic("fingerprint: built-in rules: " + err.Error())
			}
			return rs
		}))
	})
	return defaultEngine
}

// BuiltinRules returns the embedded rules (a fresh slice; the rules' own
// slices and maps are shared and must not be modified).
func BuiltinRules() []Rule {
	rules, err := builtinRulesOnce()
	if err != nil {
		panic("fingerprint: built-in rules: " + err.Error())
	}
	return append([]Rule(nil), rules...)
}

// builtinRulesOnce parses the embedded rule files once per process: the
// engine and compose's licence and alias tables all start from them, and
// each parse cost about 10 ms of every run.
var builtinRulesOnce = sync.OnceValues(loadBuiltinRules)

// New returns an engine with the built-in rules plus extra. An extra rule
// whose name equals a built-in rule's replaces that rule, so a rules file can
// extend, say, SQLite's version table.
func New(extra []Rule) (*Engine, error) {
	rs, err := compileRuleSet(extra)
	if err != nil {
		return nil, err
	}
	return newEngine(func() *ruleSet { return rs }), nil
}

func newEngine(rules func() *ruleSet) *Engine {
	e := &Engine{ruleSet: rules}
	e.catalogers = catalogers(e)
	return e
}

// compileRuleSet compiles the built-in rules plus extra (see New).
func compileRuleSet(extra []Rule) (*ruleSet, error) {
	rules := BuiltinRules()
	for _, x := range extra {
		if x.Source == "" {
			x.Source = "user"
		}
		replaced := false
		for i := range rules {
			if rules[i].Name == x.Name {
				rules[i] = x
				replaced = true
				break
			}
		}
		if !replaced {
			rules = append(rules, x)
		}
	}
	crs, cps, anchors, anchorPat, err := compileRules(rules)
	if err != nil {
		return nil, err
	}
	ac, err := newACMatcher(anchors)
	if err != nil {
		return nil, err
	}
	rs := &ruleSet{raw: rules, rules: crs, pats: cps, ac: ac, anchorPat: anchorPat, patByID: map[string]int{}}
	for i := range cps {
		rs.patByID[cps[i].ID] = i
	}
	for _, a := range anchors {
		rs.anchorLen = append(rs.anchorLen, len(a))
	}
	return rs, nil
}

// Rules returns the engine's rules (built-in first, then user rules).
func (e *Engine) Rules() []Rule {
	raw := e.ruleSet().raw
	out := make([]Rule, len(raw))
	copy(out, raw)
	return out
}

// FileReport is everything the engine learned about one file.
type FileReport struct {
	Path     string    `json:"path"`
	Kind     string    `json:"kind"` // "pe", "macho", "elf", "" (others)
	Findings []Finding `json:"findings,omitempty"`
	// Imports are the libraries this binary loads: PE import and delay-import
	// DLL names as written, Mach-O LC_LOAD_DYLIB/LC_LOAD_WEAK_DYLIB/
	// LC_REEXPORT_DYLIB paths (union over slices), ELF DT_NEEDED.
	Imports []string `json:"imports,omitempty"`
	// Exports is the name the library gives itself: PE export-directory DLL
	// name, Mach-O LC_ID_DYLIB, ELF DT_SONAME.
	Exports string `json:"exports,omitempty"`
	// Slices are the Mach-O architectures, in file order.
	Slices []string    `json:"slices,omitempty"`
	PE     *PEFacts    `json:"pe,omitempty"`
	MachO  []MachOFact `json:"macho,omitempty"`
	// Signature is the file's Authenticode signature (pe.authenticode).
	Signature *inventory.Signature `json:"signature,omitempty"`
	// Licenses are the licences the file's text was recognised as
	// (license.text).
	Licenses []inventory.LicenseText `json:"licenses,omitempty"`
	// Errors are problems reading the file's headers; the byte patterns
	// still ran over the whole file.
	Errors []*FormatError `json:"errors,omitempty"`
}

type Finding = inventory.Finding

// FormatError is a problem reading a file's structure.
type FormatError struct {
	Path    string `json:"path"`
	Layer_  string `json:"layer"`
	Offset_ int64  `json:"offset"`
	Msg     string `json:"message"`
}

func (e *FormatError) Error() string {
	if e.Offset_ >= 0 {
		return fmt.Sprintf("%s: %s at offset %#x: %s", e.Path, e.Layer_, e.Offset_, e.Msg)
	}
	return fmt.Sprintf("%s: %s: %s", e.Path, e.Layer_, e.Msg)
}

// Layer names the format that failed ("pe", "macho", "elf").
func (e *FormatError) Layer() string { return e.Layer_ }

// Offset is the byte offset in the file, -1 when unknown.
func (e *FormatError) Offset() int64 { return e.Offset_ }

// region is a byte range evaluated on its own: the whole file, or one slice
// of a universal Mach-O file.
type region struct {
	start, end int
	label      string // evidence Resource, "" for whole files
}

// hit is one verified pattern match.
type hit struct {
	off     int64
	version string
	match   string
}

// Identify examines one file's whole bytes. path is the file's full nested
// path ('/'-joined); its last element is used for name hints. The headers of
// an executable are read once; then every cataloger that wants the file
// (catalog.go) adds what it shows.
func (e *Engine) Identify(p string, data []byte) *FileReport {
	rep := &FileReport{Path: p}
	f := readSubject(rep, p, data)
	for _, c := range e.catalogers {
		if c.Wants(p, data[:min(len(data), HeadBytes)], int64(len(data))) {
			c.Catalog(f, rep)
		}
	}
	sortFindings(rep.Findings)
	return rep
}

// readSubject sniffs the file and reads an executable's headers into the
// report (imports, the names it gives itself, PE and Mach-O facts).
func readSubject(rep *FileReport, p string, data []byte) *Subject {
	f := &Subject{Path: p, Base: path.Base(p), Data: data, kind: sniffKind(data)}
	rep.Kind = kindName(f.kind)
	f.Kind = rep.Kind
	f.regions = []region{{0, len(data), ""}}
	switch f.kind {
	case kindPE:
		facts, imports, export, err := readPE(data)
		if err != nil {
			rep.Errors = append(rep.Errors, &FormatError{Path: p, Layer_: "pe", Offset_: err.off, Msg: err.msg})
		}
		if facts != nil {
			rep.PE = facts
			f.PE = facts
		}
		rep.Imports = imports
		rep.Exports = export
		if export != "" {
			f.selfNames = append(f.selfNames, selfName{export, "PE export name"})
		}
	case kindMachO, kindFat:
		slices, errs := readMachO(data, f.kind == kindFat)
		for _, er := range errs {
			rep.Errors = append(rep.Errors, &FormatError{Path: p, Layer_: "macho", Offset_: er.off, Msg: er.msg})
		}
		if len(slices) > 0 {
			f.regions = f.regions[:0]
		}
		seen := map[string]bool{}
		for _, s := range slices {
			rep.MachO = append(rep.MachO, s.fact)
			rep.Slices = append(rep.Slices, s.fact.Arch)
			label := ""
			if f.kind == kindFat {
				label = "slice " + s.fact.Arch
			}
			f.regions = append(f.regions, region{int(s.fact.Offset), int(s.fact.Offset + s.fact.Size), label})
			for _, imp := range s.fact.Imports {
				if !seen[imp] {
					seen[imp] = true
					rep.Imports = append(rep.Imports, imp)
				}
			}
			if s.fact.InstallName != "" && rep.Exports == "" {
				rep.Exports = s.fact.InstallName
			}
			if s.fact.InstallName != "" {
				f.selfNames = append(f.selfNames, selfName{path.Base(s.fact.InstallName), "LC_ID_DYLIB"})
			}
			if f.infoPlist == nil && s.infoPlist != nil {
				f.infoPlist, f.infoPlistSlice = s.infoPlist, s.fact.Arch
			}
		}
		if len(f.regions) == 0 {
			f.regions = []region{{0, len(data), ""}}
		}
		f.MachO = rep.MachO
	case kindELF:
		imports, soname, err := readELF(data)
		if err != nil {
			rep.Errors = append(rep.Errors, &FormatError{Path: p, Layer_: "elf", Offset_: -1, Msg: err.Error()})
		}
		rep.Imports = imports
		rep.Exports = soname
		if soname != "" {
			f.selfNames = append(f.selfNames, selfName{soname, "DT_SONAME"})
		}
	}
	f.Imports = rep.Imports
	return f
}

// catalogRules applies the library rules: byte patterns, PE version
// resources and library names.
func (e *Engine) catalogRules(f *Subject, rep *FileReport) {
	rs := e.ruleSet()
	p, data, base := f.Path, f.Data, f.Base
	var vinfo map[string]string
	if f.PE != nil {
		vinfo = f.PE.VersionStrings
	}
	regions, selfNames := f.regions, f.selfNames

	// per rule, per version: evidence
	type key struct {
		rule    int
		version string
	}
	found := map[key][]Evidence{}
	add := func(rule int, version string, ev Evidence) {
		k := key{rule, version}
		found[k] = append(found[k], ev)
	}

	// A binary that loads a component's library gets no static finding for
	// that component: what its bytes show are the library header's constants
	// compiled into the caller (OPENSSL_VERSION_TEXT printed by a --version,
	// SQLITE_SOURCE_ID checked against the library at start-up), not a copy.
	importsLib := make([]bool, len(rs.rules))
	for _, imp := range rep.Imports {
		for _, ri := range e.names.rules(e, true, path.Base(imp)) {
			importsLib[ri] = true
		}
	}
	// Library names: the file is the component's own library.
	own := make([]bool, len(rs.rules))
	// The file's own name and the names it gives itself (export name,
	// LC_ID_DYLIB, DT_SONAME).
	for _, sn := range append([]selfName{{base, fileNameWhere}}, selfNames...) {
		name := path.Base(sn.name)
		for _, ri := range e.names.rules(e, false, name) {
			own[ri] = true
		}
		for _, ri := range e.names.rules(e, true, name) {
			own[ri] = true
			r := &rs.rules[ri]
			if m := r.nameVer; m != nil && sn.where != fileNameWhere {
				if g := m.FindStringSubmatch(name); g != nil && g[1] != "" {
					add(ri, g[1], Evidence{File: p, Rule: r.Name + ".library-name-version", Offset: -1, Resource: sn.where, Match: sn.name})
					continue
				}
			}
			add(ri, "", Evidence{File: p, Rule: r.Name + ".library-name", Offset: -1, Resource: sn.where, Match: sn.name})
		}
	}

	// Byte patterns: one pass over the whole file, evaluated per region.
	hits := e.scan(data, regions)
	for ri, rg := range regions {
		for rule, vs := range e.evaluate(hits[ri]) {
			// The component's own library keeps its evidence even when it
			// loads a sibling of the same project (libgeos_c → libgeos).
			if importsLib[rule] && !own[rule] {
				continue
			}
			for _, v := range vs {
				for _, h := range v.hits {
					add(rule, v.version, Evidence{File: p, Rule: rs.pats[h.pat].ID, Offset: h.off, Resource: rg.label, Match: h.match})
				}
			}
		}
	}

	// PE version resource.
	for ri := range rs.rules {
		r := &rs.rules[ri]
		for _, vi := range r.vinfo {
			if v, field, ok := vi.match(vinfo); ok {
				add(ri, v, Evidence{File: p, Rule: r.Name + ".versioninfo", Offset: -1, Resource: "VERSIONINFO/" + field, Match: shorten(vinfo[field])})
			}
		}
	}

	// Assemble findings: a version-less finding is folded into the versioned
	// one of the same rule (its evidence supports it). Versions that differ
	// only by trailing ".0" parts are one version (the spelling with the most
	// evidence wins). Candidates that really disagree leave the version
	// empty, with every candidate in the evidence: one file carries one copy
	// of a library, and the bytes do not say which candidate it is.
	byRule := map[int][]string{}
	for k := range found {
		byRule[k.rule] = append(byRule[k.rule], k.version)
	}
	for ri, versions := range byRule {
		r := &rs.rules[ri]
		sort.Strings(versions)
		emit := func(v string, ev []Evidence) {
			rep.Findings = append(rep.Findings, Finding{
				Name: r.Name, Version: v, Supplier: r.Supplier, License: r.license(v),
				PURL: r.purl(v), CPE: r.cpe(v), Own: own[ri], Evidence: sortEvidence(ev),
			})
			if own[ri] || fromVersionInfo(ev) {
				f.identified = true
			}
		}
		// Distinct copies: several versions each spelled by a full banner.
		var copies []string
		for _, v := range versions {
			if v != "" && e.fromCopiesPattern(found[key{ri, v}]) {
				copies = append(copies, v)
			}
		}
		if len(copies) > 1 {
			rest := found[key{ri, ""}]
			for _, v := range versions {
				if v != "" && !e.fromCopiesPattern(found[key{ri, v}]) {
					rest = append(rest, found[key{ri, v}]...)
				}
			}
			for _, v := range copies {
				emit(v, append(append([]Evidence(nil), found[key{ri, v}]...), rest...))
			}
			continue
		}
		var ev []Evidence
		best, bestN := "", -1
		distinct := map[string]bool{}
		for _, v := range versions {
			ev = append(ev, found[key{ri, v}]...)
			if v == "" {
				continue
			}
			distinct[trimZeroParts(v)] = true
			if n := len(found[key{ri, v}]); n > bestN || (n == bestN && len(v) < len(best)) {
				best, bestN = v, n
			}
		}
		v := best
		if len(distinct) > 1 {
			v = ""
		}
		emit(v, ev)
	}
}

// fromCopiesPattern reports whether some evidence comes from a pattern
// marked copies.
func (e *Engine) fromCopiesPattern(ev []Evidence) bool {
	rs := e.ruleSet()
	for _, x := range ev {
		if pi, ok := rs.patByID[x.Rule]; ok && rs.pats[pi].Copies {
			return true
		}
	}
	return false
}

// trimZeroParts drops trailing ".0" parts: 1.2.13.0 and 1.2.13 are one
// version.
func trimZeroParts(v string) string {
	for strings.HasSuffix(v, ".0") && strings.Count(v, ".") > 1 {
		v = strings.TrimSuffix(v, ".0")
	}
	return v
}

func fromVersionInfo(ev []Evidence) bool {
	for _, x := range ev {
		if strings.HasPrefix(x.Resource, "VERSIONINFO/") {
			return true
		}
	}
	return false
}

type selfName struct{ name, where string }

// fileNameWhere is the where of the file's own name among its selfNames:
// a name the packager chose, not one the binary gives itself.
const fileNameWhere = "file name"

func (vi *compiledVersionInfo) match(strs map[string]string) (version, field string, ok bool) {
	if len(strs) == 0 {
		return "", "", false
	}
	for _, f := range vi.fields {
		v, present := strs[f.name]
		if !present || !f.re.MatchString(v) {
			return "", "", false
		}
	}
	field = vi.version
	if field == "" {
		return "", vi.fields[0].name, true
	}
	v := strings.TrimSpace(strs[field])
	if vi.re != nil {
		m := vi.re.FindStringSubmatch(v)
		if m == nil {
			return "", field, true // the component is there; its version field is not usable
		}
		v = m[1]
	}
	return v, field, true
}

// patHit is a verified hit of one pattern.
type patHit struct {
	pat int
	hit
}

// scan runs the automaton once over data and verifies each anchor hit with
// its pattern's regexp inside the window, bucketed by region.
func (e *Engine) scan(data []byte, regions []region) [][]patHit {
	rs := e.ruleSet()
	out := make([][]patHit, len(regions))
	tries := make([]int, len(rs.pats))
	kept := make([][]int, len(regions))
	for i := range kept {
		kept[i] = make([]int, len(rs.pats))
	}
	rs.ac.scan(data, func(a, start int) bool {
		pi := rs.anchorPat[a]
		if tries[pi] >= maxAnchorTries {
			return true
		}
		tries[pi]++
		ri := -1
		for i, rg := range regions {
			if start >= rg.start && start < rg.end {
				ri = i
				break
			}
		}
		if ri < 0 || kept[ri][pi] >= maxPatternHits {
			return true
		}
		rg := regions[ri]
		cp := &rs.pats[pi]
		end := start + rs.anchorLen[a]
		if end > rg.end {
			return true // anchor crosses the slice boundary
		}
		if cp.re == nil {
			out[ri] = append(out[ri], patHit{pi, hit{off: int64(start), match: printable(data[start:end])}})
			kept[ri][pi]++
			return true
		}
		ws, we := start-cp.Before, end+cp.After
		if ws < rg.start {
			ws = rg.start
		}
		if we > rg.end {
			we = rg.end
		}
		win, scale := data[ws:we], 1
		if cp.UTF16 {
			// Code units aligned with the anchor's, one byte each.
			ws += (start - ws) % 2
			win, scale = narrowUTF16(data[ws:we]), 2
		}
		for _, m := range cp.re.FindAllSubmatchIndex(win, 4) {
			h := hit{off: int64(ws + scale*m[0]), match: printable(win[m[0]:m[1]])}
			if len(m) >= 4 && m[2] >= 0 {
				h.version = string(win[m[2]:m[3]])
			}
			out[ri] = append(out[ri], patHit{pi, h})
			kept[ri][pi]++
		}
		return true
	})
	return out
}

type versionHits struct {
	version string
	hits    []patHit
}

// evaluate applies requires/unless/unique/fallback/lookup to one region's
// hits and returns, per rule, the versions found with their hits.
func (e *Engine) evaluate(hits []patHit) map[int][]versionHits {
	rs := e.ruleSet()
	if len(hits) == 0 {
		return nil
	}
	byPat := map[int][]patHit{}
	for _, h := range hits {
		// Several anchors of one pattern may verify the same match.
		dup := false
		for _, o := range byPat[h.pat] {
			if o.off == h.off && o.version == h.version {
				dup = true
				break
			}
		}
		if !dup {
			byPat[h.pat] = append(byPat[h.pat], h)
		}
	}
	// unless: cancelled patterns are gone before requires look at them.
	alive := map[int][]patHit{}
	for pi, hs := range byPat {
		cancelled := false
		for _, u := range rs.pats[pi].unless {
			if len(byPat[u]) > 0 {
				cancelled = true
			}
		}
		if !cancelled {
			alive[pi] = hs
		}
	}
	final := map[int][]patHit{}
	for pi, hs := range alive {
		cp := &rs.pats[pi]
		if len(cp.requires) == 0 {
			final[pi] = hs
			continue
		}
		var keep []patHit
		for _, h := range hs {
			ok := false
			for _, r := range cp.requires {
				for _, o := range alive[r] {
					if cp.Within == 0 || abs64(o.off-h.off) <= int64(cp.Within) {
						ok = true
						break
					}
				}
			}
			if ok {
				keep = append(keep, h)
			}
		}
		if len(keep) > 0 {
			final[pi] = keep
		}
	}

	result := map[int][]versionHits{}
	for ri := range rs.rules {
		r := &rs.rules[ri]
		primary := map[string][]patHit{}
		fallback := map[string][]patHit{}
		for _, pi := range r.pats {
			cp := &rs.pats[pi]
			hs := final[pi]
			if cp.Trace || len(hs) == 0 {
				continue
			}
			// versions of this pattern
			for i := range hs {
				if cp.Lookup && hs[i].version != "" {
					id := hs[i].version
					hs[i].version = ""
					for _, k := range r.tabKeys {
						if strings.HasPrefix(id, k) {
							hs[i].version = r.VersionTable[k]
							break
						}
					}
					if len(id) >= 4 && strings.Contains(id[len(id)-4:], "alt") {
						hs[i].match += " (altered source id: modified copy)"
					}
				}
			}
			if cp.Unique {
				distinct := map[string]bool{}
				for _, h := range hs {
					if h.version != "" {
						distinct[h.version] = true
					}
				}
				if len(distinct) > 1 {
					for i := range hs {
						hs[i].match += " (one of several candidate versions: none believed)"
						hs[i].version = ""
					}
				}
			}
			dst := primary
			if cp.Fallback {
				dst = fallback
			}
			for _, h := range hs {
				dst[h.version] = append(dst[h.version], h)
			}
		}
		hasPrimaryVersion := false
		for v := range primary {
			if v != "" {
				hasPrimaryVersion = true
			}
		}
		merged := primary
		for v, hs := range fallback {
			if v != "" && hasPrimaryVersion {
				// fallback version not needed; keep its hits as presence only
				for i := range hs {
					hs[i].version = ""
				}
				merged[""] = append(merged[""], hs...)
				continue
			}
			merged[v] = append(merged[v], hs...)
		}
		if len(merged) == 0 {
			continue
		}
		var vs []versionHits
		for v, hs := range merged {
			vs = append(vs, versionHits{v, hs})
		}
		sort.Slice(vs, func(i, j int) bool { return vs[i].version < vs[j].version })
		result[ri] = vs
	}
	return result
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// narrowUTF16 turns UTF-16LE code units into one byte each: the unit's
// value below 0x80, else 0x7f, so that a regexp written for ASCII text
// reads wide strings and a match at byte i is the unit at 2*i. An odd
// last byte is dropped.
func narrowUTF16(b []byte) []byte {
	out := make([]byte, len(b)/2)
	for i := range out {
		lo, hi := b[2*i], b[2*i+1]
		if hi != 0 || lo >= 0x80 {
			lo = 0x7f
		}
		out[i] = lo
	}
	return out
}

// printable renders matched bytes for people: printable ASCII as is, other
// bytes as \xNN, at most 96 characters.
func printable(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if sb.Len() >= 96 {
			sb.WriteString("...")
			break
		}
		if c >= 0x20 && c < 0x7f && c != '\\' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	return sb.String()
}

func shorten(s string) string {
	if utf8.RuneCountInString(s) <= 96 {
		return s
	}
	r := []rune(s)
	return string(r[:96]) + "..."
}

func sortEvidence(ev []Evidence) []Evidence {
	sort.Slice(ev, func(i, j int) bool {
		a, b := ev[i], ev[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		return a.Match < b.Match
	})
	return slices.Compact(ev) // drop exact duplicates
}

func sortFindings(fs []Finding) {
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Name != fs[j].Name {
			return fs[i].Name < fs[j].Name
		}
		return fs[i].Version < fs[j].Version
	})
}

// file kinds
const (
	kindOther = iota
	kindPE
	kindMachO
	kindFat
	kindELF
	kindAr
)

func kindName(k int) string {
	switch k {
	case kindPE:
		return "pe"
	case kindMachO, kindFat:
		return "macho"
	case kindELF:
		return "elf"
	}
	return ""
}

// sniffKind decides by magic bytes. Byte patterns run only over executable
// formats (and static-library archives): text files quote library names and
// versions in prose, which is not evidence that the code is there.
// sniffKind asks the one file-kind sniffer (inspect/filekind); a universal
// Mach-O header is checked further here, slice by slice, before the engine
// believes it (0xCAFEBABE is also a Java class file).
func sniffKind(b []byte) int {
	switch filekind.Sniff(b) {
	case filekind.PE:
		return kindPE
	case filekind.ELF:
		return kindELF
	case filekind.Ar:
		return kindAr
	case filekind.MachO:
		if filekind.IsThinMachO(b) {
			return kindMachO
		}
		if isFatMachO(b) {
			return kindFat
		}
	}
	return kindOther
}
