package sbomdiff

import (
	"fmt"
	"strings"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/inspect"
)

// FromInventory builds the model of an installer directly from its
// inventory. compose.List names and groups the components by the rules of
// compose's documents (versionless sightings merged, one component per name
// and version), so that a document and an installer compare like with
// like; files are named by their path inside the installer, as read back
// from a document.
func FromInventory(inv *inspect.Inventory) (*Model, error) {
	if inv == nil {
		return nil, fmt.Errorf("sbomdiff: nil inventory")
	}
	l, err := compose.List(inv)
	if err != nil {
		return nil, err
	}
	m := &Model{
		Source: inv.Artifact.Name, Format: FormatInstaller, Name: l.Name, Version: spdxVersion(l.Version), FileName: inv.Artifact.Name,
		SHA256: inv.Artifact.SHA256, SHA1: inv.Artifact.SHA1, Incomplete: !inv.Complete(),
	}
	for _, s := range inv.Signatures {
		if s.File != inv.Artifact.Name || s.Kind == "authenticode-engine" {
			continue
		}
		state := "verifies"
		if !s.DigestMatches {
			state = "does not verify"
			m.BrokenSignatures = append(m.BrokenSignatures, fmt.Sprintf("%s signature by %q (%s)", s.Kind, s.Signer, s.DigestAlgorithm))
		}
		m.Signatures = append(m.Signatures, fmt.Sprintf("%s signature by %q, %s", s.Kind, s.Signer, state))
	}
	if id := inv.Artifact.Identity; id != nil && id.Algorithm != "" && id.Digest != "" {
		m.Identity = &Identity{Algorithm: id.Algorithm, Digest: id.Digest}
	}
	m.Actions = compose.ActionLines(inv)
	for _, f := range l.Files {
		m.Files = append(m.Files, File{Path: strings.TrimPrefix(f.Path, "/"), SHA256: f.SHA256, SHA1: f.SHA1})
	}
	for _, c := range l.Components {
		// Versions as a document gives them: NOASSERTION and NONE are none.
		m.Components = append(m.Components, Component{Name: c.Name, Version: spdxVersion(c.Version), PURL: c.PURL})
	}
	// Paths are nested under the installer's file name, as compose writes
	// them; the model names files by their path inside the installer.
	m.stripRoot(true)
	m.normalize()
	return m, nil
}
