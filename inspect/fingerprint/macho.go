package fingerprint

import (
	"github.com/installer-sbom/installer-sbom/inspect/filekind"
	"github.com/installer-sbom/installer-sbom/inspect/inventory"

	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"

	macho "github.com/blacktop/go-macho"
	"github.com/blacktop/go-macho/types"
)

type MachOFact = inventory.MachOFact

type machoSlice struct {
	fact MachOFact
	// infoPlist is the __TEXT,__info_plist section of a bare executable
	// (the Info.plist a command-line tool embeds), when present.
	infoPlist []byte
}

// Limits on universal headers. Real files have at most a handful of slices;
// a Java class file shares the 0xCAFEBABE magic but its next word is the
// class-file version (>= 45), so a small count with known CPU types and
// in-bounds Mach-O slices tells them apart.
const maxFatArches = 16

func isFatMachO(b []byte) bool {
	_, err := fatArches(b)
	return err == nil
}

type fatArch struct {
	cpu, sub  uint32
	off, size uint64
}

func fatArches(b []byte) ([]fatArch, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("short header")
	}
	magic := binary.BigEndian.Uint32(b)
	if magic != 0xcafebabe && magic != 0xcafebabf {
		return nil, fmt.Errorf("not a universal file")
	}
	n := binary.BigEndian.Uint32(b[4:])
	if n == 0 || n > maxFatArches {
		return nil, fmt.Errorf("implausible architecture count %d", n)
	}
	entry := 20
	if magic == 0xcafebabf {
		entry = 32
	}
	hdrEnd := 8 + int(n)*entry
	if hdrEnd > len(b) {
		return nil, fmt.Errorf("architecture table past end of file")
	}
	var out []fatArch
	for i := 0; i < int(n); i++ {
		e := b[8+i*entry:]
		fa := fatArch{cpu: binary.BigEndian.Uint32(e), sub: binary.BigEndian.Uint32(e[4:])}
		if entry == 20 {
			fa.off, fa.size = uint64(binary.BigEndian.Uint32(e[8:])), uint64(binary.BigEndian.Uint32(e[12:]))
		} else {
			fa.off, fa.size = binary.BigEndian.Uint64(e[8:]), binary.BigEndian.Uint64(e[16:])
		}
		if cpuName(fa.cpu, fa.sub) == "" {
			return nil, fmt.Errorf("architecture %d: unknown cpu type %#x", i, fa.cpu)
		}
		if fa.off < uint64(hdrEnd) || fa.size < 28 || fa.off+fa.size > uint64(len(b)) || fa.off+fa.size < fa.off {
			return nil, fmt.Errorf("architecture %d: slice %d+%d out of bounds", i, fa.off, fa.size)
		}
		if !filekind.IsThinMachO(b[fa.off:]) {
			return nil, fmt.Errorf("architecture %d: slice is not Mach-O", i)
		}
		out = append(out, fa)
	}
	return out, nil
}

func cpuName(cpu, sub uint32) string {
	sub &^= 0xff000000 // capability bits
	switch cpu {
	case 7:
		return "i386"
	case 0x01000007:
		if sub == 8 {
			return "x86_64h"
		}
		return "x86_64"
	case 12:
		switch sub {
		case 9:
			return "armv7"
		case 11:
			return "armv7s"
		case 12:
			return "armv7k"
		}
		return "arm"
	case 0x0100000c:
		if sub == 2 {
			return "arm64e"
		}
		return "arm64"
	case 0x0200000c:
		return "arm64_32"
	case 18:
		if sub == 10 {
			return "ppc7400"
		}
		if sub == 11 {
			return "ppc970"
		}
		return "ppc"
	case 0x01000012:
		return "ppc64"
	}
	return ""
}

