// Package licensescan classifies licence texts with
// github.com/google/licensecheck, compiling only the licences a text could
// match.
//
// licensecheck compiles every pattern it is given into one DFA before it
// scans anything: for the ~150 licences installer-sbom looks for that is
// about 0.15 CPU-seconds a process, more than decoding and hashing a 20 MB
// installer, although one installer rarely holds more than a few licence
// texts. A pattern can match only a text that holds each of the words the
// pattern requires — the words outside its optional and alternative
// groups — in one of the spellings licensecheck forgives. So for each text
// the Classifier keeps the licences whose required words all occur in it,
// and scans it with a scanner compiled for just those (cached by the set).
// The Coverage is the one the scanner over the whole list gives: a licence
// left out could not have matched anywhere in the text.
package licensescan

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/google/licensecheck"
)

// maxRequiredWords bounds the required words kept per licence: the rarest
// ones, which decide; a licence that holds these holds the rest often
// enough that checking them all would not narrow the set.
const maxRequiredWords = 16

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
}

// pattern is one licence's pattern and the words any match of it holds.
type pattern struct {
	license  licensecheck.License
	required []string // rarest first
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
	licensesOf := map[string]int{} // word → how many patterns require it
	var words [][]string
	for _, l := range list {
		if l.LRE == "" {
			if l.URL != "" {
				c.urls = append(c.urls, l)
			}
			continue
		}
		ws := requiredWords(l.LRE)
		for _, w := range ws {
			licensesOf[w]++
		}
		words = append(words, ws)
		c.patterns = append(c.patterns, pattern{license: l})
		c.fullBytes += len(l.LRE)
		if c.anchor < 0 || len(l.LRE) < len(c.patterns[c.anchor].license.LRE) {
			c.anchor = len(c.patterns) - 1
		}
	}
	type counted struct {
		word     string
		patterns int
	}
	for i, ws := range words {
		// Rarest first, then longest (longer words are misspelled less
		// often into something present), then by text for a stable order.
		byRarity := make([]counted, len(ws))
		for j, w := range ws {
			byRarity[j] = counted{w, licensesOf[w]}
		}
		slices.SortFunc(byRarity, func(a, b counted) int {
			if a.patterns != b.patterns {
				return a.patterns - b.patterns
			}
			if len(a.word) != len(b.word) {
				return len(b.word) - len(a.word)
			}
			return strings.Compare(a.word, b.word)
		})
		required := make([]string, min(len(ws), maxRequiredWords))
		for j := range required {
			required[j] = byRarity[j].word
		}
		c.patterns[i].required = required
	}
	c.full = sync.OnceValues(func() (*licensecheck.Scanner, error) { return licensecheck.NewScanner(list) })
	return c
}

// Scan returns what licensecheck's scanner for the whole list returns for
// text.
func (c *Classifier) Scan(text []byte) (licensecheck.Coverage, error) {
	s, err := c.scannerFor(c.Candidates(text))
	if err != nil {
		return licensecheck.Coverage{}, err
	}
	return s.Scan(text), nil
}

