package compose

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
)

const (
	sha256Hex = "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
	sha512Hex = "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
)

// bsiDoc is a small CycloneDX 1.7 document with every field BSI TR-03183-2
// asks for: a deployable library with its file name, SHA-512 and
// properties, and a library compiled into it, which has neither hash nor
// file name (BSI says to omit them, not to invent them).
const bsiDoc = `{
  "bomFormat": "CycloneDX", "specVersion": "1.7", "version": 1,
  "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
  "metadata": {
    "timestamp": "2026-11-30T12:00:00Z",
    "lifecycles": [{"phase": "post-build"}],
    "tools": {"components": [{"type": "application", "name": "installer-sbom", "version": "1.0.0"}]},
    "authors": [{"name": "Release Manager", "email": "rm@example.org"}]
  },
  "components": [
    {"bom-ref": "lib-a", "type": "library", "name": "libffi", "version": "3.4.4",
     "supplier": {"name": "libffi"}, "purl": "pkg:generic/libffi@3.4.4",
     "licenses": [{"expression": "MIT"}],
     "hashes": [{"alg": "SHA-256", "content": "` + sha256Hex + `"}, {"alg": "SHA-512", "content": "` + sha512Hex + `"}],
     "properties": [{"name": "bsi:component:filename", "value": "libffi-8.dll"},
                    {"name": "bsi:component:executable", "value": "executable"},
                    {"name": "bsi:component:archive", "value": "no archive"},
                    {"name": "bsi:component:structured", "value": "unstructured"}]},
    {"bom-ref": "lib-b", "type": "library", "name": "zlib", "version": "1.3.1",
     "supplier": {"name": "zlib"}, "cpe": "cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*",
     "licenses": [{"license": {"id": "Zlib"}}],
     "properties": [{"name": "installer-sbom:linkage", "value": "static"}]}
  ],
  "dependencies": [{"ref": "lib-a", "dependsOn": ["lib-b"]}]
}`

// TestBSIProfile: the complete document passes; removing one field at a
// time, validate names what is missing and where.
func TestBSIProfile(t *testing.T) {
	format, probs := ValidateDocument([]byte(bsiDoc), ProfileBSI)
	if format != DocCycloneDX {
		t.Fatalf("format %q", format)
	}
	for _, p := range probs {
		if !p.Warning {
			t.Errorf("complete document: %s", p)
		}
	}
	cases := []struct {
		name    string
		remove  func(d map[string]any)
		element string
		says    string
	}{
		{"timestamp", func(d map[string]any) { delete(d["metadata"].(map[string]any), "timestamp") }, "document", "no timestamp"},
		{"contact", func(d map[string]any) {
			d["metadata"].(map[string]any)["authors"] = []any{map[string]any{"name": "Release Manager"}}
		}, "document", "no creator contact"},
		{"uri", func(d map[string]any) { delete(d, "serialNumber") }, "document", "no document URI"},
		{"tool", func(d map[string]any) { delete(d["metadata"].(map[string]any), "tools") }, "document", "no tool"},
		{"version", func(d map[string]any) { delete(comp(d, 0), "version") }, "lib-a", "no version"},
		{"supplier", func(d map[string]any) { delete(comp(d, 0), "supplier") }, "lib-a", "no supplier"},
		{"licence", func(d map[string]any) { delete(comp(d, 1), "licenses") }, "lib-b", "no licence"},
		{"sha512", func(d map[string]any) {
			comp(d, 0)["hashes"] = []any{map[string]any{"alg": "SHA-256", "content": sha256Hex}}
		}, "lib-a", "no SHA-512"},
		{"identifier", func(d map[string]any) { delete(comp(d, 1), "cpe") }, "lib-b", "no software identifier"},
		{"filename", func(d map[string]any) { dropProp(comp(d, 0), "bsi:component:filename") }, "lib-a", "no file name"},
		{"executable", func(d map[string]any) { dropProp(comp(d, 0), "bsi:component:executable") }, "lib-a", "bsi:component:executable"},
		{"old spec", func(d map[string]any) { d["specVersion"] = "1.5" }, "document", "1.6 or later"},
	}
	for _, c := range cases {
		var d map[string]any
		json.Unmarshal([]byte(bsiDoc), &d)
		c.remove(d)
		b, _ := json.Marshal(d)
		_, probs := ValidateDocument(b, ProfileBSI)
		found := false
		for _, p := range probs {
			found = found || !p.Warning && p.Element == c.element && strings.Contains(p.Message, c.says)
		}
		if !found {
			t.Errorf("without %s: no error on %s saying %q in %v", c.name, c.element, c.says, probs)
		}
	}
	// SPDX 2.3 is not a BSI format; NTIA still passes on compose's output.
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	doc := writeFormat(t, res, FormatSPDXJSON)
	if _, probs := ValidateDocument(doc, ProfileBSI); !hasRule(probs, "profile-"+ProfileBSI, "SPDX 3.0.1 or later") {
		t.Errorf("SPDX 2.3 accepted for BSI: %v", probs)
	}
	if format, probs := ValidateDocument(writeFormat(t, res, "spdx-tag-value"), ProfileNTIA); format != DocSPDX2TagValue || countErrors(probs) != 0 {
		t.Errorf("tag-value (%s): %v", format, probs)
	}
}

