package appx

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
)

// The signature's AXPC and AXCD digests cover the zip's own structure —
// every local record and the central directory as they would be without
// the signature's entry — which the zip reader does not expose. This is a
// minimal reader of that structure: the end records, the central directory
// entries as raw bytes, and each local record's extent.

// rawZip is the structure the signature digests cover.
type rawZip struct {
	r       io.ReaderAt
	size    int64
	entries []rawEntry
	// End of central directory as read (the digest rewrites the counts,
	// sizes and offset it holds).
	eocd   [22]byte
	commnt []byte
	zip64  bool
	// ZIP64 end record fields the digest keeps.
	eocd64Size            uint64
	creatorVer, viewerVer uint16
	disk64, cdDisk64      uint32
	comment64             []byte
	locatorDisk, locDisks uint32
}

type rawEntry struct {
	name        string
	cd          []byte // the central directory record, raw
	localOffset int64
	packed      int64
	flags       uint16
	sizes64     bool // the sizes are in the ZIP64 extra field
}

var (
	sigLocal   = []byte("PK\x03\x04")
	sigCentral = []byte("PK\x01\x02")
	sigEnd     = []byte("PK\x05\x06")
	sigEnd64   = []byte("PK\x06\x06")
	sigLoc64   = []byte("PK\x06\x07")
	sigDesc    = []byte("PK\x07\x08")
)

