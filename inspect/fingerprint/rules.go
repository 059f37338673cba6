package fingerprint

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Rule describes one component: how to name it and how to recognise it.
// Rules are data (see rules.json and the package documentation); this type
// is their decoded form.
type Rule struct {
	// Name is the canonical lower-case project name ("openssl", "zlib").
	Name     string `json:"name"`
	Supplier string `json:"supplier,omitempty"`
	// PURL and CPE are templates; {version} is replaced by the version found.
	// With no version, "@{version}" is dropped from the PURL and the CPE
	// version field becomes "*".
	PURL string `json:"purl"`
	CPE  string `json:"cpe,omitempty"`
	// OwnFiles are basename globs (path.Match syntax, case-insensitive) of
	// files that are the component itself: a finding in such a file is the
	// component's own library (dynamic linkage), not a static copy.
	OwnFiles []string `json:"ownFiles,omitempty"`
	// LibraryNames are basename globs of the component's own library. A
	// PE/Mach-O/ELF file whose name, PE export name or Mach-O install name
	// matches is reported even when no other evidence is present; they are
	// also OwnFiles.
	LibraryNames []string `json:"libraryNames,omitempty"`
	// VersionInfo matches PE VERSIONINFO string fields.
	VersionInfo []VersionInfoMatch `json:"versionInfo,omitempty"`
	// Patterns are byte patterns run over the file's bytes.
	Patterns []Pattern `json:"patterns,omitempty"`
	// VersionTable maps captured values of Lookup patterns to versions: the
	// longest key that is a prefix of the captured text wins (SQLite source
	// ids → release numbers).
	VersionTable map[string]string `json:"versionTable,omitempty"`
	// Source says where the rule came from ("built-in" or the rules file).
	Source string `json:"-"`
}

// VersionInfoMatch matches when every field regexp in Fields matches the PE
// version resource string of that name; the version is then taken from the
// field named Version, through VersionRegexp's first group when set.
type VersionInfoMatch struct {
	Fields        map[string]string `json:"fields"`
	Version       string            `json:"version,omitempty"`
	VersionRegexp string            `json:"versionRegexp,omitempty"`
}

// Pattern is one byte pattern: a literal anchor (or several), verified by a
// regexp over a bounded window around each anchor hit.
type Pattern struct {
	// ID is unique over all rules ("zlib.banner"); Requires and Unless
	// refer to it.
	ID string `json:"id"`
	// Anchors are literal strings (JSON escapes; use \u0000-\u007f only
	// for raw bytes below 0x80) and AnchorsHex are hex-encoded byte strings.
	// Each is at least 4 bytes.
	Anchors    []string `json:"anchors,omitempty"`
	AnchorsHex []string `json:"anchorsHex,omitempty"`
	// Before and After widen the window the regexp sees: from the anchor's
	// start minus Before to the anchor's end plus After.
	Before int `json:"before,omitempty"`
	After  int `json:"after,omitempty"`
	// Regexp (RE2 syntax, matched against raw bytes) must match inside the
	// window. Its first capture group, when it has one, is the version.
	// Without Regexp the anchor alone is the match (presence only).
	Regexp string `json:"regexp,omitempty"`
	// Trace patterns never report anything themselves; they only satisfy
	// other patterns' Requires.
	Trace bool `json:"trace,omitempty"`
	// Requires lists pattern IDs of which at least one must also match in
	// the same file (or Mach-O slice); within Within bytes when Within > 0.
	Requires []string `json:"requires,omitempty"`
	Within   int      `json:"within,omitempty"`
	// Unless lists pattern IDs whose match anywhere in the file cancels this
	// pattern (zlib's bare version is not zlib when zlib-ng is there).
	Unless []string `json:"unless,omitempty"`
	// Unique: when this pattern captures more than one distinct version in
	// a file, none of them is believed (the version is reported empty).
	Unique bool `json:"unique,omitempty"`
	// Fallback: this pattern's version counts only when no non-fallback
	// pattern of the same rule found a version in the file.
	Fallback bool `json:"fallback,omitempty"`
	// Lookup: the captured text is looked up in the rule's VersionTable.
	Lookup bool `json:"lookup,omitempty"`
}

// Limits on pattern shapes, so user rules cannot make the scan quadratic.
const (
	maxWindow      = 4096
	maxPatternHits = 64      // verified hits kept per pattern and file
	maxAnchorTries = 1 << 14 // anchor hits verified per pattern and file
)

