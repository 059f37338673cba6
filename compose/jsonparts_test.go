package compose

import (
	"bytes"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// manyPackagesInventory is a bundle that declares n sub-installers it
// downloads on demand, as the hostile class burn-many-packages does.
func manyPackagesInventory(n int) *inspect.Inventory {
	inv := &inspect.Inventory{Artifact: artifact("many.exe", "burn")}
	for i := range n {
		id := fmt.Sprintf("p%x", i)
		inv.Packages = append(inv.Packages, inspect.Package{ID: id, Name: id + ".exe", Format: "exe",
			URL: "https://example.invalid/" + id + ".exe", Manufacturer: "hostile"})
	}
	return inv
}

// The JSON writers write, a part at a time, exactly what the encoders of
// the whole document (tools-golang's, cyclonedx-go's) write, for inputs
// of one element, of several batches and of every test variant.
func TestPartsMatchWholeDocumentEncoders(t *testing.T) {
	type input struct {
		name string
		res  func(t *testing.T) *Result
	}
	inputs := []input{
		{"many", func(t *testing.T) *Result {
			return mustCompose(t, manyPackagesInventory(2*jsonBatchSize+3), Options{Created: testCreated})
		}},
		{"one", func(t *testing.T) *Result {
			return mustCompose(t, &inspect.Inventory{Artifact: artifact("one.bin", "file")}, Options{Created: testCreated})
		}},
	}
	for _, v := range variants() {
		inputs = append(inputs, input{v.name, func(t *testing.T) *Result { return mustCompose(t, v.inv(), v.opts(t)) }})
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			res := in.res(t)
			var got bytes.Buffer
			spdx, _ := LookupFormat(FormatSPDXJSON)
			if err := spdx.Write(&got, res); err != nil {
				t.Fatal(err)
			}
			if want := spdxJSON(t, res.Document()); !bytes.Equal(got.Bytes(), want) {
				t.Errorf("SPDX 2.3 JSON differs from tools-golang's encoding of the whole document")
			}
			for _, v := range []cdx.SpecVersion{cdx.SpecVersion1_6, cdx.SpecVersion1_7} {
				got.Reset()
				if err := writeCycloneDX(&got, res, v); err != nil {
					t.Fatal(err)
				}
				if want := wholeCycloneDX(t, res, v); !bytes.Equal(got.Bytes(), want) {
					t.Errorf("CycloneDX %s differs from cyclonedx-go's encoding of the whole BOM", v)
				}
			}
		})
	}
}

