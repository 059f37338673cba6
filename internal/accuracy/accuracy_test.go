//go:build accuracy

package accuracy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// Floors: the totals may only go up. The lead raises them as rules land;
// false bundled claims must stay at zero.
// floorSpelled counts only truth versions the binary spells out next to the
// library's own name ("spelled": true in the corpus, decided from the bytes,
// see fixtures/corpus/README.md): the ones a rule can be expected to read.
const (
	floorVersions  = 105
	floorSpelled   = 102
	floorPresences = 230
)

const corpusFile = "../../fixtures/corpus/accuracy.json"

type corpus struct {
	Note      string     `json:"note"`
	Packages  []pkgEntry `json:"packages"`
	Negatives []pkgEntry `json:"negatives"`
}

type pkgEntry struct {
	Registry string     `json:"registry"`
	Package  string     `json:"package"`
	Version  string     `json:"version"`
	SizeMB   float64    `json:"sizeMB"`
	Binaries []binEntry `json:"binaries"`
}

type binEntry struct {
	Path     string     `json:"path"`
	SHA256   string     `json:"sha256"`
	OS       string     `json:"os"`
	Complete bool       `json:"complete"`
	Truth    []truthLib `json:"truth"`
	// Tolerate names findings that are neither truth nor false (a subset
	// project, the port's own name).
	Tolerate []named `json:"tolerate,omitempty"`
	// NotBundled names libraries the metadata shows the binary does not
	// carry (it imports the system's): a finding of them is false even when
	// the truth is not complete.
	NotBundled []named `json:"notBundled,omitempty"`
	Note       string  `json:"note,omitempty"`
}

type truthLib struct {
	Name        string   `json:"name"`
	Version     string   `json:"version"`
	AltVersions []string `json:"altVersions,omitempty"`
	Source      string   `json:"source"`
	// Spelled says whether the binary spells the version out next to the
	// library's own name (or a string only that library has), found in the
	// bytes independently of this tool; set on every entry with a version.
	// SpelledAt is "<file offset of the version> <context>" when true.
	Spelled   *bool  `json:"spelled,omitempty"`
	SpelledAt string `json:"spelledAt,omitempty"`
}

type named struct {
	Name string `json:"name"`
	Why  string `json:"why"`
}

// score is one binary's result.
type score struct {
	label            string
	negative         bool
	skipped          string // why the binary was not scored
	vFound, vTotal   int
	sFound, sTotal   int // versions the bytes spell out (Spelled)
	pFound, pTotal   int
	falseN           int
	wrongN           int
	missPresence     []string // truth names with no finding
	missVersion      []string // "name want (found …)"
	falseClaims      []string
	wrongVersions    []string
	identities       []string // the file's own product, not in the truth
	presenceMissLibs []string // for the by-library summary
	versionMissLibs  []string
	spelledMiss      []string // "name version (found …) @spelledAt"
	spelledMissLibs  []string
}

func loadCorpus(t *testing.T) *corpus {
	t.Helper()
	b, err := os.ReadFile(corpusFile)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c corpus
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: %v", corpusFile, err)
	}
	for _, p := range append(append([]pkgEntry{}, c.Packages...), c.Negatives...) {
		if p.Registry != "npm" && p.Registry != "debian" {
			t.Fatalf("%s: registry %q", p.Package, p.Registry)
		}
		for _, bin := range p.Binaries {
			if len(bin.SHA256) != 64 {
				t.Fatalf("%s %s: bad sha256", p.Package, bin.Path)
			}
			for _, l := range bin.Truth {
				if l.Name == "" || l.Source == "" {
					t.Fatalf("%s %s: truth entry without name or source: %+v", p.Package, bin.Path, l)
				}
				switch {
				case l.Version != "" && l.Spelled == nil:
					t.Fatalf("%s %s: %s %s: truth version without \"spelled\"", p.Package, bin.Path, l.Name, l.Version)
				case l.Version == "" && l.Spelled != nil:
					t.Fatalf("%s %s: %s: \"spelled\" without a version", p.Package, bin.Path, l.Name)
				case l.Spelled != nil && *l.Spelled != (l.SpelledAt != ""):
					t.Fatalf("%s %s: %s %s: \"spelledAt\" must be given exactly when spelled is true", p.Package, bin.Path, l.Name, l.Version)
				}
			}
		}
	}
	return &c
}

