package nsis

import (
	"encoding/binary"
	"testing"
	"unicode/utf16"
)

// ansiTable builds an ANSI string table from strings already coded.
func ansiTable(nsis2 bool, strs ...string) (*stringTable, []int64) {
	var b []byte
	var idx []int64
	for _, s := range strs {
		idx = append(idx, int64(len(b)))
		b = append(append(b, s...), 0)
	}
	return &stringTable{b: b, nsis2: nsis2}, idx
}

// The codes of every string flavour decode to the names scripts use.
func TestStringCodes(t *testing.T) {
	// CODE_SHORT(21) = $INSTDIR as two bytes with the high bit set.
	instdir := "\x95\x80"
	pf := "\x80\x80" // shell: registry value at string index 0 ("ProgramFilesDir" below)
	cases := []struct {
		nsis2 bool
		coded string
		want  string
	}{
		{false, "\x03" + instdir + `\bin\x.dll`, `$INSTDIR\bin\x.dll`},
		{false, "\x02\x25\x25\\x.dll", `$SYSDIR\x.dll`},
		{false, "\x01\x82\x80", "$(LSTR_2)"},
		{false, "a\x04\x03b", "a\x03b"},                // a skipped code is a literal
		{false, "\x03\x8a\x80\x03\xa0\x80", "$R0$_0_"}, // $R0, and user variable 0 (index 32)
		{false, "caf\xe9", "café"},                     // Windows-1252
		{true, "\xfd" + instdir + `\x`, `$INSTDIR\x`},
		{true, "\xfe\x1a\x23", "$APPDATA"},
		{true, "\xff\x83\x80", "$(LSTR_3)"},
		{true, "\xfc\xfdx", "\xc3\xbdx"}, // skipped 0xfd is ý
	}
	for _, c := range cases {
		st, idx := ansiTable(c.nsis2, "ProgramFilesDir", c.coded)
		if got := st.decode(idx[1]); got != c.want {
			t.Errorf("nsis2 %v %q: %q, want %q", c.nsis2, c.coded, got, c.want)
		}
	}
	st, idx := ansiTable(false, "ProgramFilesDir", "\x02"+pf+`\App`, "\x02\xc0\x80")
	if got := st.decode(idx[1]); got != `$PROGRAMFILES\App` {
		t.Errorf("registry shell folder: %q", got)
	}
	if got := st.decode(idx[2]); got != "$PROGRAMFILES64" {
		t.Errorf("64-bit registry shell folder: %q", got)
	}
	if v, rest, ok := st.leadingVar(idx[1]); ok {
		t.Errorf("shell folder read as variable %d %d", v, rest)
	}
	if !st.leadingShell(idx[1]) || st.decode(-1) != "" || st.decode(1<<40) != "" {
		t.Error("leadingShell or out-of-range decode")
	}
	// A code cut by the end of the string ends it.
	st, idx = ansiTable(false, "x\x03\x95")
	if got := st.decode(idx[0]); got != "x" {
		t.Errorf("cut code: %q", got)
	}
}

// Unicode strings: UTF-16 text with one 16-bit operand per code.
func TestStringCodesUnicode(t *testing.T) {
	units := []uint16{0, 3, 0x8095, '\\', 'a', 0, 2, 0x2525, 0, 4, 3, 0xd83d, 0xde00, 0, 3, 0x8095, 0}
	b := make([]byte, 2*len(units))
	for i, u := range units {
		binary.LittleEndian.PutUint16(b[2*i:], u)
	}
	st := &stringTable{b: b, unicode: true}
	for i, want := range map[int64]string{1: `$INSTDIR\a`, 6: "$SYSDIR", 9: "\x03" + string(utf16.Decode([]uint16{0xd83d, 0xde00}))} {
		if got := st.decode(i); got != want {
			t.Errorf("string %d: %q, want %q", i, got, want)
		}
	}
	if st.isVar(1, varInstDir) || !st.isVar(14, varInstDir) || st.isVar(14, varOutDir) {
		t.Error(`isVar: $INSTDIR\a is not exactly $INSTDIR, the last string is`)
	}
	if st.chars() != int64(len(units)) || !st.valid(6) || st.valid(7) {
		t.Error("chars or valid")
	}
}

// NSIS 2's codes are told from NSIS 3's by the variables they code.
func TestDetectNSIS2(t *testing.T) {
	if detectNSIS2([]byte("\x00\x03\x95\x80\\x\x00")) || !detectNSIS2([]byte("\x00\xfd\x95\x80\\x\x00")) {
		t.Error("detectNSIS2")
	}
	for v, want := range map[int]string{0: "$0", 19: "$R9", 21: "$INSTDIR", 26: "$PLUGINSDIR", 31: "$_OUTDIR", 40: "$_8_"} {
		if got := varName(v); got != want {
			t.Errorf("varName(%d) = %q", v, got)
		}
	}
}
