package msi

import (
	"strings"
	"unicode/utf16"
)

// MSI stores table and stream names in compound-file names that are limited
// to 31 UTF-16 units, so it packs two characters of the alphabet
// [0-9A-Za-z._] (6 bits each) into one code unit of 0x3800..0x47FF, a single
// character into 0x4800..0x483F, and marks tables with a leading 0x4840.
// Names outside the alphabet are stored as plain UTF-16 (e.g.
// "\x05SummaryInformation").

const (
	packedPairs  = 0x3800
	packedSingle = 0x4800
	tableMarker  = 0x4840
)

func packedChar(v uint16) rune {
	switch {
	case v < 10:
		return '0' + rune(v)
	case v < 36:
		return 'A' + rune(v-10)
	case v < 62:
		return 'a' + rune(v-36)
	case v == 62:
		return '.'
	default:
		return '_'
	}
}

func packedValue(r rune) (uint16, bool) {
	switch {
	case r >= '0' && r <= '9':
		return uint16(r - '0'), true
	case r >= 'A' && r <= 'Z':
		return uint16(r-'A') + 10, true
	case r >= 'a' && r <= 'z':
		return uint16(r-'a') + 36, true
	case r == '.':
		return 62, true
	case r == '_':
		return 63, true
	}
	return 0, false
}

// DecodeStreamName turns a raw compound-file name into the MSI name and
// reports whether it names a table (the 0x4840 marker).
func DecodeStreamName(raw []uint16) (name string, table bool) {
	if len(raw) > 0 && raw[0] == tableMarker {
		table = true
		raw = raw[1:]
	}
	var b strings.Builder
	var plain []uint16
	flush := func() {
		if len(plain) > 0 {
			b.WriteString(string(utf16.Decode(plain)))
			plain = plain[:0]
		}
	}
	for _, c := range raw {
		switch {
		case c >= packedPairs && c < packedSingle:
			flush()
			v := c - packedPairs
			b.WriteRune(packedChar(v & 0x3f))
			b.WriteRune(packedChar(v >> 6 & 0x3f))
		case c >= packedSingle && c < tableMarker:
			flush()
			b.WriteRune(packedChar(c - packedSingle))
		default:
			plain = append(plain, c)
		}
	}
	flush()
	return b.String(), table
}

// EncodeStreamName is the inverse of DecodeStreamName. Names starting with
// '\x05' (OLE property sets such as "\x05SummaryInformation") are written
// by the property-set layer and stay plain.
func EncodeStreamName(name string, table bool) []uint16 {
	if !table && strings.HasPrefix(name, "\x05") {
		return utf16.Encode([]rune(name))
	}
	var out []uint16
	if table {
		out = append(out, tableMarker)
	}
	rs := []rune(name)
	for i := 0; i < len(rs); i++ {
		v1, ok1 := packedValue(rs[i])
		if !ok1 {
			out = append(out, utf16.Encode(rs[i:i+1])...)
			continue
		}
		if i+1 < len(rs) {
			if v2, ok2 := packedValue(rs[i+1]); ok2 {
				out = append(out, packedPairs+v1+v2<<6)
				i++
				continue
			}
		}
		out = append(out, packedSingle+v1)
	}
	return out
}
