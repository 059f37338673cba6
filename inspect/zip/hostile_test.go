package zip_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/inspect/zip"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// readAll reads every entry the way a walker does: a buffer sized from the
// declared size (up to 256 MiB), filled as bytes arrive.
func readAll(a *zip.Archive) (read int64, errs []error) {
	for i, e := range a.Entries() {
		rc, err := a.Open(i)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		buf := bytes.NewBuffer(make([]byte, 0, min(e.Size, 256<<20)))
		n, err := io.Copy(buf, rc)
		rc.Close()
		read += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return read, errs
}

// An entry declaring more bytes than its data can extract to is an error
// when opened, before anyone sizes a buffer from it: 2,000 entries of 70 KB
// declaring 256 MiB each used to cost 19 s (0.3 s honest).
func TestHostileDeclaredSizes(t *testing.T) {
	data := bytes.Repeat([]byte{0}, 70<<10)
	for _, tc := range []struct {
		name     string
		declared uint64
		errs     int
	}{
		{"honest", 0, 0},
		{"declares 256 MiB", 256 << 20, 2001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hostile.ZipDeclaring(2000, data, tc.declared)
			if err != nil {
				t.Fatal(err)
			}
			a, err := zip.Open(bytes.NewReader(b), int64(len(b)), nil)
			if err != nil {
				t.Fatal(err)
			}
			var read int64
			var errs []error
			n, d := testenv.Allocated(func() { read, errs = readAll(a) })
			t.Logf("%d-byte zip: %d bytes read, %d errors; %d MiB allocated, %v", len(b), read, len(errs), n>>20, d)
			if len(errs) != tc.errs {
				t.Fatalf("%d errors, want %d: %v", len(errs), tc.errs, errs[:min(len(errs), 3)])
			}
			for _, err := range errs {
				fe, ok := err.(*zip.FormatError)
				if !ok || fe.Off <= 0 || fe.Where == "" || !strings.Contains(err.Error(), "stored bytes can hold") {
					t.Fatalf("err = %T %v", err, err)
				}
			}
			if tc.errs == 0 && read != 2001*int64(len(data)) {
				t.Fatalf("read %d bytes", read)
			}
			if tc.errs > 0 && n > 16<<20 {
				t.Fatalf("allocated %d MiB", n>>20)
			}
		})
	}
}
