package sbomdiff

import (
	"strings"
	"testing"
)

// TestReadErrorsNameTheLineAndStayShort: a tag-value line past the reader's
// 64 KiB is named by number (not "token too long"), and a decoder error that
// quotes a megabyte of input is cut to a readable length.
func TestReadErrorsNameTheLineAndStayShort(t *testing.T) {
	tv := "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nDocumentName: " + strings.Repeat("x", 100<<10) + "\n"
	_, err := Read(strings.NewReader(tv), "long.spdx", nil)
	if err == nil || !strings.Contains(err.Error(), "line 3 is longer than") {
		t.Errorf("tag-value long line: %v", err)
	}
	doc := `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": ` + strings.Repeat("1", 1<<20) + `}`
	_, err = Read(strings.NewReader(doc), "number.spdx.json", nil)
	if err == nil || len(err.Error()) > 2048 {
		n := 0
		if err != nil {
			n = len(err.Error())
		}
		t.Errorf("JSON number of 1 MiB: error of %d bytes: %.200v", n, err)
	}
}
