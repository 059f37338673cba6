package cpio

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
)

// A directory declaring data: its bytes would be decoded and skipped by
// Next, unseen by any caller (and so by any walk-wide limit).
func TestDirWithData(t *testing.T) {
	var b bytes.Buffer
	dir := pkgbuild.CpioEntry{Name: "./d", Mode: pkgbuild.ModeDir | 0o755, Data: make([]byte, 100<<10)}
	small := pkgbuild.CpioEntry{Name: "./e", Mode: pkgbuild.ModeDir | 0o755, Data: []byte("ok")}
	if err := pkgbuild.WriteCpio(&b, "odc", []pkgbuild.CpioEntry{small, pkgbuild.File("./a", []byte("a")), dir}); err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(b.Bytes()), nil)
	var names []string
	var err error
	for {
		var h *Header
		h, err = r.Next()
		if err != nil {
			break
		}
		names = append(names, h.Name)
	}
	at := bytes.Index(b.Bytes(), []byte("./d\x00")) - 76
	if err == io.EOF || !strings.Contains(err.Error(), `member "./d" of type 040000 declares 102400 data bytes`) {
		t.Fatalf("err = %v after %v", err, names)
	}
	if fe, ok := err.(*FormatError); !ok || fe.Offset() != int64(at) {
		t.Fatalf("error %v not at offset %d", err, at)
	}
}
