package inspect

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
)

// restartCabinet is one stored folder holding data with files listed at
// the given offsets and sizes; a file behind the previous one's end makes
// the reader restart the folder.
func restartCabinet(data []byte, files [][2]int) []byte {
	le := binary.LittleEndian
	const hdr, fold = 36, 8
	var ft []byte
	for i, f := range files {
		var e [16]byte
		le.PutUint32(e[0:], uint32(f[1]))
		le.PutUint32(e[4:], uint32(f[0]))
		le.PutUint16(e[10:], 0x5A21)
		ft = append(ft, e[:]...)
		ft = append(ft, byte('a'+i), 0)
	}
	dataStart := hdr + fold + len(ft)
	b := make([]byte, hdr+fold)
	copy(b, "MSCF")
	le.PutUint32(b[16:], hdr+fold)
	b[24], b[25] = 3, 1
	le.PutUint16(b[26:], 1)
	le.PutUint16(b[28:], uint16(len(files)))
	le.PutUint32(b[hdr:], uint32(dataStart))
	le.PutUint16(b[hdr+4:], uint16((len(data)+32767)/32768))
	b = append(b, ft...)
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 32768)
		var h [8]byte
		le.PutUint16(h[4:], uint16(n))
		le.PutUint16(h[6:], uint16(n))
		b = append(append(b, h[:]...), rest[:n]...)
		rest = rest[n:]
	}
	le.PutUint32(b[8:], uint32(len(b)))
	return b
}

// TestCabinetRestartsCountAgainstTheBudget: the bytes a cabinet folder
// decodes again when it restarts count against the walk's total-bytes
// limit, like the bytes of the entries it yields.
func TestCabinetRestartsCountAgainstTheBudget(t *testing.T) {
	data := []byte(strings.Repeat("0123456789", 10000))
	// 100,020 bytes of entries; the restart decodes 89,980 bytes again.
	b := restartCabinet(data, [][2]int{{0, 100000}, {50000, 10}, {99990, 10}})
	run := func(total int64) *Inventory {
		l := DefaultLimits()
		l.TotalBytes = total
		inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "r.cab", Options{Limits: l})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	if inv := run(250_000); len(inv.Problems) != 0 || len(inv.Files) != 3 {
		t.Fatalf("within the budget: %d files, problems %v", len(inv.Files), inv.Problems)
	}
	inv := run(150_000)
	found := false
	for _, p := range inv.Problems {
		found = found || strings.Contains(p.Message, "total-bytes")
	}
	if !found {
		t.Fatalf("150,000-byte budget: want a total-bytes problem, got %v", inv.Problems)
	}
}
