package fingerprint

import (
	"encoding/json"
	"net/url"
	"strings"
)

// npmPackage reads node_modules/<name>/package.json (and an Electron app's
// own package.json at the root of app.asar): name, version, author, licence.
// A package.json is believed only where the directory it sits in is the
// package's own name, so a test fixture or a nested "type: module" marker
// is not taken for a package.
type npmPackage struct{}

func (npmPackage) Name() string { return "npm.package-json" }
func (npmPackage) Wants(p string, _ []byte, size int64) bool {
	return size <= maxMetadataBytes && strings.HasSuffix(p, "/package.json") &&
		(strings.Contains(p, "node_modules/") || strings.HasSuffix(p, ".asar/package.json"))
}
func (npmPackage) Catalog(f *Subject, rep *FileReport) {
	var doc struct {
		Name    string          `json:"name"`
		Version string          `json:"version"`
		Author  json.RawMessage `json:"author"`
		License json.RawMessage `json:"license"`
		Private bool            `json:"private"`
	}
	if json.Unmarshal(f.Data, &doc) != nil || doc.Name == "" || doc.Version == "" {
		return
	}
	dir := strings.TrimSuffix(f.Path, "/package.json")
	if !strings.HasSuffix(dir, ".asar") && !strings.HasSuffix(dir, "node_modules/"+doc.Name) {
		return
	}
	fd := Finding{
		Name: doc.Name, Version: doc.Version, PURL: npmPURL(doc.Name, doc.Version), Linkage: LinkageUnknown,
		License: npmLicense(doc.License),
		Evidence: []Evidence{{File: f.Path, Rule: "npm.package-json", Offset: -1, Resource: "package.json name/version",
			Match: doc.Name + "@" + doc.Version}},
	}
	if a := npmAuthor(doc.Author); a != "" {
		fd.Supplier = "Person: " + a
	}
	if strings.HasSuffix(dir, ".asar") {
		fd.Own = true // the Electron application itself
	}
	rep.Findings = append(rep.Findings, fd)
}

func npmPURL(name, version string) string {
	ns, n := "", name
	if i := strings.IndexByte(name, '/'); strings.HasPrefix(name, "@") && i > 0 {
		ns, n = "%40"+url.PathEscape(name[1:i])+"/", name[i+1:]
	}
	return "pkg:npm/" + ns + url.PathEscape(n) + "@" + url.PathEscape(version)
}

// npmAuthor reads "Name <mail> (url)" or {"name": …}.
func npmAuthor(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if i := strings.IndexAny(s, "<("); i >= 0 {
			s = s[:i]
		}
		return strings.TrimSpace(s)
	}
	var o struct{ Name string }
	if json.Unmarshal(raw, &o) == nil {
		return strings.TrimSpace(o.Name)
	}
	return ""
}

// npmLicense reads "MIT", {"type": "MIT"} or [{"type": …}, …] (joined
// with OR, as the old array form meant a choice).
func npmLicense(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	var o struct{ Type string }
	if json.Unmarshal(raw, &o) == nil && o.Type != "" {
		return o.Type
	}
	var arr []struct{ Type string }
	if json.Unmarshal(raw, &arr) == nil {
		var ts []string
		for _, a := range arr {
			if a.Type != "" {
				ts = append(ts, a.Type)
			}
		}
		return strings.Join(ts, " OR ")
	}
	return ""
}
