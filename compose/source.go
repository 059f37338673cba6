package compose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
)

// maxSourceSBOMBytes bounds a source SBOM read into memory. CPython's largest
// (Misc/sbom.spdx.json) is under 100 KB; a release tarball's complete SBOM
// with every file listed stays well under a few MB.
const maxSourceSBOMBytes = 64 << 20

// SourceSBOM is a project's own SBOM (CPython's Misc/sbom.spdx.json,
// Misc/externals.spdx.json, or a complete Python-X.Y.Z.tgz.spdx.json), read
// for the package facts the installer's bytes cannot show: license, download
// location, originator, and the version when the bytes carry none.
type SourceSBOM struct {
	// Name is the base name of what the caller called the file, used in
	// annotations and reports; directories are dropped so that the document
	// does not depend on where the source SBOM was read from.
	Name string
	// DocumentName and Namespace are empty for CPython's partial files.
	DocumentName string
	Namespace    string
	Packages     []SourcePackage
}

// SourcePackage is one package entry of a source SBOM.
type SourcePackage struct {
	SPDXID           string
	Name             string
	Version          string
	Supplier         string // "Organization: X", "Person: Y", "NOASSERTION" or empty
	Originator       string
	DownloadLocation string
	Homepage         string
	LicenseConcluded string
	LicenseDeclared  string
	CopyrightText    string
	Purpose          string
	Checksums        []SourceChecksum
	ExternalRefs     []SourceRef
}

// SourceChecksum is a checksum as a source SBOM declares it (usually of a
// source archive, never of the installer's bytes).
type SourceChecksum struct {
	Algorithm string
	Value     string
}

// SourceRef is an external reference (CPE, PURL) of a source package.
type SourceRef struct {
	Category string
	Type     string
	Locator  string
}

// ReadSourceSBOM reads a project's SBOM in any format compose writes or
// projects publish: SPDX 2.x JSON or tag-value, SPDX 3.0.1 JSON-LD, or
// CycloneDX JSON (source_formats.go reads the last three). SPDX 2 JSON is
// read leniently: only the fields compose uses are read, creationInfo and
// files may be missing (CPython's Misc/*.spdx.json have neither
// creationInfo nor a namespace), and unknown fields are ignored. It fails
// on input in none of those formats, or with a package without a name.
func ReadSourceSBOM(r io.Reader, name string) (*SourceSBOM, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSourceSBOMBytes+1))
	if err != nil {
		return nil, fmt.Errorf("source SBOM %s: %w", name, err)
	}
	if len(data) > maxSourceSBOMBytes {
		return nil, fmt.Errorf("source SBOM %s: larger than %d bytes", name, maxSourceSBOMBytes)
	}
	switch sourceFormat(data) {
	case "spdx-tag-value":
		return readSourceTagValue(data, name)
	case "spdx3":
		return readSourceSPDX3(data, name)
	case "cyclonedx":
		return readSourceCycloneDX(data, name)
	}
	return readSourceSPDX2JSON(data, name)
}

