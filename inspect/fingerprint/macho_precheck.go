package fingerprint

import (
	"encoding/binary"
	"fmt"
)

// go-macho trusts the sizes in load commands: an LC_NOTE or a code
// signature that declares 2^40 bytes is allocated before it is read, which
// kills the process (a Go out-of-memory error cannot be recovered). Before a
// slice is handed to the library, every file range a load command names is
// checked against the slice, and the commands themselves against the header.

// maxLoadCommands bounds the load commands of one image (real ones have a
// few dozen to a few hundred).
const maxLoadCommands = 8192

// maxUnknownLoadCommands bounds the commands go-macho does not know: it
// logs a line for each.
const maxUnknownLoadCommands = 64

// Load command types with file ranges.
const (
	lcSegment             = 0x1
	lcSymtab              = 0x2
	lcDysymtab            = 0xb
	lcLoadDylib           = 0xc
	lcSegment64           = 0x19
	lcCodeSignature       = 0x1d
	lcSegmentSplitInfo    = 0x1e
	lcDyldInfo            = 0x22
	lcFunctionStarts      = 0x26
	lcDataInCode          = 0x29
	lcDylibCodeSignDrs    = 0x2b
	lcLinkerOptimization  = 0x2e
	lcNote                = 0x31
	lcAtomInfo            = 0x36
	lcFunctionVariants    = 0x37
	lcFunctionVariantFixu = 0x38
	lcDyldExportsTrie     = 0x80000033
	lcDyldChainedFixups   = 0x80000034
	lcDyldInfoOnly        = 0x80000022
)

// machoPrecheck validates the header and load commands of one thin image.
func machoPrecheck(b []byte) error {
	if len(b) < 28 {
		return fmt.Errorf("image of %d bytes is too small for a Mach-O header", len(b))
	}
	var bo binary.ByteOrder = binary.LittleEndian
	magic := binary.LittleEndian.Uint32(b)
	if magic == 0xcefaedfe || magic == 0xcffaedfe {
		bo = binary.BigEndian
		magic = binary.BigEndian.Uint32(b)
	}
	hdr := 28
	switch magic {
	case 0xfeedface:
	case 0xfeedfacf:
		hdr = 32
	default:
		return fmt.Errorf("bad Mach-O magic %#x", magic)
	}
	ncmds := int(bo.Uint32(b[16:]))
	sizeofcmds := uint64(bo.Uint32(b[20:]))
	if ncmds > maxLoadCommands {
		return fmt.Errorf("%d load commands (more than %d)", ncmds, maxLoadCommands)
	}
	if uint64(hdr)+sizeofcmds > uint64(len(b)) {
		return fmt.Errorf("load commands of %d bytes run past the image's %d bytes", sizeofcmds, len(b))
	}
	size := uint64(len(b))
	inImage := func(off, n uint64, what string) error {
		if off+n < off || off+n > size {
			return fmt.Errorf("%s: %d bytes at offset %#x lie outside the image's %d bytes", what, n, off, size)
		}
		return nil
	}
	unknown := 0
	p := uint64(hdr)
	end := uint64(hdr) + sizeofcmds
	for i := 0; i < ncmds; i++ {
		if p+8 > end {
			return fmt.Errorf("load command %d at %#x runs past the load commands", i, p)
		}
		cmd, cmdsize := bo.Uint32(b[p:]), uint64(bo.Uint32(b[p+4:]))
		if cmdsize < 8 || p+cmdsize > end {
			return fmt.Errorf("load command %d at %#x: size %d does not fit the load commands", i, p, cmdsize)
		}
		c := b[p : p+cmdsize]
		u32 := func(at int) uint64 {
			if at+4 > len(c) {
				return 0
			}
			return uint64(bo.Uint32(c[at:]))
		}
		u64 := func(at int) uint64 {
			if at+8 > len(c) {
				return 0
			}
			return bo.Uint64(c[at:])
		}
		var err error
		what := fmt.Sprintf("load command %d (%#x) at %#x", i, cmd, p)
		switch cmd {
		// Segment contents are read lazily by the library (a truncated
		// image still yields its load commands); only the section
		// headers it allocates are checked.
		case lcSegment:
			if nsects := u32(48); 56+nsects*68 > cmdsize {
				err = fmt.Errorf("%s: %d sections do not fit the command", what, nsects)
			}
		case lcSegment64:
			if nsects := u32(64); 72+nsects*80 > cmdsize {
				err = fmt.Errorf("%s: %d sections do not fit the command", what, nsects)
			}
		case lcSymtab:
			entry := uint64(12)
			if hdr == 32 {
				entry = 16
			}
			if err = inImage(u32(8), u32(12)*entry, what+" symbols"); err == nil {
				err = inImage(u32(16), u32(20), what+" strings")
			}
		case lcDysymtab:
			// table of contents, module table, external references,
			// indirect symbols, external and local relocations
			for _, r := range [][3]uint64{{32, 36, 8}, {40, 44, 56}, {48, 52, 4}, {56, 60, 4}, {64, 68, 8}, {72, 76, 8}} {
				if err == nil {
					err = inImage(u32(int(r[0])), u32(int(r[1]))*r[2], what)
				}
			}
		case lcCodeSignature, lcSegmentSplitInfo, lcFunctionStarts, lcDataInCode, lcDylibCodeSignDrs,
			lcLinkerOptimization, lcAtomInfo, lcFunctionVariants, lcFunctionVariantFixu, lcDyldExportsTrie, lcDyldChainedFixups:
			err = inImage(u32(8), u32(12), what)
		case lcDyldInfo, lcDyldInfoOnly:
			for k := 8; k < 48 && err == nil; k += 8 {
				err = inImage(u32(k), u32(k+4), what)
			}
		case lcNote:
			err = inImage(u64(24), u64(32), what)
		default:
			if !knownLoadCommand(cmd) {
				unknown++
				if unknown > maxUnknownLoadCommands {
					return fmt.Errorf("more than %d unknown load commands", maxUnknownLoadCommands)
				}
			}
		}
		if err != nil {
			return err
		}
		p += cmdsize
	}
	return nil
}

// knownLoadCommand: the load command types of <mach-o/loader.h> up to macOS 15.
func knownLoadCommand(cmd uint32) bool {
	c := cmd &^ 0x80000000
	return c >= 0x1 && c <= 0x38
}
