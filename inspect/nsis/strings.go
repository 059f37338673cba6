package nsis

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"
)

// An NSIS string is NUL-terminated text, UTF-16LE in Unicode installers
// (the default since NSIS 3) and the build machine's ANSI code page
// otherwise, in which variables, shell folders and language strings are
// coded: a code character followed by one 16-bit value (Unicode) or two
// bytes (ANSI), each byte's high bit set so that no byte is NUL.
//
//	NSIS 3:           1 language string, 2 shell folder, 3 variable, 4 literal next character
//	NSIS 2 ANSI: 255 language string, 254 shell folder, 253 variable, 252 literal next character
//
// Strings are referenced by their index (in characters) in the string
// block.

type code int

const (
	codeNone code = iota
	codeLang
	codeShell
	codeVar
	codeSkip
)

// maxStringChars bounds one decoded string: NSIS's own limit is 1024
// characters (8192 in its large-strings build).
const maxStringChars = 1 << 15

// Variable indices (NSIS 2.26 and later): $0-$9, $R0-$R9, then these.
const (
	varInstDir    = 21
	varOutDir     = 22
	varExeDir     = 23
	varTemp       = 25
	varPluginsDir = 26
	varSpecOutDir = 31 // $_OUTDIR, which `File /r` saves $OUTDIR in
	numNamedVars  = 32
)

var varNames = [...]string{"CMDLINE", "INSTDIR", "OUTDIR", "EXEDIR", "LANGUAGE", "TEMP", "PLUGINSDIR",
	"EXEPATH", "EXEFILE", "HWNDPARENT", "_CLICK", "_OUTDIR"}

// shellFolders names the shell folders NSIS codes by CSIDL, as its
// constants spell them ($SYSDIR is CSIDL_SYSTEM); "" where NSIS has no
// constant.
var shellFolders = [...]string{
	0x00: "DESKTOP", 0x01: "INTERNET", 0x02: "SMPROGRAMS", 0x03: "CONTROLS", 0x04: "PRINTERS",
	0x05: "DOCUMENTS", 0x06: "FAVORITES", 0x07: "SMSTARTUP", 0x08: "RECENT", 0x09: "SENDTO",
	0x0a: "BITBUCKET", 0x0b: "STARTMENU", 0x0d: "MUSIC", 0x0e: "VIDEOS", 0x10: "DESKTOP",
	0x11: "DRIVES", 0x12: "NETWORK", 0x13: "NETHOOD", 0x14: "FONTS", 0x15: "TEMPLATES",
	0x16: "STARTMENU", 0x17: "SMPROGRAMS", 0x18: "SMSTARTUP", 0x19: "DESKTOP", 0x1a: "APPDATA",
	0x1b: "PRINTHOOD", 0x1c: "LOCALAPPDATA", 0x1d: "ALTSTARTUP", 0x1e: "ALTSTARTUP", 0x1f: "FAVORITES",
	0x20: "INTERNET_CACHE", 0x21: "COOKIES", 0x22: "HISTORY", 0x23: "APPDATA", 0x24: "WINDIR",
	0x25: "SYSDIR", 0x26: "PROGRAMFILES", 0x27: "PICTURES", 0x28: "PROFILE", 0x29: "SYSTEMX86",
	0x2a: "PROGRAMFILES32", 0x2b: "COMMONFILES", 0x2c: "COMMONFILES32", 0x2d: "TEMPLATES", 0x2e: "DOCUMENTS",
	0x2f: "ADMINTOOLS", 0x30: "ADMINTOOLS", 0x31: "CONNECTIONS", 0x35: "MUSIC", 0x36: "PICTURES",
	0x37: "VIDEOS", 0x38: "RESOURCES", 0x39: "RESOURCES_LOCALIZED", 0x3a: "COMMON_OEM_LINKS",
	0x3b: "CDBURN_AREA", 0x3d: "COMPUTERSNEARME",
}