// canonicalizer maps rule names and aliases (case-insensitive) to the rule's
// name; other names map to themselves, lower-cased.
type canonicalizer map[string]string

func newCanonicalizer(rules []fingerprint.Rule) canonicalizer {
	c := canonicalizer{}
	for _, r := range rules {
		c[strings.ToLower(r.Name)] = r.Name
	}
	for _, r := range rules {
		for _, a := range r.Aliases {
			if _, ok := c[strings.ToLower(a)]; !ok {
				c[strings.ToLower(a)] = r.Name
			}
		}
	}
	return c
}

func (c canonicalizer) name(n string) string {
	if v, ok := c[strings.ToLower(n)]; ok {
		return v
	}
	return strings.ToLower(n)
}

// metadataPURLs are ecosystem packages read from metadata (Go build info,
// Python, Rust auditable data, npm, NuGet, Maven): not library claims, not
// scored, unless a library rule of that name made the finding (sharp's
// native addon is pkg:npm/sharp).
var metadataPURLs = []string{"pkg:golang/", "pkg:pypi/", "pkg:cargo/", "pkg:npm/", "pkg:nuget/", "pkg:maven/"}

// identityCatalogers name a file's own product from its metadata (PE
// version resource, Info.plist, .NET assembly). Such a finding may satisfy
// the truth, but when its name is no library rule's it says what the file
// is, not what it bundles, and is not a false bundled claim.
var identityCatalogers = []string{"pe.product", "macos.info-plist", "dotnet.assembly"}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// claims splits a report's findings (names canonicalized) into library
// claims and identities of the file itself; metadata packages are dropped.
func claims(rep *fingerprint.FileReport, canon canonicalizer, ruleNames map[string]bool) (libs, identities []fingerprint.Finding) {
	for _, f := range rep.Findings {
		f.Name = canon.name(f.Name)
		if hasPrefix(f.PURL, metadataPURLs) && !ruleNames[f.Name] {
			continue
		}
		if !ruleNames[f.Name] && len(f.Evidence) > 0 && hasPrefix(f.Evidence[0].Rule, identityCatalogers) {
			identities = append(identities, f)
			continue
		}
		libs = append(libs, f)
	}
	return libs, identities
}

func describe(f fingerprint.Finding) string {
	s := f.Name
	if f.Version != "" {
		s += " " + f.Version
	} else {
		s += " (no version)"
	}
	if len(f.Evidence) > 0 {
		e := f.Evidence[0]
		where := e.Resource
		if where == "" {
			where = fmt.Sprintf("@%#x", e.Offset)
		}
		m := e.Match
		if len(m) > 60 {
			m = m[:60] + "…"
		}
		s += fmt.Sprintf(" [%s %s %q]", e.Rule, where, m)
	}
	return s
}

