package fingerprint

import (
	"encoding/xml"
	"strings"
)

// nuspecMetadata reads a NuGet package's .nuspec: id, version, authors.
type nuspecMetadata struct{}

func (nuspecMetadata) Name() string { return "nuget.nuspec" }
func (nuspecMetadata) Wants(p string, _ []byte, size int64) bool {
	return size <= maxMetadataBytes && strings.HasSuffix(strings.ToLower(p), ".nuspec")
}
func (nuspecMetadata) Catalog(f *Subject, rep *FileReport) {
	var doc struct {
		Metadata struct {
			ID      string `xml:"id"`
			Version string `xml:"version"`
			Authors string `xml:"authors"`
		} `xml:"metadata"`
	}
	if xml.Unmarshal(f.Data, &doc) != nil || doc.Metadata.ID == "" {
		return
	}
	id, v := strings.TrimSpace(doc.Metadata.ID), strings.TrimSpace(doc.Metadata.Version)
	fd := Finding{
		Name: strings.ToLower(id), Version: v, PURL: "pkg:nuget/" + id, Linkage: LinkageUnknown,
		Evidence: []Evidence{{File: f.Path, Rule: "nuget.nuspec", Offset: -1, Resource: "nuspec metadata", Match: id + " " + v}},
	}
	if v != "" {
		fd.PURL += "@" + v
	}
	if a := strings.TrimSpace(doc.Metadata.Authors); a != "" {
		fd.Supplier = "Organization: " + a
	}
	rep.Findings = append(rep.Findings, fd)
}
