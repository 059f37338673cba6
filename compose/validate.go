package compose

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/inventory"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// spdxSchema is the SPDX 2.3 JSON schema as released with the
// specification (github.com/spdx/spdx-spec, tag v2.3, schemas/spdx-schema.json).
//
//go:embed schema/spdx-2.3-schema.json
var spdxSchema []byte

// Rules a Problem can name.
const (
	RuleJSON   = "json"   // not a JSON object
	RuleSchema = "schema" // SPDX 2.3 JSON schema
	// NTIA minimum elements.
	RuleSupplier      = "ntia-supplier"
	RuleName          = "ntia-name"
	RuleVersion       = "ntia-version"
	RuleUniqueID      = "ntia-unique-id"
	RuleRelationships = "ntia-relationships"
	RuleAuthor        = "ntia-author"
	RuleTimestamp     = "ntia-timestamp"
	// SPDX 2.3 rules the JSON schema does not express.
	RuleIDSyntax         = "spdxid-syntax"
	RuleRelationshipRef  = "relationship-target"
	RuleVerificationCode = "verification-code"
	RuleNamespace        = "document-namespace"
	RuleFileName         = "file-name"
)

// Problem is one failed check. Element is the SPDXID of the element the
// check is about (SPDXRef-DOCUMENT for document-level checks), or a JSON
// pointer when the element has no usable SPDXID.
type Problem struct {
	Element string `json:"element"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Warning marks a weaker finding: the element is present but says
	// NOASSERTION, or the document was authored by tools only.
	Warning bool `json:"warning,omitempty"`
}

func (p Problem) String() string {
	sev := "error"
	if p.Warning {
		sev = "warning"
	}
	return fmt.Sprintf("%s: %s [%s]: %s", sev, p.Element, p.Rule, p.Message)
}

var (
	schemaOnce     sync.Once
	compiledSchema *jsonschema.Schema
	schemaErr      error
)

func spdxSchemaCompiled() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(spdxSchema))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		const loc = "http://spdx.org/rdf/terms/2.3"
		if err := c.AddResource(loc, doc); err != nil {
			schemaErr = err
			return
		}
		compiledSchema, schemaErr = c.Compile(loc)
	})
	return compiledSchema, schemaErr
}

var (
	spdxIDRE  = regexp.MustCompile(`^SPDXRef-[A-Za-z0-9.\-]+$`)
	createdRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
	agentLine = regexp.MustCompile(`^(Person|Organization|Tool):\s*\S`)
)

// Validate checks an SPDX 2.3 JSON document against the SPDX 2.3 JSON schema
// and the NTIA minimum elements (supplier, name, version, unique
// identifier, relationships, author, timestamp), plus the SPDX rules the
// schema cannot express (identifier syntax, relationship targets, package
// verification codes). It returns every problem found, sorted; none means
// the document passes.
func Validate(docJSON []byte) []Problem {
	var inst any
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(docJSON))
	if err != nil {
		return []Problem{{Element: "SPDXRef-DOCUMENT", Rule: RuleJSON, Message: err.Error()}}
	}
	root, ok := inst.(map[string]any)
	if !ok {
		return []Problem{{Element: "SPDXRef-DOCUMENT", Rule: RuleJSON, Message: "the document is not a JSON object"}}
	}
	var probs []Problem
	sch, err := spdxSchemaCompiled()
	if err != nil {
		return []Problem{{Element: "SPDXRef-DOCUMENT", Rule: RuleSchema, Message: "embedded schema: " + err.Error()}}
	}
	if err := sch.Validate(inst); err != nil {
		if ve, ok := err.(*jsonschema.ValidationError); ok {
			for _, u := range leafErrors(ve.BasicOutput()) {
				probs = append(probs, Problem{Element: elementAt(root, u.InstanceLocation), Rule: RuleSchema,
					Message: fmt.Sprintf("%s: %s", orDefault(u.InstanceLocation, "/"), u.Error)})
			}
		} else {
			probs = append(probs, Problem{Element: "SPDXRef-DOCUMENT", Rule: RuleSchema, Message: err.Error()})
		}
	}
	probs = append(probs, checkDocument(root)...)
	sort.SliceStable(probs, func(i, j int) bool {
		return lessStrings([]string{probs[i].Element, probs[i].Rule, probs[i].Message}, []string{probs[j].Element, probs[j].Rule, probs[j].Message})
	})
	for i := range probs {
		probs[i].Element = inventory.ClipMessage(probs[i].Element)
		probs[i].Message = inventory.ClipMessage(probs[i].Message)
	}
	return dedupProblems(probs)
}

type leafError struct{ InstanceLocation, Error string }

func leafErrors(u *jsonschema.OutputUnit) []leafError {
	var out []leafError
	var walk func(u *jsonschema.OutputUnit)
	walk = func(u *jsonschema.OutputUnit) {
		if u.Error != nil && len(u.Errors) == 0 {
			out = append(out, leafError{u.InstanceLocation, u.Error.String()})
		}
		for i := range u.Errors {
			walk(&u.Errors[i])
		}
	}
	walk(u)
	return out
}

func dedupProblems(ps []Problem) []Problem {
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p == ps[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// elementAt names the element a JSON pointer points into: the SPDXID of the
// package, file or snippet, or the document.
func elementAt(root map[string]any, ptr string) string {
	parts := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	if len(parts) >= 2 {
		switch parts[0] {
		case "packages", "files", "snippets":
			arr, _ := root[parts[0]].([]any)
			if i, err := strconv.Atoi(parts[1]); err == nil && i >= 0 && i < len(arr) {
				if obj, ok := arr[i].(map[string]any); ok {
					if id, ok := obj["SPDXID"].(string); ok && id != "" {
						return id
					}
				}
			}
			return "/" + parts[0] + "/" + parts[1]
		case "relationships":
			return "/" + parts[0] + "/" + parts[1]
		}
	}
	return "SPDXRef-DOCUMENT"
}

func str(m map[string]any, k string) (string, bool) {
	v, ok := m[k]
	if !ok {
		return "", false
	}
	s, ok := v.(string)
	return s, ok
}

func objects(m map[string]any, k string) []map[string]any {
	arr, _ := m[k].([]any)
	var out []map[string]any
	for _, v := range arr {
		if o, ok := v.(map[string]any); ok {
			out = append(out, o)
		}
	}
	return out
}

// badFileName says why an SPDX fileName is not a relative path that stays
// inside the package ("./" followed by non-empty parts, none "." or ".."),
// or "" when it is one.
func badFileName(name string) string {
	rest, ok := strings.CutPrefix(name, "./")
	switch {
	case !ok:
		return `does not start with "./"`
	case rest == "":
		return "names no file"
	}
	for _, part := range strings.Split(rest, "/") {
		switch part {
		case "":
			return "has an empty path part (absolute or doubled '/')"
		case ".", "..":
			return fmt.Sprintf("has the path part %q, which can climb out of the package", part)
		}
	}
	for _, r := range rest {
		if r < 0x20 || r == 0x7f {
			return "holds control characters"
		}
	}
	return ""
}

func checkDocument(root map[string]any) []Problem {
	const docID = "SPDXRef-DOCUMENT"
	var probs []Problem
	add := func(el, rule string, warn bool, format string, args ...any) {
		probs = append(probs, Problem{Element: el, Rule: rule, Message: fmt.Sprintf(format, args...), Warning: warn})
	}

	// Author and timestamp.
	ci, _ := root["creationInfo"].(map[string]any)
	if ci == nil {
		add(docID, RuleAuthor, false, "no creationInfo: the document names no author")
		add(docID, RuleTimestamp, false, "no creationInfo: the document has no creation time")
	} else {
		creators, _ := ci["creators"].([]any)
		people := 0
		for _, c := range creators {
			s, _ := c.(string)
			if !agentLine.MatchString(s) {
				add(docID, RuleAuthor, false, "creator %q is not \"Person: ...\", \"Organization: ...\" or \"Tool: ...\"", s)
			} else if !strings.HasPrefix(s, "Tool:") {
				people++
			}
		}
		if len(creators) == 0 {
			add(docID, RuleAuthor, false, "creationInfo.creators is empty: the document names no author")
		} else if people == 0 {
			add(docID, RuleAuthor, true, "every creator is a tool; no person or organization is named as the author")
		}
		if created, ok := str(ci, "created"); !ok || created == "" {
			add(docID, RuleTimestamp, false, "creationInfo.created is missing")
		} else if !createdRE.MatchString(created) {
			add(docID, RuleTimestamp, false, "creationInfo.created %q is not YYYY-MM-DDThh:mm:ssZ", created)
		}
	}
	if ns, _ := str(root, "documentNamespace"); ns == "" {
		add(docID, RuleNamespace, false, "documentNamespace is missing")
	} else if !strings.Contains(ns, "://") || strings.Contains(ns, "#") {
		add(docID, RuleNamespace, false, "documentNamespace %q is not an absolute URI without a fragment", ns)
	}

	// Unique identifiers.
	ids := map[string]string{docID: "document"}
	if id, _ := str(root, "SPDXID"); id != docID {
		add(docID, RuleIDSyntax, false, "document SPDXID is %q, want SPDXRef-DOCUMENT", id)
	}
	checkID := func(kind string, i int, o map[string]any) string {
		id, _ := str(o, "SPDXID")
		ptr := fmt.Sprintf("/%s/%d", kind, i)
		switch {
		case id == "":
			add(ptr, RuleUniqueID, false, "%s has no SPDXID", strings.TrimSuffix(kind, "s"))
			return ""
		case !spdxIDRE.MatchString(id):
			add(id, RuleIDSyntax, false, "SPDXID is not SPDXRef- followed by letters, digits, '.' and '-'")
		}
		if prev, dup := ids[id]; dup {
			add(id, RuleUniqueID, false, "SPDXID is used by %s and %s", prev, ptr)
		} else {
			ids[id] = ptr
		}
		return id
	}
	// A problem names an element by its SPDXID, else by its place.
	named := func(id, kind string, i int) string {
		if id == "" {
			return fmt.Sprintf("/%s/%d", kind, i)
		}
		return id
	}
	pkgs := objects(root, "packages")
	files := objects(root, "files")
	pkgIDs := make([]string, len(pkgs))
	for i, p := range pkgs {
		pkgIDs[i] = checkID("packages", i, p)
	}
	fileSHA1 := map[string]string{}
	fileNames := map[string]string{}
	for i, f := range files {
		id := checkID("files", i, f)
		el := named(id, "files", i)
		name, _ := str(f, "fileName")
		if why := badFileName(name); why != "" {
			add(el, RuleFileName, false, "fileName %q %s", name, why)
		} else if other, dup := fileNames[name]; dup {
			add(el, RuleFileName, false, "fileName %q is also the name of %s: two files collapse into one", name, other)
		} else {
			fileNames[name] = el
		}
		for _, c := range objects(f, "checksums") {
			if alg, _ := str(c, "algorithm"); alg == "SHA1" {
				v, _ := str(c, "checksumValue")
				fileSHA1[id] = strings.ToLower(v)
			}
		}
	}
	for i, s := range objects(root, "snippets") {
		checkID("snippets", i, s)
	}

	// Relationships.
	related := map[string]bool{}
	contains := map[string][]string{}
	describes := 0
	for i, r := range objects(root, "relationships") {
		a, _ := str(r, "spdxElementId")
		b, _ := str(r, "relatedSpdxElement")
		typ, _ := str(r, "relationshipType")
		for _, id := range []string{a, b} {
			if id == "NONE" || id == "NOASSERTION" || strings.HasPrefix(id, "DocumentRef-") {
				continue
			}
			if _, ok := ids[id]; !ok {
				add(fmt.Sprintf("/relationships/%d", i), RuleRelationshipRef, false, "%s %s %s refers to %q, which is not in the document", a, typ, b, id)
			}
		}
		related[a], related[b] = true, true
		if a == docID && typ == "DESCRIBES" {
			describes++
		}
		if b == docID && typ == "DESCRIBED_BY" {
			describes++
		}
		if typ == "CONTAINS" {
			contains[a] = append(contains[a], b)
		}
	}
	// hasFiles (deprecated in 2.3.1) is CONTAINS written inside the package.
	for _, p := range pkgs {
		id, _ := str(p, "SPDXID")
		hf, _ := p["hasFiles"].([]any)
		for _, v := range hf {
			if s, ok := v.(string); ok {
				contains[id] = append(contains[id], s)
				related[id], related[s] = true, true
			}
		}
	}
	if dd, ok := root["documentDescribes"].([]any); ok {
		describes += len(dd)
		for _, v := range dd {
			if s, ok := v.(string); ok {
				related[s] = true
			}
		}
	}
	if describes == 0 {
		add(docID, RuleRelationships, false, "the document DESCRIBES nothing: no relationship names the primary package")
	}

	// Packages: name, version, supplier, a relationship, verification code.
	for i, p := range pkgs {
		el := named(pkgIDs[i], "packages", i)
		if n, _ := str(p, "name"); strings.TrimSpace(n) == "" {
			add(el, RuleName, false, "package has no name")
		}
		switch v, ok := str(p, "versionInfo"); {
		case !ok || strings.TrimSpace(v) == "":
			add(el, RuleVersion, false, "package has no versionInfo")
		case v == "NOASSERTION" || v == "NONE":
			add(el, RuleVersion, true, "versionInfo is %s", v)
		}
		switch s, ok := str(p, "supplier"); {
		case !ok || strings.TrimSpace(s) == "":
			add(el, RuleSupplier, false, "package has no supplier")
		case s == "NOASSERTION":
			add(el, RuleSupplier, true, "supplier is NOASSERTION")
		case !strings.HasPrefix(s, "Person:") && !strings.HasPrefix(s, "Organization:"):
			add(el, RuleSupplier, false, "supplier %q is not \"Person: ...\" or \"Organization: ...\"", s)
		}
		if pkgIDs[i] != "" && !related[pkgIDs[i]] {
			add(el, RuleRelationships, false, "package takes part in no relationship")
		}
		analyzed := true
		if fa, ok := p["filesAnalyzed"].(bool); ok {
			analyzed = fa
		}
		vc, _ := p["packageVerificationCode"].(map[string]any)
		switch {
		case analyzed && vc == nil:
			add(el, RuleVerificationCode, false, "filesAnalyzed is true but packageVerificationCode is missing")
		case !analyzed && vc != nil:
			add(el, RuleVerificationCode, false, "filesAnalyzed is false but packageVerificationCode is present")
		case vc != nil:
			got, _ := str(vc, "packageVerificationCodeValue")
			excluded, _ := vc["packageVerificationCodeExcludedFiles"].([]any)
			var shas []string
			complete := len(excluded) == 0
			for _, fid := range contains[pkgIDs[i]] {
				if s, ok := fileSHA1[fid]; ok {
					shas = append(shas, s)
				}
			}
			if complete && len(shas) > 0 {
				if want := verificationCode(shas); !strings.EqualFold(got, want) {
					add(el, RuleVerificationCode, false, "packageVerificationCode %s does not match the SHA-1s of the %d files the package CONTAINS (%s)", got, len(shas), want)
				}
			}
		}
	}
	return probs
}

// MarshalProblems is a helper for `validate --json`.
func MarshalProblems(ps []Problem) ([]byte, error) {
	if ps == nil {
		ps = []Problem{}
	}
	return json.MarshalIndent(ps, "", "  ")
}
