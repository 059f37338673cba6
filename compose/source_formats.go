package compose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"
)

// Source SBOMs in the formats other than SPDX 2 JSON, mapped onto the same
// SourcePackage fields.

// sourceFormat tells a document's format from its first bytes and keys:
// "spdx-tag-value", "spdx3", "cyclonedx", or "" (SPDX 2 JSON, or not an
// SBOM: readSourceSPDX2JSON says which).
func sourceFormat(data []byte) string {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if bytes.HasPrefix(trimmed, []byte("SPDXVersion:")) || bytes.HasPrefix(trimmed, []byte("##")) {
		return "spdx-tag-value"
	}
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return ""
	}
	var probe struct {
		BOMFormat string          `json:"bomFormat"`
		Context   json.RawMessage `json:"@context"`
	}
	if json.Unmarshal(trimmed, &probe) != nil {
		return ""
	}
	switch {
	case probe.BOMFormat == "CycloneDX":
		return "cyclonedx"
	case bytes.Contains(probe.Context, []byte("spdx.org/rdf/3.")):
		return "spdx3"
	}
	return ""
}

// readSourceTagValue reads an SPDX 2.x tag-value document.
func readSourceTagValue(data []byte, name string) (*SourceSBOM, error) {
	var doc v2_3.Document
	if err := tagvalue.ReadInto(bytes.NewReader(data), &doc); err != nil {
		return nil, fmt.Errorf("source SBOM %s: not an SPDX tag-value document: %w", name, err)
	}
	s := &SourceSBOM{Name: baseName(name), DocumentName: doc.DocumentName, Namespace: doc.DocumentNamespace}
	agent := func(typ, name string) string {
		if name == "" {
			return ""
		}
		if typ == "" {
			return name // NOASSERTION
		}
		return typ + ": " + name
	}
	for i, p := range doc.Packages {
		if p == nil || strings.TrimSpace(p.PackageName) == "" {
			return nil, fmt.Errorf("source SBOM %s: package %d has no name", name, i)
		}
		sp := SourcePackage{
			SPDXID: "SPDXRef-" + string(p.PackageSPDXIdentifier), Name: p.PackageName, Version: p.PackageVersion,
			DownloadLocation: p.PackageDownloadLocation, Homepage: p.PackageHomePage,
			LicenseConcluded: p.PackageLicenseConcluded, LicenseDeclared: p.PackageLicenseDeclared,
			CopyrightText: p.PackageCopyrightText, Purpose: p.PrimaryPackagePurpose,
		}
		if p.PackageSupplier != nil {
			sp.Supplier = agent(p.PackageSupplier.SupplierType, p.PackageSupplier.Supplier)
		}
		if p.PackageOriginator != nil {
			sp.Originator = agent(p.PackageOriginator.OriginatorType, p.PackageOriginator.Originator)
		}
		for _, c := range p.PackageChecksums {
			sp.Checksums = append(sp.Checksums, SourceChecksum{Algorithm: string(c.Algorithm), Value: strings.ToLower(c.Value)})
		}
		for _, r := range p.PackageExternalReferences {
			if r != nil {
				sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: strings.ReplaceAll(r.Category, "_", "-"), Type: r.RefType, Locator: r.Locator})
			}
		}
		s.Packages = append(s.Packages, sp)
	}
	return s, nil
}

