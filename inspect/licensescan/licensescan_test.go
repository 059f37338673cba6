package licensescan

import (
	"maps"
	"math"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
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

// unbounded lifts c's compilation budget, so that every text is scanned by
// a scanner for its own candidates, the path the equality tests are about.
func unbounded(c *Classifier) *Classifier {
	c.budgetBytes, c.budgetSets = math.MaxInt, math.MaxInt
	return c
}

var builtinFull = sync.OnceValue(func() *licensecheck.Scanner {
	s, err := licensecheck.NewScanner(licensecheck.BuiltinLicenses())
	if err != nil {
		panic(err)
	}
	return s
})

// TestSameCoverageAsFullScanner: for licence texts licensecheck tests
// itself with (every eighth, or all 672 with LICENSESCAN_ALL=1: each distinct
// set of candidates compiles a scanner, about 0.1 s), and for pairs of them
// run together (a NOTICE file quoting several licences), the Classifier's
// Coverage equals that of the scanner compiled for the whole list — while
// compiling a part of it.
func TestSameCoverageAsFullScanner(t *testing.T) {
	texts := licensecheckTexts(t)
	names := slices.Sorted(maps.Keys(texts))
	if os.Getenv("LICENSESCAN_ALL") == "" {
		var sample []string
		for i := 0; i < len(names); i += 8 {
			sample = append(sample, names[i])
		}
		names = sample
	}
	c := unbounded(New(licensecheck.BuiltinLicenses()))
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
		cands, ok := c.Candidates(texts[n])
		if !ok {
			t.Errorf("%s: sent to the full scanner", n)
		}
		candidates += len(cands)
	}
	for i := 0; i+1 < len(names); i += 5 {
		a, b := names[i], names[(i*31+5)%len(names)]
		check(a+"+"+b, append(append(append([]byte{}, texts[a]...), "\n\n"...), texts[b]...))
	}
	// A text past maxPrefilteredBytes goes to the full scanner.
	var long []byte
	for _, n := range names {
		if len(long) > maxPrefilteredBytes {
			break
		}
		long = append(append(long, texts[n]...), "\n\n"...)
	}
	check("all texts run together", long)
	// The point of it: a text is a candidate for a part of the licences
	// (about a fifth: many begin with "Redistribution and", "Permission
	// is", "The Software").
	avg := float64(candidates) / float64(len(names))
	t.Logf("%d texts, %d patterns, %.1f candidates a text", len(names), c.Patterns(), avg)
	if avg > float64(c.Patterns())/4 {
		t.Errorf("%.1f candidate licences a text out of %d: the prefilter keeps too many", avg, c.Patterns())
	}
}

// TestCandidatesKeepTheMatch: a licence text is always a candidate for its
// own licence, also misspelled, hyphenated across a line, with words run
// together (the variations licensecheck forgives) or marked up, and the
// Coverage is the full scanner's.
func TestCandidatesKeepTheMatch(t *testing.T) {
	var mit licensecheck.License
	list := licensecheck.BuiltinLicenses()
	for _, l := range list {
		if l.ID == "MIT" && l.LRE != "" {
			mit = l
		}
	}
	c := unbounded(New(list))
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
		{"misspelled at the start", "Permission is hereby granted, free of charge, to any person obtaining",
			"Permission is ereby ranted fee ofcharge toany personobtaining"},
		{"HTML tag between the first words", "Permission is", "Permission <b>is</b>"},
		{"Markdown link in the first words", "Permission is", "[Permission](https://example.com/x) is"},
		{"entity in the first words", "Permission is", "Permission&nbsp;is"},
	} {
		variant := text
		if tc.from != "" {
			if !strings.Contains(text, tc.from) {
				t.Fatalf("%s: MIT.t1 has no %q", tc.name, tc.from)
			}
			variant = strings.Replace(text, tc.from, tc.to, 1)
		}
		cands, _ := c.Candidates([]byte(variant))
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
	}
	// And prose is a candidate for no licence.
	if cands, ok := c.Candidates([]byte("Not a licence at all, only prose about trains.")); !ok || len(cands) != 0 {
		t.Errorf("prose: %d candidates (%v), want 0", len(cands), ok)
	}
}

