package fingerprint

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
)

// goBuildInfo reports the modules recorded in a Go binary's build
// information: dependencies are compiled in (static); the main module is the
// program itself when it carries a real version.
type goBuildInfo struct{}

func (goBuildInfo) Name() string                              { return "golang.buildinfo" }
func (goBuildInfo) Wants(_ string, head []byte, _ int64) bool { return looksExecutable(head) }
func (goBuildInfo) Catalog(f *Subject, rep *FileReport) {
	if f.kind == kindOther || f.kind == kindAr {
		return
	}
	info, err := readBuildInfo(f.Data)
	if err != nil || info == nil {
		return
	}
	ev := func(what string) Evidence {
		return Evidence{File: f.Path, Rule: "golang.buildinfo", Offset: -1, Resource: "Go build info", Match: what}
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
		fd := Finding{Name: d.Path, Version: d.Version, PURL: "pkg:golang/" + d.Path, Evidence: []Evidence{ev("dep " + d.Path + " " + d.Version)}}
		if d.Version != "" {
			fd.PURL += "@" + d.Version
		}
		rep.Findings = append(rep.Findings, fd)
	}
}

func readBuildInfo(data []byte) (info *buildinfo.BuildInfo, err error) {
	defer func() {
		if r := recover(); r != nil {
			info, err = nil, fmt.Errorf("go build info: %v", r)
		}
	}()
	// Cheap check first: every Go binary with build info carries this magic.
	if !hasGoBuildInfoMagic(data) {
		return nil, nil
	}
	return buildinfo.Read(bytes.NewReader(data))
}

// goBuildInfoMagic opens a Go binary's build information.
const goBuildInfoMagic = "\xff Go buildinf:"

// hasGoBuildInfoMagic reports whether data holds goBuildInfoMagic. Every
// binary is checked, and a search led by 0xff, among the commonest bytes
// of machine code, ran at half the speed of one led by "Go buildinf:"
// and then checking the two bytes before it.
func hasGoBuildInfoMagic(data []byte) bool {
	tail := []byte(goBuildInfoMagic[2:])
	for i := 2; i <= len(data)-len(tail); {
		j := bytes.Index(data[i:], tail)
		if j < 0 {
			return false
		}
		j += i
		if data[j-1] == goBuildInfoMagic[1] && data[j-2] == goBuildInfoMagic[0] {
			return true
		}
		i = j + 1
	}
	return false
}
