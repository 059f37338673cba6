// Package licensescan classifies licence texts with
// github.com/google/licensecheck, compiling for each text only the licences
// that could take part in scanning it.
//
// licensecheck compiles every pattern it is given into one DFA before it
// scans anything: for the ~150 licences installer-sbom looks for that is
// about 0.15 CPU-seconds a process, more than decoding and hashing a 20 MB
// installer, although an installer rarely holds more than a few licence
// texts. Its scanner starts a match only where two words of the text are
// exactly (as it folds and rewrites words) a phrase some pattern can begin
// with, and reads on from there word by word, following an exact word in
// preference to a misspelled one; so after those two words the only
// patterns still in play are the ones that begin with that phrase. A
// pattern none of whose leading phrases occurs in a text therefore changes
// nothing in its scan — it can neither match nor steer the spelling
// corrections of a pattern that does. For each text the Classifier keeps
// the patterns whose leading phrases occur in it (reading both the text
// and the patterns so as to find every phrase licensecheck finds, and
// perhaps more), and scans with a scanner compiled for just those (cached
// by the set): the Coverage is the one the scanner of the whole list gives.
package licensescan

import (
	"slices"
	"sync"

	"github.com/google/licensecheck"
)

// maxPrefilteredBytes is the longest text whose candidates are sought;
// longer ones go to the scanner of the whole list, whose scan costs less
// per byte once it is compiled. The longest real licence texts (CPython's
// LICENSE.txt, 40 KiB; Node.js's, under 100 KiB) stay well below it.
const maxPrefilteredBytes = 256 << 10

// maxSkippableRun bounds the words in a row that may lie in a stretch
// licensecheck skips (an HTML tag): each may or may not be read, so the
// phrases across such a run grow with its square. A text with a longer
// run goes to the scanner of the whole list.
const maxSkippableRun = 64

// maxCachedScanners bounds the scanners kept for different licence sets
// (an installer of many npm packages has many licence texts, most of them
// the same few licences).
const maxCachedScanners = 64

// Classifier scans licence texts for a fixed list of licences.
type Classifier struct {
	patterns []pattern              // the licences with a pattern, in list order
	urls     []licensecheck.License // the licences known by URL, always scanned
	anchor   int                    // the pattern always compiled (the shortest; see scannerFor)

	// fullBytes is the size of every pattern together; a text whose
	// candidates come near it is scanned by the scanner of the whole list.
	fullBytes int
	full      func() (*licensecheck.Scanner, error)

	mu    sync.Mutex
	cache map[string]*cachedScanner
	// compiledBytes is the size of the patterns compiled for candidate
	// sets so far. Once another set would take it past budgetBytes
	// (fullBytes: as much as compiling the whole list), or the cache holds
	// budgetSets sets, new sets are scanned by the whole list's scanner:
	// texts crafted to need a different set each must not make every one
	// cost a compilation. (Tests lift the budget to check every set.)
	compiledBytes, budgetBytes, budgetSets int
}

// pattern is one licence's pattern and the phrases a match of it can begin
// with (the second word anyWord after a wildcard); always when they are not
// known.
type pattern struct {
	license licensecheck.License
	leading [][2]string
	always  bool
}

type cachedScanner struct {
	once sync.Once
	s    *licensecheck.Scanner
	err  error
}

// New returns a Classifier for the licences of list (licences with a
// pattern, licences with a URL, as licensecheck.BuiltinLicenses gives
// them). Nothing is compiled yet; an invalid pattern is reported by Scan.
func New(list []licensecheck.License) *Classifier {
	c := &Classifier{cache: map[string]*cachedScanner{}, anchor: -1}
	for _, l := range list {
		if l.LRE == "" {
			if l.URL != "" {
				c.urls = append(c.urls, l)
			}
			continue
		}
		leading, all := leadingPhrases(l.LRE)
		c.patterns = append(c.patterns, pattern{license: l, leading: leading, always: all})
		c.fullBytes += len(l.LRE)
		if c.anchor < 0 || len(l.LRE) < len(c.patterns[c.anchor].license.LRE) {
			c.anchor = len(c.patterns) - 1
		}
	}
	c.full = sync.OnceValues(func() (*licensecheck.Scanner, error) { return licensecheck.NewScanner(list) })
	c.budgetBytes, c.budgetSets = c.fullBytes, maxCachedScanners
	return c
}

