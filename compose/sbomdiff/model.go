// Package sbomdiff reads an SBOM back into a small comparable model (SPDX 2.3
// JSON, SPDX 2.3 tag-value, SPDX 3.0.1 JSON-LD, CycloneDX JSON), builds the
// same model from an installer's inventory, and compares two models: the
// `verify` and `diff` commands.
//
// The model keeps only what can be checked against an installer's bytes: the
// installer's checksums and signature-invariant identity, every file (path
// and hashes) and every component (name and version). Everything else in a
// document (licenses, suppliers, relationships) is not compared.
//
// Files are named by their path inside the installer: the nesting path
// compose writes ("./<installer file name>/<path>") without the installer's
// own file name, so that an installer renamed by a signing step (x.msi →
// x-signed.msi) or another release (python-3.11.msi, python-3.14.msi) keeps
// its file paths.
//
// Components are the SPDX packages (SPDX 3 software_Package elements,
// CycloneDX components) other than the installer and its sub-installers,
// keyed by their name compared case-insensitively with '-', '_', '.' and
// spaces treated alike. Packages compose kept from a source SBOM without
// finding them in the bytes ("unverified:" annotation, CycloneDX property
// installer-sbom:unverified) are not components: the document itself says
// they are not in the installer.
package sbomdiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// Document formats: the names of compose's output formats (compose.Formats)
// that Read understands.
const (
	FormatSPDXJSON      = compose.FormatSPDXJSON
	FormatSPDXTagValue  = compose.FormatSPDXTagValue
	FormatSPDX3JSON     = compose.FormatSPDX3JSON
	FormatCycloneDXJSON = compose.FormatCycloneDXJSON
	// FormatInstaller marks a model built from an installer's inventory.
	FormatInstaller = "installer"
)

// Model is what an SBOM (or an installer) says can be checked.
type Model struct {
	// Source names where the model came from (a file name); Format is one
	// of the Format* constants.
	Source string `json:"source"`
	Format string `json:"format"`
	// Name, Version and FileName describe the installer (root) package.
	Name     string `json:"name,omitempty"`
	Version  string `json:"version,omitempty"`
	FileName string `json:"fileName,omitempty"`
	// SHA256 and SHA1 are the installer's checksums (lower-case hex);
	// empty when the document records none.
	SHA256 string `json:"sha256,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	// Identity is the installer's signature-invariant digest, when recorded.
	Identity   *Identity   `json:"identity,omitempty"`
	Files      []File      `json:"files"`
	Components []Component `json:"components"`
	// Incomplete says the model lists less than the installer holds: the
	// installer could not be read completely, or the document says so.
	Incomplete bool `json:"incomplete,omitempty"`
	// BrokenSignatures, for an installer, lists its own code signatures
	// that do not verify (the signed digest is not its bytes' digest).
	BrokenSignatures []string `json:"brokenSignatures,omitempty"`
	// Signatures, for an installer, describes its own code signatures
	// ("authenticode signature by CN=…, verifies"); empty for documents,
	// which do not record them.
	Signatures []string `json:"signatures,omitempty"`
	// Actions are the install actions the installer declares, one line
	// each as compose.ActionLine writes them (an SBOM's install-action:
	// annotations), sorted.
	Actions []string `json:"actions,omitempty"`
}

// Identity is a signature-invariant digest ("authenticode-sha256",
// "msi-streams-sha256", "xar-toc-unsigned-sha256").
type Identity struct {
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

func (id *Identity) String() string {
	if id == nil {
		return "none"
	}
	return id.Algorithm + ":" + id.Digest
}

// File is one file inside the installer.
type File struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
}

// Component is one component (library, application, ...) the document lists.
type Component struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl,omitempty"`
	// VersionFromSource says the version was not seen in the bytes but taken
	// from a source SBOM (compose's "version-from-source-sbom:" annotation),
	// so an installer cannot confirm it.
	VersionFromSource bool `json:"versionFromSource,omitempty"`
}

// rootPrefix strips the installer's file name from every file path, when
// every path starts with the same first segment and either that segment is
// the installer's file name or the document was written by installer-sbom
// (which names files by their nesting path under the installer). A file
// whose whole path is that segment is the installer itself and is dropped:
// its bytes are the installer checksum, compared on its own.
func (m *Model) stripRoot(ourTool bool) {
	if len(m.Files) == 0 {
		return
	}
	first := func(p string) string { s, _, _ := strings.Cut(p, "/"); return s }
	seg := first(m.Files[0].Path)
	for _, f := range m.Files {
		if first(f.Path) != seg {
			return
		}
	}
	if seg != m.FileName && !ourTool {
		return
	}
	out := m.Files[:0]
	for _, f := range m.Files {
		if f.Path == seg {
			continue
		}
		f.Path = strings.TrimPrefix(f.Path, seg+"/")
		out = append(out, f)
	}
	m.Files = out
}

