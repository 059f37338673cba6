package authenticode

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func FuzzAuthenticode(f *testing.F) {
	d := filepath.Join(testenv.EmbedPython(f, testenv.Python311), "windows-amd64")
	f.Add(testenv.ReadMaybeGz(f, filepath.Join(d, "vcruntime140_1.dll.gz")))
	b, err := os.ReadFile(testenv.Shared(f, "fixtures-real", "burn", "python-3.11.0-amd64.TRUNCATED.exe"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b[:4096])
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Inspect(bytes.NewReader(data), int64(len(data)), &Options{MaxSignatureBytes: 1 << 20})
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if res != nil && res.DigestMatches && res.Digest != res.SignedDigest {
			t.Fatal("DigestMatches with different digests")
		}
	})
}
