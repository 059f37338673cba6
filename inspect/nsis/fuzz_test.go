package nsis_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/nsisbuild"
	"github.com/installer-sbom/installer-sbom/inspect/nsis"
)

// fuzzSeeds are NSIS data (everything from the firstheader on) of small
// installers: synthetic ones, and makensis's with every compressor, solid
// and not, Unicode and ANSI, with a plug-in and an uninstaller.
func fuzzSeeds(f *testing.F) [][]byte {
	files := []synthFile{{"a.txt", []byte("alpha")}, {`sub\b.txt`, bytes.Repeat([]byte("b"), 3000)}}
	var seeds [][]byte
	for _, m := range []string{"zlib", "lzma"} {
		for _, solid := range []bool{false, true} {
			seeds = append(seeds, synth(f, m, solid, files, nil)[512:])
		}
	}
	dir := f.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(filepath.Join(src, "tree"), 0o755); err != nil {
		f.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "a.txt"), []byte("alpha\n"), 0o644)
	os.WriteFile(filepath.Join(src, "tree", "b.txt"), bytes.Repeat([]byte("b"), 3000), 0o644)
	for _, v := range nsisbuild.Variants {
		spec := nsisbuild.Spec{Compressor: v.Compressor, Solid: v.Solid, ANSI: v.ANSI,
			Files:       []nsisbuild.File{{Src: filepath.Join(src, "a.txt")}, {Src: filepath.Join(src, "tree"), OutPath: `$INSTDIR\lib`, Recursive: true}},
			Uninstaller: `$INSTDIR\u.exe`}
		b, err := os.ReadFile(nsisbuild.BuildT(f, dir, v.String()+".exe", spec))
		if err != nil {
			f.Fatal(err)
		}
		in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b[in.Offset:])
	}
	return seeds
}

// FuzzNSIS feeds NSIS data behind a minimal exehead-like PE stub to Open,
// CheckCRC and Walk (reading every file, at most 4 MiB each) under tight
// limits: no panic, no hang, no allocation beyond the limits, and every
// error a FormatError of layer nsis.
func FuzzNSIS(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	stub := tinyStub()
	f.Fuzz(func(t *testing.T, data []byte) {
		b := append(bytes.Clone(stub), data...)
		nsis.Match(b[:min(len(b), 64<<10)], int64(len(b)))
		opts := &nsis.Options{MaxHeaderBytes: 1 << 20, MaxItems: 1000, MaxTotalBytes: 16 << 20, MaxFileBytes: 1 << 20}
		in, err := nsis.Open(bytes.NewReader(b), int64(len(b)), opts)
		if err != nil {
			checkErr(t, err)
			return
		}
		if err := in.CheckCRC(); err != nil {
			checkErr(t, err)
		}
		err = in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error {
			if err == nil {
				_, err = io.CopyN(io.Discard, r, 4<<20)
				if err == io.EOF {
					err = nil
				}
			}
			if err != nil {
				checkErr(t, err)
			}
			return nil
		})
		if err != nil {
			checkErr(t, err)
		}
	})
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	var fe *nsis.FormatError
	if !errors.As(err, &fe) || fe.Layer() != "nsis" {
		t.Fatalf("error %T %v is not an nsis FormatError", err, err)
	}
}