// readMachO returns one entry per image: the thin file, or each slice.
func readMachO(data []byte, fat bool) ([]machoSlice, []offErr) {
	var errs []offErr
	if !fat {
		s, err := readMachOSlice(data, 0)
		if err != nil {
			errs = append(errs, *err)
		}
		return []machoSlice{s}, errs
	}
	arches, err := fatArches(data)
	if err != nil {
		return nil, []offErr{{0, err.Error()}}
	}
	var out []machoSlice
	for _, a := range arches {
		s, err := readMachOSlice(data[a.off:a.off+a.size], int64(a.off))
		if err != nil {
			errs = append(errs, *err)
		}
		if s.fact.Arch == "" {
			s.fact.Arch = cpuName(a.cpu, a.sub)
		}
		out = append(out, s)
	}
	return out, errs
}

// unreadMachOCommands are the load commands go-macho is told to skip: the
// symbol tables, which nothing here reads and which go-macho turns into a
// Go value per symbol (30 ms for CPython's 39 MB universal dylib, most of
// its header reading).
var unreadMachOCommands = []types.LoadCmd{types.LC_SYMTAB, types.LC_DYSYMTAB}

func readMachOSlice(b []byte, off int64) (s machoSlice, ferr *offErr) {
	s.fact.Offset, s.fact.Size = off, int64(len(b))
	if len(b) >= 12 {
		var cpu, sub uint32
		if b[0] == 0xfe { // big-endian magic
			cpu, sub = binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint32(b[8:])
		} else {
			cpu, sub = binary.LittleEndian.Uint32(b[4:]), binary.LittleEndian.Uint32(b[8:])
		}
		s.fact.Arch = cpuName(cpu, sub)
	}
	defer func() {
		if r := recover(); r != nil {
			ferr = &offErr{off, fmt.Sprintf("Mach-O parser failed: %v", r)}
		}
	}()
	if err := machoPrecheck(b); err != nil {
		return s, &offErr{off, err.Error()}
	}
	f, err := macho.NewFile(bytes.NewReader(b), macho.FileConfig{LoadExcluding: unreadMachOCommands})
	if err != nil {
		return s, &offErr{off, err.Error()}
	}
	s.fact.Type = f.Type.String()
	if id := f.DylibID(); id != nil {
		s.fact.InstallName = id.Name
	}
	s.fact.Imports = f.ImportedLibraries()
	if u := f.UUID(); u != nil {
		s.fact.UUID = u.UUID.String()
	}
	if bvs := f.BuildVersions(); len(bvs) > 0 {
		s.fact.Platform = bvs[0].Platform.String()
		s.fact.MinOS = bvs[0].Minos.String()
		s.fact.SDK = bvs[0].Sdk.String()
	} else if vm := f.VersionMin(); vm != nil {
		s.fact.Platform = vm.LoadCmd.String()
		s.fact.MinOS = vm.Version.String()
		s.fact.SDK = vm.Sdk.String()
	}
	if sec := f.Section("__TEXT", "__info_plist"); sec != nil && sec.Size > 0 && sec.Size <= maxPlistBytes &&
		uint64(sec.Offset)+sec.Size <= uint64(len(b)) {
		s.infoPlist = b[sec.Offset : uint64(sec.Offset)+sec.Size]
	}
	if cs := f.CodeSignature(); cs != nil && len(cs.CodeDirectories) > 0 {
		s.fact.SigningID = cs.CodeDirectories[0].ID
		s.fact.TeamID = cs.CodeDirectories[0].TeamID
	}
	return s, nil
}

// readELF returns DT_NEEDED and DT_SONAME.
func readELF(data []byte) (imports []string, soname string, err error) {
	defer func() {
		if r := recover(); r != nil {
			imports, soname, err = nil, "", fmt.Errorf("ELF parser failed: %v", r)
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, "", err
	}
	imports, _ = f.ImportedLibraries()
	if s, e := f.DynString(elf.DT_SONAME); e == nil && len(s) > 0 {
		soname = s[0]
	}
	return imports, soname, nil
}
