package hfsplus

import (
	"encoding/binary"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/decmpfs"
)

// A file compressed by decmpfs has an empty data fork and a
// com.apple.decmpfs attribute; inspect/decmpfs decodes it. The attribute
// is kept in the attributes B-tree, inline or in a fork of its own; the
// compressed blocks of the resource fork types are in the file's resource
// fork.

// readAttributes reads the com.apple.decmpfs attributes of the files that
// are flagged compressed.
func (v *Volume) readAttributes(af fork) error {
	want := map[uint32][]*File{}
	for _, f := range v.Files {
		if f.Compression != 0 && f.Err == nil {
			want[f.dataID] = append(want[f.dataID], f)
		}
	}
	if len(want) == 0 {
		return nil
	}
	af, err := v.complete(af, attributesID, forkData, "attributes file")
	if err != nil {
		return err
	}
	r, err := v.newForkReader(af, "attributes file")
	if err != nil {
		return err
	}
	t, err := openBTree(r, "attributes")
	if err != nil {
		return err
	}
	var used int64
	be16, be32 := binary.BigEndian.Uint16, binary.BigEndian.Uint32
	return t.leaves(func(rec []byte) error {
		key, data, ok := keyed(rec)
		if !ok || len(key) < 12 || len(data) < 4 {
			return errorf(-1, "attributes", "malformed leaf record")
		}
		files := want[be32(key[2:])]
		if files == nil {
			return nil
		}
		n := int(be16(key[10:]))
		if 12+2*n > len(key) {
			return errorf(-1, "attributes", "record key names %d characters in %d bytes", n, len(key))
		}
		if n != len(decmpfs.AttrName) || decodeName(key[12:12+2*n]) != decmpfs.AttrName {
			return nil
		}
		var payload []byte
		switch be32(data) {
		case 0x10: // inline data
			if len(data) < 16 || uint64(be32(data[12:])) > uint64(len(data)-16) {
				return errorf(-1, files[0].Path, "malformed %s attribute record", decmpfs.AttrName)
			}
			payload = append([]byte(nil), data[16:16+be32(data[12:])]...)
		case 0x20: // fork data
			if len(data) < 8+forkDataSize {
				return errorf(-1, files[0].Path, "malformed %s attribute record", decmpfs.AttrName)
			}
			fk := parseFork(data[8:])
			if int64(fk.size) > v.opts.MaxAttrBytes-used {
				return limitErr(-1, files[0].Path, "MaxAttrBytes", v.opts.MaxAttrBytes, "decmpfs attributes too large")
			}
			fr, err := v.newForkReader(fk, files[0].Path)
			if err != nil {
				return err
			}
			payload = make([]byte, fk.size)
			if _, err := fr.ReadAt(payload, 0); err != nil {
				return err
			}
		default:
			return nil // overflow extents of an attribute fork (0x30)
		}
		if used += int64(len(payload)); used > v.opts.MaxAttrBytes {
			return limitErr(-1, files[0].Path, "MaxAttrBytes", v.opts.MaxAttrBytes, "decmpfs attributes too large")
		}
		for _, f := range files {
			f.decmpfs = payload
		}
		return nil
	})
}

// parseDecmpfs reads a compressed file's decmpfs header.
func (v *Volume) parseDecmpfs(f *File) error {
	if f.decmpfs == nil {
		return errorf(-1, f.Path, "file is flagged compressed but has no %s attribute", decmpfs.AttrName)
	}
	h, err := decmpfs.ParseHeader(f.decmpfs)
	if err == nil || h.Type != 0 {
		// Without a header the type stays unknown (newFile's 1<<31), the
		// file still marked compressed.
		f.Compression, f.Size = h.Type, h.Size
	}
	if err != nil {
		return errorf(-1, f.Path, "%v", err)
	}
	return nil
}

// openCompressed returns the decompressed bytes of a decmpfs file, faults
// in its resource fork placed at their volume offset.
func (v *Volume) openCompressed(f *File) (io.Reader, error) {
	d := decmpfs.File{Attr: f.decmpfs, MaxInlineBytes: v.opts.MaxInlineBytes, MaxTableBytes: v.opts.MaxAttrBytes}
	var rr *forkReader
	if decmpfs.InResourceFork(f.Compression) {
		var err error
		if rr, err = v.newForkReader(f.rsrc, f.Path+" (resource fork)"); err != nil {
			return nil, err
		}
		d.Fork, d.ForkSize = rr, rr.Size()
	}
	d.Fault = func(off int64, msg string, cause error) error {
		if off >= 0 && rr != nil {
			off = rr.physical(off)
		}
		return &FormatError{In: layer, Off: off, Where: f.Path, Msg: msg, Err: cause}
	}
	return decmpfs.Open(d)
}
