package compose

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// incompleteDoc lacks what NTIA asks for: no creators, a package without
// supplier, one without version, no relationships. Of these the schema
// catches only the empty creators list (minItems 1).
const incompleteDoc = `{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "incomplete",
  "documentNamespace": "https://example.org/incomplete",
  "creationInfo": {"creators": [], "created": "2026-06-02T12:30:45Z"},
  "packages": [
    {"SPDXID": "SPDXRef-app", "name": "app", "versionInfo": "1.0", "downloadLocation": "NOASSERTION", "filesAnalyzed": false},
    {"SPDXID": "SPDXRef-lib", "name": "lib", "supplier": "Organization: Lib Org", "downloadLocation": "NOASSERTION", "filesAnalyzed": false}
  ]
}`

func TestValidateReportsNTIAGaps(t *testing.T) {
	var got []string
	for _, p := range Validate([]byte(incompleteDoc)) {
		got = append(got, p.Element+" "+p.Rule)
		if p.Warning {
			t.Errorf("%s is only a warning", p)
		}
	}
	want := []string{
		"SPDXRef-DOCUMENT " + RuleAuthor,
		"SPDXRef-DOCUMENT " + RuleRelationships,
		"SPDXRef-DOCUMENT " + RuleSchema,
		"SPDXRef-app " + RuleRelationships,
		"SPDXRef-app " + RuleSupplier,
		"SPDXRef-lib " + RuleRelationships,
		"SPDXRef-lib " + RuleVersion,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// With a creator, the schema is satisfied and the other gaps are
	// NTIA's alone.
	withCreator := strings.Replace(incompleteDoc, `"creators": []`, `"creators": ["Person: A"]`, 1)
	validateAgainst(t, schemaValidator(t, "spdx-2.3-schema.json"), "incomplete document with a creator", []byte(withCreator))
	for _, p := range Validate([]byte(withCreator)) {
		if p.Rule == RuleSchema || p.Rule == RuleAuthor {
			t.Errorf("with a creator: %s", p)
		}
	}
}

func TestValidateOtherRules(t *testing.T) {
	var doc map[string]any
	mutate := func(f func(d map[string]any)) []byte {
		if err := json.Unmarshal([]byte(incompleteDoc), &doc); err != nil {
			t.Fatal(err)
		}
		f(doc)
		b, _ := json.Marshal(doc)
		return b
	}
	pkgs := func(d map[string]any) []any { return d["packages"].([]any) }
	cases := map[string]struct {
		doc      []byte
		element  string
		rule     string
		contains string
	}{
		"no creationInfo": {mutate(func(d map[string]any) { delete(d, "creationInfo") }), "SPDXRef-DOCUMENT", RuleSchema, "creationInfo"},
		"bad created": {mutate(func(d map[string]any) {
			d["creationInfo"].(map[string]any)["created"] = "yesterday"
		}), "SPDXRef-DOCUMENT", RuleTimestamp, "yesterday"},
		"duplicate id": {mutate(func(d map[string]any) { pkgs(d)[1].(map[string]any)["SPDXID"] = "SPDXRef-app" }), "SPDXRef-app", RuleUniqueID, "/packages/1"},
		"bad id":       {mutate(func(d map[string]any) { pkgs(d)[1].(map[string]any)["SPDXID"] = "SPDXRef-a b" }), "SPDXRef-a b", RuleIDSyntax, ""},
		"dangling relationship": {mutate(func(d map[string]any) {
			d["relationships"] = []any{map[string]any{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-gone"}}
		}), "/relationships/0", RuleRelationshipRef, "SPDXRef-gone"},
		"schema enum":               {mutate(func(d map[string]any) { pkgs(d)[0].(map[string]any)["primaryPackagePurpose"] = "GAME" }), "SPDXRef-app", RuleSchema, "primaryPackagePurpose"},
		"missing verification code": {mutate(func(d map[string]any) { delete(pkgs(d)[0].(map[string]any), "filesAnalyzed") }), "SPDXRef-app", RuleVerificationCode, "filesAnalyzed is true"},
		"noassertion supplier":      {mutate(func(d map[string]any) { pkgs(d)[0].(map[string]any)["supplier"] = "NOASSERTION" }), "SPDXRef-app", RuleSupplier, "NOASSERTION"},
		"not json":                  {[]byte("{"), "SPDXRef-DOCUMENT", RuleJSON, ""},
		"file climbing out": {mutate(func(d map[string]any) {
			d["files"] = []any{map[string]any{"SPDXID": "SPDXRef-f", "fileName": "./dirwalk-vulns.cab/../../../relative/path",
				"checksums": []any{map[string]any{"algorithm": "SHA1", "checksumValue": strings.Repeat("0", 40)}}}}
		}), "SPDXRef-f", RuleFileName, "climb out"},
		"empty path part": {mutate(func(d map[string]any) {
			d["files"] = []any{map[string]any{"SPDXID": "SPDXRef-f", "fileName": "./dirwalk-vulns.cab//",
				"checksums": []any{map[string]any{"algorithm": "SHA1", "checksumValue": strings.Repeat("0", 40)}}}}
		}), "SPDXRef-f", RuleFileName, "empty path part"},
	}
	for name, c := range cases {
		found := false
		for _, p := range Validate(c.doc) {
			if p.Element == c.element && p.Rule == c.rule && strings.Contains(p.Message, c.contains) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s problem on %s in %v", name, c.rule, c.element, Validate(c.doc))
		}
	}
}

// A wrong verification code is caught.
func TestValidateVerificationCode(t *testing.T) {
	res := mustCompose(t, pkgInventory(), Options{Created: testCreated, Supplier: "X", Version: "1", Creators: []string{"Person: A"}})
	res.Document().Packages[0].PackageVerificationCode.Value = strings.Repeat("0", 40)
	found := false
	for _, p := range Validate(spdxJSON(t, res.Document())) {
		found = found || (p.Element == RootID && p.Rule == RuleVerificationCode)
	}
	if !found {
		t.Errorf("a wrong verification code passes")
	}
}

// CPython's own source SBOM is a partial document: Validate says what a
// full one needs.
func TestValidateCPythonPartialFile(t *testing.T) {
	b, err := os.ReadFile(testenv.Shared(t, "reference", "cpython", "v3.13.15", "sbom.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, p := range Validate(b) {
		rules[p.Rule] = true
	}
	for _, r := range []string{RuleSchema, RuleAuthor, RuleTimestamp, RuleNamespace, RuleSupplier} {
		if !rules[r] {
			t.Errorf("no %s problem for CPython's partial sbom.spdx.json: %v", r, rules)
		}
	}
}