// wholeCycloneDX is the CycloneDX document as cyclonedx-go encodes the
// whole BOM.
func wholeCycloneDX(t *testing.T, res *Result, v cdx.SpecVersion) []byte {
	t.Helper()
	r := res.m.cycloneDX(v)
	if len(r.top) > 0 {
		var comps []cdx.Component
		for _, id := range r.top {
			comps = append(comps, r.x.component(id, true))
		}
		r.bom.Components = &comps
	}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(r.bom, v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeIndented is json.Encoder's indentation of the whole document,
// whatever the values hold.
func TestWriteIndentedMatchesEncoder(t *testing.T) {
	type elem struct {
		S   string         `json:"s"`
		N   float64        `json:"n"`
		E   []int          `json:"e"`
		O   map[string]any `json:"o,omitempty"`
		Nil *int           `json:"nil"`
	}
	type doc struct {
		First  string   `json:"first"`
		Items  []elem   `json:"items,omitempty"`
		Empty  []int    `json:"empty"`
		Obj    struct{} `json:"obj"`
		Tricky string   `json:"$tri-cky"`
		Last   []elem   `json:"last,omitempty"`
		Num    int      `json:"num"`
	}
	tricky := "q\"uote \\back, [bracket] {brace} <html> & \u2028 \xff é \t"
	for _, n := range []int{1, 2, jsonBatchSize, jsonBatchSize + 1, 2*jsonBatchSize + 5} {
		d := doc{First: tricky, Empty: []int{}, Tricky: "x", Num: -3}
		for i := range n {
			d.Items = append(d.Items, elem{S: fmt.Sprintf("%s %d", tricky, i), N: float64(i) / 3, E: []int{}, O: map[string]any{"k": []any{}, "b": i%2 == 0}})
		}
		d.Last = []elem{{S: "only"}}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			t.Fatal(err)
		}
		head := d
		head.Items, head.Last = []elem{{}}, []elem{{}}
		hb, err := compactJSON(head)
		if err != nil {
			t.Fatal(err)
		}
		parts := &jsonParts{head: hb, arrays: map[string]jsonArray{
			"items": batchesOf(len(d.Items), func(i int) (elem, error) { return d.Items[i], nil }),
			"last":  batchesOf(len(d.Last), func(i int) (elem, error) { return d.Last[i], nil }),
		}}
		var got bytes.Buffer
		if err := parts.writeIndented(&got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d items: writeIndented differs from json.Encoder", n)
		}
	}
}

func TestCompactMembers(t *testing.T) {
	b := []byte(`{"a":1,"b\"c":"x,}]\"","d":[1,{"e":[]}],"f":{},"g":true,"h":null,"i":-1.5e3}`)
	ms, err := compactMembers(b)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.name+"="+string(m.value))
	}
	want := `a=1|b"c="x,}]\""|d=[1,{"e":[]}]|f={}|g=true|h=null|i=-1.5e3`
	if strings.Join(got, "|") != want {
		t.Errorf("members %q, want %q", strings.Join(got, "|"), want)
	}
	for _, bad := range []string{``, `[]`, `{"a"}`, `{"a":"x}`, `{"a":1 ,"b":2}`} {
		if _, err := compactMembers([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// The schemas the writers check documents against a part at a time say
// nothing of the arrays given in parts but their items' schema and their
// uniqueness, and nothing at the top level that looks into them: so
// checking the head with those arrays empty, then each element, is
// checking the whole document.
func TestPartSchemaMembers(t *testing.T) {
	spdx, err := spdxSchemaCompiled()
	if err != nil {
		t.Fatal(err)
	}
	c16, err := cdxSchema("1.6")
	if err != nil {
		t.Fatal(err)
	}
	c17, err := cdxSchema("1.7")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		root    *jsonschema.Schema
		members []string
	}{
		{"SPDX 2.3", spdx, []string{"packages", "files", "relationships"}},
		{"CycloneDX 1.6", c16, []string{"components"}},
		{"CycloneDX 1.7", c17, []string{"components"}},
	} {
		r := c.root
		if r.Ref != nil || r.AllOf != nil || r.AnyOf != nil || r.OneOf != nil || r.Not != nil || r.If != nil ||
			r.Enum != nil || r.Const != nil || r.Dependencies != nil || r.DependentRequired != nil || r.DependentSchemas != nil ||
			r.PatternProperties != nil || r.PropertyNames != nil || r.UnevaluatedProperties != nil || r.MinProperties != nil || r.MaxProperties != nil {
			t.Errorf("%s: the document schema constrains members jointly", c.name)
		}
		if _, err := newPartSchema(r, c.members...); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		for _, name := range c.members {
			p := r.Properties[name]
			if p == nil {
				continue
			}
			if p.Ref != nil || p.AllOf != nil || p.AnyOf != nil || p.OneOf != nil || p.Not != nil || p.If != nil || p.Enum != nil || p.Const != nil ||
				p.MinItems != nil || p.MaxItems != nil || p.Contains != nil || p.MinContains != nil || p.MaxContains != nil ||
				p.AdditionalItems != nil || len(p.PrefixItems) > 0 || p.Items2020 != nil || p.UnevaluatedItems != nil ||
				p.Types == nil || !slices.Equal(p.Types.ToStrings(), []string{"array"}) {
				t.Errorf("%s: %q says more than its items' schema and their uniqueness", c.name, name)
			}
		}
	}
}

// A document that fails its schema is refused before any of it is
// written, whichever part fails: the head, an element, or an element that
// repeats another where items must be unique.
func TestCheckFindsEachPart(t *testing.T) {
	c17, err := cdxSchema("1.7")
	if err != nil {
		t.Fatal(err)
	}
	s, err := newPartSchema(c17, "components")
	if err != nil {
		t.Fatal(err)
	}
	comp := func(i int) (map[string]any, error) {
		return map[string]any{"type": "library", "name": fmt.Sprintf("c%d", i), "bom-ref": fmt.Sprintf("r%d", i)}, nil
	}
	head := `{"bomFormat":"CycloneDX","specVersion":"1.7","components":[null]}`
	for _, c := range []struct {
		name, head string
		elem       func(i int) (map[string]any, error)
		want       string
	}{
		{"valid", head, comp, ""},
		{"head", `{"bomFormat":"Other","specVersion":"1.7","components":[null]}`, comp, "/bomFormat: "},
		{"element", head, func(i int) (map[string]any, error) {
			e, _ := comp(i)
			if i == jsonBatchSize+1 {
				e["type"] = "no such type"
			}
			return e, nil
		}, fmt.Sprintf("/components/%d/type: ", jsonBatchSize+1)},
		{"repeat", head, func(i int) (map[string]any, error) { return comp(min(i, jsonBatchSize+2)) },
			fmt.Sprintf("/components/%d: equals item %d", jsonBatchSize+3, jsonBatchSize+2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			parts := &jsonParts{head: []byte(c.head), arrays: map[string]jsonArray{"components": batchesOf(2*jsonBatchSize, c.elem)}}
			v, err := parts.check(s)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == "" && v != nil:
				t.Errorf("violation %v", v.describe())
			case c.want != "" && (v == nil || !strings.HasPrefix(strings.Join(v.describe(), "; "), c.want)):
				t.Errorf("violation %v, want one starting %q", v, c.want)
			}
		})
	}
}

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// heapProbe is an io.Writer that records the largest write it is given
// and, every sampleBytes, how much more heap is in use than at the start.
type heapProbe struct {
	base, sampleBytes, next uint64
	written, largest        uint64
	maxGrowth               uint64
}

func (p *heapProbe) Write(b []byte) (int, error) {
	p.written += uint64(len(b))
	p.largest = max(p.largest, uint64(len(b)))
	if p.written >= p.next {
		p.next += p.sampleBytes
		if h := liveHeap(); h > p.base {
			p.maxGrowth = max(p.maxGrowth, h-p.base)
		}
	}
	return len(b), nil
}

// The JSON writers hold a part of the document at a time, never the whole
// of it (the burn-many-packages hostile class: a 2.6 MB bundle of 200,000
// packages made them hold 3 GB). Scaled down to 20,000 packages (a 25 MB
// SPDX document): while a writer writes, the heap holds less than half
// the document's size more than before (its lookups of the model, the
// batch at hand), and no write hands over more than a tenth of it. Both
// are counted, not timed.
func TestWritersHoldAPartAtATime(t *testing.T) {
	if testing.Short() {
		t.Skip("composes and writes 20,000 packages")
	}
	res := mustCompose(t, manyPackagesInventory(20_000), Options{Created: testCreated})
	for _, name := range []string{FormatSPDXJSON, FormatCycloneDXJSON, FormatCycloneDX16JSON} {
		t.Run(name, func(t *testing.T) {
			f, _ := LookupFormat(name)
			var size countingWriter
			if err := f.Write(&size, res); err != nil {
				t.Fatal(err)
			}
			p := &heapProbe{sampleBytes: uint64(size) / 16}
			p.base = liveHeap()
			if err := f.Write(p, res); err != nil {
				t.Fatal(err)
			}
			t.Logf("a %d-byte document: largest write %d bytes, heap grew by up to %d bytes while writing", size, p.largest, p.maxGrowth)
			if p.largest > uint64(size)/10 || p.maxGrowth > uint64(size)/2 {
				t.Errorf("a %d-byte document: largest write %d bytes, heap grew by up to %d bytes while writing", size, p.largest, p.maxGrowth)
			}
		})
	}
}

// countingWriter counts the bytes written to it.
type countingWriter int64

func (c *countingWriter) Write(b []byte) (int, error) {
	*c += countingWriter(len(b))
	return len(b), nil
}
