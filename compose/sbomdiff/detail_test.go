package sbomdiff_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestDetailMatchesModel reads compose's golden documents: the Detail lists
// the same components as the Model, each with its document identifier, and
// gives a component its own files only where compose's evidence and
// relationships say which file is the component.
func TestDetailMatchesModel(t *testing.T) {
	dir := filepath.Join(testenv.RepoRoot(t), "compose", "testdata")
	for _, name := range []string{"embed-zip.spdx.json", "burn.spdx.json", "pkg.spdx", "pkg.cdx.json", "pkg.spdx.json"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			m, err := sbomdiff.Read(bytes.NewReader(b), name, nil)
			if err != nil {
				t.Fatal(err)
			}
			d, err := sbomdiff.ReadDetail(bytes.NewReader(b), name, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Components) != len(m.Components) {
				t.Fatalf("%d components in the Detail, %d in the Model", len(d.Components), len(m.Components))
			}
			if d.Root.Ref != "SPDXRef-Installer" || d.Model.SHA256 != m.SHA256 || d.Model.SHA256 == "" {
				t.Errorf("root %+v, sha256 %q", d.Root, d.Model.SHA256)
			}
			files := map[string]sbomdiff.File{}
			for _, f := range m.Files {
				files[f.SHA256] = f
			}
			seen := map[string]bool{}
			for i, c := range d.Components {
				if c.Component != m.Components[i] {
					t.Errorf("component %d: Detail %+v, Model %+v", i, c.Component, m.Components[i])
				}
				if !strings.HasPrefix(c.Ref, "SPDXRef-Library-") || seen[c.Ref] {
					t.Errorf("%s: ref %q", c.Name, c.Ref)
				}
				seen[c.Ref] = true
				if len(c.Linkage) == 0 {
					t.Errorf("%s: no linkage read", c.Name)
				}
				if !c.Dynamic() && len(c.Files) > 0 {
					t.Errorf("%s (linkage %v) has own files %v", c.Name, c.Linkage, c.Files)
				}
				for _, f := range c.Files {
					if f.SHA256 == "" || f.SHA1 == "" {
						t.Errorf("%s: own file %s without hashes", c.Name, f.Path)
					}
					if _, ok := files[f.SHA256]; !ok {
						t.Errorf("%s: own file %s is not among the document's files", c.Name, f.Path)
					}
				}
			}
		})
	}
}

// TestDetailOwnFiles: in the embeddable zip, openssl and cpython are their
// own DLLs; zlib and mpdecimal are compiled into other files.
func TestDetailOwnFiles(t *testing.T) {
	for _, name := range []string{"embed-zip.spdx.json"} {
		b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "compose", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		d, err := sbomdiff.ReadDetail(bytes.NewReader(b), name, nil)
		if err != nil {
			t.Fatal(err)
		}
		own := map[string]string{}
		for _, c := range d.Components {
			var paths []string
			for _, f := range c.Files {
				paths = append(paths, f.Path)
			}
			own[c.Name] = strings.Join(paths, ",")
		}
		want := map[string]string{
			"cpython":   "python-3.11.11-embed-amd64.zip/python311.dll",
			"openssl":   "python-3.11.11-embed-amd64.zip/libcrypto-3-x64.dll",
			"zlib":      "",
			"mpdecimal": "",
			"xz":        "",
		}
		for k, v := range want {
			if own[k] != v {
				t.Errorf("%s: own files %q, want %q", k, own[k], v)
			}
		}
	}
}
