package sbomdiff

import (
	"fmt"
	"time"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/inspect"
)

// FromInventory builds the model of an installer: the SPDX document compose
// writes for it now, without source SBOMs, read back like any other
// document. Going through compose means components are grouped and named
// exactly as in a published SBOM (versionless sightings merged, one package
// per name and version), so that a document and an installer compare
// like with like.
func FromInventory(inv *inspect.Inventory) (*Model, error) {
	if inv == nil {
		return nil, fmt.Errorf("sbomdiff: nil inventory")
	}
	// The creation time is not compared; a fixed one keeps this pure.
	res, err := compose.Compose(inv, compose.Options{Created: time.Unix(0, 0).UTC()})
	if err != nil {
		return nil, err
	}
	m, err := FromSPDX(res.Document(), inv.Artifact.Name, FormatSPDXJSON)
	if err != nil {
		return nil, err
	}
	m.Format = FormatInstaller
	m.FileName = inv.Artifact.Name
	m.SHA256, m.SHA1 = inv.Artifact.SHA256, inv.Artifact.SHA1
	m.Identity = nil
	if id := inv.Artifact.Identity; id != nil && id.Algorithm != "" && id.Digest != "" {
		m.Identity = &Identity{Algorithm: id.Algorithm, Digest: id.Digest}
	}
	m.normalize()
	return m, nil
}
