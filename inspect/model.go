// Package inspect opens an installer, walks every file inside it at every
// nesting level without writing anything to disk, hashes and fingerprints each
// file in one pass, and returns a format-neutral Inventory.
//
// Container formats live in their own packages under inspect/ (zip, cab, msi,
// burn, xar, pkg, cpio, ...). Each one is adapted here to the small Container
// interface and registered with its magic-byte sniffer, so that nesting is
// handled once, in Walk, for every format.
package inspect

import (
	"github.com/installer-sbom/installer-sbom/inspect/filekind"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
)

// Inventory is everything inspect learned about one installer. Its JSON form is
// the `inspect --json` contract documented in README.md.
type Inventory struct {
	Artifact   Artifact    `json:"artifact"`
	Packages   []Package   `json:"packages"`
	Files      []File      `json:"files"`
	Components []Component `json:"components"`
	// SystemDependencies are libraries that bundled binaries import from the
	// operating system (KERNEL32.dll, /usr/lib/libz.1.dylib). They are not
	// shipped by the installer and so are never components.
	SystemDependencies []SystemDependency `json:"systemDependencies,omitempty"`
	Signatures         []Signature        `json:"signatures,omitempty"`
	Problems           []Problem          `json:"problems"`
}

// Artifact describes the installer file itself.
type Artifact struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
	Format string `json:"format"`
	// Identity is a digest that code signing does not change (for example the
	// Authenticode digest of a PE file). Empty when the format has none.
	Identity *Identity `json:"identity,omitempty"`
}

// Identity is a signature-invariant digest of an artifact.
type Identity struct {
	Algorithm string `json:"algorithm"` // e.g. "authenticode-sha256", "msi-streams-sha256"
	Digest    string `json:"digest"`
}

// Package is a sub-installer found inside the artifact: an MSI inside a Burn
// bundle, a component package inside a macOS product archive.
type Package struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Version      string `json:"version"`
	Format       string `json:"format"`
	Path         string `json:"path"`     // nested path of the package's own bytes, empty when not embedded
	Embedded     bool   `json:"embedded"` // false when the installer downloads it on demand
	Parent       string `json:"parent,omitempty"`
	Manufacturer string `json:"manufacturer,omitempty"`
	ProductCode  string `json:"productCode,omitempty"`
	UpgradeCode  string `json:"upgradeCode,omitempty"`
	// InstallLocation is where the package installs on the target system.
	InstallLocation string `json:"installLocation,omitempty"`
	URL             string `json:"url,omitempty"`
	// Size and Hash are what the installer declares for the package bytes
	// (Burn payloads, pkg-refs); they are checked when the bytes are present.
	Size       int64             `json:"size,omitempty"`
	Hash       string            `json:"hash,omitempty"` // "sha1:<hex>", "sha512:<hex>"
	Properties map[string]string `json:"properties,omitempty"`
}

// File is one regular file at any nesting level.
type File struct {
	// Path joins nesting levels with '/': outer entry names, then the path
	// inside the innermost container.
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	SHA1    string `json:"sha1"`
	SHA256  string `json:"sha256"`
	Kind    string `json:"kind"`              // see Kind* constants
	Package string `json:"package,omitempty"` // ID of the Package that installs it
	// InstallPath is where the file lands on the target system when the
	// container knows it (MSI directory tables, pkg install-location).
	InstallPath string `json:"installPath,omitempty"`
	// Binary holds the header facts of an executable file.
	Binary *Binary `json:"binary,omitempty"`
}

// Binary is what the headers of a PE, Mach-O or ELF file say: which
// libraries it loads, the name it gives itself, and per format the version
// resource (PE) or each slice's architecture, install name, minimum OS,
// UUID and code-signing identity (Mach-O).
type Binary struct {
	Imports []string                `json:"imports,omitempty"`
	Name    string                  `json:"name,omitempty"` // PE export name, LC_ID_DYLIB, DT_SONAME
	PE      *fingerprint.PEFacts    `json:"pe,omitempty"`
	MachO   []fingerprint.MachOFact `json:"macho,omitempty"`
}

// File kinds.
const (
	KindPE      = string(filekind.PE) // executables as filekind sniffs them
	KindMachO   = string(filekind.MachO)
	KindELF     = string(filekind.ELF)
	KindArchive = "archive" // a container that was opened and walked
	KindText    = "text"
	KindData    = "data"
)

// Component is a fingerprinted component with its evidence.
type Component = fingerprint.Component

// Evidence is why a component was reported.
type Evidence = fingerprint.Evidence

// SystemDependency is a library imported by bundled code that the
// installer does not ship (an operating-system library).
type SystemDependency = fingerprint.SystemDependency

// Signature is a code signature found on the artifact or a file inside it.
// It records integrity only; inspect makes no trust decision.
type Signature struct {
	File            string   `json:"file"`
	Kind            string   `json:"kind"` // authenticode, msi, xar
	Signer          string   `json:"signer"`
	Issuer          string   `json:"issuer"`
	Serial          string   `json:"serial"`
	Time            string   `json:"time,omitempty"` // RFC 3339, UTC
	DigestAlgorithm string   `json:"digestAlgorithm"`
	DigestMatches   bool     `json:"digestMatches"`
	Chain           []string `json:"chain,omitempty"` // certificate subjects, signer first
	Message         string   `json:"message,omitempty"`
}

// Problem is something that could not be read. Offset is relative to the
// container named by Layer at Path; -1 when no offset applies.
type Problem struct {
	Path    string `json:"path"`
	Layer   string `json:"layer"`
	Offset  int64  `json:"offset"`
	Message string `json:"message"`
}
