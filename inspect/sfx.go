package inspect

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// Self-extracting executables (IExpress, vcredist-style stubs, other SFX
// makers) carry cabinets inside a PE file: in its overlay after the last
// section, or in a resource (IExpress's RCDATA "CABINET"). cabextract finds
// them by searching; so does the walker, in every executable it reads whole,
// and walks each as a nested container named "<exe>/[cabinet at 0x…]".

// maxEmbeddedCabinets bounds how many cabinets one executable is searched
// for: a crafted file full of headers must not multiply the walk.
const maxEmbeddedCabinets = 64

// embeddedCabinet is a cabinet found inside another file.
type embeddedCabinet struct {
	off, size int64
}

// findEmbeddedCabinets returns the cabinets whose headers are plausible
// inside data: signature, reserved fields zero, version 1.3, at least one
// folder and one file, and a declared size that fits. A found cabinet is
// skipped over; one that does not open is not reported (a "MSCF" string in
// code is not a claim that a cabinet is there).
func findEmbeddedCabinets(data []byte) []embeddedCabinet {
	sig := []byte("MSCF\x00\x00\x00\x00")
	var out []embeddedCabinet
	for from := 0; len(out) < maxEmbeddedCabinets; {
		i := bytes.Index(data[from:], sig)
		if i < 0 {
			break
		}
		off := from + i
		h := data[off:]
		if len(h) >= 36 {
			le := binary.LittleEndian
			size := int64(le.Uint32(h[8:]))
			coffFiles := int64(le.Uint32(h[16:]))
			if le.Uint32(h[12:]) == 0 && le.Uint32(h[20:]) == 0 && h[24] == 3 && h[25] == 1 &&
				le.Uint16(h[26:]) > 0 && le.Uint16(h[28:]) > 0 && size >= 36 && size <= int64(len(h)) &&
				coffFiles >= 36 && coffFiles < size {
				out = append(out, embeddedCabinet{off: int64(off), size: size})
				from = off + int(size)
				continue
			}
		}
		from = off + 1
	}
	return out
}

// walkEmbeddedCabinets walks the cabinets found inside an executable read
// whole (path, data), as containers at depth whose files belong to the
// executable's container (key) and package. Only cabinets that open are
// walked.
func (w *walker) walkEmbeddedCabinets(path string, data []byte, depth int, key, rawPkg string) {
	if !isExecutable(data) {
		return
	}
	f, ok := formatNamed("cab")
	if !ok {
		return
	}
	for _, c := range findEmbeddedCabinets(data) {
		r := bytes.NewReader(data[c.off : c.off+c.size])
		if _, err := cab.Open(r, c.size, cabOptionsFrom(&w.limits, nil)); err != nil {
			continue
		}
		name := path + "/" + embeddedName(c.off)
		src := Source{R: r, Size: c.size, Name: name, Limits: &w.limits, Charge: w.charge(name)}
		w.walkReport(f, src, depth, name, key, rawPkg, nil)
	}
}

// embeddedName names a cabinet found inside a file.
func embeddedName(off int64) string { return fmt.Sprintf("[cabinet at 0x%x]", off) }
