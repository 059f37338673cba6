package compose

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// The CycloneDX writers: 1.7 by default, 1.6 on request, each valid
// against the official schemas, with the BSI TR-03183-2 fields.

type cdxVersion struct {
	spec   string
	write  func(*bytes.Buffer, *Result) error
	format string
}

var cdxVersions = []cdxVersion{
	{"1.7", func(b *bytes.Buffer, r *Result) error { return WriteCycloneDX(b, r) }, FormatCycloneDXJSON},
	{"1.6", func(b *bytes.Buffer, r *Result) error { return WriteCycloneDX16(b, r) }, FormatCycloneDX16JSON},
}

func writeCDX(t testing.TB, v cdxVersion, res *Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := v.write(&buf, res); err != nil {
		t.Fatalf("CycloneDX %s: %v", v.spec, err)
	}
	return buf.Bytes()
}

// checkCDXSchemas validates a document against the vendored schema of its
// version and, as a second opinion, against the CycloneDX specification
// repository's own copy in the shared reference material.
func checkCDXSchemas(t testing.TB, spec string, b []byte) {
	t.Helper()
	got, probs, err := ValidateCycloneDXSchema(b)
	if err != nil {
		t.Fatal(err)
	}
	if got != spec {
		t.Errorf("specVersion %q, want %q", got, spec)
	}
	for _, p := range probs {
		t.Errorf("CycloneDX %s schema: %s", spec, p)
	}
	validateAgainst(t, schemaValidator(t, "cyclonedx", "bom-"+spec+".schema.json"), "CycloneDX "+spec+" (specification repository's schema)", b)
}