func comp(d map[string]any, i int) map[string]any {
	return d["components"].([]any)[i].(map[string]any)
}

func dropProp(c map[string]any, name string) {
	var keep []any
	for _, p := range c["properties"].([]any) {
		if p.(map[string]any)["name"] != name {
			keep = append(keep, p)
		}
	}
	c["properties"] = keep
}

func hasRule(probs []Problem, rule, says string) bool {
	for _, p := range probs {
		if p.Rule == rule && strings.Contains(p.Message, says) {
			return true
		}
	}
	return false
}

func countErrors(probs []Problem) int {
	n := 0
	for _, p := range probs {
		if !p.Warning {
			n++
		}
	}
	return n
}

// TestBSIProfileRealInstallers: on the SPDX 3.0.1 and CycloneDX 1.7
// documents of the CPython MSI and pkg built from go-embed-python, the
// only fields BSI TR-03183-2 misses are versions the installer's bytes do
// not show (each such component has no version in the inventory, and the
// tool does not invent one); both formats miss the same ones.
func TestBSIProfileRealInstallers(t *testing.T) {
	opts := Options{Created: testCreated, ToolVersion: "0.1.0", Creators: []string{"Organization: Test (test@example.org)"}}
	for name, inv := range map[string]*inspect.Inventory{"msi": realCPythonMSI(t), "pkg": realCPythonPkg(t)} {
		versionless := map[string]bool{}
		versioned := map[string]bool{}
		for _, c := range inv.Components {
			if c.Version == "" {
				versionless[c.Name] = true
			} else {
				versioned[c.Name] = true
			}
		}
		res := mustCompose(t, inv, opts)
		var missed [2][]string
		for i, format := range []string{"spdx3-json", "cyclonedx-json"} {
			f, _ := LookupFormat(format)
			var buf bytes.Buffer
			if err := f.Write(&buf, res); err != nil {
				t.Fatal(err)
			}
			_, probs := ValidateDocument(buf.Bytes(), ProfileBSI)
			for _, p := range probs {
				if p.Warning {
					continue
				}
				comp, ok := strings.CutSuffix(p.Message, ": no version")
				if !ok || !versionless[comp] || versioned[comp] {
					t.Errorf("%s %s: %s", name, format, p)
					continue
				}
				missed[i] = append(missed[i], comp)
			}
		}
		if !slices.Equal(missed[0], missed[1]) {
			t.Errorf("%s: SPDX 3 misses versions of %v, CycloneDX of %v", name, missed[0], missed[1])
		}
		t.Logf("%s: BSI misses only the versions of %v", name, missed[0])
	}
}

// An installer whose supplier nothing names (a zip, no --supplier) gets one
// verdict in every format: SPDX 2.3 says NOASSERTION and CycloneDX and
// SPDX 3 leave the field out, and each is a known unknown under NTIA and
// CISA (a warning) and an error under BSI. CycloneDX and SPDX 3 made it an
// error under NTIA while SPDX 2.3 warned.
func TestUnknownSupplierSameVerdictInEveryFormat(t *testing.T) {
	res := mustCompose(t, embedZipInventory(), Options{Created: testCreated, ToolVersion: "0.1.0"})
	for _, f := range Formats() {
		var buf bytes.Buffer
		if err := f.Write(&buf, res); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		for _, profile := range Profiles() {
			_, probs := ValidateDocument(buf.Bytes(), profile)
			var supplier []Problem
			for _, p := range probs {
				if strings.Contains(p.Element, "SPDXRef-Installer") && strings.Contains(p.Message, "supplier") {
					supplier = append(supplier, p)
				}
			}
			if len(supplier) == 0 {
				t.Errorf("%s --profile %s: the installer's unknown supplier is not named", f.Name, profile)
			}
			failed := false
			for _, p := range supplier {
				failed = failed || !p.Warning
			}
			if failed != (profile == ProfileBSI) {
				t.Errorf("%s --profile %s: supplier an error: %v, want %v (%v)", f.Name, profile, failed, profile == ProfileBSI, supplier)
			}
		}
	}
}
