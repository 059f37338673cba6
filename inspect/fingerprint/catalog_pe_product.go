package fingerprint

import (
	"bytes"
	"net/url"

	"regexp"
	"strings"
)

// peProduct names the product a PE file says it belongs to in its
// VERSIONINFO resource (ProductName, CompanyName, ProductVersion), for every
// executable no library rule recognised as its own: PuTTY's putty.exe,
// NUnit's nunit.framework.dll, a vendor's plug-in. Microsoft's C and C++
// runtime DLLs are named as the Visual C++ runtime (msvc-runtime), the
// version being the file's.
type peProduct struct{}

func (peProduct) Name() string { return "pe.product" }
func (peProduct) Wants(_ string, head []byte, _ int64) bool {
	return bytes.HasPrefix(head, []byte("MZ"))
}
func (peProduct) Catalog(f *Subject, rep *FileReport) {
	if f.PE == nil || len(f.PE.VersionStrings) == 0 || f.identified {
		return
	}
	strs := f.PE.VersionStrings
	company := cleanProductText(strs["CompanyName"])
	ev := func(field string) Evidence {
		return Evidence{File: f.Path, Rule: "pe.product", Offset: -1, Resource: "VERSIONINFO/" + field, Match: shorten(strs[field])}
	}
	// Wine's builtin DLLs say CompanyName "Microsoft Corporation" for
	// compatibility; Microsoft's own files say so in the product name or
	// copyright too.
	if strings.HasPrefix(company, "Microsoft") && (!strings.Contains(strs["ProductName"]+strs["LegalCopyright"], "Microsoft") ||
		strings.Contains(strs["ProductName"]+strs["FileDescription"]+strs["LegalCopyright"], "Wine")) {
		company = ""
	}
	// Cabinets name files by their MSI File table keys
	// (FL_msvcr80_dll_1_…): OriginalFilename is the name the file gives itself.
	if (isMSVCRuntimeFile(f.Base) || isMSVCRuntimeFile(strs["OriginalFilename"])) && company != "" && strings.HasPrefix(cleanProductText(strs["ProductName"]), "Microsoft") {
		v := productVersion(strs["FileVersion"], f.PE.FileVersion)
		fd := Finding{Name: "msvc-runtime", Version: v, Supplier: "Organization: Microsoft Corporation",
			PURL: genericPURL("msvc-runtime", v), Own: true, Evidence: []Evidence{ev("FileVersion")}}
		if v == "" {
			fd.Evidence = []Evidence{ev("CompanyName")}
		}
		rep.Findings = append(rep.Findings, fd)
		return
	}
	// The generic "Microsoft Windows Operating System" names a product only
	// for Microsoft's own files; a third-party DLL built from a Windows
	// template (onnxruntime.dll) or a more specific description wins.
	field := "ProductName"
	name := cleanProductText(strs[field])
	desc := cleanProductText(strs["FileDescription"])
	if name == "" || name == "Microsoft Windows Operating System" &&
		(!strings.HasPrefix(company, "Microsoft") || desc != "" && !strings.HasPrefix(desc, "Microsoft")) {
		field, name = "FileDescription", desc
	}
	if name == "" || !meaningfulName(name) {
		return
	}
	vfield := "ProductVersion"
	v := productVersion(strs["ProductVersion"], f.PE.ProductVersion)
	if fv := productVersion(strs["FileVersion"], f.PE.FileVersion); v == "" || extendsVersion(fv, v) {
		// log4net 1.2.10 says ProductVersion "1.2", FileVersion "1.2.10.0".
		vfield, v = "FileVersion", strings.TrimSuffix(fv, ".0")
		if strings.Count(v, ".") < 1 {
			v = fv
		}
	}
	v = stripRTM(v)
	fd := Finding{Name: name, Version: v, PURL: genericPURL(name, v), Own: true, Evidence: []Evidence{ev(field)}}
	if v != "" && strs[vfield] != "" {
		fd.Evidence = append(fd.Evidence, ev(vfield))
	}
	if company != "" {
		fd.Supplier = "Organization: " + company
		fd.Evidence = append(fd.Evidence, ev("CompanyName"))
	}
	rep.Findings = append(rep.Findings, fd)
}

