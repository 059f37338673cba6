package compose

import (
	"bytes"
	"errors"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// The SPDX 3 writer refuses a document of more objects than its limit,
// before it builds its graph when the model shows it and before it writes
// anything; the count it refuses on never exceeds the graph's size, so a
// document that fits is never refused.
func TestSPDX3ObjectsLimit(t *testing.T) {
	for _, v := range variants() {
		res := mustCompose(t, v.inv(), v.opts(t))
		w := newSPDX3Writer(res.m)
		if err := w.build(); err != nil {
			t.Fatal(err)
		}
		if least, n := res.m.spdx3ObjectsAtLeast(), int64(len(w.graph)); least > n {
			t.Errorf("%s: counted at least %d objects in a graph of %d", v.name, least, n)
		}
		res.limits.SPDX3Objects = int64(len(w.graph))
		if err := WriteSPDX3JSON(new(bytes.Buffer), res); err != nil {
			t.Errorf("%s: a graph of exactly the limit: %v", v.name, err)
		}
		res.limits.SPDX3Objects--
		var out bytes.Buffer
		if err := WriteSPDX3JSON(&out, res); !errors.Is(err, inspect.ErrLimit) || out.Len() > 0 {
			t.Errorf("%s: a graph of one object over the limit: %v, %d bytes written", v.name, err, out.Len())
		}
	}
	res := mustCompose(t, manyPackagesInventory(1000), Options{Created: testCreated, Limits: Limits{SPDX3Objects: 2000}})
	if err := WriteSPDX3JSON(new(bytes.Buffer), res); !errors.Is(err, inspect.ErrLimit) {
		t.Errorf("1,000 packages, each with its relationship and note, under a limit of 2,000 objects: %v", err)
	}
	if l := (Limits{}).orDefaults(); l != DefaultLimits() {
		t.Errorf("zero limits are %+v, want the defaults %+v", l, DefaultLimits())
	}
}