//go:embed rules.json
var builtinRules []byte

// LoadRules reads rules in the format of the built-in rules.json: a JSON
// array of Rule objects, where lines whose first non-blank characters are
// "//" are comments.
func LoadRules(r io.Reader) ([]Rule, error) {
	var buf bytes.Buffer
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("//")) {
			buf.WriteByte('\n') // keep line numbers for error messages
			continue
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	dec := json.NewDecoder(&buf)
	dec.DisallowUnknownFields()
	var rules []Rule
	if err := dec.Decode(&rules); err != nil {
		if se, ok := err.(*json.SyntaxError); ok {
			line := 1 + bytes.Count(buf.Bytes()[:se.Offset], []byte("\n"))
			return nil, fmt.Errorf("rules: line %d: %w", line, err)
		}
		return nil, fmt.Errorf("rules: %w", err)
	}
	return rules, nil
}

// compiled forms

type compiledRule struct {
	Rule
	own     []string // lower-case globs: OwnFiles + LibraryNames
	libs    []string // lower-case globs: LibraryNames
	vinfo   []compiledVersionInfo
	pats    []int // indices into Engine.pats
	tabKeys []string
}

type compiledVersionInfo struct {
	fields  []fieldMatch
	version string
	re      *regexp.Regexp
}

type fieldMatch struct {
	name string
	re   *regexp.Regexp
}

type compiledPattern struct {
	Pattern
	rule     int
	re       *regexp.Regexp
	requires []int
	unless   []int
}

