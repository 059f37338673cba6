package fingerprint

import (
	"encoding/json"
	"sort"
	"strings"
)

// depsJSON reads a .NET application's <app>.deps.json: every library of type
// "package" is a NuGet package the application was built against and ships
// (pkg:nuget); "project" entries are the application's own projects.
type depsJSON struct{}

func (depsJSON) Name() string { return "nuget.deps-json" }
func (depsJSON) Wants(p string, _ []byte, size int64) bool {
	return size <= maxMetadataBytes && strings.HasSuffix(strings.ToLower(p), ".deps.json")
}
func (depsJSON) Catalog(f *Subject, rep *FileReport) {
	var doc struct {
		Libraries map[string]struct {
			Type string `json:"type"`
		} `json:"libraries"`
	}
	if json.Unmarshal(f.Data, &doc) != nil {
		return
	}
	keys := make([]string, 0, len(doc.Libraries))
	for k := range doc.Libraries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if doc.Libraries[k].Type != "package" {
			continue
		}
		name, version, ok := strings.Cut(k, "/")
		if !ok || name == "" || version == "" {
			continue
		}
		rep.Findings = append(rep.Findings, Finding{
			Name: strings.ToLower(name), Version: version, PURL: "pkg:nuget/" + name + "@" + version, Linkage: LinkageUnknown,
			Evidence: []Evidence{{File: f.Path, Rule: "nuget.deps-json", Offset: -1, Resource: "libraries", Match: k}},
		})
	}
}
