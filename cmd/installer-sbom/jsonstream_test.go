package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// The streamed writer gives the bytes json.Encoder gives, on a real
// inventory (with empty and omitted fields) and on edge cases.
func TestJSONStreamedSameBytes(t *testing.T) {
	inv, code := inspectInstaller(smallZip(t), &inspectFlags{}, &bytes.Buffer{})
	if inv == nil {
		t.Fatalf("exit %d", code)
	}
	inv.Problems = append(inv.Problems, inspect.Problem{Path: "a<b>&c", Layer: "zip", Offset: -1, Severity: "warning", Message: "x"})
	for _, v := range []any{inv, &inspect.Inventory{}, struct {
		A []int `json:"a,omitempty"`
		B []int `json:"b"`
		C string
	}{B: []int{1, 2}}} {
		var want, got bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := writeJSONStreamed(&got, v); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("streamed output differs:\n%s\nwant:\n%s", got.String(), want.String())
		}
	}
}
