package inspect_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/malformed"
	"github.com/installer-sbom/installer-sbom/fixtures/msixbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// FuzzInspect runs the whole chain — sniffing, every registered format,
// nesting, limits, fingerprinting — over arbitrary bytes. It must never
// panic or hang, every problem must name its layer, and two inspections of
// the same bytes must give the same inventory (the walk is parallel; its
// output may not depend on scheduling).
func FuzzInspect(f *testing.F) {
	for _, rel := range [][]string{
		{"cab", "mixed.cab"},
		{"cab", "normal_2files_2folders.cab"},
		{"cab", "lzx-premature-matches.cab"},
		{"msi", "msi_with_external_cab.msi"},
		{"msi", "msi_with_external_cab.cab"},
		{"xar", "nudge-launchagent-1.0.1.valid.pkg"},
	} {
		b, err := os.ReadFile(testenv.Shared(f, append([]string{"fixtures-real"}, rel...)...))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, b := range malformed.All() {
		f.Add(b)
	}
	// MSIX: a package, and a bundle holding it.
	pkg, err := msixbuild.Build(msixbuild.Package{Name: "F", Publisher: "CN=F", Version: "1.0.0.0", Arch: "x64",
		Files: []msixbuild.File{{Name: "a/b.txt", Data: []byte("fuzz")}}})
	if err != nil {
		f.Fatal(err)
	}
	bundle, err := msixbuild.BuildBundle(msixbuild.Bundle{Name: "F", Publisher: "CN=F", Version: "1.0.0.0",
		Packages: []msixbuild.BundlePackage{{FileName: "F.msix", Version: "1.0.0.0", Arch: "x64", Data: pkg}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(pkg)
	f.Add(bundle)
	// A disk image: an HFS+ volume in zlib and LZFSE chunks.
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "F", Files: dmgbuild.FuzzFiles(), BlockSize: 512})
	if err != nil {
		f.Fatal(err)
	}
	img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{{Name: "disk image (Apple_HFS : 0)", Data: vol,
		Chunks: []uint32{dmgbuild.ChunkZlib, dmgbuild.ChunkLZFSE}, ChunkSectors: 64}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(img)
	limits := inspect.DefaultLimits()
	limits.TotalBytes = 32 << 20
	limits.EntryBytes = 8 << 20
	limits.NestedBytes = 8 << 20
	limits.Entries = 2000
	limits.Depth = 4
	f.Fuzz(func(t *testing.T, data []byte) {
		run := func() []byte {
			inv, err := inspect.Inspect(bytes.NewReader(data), int64(len(data)), "fuzz.bin", inspect.Options{Limits: limits, Workers: 2})
			var notInstaller *inspect.NotInstallerError
			if errors.As(err, &notInstaller) {
				return []byte(err.Error())
			}
			if err != nil {
				t.Fatalf("Inspect error on in-memory input: %v", err)
			}
			for _, p := range inv.Problems {
				if p.Layer == "" || p.Path == "" || p.Message == "" {
					t.Fatalf("problem without layer, path or message: %+v", p)
				}
			}
			b, err := json.Marshal(inv)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if a, b := run(), run(); !bytes.Equal(a, b) {
			t.Fatalf("two inspections differ:\n%s\n%s", a, b)
		}
	})
}
