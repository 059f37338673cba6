package compose

import (
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// A wheel's PEP 770 SBOM is merged like a --source-sbom: a library it lists
// that the bytes confirm gets its facts; one the bytes do not show is named
// unverified and left out unless asked for.
func TestPEP770AsSourceSBOM(t *testing.T) {
	const w = "numpy-2.0.0-cp311-cp311-manylinux_2_17_x86_64.whl"
	sbom := w + "/numpy-2.0.0.dist-info/sboms/auditwheel.cdx.json"
	so := w + "/numpy.libs/libz-abc123.so.1.2.13"
	inv := &inspect.Inventory{
		Artifact: artifact(w, "zip"),
		Files:    []inspect.File{file(so, inspect.KindELF, ""), file(sbom, inspect.KindText, "")},
		Components: []inspect.Component{
			{Name: "zlib", Version: "1.2.13", PURL: "pkg:generic/zlib@1.2.13", CPE: "cpe:2.3:a:zlib:zlib:1.2.13:*:*:*:*:*:*:*", Linkage: "dynamic",
				Files: []string{so}, Evidence: []inspect.Evidence{ev(so, "zlib-version", 0x100, "1.2.13")}},
			{Name: "zlib", Version: "1.2.13", PURL: "pkg:generic/zlib@1.2.13", Linkage: "unknown", Parent: "numpy", License: "Zlib",
				Evidence: []inspect.Evidence{{File: sbom, Rule: "pypi.pep770", Offset: -1}}},
			{Name: "openblas", Version: "0.3.27", PURL: "pkg:generic/openblas@0.3.27", Linkage: "unknown", Parent: "numpy",
				Evidence: []inspect.Evidence{{File: sbom, Rule: "pypi.pep770", Offset: -1}}},
		},
		Problems: []inspect.Problem{},
	}
	opts := Options{Created: testCreated, ToolVersion: "0.1.0"}
	res := mustCompose(t, inv, opts)
	names := map[string]*pkgNode{}
	for _, p := range res.m.packages {
		names[p.name] = p
	}
	if names["openblas"] != nil || len(res.Unverified) != 1 || !strings.Contains(res.Unverified[0], "openblas") {
		t.Errorf("unconfirmed openblas: packages %v, unverified %q", len(names), res.Unverified)
	}
	z := names["zlib"]
	if z == nil || !strings.Contains(strings.Join(z.notes, "\n"), NoteSourceSBOM) || !strings.Contains(strings.Join(z.notes, "\n"), "auditwheel.cdx.json") {
		t.Errorf("zlib not merged with the wheel's SBOM: %+v", z)
	}
	if len(inv.Components) != 3 {
		t.Error("the caller's inventory was changed")
	}
	opts.IncludeUnverified = true
	res = mustCompose(t, inv, opts)
	found := false
	for _, p := range res.m.packages {
		found = found || p.name == "openblas" && p.role == roleUnverified
	}
	if !found {
		t.Error("--include-unverified did not keep openblas as unverified")
	}
}
