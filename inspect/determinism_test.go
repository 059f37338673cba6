package inspect

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// TestLimitTripDeterministic: when a walk-wide limit trips while nested
// containers are walked side by side, the inventory is still the same from
// run to run (the issue measured 8 different outputs in 8 runs).
func TestLimitTripDeterministic(t *testing.T) {
	inner := func(i int) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for k := 0; k < 4; k++ {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f%d-%d.bin", i, k), Method: zip.Store})
			w.Write(bytes.Repeat([]byte{byte(i), byte(k)}, 128<<10))
		}
		zw.Close()
		return buf.Bytes()
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < 12; i++ {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("inner%02d.zip", i), Method: zip.Store})
		w.Write(inner(i))
	}
	zw.Close()
	b := buf.Bytes()
	l := DefaultLimits()
	l.TotalBytes = 9 << 20 // trips inside the nested walks
	var first []byte
	for run := 0; run < 6; run++ {
		inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "outer.zip", Options{Limits: l, Workers: 4})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Complete() {
			t.Fatal("the limit did not trip")
		}
		out, _ := json.Marshal(inv)
		if run == 0 {
			first = out
			continue
		}
		if !bytes.Equal(out, first) {
			t.Fatalf("run %d gave another inventory (%d vs %d bytes)", run, len(out), len(first))
		}
	}
}
