package inspect

import (
	"strings"
)

// suspiciousName says why a member name, as the container stores it, would
// be dangerous if someone extracted it naively, or "" when it is ordinary.
// Such names are inventoried as they are (escaped, never resolved) with a
// warning: every byte is still read, but a reviewer should know that the
// installer carries a name that climbs out of its directory, is absolute,
// or hides control characters.
func suspiciousName(name string) string {
	var why []string
	if strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`) || hasDriveLetter(name) {
		why = append(why, "is absolute")
	}
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			why = append(why, `climbs out of its directory ("..")`)
			break
		}
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f {
			why = append(why, "contains control characters")
			break
		}
	}
	return strings.Join(why, ", ")
}

// hasDriveLetter reports a Windows drive prefix such as "C:".
func hasDriveLetter(name string) bool {
	return len(name) >= 2 && name[1] == ':' &&
		(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z')
}