// normalize sorts files and components and lower-cases hashes, so models
// compare and print deterministically.
func (m *Model) normalize() {
	sort.Strings(m.Actions)
	m.SHA256, m.SHA1 = strings.ToLower(m.SHA256), strings.ToLower(m.SHA1)
	if m.Identity != nil {
		m.Identity.Digest = strings.ToLower(m.Identity.Digest)
	}
	for i := range m.Files {
		m.Files[i].SHA256 = strings.ToLower(m.Files[i].SHA256)
		m.Files[i].SHA1 = strings.ToLower(m.Files[i].SHA1)
	}
	sort.SliceStable(m.Files, func(i, j int) bool {
		a, b := m.Files[i], m.Files[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.SHA256 < b.SHA256
	})
	// The same path with the same bytes twice is one file.
	files := m.Files[:0]
	for i, f := range m.Files {
		if i > 0 && f == m.Files[i-1] {
			continue
		}
		files = append(files, f)
	}
	m.Files = files
	if m.Files == nil {
		m.Files = []File{}
	}
	sort.SliceStable(m.Components, func(i, j int) bool {
		a, b := m.Components[i], m.Components[j]
		if ka, kb := componentKey(a.Name), componentKey(b.Name); ka != kb {
			return ka < kb
		}
		if c := CompareVersions(a.Version, b.Version); c != 0 {
			return c < 0
		}
		return a.Version < b.Version
	})
	comps := m.Components[:0]
	for i, c := range m.Components {
		if i > 0 && componentKey(c.Name) == componentKey(m.Components[i-1].Name) && c.Version == m.Components[i-1].Version {
			continue
		}
		comps = append(comps, c)
	}
	m.Components = comps
	if m.Components == nil {
		m.Components = []Component{}
	}
}

var nameSeparators = regexp.MustCompile(`[-_.\s]+`)

// componentKey is how component names are matched: case-insensitive, with
// runs of '-', '_', '.' and white space alike.
func componentKey(name string) string {
	return strings.Trim(nameSeparators.ReplaceAllString(strings.ToLower(strings.TrimSpace(name)), "-"), "-")
}

// Detect reports whether head (the first bytes of a file) is an SBOM this
// package reads, and in which format: JSON with a top-level "spdxVersion"
// (SPDX) or "bomFormat" (CycloneDX) key, JSON-LD whose "@context" names an
// SPDX 3 context (spdx.org/rdf/3.…), or tag-value text whose first tag is
// SPDXVersion. Anything else is taken to be an installer. The top-level keys
// the head holds whole decide; a key after a value the head cuts off is
// looked for anywhere in the head.
func Detect(head []byte) (string, bool) {
	t := bytes.TrimLeft(head, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	t = bytes.TrimLeft(t, " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		top := topLevel(t)
		switch ctx, isLD := top["@context"]; {
		case isLD && bytes.Contains(ctx, []byte("spdx.org/rdf/3.")):
			return FormatSPDX3JSON, true
		case top["spdxVersion"] != nil:
			return FormatSPDXJSON, true
		case top["bomFormat"] != nil:
			return FormatCycloneDXJSON, true
		}
		switch {
		case bytes.Contains(head, []byte(`"spdxVersion"`)):
			return FormatSPDXJSON, true
		case bytes.Contains(head, []byte(`"bomFormat"`)):
			return FormatCycloneDXJSON, true
		case bytes.Contains(head, []byte(`"@context"`)) && bytes.Contains(head, []byte("spdx.org/rdf/3.")):
			return FormatSPDX3JSON, true
		}
		return "", false
	}
	// Tag-value: comment lines may precede the first tag.
	for len(t) > 0 {
		line, rest, _ := bytes.Cut(t, []byte("\n"))
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0 || line[0] == '#':
			t = rest
			continue
		case bytes.HasPrefix(line, []byte("SPDXVersion:")):
			return FormatSPDXTagValue, true
		}
		return "", false
	}
	return "", false
}

// topLevel returns the top-level keys of the JSON object t begins, with
// their values, up to the first value t does not hold whole.
func topLevel(t []byte) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	dec := json.NewDecoder(bytes.NewReader(t))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return out
	}
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			break
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			break
		}
		if _, seen := out[key]; !seen {
			out[key] = v
		}
	}
	return out
}

// FormatError is an SBOM that cannot be read. Offset is the byte offset in
// the document when the decoder knows it, else -1.
type FormatError struct {
	Format string
	Off    int64
	Msg    string
}

func (e *FormatError) Error() string {
	msg := inventory.ClipMessage(e.Msg)
	if e.Off < 0 {
		return fmt.Sprintf("%s: %s", e.Format, msg)
	}
	return fmt.Sprintf("%s: at offset %d: %s", e.Format, e.Off, msg)
}

// Layer returns the document format.
func (e *FormatError) Layer() string { return e.Format }

// Offset returns the byte offset in the document, -1 when unknown.
func (e *FormatError) Offset() int64 { return e.Off }

// addActionNote records an annotation that is an install action.
func (m *Model) addActionNote(note string) {
	if rest, ok := strings.CutPrefix(note, compose.NoteInstallAction); ok {
		m.Actions = append(m.Actions, strings.TrimSpace(rest))
	}
}
