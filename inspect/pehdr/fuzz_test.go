package pehdr

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzPEHeader: Parse and Read never panic, agree with each other, report
// errors of layer pe at an offset inside the file, and everything they
// return points inside the file.
func FuzzPEHeader(f *testing.F) {
	f.Add(buildPE(false, twoSections, 0x800, 0x10))
	f.Add(buildPE(true, twoSections, 0, 0))
	f.Add(buildPE(false, nil, 0, 0)[:0x80+24+100])
	f.Fuzz(func(t *testing.T, b []byte) {
		size := int64(len(b))
		h, err := Parse(b)
		r, rerr := Read(bytes.NewReader(b), size)
		if (err == nil) != (rerr == nil) || (err != nil && err.Error() != rerr.Error()) || (err == nil && !reflect.DeepEqual(h, r)) {
			t.Fatalf("Parse %v, Read %v", err, rerr)
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Layer() != "pe" || e.Off < 0 || e.Off > size {
				t.Fatalf("error %v", err)
			}
			return
		}
		if h.NTOffset+24 > size || h.OptionalOffset+h.OptionalSize > size || len(h.Sections) != h.NumberOfSections {
			t.Fatalf("header %+v outside %d bytes", h, size)
		}
		if h.ChecksumOffset >= 0 && h.ChecksumOffset+4 > size {
			t.Fatalf("checksum at %d", h.ChecksumOffset)
		}
		for i := range h.Directories {
			if o := h.DirectoryOffset(i); o < 0 || o+8 > h.OptionalOffset+h.OptionalSize {
				t.Fatalf("directory %d at %d", i, o)
			}
		}
		if h.OverlayOffset() < h.OptionalOffset+h.OptionalSize {
			t.Fatalf("overlay %d before the section table", h.OverlayOffset())
		}
		for _, d := range h.Directories {
			if off, ok := h.Offset(d.RVA, d.Size); ok && (off < 0 || off+int64(d.Size) > size) {
				t.Fatalf("directory %+v maps to %d", d, off)
			}
			h.Bytes(b, d.RVA, min(d.Size, 1<<16))
			h.CString(b, d.RVA, 64)
		}
	})
}