func compileRules(rules []Rule) ([]compiledRule, []compiledPattern, [][]byte, []int, error) {
	var crs []compiledRule
	var cps []compiledPattern
	var anchors [][]byte
	var anchorPat []int
	ids := map[string]int{}
	names := map[string]bool{}
	for ri, r := range rules {
		where := fmt.Sprintf("rule %d (%s)", ri, r.Name)
		if r.Name == "" || r.Name != strings.ToLower(r.Name) || strings.ContainsAny(r.Name, " \t/") {
			return nil, nil, nil, nil, fmt.Errorf("%s: name must be non-empty lower case without spaces", where)
		}
		if names[r.Name] {
			return nil, nil, nil, nil, fmt.Errorf("%s: duplicate rule name", where)
		}
		names[r.Name] = true
		if r.PURL == "" {
			return nil, nil, nil, nil, fmt.Errorf("%s: purl template missing", where)
		}
		cr := compiledRule{Rule: r}
		for _, g := range append(append([]string{}, r.OwnFiles...), r.LibraryNames...) {
			g = strings.ToLower(g)
			if _, err := path.Match(g, ""); err != nil {
				return nil, nil, nil, nil, fmt.Errorf("%s: bad glob %q: %v", where, g, err)
			}
			cr.own = append(cr.own, g)
		}
		for _, g := range r.LibraryNames {
			cr.libs = append(cr.libs, strings.ToLower(g))
		}
		for _, vi := range r.VersionInfo {
			cv := compiledVersionInfo{version: vi.Version}
			keys := make([]string, 0, len(vi.Fields))
			for k := range vi.Fields {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if len(keys) == 0 {
				return nil, nil, nil, nil, fmt.Errorf("%s: versionInfo without fields", where)
			}
			for _, k := range keys {
				re, err := regexp.Compile(vi.Fields[k])
				if err != nil {
					return nil, nil, nil, nil, fmt.Errorf("%s: versionInfo field %s: %v", where, k, err)
				}
				cv.fields = append(cv.fields, fieldMatch{k, re})
			}
			if vi.VersionRegexp != "" {
				re, err := regexp.Compile(vi.VersionRegexp)
				if err != nil || re.NumSubexp() < 1 {
					return nil, nil, nil, nil, fmt.Errorf("%s: versionRegexp %q needs one group (%v)", where, vi.VersionRegexp, err)
				}
				cv.re = re
			}
			cr.vinfo = append(cr.vinfo, cv)
		}
		for k := range r.VersionTable {
			cr.tabKeys = append(cr.tabKeys, k)
		}
		// Longest key first, so the most specific prefix wins.
		sort.Slice(cr.tabKeys, func(i, j int) bool {
			if len(cr.tabKeys[i]) != len(cr.tabKeys[j]) {
				return len(cr.tabKeys[i]) > len(cr.tabKeys[j])
			}
			return cr.tabKeys[i] < cr.tabKeys[j]
		})
		for _, p := range r.Patterns {
			pw := fmt.Sprintf("%s pattern %q", where, p.ID)
			if p.ID == "" {
				return nil, nil, nil, nil, fmt.Errorf("%s: pattern without id", where)
			}
			if _, dup := ids[p.ID]; dup {
				return nil, nil, nil, nil, fmt.Errorf("%s: duplicate pattern id", pw)
			}
			if p.Before < 0 || p.After < 0 || p.Before > maxWindow || p.After > maxWindow || p.Within < 0 {
				return nil, nil, nil, nil, fmt.Errorf("%s: before/after must be 0..%d", pw, maxWindow)
			}
			if p.Lookup && len(r.VersionTable) == 0 {
				return nil, nil, nil, nil, fmt.Errorf("%s: lookup without versionTable", pw)
			}
			cp := compiledPattern{Pattern: p, rule: ri}
			if p.Regexp != "" {
				re, err := regexp.Compile(p.Regexp)
				if err != nil {
					return nil, nil, nil, nil, fmt.Errorf("%s: %v", pw, err)
				}
				cp.re = re
			}
			pi := len(cps)
			ids[p.ID] = pi
			var lits [][]byte
			for _, a := range p.Anchors {
				lits = append(lits, []byte(latin1(a)))
			}
			for _, h := range p.AnchorsHex {
				b, err := hex.DecodeString(h)
				if err != nil {
					return nil, nil, nil, nil, fmt.Errorf("%s: anchorsHex %q: %v", pw, h, err)
				}
				lits = append(lits, b)
			}
			if len(lits) == 0 {
				return nil, nil, nil, nil, fmt.Errorf("%s: no anchors", pw)
			}
			for _, l := range lits {
				if len(l) < minAnchor {
					return nil, nil, nil, nil, fmt.Errorf("%s: anchor %q shorter than %d bytes", pw, l, minAnchor)
				}
				anchors = append(anchors, l)
				anchorPat = append(anchorPat, pi)
			}
			cps = append(cps, cp)
			cr.pats = append(cr.pats, pi)
		}
		crs = append(crs, cr)
	}
	for i := range cps {
		for _, id := range cps[i].Pattern.Requires {
			j, ok := ids[id]
			if !ok {
				return nil, nil, nil, nil, fmt.Errorf("pattern %q requires unknown pattern %q", cps[i].ID, id)
			}
			cps[i].requires = append(cps[i].requires, j)
		}
		for _, id := range cps[i].Pattern.Unless {
			j, ok := ids[id]
			if !ok {
				return nil, nil, nil, nil, fmt.Errorf("pattern %q: unless names unknown pattern %q", cps[i].ID, id)
			}
			cps[i].unless = append(cps[i].unless, j)
		}
	}
	return crs, cps, anchors, anchorPat, nil
}

// latin1 turns a JSON string whose runes are all below U+0100 into the bytes
// of those code points, so "\u00fd7zXZ" is the 6-byte xz magic rather than
// its UTF-8 encoding. Strings with larger runes stay UTF-8.
func latin1(s string) string {
	for _, r := range s {
		if r > 0xff {
			return s
		}
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

func (r *compiledRule) purl(version string) string {
	if version == "" {
		return strings.ReplaceAll(strings.ReplaceAll(r.PURL, "@{version}", ""), "{version}", "")
	}
	return strings.ReplaceAll(r.PURL, "{version}", version)
}

func (r *compiledRule) cpe(version string) string {
	if r.CPE == "" {
		return ""
	}
	if version == "" {
		version = "*"
	}
	return strings.ReplaceAll(r.CPE, "{version}", cpeEscape(version))
}

// cpeEscape quotes the characters CPE 2.3 formatted strings reserve.
func cpeEscape(v string) string {
	if v == "*" {
		return v
	}
	var b strings.Builder
	for _, c := range v {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('\\')
			b.WriteRune(c)
		}
	}
	return b.String()
}

// matchGlobs reports whether the lower-cased basename matches any glob.
func matchGlobs(globs []string, name string) bool {
	if name == "" {
		return false
	}
	name = strings.ToLower(name)
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}
