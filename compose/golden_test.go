package compose

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Golden outputs for three small inventories. They were read through by a
// person once (see the commit that added them); regenerate with
// `go test ./compose -run TestGolden -update` and review the diff.
func TestGolden(t *testing.T) {
	// The format of each golden file follows from its extension (see
	// FormatForFile), so every registered format is written by the same
	// code path as the CLI's --format.
	cases := []struct {
		file string
		res  func(t *testing.T) *Result
	}{
		{"burn.spdx.json", func(t *testing.T) *Result { return mustCompose(t, burnInventory(), cpythonOptions(t)) }},
		{"embed-zip.spdx.json", func(t *testing.T) *Result { return mustCompose(t, embedZipInventory(), cpythonOptions(t)) }},
		{"pkg.spdx.json", goldenPkg},
		{"pkg.spdx", goldenPkg},
		{"pkg.cdx.json", goldenPkg},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			format, ok := FormatForFile(c.file)
			if !ok {
				t.Fatalf("no registered format has the extension of %s", c.file)
			}
			res := c.res(t)
			var buf bytes.Buffer
			if err := format.Write(&buf, res); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.file, buf.Bytes())
		})
	}
}

func goldenPkg(t *testing.T) *Result {
	return mustCompose(t, pkgInventory(), Options{
		Name: "Nudge LaunchAgent", Version: "1.0.1", Supplier: "Mac Admins Open Source",
		DownloadLocation: "https://github.com/macadmins/nudge/releases/download/v1.0.1/Nudge_LaunchAgent-1.0.1.pkg",
		Creators:         []string{"Person: Release Manager (rm@example.org)"}, Created: testCreated, ToolVersion: "0.1.0",
	})
}

// checkGolden compares got with testdata/file, or writes it there with
// -update.
func checkGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run with -update and review the diff", file)
	}
}