func TestLeadingPhrases(t *testing.T) {
	for _, tc := range []struct {
		lre  string
		want [][2]string
		all  bool
	}{
		{"Permission is hereby granted", [][2]string{{"permission", "is"}}, false},
		{"//** a comment naming Example **//\n((Copyright __5__))??\nPermission granted", [][2]string{{"copyright", anyWord}, {"permission", "granted"}}, false},
		{"((This || These)) ((Software || Materials)) is", [][2]string{{"the", "software"}, {"the", "materials"}}, false},
		{"Licensed under ((the))?? Apache", [][2]string{{"licensed", "under"}}, false},
		{"((A))?? ((B))?? __3__ word", nil, true},
		// "(c) Copyright ©" is one word to licensecheck.
		{"notice(s) (c) Copyright © 2001", [][2]string{{"notices", "copyright"}}, false},
		// Tags may be skipped, or not.
		{"<YEAR> <OWNER> words here", [][2]string{{"year", "owner"}, {"year", "words"}, {"owner", "words"}, {"words", "here"}}, false},
	} {
		got, all := leadingPhrases(tc.lre)
		slices.SortFunc(got, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
		slices.SortFunc(tc.want, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
		if all != tc.all || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("leadingPhrases(%q) = %q, %v; want %q, %v", tc.lre, got, all, tc.want, tc.all)
		}
	}
}

// FuzzClassifier: any text, the Classifier's Coverage equals the full
// scanner's. The licences are those with patterns under 4 KB (the
// permissive families, which share their opening words and so steer each
// other's spelling corrections; 216 of licensecheck's 423 patterns): a
// scanner for a new set of candidates compiles in milliseconds instead of
// a tenth of a second, so the fuzzer runs a hundred times faster.
func FuzzClassifier(f *testing.F) {
	texts := licensecheckTexts(f)
	for _, n := range []string{"MIT.t1", "Apache-2.0.t1", "BSD-3-Clause.t1", "GPL-2.0.t1", "PSF-2.0.t1", "Zlib.t1", "ISC.t1", "BSD-2-Clause.t1"} {
		if b, ok := texts[n]; ok {
			f.Add(b)
		}
	}
	var short []licensecheck.License
	for _, l := range licensecheck.BuiltinLicenses() {
		if len(l.LRE) < 4<<10 {
			short = append(short, l)
		}
	}
	c := unbounded(New(short))
	full, err := licensecheck.NewScanner(short)
	if err != nil {
		f.Fatal(err)
	}
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

// TestCompilationBounded: texts that each need a different set of
// candidates compile at most as many pattern bytes as the whole list holds
// before the whole list's scanner takes over, and the answers stay the
// full scanner's.
func TestCompilationBounded(t *testing.T) {
	texts := licensecheckTexts(t)
	c := New(licensecheck.BuiltinLicenses())
	full := builtinFull()
	names := slices.Sorted(maps.Keys(texts))
	for i := 0; i < len(names) && i < 200; i++ {
		text := texts[names[i]]
		got, err := c.Scan(text)
		if err != nil {
			t.Fatal(err)
		}
		if want := full.Scan(text); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: classifier %+v, full scanner %+v", names[i], got, want)
		}
		if c.compiledBytes > c.fullBytes || len(c.cache) > maxCachedScanners {
			t.Fatalf("after %d texts: %d pattern bytes compiled for %d sets, the whole list holds %d", i+1, c.compiledBytes, len(c.cache), c.fullBytes)
		}
	}
	if len(c.cache) < 2 {
		t.Errorf("%d candidate sets compiled: the test did not exercise the cache", len(c.cache))
	}
	t.Logf("%d sets, %d of %d pattern bytes", len(c.cache), c.compiledBytes, c.fullBytes)
}
