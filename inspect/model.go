// Package inspect opens an installer, walks every file inside it at every
// nesting level without writing anything to disk, hashes and fingerprints each
// file in one pass, and returns a format-neutral Inventory.
//
// Container formats live in their own packages under inspect/ (zip, cab, msi,
// burn, xar, pkg, cpio, ...). Each one is adapted here to the small Container
// interface and registered with its magic-byte sniffer, so that nesting is
// handled once, in Walk, for every format.
package inspect

import "github.com/installer-sbom/installer-sbom/inspect/inventory"

// The model lives in the leaf package inventory, shared with the
// fingerprint catalogers and compose; these names keep inspect's API.
type (
	Inventory        = inventory.Inventory
	Artifact         = inventory.Artifact
	Identity         = inventory.Identity
	Package          = inventory.Package
	File             = inventory.File
	Binary           = inventory.Binary
	Signature        = inventory.Signature
	Problem          = inventory.Problem
	Component        = inventory.Component
	Evidence         = inventory.Evidence
	SystemDependency = inventory.SystemDependency
	Action           = inventory.Action
)

// File kinds.
const (
	KindPE      = inventory.KindPE
	KindMachO   = inventory.KindMachO
	KindELF     = inventory.KindELF
	KindArchive = inventory.KindArchive
	KindText    = inventory.KindText
	KindData    = inventory.KindData
)

// Problem severities (see inventory.SeverityError).
const (
	SeverityError   = inventory.SeverityError
	SeverityWarning = inventory.SeverityWarning
)