// readSourceSPDX2JSON reads an SPDX 2.x JSON document leniently.
func readSourceSPDX2JSON(data []byte, name string) (*SourceSBOM, error) {
	var raw struct {
		SPDXVersion       string `json:"spdxVersion"`
		Name              string `json:"name"`
		DocumentNamespace string `json:"documentNamespace"`
		Packages          []struct {
			SPDXID           string `json:"SPDXID"`
			Name             string `json:"name"`
			VersionInfo      string `json:"versionInfo"`
			Supplier         string `json:"supplier"`
			Originator       string `json:"originator"`
			DownloadLocation string `json:"downloadLocation"`
			Homepage         string `json:"homepage"`
			LicenseConcluded string `json:"licenseConcluded"`
			LicenseDeclared  string `json:"licenseDeclared"`
			CopyrightText    string `json:"copyrightText"`
			Purpose          string `json:"primaryPackagePurpose"`
			Checksums        []struct {
				Algorithm     string `json:"algorithm"`
				ChecksumValue string `json:"checksumValue"`
			} `json:"checksums"`
			ExternalRefs []struct {
				ReferenceCategory string `json:"referenceCategory"`
				ReferenceType     string `json:"referenceType"`
				ReferenceLocator  string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("source SBOM %s: not an SPDX JSON document: %w", name, jsonErrorWithOffset(err))
	}
	if !strings.HasPrefix(raw.SPDXVersion, "SPDX-2.") {
		return nil, fmt.Errorf("source SBOM %s: spdxVersion %q, want SPDX-2.x", name, raw.SPDXVersion)
	}
	s := &SourceSBOM{Name: baseName(name), DocumentName: raw.Name, Namespace: raw.DocumentNamespace}
	for i, p := range raw.Packages {
		if strings.TrimSpace(p.Name) == "" {
			return nil, fmt.Errorf("source SBOM %s: package %d (%s) has no name", name, i, p.SPDXID)
		}
		sp := SourcePackage{
			SPDXID: p.SPDXID, Name: p.Name, Version: p.VersionInfo,
			Supplier: p.Supplier, Originator: p.Originator,
			DownloadLocation: p.DownloadLocation, Homepage: p.Homepage,
			LicenseConcluded: p.LicenseConcluded, LicenseDeclared: p.LicenseDeclared,
			CopyrightText: p.CopyrightText, Purpose: p.Purpose,
		}
		for _, c := range p.Checksums {
			sp.Checksums = append(sp.Checksums, SourceChecksum{Algorithm: c.Algorithm, Value: strings.ToLower(c.ChecksumValue)})
		}
		for _, ref := range p.ExternalRefs {
			sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{
				// SPDX 2.3 JSON spells the category with a hyphen; CPython's
				// files use PACKAGE_MANAGER, which the 2.3 schema rejects.
				Category: strings.ReplaceAll(ref.ReferenceCategory, "_", "-"),
				Type:     ref.ReferenceType,
				Locator:  ref.ReferenceLocator,
			})
		}
		s.Packages = append(s.Packages, sp)
	}
	return s, nil
}

// baseName drops directories written with either separator.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 && i < len(p)-1 {
		return p[i+1:]
	}
	return p
}

func jsonErrorWithOffset(err error) error {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Errorf("%w (at byte offset %d)", err, se.Offset)
	}
	if te, ok := err.(*json.UnmarshalTypeError); ok {
		return fmt.Errorf("%w (at byte offset %d)", err, te.Offset)
	}
	return err
}

// CPE returns the package's first cpe23Type locator, or "".
func (p *SourcePackage) CPE() string { return p.ref("cpe23Type") }

// PURL returns the package's first purl locator, or "".
func (p *SourcePackage) PURL() string { return p.ref("purl") }

func (p *SourcePackage) ref(typ string) string {
	for _, r := range p.ExternalRefs {
		if r.Type == typ {
			return r.Locator
		}
	}
	return ""
}

// nameAliases maps names projects give a component in source SBOMs to the
// plain project names the fingerprint engine reports: each library rule's
// "aliases" (inspect/fingerprint/rules). zlib-ng is deliberately not an alias
// of zlib.
var nameAliases = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, r := range fingerprint.BuiltinRules() {
		for _, a := range r.Aliases {
			m[foldName(a)] = r.Name
		}
	}
	return m
})

var nameSeparators = regexp.MustCompile(`[-_.\s]+`)

