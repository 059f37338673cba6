// Package version orders version strings the way the project compares
// releases: diff's downgrades and the version ranges of the library rules'
// licences.
package version

import "strings"

// Compare orders two version strings and returns -1, 0 or +1.
//
// A version is split at '.', '-', '_', '+' and at every change between
// digits and letters ("3.0.15" → 3 0 15; "1.1.1w" → 1 1 1 w; "3.14.0rc1" →
// 3 14 0 rc 1; "8.6.15" → 8 6 15). Parts are compared left to right:
// numbers numerically (leading zeros ignored, any length), words by their
// lower-case text, and a number is greater than a word at the same
// position. When one version runs out of parts, the longer one is greater
// if its next part is a number ("3.0" < "3.0.1") and smaller if it is a word
// (a pre-release: "3.14.0rc1" < "3.14.0"). The empty version is lower than
// every other one.
func Compare(a, b string) int {
	if a == b {
		return 0
	}
	if a == "" {
		return -1
	}
	if b == "" {
		return 1
	}
	pa, pb := versionParts(a), versionParts(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		switch {
		case i >= len(pa):
			if isNumber(pb[i]) {
				return -1
			}
			return 1
		case i >= len(pb):
			if isNumber(pa[i]) {
				return 1
			}
			return -1
		}
		if c := comparePart(pa[i], pb[i]); c != 0 {
			return c
		}
	}
	return 0
}

func versionParts(v string) []string {
	var parts []string
	cur := []rune{}
	kind := 0 // 1 digits, 2 other
	flush := func() {
		if len(cur) > 0 {
			parts = append(parts, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range strings.ToLower(v) {
		switch {
		case r == '.' || r == '-' || r == '_' || r == '+' || r == ' ':
			flush()
			kind = 0
			continue
		case r >= '0' && r <= '9':
			if kind != 1 {
				flush()
			}
			kind = 1
		default:
			if kind != 2 {
				flush()
			}
			kind = 2
		}
		cur = append(cur, r)
	}
	flush()
	return parts
}

func isNumber(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

func comparePart(a, b string) int {
	na, nb := isNumber(a), isNumber(b)
	switch {
	case na && nb:
		a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
		if len(a) != len(b) {
			if len(a) < len(b) {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	case na:
		return 1
	case nb:
		return -1
	}
	return strings.Compare(a, b)
}
