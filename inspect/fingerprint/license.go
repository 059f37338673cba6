package fingerprint

import (
	"strconv"
	"strings"
)

// license is the licence the rule's project declares for version: the
// expression of the range holding it. Without a version, the expression
// only when every range says the same.
func (r *compiledRule) license(version string) string {
	if len(r.Licenses) == 0 {
		return ""
	}
	if version == "" {
		first := r.Licenses[0].Expression
		for _, l := range r.Licenses[1:] {
			if l.Expression != first {
				return ""
			}
		}
		return first
	}
	for _, l := range r.Licenses {
		if (l.From == "" || compareVersions(version, l.From) >= 0) && (l.Before == "" || compareVersions(version, l.Before) < 0) {
			return l.Expression
		}
	}
	return ""
}

// compareVersions orders dotted versions part by part: numbers numerically,
// other parts as strings, a missing part lower than a present one.
func compareVersions(a, b string) int {
	pa, pb := strings.FieldsFunc(a, isVersionSep), strings.FieldsFunc(b, isVersionSep)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		switch {
		case i >= len(pa):
			return -1
		case i >= len(pb):
			return 1
		}
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil:
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
		case pa[i] != pb[i]:
			if pa[i] < pb[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

func isVersionSep(r rune) bool { return r == '.' || r == '-' || r == '_' || r == '+' }
