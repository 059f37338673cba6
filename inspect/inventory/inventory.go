// Package inventory is the model every layer shares: what inspect learned
// about one installer (artifact, sub-installer packages, files, components
// with evidence, signatures, problems). It is a leaf: the format readers,
// the fingerprint catalogers and compose depend on it, never the reverse.
package inventory

import (
	"strconv"
	"unicode/utf8"
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
	// Actions are what the installer runs or changes on the machine
	// beyond copying its files (custom actions, services, autostart
	// entries, environment changes), most privileged first.
	Actions  []Action  `json:"actions,omitempty"`
	Problems []Problem `json:"problems"`
}

// Action is something an installer declares it runs or changes when it
// installs: a custom action, a service, a program started at logon, an
// environment variable.
type Action struct {
	// Kind is custom-action, nested-install, service, autostart or
	// environment.
	Kind string `json:"kind"`
	// Name is the declaration's key (action, service, registry value or
	// variable name).
	Name string `json:"name"`
	// Runs says what runs or changes: a stream or file of the installer,
	// an inline script, a program path.
	Runs string `json:"runs"`
	// Target is the entry point, command line, script text (cut at 240
	// bytes), arguments or value.
	Target string `json:"target,omitempty"`
	// When is when it runs (sequence, condition, start type).
	When string `json:"when,omitempty"`
	// Privilege is as whom it runs: system, installing user, each user at
	// logon, a service account.
	Privilege string `json:"privilege"`
	// Path is the nested path of the installer or sub-installer that
	// declares it; Evidence the table and row (or file) and Offset the
	// byte offset of the declaration in it (-1 when none applies).
	Path     string `json:"path"`
	Evidence string `json:"evidence"`
	Offset   int64  `json:"offset"`
	// Fetches is the text of a network fetch found in its script or
	// command line (a warning problem says so too).
	Fetches string `json:"fetches,omitempty"`
}

// String is the action in one line without where it is declared.
func (a Action) String() string {
	s := a.Kind + " " + a.Name + ": " + a.Runs
	if a.Target != "" {
		s += " [" + a.Target + "]"
	}
	if a.When != "" {
		s += "; " + a.When
	}
	return s + "; as " + a.Privilege
}

// Artifact describes the installer file itself.
type Artifact struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	SHA1   string `json:"sha1"`
	// SHA512 is what BSI TR-03183-2 asks of every deployable component.
	SHA512 string `json:"sha512,omitempty"`
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
	// Missing says the installer declares the package's bytes embedded but
	// they are not in it (a payload in a container the bundle lacks, or
	// shadowed by another with the same source path); an error problem says
	// why. Path is then empty and Embedded false.
	Missing bool `json:"missing,omitempty"`
}

// File is one regular file at any nesting level.
type File struct {
	// Path joins nesting levels with '/': outer entry names, then the path
	// inside the innermost container.
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA1   string `json:"sha1"`
	SHA256 string `json:"sha256"`
	// SHA512 is computed for the files that are deployable components'
	// own bytes (containers: a sub-installer, a wheel; binaries that are a
	// component themselves: a library's DLL, a program), as BSI
	// TR-03183-2 asks; empty for other files.
	SHA512  string `json:"sha512,omitempty"`
	Kind    string `json:"kind"`              // see Kind* constants
	Package string `json:"package,omitempty"` // ID of the Package that installs it
	// InstallPath is where the file lands on the target system when the
	// container knows it (MSI directory tables, pkg install-location).
	InstallPath string `json:"installPath,omitempty"`
	// Binary holds the header facts of an executable file.
	Binary *Binary `json:"binary,omitempty"`
	// Absent marks a file the installer declares but expects beside it, not
	// inside it (an MSI's uncompressed source file), which was not there:
	// Size is the declared size, DeclaredHash what the installer records
	// ("md5:<hex>", from MsiFileHash), and SHA1/SHA256 are empty. A warning
	// problem says where it was looked for.
	Absent       bool   `json:"absent,omitempty"`
	DeclaredHash string `json:"declaredHash,omitempty"`
	// Licenses are the licences a licence text in the file was recognised
	// as (LICENSE*, COPYING*, a dist-info's licence files, CPython's
	// LICENSE.txt, an Info.plist's NSHumanReadableCopyright).
	Licenses []LicenseText `json:"licenses,omitempty"`
}

// LicenseText is a licence recognised in a file's text by a licence
// classifier (github.com/google/licensecheck).
type LicenseText struct {
	// Expression is the SPDX licence expression the text is.
	Expression string `json:"expression"`
	// Coverage is the percentage of the text (of Section, when set) that
	// matches the licence.
	Coverage int `json:"coverage"`
	// Component is the component the text is for, when the file's path
	// or the section's own words name it (a dist-info's distribution,
	// node_modules/<name>, pip/_vendor/<name>, cpython for CPython's
	// LICENSE, bzip2 for its section in CPython's Windows LICENSE.txt);
	// empty when neither does.
	Component string `json:"component,omitempty"`
	// Section says which part of the file matched ("bytes 12000-14000",
	// "NSHumanReadableCopyright"); empty for the whole file.
	Section string `json:"section,omitempty"`
}