// Scan returns what licensecheck's scanner for the whole list returns for
// text.
func (c *Classifier) Scan(text []byte) (licensecheck.Coverage, error) {
	candidates, ok := c.Candidates(text)
	var s *licensecheck.Scanner
	var err error
	if ok {
		s, err = c.scannerFor(candidates)
	} else {
		s, err = c.full()
	}
	if err != nil {
		return licensecheck.Coverage{}, err
	}
	return s.Scan(text), nil
}

// Candidates returns the indexes (in the list of licences with a pattern,
// in order) of the licences that take part in scanning text, or ok=false
// when text is to be scanned by the scanner of the whole list (a text past
// maxPrefilteredBytes, or one with a longer run of skippable words than
// maxSkippableRun).
func (c *Classifier) Candidates(text []byte) (candidates []int, ok bool) {
	if len(text) > maxPrefilteredBytes {
		return nil, false
	}
	phrases, words, ok := textPhrases(string(text))
	if !ok {
		return nil, false
	}
	for i, p := range c.patterns {
		in := p.always
		for _, ph := range p.leading {
			if in {
				break
			}
			if ph[1] == anyWord {
				in = words[ph[0]]
			} else {
				_, in = phrases[ph]
			}
		}
		if in {
			candidates = append(candidates, i)
		}
	}
	return candidates, true
}

// Patterns returns how many licences of the list have a pattern.
func (c *Classifier) Patterns() int { return len(c.patterns) }

// textPhrases returns every pair of words licensecheck may read one after
// the other in text, and every word: a word that may lie in a skipped
// stretch, or a "copyright" right after another (which licensecheck reads
// as one), is paired both with the word after it and, skipped, with the
// words after that.
func textPhrases(text string) (phrases map[[2]string]struct{}, words map[string]bool, ok bool) {
	toks := tokenize(text)
	skip := skippable(text, toks)
	for k := 1; k < len(toks); k++ {
		if toks[k].word == "copyright" && toks[k-1].word == "copyright" {
			skip[k] = true
		}
	}
	phrases = make(map[[2]string]struct{}, len(toks))
	words = make(map[string]bool)
	for i, t := range toks {
		words[t.word] = true
		for j := i + 1; j < len(toks); j++ {
			phrases[[2]string{t.word, toks[j].word}] = struct{}{}
			if !skip[j] {
				break
			}
			if j-i > maxSkippableRun {
				return nil, nil, false
			}
		}
	}
	return phrases, words, true
}

// scannerFor returns a scanner over the candidate patterns and every URL
// licence. The shortest pattern is always among them: licensecheck cannot
// scan with no pattern at all, and a pattern that takes no part changes
// nothing.
func (c *Classifier) scannerFor(candidates []int) (*licensecheck.Scanner, error) {
	if c.anchor >= 0 && !slices.Contains(candidates, c.anchor) {
		candidates = append(candidates, c.anchor)
		slices.Sort(candidates)
	}
	size := 0
	for _, i := range candidates {
		size += len(c.patterns[i].license.LRE)
	}
	if size*2 > c.fullBytes {
		return c.full()
	}
	key := make([]byte, 0, 2*len(candidates))
	for _, i := range candidates {
		key = append(key, byte(i>>8), byte(i))
	}
	c.mu.Lock()
	e, ok := c.cache[string(key)]
	if !ok {
		if len(c.cache) >= c.budgetSets || c.compiledBytes+size > c.budgetBytes {
			c.mu.Unlock()
			return c.full()
		}
		e = &cachedScanner{}
		c.cache[string(key)] = e
		c.compiledBytes += size
	}
	c.mu.Unlock()
	e.once.Do(func() {
		list := make([]licensecheck.License, 0, len(candidates)+len(c.urls))
		for _, i := range candidates {
			list = append(list, c.patterns[i].license)
		}
		e.s, e.err = licensecheck.NewScanner(append(list, c.urls...))
	})
	return e.s, e.err
}
