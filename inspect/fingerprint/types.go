package fingerprint

import "github.com/installer-sbom/installer-sbom/inspect/inventory"

// Linkage says how a component reaches the code that runs (see inventory).
const (
	LinkageStatic  = inventory.LinkageStatic
	LinkageDynamic = inventory.LinkageDynamic
	LinkageUnknown = inventory.LinkageUnknown
)

// The model types live in the leaf package inventory.
type (
	Evidence  = inventory.Evidence
	Component = inventory.Component
	Signature = inventory.Signature
)
