package fingerprint

// Linkage says how a component reaches the code that runs.
const (
	LinkageStatic  = "static"  // compiled into a binary that is not the component's own library
	LinkageDynamic = "dynamic" // the component's own library file, loaded at run time
	LinkageUnknown = "unknown"
)

// Evidence records why a component was reported: which file, which rule, and
// where in the file (a byte offset, or a resource such as a PE version field).
type Evidence struct {
	File     string `json:"file"`
	Rule     string `json:"rule"`
	Offset   int64  `json:"offset"`             // byte offset of the match; -1 when Resource says where
	Resource string `json:"resource,omitempty"` // e.g. "VERSIONINFO/ProductVersion", "LC_ID_DYLIB", "slice arm64"
	Match    string `json:"match,omitempty"`    // the matched text, shortened, for people reading the evidence
}

// Component is one third-party (or the project's own) component found in an
// installer, merged over every file that carries it.
type Component struct {
	Name       string     `json:"name"`
	Version    string     `json:"version"`
	Supplier   string     `json:"supplier,omitempty"`
	PURL       string     `json:"purl"`
	CPE        string     `json:"cpe"`
	License    string     `json:"license,omitempty"` // declared by the component's own metadata
	Linkage    string     `json:"linkage"`
	Files      []string   `json:"files"`
	ImportedBy []string   `json:"importedBy,omitempty"` // modules that load a dynamic library
	Parent     string     `json:"parent,omitempty"`     // the component this one is vendored in
	Evidence   []Evidence `json:"evidence"`
}