// stringTable is the string block of a script header.
type stringTable struct {
	b       []byte
	unicode bool
	// nsis2 says the ANSI codes are NSIS 2's (252-255), not NSIS 3's (1-4).
	nsis2 bool
	// work is how many more characters decode may scan: a script whose
	// every instruction names the longest string must not cost time
	// quadratic in the header. Unlimited when zero; exhausted says it ran
	// out (the strings decoded since are cut short).
	work      int64
	limited   bool
	exhausted bool
}

// limit gives decode a budget of n characters scanned in all.
func (t *stringTable) limit(n int64) { t.work, t.limited = n, true }

// spend counts n characters of work done besides decoding.
func (t *stringTable) spend(n int64) {
	if t.limited {
		if t.work -= n; t.work < 0 {
			t.exhausted = true
		}
	}
}

// chars is the number of characters (indices) in the table.
func (t *stringTable) chars() int64 {
	if t.unicode {
		return int64(len(t.b) / 2)
	}
	return int64(len(t.b))
}

// at returns the character at index i, 0 past the end.
func (t *stringTable) at(i int64) uint16 {
	if i < 0 || i >= t.chars() {
		return 0
	}
	if t.unicode {
		return binary.LittleEndian.Uint16(t.b[2*i:])
	}
	return uint16(t.b[i])
}

// codeOf says which special code c is.
func (t *stringTable) codeOf(c uint16) code {
	switch {
	case t.unicode || !t.nsis2:
		if c >= 1 && c <= 4 {
			return code(c)
		}
	case c >= 252:
		return code(256 - c) // 255 lang, 254 shell, 253 var, 252 skip
	}
	return codeNone
}

// operand reads the value after a code at i: one 16-bit character
// (Unicode) or two bytes (ANSI, one for a skipped literal). It returns the
// value as exehead reads it (the two 7-bit halves for numbers, the two
// bytes for shell folders) and the index after it; ok is false when the
// string ends inside it.
func (t *stringTable) operand(c code, i int64) (lo, hi int, next int64, ok bool) {
	if t.unicode {
		v := t.at(i)
		if v == 0 {
			return 0, 0, i, false
		}
		return int(v & 0xff), int(v >> 8), i + 1, true
	}
	b0 := t.at(i)
	if b0 == 0 {
		return 0, 0, i, false
	}
	if c == codeSkip {
		return int(b0), 0, i + 1, true
	}
	b1 := t.at(i + 1)
	if b1 == 0 {
		return 0, 0, i + 1, false
	}
	return int(b0), int(b1), i + 2, true
}

// number is a coded variable or language-string index: two 7-bit halves.
func number(lo, hi int) int { return lo&0x7f | (hi&0x7f)<<7 }

// valid reports whether i starts a string: inside the table, and the
// first string or one after a terminating NUL. (makensis also points into
// the tail of a longer string when a name is its suffix.)
func (t *stringTable) valid(i int64) bool {
	return i >= 0 && i < t.chars() && (i == 0 || t.at(i-1) == 0)
}

// leadingVar returns the variable the string at i starts with and the
// index of the rest of the string.
func (t *stringTable) leadingVar(i int64) (v int, rest int64, ok bool) {
	c := t.codeOf(t.at(i))
	if c != codeVar {
		return 0, 0, false
	}
	lo, hi, next, ok := t.operand(c, i+1)
	if !ok {
		return 0, 0, false
	}
	return number(lo, hi), next, true
}

// leadingShell reports whether the string at i starts with a shell folder.
func (t *stringTable) leadingShell(i int64) bool {
	return t.codeOf(t.at(i)) == codeShell
}

// isVar reports whether the string at i is exactly variable v.
func (t *stringTable) isVar(i int64, v int) bool {
	got, rest, ok := t.leadingVar(i)
	return ok && got == v && t.at(rest) == 0
}

