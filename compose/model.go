package compose

import "github.com/installer-sbom/installer-sbom/inspect"

// The format-neutral document every writer renders. A value compose does
// not know is empty here, never a format's "unknown" spelling (SPDX's
// NOASSERTION); each writer says unknown its own way. Values copied from a
// source SBOM that a writer prints as they are (homepage, version) are
// kept as the source SBOM gives them.

// Package roles in the model.
const (
	roleInstaller    = "installer"
	roleSubInstaller = "sub-installer"
	roleLibrary      = "library"
	roleUnverified   = "unverified"
)

// Relationship kinds in the model. The SPDX writer maps them to SPDX
// relationship types, the CycloneDX writer to nesting and dependencies.
const (
	relContains    = "contains"     // a package holds a file, sub-installer or library
	relStaticLink  = "static-link"  // a binary file has the library compiled in
	relDynamicLink = "dynamic-link" // a binary file loads the library
	relDependsOn   = "depends-on"   // a component needs another (pip and its vendored packages)
	relUnverified  = "unverified"   // the installer's source SBOM lists a package not found in it
)

// rootID is the identifier of the package that stands for the installer.
// Identifiers in the model are neutral ("<kind>-<name>-<hash>", see
// assignIDs); elementRef gives the one every output uses.
const rootID = "Installer"

// RootID is the identifier of the installer's package in compose's
// documents: its SPDX identifier and its CycloneDX bom-ref.
const RootID = "SPDXRef-" + rootID

// elementRef is the identifier of a model element in the output: the SPDX
// identifier, which the CycloneDX writer also uses as bom-ref so that an
// element can be found under the same name in every format.
func elementRef(id string) string { return "SPDXRef-" + id }

// incompleteComment is what every format says, at document level, about a
// document composed from an installer that could not be read completely.
const incompleteComment = NoteIncomplete + " parts of the installer could not be read; this document lists less than the installer holds (see the installer package's inspection-problem annotations)."

// model is the format-neutral document the writers render.
type model struct {
	name, namespace, created string
	creators                 []string // "Tool: ...", "Organization: ..."
	tool                     string   // installer-sbom-<version>
	packages                 []*pkgNode
	files                    []*fileNode
	rels                     []relation
	// incomplete says inspect could not read every byte of the installer:
	// the document says so in every format (NoteIncomplete).
	incomplete bool
}

type checksum struct{ alg, value string }

type extRef struct{ category, typ, locator string }

type pkgNode struct {
	id                      string // neutral identifier, see elementRef
	role                    string
	name, version, fileName string
	// supplier and originator are "Person: x" or "Organization: y", or
	// empty when unknown. originatorUnknown says the source SBOM states
	// that the originator is unknown (rather than not naming one).
	supplier, originator string
	originatorUnknown    bool
	// download is a URL or NONE (there is none); empty when unknown.
	download, homepage, purpose string
	// Licenses and copyright are as declared (NONE: there is none); empty
	// when unknown.
	licenseConcluded, licenseDeclared       string
	copyright, sourceInfo, comment, linkage string
	checksums                               []checksum
	refs                                    []extRef
	filesAnalyzed                           bool
	verificationCode                        string
	notes                                   []string // annotation comments
	evidence                                []inspect.Evidence
}

// setOriginator sets the originator from a source SBOM's agent.
func (p *pkgNode) setOriginator(agent string) {
	a := agentOrEmpty(agent)
	p.originator, p.originatorUnknown = known(a), a == "NOASSERTION"
}

func (p *pkgNode) purl() string { return p.refOf("purl") }
func (p *pkgNode) cpe() string  { return p.refOf("cpe23Type") }
func (p *pkgNode) refOf(typ string) string {
	for _, r := range p.refs {
		if r.typ == typ {
			return r.locator
		}
	}
	return ""
}

type fileNode struct {
	id, path, sha1, sha256, kind, comment string
	sha512                                string // empty in inventories from before it was computed
	types                                 []string
}

// relation is "a <kind> b", with an optional comment.
type relation struct{ a, kind, b, comment string }

// known is a declared value with SPDX's "unknown" (NOASSERTION) made empty.
func known(s string) string {
	if s == "NOASSERTION" {
		return ""
	}
	return s
}

// knownAgent is agentOrEmpty with an unknown agent (NOASSERTION) made empty.
func knownAgent(s string) string { return known(agentOrEmpty(s)) }
