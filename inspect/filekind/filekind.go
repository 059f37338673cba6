// Package filekind tells executables and static libraries apart by their
// first bytes: PE, ELF, thin and fat (universal) Mach-O, and ar archives.
// It is the one sniffer for file kinds: the walker asks it which files are
// executables (fingerprinted whole, never streamed) and what kind to record;
// it is a leaf package so that the fingerprint engine, which sniffs the same
// kinds today with its own copy, can adopt it.
package filekind

import (
	"encoding/binary"

	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// Kind is a file kind; the names are the inventory's.
type Kind string

// Kinds Sniff recognises; "" is none of them.
const (
	PE    Kind = "pe"
	MachO Kind = "macho" // thin or fat
	ELF   Kind = "elf"
	Ar    Kind = "ar" // a static library ("!<arch>\n")
)

// MaxFatArches bounds a fat Mach-O's architecture count. The fat magic
// 0xcafebabe is also Java's class-file magic, which has its minor and major
// version (45 and up) where the fat header has the count; real universal
// files carry two to four architectures.
const MaxFatArches = 16

// Sniff says what kind of file starts with b. A PE is an MZ header whose
// e_lfanew points at "PE\0\0" inside b (so b should hold the headers: the
// walker passes 64 KiB), not any file starting with "MZ" (DOS programs,
// truncated files).
func Sniff(b []byte) Kind {
	switch {
	case pehdr.IsPE(b):
		return PE
	case len(b) >= 4 && string(b[:4]) == "\x7fELF":
		return ELF
	case IsThinMachO(b) || IsFatMachO(b):
		return MachO
	case len(b) >= 8 && string(b[:8]) == "!<arch>\n":
		return Ar
	}
	return ""
}

// IsExecutable reports whether b starts a PE, ELF or Mach-O file.
func IsExecutable(b []byte) bool {
	switch Sniff(b) {
	case PE, ELF, MachO:
		return true
	}
	return false
}

// IsThinMachO reports whether b starts with a 32- or 64-bit Mach-O magic,
// in either byte order.
func IsThinMachO(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	switch string(b[:4]) {
	case "\xfe\xed\xfa\xce", "\xce\xfa\xed\xfe", "\xfe\xed\xfa\xcf", "\xcf\xfa\xed\xfe":
		return true
	}
	return false
}

// IsFatMachO reports whether b starts with a fat (universal) header, 32-
// or 64-bit, declaring 1 to MaxFatArches architectures. It checks only the
// header, not the slices (the fingerprint engine does when it reads them).
func IsFatMachO(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	switch binary.BigEndian.Uint32(b) {
	case 0xcafebabe, 0xcafebabf:
		n := binary.BigEndian.Uint32(b[4:])
		return n > 0 && n <= MaxFatArches
	}
	return false
}
