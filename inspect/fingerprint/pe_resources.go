package fingerprint

import (
	"encoding/binary"
	"fmt"

	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// The resource directory is read here, not by saferwall/pe: a crafted
// directory that nests without end or points back at itself made the
// library recurse until the stack overflowed, or allocate gigabytes for a
// DAG of a few KiB. Only what identification needs is read — type → first
// name → first language, three fixed levels — with every offset checked.

// maxResourceEntries bounds the entries scanned in one resource directory.
const maxResourceEntries = 4096

// resourceData returns the data of the first resource of type typ, nil when
// there is none or it is malformed; bad says how it is malformed (a
// directory nested deeper than the format's three levels, or pointing
// outside the file), "" when the resource is simply absent.
func resourceData(h *pehdr.Header, b []byte, typ uint32) (data []byte, bad string) {
	dir := h.Directory(pehdr.DirResource)
	if dir.RVA == 0 || dir.Size < 16 {
		return nil, ""
	}
	base, ok := h.Offset(dir.RVA, 16)
	if !ok {
		return nil, "the resource directory lies outside the file"
	}
	// entry returns the offset field of the entry with id (or, when first
	// is set, of the entry with id if there is one, else the first entry)
	// in the directory at rel.
	entry := func(rel uint32, id uint32, first bool) (uint32, bool) {
		off := base + int64(rel)
		if off+16 > int64(len(b)) {
			return 0, false
		}
		n := int(binary.LittleEndian.Uint16(b[off+12:])) + int(binary.LittleEndian.Uint16(b[off+14:]))
		n = min(n, maxResourceEntries)
		var firstTarget uint32
		found := false
		for i := 0; i < n; i++ {
			e := off + 16 + int64(8*i)
			if e+8 > int64(len(b)) {
				break
			}
			name, target := binary.LittleEndian.Uint32(b[e:]), binary.LittleEndian.Uint32(b[e+4:])
			if name&0x80000000 == 0 && name == id {
				return target, true
			}
			if first && !found {
				firstTarget, found = target, true
			}
		}
		return firstTarget, found
	}
	target, ok := entry(0, typ, false)
	if !ok {
		return nil, ""
	}
	// Name: the first. Language: US English where there is one (Wine's
	// kernel32.dll lists Arabic first), else the first.
	for _, want := range []uint32{0xffffffff, 0x409} {
		if !ok {
			return nil, "a resource directory lies outside the file or is empty"
		}
		if target&0x80000000 == 0 {
			return nil, "a data entry stands where a directory belongs"
		}
		target, ok = entry(target&0x7fffffff, want, true)
	}
	if !ok {
		return nil, "a resource directory lies outside the file or is empty"
	}
	if target&0x80000000 != 0 {
		return nil, "the directory nests deeper than the format's three levels"
	}
	de := base + int64(target)
	if de+16 > int64(len(b)) {
		return nil, "a data entry lies outside the file"
	}
	rva, size := binary.LittleEndian.Uint32(b[de:]), binary.LittleEndian.Uint32(b[de+4:])
	if size == 0 || size > maxResourceBytes {
		return nil, fmt.Sprintf("a data entry declares %d bytes", size)
	}
	if data = h.Bytes(b, rva, size); data == nil {
		return nil, "a data entry's bytes lie outside the file"
	}
	return data, ""
}

// exportName is the DLL name the export directory gives the file.
func exportName(h *pehdr.Header, b []byte) string {
	dir := h.Directory(pehdr.DirExport)
	if dir.RVA == 0 || dir.Size < 40 {
		return ""
	}
	ed := h.Bytes(b, dir.RVA, 40)
	if ed == nil {
		return ""
	}
	return h.CString(b, binary.LittleEndian.Uint32(ed[12:]), 256)
}