// readSourceCycloneDX reads a CycloneDX JSON document: every component at
// any nesting level (and the metadata component) is a package.
func readSourceCycloneDX(data []byte, name string) (*SourceSBOM, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("source SBOM %s: not a CycloneDX JSON document: %w", name, jsonErrorWithOffset(err))
	}
	if bom.SpecVersion == 0 {
		return nil, fmt.Errorf("source SBOM %s: a CycloneDX document without a specVersion", name)
	}
	s := &SourceSBOM{Name: baseName(name), Namespace: bom.SerialNumber}
	var add func(c cdx.Component, depth int) error
	add = func(c cdx.Component, depth int) error {
		if depth > 64 {
			return fmt.Errorf("source SBOM %s: components nest deeper than 64 levels", name)
		}
		if strings.TrimSpace(c.Name) == "" {
			return fmt.Errorf("source SBOM %s: component %q has no name", name, c.BOMRef)
		}
		sp := SourcePackage{SPDXID: c.BOMRef, Name: c.Name, Version: c.Version, CopyrightText: c.Copyright}
		if c.Group != "" {
			sp.Name = c.Group + "/" + c.Name
			if strings.HasPrefix(c.PackageURL, "pkg:maven/") {
				sp.Name = c.Group + ":" + c.Name
			}
		}
		if c.Supplier != nil && c.Supplier.Name != "" {
			sp.Supplier = "Organization: " + c.Supplier.Name
		}
		if c.Manufacturer != nil && c.Manufacturer.Name != "" {
			sp.Originator = "Organization: " + c.Manufacturer.Name
		} else if c.Author != "" {
			sp.Originator = "Person: " + c.Author
		}
		sp.LicenseDeclared = cdxLicenseExpression(c.Licenses)
		if c.PackageURL != "" {
			sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "PACKAGE-MANAGER", Type: "purl", Locator: c.PackageURL})
		}
		if c.CPE != "" {
			sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "SECURITY", Type: "cpe23Type", Locator: c.CPE})
		}
		if c.Hashes != nil {
			for _, h := range *c.Hashes {
				sp.Checksums = append(sp.Checksums, SourceChecksum{Algorithm: strings.ReplaceAll(string(h.Algorithm), "-", ""), Value: strings.ToLower(h.Value)})
			}
		}
		if c.ExternalReferences != nil {
			for _, r := range *c.ExternalReferences {
				switch r.Type {
				case cdx.ERTypeWebsite:
					sp.Homepage = orDefault(sp.Homepage, r.URL)
				case cdx.ERTypeDistribution, cdx.ERTypeSourceDistribution:
					sp.DownloadLocation = orDefault(sp.DownloadLocation, r.URL)
				}
			}
		}
		s.Packages = append(s.Packages, sp)
		if c.Components != nil {
			for _, sub := range *c.Components {
				if err := add(sub, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		if err := add(*bom.Metadata.Component, 0); err != nil {
			return nil, err
		}
	}
	if bom.Components != nil {
		for _, c := range *bom.Components {
			if err := add(c, 0); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// cdxLicenseExpression is a CycloneDX licence list as one SPDX expression:
// its expression, else its licence ids (several joined with AND: each
// applies), "" when it names none by id.
func cdxLicenseExpression(ls *cdx.Licenses) string {
	if ls == nil {
		return ""
	}
	var ids []string
	for _, l := range *ls {
		switch {
		case l.Expression != "":
			return l.Expression
		case l.License != nil && l.License.ID != "":
			ids = append(ids, l.License.ID)
		}
	}
	if len(ids) > 1 {
		return "(" + strings.Join(ids, " AND ") + ")"
	}
	return strings.Join(ids, "")
}

// readSourceSPDX3 reads an SPDX 3.0.1 JSON-LD document: each
// software_Package element is a package; licences come from the
// hasDeclaredLicense / hasConcludedLicense relationships to licence
// expressions.
func readSourceSPDX3(data []byte, name string) (*SourceSBOM, error) {
	var doc struct {
		Graph []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("source SBOM %s: not an SPDX 3 JSON-LD document: %w", name, jsonErrorWithOffset(err))
	}
	str := func(m map[string]any, k string) string { v, _ := m[k].(string); return v }
	id := func(m map[string]any) string { return orDefault(str(m, "spdxId"), str(m, "@id")) }
	byID := map[string]map[string]any{}
	for _, el := range doc.Graph {
		byID[id(el)] = el
	}
	agentName := func(ref any) string {
		r, _ := ref.(string)
		if el := byID[r]; el != nil {
			kind := "Organization"
			if str(el, "type") == "Person" {
				kind = "Person"
			}
			if n := str(el, "name"); n != "" {
				return kind + ": " + n
			}
		}
		return ""
	}
	s := &SourceSBOM{Name: baseName(name)}
	index := map[string]int{}
	for _, el := range doc.Graph {
		switch str(el, "type") {
		case "SpdxDocument":
			s.DocumentName = str(el, "name")
			s.Namespace = id(el)
		case "software_Package":
			if strings.TrimSpace(str(el, "name")) == "" {
				return nil, fmt.Errorf("source SBOM %s: package %s has no name", name, id(el))
			}
			sp := SourcePackage{SPDXID: id(el), Name: str(el, "name"), Version: str(el, "software_packageVersion"),
				DownloadLocation: str(el, "software_downloadLocation"), Homepage: str(el, "software_homePage"),
				CopyrightText: str(el, "software_copyrightText"), Purpose: strings.ToUpper(str(el, "software_primaryPurpose")),
				Supplier: agentName(el["suppliedBy"])}
			if by, ok := el["originatedBy"].([]any); ok && len(by) > 0 {
				sp.Originator = agentName(by[0])
			}
			if ids, ok := el["externalIdentifier"].([]any); ok {
				for _, x := range ids {
					m, _ := x.(map[string]any)
					switch str(m, "externalIdentifierType") {
					case "packageUrl":
						sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "PACKAGE-MANAGER", Type: "purl", Locator: str(m, "identifier")})
					case "cpe23":
						sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "SECURITY", Type: "cpe23Type", Locator: str(m, "identifier")})
					}
				}
			}
			if purl := str(el, "software_packageUrl"); purl != "" && sp.PURL() == "" {
				sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "PACKAGE-MANAGER", Type: "purl", Locator: purl})
			}
			if hs, ok := el["verifiedUsing"].([]any); ok {
				for _, x := range hs {
					m, _ := x.(map[string]any)
					if v := str(m, "hashValue"); v != "" {
						sp.Checksums = append(sp.Checksums, SourceChecksum{Algorithm: strings.ToUpper(strings.ReplaceAll(str(m, "algorithm"), "_", "")), Value: strings.ToLower(v)})
					}
				}
			}
			index[sp.SPDXID] = len(s.Packages)
			s.Packages = append(s.Packages, sp)
		}
	}
	for _, el := range doc.Graph {
		if str(el, "type") != "Relationship" {
			continue
		}
		i, ok := index[str(el, "from")]
		if !ok {
			continue
		}
		tos, _ := el["to"].([]any)
		var exprs []string
		for _, t := range tos {
			if lic := byID[fmt.Sprint(t)]; lic != nil {
				if e := str(lic, "simplelicensing_licenseExpression"); e != "" {
					exprs = append(exprs, e)
				}
			}
		}
		sort.Strings(exprs)
		expr := strings.Join(exprs, " AND ")
		switch str(el, "relationshipType") {
		case "hasDeclaredLicense":
			s.Packages[i].LicenseDeclared = expr
		case "hasConcludedLicense":
			s.Packages[i].LicenseConcluded = expr
		}
	}
	if len(s.Packages) == 0 && s.Namespace == "" {
		return nil, fmt.Errorf("source SBOM %s: no SpdxDocument or software_Package in the JSON-LD graph", name)
	}
	return s, nil
}
