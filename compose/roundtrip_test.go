package compose

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"
)

// Both SPDX forms read back with tools-golang's own readers to the same
// packages, files, relationships and annotations, and the JSON read back
// writes the same bytes.
func TestSPDXReadsBack(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			res := mustCompose(t, v.inv(), v.opts(t))
			js := spdxJSON(t, res.Document())
			fromJSON, err := spdxjson.Read(bytes.NewReader(js))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(spdxJSON(t, fromJSON), js) {
				t.Errorf("JSON read back writes different bytes")
			}
			var tv bytes.Buffer
			if err := WriteSPDXTagValue(&tv, res.Document()); err != nil {
				t.Fatal(err)
			}
			fromTV, err := tagvalue.Read(&tv)
			if err != nil {
				t.Fatalf("tag-value does not read back: %v", err)
			}
			// Tag-value lists each file under its package.
			for _, p := range fromTV.Packages {
				for _, f := range p.Files {
					if !strings.HasPrefix(f.FileName, "./") {
						t.Errorf("file %q under package %s", f.FileName, p.PackageName)
					}
				}
			}
			HoistPackageFiles(fromTV)
			want := counts(res.Document())
			if got := counts(fromTV); got != want {
				t.Errorf("tag-value read back: %+v, written %+v", got, want)
			}
		})
	}
}

type docCounts struct{ packages, files, relationships, annotations, checksums int }

func counts(d *v2_3.Document) docCounts {
	c := docCounts{packages: len(d.Packages), files: len(d.Files), relationships: len(d.Relationships), annotations: len(d.Annotations)}
	for _, p := range d.Packages {
		c.annotations += len(p.Annotations)
		c.checksums += len(p.PackageChecksums)
	}
	for _, f := range d.Files {
		c.checksums += len(f.Checksums)
	}
	return c
}

// Every CycloneDX dependency names bom-refs that exist, each bom-ref is
// unique, and every SPDX package and file is a component.
func TestCycloneDXReferences(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			res := mustCompose(t, v.inv(), v.opts(t))
			var buf bytes.Buffer
			if err := WriteCycloneDX(&buf, res); err != nil {
				t.Fatal(err)
			}
			var bom struct {
				Metadata struct {
					Component cdxComp `json:"component"`
				} `json:"metadata"`
				Components   []cdxComp `json:"components"`
				Dependencies []struct {
					Ref       string   `json:"ref"`
					DependsOn []string `json:"dependsOn"`
				} `json:"dependencies"`
			}
			if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
				t.Fatal(err)
			}
			refs := map[string]int{}
			var walk func(c cdxComp)
			walk = func(c cdxComp) {
				refs[c.BOMRef]++
				for _, k := range c.Components {
					walk(k)
				}
			}
			walk(bom.Metadata.Component)
			for _, c := range bom.Components {
				walk(c)
			}
			for r, n := range refs {
				if n != 1 {
					t.Errorf("bom-ref %s appears %d times", r, n)
				}
			}
			for _, p := range res.Document().Packages {
				if refs["SPDXRef-"+string(p.PackageSPDXIdentifier)] != 1 {
					t.Errorf("package %s is not a component", p.PackageSPDXIdentifier)
				}
			}
			for _, f := range res.Document().Files {
				if refs["SPDXRef-"+string(f.FileSPDXIdentifier)] != 1 {
					t.Errorf("file %s is not a component", f.FileSPDXIdentifier)
				}
			}
			links := 0
			for _, r := range res.Document().Relationships {
				switch r.Relationship {
				case "STATIC_LINK", "DYNAMIC_LINK", "DEPENDS_ON":
					links++
				}
			}
			deps := 0
			for _, d := range bom.Dependencies {
				for _, r := range append([]string{d.Ref}, d.DependsOn...) {
					if refs[r] != 1 {
						t.Errorf("dependency names unknown bom-ref %s", r)
					}
				}
				deps += len(d.DependsOn)
			}
			if deps != links {
				t.Errorf("%d dependsOn edges for %d SPDX link/dependency relationships", deps, links)
			}
		})
	}
}

type cdxComp struct {
	BOMRef     string    `json:"bom-ref"`
	Components []cdxComp `json:"components"`
}
