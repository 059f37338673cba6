package msi_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// BenchmarkMSIListAndHash opens the wixl MSI of the full CPython
// windows-amd64 tree from memory, resolves every file's install path and
// decodes and SHA-256-hashes every file (MsiFileHash checks included).
// Throughput is in uncompressed file bytes. bench/msi.sh passes a prebuilt
// MSI through ISBOM_TEST_CPYTHON_MSI.
func BenchmarkMSIListAndHash(b *testing.B) {
	p := os.Getenv("ISBOM_TEST_CPYTHON_MSI")
	if p == "" {
		p = cpythonMSI(b)
	}
	data := readFile(b, p)
	var total int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db, err := msi.Open(bytes.NewReader(data), int64(len(data)), nil)
		if err != nil {
			b.Fatal(err)
		}
		total = 0
		files := 0
		h := sha256.New()
		problems, err := db.Walk(nil, func(f *msi.File, r io.Reader, err error) error {
			if err != nil {
				return err
			}
			h.Reset()
			n, err := io.Copy(h, r)
			total += n
			files++
			return err
		})
		if err != nil || len(problems) > 0 || files < 600 {
			b.Fatalf("err %v, %d problems, %d files", err, len(problems), files)
		}
	}
	b.SetBytes(total)
	b.ReportMetric(float64(len(data)), "msi-bytes")
}
