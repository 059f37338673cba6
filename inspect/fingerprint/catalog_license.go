package fingerprint

import (
	"bytes"
	"fmt"
	"math"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/google/licensecheck"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
	"github.com/installer-sbom/installer-sbom/inspect/licensescan"
)

// maxLicenseBytes bounds the licence texts classified (CPython's Windows
// LICENSE.txt, the longest seen, is about 40 KiB).
const maxLicenseBytes = 1 << 20

// licenseText recognises the licence texts an installer carries — LICENSE*,
// LICENCE*, COPYING*, NOTICE*, <name>.LICENSE, a dist-info's licence files,
// CPython's LICENSE.txt, files in a licenses/ directory, an Info.plist's
// NSHumanReadableCopyright — with a licence classifier
// (github.com/google/licensecheck), and records what it recognised on the
// file (FileReport.Licenses), with how much of the text the licence covers
// and, where the path or the text names it, the component the text is for.
// compose turns them into concluded licences.
type licenseText struct{ e *Engine }

func (licenseText) Name() string { return "license.text" }
func (licenseText) Wants(p string, head []byte, size int64) bool {
	if size == 0 || size > maxLicenseBytes {
		return false
	}
	if path.Base(p) == "Info.plist" {
		return size <= maxPlistBytes && bundleDir(p) != ""
	}
	return isLicenseFileName(p) && !bytes.Contains(head, []byte{0})
}

func (c licenseText) Catalog(f *Subject, rep *FileReport) {
	if f.Base == "Info.plist" {
		c.catalogPlist(f, rep)
		return
	}
	if f.IsExecutable() || bytes.IndexByte(f.Data, 0) >= 0 {
		return
	}
	text := normalizeLicenseText(f.Data)
	cov := scanLicenses(text)
	owner := c.componentFromPath(f.Path)
	if found := pythonLicense(text, cov, owner); found != nil {
		rep.Licenses = append(rep.Licenses, found...)
		return
	}
	ids := matchedLicenseIDs(cov.Match)
	if len(ids) == 0 {
		return
	}
	// A good part of the text must be licence: more than half of it, or,
	// for a text naming one licence, a fifth (a project's short notice
	// quoting the licence's standard header, as certifi's MPL-2.0 one).
	if cov.Percent < 50 && (len(ids) > 1 || cov.Percent < 20) {
		return
	}
	rep.Licenses = append(rep.Licenses, inventory.LicenseText{
		Expression: joinLicenseIDs(ids), Coverage: percent(cov.Percent), Component: owner,
	})
}

// catalogPlist classifies a bundle's NSHumanReadableCopyright: a licence
// named there by URL or text is the bundle's.
func (c licenseText) catalogPlist(f *Subject, rep *FileReport) {
	info, err := readInfoPlist(f.Data)
	if err != nil || info.id == "" || info.copyright == "" {
		return
	}
	cov := scanLicenses([]byte(info.copyright))
	ids := matchedLicenseIDs(cov.Match)
	if len(ids) != 1 {
		return
	}
	name := info.name
	if name == "" {
		name = info.id
	}
	rep.Licenses = append(rep.Licenses, inventory.LicenseText{
		Expression: ids[0], Coverage: percent(cov.Percent), Component: name, Section: "NSHumanReadableCopyright",
	})
}

func percent(p float64) int { return int(math.Round(min(max(p, 0), 100))) }

// licenseNameRE matches the base names (lower-case, without a text
// extension) of licence files: LICENSE, LICENSES, LICENSE-MIT,
// LICENSE.APACHE, COPYING.LIB, NOTICE, UNLICENSE, six.LICENSE, zlib-license,
// license.terms, third-party-notices.
var licenseNameRE = regexp.MustCompile(`^(?:(?:un)?licen[cs]es?|copying|notices?)(?:[-_.][a-z0-9][a-z0-9._-]*)?$|^[a-z0-9][a-z0-9._+-]*[-_.](?:licen[cs]es?|copying|notices)$`)

