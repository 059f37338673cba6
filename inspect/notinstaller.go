package inspect

import (
	"bytes"
	"fmt"

	"github.com/installer-sbom/installer-sbom/inspect/filekind"
)

// NotInstallerError says the artifact given to Inspect is neither an
// installer or archive this tool reads nor an executable: an SBOM of it
// would describe nothing (an HTML error page saved as python-3.12.0-amd64.exe,
// random bytes named .msi, an empty file).
type NotInstallerError struct {
	Name string // the artifact's name
	What string // what it looks like
}

func (e *NotInstallerError) Error() string {
	return fmt.Sprintf("%s: not an installer: %s", e.Name, e.What)
}

// acceptedBare reports whether a file that is not a container is still an
// artifact worth an inventory: a bare executable (PE, Mach-O, ELF) or a
// static library, which people verify on its own.
func acceptedBare(head []byte) bool {
	switch filekind.Sniff(head) {
	case filekind.PE, filekind.ELF, filekind.MachO:
		return true
	}
	return bytes.HasPrefix(head, []byte("!<arch>\n"))
}

// describeContent says, in a few words, what a file that is not an
// installer looks like, from its first bytes.
func describeContent(head []byte, size int64) string {
	if size == 0 {
		return "an empty file"
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	// ASCII case folding only: strings.ToLower would turn the bytes of a
	// binary signature that are not UTF-8 into U+FFFD.
	lower := []byte(string(trimmed[:min(len(trimmed), 64)]))
	for i, c := range lower {
		if 'A' <= c && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	signatures := []struct{ prefix, what string }{
		{"<!doctype html", "an HTML document"},
		{"<html", "an HTML document"},
		{"<?xml", "an XML document"},
		{"%pdf-", "a PDF document"},
		{"\x1f\x8b", "gzip-compressed data (a format this tool does not open)"},
		{"bzh", "bzip2-compressed data (a format this tool does not open)"},
		{"\xfd7zxz\x00", "xz-compressed data (a format this tool does not open)"},
		{"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (a format this tool does not open)"},
		{"rar!\x1a\x07", "a RAR archive (a format this tool does not open)"},
	}
	for _, s := range signatures {
		if bytes.HasPrefix(lower, []byte(s.prefix)) {
			return s.what
		}
	}
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && kindOf(head, nil) == KindText {
		return "JSON or other text"
	}
	if kindOf(head, nil) == KindText {
		return fmt.Sprintf("text (%d bytes)", size)
	}
	n := min(len(head), 8)
	return fmt.Sprintf("data with no signature this tool knows (%d bytes, starting % x)", size, head[:n])
}
