package fingerprint

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// maxMetadataBytes bounds the text metadata files that are parsed.
const maxMetadataBytes = 4 << 20

// identifyText reads component metadata kept in text files:
// *.dist-info/METADATA (an installed Python distribution),
// pip/_vendor/vendor.txt (the packages pip vendors) and *.nuspec.
func (e *Engine) identifyText(rep *FileReport, p string, data []byte) {
	if len(data) > maxMetadataBytes {
		return
	}
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	switch {
	case base == "METADATA" && strings.HasSuffix(dir, ".dist-info"):
		name, version, line := pythonMetadata(data)
		if name == "" {
			return
		}
		rep.Findings = append(rep.Findings, pypiFinding(name, version, LinkageUnknown, Evidence{
			File: p, Rule: "pypi.dist-info", Offset: -1, Resource: fmt.Sprintf("METADATA line %d", line),
			Match: "Name: " + name + " / Version: " + version,
		}))
	case base == "vendor.txt" && strings.HasSuffix(dir, "pip/_vendor"):
		sc := bufio.NewScanner(bytes.NewReader(data))
		n := 0
		for sc.Scan() {
			n++
			line := sc.Text()
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			m := vendorLine.FindStringSubmatch(strings.TrimSpace(line))
			if m == nil {
				continue
			}
			rep.Findings = append(rep.Findings, pypiFinding(m[1], m[2], LinkageStatic, Evidence{
				File: p, Rule: "pypi.pip-vendor", Offset: -1, Resource: fmt.Sprintf("line %d", n), Match: strings.TrimSpace(line),
			}))
		}
	case strings.HasSuffix(strings.ToLower(base), ".nuspec"):
		var doc struct {
			Metadata struct {
				ID      string `xml:"id"`
				Version string `xml:"version"`
				Authors string `xml:"authors"`
			} `xml:"metadata"`
		}
		if xml.Unmarshal(data, &doc) != nil || doc.Metadata.ID == "" {
			return
		}
		id, v := strings.TrimSpace(doc.Metadata.ID), strings.TrimSpace(doc.Metadata.Version)
		f := Finding{
			Name: strings.ToLower(id), Version: v, PURL: "pkg:nuget/" + id, Linkage: LinkageUnknown,
			Evidence: []Evidence{{File: p, Rule: "nuget.nuspec", Offset: -1, Resource: "nuspec metadata", Match: id + " " + v}},
		}
		if v != "" {
			f.PURL += "@" + v
		}
		if a := strings.TrimSpace(doc.Metadata.Authors); a != "" {
			f.Supplier = "Organization: " + a
		}
		rep.Findings = append(rep.Findings, f)
	}
	sortFindings(rep.Findings)
}

var (
	vendorLine  = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9._+!-]+)$`)
	pypiNameSep = regexp.MustCompile(`[-_.]+`)
)

// pythonMetadata reads Name and Version from the header block of a core
// metadata file (RFC 822 style; the body after the first blank line is the
// description).
func pythonMetadata(data []byte) (name, version string, line int) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), maxMetadataBytes)
	n := 0
	for sc.Scan() {
		n++
		l := sc.Text()
		if l == "" {
			break
		}
		if v, ok := strings.CutPrefix(l, "Name:"); ok && name == "" {
			name, line = strings.TrimSpace(v), n
		}
		if v, ok := strings.CutPrefix(l, "Version:"); ok && version == "" {
			version = strings.TrimSpace(v)
		}
	}
	return name, version, line
}

// pypiFinding names a Python distribution the way PEP 503 normalises it.
func pypiFinding(name, version, linkage string, ev Evidence) Finding {
	norm := strings.ToLower(pypiNameSep.ReplaceAllString(name, "-"))
	f := Finding{Name: norm, Version: version, PURL: "pkg:pypi/" + norm, Linkage: linkage, Evidence: []Evidence{ev}}
	if version != "" {
		f.PURL += "@" + version
	}
	return f
}

// identifyGo reports the modules recorded in a Go binary's build
// information: dependencies are compiled in (static); the main module is the
// program itself when it carries a real version.
func (e *Engine) identifyGo(rep *FileReport, p string, data []byte) {
	if rep.Kind == "" {
		return
	}
	info, err := readBuildInfo(data)
	if err != nil || info == nil {
		return
	}
	ev := func(what string) Evidence {
		return Evidence{File: p, Rule: "golang.buildinfo", Offset: -1, Resource: "Go build info", Match: what}
	}
	if m := info.Main; m.Path != "" && m.Version != "" && m.Version != "(devel)" {
		rep.Findings = append(rep.Findings, Finding{
			Name: m.Path, Version: m.Version, PURL: "pkg:golang/" + m.Path + "@" + m.Version, Own: true,
			Evidence: []Evidence{ev("main " + m.Path + " " + m.Version)},
		})
	}
	for _, d := range info.Deps {
		if d.Replace != nil && d.Replace.Version != "" {
			d = d.Replace // replaced by another module version
		}
		if d.Path == "" {
			continue
		}
		if d.Version == "(devel)" {
			d.Version = "" // replaced by a local directory: no version exists
		}
		f := Finding{Name: d.Path, Version: d.Version, PURL: "pkg:golang/" + d.Path, Evidence: []Evidence{ev("dep " + d.Path + " " + d.Version)}}
		if d.Version != "" {
			f.PURL += "@" + d.Version
		}
		rep.Findings = append(rep.Findings, f)
	}
}

func readBuildInfo(data []byte) (info *buildinfo.BuildInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			info, err = nil, fmt.Errorf("go build info: %v", r)
		}
	}()
	// Cheap check first: every Go binary with build info carries this magic.
	if !bytes.Contains(data, []byte("\xff Go buildinf:")) {
		return nil, nil
	}
	return buildinfo.Read(bytes.NewReader(data))
}