// textExts are the extensions a licence file may have.
var textExts = map[string]bool{"": true, ".txt": true, ".md": true, ".rst": true, ".markdown": true, ".text": true}

// notTextExts are extensions that make a LICENSE-like name something else
// (license.py, notice.html, License.plist).
var notTextExts = map[string]bool{
	".py": true, ".pyc": true, ".pyi": true, ".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".json": true,
	".h": true, ".c": true, ".cc": true, ".cpp": true, ".go": true, ".rs": true, ".java": true, ".class": true,
	".html": true, ".htm": true, ".xml": true, ".css": true, ".plist": true, ".nib": true, ".rtf": true,
	".png": true, ".jpg": true, ".gif": true, ".svg": true, ".ico": true, ".dll": true, ".so": true, ".dylib": true,
	".exe": true, ".pyd": true, ".a": true, ".o": true, ".gz": true, ".zip": true, ".pdf": true,
}

func isLicenseFileName(p string) bool {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if strings.Contains(p, ".dist-info/licenses/") {
		return true // PEP 639: every file there is a licence file
	}
	lb := strings.ToLower(base)
	ext := path.Ext(lb)
	if notTextExts[ext] {
		return false
	}
	switch path.Base(strings.ToLower(dir)) {
	case "licenses", "licences", "license", "licence":
		// licenses/openssl.txt, licences/zlib
		if textExts[ext] {
			return true
		}
	}
	if textExts[ext] {
		lb = strings.TrimSuffix(lb, ext)
	}
	return licenseNameRE.MatchString(lb)
}

// normalizeLicenseText prepares a text for the classifier without moving
// any byte: a copyright line's long run of years ("2001, 2002, …, 2023",
// CPython's PSF agreement) is cut to its first year, the rest blanked, so
// that the licence's pattern, which allows a few words there, still
// matches.
func normalizeLicenseText(b []byte) []byte {
	out := bytes.Clone(b)
	for _, m := range yearRunRE.FindAllIndex(out, -1) {
		for i := m[0] + 4; i < m[1]; i++ {
			if out[i] != '\n' && out[i] != '\r' {
				out[i] = ' '
			}
		}
	}
	return out
}

var yearRunRE = regexp.MustCompile(`(?:19|20)\d\d(?:\s*[,-]\s*(?:19|20)\d\d){3,}`)

// licenseIDs maps the classifier's identifiers to the SPDX License List's
// where they differ (licensecheck keeps the deprecated GPL-2.0 for a GPL
// text that does not say "only" or "or later"; the text alone is that
// version).
var licenseIDAliases = map[string]string{
	"GPL-1.0": "GPL-1.0-only", "GPL-2.0": "GPL-2.0-only", "GPL-3.0": "GPL-3.0-only",
	"LGPL-2.0": "LGPL-2.0-only", "LGPL-2.1": "LGPL-2.1-only", "LGPL-3.0": "LGPL-3.0-only",
	"AGPL-1.0": "AGPL-1.0-only", "AGPL-3.0": "AGPL-3.0-only",
	"GFDL-1.1": "GFDL-1.1-only", "GFDL-1.2": "GFDL-1.2-only", "GFDL-1.3": "GFDL-1.3-only",
}

// spdxOf is the SPDX identifier of a classifier identifier, "" when the
// SPDX License List has none (licensecheck also knows non-SPDX licences).
func spdxOf(id string) string {
	if a, ok := licenseIDAliases[id]; ok {
		id = a
	}
	lic, _ := spdxIndex()
	if e, ok := lic[strings.ToLower(id)]; ok && !e.deprecated {
		return e.id
	}
	return ""
}

