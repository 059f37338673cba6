package compose

import (
	"fmt"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// BenchmarkCompose measures one composition (with its schema check) of the
// burn inventory merged with CPython's source SBOMs.
func BenchmarkCompose(b *testing.B) {
	inv := burnInventory()
	o := cpythonOptions(b)
	for b.Loop() {
		res, err := Compose(inv, o)
		if err != nil {
			b.Fatal(err)
		}
		// The SPDX document and its schema check, which Compose did
		// itself before the writers checked their own output.
		if _, err := res.SPDX(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate measures Validate on the burn golden document.
func BenchmarkValidate(b *testing.B) {
	res, err := Compose(burnInventory(), cpythonOptions(b))
	if err != nil {
		b.Fatal(err)
	}
	doc := spdxJSON(b, res.Document())
	for b.Loop() {
		Validate(doc)
	}
}

// BenchmarkComposeLarge is an installer the size of CPython's full Windows
// bundle: 6000 files in 12 MSIs, 40 components.
func BenchmarkComposeLarge(b *testing.B) {
	inv := burnInventory()
	for m := 0; m < 12; m++ {
		msi := fmt.Sprintf("python-3.13.15-amd64.exe/m%02d.msi", m)
		inv.Packages = append(inv.Packages, inspect.Package{ID: fmt.Sprintf("m%02d", m), Name: fmt.Sprintf("m%02d", m), Version: "1", Format: "msi", Path: msi, Embedded: true})
		inv.Files = append(inv.Files, file(msi, inspect.KindArchive, ""))
		for i := 0; i < 500; i++ {
			inv.Files = append(inv.Files, file(fmt.Sprintf("%s/Lib/pkg%d/mod%d.py", msi, i%37, i), inspect.KindText, fmt.Sprintf("m%02d", m)))
		}
	}
	for c := 0; c < 31; c++ {
		f := inv.Files[len(inv.Files)-1-c*7].Path
		inv.Components = append(inv.Components, inspect.Component{Name: fmt.Sprintf("lib%d", c), Version: "1.0", Linkage: "static", Files: []string{f},
			Evidence: []inspect.Evidence{ev(f, "r", 1, "x")}})
	}
	o := cpythonOptions(b)
	b.ResetTimer()
	for b.Loop() {
		res, err := Compose(inv, o)
		if err != nil {
			b.Fatal(err)
		}
		// The SPDX document and its schema check, which Compose did
		// itself before the writers checked their own output.
		if _, err := res.SPDX(); err != nil {
			b.Fatal(err)
		}
	}
}
