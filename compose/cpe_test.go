package compose

import (
	"reflect"
	"testing"
)

// One primary CPE per component: the rule's vendor and product with the
// version as NVD writes it; a source SBOM's other CPEs are alternates.
func TestPrimaryCPE(t *testing.T) {
	for _, c := range []struct {
		rule    string
		source  []string
		version string
		want    string
		alt     []string
	}{
		// CPython's externals.spdx.json: tcl_tk:tcl_tk ends in 2008 in NVD.
		{"cpe:2.3:a:tcl:tcl:*:*:*:*:*:*:*:*", []string{"cpe:2.3:a:tcl_tk:tcl_tk:8.6.15.0:*:*:*:*:*:*:*"}, "8.6.15.0",
			"cpe:2.3:a:tcl:tcl:8.6.15:*:*:*:*:*:*:*", []string{"cpe:2.3:a:tcl_tk:tcl_tk:8.6.15.0:*:*:*:*:*:*:*"}},
		// The same product, only the version's form differs: not an alternate.
		{"cpe:2.3:a:sqlite:sqlite:3.50.4:*:*:*:*:*:*:*", []string{"cpe:2.3:a:sqlite:sqlite:3.50.4.0:*:*:*:*:*:*:*"}, "3.50.4",
			"cpe:2.3:a:sqlite:sqlite:3.50.4:*:*:*:*:*:*:*", nil},
		// No rule CPE: the source SBOM's, in NVD's version form.
		{"", []string{"cpe:2.3:a:sqlite:sqlite:3.50.4.0:*:*:*:*:*:*:*"}, "3.50.4.0", "cpe:2.3:a:sqlite:sqlite:3.50.4:*:*:*:*:*:*:*", nil},
		{"cpe:2.3:a:openssl:openssl:3.0.21:*:*:*:*:*:*:*", nil, "3.0.21", "cpe:2.3:a:openssl:openssl:3.0.21:*:*:*:*:*:*:*", nil},
		{"", nil, "1.0", "", nil},
	} {
		got, alt := primaryCPE(c.rule, c.source, c.version)
		if got != c.want || !reflect.DeepEqual(alt, c.alt) && len(alt)+len(c.alt) > 0 {
			t.Errorf("primaryCPE(%q, %q, %q) = %q, %q; want %q, %q", c.rule, c.source, c.version, got, alt, c.want, c.alt)
		}
	}
}
