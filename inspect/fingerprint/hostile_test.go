package fingerprint

import (
	"encoding/binary"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
	"strings"
	"testing"
)

// allocDuring reports the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	n, _ := testenv.Allocated(f)
	return n
}

// thinMachO is a 64-bit little-endian Mach-O header followed by cmds.
func thinMachO(cmds ...[]byte) []byte {
	var body []byte
	for _, c := range cmds {
		body = append(body, c...)
	}
	h := make([]byte, 32)
	binary.LittleEndian.PutUint32(h, 0xfeedfacf)
	binary.LittleEndian.PutUint32(h[4:], 0x0100000c) // arm64
	binary.LittleEndian.PutUint32(h[12:], 6)         // MH_DYLIB
	binary.LittleEndian.PutUint32(h[16:], uint32(len(cmds)))
	binary.LittleEndian.PutUint32(h[20:], uint32(len(body)))
	return append(h, body...)
}

func loadCommand(cmd uint32, fields ...uint64) []byte {
	c := make([]byte, 8)
	binary.LittleEndian.PutUint32(c, cmd)
	for _, f := range fields {
		c = binary.LittleEndian.AppendUint64(c, f)
	}
	binary.LittleEndian.PutUint32(c[4:], uint32(len(c)))
	return c
}

// TestHostileMachO: load commands declaring more bytes than the image holds
// are refused before go-macho allocates them (it used to die with a fatal
// out-of-memory error that recover cannot catch).
func TestHostileMachO(t *testing.T) {
	// LC_NOTE: data_owner[16], offset, size = 2^40.
	note := thinMachO(loadCommand(lcNote, 0, 0, 64, 1<<40))
	// LC_CODE_SIGNATURE: dataoff 0, datasize 4 GiB - 1 (two uint32 in one uint64).
	sig := thinMachO(loadCommand(lcCodeSignature, uint64(0xffffffff)<<32))
	// A universal file of 16 slices all aliasing the signature image.
	fat := make([]byte, 8+16*20)
	binary.BigEndian.PutUint32(fat, 0xcafebabe)
	binary.BigEndian.PutUint32(fat[4:], 16)
	for i := 0; i < 16; i++ {
		e := fat[8+20*i:]
		binary.BigEndian.PutUint32(e, 0x0100000c)
		binary.BigEndian.PutUint32(e[8:], uint32(len(fat)))
		binary.BigEndian.PutUint32(e[12:], uint32(len(sig)))
	}
	fat = append(fat, sig...)
	for name, data := range map[string][]byte{"note": note, "codesig": sig, "fat": fat} {
		var rep *FileReport
		n := allocDuring(func() { rep = Default().Identify(name+".dylib", data) })
		if n > 64<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", name, n, len(data))
		}
		if len(rep.Errors) == 0 || !strings.Contains(rep.Errors[0].Msg, "outside the image") {
			t.Errorf("%s: want an error naming the range outside the image, got %v", name, rep.Errors)
		}
	}
}

// peWithResources builds a PE32+ file with one section holding a resource
// directory laid out by build (offsets relative to the directory start).
func peWithResources(res []byte) []byte {
	const fileAlign = 0x200
	b := make([]byte, 0x400)
	copy(b, "MZ")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	coff := b[0x84:]
	binary.LittleEndian.PutUint16(coff, 0x8664)
	binary.LittleEndian.PutUint16(coff[2:], 1)
	binary.LittleEndian.PutUint16(coff[16:], 240)
	opt := b[0x98:]
	binary.LittleEndian.PutUint16(opt, 0x20b)
	binary.LittleEndian.PutUint32(opt[108:], 16)
	binary.LittleEndian.PutUint32(opt[112+2*8:], 0x1000)             // resource RVA
	binary.LittleEndian.PutUint32(opt[112+2*8+4:], uint32(len(res))) // size
	sec := b[0x98+240:]
	copy(sec, ".rsrc")
	binary.LittleEndian.PutUint32(sec[8:], uint32(len(res)))
	binary.LittleEndian.PutUint32(sec[12:], 0x1000)
	raw := (len(res) + fileAlign - 1) / fileAlign * fileAlign
	binary.LittleEndian.PutUint32(sec[16:], uint32(raw))
	binary.LittleEndian.PutUint32(sec[20:], 0x400)
	out := append(b, res...)
	return append(out, make([]byte, raw-len(res))...)
}

// TestHostileResourceDirectories: resource directories that chain without
// end or point back at themselves (a DAG of a few KiB that saferwall/pe
// expanded into gigabytes, a chain that overflowed its stack) are read in
// three bounded steps.
func TestHostileResourceDirectories(t *testing.T) {
	dir := func(entries ...[2]uint32) []byte {
		d := make([]byte, 16)
		binary.LittleEndian.PutUint16(d[14:], uint16(len(entries)))
		for _, e := range entries {
			d = binary.LittleEndian.AppendUint32(d, e[0])
			d = binary.LittleEndian.AppendUint32(d, e[1])
		}
		return d
	}
	// A chain of 4,000 directories, each entry pointing at the next.
	var chain []byte
	for i := 0; i < 4000; i++ {
		chain = append(chain, dir([2]uint32{16, 0x80000000 | uint32((i+1)*24)})...)
	}
	// A directory whose 2,000 entries all point back at itself.
	var loop [][2]uint32
	for i := 0; i < 2000; i++ {
		loop = append(loop, [2]uint32{uint32(i), 0x80000000})
	}
	self := dir(loop...)
	binary.LittleEndian.PutUint32(self[16:], 16) // first entry: RT_VERSION
	for name, res := range map[string][]byte{"chain": chain, "self": self} {
		data := peWithResources(res)
		n := allocDuring(func() { Default().Identify(name+".dll", data) })
		if n > 64<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", name, n, len(data))
		}
	}
}