// matchedLicenseIDs returns the distinct SPDX identifiers of the matches,
// sorted.
func matchedLicenseIDs(ms []licensecheck.Match) []string {
	seen := map[string]bool{}
	var ids []string
	for _, m := range ms {
		if id := spdxOf(m.ID); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// joinLicenseIDs is the expression for a text holding several licences:
// all of them apply (the text alone does not say it is a choice).
func joinLicenseIDs(ids []string) string { return strings.Join(ids, " AND ") }

// scannerLicenses are the licences the classifier looks for: the common
// open-source licences, and (added when the scanner is built) every
// licence the built-in rules declare. Compiling all of licensecheck's 420
// patterns costs about a second; these take a tenth of that.
var scannerLicenses = strings.Fields(`
0BSD AFL-2.1 AFL-3.0 AGPL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.1 Apache-2.0 Artistic-1.0
Artistic-1.0-Perl Artistic-2.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent BSD-2-Clause-Views
BSD-3-Clause BSD-3-Clause-Clear BSD-3-Clause-Attribution BSD-3-Clause-LBNL BSD-4-Clause BSD-4-Clause-UC
BSD-Source-Code BSL-1.0 BlueOak-1.0.0 CC-BY-3.0 CC-BY-4.0 CC-BY-SA-3.0 CC-BY-SA-4.0 CC0-1.0 CDDL-1.0
CDDL-1.1 CNRI-Python ECL-2.0 EPL-1.0 EPL-2.0 EUPL-1.1 EUPL-1.2 FTL GPL-2.0 GPL-2.0-only GPL-2.0-or-later
GPL-3.0 GPL-3.0-only GPL-3.0-or-later HPND HPND-sell-variant ICU IJG ISC ImageMagick Info-ZIP JSON
LGPL-2.0 LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1 LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0 LGPL-3.0-only
LGPL-3.0-or-later Libpng MIT MIT-0 MIT-CMU MIT-advertising MPL-1.1 MPL-2.0 MPL-2.0-no-copyleft-exception
MS-PL MS-RL NCSA OFL-1.1 OLDAP-2.8 OpenSSL PHP-3.01 PSF-2.0 PostgreSQL Python-2.0 Ruby Sleepycat TCL
TU-Berlin-2.0 UPL-1.0 Unicode-DFS-2015 Unicode-DFS-2016 Unicode-TOU Unlicense Vim W3C WTFPL X11 ZPL-2.1
Zlib blessing bzip2-1.0.6 curl libpng-2.0 libtiff zlib-acknowledgement
`)

// licenseClassifier scans licence texts for scannerLicenses, compiling for
// each text only the licences that take part in scanning it (those whose
// leading phrases it holds; see licensescan).
var licenseClassifier = sync.OnceValue(func() *licensescan.Classifier {
	return licensescan.New(licenseList())
})

// scanLicenses classifies a licence text. The patterns are licensecheck's
// own and all compile (TestLicensePatternsCompile), so there is no error to
// report; should one appear, the text stays unclassified.
func scanLicenses(text []byte) licensecheck.Coverage {
	cov, _ := licenseClassifier().Scan(text)
	return cov
}

// licenseList returns the licences of scannerLicenses as licensecheck has
// them, by pattern and by URL.
func licenseList() []licensecheck.License {
	want := map[string]bool{}
	for _, id := range scannerLicenses {
		want[id] = true
	}
	for _, r := range BuiltinRules() {
		for _, l := range r.Licenses {
			for _, id := range LicenseIDs(l.Expression) {
				want[id] = true
			}
		}
	}
	var list []licensecheck.License
	for _, l := range licensecheck.BuiltinLicenses() {
		if want[l.ID] && (l.LRE != "" || l.URL != "") {
			list = append(list, l)
		}
	}
	return list
}

// componentFromPath names the component a licence file belongs to by where
// it sits: a dist-info's distribution (or, under its licenses/, a package
// it vendors), pip/_vendor/<name>, node_modules/<name>, a file or directory
// named after a library rule (LICENSE.openssl, licenses/zlib.txt,
// tcl8.6/license.terms). "" when the path does not say.
func (c licenseText) componentFromPath(p string) string {
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	if i := strings.LastIndex(p, ".dist-info/"); i >= 0 {
		rest := p[i+len(".dist-info/"):]
		if v := vendoredName(rest); v != "" {
			return v
		}
		di := p[:i]
		if j := strings.LastIndexByte(di, '/'); j >= 0 {
			di = di[j+1:]
		}
		name, _, _ := strings.Cut(di, "-")
		return pypiName(name)
	}
	if v := vendoredName(p); v != "" {
		return v
	}
	if i := strings.LastIndex(dir, "node_modules/"); i >= 0 {
		pkg := dir[i+len("node_modules/"):]
		if strings.HasPrefix(pkg, "@") && strings.Count(pkg, "/") == 1 || !strings.HasPrefix(pkg, "@") && !strings.Contains(pkg, "/") {
			return pkg
		}
		return ""
	}
	// LICENSE.openssl, zlib-LICENSE.txt, COPYING.zlib, licenses/openssl.txt
	stem := strings.ToLower(base)
	if ext := path.Ext(stem); textExts[ext] {
		stem = strings.TrimSuffix(stem, ext)
	}
	for _, part := range licenseNameParts.Split(stem, -1) {
		if n := c.ruleNamed(part); n != "" {
			return n
		}
	}
	if n := c.ruleNamed(strings.ToLower(path.Base(dir))); n != "" {
		return n
	}
	return ""
}

// licenseNameParts splits a licence file's name into the words that may
// name a library (LICENSE.openssl → "license", "openssl").
var licenseNameParts = regexp.MustCompile(`[._]|-(?:licen[cs]e|copying)|(?:licen[cs]e|copying)-`)

// ruleNamed returns the library rule a name (or "<name><version>",
// "<name>-<version>" as directories are named: tcl8.6, openssl-3.0.15) is
// the name of.
func (c licenseText) ruleNamed(s string) string {
	if s == "" || c.e == nil {
		return ""
	}
	if m := nameWithVersion.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	// Names only: aliases are often plain words (yaml, png, java) that
	// directories are also called.
	for _, r := range c.e.ruleSet().raw {
		if strings.EqualFold(r.Name, s) {
			return r.Name
		}
	}
	return ""
}

var nameWithVersion = regexp.MustCompile(`^([a-z][a-z0-9+]*?(?:-[a-z][a-z0-9+]*)*)-?v?\d+(?:\.\d+)*$`)

// vendoredName returns <name> of a path holding "_vendor/<name>/<file>" or
// "_vendor/<name>.LICENSE" (pip's vendored packages, in the tree or under
// its dist-info's licenses/).
func vendoredName(p string) string {
	i := strings.LastIndex(p, "_vendor/")
	if i < 0 {
		return ""
	}
	rest := p[i+len("_vendor/"):]
	if name, file, ok := strings.Cut(rest, "/"); ok {
		if strings.Contains(file, "/") {
			return ""
		}
		return pypiName(name)
	}
	for _, suf := range []string{".LICENSE", ".LICENSE.txt", ".COPYING"} {
		if name, ok := strings.CutSuffix(rest, suf); ok {
			return pypiName(name)
		}
	}
	return ""
}

func pypiName(s string) string { return strings.ToLower(pypiNameSep.ReplaceAllString(s, "-")) }

// CPython's LICENSE: the history of the software, then the Python licence
// stack (the PSF License Agreement, BeOpen, CNRI, CWI), then, since 3.8.6,
// the Zero-Clause BSD licence for code in the documentation. CPython's
// Windows builds append the licences of the libraries they bundle (the
// Microsoft distributable-code conditions, bzip2, OpenSSL, libffi, Tcl/Tk,
// …), one after another without headings of their own.
const (
	pythonHistory = "HISTORY OF THE SOFTWARE"
	pythonPSF     = "PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2"
	pythonBeOpen  = "BEOPEN.COM LICENSE AGREEMENT"
)

// pythonStack are the licences of CPython's own LICENSE (HPND: the CWI
// agreement; 0BSD: code in the documentation).
var pythonStack = map[string]bool{"PSF-2.0": true, "Python-2.0": true, "CNRI-Python": true, "HPND": true, "0BSD": true}

// sectionCues name the libraries whose licences CPython's Windows
// LICENSE.txt appends, by words their texts use for themselves. A section
// is attributed only when exactly one library names itself in it.
var sectionCues = []struct {
	name string
	re   *regexp.Regexp
}{
	{"bzip2", regexp.MustCompile(`\blibbzip2\b|"bzip2"`)},
	{"libffi", regexp.MustCompile(`\blibffi\b`)},
	{"openssl", regexp.MustCompile(`\bOpenSSL\b`)},
	{"mpdecimal", regexp.MustCompile(`\blibmpdec\b|\bmpdecimal\b`)},
	{"expat", regexp.MustCompile(`\b[Ee]xpat\b`)},
	{"sqlite", regexp.MustCompile(`\bSQLite\b`)},
	{"zlib", regexp.MustCompile(`\bzlib\b`)},
	{"xz", regexp.MustCompile(`\bliblzma\b|\bXZ Utils\b`)},
	{"tcl", regexp.MustCompile(`\bTcl\b`)},
	{"tk", regexp.MustCompile(`\bTk\b`)},
}

// pythonLicense recognises CPython's LICENSE (also the copy a package such
// as distlib ships as its own): the PSF License Agreement is the licence of
// the software; the other agreements of the stack are its history. Each
// licence appended after the stack (Windows builds) is a section of its
// own, attributed to the library it names. nil when the text is not
// CPython's LICENSE.
func pythonLicense(text []byte, cov licensecheck.Coverage, owner string) []inventory.LicenseText {
	s := string(text)
	if !strings.Contains(s, pythonHistory) || !strings.Contains(s, pythonPSF) {
		return nil
	}
	psf := -1
	for i, m := range cov.Match {
		if m.ID == "PSF-2.0" || m.ID == "Python-2.0" {
			psf = i
			break
		}
	}
	if psf < 0 {
		return nil
	}
	m := cov.Match[psf]
	// The PSF agreement's section runs from its heading to the next
	// agreement's.
	start, end := strings.Index(s, pythonPSF), len(s)
	if start > m.Start {
		start = m.Start
	}
	if j := strings.Index(s[start:], pythonBeOpen); j >= 0 {
		end = start + j
	}
	end = max(end, m.End)
	if owner == "" {
		owner = "cpython"
	}
	out := []inventory.LicenseText{{
		Expression: "PSF-2.0", Coverage: percent(100 * float64(m.End-m.Start) / float64(end-start)),
		Component: owner, Section: fmt.Sprintf("PSF License Agreement, bytes %d-%d", start, end),
	}}
	// The stack ends with its last own licence; what follows are the
	// bundled libraries'.
	last := psf
	for last+1 < len(cov.Match) && pythonStack[cov.Match[last+1].ID] {
		last++
	}
	prev := cov.Match[last].End
	for _, m := range cov.Match[last+1:] {
		id := spdxOf(m.ID)
		if id == "" || m.IsURL {
			prev = m.End
			continue
		}
		sec := s[prev:m.End]
		name := ""
		for _, c := range sectionCues {
			if c.re.MatchString(sec) {
				if name != "" {
					name = ""
					break
				}
				name = c.name
			}
		}
		out = append(out, inventory.LicenseText{
			Expression: id, Coverage: percent(100 * float64(m.End-m.Start) / float64(m.End-prev)),
			Component: name, Section: fmt.Sprintf("bytes %d-%d", prev, m.End),
		})
		prev = m.End
	}
	return out
}