// Candidates returns the indexes (in the list of licences with a pattern,
// in order) of the licences that could match somewhere in text.
func (c *Classifier) Candidates(text []byte) []int {
	present := newWordSet(text)
	var out []int
	for i, p := range c.patterns {
		ok := true
		for _, w := range p.required {
			if !present.has(w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// Patterns returns how many licences of the list have a pattern.
func (c *Classifier) Patterns() int { return len(c.patterns) }

// scannerFor returns a scanner over the candidate patterns and every URL
// licence. The shortest pattern is always among them: licensecheck cannot
// scan with no pattern at all, and one that cannot match changes nothing.
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
		e = &cachedScanner{}
		if len(c.cache) < maxCachedScanners {
			c.cache[string(key)] = e
		}
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

// requiredWords returns the distinct words that every match of the LRE
// pattern holds: the words of its text outside optional (( ))?? groups,
// //** comments **// and __N__ wildcards, where a group of alternatives
// (( a || b )) requires the words all its alternatives require. Only words
// of at least five letters that licensecheck does not rewrite are kept (it
// reads "these" as "the", "copies" as "copy", "https" as "http", and "(c)"
// and © as "copyright").
func requiredWords(lre string) []string {
	p := lreParser{s: lre}
	words := p.alternatives()
	out := make([]string, 0, len(words))
	for w := range words {
		out = append(out, w) // in map order: New sorts them
	}
	return out
}

// lreParser reads an LRE pattern for its required words. An unbalanced or
// unterminated construct ends what it requires there: requiring fewer words
// keeps more licences, never fewer.
type lreParser struct {
	s string
	i int
}

// alternatives reads "seq || seq || …" up to a closing "))" or the end, and
// returns the words every alternative requires.
func (p *lreParser) alternatives() map[string]bool {
	req := p.sequence()
	for strings.HasPrefix(p.s[p.i:], "||") {
		p.i += 2
		other := p.sequence()
		for w := range req {
			if !other[w] {
				delete(req, w)
			}
		}
	}
	return req
}

// sequence reads words, wildcards, comments and groups up to "||", "))" or
// the end, and returns the words it requires.
func (p *lreParser) sequence() map[string]bool {
	req := map[string]bool{}
	var text strings.Builder
	flush := func() {
		splitWords(text.String(), func(w []byte) {
			if len(w) >= 5 && !req[string(w)] && !rewritten[string(w)] && isLetters(w) {
				req[string(w)] = true
			}
		})
		text.Reset()
	}
	for p.i < len(p.s) {
		rest := p.s[p.i:]
		switch {
		case strings.HasPrefix(rest, "||"), strings.HasPrefix(rest, "))"):
			flush()
			return req
		case strings.HasPrefix(rest, "//**"):
			flush()
			end := strings.Index(rest[4:], "**//")
			if end < 0 {
				p.i = len(p.s)
				return req
			}
			p.i += 4 + end + 4
		case strings.HasPrefix(rest, "(("):
			flush()
			p.i += 2
			group := p.alternatives()
			closed := strings.HasPrefix(p.s[p.i:], "))")
			if closed {
				p.i += 2
			}
			optional := strings.HasPrefix(p.s[p.i:], "??")
			if optional {
				p.i += 2
			}
			if closed && !optional {
				for w := range group {
					req[w] = true
				}
			}
		case wildcardLen(rest) > 0:
			flush()
			p.i += wildcardLen(rest)
		default:
			// Plain text up to the next byte that may start a construct.
			n := strings.IndexAny(rest[1:], "|)/(_")
			if n < 0 {
				n = len(rest) - 1
			}
			text.WriteString(rest[:1+n])
			p.i += 1 + n
		}
	}
	flush()
	return req
}

// wildcardLen returns the length of the __N__ wildcard s starts with, or 0.
func wildcardLen(s string) int {
	if !strings.HasPrefix(s, "__") {
		return 0
	}
	j := 2
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	if j == 2 || !strings.HasPrefix(s[j:], "__") {
		return 0
	}
	return j + 2
}

// rewritten are the words licensecheck reads as other words, in text and
// in patterns alike.
var rewritten = map[string]bool{
	"these": true, "those": true, "copies": true, "https": true, "copyright": true,
}

func isLetters(w []byte) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return false
		}
	}
	return true
}

// wordSet answers whether a text holds a word, or something licensecheck
// would read as it: the word misspelled by one letter, split in two
// ("non-infringement" for "noninfringement"), or run together with the
// word before or after it ("andor" for "and" "or").
type wordSet struct {
	exact    map[string]bool
	byLen    map[int][]string // the distinct words by length
	sorted   []string         // the distinct words, sorted
	reversed []string         // the distinct words spelled backwards, sorted
	memo     map[string]bool
}

func newWordSet(text []byte) *wordSet {
	s := &wordSet{exact: map[string]bool{}, byLen: map[int][]string{}, memo: map[string]bool{}}
	splitWords(string(text), func(b []byte) {
		if !s.exact[string(b)] {
			w := string(b)
			s.exact[w] = true
			s.sorted = append(s.sorted, w)
			s.byLen[len(w)] = append(s.byLen[len(w)], w)
		}
	})
	sort.Strings(s.sorted)
	s.reversed = make([]string, len(s.sorted))
	for i, w := range s.sorted {
		s.reversed[i] = reverse(w)
	}
	sort.Strings(s.reversed)
	return s
}

func reverse(s string) string {
	b := make([]byte, len(s))
	for i := range len(s) {
		b[len(s)-1-i] = s[i]
	}
	return string(b)
}

// extends reports whether a word of sorted is longer than w and starts with
// it.
func extends(sorted []string, w string) bool {
	for i := sort.SearchStrings(sorted, w); i < len(sorted) && strings.HasPrefix(sorted[i], w); i++ {
		if len(sorted[i]) > len(w) {
			return true
		}
	}
	return false
}

func (s *wordSet) has(w string) bool {
	if s.exact[w] {
		return true
	}
	if v, ok := s.memo[w]; ok {
		return v
	}
	v := s.near(w)
	s.memo[w] = v
	return v
}

// near reports whether the text holds a word licensecheck's spelling
// checks accept for w. Adjacency is not checked for split words: holding
// both halves anywhere is enough, which can only keep a licence that could
// not match, never drop one that could.
func (s *wordSet) near(w string) bool {
	for n := len(w) - 1; n <= len(w)+1; n++ {
		for _, have := range s.byLen[n] {
			if oneEditApart(w, have) {
				return true
			}
		}
	}
	for k := 1; k < len(w); k++ {
		if s.exact[w[:k]] && s.exact[w[k:]] {
			return true
		}
	}
	// A longer word starting or ending with w: w run together with the
	// word after or before it. (Byte-wise reversal is fine: w is ASCII.)
	return extends(s.sorted, w) || extends(s.reversed, reverse(w))
}

// oneEditApart reports whether have is want with at most one byte
// replaced, inserted or deleted, one of them being at least four bytes
// long: the misspellings licensecheck forgives.
func oneEditApart(want, have string) bool {
	if len(have) < len(want)-1 || len(have) > len(want)+1 || len(have) < 4 && len(want) < 4 {
		return false
	}
	pre := 0
	for pre < len(have) && pre < len(want) && want[pre] == have[pre] {
		pre++
	}
	suf := 0
	for suf < len(have) && suf < len(want) && want[len(want)-1-suf] == have[len(have)-1-suf] {
		suf++
	}
	return pre+suf >= len(want)-1 && pre+suf >= len(have)-1
}

// splitWords calls emit for each word of s as licensecheck's word
// splitting finds it, folded the same way: a word starts with a letter, a
// digit or ©, and goes on with letters, digits and nonspacing marks;
// letters fold to their lowest case-equivalent and then to lower case,
// acute and grave vowels to plain ones; © is "copyright"; "word(s)" is read
// as "words" (and "word" is emitted too). licensecheck also skips HTML
// tags, entities and Markdown link targets; here they give words, so the
// set is never smaller than licensecheck's.
//
// emit's argument is only valid during the call.
func splitWords(s string, emit func([]byte)) {
	var buf []byte
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf && !isASCIIWordByte(c) {
			i++ // the common case, spaces and punctuation, without decoding
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '©' {
			emit(copyrightWord)
			i += size
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		buf = appendFolded(buf[:0], r)
		i += size
		for i < len(s) {
			if c := s[i]; c < utf8.RuneSelf {
				if !isASCIIWordByte(c) {
					break
				}
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				buf = append(buf, c)
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
				break
			}
			buf = appendFolded(buf, r)
			i += size
		}
		emit(buf)
		if strings.HasPrefix(s[i:], "(s)") {
			emit(append(buf, 's'))
			i += 3
		}
	}
}

var copyrightWord = []byte("copyright")

func isASCIIWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// appendFolded appends r folded as licensecheck folds it (an ASCII letter
// to lower case).
func appendFolded(buf []byte, r rune) []byte {
	for {
		lower := unicode.SimpleFold(r)
		if lower >= r {
			break
		}
		r = lower
	}
	switch r {
	case 'Á', 'À':
		r = 'a'
	case 'É', 'È':
		r = 'e'
	case 'Í', 'Ì':
		r = 'i'
	case 'Ó', 'Ò':
		r = 'o'
	case 'Ú', 'Ù':
		r = 'u'
	}
	if 'A' <= r && r <= 'Z' {
		r += 'a' - 'A'
	}
	return utf8.AppendRune(buf, r)
}
