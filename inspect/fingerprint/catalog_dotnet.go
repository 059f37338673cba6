package fingerprint

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
)

// dotnetAssembly reads the identity of a .NET assembly from its CLR metadata
// (dotnet.go): the Assembly table's name, version, culture and public key,
// and the AssemblyInformationalVersionAttribute, which says the version the
// project released (NuGet's package version) where the assembly version is
// often pinned for binding ("13.0.0.0" in Newtonsoft.Json 13.0.3).
//
// A cataloger sees one file, so it cannot tell which NuGet package an
// assembly came from: the PURL is generic here, and the .nuspec or
// *.deps.json beside it ties it to a package.
type dotnetAssembly struct{}

func (dotnetAssembly) Name() string { return "dotnet.assembly" }
func (dotnetAssembly) Wants(_ string, head []byte, _ int64) bool {
	return bytes.HasPrefix(head, []byte("MZ"))
}
func (dotnetAssembly) Catalog(f *Subject, rep *FileReport) {
	if f.kind != kindPE {
		return
	}
	a, err := readAssembly(f.Data)
	if err != nil {
		// A native PE file or a .netmodule is no error; malformed metadata
		// behind a CLI header is.
		if !errors.Is(err, errNotDotnet) && !errors.Is(err, errNoAssembly) {
			fe := &FormatError{Path: f.Path, Layer_: "clr", Offset_: -1, Msg: err.Error()}
			var ce *clrError
			if errors.As(err, &ce) {
				fe.Offset_, fe.Msg = ce.off, ce.msg
			}
			rep.Errors = append(rep.Errors, fe)
		}
		return
	}
	if a.Culture != "" && strings.HasSuffix(strings.ToLower(a.Name), ".resources") {
		// A satellite assembly (Foo.resources, culture "de") holds one
		// culture's strings of Foo: part of Foo, not a component of its
		// own, and an installer can carry dozens of them.
		f.identified = true
		return
	}
	ev := Evidence{File: f.Path, Rule: "dotnet.assembly", Offset: -1, Resource: "CLR metadata Assembly table", Match: shorten(a.DisplayName())}
	v, fromInfo := assemblyVersion(a)
	fd := Finding{Name: a.Name, Version: v, Own: true, Evidence: []Evidence{ev}}
	if fromInfo {
		fd.Evidence = append(fd.Evidence, Evidence{File: f.Path, Rule: "dotnet.assembly", Offset: -1,
			Resource: "CLR metadata AssemblyInformationalVersionAttribute", Match: shorten(a.InformationalVersion)})
	}
	fd.PURL = genericPURL(a.Name, fd.Version)
	if f.PE != nil {
		if c := cleanProductText(f.PE.VersionStrings["CompanyName"]); c != "" {
			fd.Supplier = "Organization: " + c
			fd.Evidence = append(fd.Evidence, Evidence{File: f.Path, Rule: "dotnet.assembly", Offset: -1,
				Resource: "VERSIONINFO/CompanyName", Match: shorten(f.PE.VersionStrings["CompanyName"])})
		}
	}
	rep.Findings = append(rep.Findings, fd)
	f.identified = true
}

// assemblyVersion is the version an assembly's finding reports: its
// informational version when that is a plain version, else its assembly
// version ("" for the default 0.0.0.0, which says nothing). An assembly
// version that refines a shorter informational version wins: log4net 1.2.10
// says AssemblyInformationalVersion "1.2" and AssemblyVersion 1.2.10.0,
// reported as 1.2.10 (a trailing ".0" dropped, as pe.product does).
func assemblyVersion(a *assemblyIdentity) (v string, fromInfo bool) {
	av := a.Version()
	if av == "0.0.0.0" {
		av = ""
	}
	iv := plainVersion(a.InformationalVersion)
	switch {
	case iv == "":
		return av, false
	case extendsVersion(av, iv):
		if t := strings.TrimSuffix(av, ".0"); strings.Count(t, ".") >= 2 {
			return t, false
		}
		return av, false
	}
	return iv, true
}

// semverish is a dotted version of two to four numbers with an optional
// SemVer pre-release label and build metadata.
var semverish = regexp.MustCompile(`^\d+(?:\.\d+){1,3}(?:-[0-9A-Za-z][0-9A-Za-z.-]*)?(?:\+[0-9A-Za-z.-]+)?$`)

// plainVersion returns an informational version that is a plain dotted or
// SemVer version, without its build metadata ("8.0.0+5535e31a" → "8.0.0",
// as the SDK writes $(Version)+$(SourceRevisionId)); "" for anything else
// ("Release 2", a product name).
func plainVersion(s string) string {
	s = strings.TrimSpace(s)
	if !semverish.MatchString(s) {
		return ""
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		s = s[:i]
	}
	return stripRTM(s)
}

// rtmLabel is the "released to manufacturing" label some Microsoft builds
// append to a release's version ("3.4.4-rtm-1321"): it marks the release
// itself, not a pre-release, so the version is the release's.
var rtmLabel = regexp.MustCompile(`-rtm(?:[-.][0-9A-Za-z]+)*$`)

func stripRTM(v string) string { return rtmLabel.ReplaceAllString(v, "") }
