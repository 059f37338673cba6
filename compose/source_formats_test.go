package compose

import (
	"bytes"
	"strings"
	"testing"
)

// A source SBOM may come in any format compose writes (and SPDX 3 JSON-LD):
// read back, each gives the same packages with their identifiers.
func TestSourceSBOMAnyFormat(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	want, err := ReadSourceSBOM(bytes.NewReader(writeFormat(t, res, FormatSPDXJSON)), "x.spdx.json")
	if err != nil {
		t.Fatal(err)
	}
	names := func(s *SourceSBOM) map[string]string {
		m := map[string]string{}
		for _, p := range s.Packages {
			m[p.Name] = p.Version + " " + p.PURL() + " " + p.CPE()
		}
		return m
	}
	for _, f := range []string{"spdx-tag-value", FormatCycloneDXJSON} {
		got, err := ReadSourceSBOM(bytes.NewReader(writeFormat(t, res, f)), "x."+f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		w, g := names(want), names(got)
		for n, v := range w {
			if g[n] != v {
				t.Errorf("%s: package %q: %q, SPDX 2.3 JSON gives %q", f, n, g[n], v)
			}
		}
	}
	spdx3 := `{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": [
	  {"type": "SpdxDocument", "spdxId": "https://example.org/doc"},
	  {"type": "Organization", "spdxId": "urn:org:psf", "name": "Python Software Foundation"},
	  {"type": "software_Package", "spdxId": "urn:pkg:expat", "name": "expat", "software_packageVersion": "2.6.4",
	   "suppliedBy": "urn:org:psf", "software_downloadLocation": "https://github.com/libexpat/libexpat/releases",
	   "externalIdentifier": [{"type": "ExternalIdentifier", "externalIdentifierType": "cpe23", "identifier": "cpe:2.3:a:libexpat_project:libexpat:2.6.4:*:*:*:*:*:*:*"}]},
	  {"type": "simplelicensing_LicenseExpression", "spdxId": "urn:lic:mit", "simplelicensing_licenseExpression": "MIT"},
	  {"type": "Relationship", "spdxId": "urn:rel:1", "from": "urn:pkg:expat", "to": ["urn:lic:mit"], "relationshipType": "hasDeclaredLicense"}]}`
	s, err := ReadSourceSBOM(strings.NewReader(spdx3), "x.spdx3.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Packages) != 1 || s.Packages[0].Version != "2.6.4" || s.Packages[0].LicenseDeclared != "MIT" ||
		s.Packages[0].Supplier != "Organization: Python Software Foundation" || !strings.Contains(s.Packages[0].CPE(), "libexpat") {
		t.Errorf("SPDX 3: %+v", s.Packages)
	}
	if _, err := ReadSourceSBOM(strings.NewReader(`{"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [{"type": "library"}]}`), "bad.cdx.json"); err == nil {
		t.Error("a CycloneDX component without a name was accepted")
	}
}

func writeFormat(t *testing.T, res *Result, name string) []byte {
	t.Helper()
	f, ok := LookupFormat(name)
	if !ok {
		t.Fatalf("no format %s", name)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