func scoreBinary(bin binEntry, negative bool, libs, identities []fingerprint.Finding, canon canonicalizer) score {
	var s score
	fs := append(append([]fingerprint.Finding{}, libs...), identities...)
	s.negative = negative
	truthNames := map[string]bool{}
	for _, l := range bin.Truth {
		truthNames[canon.name(l.Name)] = true
	}
	tolerated := map[string]bool{}
	for _, n := range bin.Tolerate {
		tolerated[canon.name(n.Name)] = true
	}
	notBundled := map[string]bool{}
	for _, n := range bin.NotBundled {
		notBundled[canon.name(n.Name)] = true
	}
	for _, l := range bin.Truth {
		name := canon.name(l.Name)
		s.pTotal++
		var seen []string
		present, versionOK := false, false
		for _, f := range fs {
			if f.Name != name {
				continue
			}
			present = true
			if f.Version == l.Version {
				versionOK = true
			}
			for _, alt := range l.AltVersions {
				if f.Version == alt {
					versionOK = true
				}
			}
			if f.Version != "" {
				seen = append(seen, f.Version)
			}
		}
		seen = uniq(seen)
		if present {
			s.pFound++
		} else {
			s.missPresence = append(s.missPresence, name)
			s.presenceMissLibs = append(s.presenceMissLibs, name)
		}
		if l.Version == "" {
			continue
		}
		spelled := l.Spelled != nil && *l.Spelled
		s.vTotal++
		if spelled {
			s.sTotal++
		}
		if versionOK {
			s.vFound++
			if spelled {
				s.sFound++
			}
			continue
		}
		s.versionMissLibs = append(s.versionMissLibs, name)
		var miss string
		switch {
		case !present:
			miss = fmt.Sprintf("%s %s (not found)", name, l.Version)
		case len(seen) == 0:
			miss = fmt.Sprintf("%s %s (found without version)", name, l.Version)
		default:
			miss = fmt.Sprintf("%s %s (found %s)", name, l.Version, strings.Join(seen, ", "))
			s.wrongN++
			s.wrongVersions = append(s.wrongVersions, fmt.Sprintf("%s: reported %s, truth %s", name, strings.Join(seen, ", "), l.Version))
		}
		if spelled {
			s.spelledMissLibs = append(s.spelledMissLibs, name)
			s.spelledMiss = append(s.spelledMiss, miss+" @"+l.SpelledAt)
			miss += " [spelled]"
		}
		s.missVersion = append(s.missVersion, miss)
	}
	complete := bin.Complete || negative
	seenFalse := map[string]bool{}
	for _, f := range identities {
		if !truthNames[f.Name] {
			s.identities = append(s.identities, describe(f))
		}
	}
	for _, f := range libs {
		bad := notBundled[f.Name] || (complete && !truthNames[f.Name] && !tolerated[f.Name])
		if !bad {
			continue
		}
		key := f.Name + "\x00" + f.Version
		if seenFalse[key] {
			continue
		}
		seenFalse[key] = true
		s.falseN++
		s.falseClaims = append(s.falseClaims, describe(f))
	}
	return s
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func TestAccuracy(t *testing.T) {
	c := loadCorpus(t)
	canon := newCanonicalizer(fingerprint.BuiltinRules())
	eng := fingerprint.Default()
	ruleNames := map[string]bool{}
	for _, r := range fingerprint.BuiltinRules() {
		ruleNames[r.Name] = true
	}

	var results []score
	// ISBOM_TEST_ACCURACY=sharp,7zip limits the run to packages whose
	// name contains one of the words (the floors are then not checked).
	var only []string
	if v := os.Getenv("ISBOM_TEST_ACCURACY"); v != "" {
		only = strings.Split(v, ",")
	}
	wanted := func(pkg string) bool {
		if only == nil {
			return true
		}
		for _, w := range only {
			if w != "" && strings.Contains(pkg, w) {
				return true
			}
		}
		return false
	}
	run := func(p pkgEntry, negative bool) {
		if !wanted(p.Package) {
			return
		}
		t.Run(p.Registry+":"+p.Package+"@"+p.Version, func(t *testing.T) {
			start := time.Now()
			defer testenv.ForgetRegistryPackages()
			files := testenv.RegistryPackage(t, p.Registry, p.Package, p.Version)
			for _, bin := range p.Binaries {
				label := p.Package + "@" + p.Version + " " + bin.Path
				data, ok := files[path.Clean(bin.Path)]
				if !ok {
					t.Errorf("%s: no such file in the package", label)
					results = append(results, score{label: label, negative: negative, skipped: "missing from package"})
					continue
				}
				if got := testenv.SHA256Hex(data); got != bin.SHA256 {
					t.Errorf("%s: sha256 %s, corpus says %s", label, got, bin.SHA256)
					results = append(results, score{label: label, negative: negative, skipped: "sha256 mismatch"})
					continue
				}
				rep := eng.Identify(bin.Path, data)
				libs, ids := claims(rep, canon, ruleNames)
				s := scoreBinary(bin, negative, libs, ids, canon)
				s.label = label
				results = append(results, s)
			}
			t.Logf("%s: %d binaries in %v", p.Package, len(p.Binaries), time.Since(start).Round(time.Millisecond))
		})
	}
	for _, p := range c.Packages {
		run(p, false)
	}
	for _, p := range c.Negatives {
		run(p, true)
	}

	var out strings.Builder
	var tot score
	presenceMiss := map[string]int{}
	versionMiss := map[string]int{}
	spelledMiss := map[string][]string{} // library → "binary: miss @offset context"
	truthCount := map[string]int{}
	fmt.Fprintf(&out, "\n=== accuracy: %d binaries (truth from package metadata; see %s)\n", len(results), corpusFile)
	for _, s := range results {
		tag := ""
		if s.negative {
			tag = " [negative]"
		}
		if s.skipped != "" {
			fmt.Fprintf(&out, "%s%s: NOT SCORED (%s)\n", s.label, tag, s.skipped)
			continue
		}
		fmt.Fprintf(&out, "%s%s\n    versions found %d/%d, spelled versions found %d/%d, presences %d/%d, false bundled %d, wrong versions %d\n",
			s.label, tag, s.vFound, s.vTotal, s.sFound, s.sTotal, s.pFound, s.pTotal, s.falseN, s.wrongN)
		if len(s.missPresence) > 0 {
			fmt.Fprintf(&out, "    missing: %s\n", strings.Join(s.missPresence, ", "))
		}
		for _, m := range s.missVersion {
			fmt.Fprintf(&out, "    version miss: %s\n", m)
		}
		for _, f := range s.falseClaims {
			fmt.Fprintf(&out, "    FALSE: %s\n", f)
		}
		for _, f := range s.identities {
			fmt.Fprintf(&out, "    identity (not scored): %s\n", f)
		}
		tot.vFound += s.vFound
		tot.vTotal += s.vTotal
		tot.sFound += s.sFound
		tot.sTotal += s.sTotal
		tot.pFound += s.pFound
		tot.pTotal += s.pTotal
		tot.falseN += s.falseN
		tot.wrongN += s.wrongN
		for _, n := range s.presenceMissLibs {
			presenceMiss[n]++
		}
		for _, n := range s.versionMissLibs {
			versionMiss[n]++
		}
		for i, n := range s.spelledMissLibs {
			spelledMiss[n] = append(spelledMiss[n], s.label+": "+s.spelledMiss[i])
		}
	}
	for _, p := range append(append([]pkgEntry{}, c.Packages...), c.Negatives...) {
		for _, b := range p.Binaries {
			for _, l := range b.Truth {
				truthCount[canon.name(l.Name)]++
			}
		}
	}
	fmt.Fprintf(&out, "\n=== misses by library (binaries where the library is absent / its version not found)\n")
	var libs []string
	for n := range truthCount {
		if presenceMiss[n]+versionMiss[n] > 0 {
			libs = append(libs, n)
		}
	}
	sort.Slice(libs, func(i, j int) bool {
		a, b := libs[i], libs[j]
		if presenceMiss[a]+versionMiss[a] != presenceMiss[b]+versionMiss[b] {
			return presenceMiss[a]+versionMiss[a] > presenceMiss[b]+versionMiss[b]
		}
		return a < b
	})
	for _, n := range libs {
		norule := ""
		if !ruleNames[n] {
			norule = " (no rule)"
		}
		fmt.Fprintf(&out, "  %-16s absent %d, version missed %d (spelled %d), in truth of %d binaries%s\n", n, presenceMiss[n], versionMiss[n], len(spelledMiss[n]), truthCount[n], norule)
	}
	// Versions the bytes spell out next to the library's name that no
	// finding reports: what rule writers must fix first.
	fmt.Fprintf(&out, "\n=== spelled versions missed, by library (the bytes name them; offset and context from the corpus)\n")
	var spelledLibs []string
	for n := range spelledMiss {
		spelledLibs = append(spelledLibs, n)
	}
	sort.Slice(spelledLibs, func(i, j int) bool {
		a, b := spelledLibs[i], spelledLibs[j]
		if len(spelledMiss[a]) != len(spelledMiss[b]) {
			return len(spelledMiss[a]) > len(spelledMiss[b])
		}
		return a < b
	})
	for _, n := range spelledLibs {
		fmt.Fprintf(&out, "  %s (%d)\n", n, len(spelledMiss[n]))
		for _, m := range spelledMiss[n] {
			fmt.Fprintf(&out, "      %s\n", m)
		}
	}
	fmt.Fprintf(&out, "\n=== TOTAL: versions found %d/%d, spelled versions found %d/%d, presences %d/%d, false bundled %d, wrong versions %d\n",
		tot.vFound, tot.vTotal, tot.sFound, tot.sTotal, tot.pFound, tot.pTotal, tot.falseN, tot.wrongN)
	fmt.Print(out.String())

	if only == nil && tot.vFound < floorVersions {
		t.Errorf("versions found %d, below the floor %d", tot.vFound, floorVersions)
	}
	if only == nil && tot.sFound < floorSpelled {
		t.Errorf("spelled versions found %d, below the floor %d", tot.sFound, floorSpelled)
	}
	if only == nil && tot.pFound < floorPresences {
		t.Errorf("presences %d, below the floor %d", tot.pFound, floorPresences)
	}
	if tot.falseN > 0 {
		t.Errorf("%d false bundled claims (see FALSE lines above)", tot.falseN)
	}
}

// TestAccuracyScoring checks the scoring on made-up findings (no download).
func TestAccuracyScoring(t *testing.T) {
	canon := newCanonicalizer([]fingerprint.Rule{
		{Name: "xz", Aliases: []string{"liblzma"}},
		{Name: "zlib"},
		{Name: "libpng"},
	})
	ruleNames := map[string]bool{"xz": true, "zlib": true, "libpng": true}
	rep := &fingerprint.FileReport{Findings: []fingerprint.Finding{
		{Name: "liblzma", Version: "5.2.3", PURL: "pkg:generic/xz@5.2.3"},
		{Name: "zlib", Version: "1.2.8", PURL: "pkg:generic/zlib@1.2.8"},
		{Name: "libpng", Version: "", PURL: "pkg:generic/libpng"},
		{Name: "golang.org/x/sys", Version: "v0.1.0", PURL: "pkg:golang/golang.org/x/sys@v0.1.0"},
		{Name: "7-Zip", Version: "21.7", PURL: "pkg:generic/7-zip@21.7", Evidence: []fingerprint.Evidence{{Rule: "pe.product"}}},
	}}
	libs, ids := claims(rep, canon, ruleNames)
	if len(libs) != 3 || len(ids) != 1 || libs[0].Name != "xz" {
		t.Fatalf("claims: %+v / %+v", libs, ids)
	}
	yes, no := true, false
	bin := binEntry{Complete: true, Truth: []truthLib{
		{Name: "xz", Version: "5.2.3", Source: "s", Spelled: &no},
		{Name: "zlib", Version: "1.2.11", Source: "s", Spelled: &yes, SpelledAt: "1 deflate 1.2.11"},
		{Name: "bzip2", Version: "", Source: "s"},
		{Name: "7-zip", Version: "21.07", AltVersions: []string{"21.7"}, Source: "s", Spelled: &yes, SpelledAt: "2 7-Zip 21.07"},
	}}
	s := scoreBinary(bin, false, libs, ids, canon)
	if s.vFound != 2 || s.vTotal != 3 || s.sFound != 1 || s.sTotal != 2 || s.pFound != 3 || s.pTotal != 4 || s.falseN != 1 || s.wrongN != 1 {
		t.Errorf("complete: %+v", s)
	}
	if len(s.spelledMissLibs) != 1 || s.spelledMissLibs[0] != "zlib" || !strings.Contains(s.spelledMiss[0], "@1 deflate 1.2.11") {
		t.Errorf("spelled misses: %q %q", s.spelledMissLibs, s.spelledMiss)
	}
	// Not complete: libpng is no false claim, unless the metadata says the
	// binary does not bundle it.
	bin.Complete = false
	if s := scoreBinary(bin, false, libs, ids, canon); s.falseN != 0 {
		t.Errorf("incomplete: %+v", s)
	}
	bin.NotBundled = []named{{Name: "libpng", Why: "imported"}}
	if s := scoreBinary(bin, false, libs, ids, canon); s.falseN != 1 {
		t.Errorf("notBundled: %+v", s)
	}
	bin.NotBundled = nil
	bin.Tolerate = []named{{Name: "libpng", Why: "fork"}}
	bin.Complete = true
	if s := scoreBinary(bin, false, libs, ids, canon); s.falseN != 0 {
		t.Errorf("tolerate: %+v", s)
	}
	// A negative binary: every library claim outside the truth is false; the
	// file's own product identity is not.
	if s := scoreBinary(binEntry{}, true, libs, ids, canon); s.falseN != 3 || len(s.identities) != 1 {
		t.Errorf("negative: %+v", s)
	}
}