// cdxDoc is a written CycloneDX document read back generically.
type cdxDoc struct {
	SpecVersion string `json:"specVersion"`
	Schema      string `json:"$schema"`
	Metadata    struct {
		Lifecycles []struct {
			Phase string `json:"phase"`
		} `json:"lifecycles"`
		Authors []struct {
			Name  string `json:"name"`
			Email string `json:"email"`
		} `json:"authors"`
		Manufacturer *struct {
			Name    string `json:"name"`
			Contact []struct {
				Email string `json:"email"`
			} `json:"contact"`
		} `json:"manufacturer"`
		Tools struct {
			Components []struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"components"`
		} `json:"tools"`
		Component cdxJSONComp `json:"component"`
	} `json:"metadata"`
	Components   []cdxJSONComp `json:"components"`
	Compositions []struct {
		Aggregate    string   `json:"aggregate"`
		Assemblies   []string `json:"assemblies"`
		Dependencies []string `json:"dependencies"`
	} `json:"compositions"`
}

type cdxJSONComp struct {
	BOMRef string `json:"bom-ref"`
	Type   string `json:"type"`
	Name   string `json:"name"`
	Hashes []struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	} `json:"hashes"`
	Licenses []struct {
		Expression      string `json:"expression"`
		Acknowledgement string `json:"acknowledgement"`
	} `json:"licenses"`
	ExternalReferences []struct {
		Type   string `json:"type"`
		URL    string `json:"url"`
		Hashes []struct {
			Alg string `json:"alg"`
		} `json:"hashes"`
	} `json:"externalReferences"`
	Properties []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"properties"`
	Evidence *struct {
		Identity []struct {
			Field          string `json:"field"`
			ConcludedValue string `json:"concludedValue"`
			Methods        []struct {
				Technique  string   `json:"technique"`
				Confidence *float64 `json:"confidence"`
				Value      string   `json:"value"`
			} `json:"methods"`
		} `json:"identity"`
		Occurrences []struct {
			Location string `json:"location"`
		} `json:"occurrences"`
	} `json:"evidence"`
	Components []cdxJSONComp `json:"components"`
}

func parseCDX(t testing.TB, b []byte) *cdxDoc {
	t.Helper()
	var d cdxDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// all returns every component, the metadata component first, nested ones
// after their parent.
func (d *cdxDoc) all() []*cdxJSONComp {
	var out []*cdxJSONComp
	var walk func(c *cdxJSONComp)
	walk = func(c *cdxJSONComp) {
		out = append(out, c)
		for i := range c.Components {
			walk(&c.Components[i])
		}
	}
	walk(&d.Metadata.Component)
	for i := range d.Components {
		walk(&d.Components[i])
	}
	return out
}

func (d *cdxDoc) comp(t testing.TB, typ, name string) *cdxJSONComp {
	t.Helper()
	for _, c := range d.all() {
		if c.Type == typ && c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s component %q", typ, name)
	return nil
}

func (c *cdxJSONComp) prop(name string) (string, bool) {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func (c *cdxJSONComp) hash(alg string) string {
	for _, h := range c.Hashes {
		if h.Alg == alg {
			return h.Content
		}
	}
	return ""
}

// withSHA512 gives the hand-made inventory's artifact and files the
// SHA-512 of the same stand-in contents their other hashes are of.
func withSHA512(inv *inspect.Inventory) *inspect.Inventory {
	h := func(s string) string { x := sha512.Sum512([]byte(s)); return hex.EncodeToString(x[:]) }
	inv.Artifact.SHA512 = h("installer " + inv.Artifact.Name)
	for i := range inv.Files {
		inv.Files[i].SHA512 = h("content of " + inv.Files[i].Path)
	}
	return inv
}

// Every hand-made inventory gives 1.7 and 1.6 documents that pass the
// official schemas, declare their version, and carry the same content
// except the declared licences only 1.7 can hold next to the concluded
// ones.
func TestCycloneDXSchemas(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			res := mustCompose(t, v.inv(), v.opts(t))
			var docs [2]*cdxDoc
			for i, cv := range cdxVersions {
				b := writeCDX(t, cv, res)
				checkCDXSchemas(t, cv.spec, b)
				d := parseCDX(t, b)
				if d.SpecVersion != cv.spec || d.Schema != "http://cyclonedx.org/schema/bom-"+cv.spec+".schema.json" {
					t.Errorf("%s: specVersion %q, $schema %q", cv.format, d.SpecVersion, d.Schema)
				}
				docs[i] = d
			}
			// Drop the licences and compare the rest.
			strip := func(d *cdxDoc) []byte {
				for _, c := range d.all() {
					c.Licenses = nil
				}
				d.SpecVersion, d.Schema = "", ""
				b, _ := json.Marshal(d)
				return b
			}
			if !bytes.Equal(strip(docs[0]), strip(docs[1])) {
				t.Errorf("the 1.7 and 1.6 documents differ beyond licences")
			}
		})
	}
}

// The formats are registered under their names and extensions, the 1.7
// writer is the default CycloneDX.
func TestCycloneDXFormats(t *testing.T) {
	for _, c := range []struct{ file, name string }{{"x.cdx.json", FormatCycloneDXJSON}, {"x.cdx16.json", FormatCycloneDX16JSON}} {
		f, ok := FormatForFile(c.file)
		if !ok || f.Name != c.name {
			t.Errorf("%s: format %q %v, want %s", c.file, f.Name, ok, c.name)
		}
	}
	res := mustCompose(t, pkgInventory(), Options{Created: testCreated})
	for _, cv := range cdxVersions {
		f, ok := LookupFormat(cv.format)
		if !ok {
			t.Fatalf("%s not registered", cv.format)
		}
		var buf bytes.Buffer
		if err := f.Write(&buf, res); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), writeCDX(t, cv, res)) || !strings.Contains(f.MediaType, "version="+cv.spec) {
			t.Errorf("%s writes something else than CycloneDX %s (%s)", cv.format, cv.spec, f.MediaType)
		}
	}
}

