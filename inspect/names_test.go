package inspect

import (
	"archive/zip"
	"bytes"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
)

// TestSuspiciousNamesAreWarnings: members whose names climb out of their
// directory, are absolute, hide control characters or end in "/" while
// carrying data are all inventoried, each with a warning that shows the name
// escaped; the inventory stays complete (a warning is not a loss).
func TestSuspiciousNamesAreWarnings(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := []string{"../../evil.dll", "/etc/abs.txt", `C:\Windows\x.dll`, "a\x1b[31mred.txt", "looks-like-a-dir/", "ok.txt"}
	for i, n := range names {
		// The zip writer writes no data under a directory's name: write
		// "looks-like-a-dir|" and turn "|" into "/" below.
		if strings.HasSuffix(n, "/") && !strings.Contains(n[:len(n)-1], "/") {
			n = n[:len(n)-1] + "|"
		}
		data := []byte(fmt.Sprintf("member %d", i))
		w, err := zw.CreateRaw(&zip.FileHeader{Name: n, Method: zip.Store, CRC32: crc32.ChecksumIEEE(data),
			CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	b := bytes.ReplaceAll(buf.Bytes(), []byte("looks-like-a-dir|"), []byte("looks-like-a-dir/"))
	inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "odd.zip", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Files) != len(names) {
		t.Fatalf("%d files inventoried, want %d: %+v", len(inv.Files), len(names), inv.Files)
	}
	if !inv.Complete() {
		t.Fatalf("warnings made the inventory incomplete: %+v", inv.Problems)
	}
	warned := map[string]string{}
	for _, p := range inv.Problems {
		if p.Severity != SeverityWarning {
			t.Errorf("not a warning: %+v", p)
		}
		warned[p.Path] = p.Message
	}
	want := map[string]string{
		`odd.zip/\x2e\x2e/\x2e\x2e/evil.dll`: "climbs out",
		`odd.zip/\x2fetc/abs.txt`:            "absolute",
		`odd.zip/C:\\Windows\\x.dll`:         "absolute",
		`odd.zip/a\u001b[31mred.txt`:         "control characters",
		`odd.zip/looks-like-a-dir\x2f`:       "carries data",
	}
	for path, why := range want {
		if !strings.Contains(warned[path], why) {
			t.Errorf("%s: warning %q, want one saying %q", path, warned[path], why)
		}
	}
	if len(warned) != len(want) {
		t.Errorf("warnings for %d members, want %d: %v", len(warned), len(want), warned)
	}
	for _, p := range inv.Problems {
		if strings.ContainsAny(p.Path+p.Message, "\x1b") {
			t.Errorf("raw control character in output: %q", p.Path+p.Message)
		}
	}
}
