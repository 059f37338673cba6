package msi

import (
	"encoding/binary"
	"io"
	"time"
)

// SummaryInfo is the "\x05SummaryInformation" property set (MS-OLEPS) with
// the meanings Windows Installer gives its properties.
type SummaryInfo struct {
	Codepage       int
	Title          string
	Subject        string
	Author         string
	Keywords       string
	Comments       string
	Template       string // "platform;language", e.g. "x64;1033"
	LastSavedBy    string
	RevisionNumber string // the PackageCode GUID
	LastPrinted    time.Time
	Created        time.Time
	LastSaved      time.Time
	PageCount      int32 // minimum installer version, e.g. 200
	WordCount      int32 // source flags: 1 short names, 2 compressed, 4 admin image
	CharCount      int32
	AppName        string
	Security       int32
	// Present records which property ids were found.
	Present map[int]bool
}

// Summary information property ids.
const (
	pidCodepage    = 1
	pidTitle       = 2
	pidSubject     = 3
	pidAuthor      = 4
	pidKeywords    = 5
	pidComments    = 6
	pidTemplate    = 7
	pidLastAuthor  = 8
	pidRevision    = 9
	pidLastPrinted = 11
	pidCreated     = 12
	pidLastSaved   = 13
	pidPageCount   = 14
	pidWordCount   = 15
	pidCharCount   = 16
	pidAppName     = 18
	pidSecurity    = 19
)

// Property types.
const (
	vtI2       = 2
	vtI4       = 3
	vtLPSTR    = 30
	vtFILETIME = 64
)

// SummaryInfoStream is the name of the summary information stream.
const SummaryInfoStream = "\x05SummaryInformation"

// SummaryInfo parses the summary information stream. A database without one
// returns an empty SummaryInfo.
func (db *Database) SummaryInfo() (*SummaryInfo, error) {
	si := &SummaryInfo{Present: map[int]bool{}}
	s, ok := db.streams[SummaryInfoStream]
	if !ok {
		return si, nil
	}
	if s.Size > 1<<20 {
		return nil, errorf(s.FileOffset(0), "summary information is %d bytes, more than 1 MiB", s.Size)
	}
	r, err := s.Open()
	if err != nil {
		return nil, err
	}
	b := make([]byte, s.Size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	bad := func(off int, msg string, args ...any) error {
		return errorf(s.FileOffset(int64(off)), "summary information: "+msg, args...)
	}
	le := binary.LittleEndian
	if len(b) < 48 || le.Uint16(b) != 0xFFFE {
		return nil, bad(0, "bad property set header")
	}
	if le.Uint32(b[24:]) < 1 {
		return nil, bad(24, "no property sections")
	}
	sec := int(le.Uint32(b[44:]))
	if sec < 48 || sec > len(b)-8 {
		return nil, bad(44, "section offset %d outside the %d-byte stream", sec, len(b))
	}
	count := int(le.Uint32(b[sec+4:]))
	if count > (len(b)-sec-8)/8 {
		return nil, bad(sec+4, "%d properties do not fit the stream", count)
	}
	dec := decoderFor(1252)
	type strProp struct {
		id  int
		dst *string
	}
	for i := 0; i < count; i++ {
		e := sec + 8 + 8*i
		id := int(le.Uint32(b[e:]))
		po := int64(sec) + int64(le.Uint32(b[e+4:]))
		if po < 0 || po > int64(len(b))-8 {
			return nil, bad(e+4, "property %d at offset %d outside the stream", id, po)
		}
		p := int(po)
		typ := le.Uint32(b[p:])
		val := b[p+4:]
		si.Present[id] = true
		switch typ {
		case vtI2:
			v := int32(int16(le.Uint16(val)))
			switch id {
			case pidCodepage:
				si.Codepage = int(uint16(v))
				dec = decoderFor(si.Codepage)
			default:
				si.setInt(id, v)
			}
		case vtI4:
			si.setInt(id, int32(le.Uint32(val)))
		case vtLPSTR:
			n := int(le.Uint32(val))
			if n < 0 || n > len(val)-4 {
				return nil, bad(p+4, "property %d: string of %d bytes runs past the stream", id, n)
			}
			str := val[4 : 4+n]
			for len(str) > 0 && str[len(str)-1] == 0 {
				str = str[:len(str)-1]
			}
			si.setString(id, dec(str))
		case vtFILETIME:
			if len(val) < 8 {
				return nil, bad(p+4, "property %d: FILETIME runs past the stream", id)
			}
			ft := le.Uint64(val)
			si.setTime(id, filetime(ft))
		default:
			// Other types carry nothing Windows Installer defines; skip.
		}
	}
	return si, nil
}

func (si *SummaryInfo) setInt(id int, v int32) {
	switch id {
	case pidPageCount:
		si.PageCount = v
	case pidWordCount:
		si.WordCount = v
	case pidCharCount:
		si.CharCount = v
	case pidSecurity:
		si.Security = v
	}
}

func (si *SummaryInfo) setString(id int, v string) {
	switch id {
	case pidTitle:
		si.Title = v
	case pidSubject:
		si.Subject = v
	case pidAuthor:
		si.Author = v
	case pidKeywords:
		si.Keywords = v
	case pidComments:
		si.Comments = v
	case pidTemplate:
		si.Template = v
	case pidLastAuthor:
		si.LastSavedBy = v
	case pidRevision:
		si.RevisionNumber = v
	case pidAppName:
		si.AppName = v
	}
}

func (si *SummaryInfo) setTime(id int, t time.Time) {
	switch id {
	case pidLastPrinted:
		si.LastPrinted = t
	case pidCreated:
		si.Created = t
	case pidLastSaved:
		si.LastSaved = t
	}
}

// filetime converts 100 ns ticks since 1601 to UTC; 0 is the zero time.
func filetime(ft uint64) time.Time {
	if ft == 0 {
		return time.Time{}
	}
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in ticks
	if ft < epochDiff {
		return time.Time{}
	}
	d := ft - epochDiff
	return time.Unix(int64(d/1e7), int64(d%1e7)*100).UTC()
}