// The BSI TR-03183-2 fields, the licences, the evidence and the
// compositions of a Burn bundle with embedded and on-demand MSIs, static
// and dynamic libraries and pip's wheel.
func TestCycloneDXBSIFields(t *testing.T) {
	inv := withSHA512(burnInventory())
	const exe = "python-3.13.15-amd64.exe"
	res := mustCompose(t, inv, cpythonOptions(t))
	fileSHA512 := map[string]string{}
	for _, f := range inv.Files {
		fileSHA512[f.Path] = f.SHA512
	}
	for _, cv := range cdxVersions {
		t.Run(cv.spec, func(t *testing.T) {
			b := writeCDX(t, cv, res)
			checkCDXSchemas(t, cv.spec, b)
			d := parseCDX(t, b)
			type bsi struct{ file, exe, archive, structured string }
			props := func(c *cdxJSONComp) bsi {
				var r bsi
				r.file, _ = c.prop(PropBSIFilename)
				r.exe, _ = c.prop(PropBSIExecutable)
				r.archive, _ = c.prop(PropBSIArchive)
				r.structured, _ = c.prop(PropBSIStructured)
				return r
			}
			root := &d.Metadata.Component
			core := d.comp(t, "application", "core")
			tcltk := d.comp(t, "application", "tcltk")
			for _, c := range []struct {
				c    *cdxJSONComp
				want bsi
				// sha512 is the deployable file's SHA-512, "" when it
				// must be absent (compiled into another file).
				sha512 string
			}{
				{root, bsi{exe, BSIExecutable, BSIArchive, BSIStructured}, inv.Artifact.SHA512},
				{core, bsi{"core.msi", BSINonExecutable, BSIArchive, BSIStructured}, fileSHA512[exe+"/core.msi"]},
				// Not in the installer: the name from its URL, no SHA-512 (only its declared SHA-1).
				{tcltk, bsi{"tcltk.msi", BSINonExecutable, BSIArchive, BSIStructured}, ""},
				{d.comp(t, "library", "openssl"), bsi{"", BSIExecutable, BSINoArchive, BSIUnstructured}, ""},
				{d.comp(t, "library", "sqlite"), bsi{"sqlite3.dll", BSIExecutable, BSINoArchive, BSIUnstructured}, fileSHA512[exe+"/lib.msi/DLLs/sqlite3.dll"]},
				{d.comp(t, "library", "cpython"), bsi{"python313.dll", BSIExecutable, BSINoArchive, BSIUnstructured}, fileSHA512[exe+"/core.msi/python313.dll"]},
				{d.comp(t, "library", "zlib"), bsi{"", BSIExecutable, BSINoArchive, BSIUnstructured}, ""},
				{d.comp(t, "library", "pip"), bsi{"pip-26.2.1-py3-none-any.whl", BSIExecutable, BSIArchive, BSIStructured},
					fileSHA512[exe+"/lib.msi/Lib/ensurepip/_bundled/pip-26.2.1-py3-none-any.whl"]},
			} {
				if got := props(c.c); got != c.want {
					t.Errorf("%s: BSI properties %+v, want %+v", c.c.Name, got, c.want)
				}
				if got := c.c.hash("SHA-512"); got != c.sha512 {
					t.Errorf("%s: SHA-512 %q, want %q", c.c.Name, got, c.sha512)
				}
				// The taxonomy's associated licence: the concluded one
				// (the first licence the component lists), once; none
				// where no licence is known (never NOASSERTION).
				var want string
				if len(c.c.Licenses) > 0 {
					want = c.c.Licenses[0].Expression
				}
				var got []string
				for _, p := range c.c.Properties {
					if p.Name == PropBSIAssociatedLicences {
						got = append(got, p.Value)
					}
				}
				if want == "" && len(got) != 0 || want != "" && (len(got) != 1 || got[0] != want) {
					t.Errorf("%s: %s %v, licences %+v", c.c.Name, PropBSIAssociatedLicences, got, c.c.Licenses)
				}
			}
			// openssl lives in two files (libcrypto-3.dll and libssl-3.dll): no one
			// file name, so neither name nor hash.
			// The installer's distribution reference carries its hashes;
			// the on-demand MSI's carries the hash the bundle declares.
			for _, c := range []*cdxJSONComp{root, tcltk} {
				if len(c.ExternalReferences) == 0 || c.ExternalReferences[0].Type != "distribution" || len(c.ExternalReferences[0].Hashes) == 0 {
					t.Errorf("%s: distribution reference %+v", c.Name, c.ExternalReferences)
				}
			}
			// Metadata: lifecycle, tool, creator.
			m := d.Metadata
			if len(m.Lifecycles) != 1 || m.Lifecycles[0].Phase != "post-build" {
				t.Errorf("lifecycles %+v", m.Lifecycles)
			}
			if len(m.Tools.Components) != 1 || m.Tools.Components[0].Name != ToolName || m.Tools.Components[0].Version != "0.1.0" {
				t.Errorf("tools %+v", m.Tools)
			}
			if m.Manufacturer == nil || m.Manufacturer.Name != "Python Software Foundation" {
				t.Errorf("manufacturer %+v", m.Manufacturer)
			}
			// Compositions: the installer and its embedded MSIs complete,
			// the on-demand MSI unknown, the libraries' dependencies unknown.
			agg := map[string]string{}
			for _, c := range d.Compositions {
				for _, r := range c.Assemblies {
					agg["assembly "+r] = c.Aggregate
				}
				for _, r := range c.Dependencies {
					agg["dependencies "+r] = c.Aggregate
				}
			}
			lib := d.comp(t, "application", "lib")
			for ref, want := range map[string]string{
				"assembly " + RootID: "complete", "assembly " + core.BOMRef: "complete", "assembly " + lib.BOMRef: "complete",
				"assembly " + tcltk.BOMRef:                                                "unknown",
				"dependencies " + d.comp(t, "library", "zlib").BOMRef:                     "unknown",
				"dependencies " + d.comp(t, "library", "pip").BOMRef:                      "unknown",
				"dependencies " + d.comp(t, "file", exe+"/core.msi/python313.dll").BOMRef: "unknown",
			} {
				if agg[ref] != want {
					t.Errorf("composition of %s: %q, want %q", ref, agg[ref], want)
				}
			}
			// Evidence: identity by technique and rule, occurrences kept.
			z := d.comp(t, "library", "zlib")
			if z.Evidence == nil || len(z.Evidence.Occurrences) != 1 || len(z.Evidence.Identity) != 2 {
				t.Fatalf("zlib evidence %+v", z.Evidence)
			}
			for i, field := range []string{"name", "version"} {
				id := z.Evidence.Identity[i]
				if id.Field != field || len(id.Methods) != 1 || id.Methods[0].Technique != "binary-analysis" ||
					id.Methods[0].Value != "zlib-deflate-banner" || id.Methods[0].Confidence == nil {
					t.Errorf("zlib identity %d: %+v", i, id)
				}
			}
			// expat shows no version: a name identity only.
			if x := d.comp(t, "library", "expat"); x.Evidence == nil || len(x.Evidence.Identity) != 1 || x.Evidence.Identity[0].Field != "name" {
				t.Errorf("expat identity %+v", x.Evidence)
			}
		})
	}
}

