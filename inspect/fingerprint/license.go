package fingerprint

import "github.com/installer-sbom/installer-sbom/internal/version"

// license is the licence the rule's project declares for version v: the
// expression of the range holding it. Without a version, the expression
// only when every range says the same.
func (r *compiledRule) license(v string) string {
	if len(r.Licenses) == 0 {
		return ""
	}
	if v == "" {
		first := r.Licenses[0].Expression
		for _, l := range r.Licenses[1:] {
			if l.Expression != first {
				return ""
			}
		}
		return first
	}
	for _, l := range r.Licenses {
		if (l.From == "" || version.Compare(v, l.From) >= 0) && (l.Before == "" || version.Compare(v, l.Before) < 0) {
			return l.Expression
		}
	}
	return ""
}
