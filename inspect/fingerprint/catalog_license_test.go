package fingerprint

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/licensecheck"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
	"github.com/installer-sbom/installer-sbom/internal/version"
)

// TestLicenseRuleData checks every built-in rule's licences: each is an SPDX
// expression in the list's own spelling, with no deprecated identifier, and
// the ranges cover every version, without gaps or overlaps.
func TestLicenseRuleData(t *testing.T) {
	for _, r := range BuiltinRules() {
		if len(r.Licenses) == 0 {
			t.Errorf("%s: no licenses", r.Name)
			continue
		}
		for _, l := range r.Licenses {
			norm, err := NormalizeLicenseExpression(l.Expression)
			if err != nil {
				t.Errorf("%s: %v", r.Name, err)
				continue
			}
			if norm != l.Expression {
				t.Errorf("%s: %q is spelled %q in SPDX", r.Name, l.Expression, norm)
			}
			if d := DeprecatedLicenseIDs(l.Expression); len(d) > 0 {
				t.Errorf("%s: %q uses deprecated identifiers %v", r.Name, l.Expression, d)
			}
		}
		ls := slices.Clone(r.Licenses)
		slices.SortFunc(ls, func(a, b LicenseRange) int { return version.Compare(a.From, b.From) })
		if ls[0].From != "" {
			t.Errorf("%s: no licence for versions before %s", r.Name, ls[0].From)
		}
		if last := ls[len(ls)-1]; last.Before != "" {
			t.Errorf("%s: no licence for versions from %s", r.Name, last.Before)
		}
		for i := 1; i < len(ls); i++ {
			if ls[i-1].Before != ls[i].From {
				t.Errorf("%s: the range before %q and the one from %q do not meet", r.Name, ls[i-1].Before, ls[i].From)
			}
		}
	}
}

func TestLicenseExpressionNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"MIT":                                  "MIT",
		"mit":                                  "MIT",
		"apache-2.0 or mit":                    "Apache-2.0 OR MIT",
		"(MIT OR Apache-2.0) AND BSD-3-Clause": "(MIT OR Apache-2.0) AND BSD-3-Clause",
		"GPL-2.0-or-later WITH Classpath-exception-2.0": "GPL-2.0-or-later WITH Classpath-exception-2.0",
		"LGPL-2.1+":                        "LGPL-2.1+",
		"LicenseRef-Public-Domain OR 0BSD": "LicenseRef-Public-Domain OR 0BSD",
		"DocumentRef-a:LicenseRef-b":       "DocumentRef-a:LicenseRef-b",
		"blessing":                         "blessing",
	} {
		if got, err := NormalizeLicenseExpression(in); err != nil || got != want {
			t.Errorf("NormalizeLicenseExpression(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MIT License", "SEE LICENSE IN LICENSE.md", "BSD", "Apache 2.0", "MIT AND", "(MIT", "MIT)",
		"GPL-2.0-only WITH LicenseRef-x", "MIT WITH MIT", "UNLICENSED", "AND MIT", "LicenseRef-a b"} {
		if got, err := NormalizeLicenseExpression(bad); err == nil {
			t.Errorf("NormalizeLicenseExpression(%q) = %q, want an error", bad, got)
		}
	}
	if got := LicenseIDs("(MIT OR Apache-2.0) AND MIT AND GPL-2.0+ WITH Classpath-exception-2.0"); !reflect.DeepEqual(got, []string{"Apache-2.0", "GPL-2.0", "MIT"}) {
		t.Errorf("LicenseIDs = %v", got)
	}
}

func TestLicenseFileNames(t *testing.T) {
	for p, want := range map[string]bool{
		"a/LICENSE": true, "a/LICENSE.txt": true, "a/license.md": true, "a/LICENCE": true, "a/COPYING": true,
		"a/COPYING.LIB": true, "a/NOTICE": true, "a/LICENSE-MIT": true, "a/LICENSE.APACHE": true, "a/six.LICENSE": true,
		"a/zlib-license.txt": true, "a/tcl8.6/license.terms": true, "a/UNLICENSE": true,
		"a/foo-1.0.dist-info/licenses/AUTHORS.txt": true, "a/THIRD-PARTY-NOTICES.txt": true, "a/NOTICES": true, "a/licenses/openssl.txt": true,
		"a/license.py": false, "a/README.txt": false, "a/notice.html": false, "a/License.plist": false, "a/licensed.txt": false,
		"a/licenses/__init__.py": false, "a/LICENSE.dll": false,
	} {
		if got := isLicenseFileName(p); got != want {
			t.Errorf("isLicenseFileName(%q) = %v, want %v", p, got, want)
		}
	}
}

func readLicenseTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "licenses", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLicenseTextCataloger runs the engine over licence files where
// installers carry them and checks the licence, coverage and component
// recorded.
func TestLicenseTextCataloger(t *testing.T) {
	mit := readLicenseTestdata(t, "MIT.txt")
	py := readLicenseTestdata(t, "cpython-3.11-LICENSE.txt")
	e := Default()
	type lic struct {
		expr, component string
		minCoverage     int
	}
	for _, c := range []struct {
		path string
		data []byte
		want []lic
	}{
		{"w.zip/Lib/site-packages/Foo_Bar-1.0.dist-info/licenses/LICENSE", mit, []lic{{"MIT", "foo-bar", 100}}},
		{"w.zip/Lib/site-packages/foo-1.0.dist-info/LICENSE.txt", mit, []lic{{"MIT", "foo", 100}}},
		{"w.zip/pip-26.1.dist-info/licenses/src/pip/_vendor/tomli_w/LICENSE", mit, []lic{{"MIT", "tomli-w", 100}}},
		{"w.zip/pip/_vendor/rich/LICENSE", mit, []lic{{"MIT", "rich", 100}}},
		{"app.asar/node_modules/@scope/pkg/LICENSE.md", mit, []lic{{"MIT", "@scope/pkg", 100}}},
		{"app.asar/node_modules/left-pad/LICENSE", mit, []lic{{"MIT", "left-pad", 100}}},
		{"x/LICENSE.openssl", mit, []lic{{"MIT", "openssl", 100}}},
		{"x/licenses/zlib.txt", mit, []lic{{"MIT", "zlib", 100}}},
		{"x/tcl8.6/license.terms", mit, []lic{{"MIT", "tcl", 100}}},
		{"x/LICENSE", mit, []lic{{"MIT", "", 100}}},
		// Not licence text, or not a licence file.
		{"x/LICENSE", []byte("This program is free to use for anyone who asks nicely.\n"), nil},
		{"x/README.txt", mit, nil},
		{"x/license.py", mit, nil},
		// CPython's LICENSE: the PSF agreement is CPython's licence, its
		// long list of years notwithstanding; the rest of the stack is not
		// reported separately.
		{"pbs/lib/python3.11/LICENSE.txt", py, []lic{{"PSF-2.0", "cpython", 90}}},
		// The same text as a vendored package's licence (distlib).
		{"w.zip/pip/_vendor/distlib/LICENSE.txt", py, []lic{{"PSF-2.0", "distlib", 90}}},
		// CPython's Windows LICENSE.txt: each appended licence is a
		// section, attributed to the library that names itself in it;
		// Tcl's licence text does not, so it is recorded for no one.
		{"python-3.11.11-amd64.exe/core.msi/LICENSE.txt", readLicenseTestdata(t, "python-windows-LICENSE.txt"),
			[]lic{{"PSF-2.0", "cpython", 90}, {"bzip2-1.0.6", "bzip2", 70}, {"MIT", "libffi", 80}, {"TCL", "", 90}}},
	} {
		rep := e.Identify(c.path, c.data)
		var got []lic
		for _, l := range rep.Licenses {
			got = append(got, lic{l.Expression, l.Component, l.Coverage})
		}
		if len(got) != len(c.want) {
			t.Errorf("%s: got %+v, want %+v", c.path, rep.Licenses, c.want)
			continue
		}
		for i, w := range c.want {
			if got[i].expr != w.expr || got[i].component != w.component || got[i].minCoverage < w.minCoverage || got[i].minCoverage > 100 {
				t.Errorf("%s: licence %d is %+v, want %+v (coverage at least %d)", c.path, i, rep.Licenses[i], w, w.minCoverage)
			}
		}
		if len(rep.Findings) > 0 {
			t.Errorf("%s: a licence file made findings: %+v", c.path, rep.Findings)
		}
	}
}

// TestLicenseInfoPlist: a bundle's NSHumanReadableCopyright naming a licence
// by its URL is the bundle's licence.
func TestLicenseInfoPlist(t *testing.T) {
	plist := func(copyright string) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>CFBundleIdentifier</key><string>org.example.tool</string>
<key>CFBundleName</key><string>Tool</string>
<key>CFBundleShortVersionString</key><string>1.2.3</string>
<key>NSHumanReadableCopyright</key><string>` + copyright + `</string>
</dict></plist>`)
	}
	rep := Default().Identify("x.pkg/Payload/Tool.app/Contents/Info.plist", plist("Copyright © 2024 Example. Licensed under https://www.apache.org/licenses/LICENSE-2.0"))
	want := []inventory.LicenseText{{Expression: "Apache-2.0", Coverage: 62, Component: "Tool", Section: "NSHumanReadableCopyright"}}
	if !reflect.DeepEqual(rep.Licenses, want) {
		t.Errorf("licences = %+v, want %+v", rep.Licenses, want)
	}
	if findingNamed(rep, "Tool") == nil {
		t.Errorf("the bundle itself is no longer reported: %+v", rep.Findings)
	}
	rep = Default().Identify("x.pkg/Payload/Tool.app/Contents/Info.plist", plist("Copyright © 2024 Example. All rights reserved."))
	if len(rep.Licenses) != 0 {
		t.Errorf("a plain copyright line gave licences %+v", rep.Licenses)
	}
}

// TestLicenseYearNormalization: blanking a run of years keeps every other
// byte where it was.
func TestLicenseYearNormalization(t *testing.T) {
	in := []byte("Copyright (c) 2001, 2002, 2003,\n2004, 2005 PSF; All Rights Reserved")
	out := normalizeLicenseText(in)
	if len(out) != len(in) || !strings.HasPrefix(string(out), "Copyright (c) 2001") || strings.Contains(string(out), "2005") ||
		!strings.HasSuffix(string(out), " PSF; All Rights Reserved") || strings.Count(string(out), "\n") != 1 {
		t.Errorf("normalizeLicenseText = %q", out)
	}
}

// A distribution's PEP 639 License-Expression is its declared licence.
func TestPyPILicenseExpression(t *testing.T) {
	meta := []byte("Metadata-Version: 2.4\nName: Demo_Pkg\nVersion: 1.2\nLicense-Expression: MIT OR Apache-2.0\n\nbody\n")
	rep := Default().Identify("demo_pkg-1.2.dist-info/METADATA", meta)
	if len(rep.Findings) != 1 || rep.Findings[0].License != "MIT OR Apache-2.0" || rep.Findings[0].Name != "demo-pkg" {
		t.Errorf("findings %+v", rep.Findings)
	}
	bad := []byte("Metadata-Version: 2.4\nName: x\nVersion: 1\nLicense-Expression: not a licence\n\n")
	if rep := Default().Identify("x-1.dist-info/METADATA", bad); len(rep.Findings) != 1 || rep.Findings[0].License != "" {
		t.Errorf("an invalid expression was kept: %+v", rep.Findings)
	}
}

// TestLicensePatternsCompile: every licence the classifier looks for
// compiles together (scanLicenses has no error to report because of this),
// and a classified text gives what the scanner of the whole list gives.
func TestLicensePatternsCompile(t *testing.T) {
	full, err := licensecheck.NewScanner(licenseList())
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{
		"Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted.",
		"Licensed under the Apache License, Version 2.0 (the \"License\"); see https://www.apache.org/licenses/LICENSE-2.0",
		"SPDX-License-Identifier: MIT",
	} {
		got := scanLicenses([]byte(text))
		if want := full.Scan([]byte(text)); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v, full scanner %+v", text, got, want)
		}
	}
}
