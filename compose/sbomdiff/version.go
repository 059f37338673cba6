package sbomdiff

import "github.com/installer-sbom/installer-sbom/internal/version"

// CompareVersions orders two version strings and returns -1, 0 or +1
// (version.Compare: numbers numerically, a word below a number, a
// pre-release below its release).
func CompareVersions(a, b string) int { return version.Compare(a, b) }

// maxVersion is the highest of vs by CompareVersions.
func maxVersion(vs []string) string {
	best := ""
	for i, v := range vs {
		if i == 0 || CompareVersions(v, best) > 0 {
			best = v
		}
	}
	return best
}