// foldName lower-cases a name and folds runs of separators into one '-'.
func foldName(name string) string {
	return strings.Trim(nameSeparators.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-"), "-")
}

// canonicalName lower-cases a name, folds runs of '-', '_', '.' and spaces
// into one '-' (PyPI's rule, which also fits C library names) and applies
// nameAliases.
func canonicalName(name string) string {
	n := foldName(name)
	if a, ok := nameAliases()[n]; ok {
		return a
	}
	return n
}

// cpeVendorProduct returns "vendor:product" of a CPE 2.3 formatted string.
func cpeVendorProduct(cpe string) string {
	f := strings.Split(cpe, ":")
	if len(f) < 5 || f[0] != "cpe" || f[1] != "2.3" {
		return ""
	}
	return strings.ToLower(f[3] + ":" + f[4])
}

// cpeWithVersion replaces the version field of a CPE 2.3 formatted string.
func cpeWithVersion(cpe, version string) string {
	f := strings.Split(cpe, ":")
	if len(f) < 6 || f[0] != "cpe" || f[1] != "2.3" || version == "" || strings.ContainsAny(version, ": ") {
		return ""
	}
	f[5] = version
	return strings.Join(f, ":")
}

// purlTypeName returns "type/namespace/name" of a package URL, lower-cased
// and with the name PyPI-normalised, without version, qualifiers or subpath.
func purlTypeName(purl string) string {
	if !strings.HasPrefix(purl, "pkg:") {
		return ""
	}
	p := strings.TrimPrefix(purl, "pkg:")
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if i := strings.LastIndex(p, "@"); i >= 0 {
		p = p[:i]
	}
	parts := strings.Split(p, "/")
	if len(parts) < 2 {
		return ""
	}
	parts[len(parts)-1] = canonicalName(parts[len(parts)-1])
	return strings.ToLower(strings.Join(parts, "/"))
}

// sameVersion compares versions the way source SBOMs and binaries spell
// them: CPython pins SQLite as 3.50.4.0 and Tcl as 8.6.15.0 (the
// cpython-source-deps tag) while the libraries report 3.50.4 and 8.6.15, so
// trailing ".0" groups and a leading "v" are ignored.
func sameVersion(a, b string) bool {
	return normVersion(a) == normVersion(b)
}

func normVersion(v string) string {
	v = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(v)), "v")
	for strings.HasSuffix(v, ".0") && strings.Count(v, ".") > 1 {
		v = strings.TrimSuffix(v, ".0")
	}
	return v
}

// sourceEntry is one package of one source SBOM, with where it came from.
type sourceEntry struct {
	sbom  string
	index int // order within its SBOM
	pkg   SourcePackage
	used  bool
}

func (e *sourceEntry) label() string {
	return fmt.Sprintf("%s %s (%s %s)", e.pkg.Name, orNone(e.pkg.Version), e.sbom, e.pkg.SPDXID)
}

func orNone(s string) string {
	if s == "" {
		return "(no version)"
	}
	return s
}

// sourceIndex finds source-SBOM packages for a fingerprinted component.
type sourceIndex struct {
	entries []*sourceEntry
}

func newSourceIndex(sboms []SourceSBOM) *sourceIndex {
	ix := &sourceIndex{}
	for _, s := range sboms {
		for i, p := range s.Packages {
			ix.entries = append(ix.entries, &sourceEntry{sbom: s.Name, index: i, pkg: p})
		}
	}
	return ix
}

// candidates returns the source packages that describe the same project as
// a component: by canonical name first; when no name matches, by PURL
// type/name, then by CPE vendor:product — each only when it is unambiguous
// about the project (Tcl and Tk share the CPE tcl_tk:tcl_tk, so a CPE that
// matches packages of two different names is not used).
func (ix *sourceIndex) candidates(name, purl, cpe string) []*sourceEntry {
	cn := canonicalName(name)
	var out []*sourceEntry
	for _, e := range ix.entries {
		if canonicalName(e.pkg.Name) == cn {
			out = append(out, e)
		}
	}
	if len(out) > 0 {
		return out
	}
	if tn := purlTypeName(purl); tn != "" {
		for _, e := range ix.entries {
			if purlTypeName(e.pkg.PURL()) == tn {
				out = append(out, e)
			}
		}
		if oneProject(out) {
			return out
		}
		out = nil
	}
	if vp := cpeVendorProduct(cpe); vp != "" {
		for _, e := range ix.entries {
			if cpeVendorProduct(e.pkg.CPE()) == vp {
				out = append(out, e)
			}
		}
		if oneProject(out) {
			return out
		}
	}
	return nil
}

func oneProject(es []*sourceEntry) bool {
	if len(es) == 0 {
		return false
	}
	n := canonicalName(es[0].pkg.Name)
	for _, e := range es[1:] {
		if canonicalName(e.pkg.Name) != n {
			return false
		}
	}
	return true
}

// unused returns the entries no component matched, deduplicated by
// canonical name and version (the same pin listed in two source files is one
// package), in source order.
func (ix *sourceIndex) unused() [][]*sourceEntry {
	groups := map[string][]*sourceEntry{}
	var keys []string
	for _, e := range ix.entries {
		if e.used {
			continue
		}
		k := canonicalName(e.pkg.Name) + "\x00" + normVersion(e.pkg.Version)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], e)
	}
	sort.Strings(keys)
	out := make([][]*sourceEntry, 0, len(keys))
	for _, k := range keys {
		out = append(out, groups[k])
	}
	return out
}
