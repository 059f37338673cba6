package fingerprint

import (
	"github.com/installer-sbom/installer-sbom/inspect/inventory"

	"path"
	"sort"
	"strings"
)

type SystemDependency = inventory.SystemDependency

// Aggregate merges file reports into components and system dependencies.
//
// Components are keyed by (name, version, linkage): the same library found
// as its own DLL and compiled into another binary is two components, because
// they are two copies that are patched separately. A finding with Own is
// "dynamic" and its ImportedBy lists the files whose imports resolve to one
// of its files; without Own it is "static"; Finding.Linkage overrides both.
//
// Imports resolve to files of the installer by case-insensitive basename (PE,
// ELF) or by install name, then basename, for Mach-O @rpath/@loader_path/
// @executable_path names. Imports that resolve to no file are system
// dependencies; Mach-O imports under /usr/lib/ and /System/ always are, even
// when a file of that name is shipped.
func Aggregate(reports []*FileReport) ([]Component, []SystemDependency) {
	// Index the installer's files by lower-case basename and install name.
	byBase := map[string][]string{}
	byInstall := map[string][]string{}
	for _, r := range reports {
		if r == nil {
			continue
		}
		b := strings.ToLower(path.Base(r.Path))
		byBase[b] = append(byBase[b], r.Path)
		if r.Kind == "macho" {
			for _, s := range r.MachO {
				if s.InstallName != "" {
					byInstall[s.InstallName] = append(byInstall[s.InstallName], r.Path)
				}
			}
		}
	}

	importers := map[string]map[string]bool{} // file -> files importing it
	sysdeps := map[string]*SystemDependency{} // lower-case name -> dep
	for _, r := range reports {
		if r == nil {
			continue
		}
		for _, imp := range r.Imports {
			targets := resolveImport(r.Kind, imp, byBase, byInstall)
			if targets == nil {
				key := imp
				if r.Kind != "macho" {
					key = strings.ToLower(imp)
				}
				d := sysdeps[key]
				if d == nil {
					d = &SystemDependency{Name: imp}
					sysdeps[key] = d
				} else if imp < d.Name {
					d.Name = imp // deterministic spelling among case variants
				}
				d.ImportedBy = append(d.ImportedBy, r.Path)
				continue
			}
			for _, t := range targets {
				if t == r.Path {
					continue
				}
				if importers[t] == nil {
					importers[t] = map[string]bool{}
				}
				importers[t][r.Path] = true
			}
		}
	}

	type key struct{ name, version, linkage string }
	comps := map[key]*Component{}
	for _, r := range reports {
		if r == nil {
			continue
		}
		for _, f := range r.Findings {
			linkage := f.Linkage
			if linkage == "" {
				linkage = LinkageStatic
				if f.Own {
					linkage = LinkageDynamic
				}
			}
			k := key{f.Name, f.Version, linkage}
			c := comps[k]
			if c == nil {
				c = &Component{Name: f.Name, Version: f.Version, Supplier: f.Supplier, PURL: f.PURL, CPE: f.CPE, Linkage: linkage, Parent: f.Parent, License: f.License}
				comps[k] = c
			}
			c.Files = append(c.Files, r.Path)
			c.Evidence = append(c.Evidence, f.Evidence...)
			if linkage == LinkageDynamic {
				for imp := range importers[r.Path] {
					c.ImportedBy = append(c.ImportedBy, imp)
				}
			}
		}
	}

	// A .NET assembly that a .nuspec or *.deps.json of the same installer
	// names as a NuGet package is that package: it takes the package URL.
	nugetPURL := map[string]string{}
	for _, c := range comps {
		if strings.HasPrefix(c.PURL, "pkg:nuget/") {
			nugetPURL[strings.ToLower(c.Name)] = c.PURL
		}
	}
	for _, c := range comps {
		if p, ok := nugetPURL[strings.ToLower(c.Name)]; ok && hasRule(c.Evidence, "dotnet.assembly") {
			c.PURL = p
		}
	}

	out := make([]Component, 0, len(comps))
	for _, c := range comps {
		c.Files = uniqSorted(c.Files)
		c.ImportedBy = uniqSorted(c.ImportedBy)
		c.Evidence = sortEvidence(c.Evidence)
		if c.Evidence == nil {
			c.Evidence = []Evidence{}
		}
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		return a.Linkage < b.Linkage
	})

	deps := make([]SystemDependency, 0, len(sysdeps))
	for _, d := range sysdeps {
		d.ImportedBy = uniqSorted(d.ImportedBy)
		deps = append(deps, *d)
	}
	sort.Slice(deps, func(i, j int) bool {
		a, b := strings.ToLower(deps[i].Name), strings.ToLower(deps[j].Name)
		if a != b {
			return a < b
		}
		return deps[i].Name < deps[j].Name
	})
	return out, deps
}

// resolveImport returns the shipped files an import names, nil when none.
func resolveImport(kind, imp string, byBase, byInstall map[string][]string) []string {
	if kind == "macho" {
		if strings.HasPrefix(imp, "/usr/lib/") || strings.HasPrefix(imp, "/System/") {
			return nil
		}
		if t := byInstall[imp]; len(t) > 0 {
			return t
		}
	}
	return byBase[strings.ToLower(path.Base(imp))]
}

func uniqSorted(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	sort.Strings(s)
	out := s[:1]
	for _, x := range s[1:] {
		if x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

func hasRule(ev []Evidence, rule string) bool {
	for _, e := range ev {
		if e.Rule == rule {
			return true
		}
	}
	return false
}
