package fingerprint

import (
	"bytes"
	"fmt"
	"path"
	"strings"

	"howett.net/plist"
)

// maxPlistBytes bounds the property lists parsed (real Info.plist files
// are a few KiB).
const maxPlistBytes = 1 << 20

// bundleExts are the macOS bundle kinds whose Contents/Info.plist names a
// product.
var bundleExts = []string{".app", ".framework", ".bundle", ".plugin", ".xpc", ".kext", ".appex", ".prefPane", ".qlgenerator", ".mdimporter", ".saver"}

// plistBundle reads the identity of a macOS bundle from its Info.plist (XML
// or binary) — CFBundleIdentifier, CFBundleName, CFBundleShortVersionString,
// CFBundleVersion, NSHumanReadableCopyright — and the same keys from the
// __TEXT,__info_plist section of a bare Mach-O executable.
type plistBundle struct{}

func (plistBundle) Name() string { return "macos.info-plist" }
func (plistBundle) Wants(p string, head []byte, size int64) bool {
	if path.Base(p) == "Info.plist" && size <= maxPlistBytes {
		return bundleDir(p) != ""
	}
	return looksExecutable(head) && !bytes.HasPrefix(head, []byte("MZ"))
}
func (plistBundle) Catalog(f *Subject, rep *FileReport) {
	data, resource, where := f.Data, "Info.plist", bundleDir(f.Path)
	if f.Base != "Info.plist" {
		if f.infoPlist == nil || f.identified {
			return
		}
		data, resource, where = f.infoPlist, "__TEXT,__info_plist", f.Path
	}
	info, err := readInfoPlist(data)
	if err != nil || info.id == "" {
		return
	}
	name := info.name
	if name == "" {
		name = info.id
	}
	version := info.short
	vkey := "CFBundleShortVersionString"
	if version == "" || !startsWithDigit(version) {
		version, vkey = info.build, "CFBundleVersion"
	}
	if !startsWithDigit(version) {
		version = ""
	}
	fd := Finding{
		Name: name, Version: version, PURL: genericPURL(info.id, version), Own: true,
		Evidence: []Evidence{{File: f.Path, Rule: "macos.info-plist", Offset: -1, Resource: resource + "/CFBundleIdentifier",
			Match: shorten(info.id + " " + vkey + "=" + version + " (" + where + ")")}},
	}
	if s := supplierFromCopyright(info.copyright); s != "" {
		fd.Supplier = "Organization: " + s
	}
	rep.Findings = append(rep.Findings, fd)
}

type infoPlist struct{ id, name, short, build, copyright string }

func readInfoPlist(b []byte) (info infoPlist, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("property list parser failed: %v", r)
		}
	}()
	var doc map[string]any
	if _, err := plist.Unmarshal(b, &doc); err != nil {
		return info, err
	}
	str := func(k string) string {
		s, _ := doc[k].(string)
		return strings.TrimSpace(s)
	}
	info = infoPlist{id: str("CFBundleIdentifier"), name: str("CFBundleName"), short: str("CFBundleShortVersionString"),
		build: str("CFBundleVersion"), copyright: str("NSHumanReadableCopyright")}
	if info.name == "" {
		info.name = str("CFBundleDisplayName")
	}
	if info.name == "" {
		info.name = str("CFBundleExecutable")
	}
	return info, nil
}

// bundleDir returns the bundle a Contents/Info.plist (or a framework's
// Resources/Info.plist, or a flat iOS-style bundle's Info.plist) belongs to.
func bundleDir(p string) string {
	dir := path.Dir(p)
	switch path.Base(dir) {
	case "Contents", "Resources":
		dir = path.Dir(dir)
	}
	if path.Base(dir) == "Versions" || strings.Contains(dir, ".framework/Versions/") {
		// Foo.framework/Versions/A/Resources/Info.plist
		if i := strings.LastIndex(dir, ".framework/"); i >= 0 {
			dir = dir[:i+len(".framework")]
		}
	}
	for _, ext := range bundleExts {
		if strings.HasSuffix(strings.ToLower(dir), strings.ToLower(ext)) {
			return dir
		}
	}
	return ""
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }

// supplierFromCopyright takes the holder out of "Copyright © 2024 Foo, Inc.
// All rights reserved.".
func supplierFromCopyright(c string) string {
	c = cleanProductText(c)
	for _, p := range []string{"Copyright", "copyright", "(c)", "(C)"} {
		c = strings.ReplaceAll(c, p, "")
	}
	c = strings.TrimSpace(c)
	c = strings.TrimLeft(c, "0123456789-–, ")
	if i := strings.Index(c, "All rights reserved"); i >= 0 {
		c = c[:i]
	}
	c = strings.TrimRight(strings.TrimSpace(c), ".,;")
	if !meaningfulName(c) || len(c) > 80 {
		return ""
	}
	return c
}
