package inspect

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestNotAnInstaller: what is neither an installer, an archive nor an
// executable is refused with what it looks like, instead of getting an
// inventory (and so an SBOM) of nothing; bare executables stay accepted.
func TestNotAnInstaller(t *testing.T) {
	random := make([]byte, 100)
	for i := range random {
		random[i] = byte(i*73 + 11)
	}
	for _, tc := range []struct {
		name string
		data []byte
		what string
	}{
		{"python-3.12.0-amd64.exe", []byte("<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n"), "an HTML document"},
		{"random.msi", random, "data with no signature this tool knows (100 bytes"},
		{"empty.msi", nil, "an empty file"},
		{"notes.pkg", []byte("just some notes\n"), "text"},
		{"x.tar.gz", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), "gzip"},
	} {
		_, err := Inspect(bytes.NewReader(tc.data), int64(len(tc.data)), tc.name, Options{})
		var ni *NotInstallerError
		if !errors.As(err, &ni) || !strings.Contains(err.Error(), tc.name+": not an installer: "+tc.what) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// A bare executable is inventoried as itself.
	dll := testenv.Gunzip(t, testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219", "windows-amd64__bz2.pyd.gz"))
	inv, err := Inspect(bytes.NewReader(dll), int64(len(dll)), "_bz2.pyd", Options{})
	if err != nil || len(inv.Files) != 1 {
		t.Fatalf("bare PE: %v", err)
	}
	// A compound file that is not an MSI is not an installer either, when
	// it is the artifact; inside an installer it is an ordinary file.
	b := msibuild.WriteCFB(3, [16]byte{0x06, 0x09, 0x02}, []msibuild.CFBStream{{Name: "WordDocument", Data: []byte("x")}})
	if _, err := Inspect(bytes.NewReader(b), int64(len(b)), "p.doc", Options{}); err == nil {
		t.Error("a compound file that is not an MSI was accepted as an installer")
	}
}