// decode returns the string at index i with its codes spelled as NSIS
// scripts spell them ($INSTDIR, $SYSDIR, $(LSTR_12)); "" when i is outside
// the table.
func (t *stringTable) decode(i int64) string {
	if i < 0 || i >= t.chars() {
		return ""
	}
	var sb strings.Builder
	var units []uint16 // literal UTF-16 text not yet written
	var ansi []byte    // literal ANSI text not yet written
	flush := func() {
		if len(units) > 0 {
			sb.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
		if len(ansi) > 0 {
			s, err := charmap.Windows1252.NewDecoder().Bytes(ansi)
			if err != nil {
				s = ansi
			}
			sb.Write(s)
			ansi = ansi[:0]
		}
	}
	literal := func(c uint16) {
		if t.unicode {
			units = append(units, c)
		} else {
			ansi = append(ansi, byte(c))
		}
	}
	for n := 0; n < maxStringChars; n++ {
		if t.limited {
			if t.work <= 0 {
				t.exhausted = true
				break
			}
			t.work--
		}
		c := t.at(i)
		if c == 0 {
			break
		}
		k := t.codeOf(c)
		if k == codeNone {
			literal(c)
			i++
			continue
		}
		lo, hi, next, ok := t.operand(k, i+1)
		if !ok {
			break
		}
		i = next
		if k == codeSkip {
			if t.unicode {
				literal(uint16(lo | hi<<8))
			} else {
				literal(uint16(lo))
			}
			continue
		}
		flush()
		switch k {
		case codeVar:
			sb.WriteString(varName(number(lo, hi)))
		case codeLang:
			sb.WriteString("$(LSTR_" + strconv.Itoa(number(lo, hi)) + ")")
		case codeShell:
			sb.WriteString(t.shellName(lo, hi))
		}
	}
	flush()
	return sb.String()
}

// plain returns the string at i as its characters, codes not
// interpreted (ASCII only, at most 64): a registry value name, which must
// not be decoded in turn (its codes could name itself).
func (t *stringTable) plain(i int64) string {
	var b []byte
	for n := 0; n < 64; n++ {
		c := t.at(i + int64(n))
		if c == 0 || c >= 0x80 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// varName spells variable v as a script would: $0-$9, $R0-$R9, the
// built-in names, and $_N_ for the script's own variables (their names
// are not kept).
func varName(v int) string {
	switch {
	case v < 10:
		return "$" + strconv.Itoa(v)
	case v < 20:
		return "$R" + strconv.Itoa(v-10)
	case v < numNamedVars:
		return "$" + varNames[v-20]
	}
	return "$_" + strconv.Itoa(v-numNamedVars) + "_"
}

// shellName spells a shell folder code: lo is the CSIDL of the current
// user's folder, hi that of all users' (exehead uses the second when the
// first fails). lo with its high bit set is a registry value instead,
// read from HKLM\Software\Microsoft\Windows\CurrentVersion: its name is
// the string at index lo&0x3f and 0x40 selects the 64-bit view
// ($PROGRAMFILES64).
func (t *stringTable) shellName(lo, hi int) string {
	if lo&0x80 != 0 {
		name := ""
		switch t.plain(int64(lo & 0x3f)) {
		case "ProgramFilesDir":
			name = "$PROGRAMFILES"
		case "CommonFilesDir":
			name = "$COMMONFILES"
		default:
			return "$_REGISTRY_" + strconv.Itoa(lo&0x3f) + "_"
		}
		if lo&0x40 != 0 {
			name += "64"
		}
		return name
	}
	for _, idx := range []int{lo, hi} {
		if idx < len(shellFolders) && shellFolders[idx] != "" {
			return "$" + shellFolders[idx]
		}
	}
	return "$_SHELL_" + strconv.Itoa(lo) + "_" + strconv.Itoa(hi) + "_"
}

// detectNSIS2 tells NSIS 2's ANSI codes from NSIS 3's by what the table
// holds more of: a variable coded the NSIS 3 way (3, then two bytes with
// the high bit set) or the NSIS 2 way (253, then two such bytes). Every
// installer codes $INSTDIR somewhere.
func detectNSIS2(b []byte) bool {
	var three, two int
	for i := 0; i+2 < len(b); i++ {
		if b[i+1]&0x80 == 0 || b[i+2]&0x80 == 0 {
			continue
		}
		switch b[i] {
		case 3:
			three++
		case 253:
			two++
		}
	}
	return two > three
}
