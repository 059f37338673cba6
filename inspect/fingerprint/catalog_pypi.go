package fingerprint

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// maxMetadataBytes bounds the text metadata files that are parsed.
const maxMetadataBytes = 4 << 20

// pypiMetadata reads an installed Python distribution's core metadata:
// *.dist-info/METADATA and *.egg-info/PKG-INFO (or an sdist's PKG-INFO).
type pypiMetadata struct{}

func (pypiMetadata) Name() string { return "pypi.metadata" }
func (pypiMetadata) Wants(p string, _ []byte, size int64) bool {
	if size > maxMetadataBytes {
		return false
	}
	dir, base := path.Split(p)
	dir = strings.TrimSuffix(dir, "/")
	return (base == "METADATA" && strings.HasSuffix(dir, ".dist-info")) ||
		(base == "PKG-INFO" && strings.HasSuffix(dir, ".egg-info"))
}
func (pypiMetadata) Catalog(f *Subject, rep *FileReport) {
	name, version, line := pythonMetadata(f.Data)
	if name == "" {
		return
	}
	rule := "pypi.dist-info"
	if f.Base == "PKG-INFO" {
		rule = "pypi.egg-info"
	}
	fd := pypiFinding(name, version, LinkageUnknown, Evidence{
		File: f.Path, Rule: rule, Offset: -1, Resource: fmt.Sprintf("%s line %d", f.Base, line),
		Match: "Name: " + name + " / Version: " + version,
	})
	// PEP 639: the distribution's licence as an SPDX expression.
	if expr := metadataField(f.Data, "License-Expression:"); expr != "" {
		if norm, err := NormalizeLicenseExpression(expr); err == nil {
			fd.License = norm
		}
	}
	rep.Findings = append(rep.Findings, fd)
}

// pipVendor reads pip/_vendor/vendor.txt: the packages pip vendors, pinned.
type pipVendor struct{}

func (pipVendor) Name() string { return "pypi.pip-vendor" }
func (pipVendor) Wants(p string, _ []byte, size int64) bool {
	dir, base := path.Split(p)
	return size <= maxMetadataBytes && base == "vendor.txt" && strings.HasSuffix(strings.TrimSuffix(dir, "/"), "pip/_vendor")
}
func (pipVendor) Catalog(f *Subject, rep *FileReport) {
	sc := bufio.NewScanner(bytes.NewReader(f.Data))
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
		fd := pypiFinding(m[1], m[2], LinkageStatic, Evidence{
			File: f.Path, Rule: "pypi.pip-vendor", Offset: -1, Resource: fmt.Sprintf("line %d", n), Match: strings.TrimSpace(line),
		})
		fd.Parent = "pip"
		rep.Findings = append(rep.Findings, fd)
	}
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

// metadataField returns the first value of a header of a core metadata
// file's header block, "" when absent.
func metadataField(data []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), maxMetadataBytes)
	for sc.Scan() {
		l := sc.Text()
		if l == "" {
			break
		}
		if v, ok := strings.CutPrefix(l, key); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
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