// Licences: 1.7 gives the concluded and the declared expression, each
// acknowledged as such; 1.6 the concluded one only.
func TestCycloneDXLicences(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	var p *pkgNode
	for _, q := range res.m.packages {
		if q.role == roleLibrary && q.licenseConcluded != "" && q.licenseDeclared != "" {
			p = q
			break
		}
	}
	if p == nil {
		// The model gives no library both licences yet: set them here.
		for _, q := range res.m.packages {
			if q.role == roleLibrary && q.name == "zlib" {
				p = q
			}
		}
		p.licenseConcluded, p.licenseDeclared = "Zlib", "Zlib AND LicenseRef-test"
	}
	for _, cv := range cdxVersions {
		b := writeCDX(t, cv, res)
		checkCDXSchemas(t, cv.spec, b)
		var got []string
		for _, c := range parseCDX(t, b).all() {
			if c.BOMRef == elementRef(p.id) {
				for _, l := range c.Licenses {
					got = append(got, l.Acknowledgement+" "+l.Expression)
				}
			}
		}
		want := []string{"concluded " + p.licenseConcluded, "declared " + p.licenseDeclared}
		if cv.spec == "1.6" {
			want = want[:1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: licences %q, want %q", cv.spec, got, want)
		}
	}
}

// An installer inspect could not read completely is "incomplete", never
// "complete".
func TestCycloneDXIncomplete(t *testing.T) {
	res := mustCompose(t, embedZipInventory(), Options{Created: testCreated})
	if !res.m.incomplete {
		t.Fatal("the embeddable zip inventory has an error problem; the model should be incomplete")
	}
	for _, cv := range cdxVersions {
		d := parseCDX(t, writeCDX(t, cv, res))
		var aggs []string
		for _, c := range d.Compositions {
			if slices.Contains(c.Assemblies, RootID) {
				aggs = append(aggs, c.Aggregate)
			}
		}
		if !slices.Equal(aggs, []string{"incomplete"}) {
			t.Errorf("%s: installer compositions %v", cv.spec, aggs)
		}
	}
}

func TestSplitContact(t *testing.T) {
	for in, want := range map[string][3]string{
		"Release Manager (rm@example.org)":       {"Release Manager", "rm@example.org", ""},
		"ACME (https://acme.example/security)":   {"ACME", "", "https://acme.example/security"},
		"Python Software Foundation":             {"Python Software Foundation", "", ""},
		"Odd (not a contact)":                    {"Odd (not a contact)", "", ""},
		"Empty ()":                               {"Empty", "", ""},
		"(rm@example.org)":                       {"(rm@example.org)", "", ""},
		"Two (a@b@c)":                            {"Two (a@b@c)", "", ""},
		"Nested (x) (someone@example.org)":       {"Nested (x)", "someone@example.org", ""},
		"Trailing space (rm@example.org) ":       {"Trailing space", "rm@example.org", ""},
		"URL with space (https://a.example/b c)": {"URL with space (https://a.example/b c)", "", ""},
	} {
		n, e, u := splitContact(in)
		if [3]string{n, e, u} != want {
			t.Errorf("splitContact(%q) = %q %q %q, want %q", in, n, e, u, want)
		}
	}
}

// The writer's own check rejects what the schema rejects.
func TestCycloneDXSchemaCheckBites(t *testing.T) {
	res := mustCompose(t, pkgInventory(), Options{Created: testCreated})
	for _, cv := range cdxVersions {
		var d map[string]any
		if err := json.Unmarshal(writeCDX(t, cv, res), &d); err != nil {
			t.Fatal(err)
		}
		d["metadata"].(map[string]any)["lifecycles"] = []any{map[string]any{"phase": "after-lunch"}}
		d["components"].([]any)[0].(map[string]any)["hashes"] = []any{map[string]any{"alg": "SHA-1", "content": "not hex"}}
		b, _ := json.Marshal(d)
		probs, err := cycloneDXSchemaProblems(b, cv.spec)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(probs, "\n")
		if !strings.Contains(joined, "/metadata/lifecycles/0") || !strings.Contains(joined, "/components/0/hashes/0/content") {
			t.Errorf("%s: schema problems %q", cv.spec, probs)
		}
	}
	if _, _, err := ValidateCycloneDXSchema([]byte(`{"bomFormat": "CycloneDX", "specVersion": "1.4"}`)); err == nil {
		t.Errorf("a CycloneDX 1.4 document was checked against a schema compose does not have")
	}
}

// validate's schema check of CycloneDX documents names the component a
// violation is in; a version without a vendored schema is a warning.
func TestCycloneDXValidateHook(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	for _, cv := range cdxVersions {
		b := writeCDX(t, cv, res)
		for _, p := range cycloneDXSchemaCheckProblems(b, cv.spec) {
			t.Errorf("%s: %s", cv.spec, p)
		}
		var d map[string]any
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		comps := d["components"].([]any)
		var ref string
		for _, c := range comps {
			c := c.(map[string]any)
			if c["type"] == "application" {
				ref = c["bom-ref"].(string)
				c["components"].([]any)[0].(map[string]any)["type"] = "gadget"
				break
			}
		}
		b, _ = json.Marshal(d)
		probs := cycloneDXSchemaCheckProblems(b, cv.spec)
		if len(probs) == 0 {
			t.Fatalf("%s: a nested component of type gadget passes", cv.spec)
		}
		for _, p := range probs {
			if p.Rule != RuleSchema || p.Element == "document" || p.Element == ref || p.Warning {
				t.Errorf("%s: %+v, want the nested file's bom-ref (inside %s)", cv.spec, p, ref)
			}
		}
	}
	probs := cycloneDXSchemaCheckProblems([]byte(`{"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1}`), "1.5")
	if len(probs) != 1 || !probs[0].Warning || probs[0].Rule != RuleSchema {
		t.Errorf("CycloneDX 1.5: %+v", probs)
	}
}

// Values CycloneDX cannot hold (a digest that is not hex of a digest's
// length, a URL its schema refuses, a version over 1024 characters) are
// left out or moved to a property, never written into an invalid document.
func TestCycloneDXHostileValues(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	long := strings.Repeat("9.", 600)
	var lib *pkgNode
	for _, p := range res.m.packages {
		if p.role == roleLibrary && p.name == "zlib" {
			lib = p
		}
	}
	lib.version = long
	lib.homepage = `http://[::1/x\y`
	lib.download = "http://[fe80::1%en0/x"
	lib.checksums = []checksum{{"SHA256", "00"}, {"SHA1", strings.Repeat("ab", 20)}}
	for _, cv := range cdxVersions {
		b := writeCDX(t, cv, res)
		checkCDXSchemas(t, cv.spec, b)
		var c *cdxJSONComp
		for _, x := range parseCDX(t, b).all() {
			if x.BOMRef == elementRef(lib.id) {
				c = x
			}
		}
		if v, _ := c.prop(PropLongVersion); v != long || len(c.Hashes) != 1 || c.hash("SHA-1") == "" || len(c.ExternalReferences) != 0 {
			t.Errorf("%s: %+v", cv.spec, c)
		}
	}
}

// Two runs over the same inventory in another order give the same bytes in
// both versions.
func TestCycloneDXDeterministic(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			for _, cv := range cdxVersions {
				first := writeCDX(t, cv, mustCompose(t, withSHA512(v.inv()), v.opts(t)))
				for seed := int64(1); seed <= 2; seed++ {
					again := writeCDX(t, cv, mustCompose(t, shuffled(withSHA512(v.inv()), seed), v.opts(t)))
					if !bytes.Equal(first, again) {
						t.Errorf("CycloneDX %s differs between runs (seed %d)", cv.spec, seed)
					}
				}
			}
		})
	}
}

