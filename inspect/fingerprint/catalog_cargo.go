package fingerprint

import (
	"bytes"
	"debug/elf"
	"debug/pe"
	"encoding/json"
	"fmt"
	"io"
	"net/url"

	macho "github.com/blacktop/go-macho"
	"github.com/klauspost/compress/zlib"
)

// cargoAuditable reads the dependency list that `cargo auditable` embeds in
// a Rust executable: zlib-compressed JSON in a section named .dep-v0 (ELF,
// PE; __DATA,.dep-v0 in Mach-O). Every package is compiled in (static); the
// root package is the program itself.
type cargoAuditable struct{}

// maxAuditableJSON bounds the decompressed dependency list (real ones are
// tens of KiB).
const maxAuditableJSON = 8 << 20

func (cargoAuditable) Name() string                              { return "cargo.auditable" }
func (cargoAuditable) Wants(_ string, head []byte, _ int64) bool { return looksExecutable(head) }
func (cargoAuditable) Catalog(f *Subject, rep *FileReport) {
	if f.kind == kindOther || f.kind == kindAr || !bytes.Contains(f.Data, []byte(".dep-v0")) {
		return
	}
	sec, err := auditableSection(f)
	if err != nil || sec == nil {
		return
	}
	zr, err := zlib.NewReader(bytes.NewReader(sec))
	if err != nil {
		return
	}
	defer zr.Close()
	raw, err := io.ReadAll(io.LimitReader(zr, maxAuditableJSON+1))
	if err != nil || len(raw) > maxAuditableJSON {
		return
	}
	var doc struct {
		Packages []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Source  string `json:"source"`
			Kind    string `json:"kind"`
			Root    bool   `json:"root"`
		} `json:"packages"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return
	}
	for _, p := range doc.Packages {
		if p.Name == "" || p.Kind == "build" { // build scripts' dependencies are not in the binary
			continue
		}
		purl := "pkg:cargo/" + url.PathEscape(p.Name)
		if p.Version != "" {
			purl += "@" + url.PathEscape(p.Version)
		}
		rep.Findings = append(rep.Findings, Finding{
			Name: p.Name, Version: p.Version, PURL: purl, Own: p.Root, Linkage: linkageFor(p.Root),
			Evidence: []Evidence{{File: f.Path, Rule: "cargo.auditable", Offset: -1, Resource: "section .dep-v0",
				Match: fmt.Sprintf("%s %s (%s)", p.Name, p.Version, p.Source)}},
		})
	}
}

func linkageFor(root bool) string {
	if root {
		return LinkageDynamic
	}
	return LinkageStatic
}

// auditableSection returns the .dep-v0 section's bytes, bounded by the file.
func auditableSection(f *Subject) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("section reader failed: %v", r)
		}
	}()
	r := bytes.NewReader(f.Data)
	var off, size uint64
	switch f.kind {
	case kindELF:
		ef, err := elf.NewFile(r)
		if err != nil {
			return nil, err
		}
		s := ef.Section(".dep-v0")
		if s == nil || s.Type == elf.SHT_NOBITS {
			return nil, nil
		}
		off, size = s.Offset, s.Size
	case kindPE:
		pf, err := pe.NewFile(r)
		if err != nil {
			return nil, err
		}
		s := pf.Section(".dep-v0")
		if s == nil {
			return nil, nil
		}
		off, size = uint64(s.Offset), uint64(min(s.Size, s.VirtualSize))
		if s.VirtualSize == 0 {
			size = uint64(s.Size)
		}
	case kindMachO:
		mf, err := macho.NewFile(r)
		if err != nil {
			return nil, err
		}
		s := mf.Section("__DATA", ".dep-v0")
		if s == nil {
			return nil, nil
		}
		off, size = uint64(s.Offset), s.Size
	default:
		return nil, nil
	}
	if size == 0 || size > maxAuditableJSON || off+size > uint64(len(f.Data)) || off+size < off {
		return nil, fmt.Errorf("section .dep-v0 out of bounds")
	}
	return f.Data[off : off+size], nil
}
