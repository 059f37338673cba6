package licensescan

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word as licensecheck reads it: folded, rewritten, and the
// byte span it came from.
type token struct {
	word   string
	lo, hi int
}

// tokenize splits s into words the way licensecheck's dictionary does: a
// word starts with a letter, a digit or ©, and goes on with letters, digits
// and nonspacing marks; letters fold to their lowest case-equivalent and
// then to lower case, acute and grave vowels to plain ones; "word(s)" is
// read as "words", © and "(c)" as "copyright", "https" as "http", and a few
// words as the word licensecheck reads them for ("these" as "the"). Unlike
// licensecheck it does not skip HTML tags, entities or Markdown link
// targets; skippable marks the words that may lie in one.
func tokenize(s string) []token {
	var out []token
	var buf []byte
	for i := 0; i < len(s); {
		if strings.HasPrefix(s[i:], "&copy;") {
			out = append(out, token{"copyright", i, i + 6})
			i += 6
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf && !isASCIIWordByte(c) {
			i++ // spaces and punctuation, without decoding
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '©' {
			out = append(out, token{"copyright", i, i + size})
			i += size
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		lo := i
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
		if strings.HasPrefix(s[i:], "(s)") {
			buf = append(buf, 's')
			i += 3
		}
		w := string(buf)
		if w == "c" && lo > 0 && s[lo-1] == '(' && i < len(s) && s[i] == ')' {
			w = "copyright"
		}
		out = append(out, token{canonical(w), lo, i})
	}
	return out
}

// canonical is the word licensecheck reads w as.
func canonical(w string) string {
	switch w {
	case "https":
		return "http"
	case "are":
		return "is"
	case "them", "they":
		return "it"
	case "these", "this", "those":
		return "the"
	case "copies":
		return "copy"
	}
	return w
}

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

// skippable reports, for each token of s, whether it lies in a stretch
// licensecheck may skip without reading a word from it: an HTML tag
// (from "<" to the next ">"), an entity ("&", letters, digits or "#", ";"),
// a Markdown anchor ("{#" to "}") or link target ("](" to ")"). These
// bounds hold every stretch licensecheck skips, and more.
func skippable(s string, toks []token) []bool {
	out := make([]bool, len(toks))
	t := 0
	for i := 0; i < len(s) && t < len(toks); i++ {
		end := -1
		switch {
		case s[i] == '<':
			end = strings.IndexByte(s[i:], '>')
		case s[i] == '&':
			j := i + 1
			for j < len(s) && (isASCIIWordByte(s[j]) || s[j] == '#') {
				j++
			}
			if j < len(s) && s[j] == ';' {
				end = j - i
			}
		case s[i] == '{' && strings.HasPrefix(s[i:], "{#"):
			end = strings.IndexByte(s[i:], '}')
		case s[i] == ']' && strings.HasPrefix(s[i:], "]("):
			end = strings.IndexByte(s[i:], ')')
		}
		if end < 0 {
			continue
		}
		lo, hi := i, i+end+1
		for t < len(toks) && toks[t].lo < lo {
			t++
		}
		for k := t; k < len(toks) && toks[k].hi <= hi; k++ {
			out[k] = true
		}
		if s[i] != '&' { // an entity is one word at most ("&copy;")
			i = hi - 1
		}
	}
	return out
}