// Golden documents read by a person: the Burn bundle in CycloneDX 1.7 (the
// BSI properties, compositions, evidence) and the pkg in 1.6 (pkg.cdx.json,
// the 1.7 one, is in TestGolden). Regenerate with
// `go test ./compose -run TestGoldenCycloneDX -update` and review the diff.
func TestGoldenCycloneDX(t *testing.T) {
	for _, c := range []struct {
		file string
		res  func(t *testing.T) *Result
	}{
		{"burn.cdx.json", func(t *testing.T) *Result { return mustCompose(t, withSHA512(burnInventory()), cpythonOptions(t)) }},
		{"pkg.cdx16.json", goldenPkg},
	} {
		t.Run(c.file, func(t *testing.T) {
			format, ok := FormatForFile(c.file)
			if !ok {
				t.Fatalf("no format for %s", c.file)
			}
			var buf bytes.Buffer
			if err := format.Write(&buf, c.res(t)); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.file, buf.Bytes())
		})
	}
}

// Real installers built from CPython's binaries (go-embed-python): the
// embeddable zip, a Burn bundle, the MSI of the whole Windows tree and a
// macOS product archive with a universal2 Python.framework. Both versions
// pass the schemas; every library with a file of its own carries that
// file's name and SHA-512, every library compiled into another file
// neither.
func TestCycloneDXRealInstallers(t *testing.T) {
	for _, c := range []struct {
		name string
		inv  func(t *testing.T) *inspect.Inventory
	}{
		{"embed-zip", realEmbedZip},
		{"burn", realBurn},
		{"msi", realCPythonMSI},
		{"pkg", realCPythonPkg},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := c.inv(t)
			res := mustCompose(t, inv, Options{Created: testCreated, ToolVersion: "0.1.0", Creators: []string{"Organization: Test (test@example.org)"}})
			sha512ByPath := map[string]string{}
			for _, f := range inv.Files {
				sha512ByPath[f.Path] = f.SHA512
			}
			for _, cv := range cdxVersions {
				b := writeCDX(t, cv, res)
				checkCDXSchemas(t, cv.spec, b)
				d := parseCDX(t, b)
				if got, _ := d.Metadata.Component.prop(PropBSIFilename); got != inv.Artifact.Name || d.Metadata.Component.hash("SHA-512") != inv.Artifact.SHA512 {
					t.Errorf("installer: file name %q, SHA-512 %q", got, d.Metadata.Component.hash("SHA-512"))
				}
				libs := 0
				for _, comp := range d.all() {
					if comp.Type != "library" {
						continue
					}
					libs++
					linkage, _ := comp.prop(PropLinkage)
					name, hasName := comp.prop(PropBSIFilename)
					sha := comp.hash("SHA-512")
					if linkage == "static" && (hasName || sha != "") {
						t.Errorf("%s is compiled into another file, yet has file name %q and SHA-512 %q", comp.Name, name, sha)
					}
					if hasName && sha == "" {
						t.Errorf("%s: file name %q without SHA-512", comp.Name, name)
					}
					if hasName {
						found := false
						for p, s := range sha512ByPath {
							if filepath.Base(p) == name && s == sha {
								found = true
							}
						}
						if !found {
							t.Errorf("%s: no file %s with SHA-512 %s in the inventory", comp.Name, name, sha)
						}
					}
					for _, prop := range []string{PropBSIExecutable, PropBSIArchive, PropBSIStructured} {
						if _, ok := comp.prop(prop); !ok {
							t.Errorf("%s lacks %s", comp.Name, prop)
						}
					}
				}
				if libs == 0 {
					t.Errorf("no libraries in the %s document", c.name)
				}
			}
			again := writeCDX(t, cdxVersions[0], mustCompose(t, inv, Options{Created: testCreated, ToolVersion: "0.1.0", Creators: []string{"Organization: Test (test@example.org)"}}))
			if !bytes.Equal(again, writeCDX(t, cdxVersions[0], res)) {
				t.Errorf("two runs differ")
			}
		})
	}
}

