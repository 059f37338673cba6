package licensescan

import (
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/licensecheck"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// licensecheckTexts returns the licence texts of licensecheck's own test
// data (673 files: every licence it knows, many in variants, with
// copyright lines, URLs, misspellings and several licences in one text),
// without their expectation headers.
func licensecheckTexts(t testing.TB) map[string][]byte {
	files := testenv.RegistryPackage(t, "go", "github.com/google/licensecheck", licensecheckVersion(t))
	texts := map[string][]byte{}
	for name, b := range files {
		if path.Dir(name) != "testdata" || !strings.Contains(path.Base(name), ".t") {
			continue
		}
		// A header (coverage, expected matches) ends at the first blank line.
		if i := strings.Index(string(b), "\n\n"); i >= 0 {
			b = b[i+2:]
		}
		texts[path.Base(name)] = b
	}
	if len(texts) < 600 {
		t.Fatalf("licensecheck test data: %d texts, want ≥ 600", len(texts))
	}
	return texts
}

func licensecheckVersion(t testing.TB) string {
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/google/licensecheck" {
			return f[1]
		}
	}
	t.Fatal("go.mod does not require github.com/google/licensecheck")
	return ""
}

var builtinFull = sync.OnceValue(func() *licensecheck.Scanner {
	s, err := licensecheck.NewScanner(licensecheck.BuiltinLicenses())
	if err != nil {
		panic(err)
	}
	return s
})

// TestSameCoverageAsFullScanner: for every licence text licensecheck
// tests itself with, and for pairs of them run together (a NOTICE file
// quoting several licences), the Classifier's Coverage equals that of the
// scanner compiled for the whole list — while compiling a small part of it.
func TestSameCoverageAsFullScanner(t *testing.T) {
	texts := licensecheckTexts(t)
	names := slices.Sorted(maps.Keys(texts))
	c := New(licensecheck.BuiltinLicenses())
	full := builtinFull()
	check := func(name string, text []byte) {
		t.Helper()
		got, err := c.Scan(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := full.Scan(text); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: classifier %+v\nfull scanner %+v", name, got, want)
		}
	}
	candidates := 0
	for _, n := range names {
		check(n, texts[n])
		candidates += len(c.Candidates(texts[n]))
	}
	for i := 0; i+1 < len(names); i += 7 {
		a, b := names[i], names[(i*31+5)%len(names)]
		check(a+"+"+b, append(append(append([]byte{}, texts[a]...), "\n\n"...), texts[b]...))
	}
	// The point of it: a text is a candidate for a few licences, not all.
	avg := float64(candidates) / float64(len(names))
	t.Logf("%d texts, %d patterns, %.1f candidates a text", len(names), c.Patterns(), avg)
	if avg > float64(c.Patterns())/20 {
		t.Errorf("%.1f candidate licences a text out of %d: the prefilter keeps too many", avg, c.Patterns())
	}
}

// TestCandidatesKeepTheMatch: a licence text is always a candidate for its
// own licence, also misspelled, hyphenated across a line, or with words
// run together, the variations licensecheck forgives.
func TestCandidatesKeepTheMatch(t *testing.T) {
	var mit licensecheck.License
	list := licensecheck.BuiltinLicenses()
	for _, l := range list {
		if l.ID == "MIT" && l.LRE != "" {
			mit = l
		}
	}
	c := New(list)
	index := -1
	for i, p := range c.patterns {
		if p.license.LRE == mit.LRE {
			index = i
		}
	}
	text := string(licensecheckTexts(t)["MIT.t1"])
	for _, tc := range []struct{ name, from, to string }{
		{"as is", "", ""},
		{"misspelled", "NONINFRINGEMENT", "NONINFRINGMENT"},
		{"hyphenated", "NONINFRINGEMENT", "NON-\nINFRINGEMENT"},
		{"run together", "and/or sell", "andor sell"},
		{"run together after a word", "person obtaining", "personobtaining"},
		{"upper case", "Permission", "PERMISSION"},
	} {
		variant := text
		if tc.from != "" {
			if !strings.Contains(text, tc.from) {
				t.Fatalf("%s: MIT.t1 has no %q", tc.name, tc.from)
			}
			variant = strings.Replace(text, tc.from, tc.to, 1)
		}
		cands := c.Candidates([]byte(variant))
		found := false
		for _, i := range cands {
			found = found || i == index
		}
		if !found {
			t.Errorf("%s: MIT not a candidate (%d candidates)", tc.name, len(cands))
		}
		got, _ := c.Scan([]byte(variant))
		if want := builtinFull().Scan([]byte(variant)); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: classifier %+v, full scanner %+v", tc.name, got, want)
		}
		if got.Percent < 90 {
			t.Errorf("%s: MIT covers %.0f%% of its own text", tc.name, got.Percent)
		}
	}
	// And a text without the licence's words is not a candidate.
	if cands := c.Candidates([]byte("This is not a licence at all, only prose about trains.")); len(cands) != 0 {
		t.Errorf("prose: %d candidates, want 0", len(cands))
	}
}

func TestRequiredWords(t *testing.T) {
	lre := `//** a comment naming Example **//
Permission granted
((free of charge))??
to whomever __5__ obtains
((Software || Materials))
notice(s) THESE copies https://example.com/licenses`
	got := requiredWords(lre)
	sort.Strings(got)
	want := []string{"example", "granted", "licenses", "notice", "notices", "obtains", "permission", "whomever"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("requiredWords = %q, want %q", got, want)
	}
}

func TestOneEditApart(t *testing.T) {
	for _, tc := range []struct {
		want, have string
		ok         bool
	}{
		{"license", "license", true},
		{"license", "licence", true},
		{"license", "licenses", true},
		{"license", "licese", true},
		{"license", "licnece", false},
		{"abc", "abd", false}, // both shorter than four
		{"abcd", "abc", true},
		{"network", "notwork", true},
	} {
		if got := oneEditApart(tc.want, tc.have); got != tc.ok {
			t.Errorf("oneEditApart(%q, %q) = %v, want %v", tc.want, tc.have, got, tc.ok)
		}
	}
}

// FuzzClassifier: any text, the Classifier's Coverage equals the full
// scanner's.
func FuzzClassifier(f *testing.F) {
	texts := licensecheckTexts(f)
	for _, n := range []string{"MIT.t1", "Apache-2.0.t1", "BSD-3-Clause.t1", "GPL-2.0.t1", "PSF-2.0.t1", "Zlib.t1"} {
		if b, ok := texts[n]; ok {
			f.Add(b)
		}
	}
	c := New(licensecheck.BuiltinLicenses())
	full := builtinFull()
	f.Fuzz(func(t *testing.T, text []byte) {
		got, err := c.Scan(text)
		if err != nil {
			t.Fatal(err)
		}
		if want := full.Scan(text); !reflect.DeepEqual(got, want) {
			t.Fatalf("classifier %+v\nfull scanner %+v", got, want)
		}
	})
}