// Binary is what the headers of a PE, Mach-O or ELF file say: which
// libraries it loads, the name it gives itself, and per format the version
// resource (PE) or each slice's architecture, install name, minimum OS,
// UUID and code-signing identity (Mach-O).
type Binary struct {
	Imports []string    `json:"imports,omitempty"`
	Name    string      `json:"name,omitempty"` // PE export name, LC_ID_DYLIB, DT_SONAME
	PE      *PEFacts    `json:"pe,omitempty"`
	MachO   []MachOFact `json:"macho,omitempty"`
}

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

// Problem is something inspect has to tell about the input. Offset is
// relative to the container named by Layer at Path; -1 when no offset
// applies. Severity says whether the inventory is complete (see below).
type Problem struct {
	Path     string `json:"path"`
	Layer    string `json:"layer"`
	Offset   int64  `json:"offset"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Problem severities, defined once for every layer and command:
//
//   - error: bytes the installer holds could not be read (damaged, hostile,
//     over a limit). The inventory claims less than the installer holds;
//     inspect and verify exit 3, compose writes nothing unless asked to with
//     --allow-incomplete, and then marks the document incomplete.
//   - warning: everything was read, but something is suspicious or unusual
//     (a member name that climbs out of its directory, a file hash that does
//     not match the installer's own table). The inventory is complete;
//     commands exit 0 and compose records the warning as an annotation.
//
// A problem without a severity is an error: a reader that forgets to say
// must not make a loss look harmless.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// MaxMessage bounds a problem's message (and any message built from the
// input): readers and decoders quote the input — a JSON number a megabyte
// long, a member name of any length — and messages are for people.
const MaxMessage = 1024

// ClipMessage cuts s to MaxMessage bytes at a character boundary, saying how
// long it was.
func ClipMessage(s string) string {
	if len(s) <= MaxMessage {
		return s
	}
	cut := MaxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (" + strconv.Itoa(len(s)) + " bytes)"
}

// IsError reports whether the problem means data was not read.
func (p Problem) IsError() bool { return p.Severity != SeverityWarning }

// Complete reports whether every byte the installer holds was read: no
// problem is an error.
func (inv *Inventory) Complete() bool {
	for _, p := range inv.Problems {
		if p.IsError() {
			return false
		}
	}
	return true
}

// File kinds.
const (
	KindPE      = "pe" // executables, spelled as inspect/filekind names them
	KindMachO   = "macho"
	KindELF     = "elf"
	KindArchive = "archive" // a container that was opened and walked
	KindText    = "text"
	KindData    = "data"
)

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

// SystemDependency is a library that shipped binaries import but that the
// installer does not carry (KERNEL32.dll, /usr/lib/libz.1.dylib).
type SystemDependency struct {
	Name       string   `json:"name"`
	ImportedBy []string `json:"importedBy"`
}

// Finding is one component seen in one file.
type Finding struct {
	Name     string `json:"name"`
	Version  string `json:"version"`
	Supplier string `json:"supplier,omitempty"`
	PURL     string `json:"purl"`
	CPE      string `json:"cpe,omitempty"`
	// License is the licence the component's own metadata declares (an
	// SPDX expression or the text as written), empty when it says none.
	License string `json:"license,omitempty"`
	// Own is true when this file is the component's own library
	// (libcrypto-3-x64.dll for openssl): dynamic linkage. False means the
	// component is compiled into this file: static linkage.
	Own bool `json:"own"`
	// Linkage, when set, overrides what Own implies (metadata-only
	// components: "unknown" for an installed Python distribution, "static"
	// for a package vendored inside another).
	Linkage string `json:"linkage,omitempty"`
	// Parent names the component this one is part of (a package vendored
	// inside another: pip's vendored requests names "pip").
	Parent   string     `json:"parent,omitempty"`
	Evidence []Evidence `json:"evidence"`
}

// PEFacts are header facts of a PE file.
type PEFacts struct {
	Machine string `json:"machine"`
	// VersionStrings are the StringFileInfo strings (first string table
	// that defines a key wins).
	VersionStrings map[string]string `json:"versionStrings,omitempty"`
	// FileVersion and ProductVersion are VS_FIXEDFILEINFO's numeric
	// versions, "a.b.c.d"; empty without a fixed block.
	FileVersion    string `json:"fileVersion,omitempty"`
	ProductVersion string `json:"productVersion,omitempty"`
	// Manifest is the assemblyIdentity of the embedded RT_MANIFEST, when
	// present ("name version").
	Manifest string `json:"manifest,omitempty"`
}

// MachOFact describes one Mach-O image (a thin file, or one slice of a
// universal file).
type MachOFact struct {
	Arch   string `json:"arch"`
	Offset int64  `json:"offset"` // of the slice in the file
	Size   int64  `json:"size"`
	Type   string `json:"type,omitempty"` // dylib, execute, bundle, object ...
	// InstallName is LC_ID_DYLIB.
	InstallName string   `json:"installName,omitempty"`
	Imports     []string `json:"imports,omitempty"`
	UUID        string   `json:"uuid,omitempty"`
	Platform    string   `json:"platform,omitempty"`
	MinOS       string   `json:"minOS,omitempty"`
	SDK         string   `json:"sdk,omitempty"`
	// SigningID and TeamID come from the code directory of the embedded
	// code signature.
	SigningID string `json:"signingId,omitempty"`
	TeamID    string `json:"teamId,omitempty"`
}
