package fingerprint

import (
	"bytes"

	"github.com/installer-sbom/installer-sbom/inspect/filekind"
)

// A Cataloger reads one kind of file and reports the components it shows,
// each with evidence. Catalogers are small and have one job: the byte-pattern
// rules, a PE version resource, .NET metadata, an Info.plist, an ecosystem
// manifest. Adding one is one file plus a line in catalogers below.
type Cataloger interface {
	// Name identifies the cataloger ("pe.product"); evidence rules start
	// with it.
	Name() string
	// Wants decides, from the file's path, its first HeadBytes bytes and its
	// size, whether the cataloger reads the file. The walker asks before it
	// reads an entry whole, so a wanted file reaches the cataloger whatever
	// its size; a cataloger bounds what it parses itself.
	Wants(path string, head []byte, size int64) bool
	// Catalog adds findings (and facts) to rep.
	Catalog(f *Subject, rep *FileReport)
}

// HeadBytes is how much of a file Wants sees.
const HeadBytes = 4096

// Subject is one file as catalogers see it: its bytes and the header facts
// read once for all of them.
type Subject struct {
	Path string // full nested path, '/'-joined
	Base string // last path element
	Data []byte
	Kind string // "pe", "macho", "elf", "ar" or "" (not an executable)
	// Header facts of executables (nil/empty for other files).
	PE      *PEFacts
	MachO   []MachOFact
	Imports []string

	kind      int
	regions   []region
	selfNames []selfName
	// infoPlist is a Mach-O executable's embedded __TEXT,__info_plist
	// (first slice that has one).
	infoPlist      []byte
	infoPlistSlice string
	// identified is set when a library rule recognised the file as its own
	// library or by its version resource: a generic product identity for
	// the same file would say less.
	identified bool
}

// IsExecutable reports whether the subject is a PE, Mach-O or ELF file or a
// static library.
func (f *Subject) IsExecutable() bool { return f.kind != kindOther }

// catalogers lists every cataloger in the order they run: rules first (a
// more specific library rule wins over a generic identity), then metadata
// readers.
func catalogers(e *Engine) []Cataloger {
	return []Cataloger{
		rulesCataloger{e},
		peAuthenticode{},
		goBuildInfo{},
		cargoAuditable{},
		dotnetAssembly{},
		peProduct{},
		plistBundle{},
		pypiMetadata{},
		pep770SBOM{},
		pipVendor{},
		nuspecMetadata{},
		depsJSON{},
		npmPackage{},
		mavenProperties{},
		licenseText{e},
	}
}

// Wants reports whether any cataloger reads a file with this path, head and
// size; the walker holds such files whole instead of only hashing them.
func (e *Engine) Wants(path string, head []byte, size int64) bool {
	for _, c := range e.catalogers {
		if c.Wants(path, head, size) {
			return true
		}
	}
	return false
}

// Catalogers names the engine's catalogers in order.
func (e *Engine) Catalogers() []string {
	var out []string
	for _, c := range e.catalogers {
		out = append(out, c.Name())
	}
	return out
}

// looksExecutable checks only the magic bytes of PE, ELF, Mach-O (thin or
// universal) and ar files: a head is too short to check their headers (a PE
// header or a universal file's slices may lie past it), which readSubject
// does on the whole file.
func looksExecutable(head []byte) bool {
	switch {
	case bytes.HasPrefix(head, []byte("MZ")), bytes.HasPrefix(head, []byte("\x7fELF")),
		bytes.HasPrefix(head, []byte("!<arch>\n")),
		bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbe}), bytes.HasPrefix(head, []byte{0xca, 0xfe, 0xba, 0xbf}):
		return true
	}
	return len(head) >= 4 && filekind.IsThinMachO(head)
}

// rulesCataloger runs the library rules (rules/*.json) over executables.
type rulesCataloger struct{ e *Engine }

func (rulesCataloger) Name() string                              { return "rules" }
func (rulesCataloger) Wants(_ string, head []byte, _ int64) bool { return looksExecutable(head) }
func (c rulesCataloger) Catalog(f *Subject, rep *FileReport) {
	if f.kind != kindOther {
		c.e.catalogRules(f, rep)
	}
}
