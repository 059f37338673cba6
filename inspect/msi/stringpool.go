package msi

import (
	"encoding/binary"
	"unicode/utf8"

	"github.com/installer-sbom/installer-sbom/inspect/cfb"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
)

// StringPool is the database's string table: _StringPool holds a header
// (code page, and the 0x8000_0000 flag that makes string references 3 bytes
// wide instead of 2) followed by one (length, reference count) pair of
// uint16 per string; _StringData holds the strings back to back in the
// database code page. A string of 64 KiB or more is written as a pair with
// length 0 and a non-zero count, followed by a pair holding its 32-bit
// length; a pair of zeros is an unused string id.
type StringPool struct {
	Codepage int
	RefSize  int      // bytes per string reference in tables: 2 or 3
	strings  []string // index = string id; 0 is NULL
	stream   *cfb.Stream
}

// Len is the number of string ids, including id 0.
func (p *StringPool) Len() int { return len(p.strings) }

func (p *StringPool) get(id uint32) string {
	if int64(id) < int64(len(p.strings)) {
		return p.strings[id]
	}
	return ""
}

// ref decodes a 2- or 3-byte string reference read at off in table stream s.
func (p *StringPool) ref(b []byte, s *cfb.Stream, off int64) (string, error) {
	var id uint32
	for i := len(b) - 1; i >= 0; i-- {
		id = id<<8 | uint32(b[i])
	}
	if int64(id) >= int64(len(p.strings)) {
		fo := int64(-1)
		if s != nil {
			fo = s.FileOffset(off)
		}
		return "", errorf(fo, "string reference %d is beyond the %d strings of the pool", id, len(p.strings))
	}
	return p.strings[id], nil
}

func (db *Database) readStringPool() (*StringPool, error) {
	p := &StringPool{RefSize: 2, strings: []string{""}}
	pool, ps, err := db.readTableStream("_StringPool")
	if err != nil {
		return nil, err
	}
	data, ds, err := db.readTableStream("_StringData")
	if err != nil {
		return nil, err
	}
	if ps == nil {
		if ds != nil && len(data) > 0 {
			return nil, errorf(ds.FileOffset(0), "_StringData without _StringPool")
		}
		return p, nil
	}
	p.stream = ps
	if len(pool)%4 != 0 || len(pool) < 4 {
		return nil, errorf(ps.FileOffset(0), "_StringPool is %d bytes, not a multiple of 4", len(pool))
	}
	le := binary.LittleEndian
	header := le.Uint32(pool)
	if header&0x80000000 != 0 {
		p.RefSize = 3
	}
	p.Codepage = int(header &^ 0x80000000)
	dec := decoderFor(p.Codepage)
	n := len(pool) / 4
	p.strings = make([]string, 1, n)
	var off int64
	for i := 1; i < n; i++ {
		length := uint32(le.Uint16(pool[4*i:]))
		refs := le.Uint16(pool[4*i+2:])
		if length == 0 && refs == 0 {
			p.strings = append(p.strings, "")
			continue
		}
		if length == 0 {
			// A long string: its 32-bit length is in the next pair.
			if i+1 >= n {
				return nil, errorf(ps.FileOffset(int64(4*i)), "string %d: long-string entry is the last of the pool", len(p.strings))
			}
			i++
			length = uint32(le.Uint16(pool[4*i:])) | uint32(le.Uint16(pool[4*i+2:]))<<16
		}
		if int64(length) > int64(len(data))-off {
			return nil, errorf(ps.FileOffset(int64(4*i)), "string %d: length %d runs past the %d bytes of _StringData", len(p.strings), length, len(data))
		}
		p.strings = append(p.strings, dec(data[off:off+int64(length)]))
		off += int64(length)
	}
	return p, nil
}

// decoderFor returns a converter from the database code page to UTF-8.
// Code page 0 (neutral) and unknown code pages are read as Windows-1252,
// which is what the MSI tools fall back to; pure ASCII is the same in all.
func decoderFor(cp int) func([]byte) string {
	if cp == 65001 {
		return func(b []byte) string {
			if utf8.Valid(b) {
				return string(b)
			}
			return string([]rune(string(b)))
		}
	}
	var enc encoding.Encoding = charmap.Windows1252
	switch cp {
	case 437:
		enc = charmap.CodePage437
	case 850:
		enc = charmap.CodePage850
	case 866:
		enc = charmap.CodePage866
	case 874:
		enc = charmap.Windows874
	case 1250:
		enc = charmap.Windows1250
	case 1251:
		enc = charmap.Windows1251
	case 1253:
		enc = charmap.Windows1253
	case 1254:
		enc = charmap.Windows1254
	case 1255:
		enc = charmap.Windows1255
	case 1256:
		enc = charmap.Windows1256
	case 1257:
		enc = charmap.Windows1257
	case 1258:
		enc = charmap.Windows1258
	case 28591:
		enc = charmap.ISO8859_1
	}
	d := enc.NewDecoder()
	return func(b []byte) string {
		ascii := true
		for _, c := range b {
			if c >= 0x80 {
				ascii = false
				break
			}
		}
		if ascii {
			return string(b)
		}
		out, err := d.Bytes(b)
		if err != nil {
			return string([]rune(string(b)))
		}
		return string(out)
	}
}