// msvcRuntimeGlobs are Microsoft's redistributable C/C++ runtime DLLs.
var msvcRuntimeGlobs = []string{
	"msvcr[0-9]*.dll", "msvcp[0-9]*.dll", "vcruntime[0-9]*.dll", "mfc[0-9]*.dll", "mfcm[0-9]*.dll",
	"atl[0-9]*.dll", "concrt[0-9]*.dll", "vcomp[0-9]*.dll", "vccorlib[0-9]*.dll", "vcamp[0-9]*.dll",
	"ucrtbase.dll", "api-ms-win-crt-*.dll", "api-ms-win-core-*.dll", "msvcm[0-9]*.dll",
}

func isMSVCRuntimeFile(base string) bool { return matchGlobs(msvcRuntimeGlobs, base) }

var (
	productDecor = strings.NewReplacer("®", "", "™", "", "©", "", "(R)", "", "(TM)", "", "(tm)", "")
	spaces       = regexp.MustCompile(`\s+`)
	dottedNum    = regexp.MustCompile(`\d+(?:\s*[.,]\s*\d+)+(?:[-+][0-9A-Za-z.-]+)?|\d+`)
)

// cleanProductText drops trademark signs and folds white space.
func cleanProductText(s string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(productDecor.Replace(s), " "))
}

// meaningfulName rejects names that say nothing: a bare number, one
// letter, or a resource template nobody filled in ("TODO: <Product name>").
func meaningfulName(s string) bool {
	if strings.Contains(s, "TODO") || strings.ContainsAny(s, "<>") {
		return false
	}
	letters := 0
	for _, r := range s {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r > 0x7f {
			letters++
		}
	}
	return letters >= 2
}

// productVersion takes the first dotted number of a VERSIONINFO string
// ("Release 0.68" → 0.68, "8.00.50727.42" → 8.0.50727.42, "1, 2, 3, 4" →
// 1.2.3.4), or the fixed version when the string has none. Leading zeros of
// a part made only of zeros are dropped ("8.00" → 8.0); other parts stay as
// written (7-Zip's "21.07" is not 21.7).
func productVersion(s, fixed string) string {
	m := dottedNum.FindString(s)
	if m == "" || !strings.ContainsAny(m, ".,") {
		if fixed != "" && fixed != "0.0.0.0" {
			return fixed
		}
		return m
	}
	m = strings.NewReplacer(" ", "", ",", ".").Replace(m)
	suffix := ""
	if i := strings.IndexAny(m, "-+"); i >= 0 {
		m, suffix = m[:i], m[i:]
	}
	parts := strings.Split(m, ".")
	for i, p := range parts {
		if strings.Trim(p, "0") == "" {
			parts[i] = "0"
		}
	}
	return strings.Join(parts, ".") + suffix
}

// extendsVersion reports whether long adds parts to a short (one- or
// two-part) version: "1.2.10.0" extends "1.2", "0.68.0.0" does not extend
// "0.68" (only zeros follow).
func extendsVersion(long, short string) bool {
	if long == "" || short == "" || strings.Count(short, ".") > 1 || !strings.HasPrefix(long, short+".") {
		return false
	}
	return strings.Trim(long[len(short):], ".0") != ""
}

// genericPURL is pkg:generic/<name>@<version> with the name lower-cased,
// spaces as '-', and escaped as a PURL name segment.
func genericPURL(name, version string) string {
	n := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), " ", "-"))
	p := "pkg:generic/" + strings.ReplaceAll(url.PathEscape(n), "/", "%2F")
	if version != "" {
		p += "@" + url.PathEscape(version)
	}
	return p
}
