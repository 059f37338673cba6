package fingerprint

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// pep770SBOM reads the SBOM documents a wheel ships under
// *.dist-info/sboms/ (PEP 770): tools such as auditwheel record there the
// libraries they graft into the wheel. Each package or component of the
// document becomes a finding whose parent is the distribution; the document
// is the evidence. SPDX 2.x JSON and CycloneDX JSON are read.
type pep770SBOM struct{}

func (pep770SBOM) Name() string { return "pypi.pep770" }
func (pep770SBOM) Wants(p string, _ []byte, size int64) bool {
	dir := path.Dir(p)
	return size <= maxMetadataBytes && path.Base(dir) == "sboms" && strings.HasSuffix(path.Dir(dir), ".dist-info") &&
		strings.HasSuffix(p, ".json")
}
func (pep770SBOM) Catalog(f *Subject, rep *FileReport) {
	distInfo := path.Base(path.Dir(path.Dir(f.Path)))
	dist := strings.TrimSuffix(distInfo, ".dist-info")
	if i := strings.IndexByte(dist, '-'); i > 0 {
		dist = dist[:i]
	}
	parent := strings.ToLower(pypiNameSep.ReplaceAllString(dist, "-"))
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name         string `json:"name"`
			VersionInfo  string `json:"versionInfo"`
			ExternalRefs []struct {
				Type    string `json:"referenceType"`
				Locator string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
			CPE     string `json:"cpe"`
		} `json:"components"`
	}
	if json.Unmarshal(f.Data, &doc) != nil {
		return
	}
	add := func(i int, name, version, purl, cpe, kind string) {
		if name == "" || strings.EqualFold(name, dist) {
			return // the distribution itself
		}
		if purl == "" {
			purl = genericPURL(name, version)
		}
		rep.Findings = append(rep.Findings, Finding{
			Name: name, Version: version, PURL: purl, CPE: cpe, Linkage: LinkageUnknown, Parent: parent,
			Evidence: []Evidence{{File: f.Path, Rule: "pypi.pep770", Offset: -1, Resource: fmt.Sprintf("%s %d", kind, i),
				Match: shorten(name + " " + version)}},
		})
	}
	for i, p := range doc.Packages {
		var purl, cpe string
		for _, r := range p.ExternalRefs {
			switch r.Type {
			case "purl":
				purl = r.Locator
			case "cpe23Type":
				cpe = r.Locator
			}
		}
		add(i, p.Name, p.VersionInfo, purl, cpe, "SPDX package")
	}
	for i, c := range doc.Components {
		add(i, c.Name, c.Version, c.PURL, c.CPE, "CycloneDX component")
	}
}
