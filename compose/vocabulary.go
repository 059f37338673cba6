package compose

// The vocabulary compose writes and its readers (verify, diff) read back,
// defined once. See the package comment for what each keyword means.

// Annotation keywords: every annotation comment (SPDX) and every
// PropAnnotation property (CycloneDX) starts with one of these.
const (
	NoteEvidence               = "evidence:"
	NoteSourceSBOM             = "source-sbom:"
	NoteVersionFromSourceSBOM  = "version-from-source-sbom:"
	NoteVersionConflict        = "version-conflict:"
	NoteVersionAmbiguous       = "version-ambiguous:"
	NoteNotEmbedded            = "not-embedded:"
	NoteUnverified             = "unverified:"
	NoteInspectionProblem      = "inspection-problem:"
	NoteIncomplete             = "incomplete:"
	NoteNotPresent             = "not-present:"
	NoteSupplierFrom           = "supplier-from:"
	NoteCPEAlternate           = "cpe-alternate:"
	NoteLicenseFromProduct     = "license-from-product:"
	NoteVersionFromBytes       = "version-from-bytes:"
	NoteVersionlessSighting    = "versionless-sighting:"
	NoteVersionUnknown         = "version-unknown:"
	NoteInventoryInconsistency = "inventory-inconsistency:"
	NoteLicenseFromText        = "license-from-text:"
	NoteLicenseFromRuleData    = "license-from-rule-data:"
	NoteLicenseFromMetadata    = "license-from-metadata:"
	NoteInstallAction          = "install-action:"
)

// IdentityRefType is the referenceType of the root package's external
// reference (category OTHER) that carries the installer's signature-invariant
// identity as "<algorithm>:<hex digest>".
const IdentityRefType = "installer-sbom-identity"

// ToolName is the name of this tool as it appears in documents: the SPDX
// creator "Tool: installer-sbom-<version>" and the CycloneDX tool component.
const ToolName = "installer-sbom"

// CycloneDX property names for facts that have no CycloneDX field of their
// own.
const (
	PropAnnotation = "installer-sbom:annotation" // one per annotation, same text
	PropIdentity   = "installer-sbom:identity"   // the installer's signature-invariant identity
	PropSPDXID     = "installer-sbom:spdxid"     // the element's identifier; marks components compose wrote
	PropLinkage    = "installer-sbom:linkage"
	PropContained  = "installer-sbom:contained-by" // packages that CONTAIN a library
	PropSourceInfo = "installer-sbom:source-info"
	PropUnverified = "installer-sbom:unverified" // "true" on a source-SBOM package not found in the installer
	PropComment    = "installer-sbom:comment"
)
