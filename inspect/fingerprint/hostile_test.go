package fingerprint

import (
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// allocDuring reports the bytes allocated while f runs.
func allocDuring(f func()) uint64 {
	n, _ := testenv.Allocated(f)
	return n
}

// TestHostileMachO: load commands declaring more bytes than the image holds
// are refused before go-macho allocates them (it used to die with a fatal
// out-of-memory error that recover cannot catch).
func TestHostileMachO(t *testing.T) {
	sig := hostile.MachOCodeSignatureHuge()
	for name, data := range map[string][]byte{
		"note":    hostile.MachONoteHuge(),
		"codesig": sig,
		"fat":     hostile.FatMachO(16, sig), // 16 slices all aliasing the signature image
	} {
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

// TestHostileResourceDirectories: resource directories that chain without
// end or point back at themselves (a DAG of a few KiB that saferwall/pe
// expanded into gigabytes, a chain that overflowed its stack) are read in
// three bounded steps.
func TestHostileResourceDirectories(t *testing.T) {
	for name, res := range map[string][]byte{
		"chain": hostile.ResourceChain(4000),    // each directory's entry points at the next
		"self":  hostile.ResourceSelfLoop(2000), // 2,000 entries all pointing back at their directory
		"dag":   hostile.ResourceDAG(400, 2),    // each level's entries all point at the next level
	} {
		data := hostile.PEWithResources(res)
		n := allocDuring(func() { Default().Identify(name+".dll", data) })
		if n > 64<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte file", name, n, len(data))
		}
	}
}