var (
	cpythonMSIOnce sync.Once
	cpythonMSIInv  *inspect.Inventory
	cpythonMSIErr  error
)

// realCPythonMSI is the inventory of the MSI of the whole CPython 3.11
// Windows tree (msibuild, wixl), built once per test binary.
func realCPythonMSI(t *testing.T) *inspect.Inventory {
	t.Helper()
	if _, err := exec.LookPath("wixl"); err != nil {
		t.Fatal("wixl not installed (Debian package wixl); run `make deps`")
	}
	data := testenv.EmbedPython(t, testenv.Python311)
	cpythonMSIOnce.Do(func() {
		dir, err := os.MkdirTemp("", "compose-cdx-msi-*")
		if err != nil {
			cpythonMSIErr = err
			return
		}
		defer os.RemoveAll(dir)
		p, err := msibuild.BuildCPython(data, testenv.Python311, dir)
		if err != nil {
			cpythonMSIErr = err
			return
		}
		b, err := os.ReadFile(p)
		if err != nil {
			cpythonMSIErr = err
			return
		}
		cpythonMSIInv, cpythonMSIErr = inspect.Inspect(bytes.NewReader(b), int64(len(b)), filepath.Base(p), inspect.Options{})
	})
	if cpythonMSIErr != nil {
		t.Fatal(cpythonMSIErr)
	}
	return cpythonMSIInv
}

// realCPythonPkg is the inventory of a macOS product archive holding a
// universal2 Python.framework made of CPython 3.11's macOS builds
// (pkgbuild, llvm-lipo).
func realCPythonPkg(t *testing.T) *inspect.Inventory {
	t.Helper()
	lipo, err := exec.LookPath("llvm-lipo")
	if err != nil {
		m, _ := filepath.Glob("/usr/bin/llvm-lipo-*")
		if len(m) == 0 {
			t.Fatal("llvm-lipo not installed; run `make deps`")
		}
		slices.Sort(m)
		lipo = m[len(m)-1]
	}
	fw, err := pkgbuild.PythonFramework(testenv.EmbedPython(t, testenv.Python311), lipo, t.TempDir(), "gzip")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	prod := pkgbuild.Product{Title: "Python 3.11", ID: "org.python.Python.3.11", Version: "3.11.11", Components: []pkgbuild.Component{fw}}
	if err := pkgbuild.ProductArchive(&buf, prod, pkgbuild.XarOptions{Checksum: "sha256"}); err != nil {
		t.Fatal(err)
	}
	inv, err := inspect.Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "python-3.11.11-macos11.pkg", inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}