func readAt(r io.ReaderAt, size, off, n int64, what string) ([]byte, error) {
	if off < 0 || n < 0 || off > size || n > size-off {
		return nil, errorf("", off, "%s of %d bytes runs past the end of the file (%d bytes)", what, n, size)
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil && !(err == io.EOF && int64(len(b)) == n) {
		return nil, errorf("", off, "reading %s: %v", what, err)
	}
	return b, nil
}

// readRawZip reads the end records and the central directory (at most
// maxCD bytes, maxEntries entries).
func readRawZip(r io.ReaderAt, size, maxCD int64, maxEntries int) (*rawZip, error) {
	z := &rawZip{r: r, size: size}
	tailLen := min(size, 22+65535)
	tail, err := readAt(r, size, size-tailLen, tailLen, "end of central directory")
	if err != nil {
		return nil, err
	}
	end := -1
	for i := len(tail) - 22; i >= 0; i-- {
		if bytes.Equal(tail[i:i+4], sigEnd) && i+22+int(binary.LittleEndian.Uint16(tail[i+20:])) == len(tail) {
			end = i
			break
		}
	}
	if end < 0 {
		return nil, errorf("", size, "no end of central directory record")
	}
	endOff := size - tailLen + int64(end)
	copy(z.eocd[:], tail[end:end+22])
	z.commnt = append([]byte(nil), tail[end+22:]...)
	cdSize := int64(binary.LittleEndian.Uint32(z.eocd[12:]))
	cdOff := int64(binary.LittleEndian.Uint32(z.eocd[16:]))
	count := int64(binary.LittleEndian.Uint16(z.eocd[10:]))
	if endOff >= 20 {
		loc, err := readAt(r, size, endOff-20, 20, "ZIP64 locator")
		if err == nil && bytes.Equal(loc[:4], sigLoc64) {
			z.zip64 = true
			z.locatorDisk = binary.LittleEndian.Uint32(loc[4:])
			z.locDisks = binary.LittleEndian.Uint32(loc[16:])
			off := int64(binary.LittleEndian.Uint64(loc[8:]))
			e64, err := readAt(r, size, off, 56, "ZIP64 end of central directory")
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(e64[:4], sigEnd64) {
				return nil, errorf("", off, "no ZIP64 end of central directory record where the locator points")
			}
			z.eocd64Size = binary.LittleEndian.Uint64(e64[4:])
			z.creatorVer = binary.LittleEndian.Uint16(e64[12:])
			z.viewerVer = binary.LittleEndian.Uint16(e64[14:])
			z.disk64 = binary.LittleEndian.Uint32(e64[16:])
			z.cdDisk64 = binary.LittleEndian.Uint32(e64[20:])
			count = int64(binary.LittleEndian.Uint64(e64[32:]))
			cdSize = int64(binary.LittleEndian.Uint64(e64[40:]))
			cdOff = int64(binary.LittleEndian.Uint64(e64[48:]))
			if z.eocd64Size < 44 || z.eocd64Size > 1<<16 {
				return nil, errorf("", off, "ZIP64 end record of %d bytes", z.eocd64Size)
			}
			if z.comment64, err = readAt(r, size, off+56, int64(z.eocd64Size)-44, "ZIP64 end record data"); err != nil {
				return nil, err
			}
		}
	}
	if cdSize > maxCD {
		return nil, errorf("", cdOff, "central directory of %d bytes exceeds the limit of %d", cdSize, maxCD)
	}
	if count > int64(maxEntries) {
		return nil, errorf("", cdOff, "%d entries exceed the limit of %d", count, maxEntries)
	}
	cd, err := readAt(r, size, cdOff, cdSize, "central directory")
	if err != nil {
		return nil, err
	}
	for pos := 0; pos < len(cd); {
		if len(cd)-pos < 46 || !bytes.Equal(cd[pos:pos+4], sigCentral) {
			return nil, errorf("", cdOff+int64(pos), "central directory record %d malformed", len(z.entries))
		}
		h := cd[pos:]
		nameLen, extraLen, commentLen := int(binary.LittleEndian.Uint16(h[28:])), int(binary.LittleEndian.Uint16(h[30:])), int(binary.LittleEndian.Uint16(h[32:]))
		n := 46 + nameLen + extraLen + commentLen
		if n > len(h) {
			return nil, errorf("", cdOff+int64(pos), "central directory record %d runs past the directory", len(z.entries))
		}
		e := rawEntry{name: string(h[46 : 46+nameLen]), cd: h[:n], flags: binary.LittleEndian.Uint16(h[8:]),
			packed: int64(binary.LittleEndian.Uint32(h[20:])), localOffset: int64(binary.LittleEndian.Uint32(h[42:]))}
		usize := binary.LittleEndian.Uint32(h[24:])
		// ZIP64 extra field: the saturated fields, in order.
		extra := h[46+nameLen : 46+nameLen+extraLen]
		for len(extra) >= 4 {
			id, l := binary.LittleEndian.Uint16(extra), int(binary.LittleEndian.Uint16(extra[2:]))
			if 4+l > len(extra) {
				break
			}
			if id == 1 {
				f := extra[4 : 4+l]
				take := func() (uint64, bool) {
					if len(f) < 8 {
						return 0, false
					}
					v := binary.LittleEndian.Uint64(f)
					f = f[8:]
					return v, true
				}
				if usize == 0xFFFFFFFF {
					take()
					e.sizes64 = true
				}
				if e.packed == 0xFFFFFFFF {
					if v, ok := take(); ok {
						e.packed, e.sizes64 = int64(v), true
					}
				}
				if e.localOffset == 0xFFFFFFFF {
					if v, ok := take(); ok {
						e.localOffset = int64(v)
					}
				}
			}
			extra = extra[4+l:]
		}
		if e.packed < 0 || e.localOffset < 0 {
			return nil, errorf(e.name, cdOff+int64(pos), "sizes out of range")
		}
		z.entries = append(z.entries, e)
		if len(z.entries) > maxEntries {
			return nil, errorf("", cdOff+int64(pos), "more than %d entries", maxEntries)
		}
		pos += n
	}
	return z, nil
}

// record returns the extent of an entry's local record: header, data and
// data descriptor.
func (z *rawZip) record(e rawEntry) (off, n int64, err error) {
	h, err := readAt(z.r, z.size, e.localOffset, 30, "local file header of "+e.name)
	if err != nil {
		return 0, 0, err
	}
	if !bytes.Equal(h[:4], sigLocal) {
		return 0, 0, errorf(e.name, e.localOffset, "no local file header where the central directory points")
	}
	end := e.localOffset + 30 + int64(binary.LittleEndian.Uint16(h[26:])) + int64(binary.LittleEndian.Uint16(h[28:])) + e.packed
	if e.flags&8 != 0 {
		d, err := readAt(z.r, z.size, end, 4, "data descriptor of "+e.name)
		if err != nil {
			return 0, 0, err
		}
		if bytes.Equal(d, sigDesc) {
			end += 4
		}
		end += 4 + 8
		if e.sizes64 {
			end += 8
		}
	}
	if end > z.size {
		return 0, 0, errorf(e.name, e.localOffset, "local record runs past the end of the file")
	}
	return e.localOffset, end - e.localOffset, nil
}

// digestRecords writes to h every local record but the signature's, in
// central directory order (AXPC), and returns their total size: where the
// central directory starts once the signature is left out.
func (z *rawZip) digestRecords(h hash.Hash) (int64, error) {
	var total int64
	buf := make([]byte, 1<<16)
	for _, e := range z.entries {
		if e.name == SignatureName {
			continue
		}
		off, n, err := z.record(e)
		if err != nil {
			return 0, err
		}
		// Records of a well-formed zip do not overlap: more than the
		// file's size in all would be records counted twice (a hostile
		// directory pointing every entry at the same bytes).
		if total+n > z.size {
			return 0, errorf(e.name, off, "local records overlap: more than the file's %d bytes in all", z.size)
		}
		if _, err := io.CopyBuffer(h, io.NewSectionReader(z.r, off, n), buf); err != nil {
			return 0, errorf(e.name, off, "reading: %v", err)
		}
		total += n
	}
	return total, nil
}

// digestDirectory writes to h the central directory without the
// signature's entry and the end records rewritten to match it (AXCD):
// disk numbers zero, entry counts, size and offset of that directory.
func (z *rawZip) digestDirectory(h hash.Hash, cdOffset int64) {
	var cdSize int64
	var n uint64
	for _, e := range z.entries {
		if e.name == SignatureName {
			continue
		}
		h.Write(e.cd)
		cdSize += int64(len(e.cd))
		n++
	}
	le := binary.LittleEndian
	if z.zip64 {
		b := make([]byte, 56)
		copy(b, sigEnd64)
		le.PutUint64(b[4:], z.eocd64Size)
		le.PutUint16(b[12:], z.creatorVer)
		le.PutUint16(b[14:], z.viewerVer)
		le.PutUint32(b[16:], z.disk64)
		le.PutUint32(b[20:], z.cdDisk64)
		le.PutUint64(b[24:], n)
		le.PutUint64(b[32:], n)
		le.PutUint64(b[40:], uint64(cdSize))
		le.PutUint64(b[48:], uint64(cdOffset))
		h.Write(b)
		h.Write(z.comment64)
		loc := make([]byte, 20)
		copy(loc, sigLoc64)
		le.PutUint32(loc[4:], z.locatorDisk)
		le.PutUint64(loc[8:], uint64(cdOffset+cdSize))
		le.PutUint32(loc[16:], z.locDisks)
		h.Write(loc)
	}
	e := make([]byte, 22)
	copy(e, sigEnd)
	sat16 := func(at int, v uint64) {
		if le.Uint16(z.eocd[at:]) == 0xFFFF {
			le.PutUint16(e[at:], 0xFFFF)
		} else {
			le.PutUint16(e[at:], uint16(v))
		}
	}
	sat32 := func(at int, v uint64) {
		if le.Uint32(z.eocd[at:]) == 0xFFFFFFFF {
			le.PutUint32(e[at:], 0xFFFFFFFF)
		} else {
			le.PutUint32(e[at:], uint32(v))
		}
	}
	sat16(8, n)
	sat16(10, n)
	sat32(12, uint64(cdSize))
	sat32(16, uint64(cdOffset))
	le.PutUint16(e[20:], uint16(len(z.commnt)))
	h.Write(e)
	h.Write(z.commnt)
}

// String is for test failures.
func (e rawEntry) String() string { return fmt.Sprintf("%s@%d", e.name, e.localOffset) }
