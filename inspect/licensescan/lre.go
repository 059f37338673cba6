package licensescan

import "strings"

// anyWord stands for a wildcard in a leading phrase: any word.
const anyWord = "\x00*"

// maxLeadingPaths bounds the ways through a pattern's start that are
// followed; a pattern past it is a candidate for every text.
const maxLeadingPaths = 4096

// lreItem is one element of a pattern: a word (optional when licensecheck
// may skip it: part of an HTML tag in the pattern's text, or a repeated
// "copyright"), a group of alternatives (optional when followed by ??), or
// a __N__ wildcard.
type lreItem struct {
	word     string
	alts     [][]lreItem
	group    bool
	wildcard bool
	optional bool
}

// leadingPhrases returns the two-word phrases a match of the LRE pattern
// can begin with (anyWord standing for a wildcard), as licensecheck reads
// its words, or all=true when they cannot be told (a pattern starting with
// a wildcard, an unreadable pattern, too many ways through its start). The
// list may hold phrases licensecheck does not consider; it holds every one
// it does.
func leadingPhrases(lre string) (phrases [][2]string, all bool) {
	p := lreParser{s: lre}
	items, ok := p.sequence(0)
	if !ok || p.i < len(p.s) {
		return nil, true
	}
	seen := map[[2]string]bool{}
	paths := 0
	var walk func(stack [][]lreItem, prefix []string) bool
	walk = func(stack [][]lreItem, prefix []string) bool {
		if paths++; paths > maxLeadingPaths {
			return false
		}
		for len(stack) > 0 && len(stack[len(stack)-1]) == 0 {
			stack = stack[:len(stack)-1]
		}
		if len(prefix) == 2 || len(stack) == 0 {
			// A pattern that can end within two words is refused by
			// licensecheck; should one get here, any second word will do.
			for len(prefix) < 2 {
				prefix = append(prefix, anyWord)
			}
			ph := [2]string{prefix[0], prefix[1]}
			if !seen[ph] {
				seen[ph] = true
				phrases = append(phrases, ph)
			}
			return true
		}
		top := stack[len(stack)-1]
		it, rest := top[0], append(stack[:len(stack)-1:len(stack)-1], top[1:])
		switch {
		case it.wildcard:
			if len(prefix) == 0 {
				return false // any first word: every text is a candidate
			}
			return walk(nil, append(prefix, anyWord))
		case it.group:
			for _, alt := range it.alts {
				if !walk(append(rest[:len(rest):len(rest)], alt), prefix) {
					return false
				}
			}
		default:
			if !walk(rest, append(prefix[:len(prefix):len(prefix)], it.word)) {
				return false
			}
		}
		if it.optional {
			return walk(rest, prefix)
		}
		return true
	}
	if !walk([][]lreItem{items}, nil) {
		return nil, true
	}
	return phrases, false
}

// lreParser reads an LRE pattern (see licensecheck's internal/match): words,
// //** comments **//, __N__ wildcards, (( a || b )) groups, a group followed
// by ?? being optional. Only as much is read as leading phrases need: after
// two words that every way through the pattern reads, the rest is skipped.
type lreParser struct {
	s string
	i int
}

// sequence reads items up to "||", "))" or the end. depth is the group
// nesting; at depth 0 it stops once two words are certain.
func (p *lreParser) sequence(depth int) ([]lreItem, bool) {
	var items []lreItem
	certain := 0 // words every way through the items so far reads
	for p.i < len(p.s) {
		if depth == 0 && certain >= 2 {
			p.i = len(p.s)
			break
		}
		rest := p.s[p.i:]
		switch {
		case strings.HasPrefix(rest, "||"), strings.HasPrefix(rest, "))"):
			return items, true
		case strings.HasPrefix(rest, "//**"):
			end := strings.Index(rest[4:], "**//")
			if end < 0 {
				return nil, false
			}
			p.i += 4 + end + 4
		case strings.HasPrefix(rest, "(("):
			p.i += 2
			var alts [][]lreItem
			for {
				alt, ok := p.sequence(depth + 1)
				if !ok {
					return nil, false
				}
				alts = append(alts, alt)
				if !strings.HasPrefix(p.s[p.i:], "||") {
					break
				}
				p.i += 2
			}
			if !strings.HasPrefix(p.s[p.i:], "))") {
				return nil, false
			}
			p.i += 2
			g := lreItem{group: true, alts: alts}
			if j := p.i + len(p.s[p.i:]) - len(strings.TrimLeft(p.s[p.i:], " \t")); strings.HasPrefix(p.s[j:], "??") {
				g.optional = true
				p.i = j + 2
			}
			if !g.optional && !nullable(alts) {
				certain++
			}
			items = append(items, g)
		case wildcardLen(rest) > 0:
			p.i += wildcardLen(rest)
			items = append(items, lreItem{wildcard: true})
		default:
			n := textLen(rest)
			text := rest[:n]
			p.i += n
			toks := tokenize(text)
			skip := skippable(text, toks)
			for k, t := range toks {
				// A "copyright" after "copyright" is one word to
				// licensecheck ("Copyright ©").
				optional := skip[k] || t.word == "copyright" && len(items) > 0 && items[len(items)-1].word == "copyright"
				items = append(items, lreItem{word: t.word, optional: optional})
				if !optional {
					certain++
				}
			}
		}
	}
	return items, true
}

// textLen returns the length of the plain text s starts with: up to the
// next "((", "))", "||", "//**" or __N__ wildcard.
func textLen(s string) int {
	for i := 1; i < len(s); {
		n := strings.IndexAny(s[i:], "|)/(_")
		if n < 0 {
			break
		}
		i += n
		rest := s[i:]
		if strings.HasPrefix(rest, "((") || strings.HasPrefix(rest, "))") || strings.HasPrefix(rest, "||") ||
			strings.HasPrefix(rest, "//**") || wildcardLen(rest) > 0 {
			return i
		}
		i++
	}
	return len(s)
}

// nullable reports whether some alternative can read no word.
func nullable(alts [][]lreItem) bool {
	for _, alt := range alts {
		empty := true
		for _, it := range alt {
			if !it.optional && !it.wildcard && (!it.group || !nullable(it.alts)) {
				empty = false
				break
			}
		}
		if empty {
			return true
		}
	}
	return false
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
