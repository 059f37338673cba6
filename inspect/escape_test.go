package inspect

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// unescapeName inverts escapeName: the raw bytes of a name are recoverable.
func unescapeName(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 'x':
			if i+4 > len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(v))
			i += 3
		case 'u':
			if i+6 > len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+2:i+6], 16, 32)
			if err != nil {
				return "", false
			}
			b.WriteRune(rune(v))
			i += 5
		default:
			return "", false
		}
	}
	return b.String(), true
}

func checkEscaped(t *testing.T, raw, got string) {
	t.Helper()
	if back, ok := unescapeName(got); !ok || back != raw {
		t.Fatalf("escapeName(%q) = %q, which unescapes to %q", raw, got, back)
	}
	if raw == "" {
		return
	}
	for _, part := range strings.Split(got, "/") {
		if part == "" || part == "." || part == ".." {
			t.Fatalf("escapeName(%q) = %q has the part %q", raw, got, part)
		}
	}
	for _, r := range got {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isNoncharacter(r) || isBidiControl(r) || r == utf8.RuneError {
			t.Fatalf("escapeName(%q) = %q keeps %U", raw, got, r)
		}
	}
}

func TestEscapeName(t *testing.T) {
	for raw, want := range map[string]string{
		"python311.dll":          "python311.dll",
		"Lib/json/__init__.py":   "Lib/json/__init__.py",
		"../../../relative/path": `\x2e\x2e/\x2e\x2e/\x2e\x2e/relative/path`,
		"/etc/passwd":            `\x2fetc/passwd`,
		"a//b":                   `a\x2f/b`,
		"dir/":                   `dir\x2f`,
		"/":                      `\x2f`,
		"./x":                    `\x2e/x`,
		`C:\Windows\evil.dll`:    `C:\\Windows\\evil.dll`,
		"bell\x07.txt":           `bell\u0007.txt`,
		"nel\u0085":              `nel\u0085`,
		"raw\x85":                `raw\x85`,
		"\ufffe\uffff":           `\ufffe\uffff`,
		"invoice\u202etxt.exe":   `invoice\u202etxt.exe`,
		"日本語/ファイル.txt":           "日本語/ファイル.txt",
	} {
		got := escapeName(raw)
		if got != want {
			t.Errorf("escapeName(%q) = %q, want %q", raw, got, want)
		}
		checkEscaped(t, raw, got)
	}
}

// FuzzEscapeName: every name escapes to a printable path with no empty,
// "." or ".." part, from which the raw bytes are recovered.
func FuzzEscapeName(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "//", "/./", "\\x2e", "\xff\xfe", "a\u202e/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkEscaped(t, raw, escapeName(raw))
	})
}
