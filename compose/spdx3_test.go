package compose

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
	spdx3 "github.com/spdx/tools-golang/spdx/v3/v3_0"
)

// Golden SPDX 3.0.1 outputs; regenerate with
// `go test ./compose -run TestSPDX3Golden -update` and review the diff.
func TestSPDX3Golden(t *testing.T) {
	cases := []struct {
		file string
		res  func(t *testing.T) *Result
	}{
		{"pkg.spdx3.json", goldenPkg},
		{"burn.spdx3.json", func(t *testing.T) *Result { return mustCompose(t, burnInventory(), cpythonOptions(t)) }},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			format, ok := FormatForFile(c.file)
			if !ok || format.Name != FormatSPDX3JSON {
				t.Fatalf("%s is not an SPDX 3 file name: %+v", c.file, format)
			}
			var buf bytes.Buffer
			if err := format.Write(&buf, c.res(t)); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, c.file, buf.Bytes())
		})
	}
}

func TestSPDX3Format(t *testing.T) {
	f, ok := LookupFormat(FormatSPDX3JSON)
	if !ok || f.Ext != ".spdx3.json" || f.MediaType != "application/spdx3+json" {
		t.Fatalf("format %+v %v", f, ok)
	}
	if g, _ := FormatForFile("x.spdx3.json"); g.Name != FormatSPDX3JSON {
		t.Errorf("x.spdx3.json is %q", g.Name)
	}
	if g, _ := FormatForFile("x.spdx.json"); g.Name != FormatSPDXJSON {
		t.Errorf("x.spdx.json is %q", g.Name)
	}
}

func spdx3Bytes(t testing.TB, res *Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteSPDX3JSON(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Every variant reads back with tools-golang's SPDX 3 reader, validates,
// and says what the SPDX 2.3 document of the same result says.
func TestSPDX3MatchesSPDX23(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			res := mustCompose(t, v.inv(), v.opts(t))
			checkSPDX3Matches(t, res, spdx3Bytes(t, res))
		})
	}
}

// Same input, same bytes: two writes of one result and the writes of two
// composes of the same inventory.
func TestSPDX3Deterministic(t *testing.T) {
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			res := mustCompose(t, v.inv(), v.opts(t))
			a, b := spdx3Bytes(t, res), spdx3Bytes(t, res)
			c := spdx3Bytes(t, mustCompose(t, v.inv(), v.opts(t)))
			if !bytes.Equal(a, b) || !bytes.Equal(a, c) {
				t.Errorf("two writes differ")
			}
		})
	}
}

// Known licenses become LicenseExpression elements tied by
// hasConcludedLicense / hasDeclaredLicense, NONE the NoneLicense
// individual; unknown licenses have no relationship at all.
func TestSPDX3Licenses(t *testing.T) {
	res := goldenPkg(t)
	root, sub := res.m.packages[0], res.m.packages[1]
	root.licenseConcluded, root.licenseDeclared = "MIT OR LicenseRef-custom", "NONE"
	sub.licenseDeclared = "MIT OR LicenseRef-custom"
	b := spdx3Bytes(t, res)
	checkSPDX3Matches(t, res, b)
	doc := readSPDX3(t, b)
	type lic struct{ from, typ, expr string }
	var got []lic
	exprs := 0
	for _, e := range doc.Elements {
		switch e := e.(type) {
		case *spdx3.Relationship:
			typ := short(e.Type.GetID())
			if !strings.HasSuffix(typ, "License") {
				continue
			}
			if len(e.To) != 1 {
				t.Fatalf("%s to %d elements", typ, len(e.To))
			}
			expr := ""
			switch l := e.To[0].(type) {
			case *spdx3.LicenseExpression:
				expr = l.LicenseExpression
			case *spdx3.IndividualLicensingInfo:
				expr = short(l.ID)
			}
			got = append(got, lic{short(e.From.GetID()), typ, expr})
		case *spdx3.LicenseExpression:
			exprs++
		}
	}
	// The LicenseRef is defined in the document: the expression maps it to
	// a SimpleLicensingText element that holds a text.
	texts := map[string]*spdx3.SimpleLicensingText{}
	for _, e := range doc.Elements {
		if lt, ok := e.(*spdx3.SimpleLicensingText); ok {
			texts[lt.ID] = lt
		}
	}
	defined := false
	for _, e := range doc.Elements {
		if l, ok := e.(*spdx3.LicenseExpression); ok && l.LicenseExpression == "MIT OR LicenseRef-custom" {
			for _, d := range l.CustomIdToUris {
				entry, _ := d.(*spdx3.DictionaryEntry)
				if entry != nil && entry.Key == "LicenseRef-custom" && texts[entry.Value] != nil && texts[entry.Value].LicenseText != "" {
					defined = true
				}
			}
		}
	}
	if !defined || len(texts) != 1 {
		t.Errorf("LicenseRef-custom not defined once by a SimpleLicensingText (%d texts)", len(texts))
	}
	sort.Slice(got, func(i, j int) bool { return got[i].from+got[i].typ < got[j].from+got[j].typ })
	want := []lic{
		{"SPDXRef-Installer", "hasConcludedLicense", "MIT OR LicenseRef-custom"},
		{"SPDXRef-Installer", "hasDeclaredLicense", "NoneLicense"},
		{elementRef(sub.id), "hasDeclaredLicense", "MIT OR LicenseRef-custom"},
	}
	sort.Slice(want, func(i, j int) bool { return want[i].from+want[i].typ < want[j].from+want[j].typ })
	if !slices.Equal(got, want) {
		t.Errorf("license relationships\n got %v\nwant %v", got, want)
	}
	// One element per distinct expression, plus the data license.
	if exprs != 2 {
		t.Errorf("%d license expressions, want 2 (CC0-1.0 and the shared one)", exprs)
	}
}

// A document composed from an installer that could not be read completely
// says so in the SpdxDocument's comment, as SPDX 2.3 does in its
// documentComment.
func TestSPDX3Incomplete(t *testing.T) {
	inv := pkgInventory()
	inv.Problems = append(inv.Problems, inspect.Problem{Path: inv.Artifact.Name, Layer: "xar", Severity: "error", Message: "truncated"})
	res := mustCompose(t, inv, Options{Created: testCreated, ToolVersion: "0.1.0"})
	b := spdx3Bytes(t, res)
	checkSPDX3Matches(t, res, b)
	doc := readSPDX3(t, b)
	if doc.Comment != incompleteComment || !strings.HasPrefix(doc.Comment, NoteIncomplete) {
		t.Errorf("document comment %q", doc.Comment)
	}
	if res.Document().DocumentComment != doc.Comment {
		t.Errorf("SPDX 2.3 says %q, SPDX 3 %q", res.Document().DocumentComment, doc.Comment)
	}
	if c := readSPDX3(t, spdx3Bytes(t, goldenPkg(t))).Comment; c != "" {
		t.Errorf("a complete document has the comment %q", c)
	}
}

// A real embeddable zip of CPython, read by the real walker: the SPDX 3
// document says what the SPDX 2.3 document says about its hundreds of
// files and components.
func TestSPDX3RealEmbedZip(t *testing.T) {
	res := mustCompose(t, realEmbedZip(t), cpythonOptions(t))
	b := spdx3Bytes(t, res)
	checkSPDX3Matches(t, res, b)
	if !bytes.Equal(b, spdx3Bytes(t, res)) {
		t.Errorf("two writes differ")
	}
}

func readSPDX3(t testing.TB, b []byte) *spdx3.Document {
	t.Helper()
	doc := &spdx3.Document{}
	if err := doc.FromJSON(bytes.NewReader(b)); err != nil {
		t.Fatalf("tools-golang cannot read the SPDX 3 document: %v", err)
	}
	if err := checkSPDX3(b); err != nil {
		t.Fatalf("the SPDX 3 document is invalid: %v", err)
	}
	return doc
}

// short is the last segment of an IRI: a vocabulary value
// (".../RelationshipType/contains" → "contains") or an element's SPDX 2.3
// identifier ("<namespace>#SPDXRef-x" → "SPDXRef-x").
func short(iri string) string {
	if i := strings.LastIndexAny(iri, "/#"); i >= 0 {
		return iri[i+1:]
	}
	return iri
}

// The SPDX 3 vocabulary the SPDX 2.3 values map to, written out here
// independently of the writer's tables.
var (
	wantPurpose = map[string]string{"INSTALL": "install", "LIBRARY": "library", "APPLICATION": "application",
		"ARCHIVE": "archive", "BINARY": "executable", "SOURCE": "source", "DOCUMENTATION": "documentation", "OTHER": "other"}
	wantHash   = map[string]string{"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512", "MD5": "md5", "SHA3-256": "sha3_256", "BLAKE2b-256": "blake2b256"}
	wantIDType = map[string]string{"purl": "packageUrl", "cpe23Type": "cpe23", "cpe22Type": "cpe22", "swid": "swid", "npm": "npm", "advisory": "securityAdvisory"}
)

func agentName(a spdx3.AnyAgent) string {
	if a == nil {
		return ""
	}
	typ := ""
	switch a.(type) {
	case *spdx3.Person:
		typ = "Person"
	case *spdx3.Organization:
		typ = "Organization"
	case *spdx3.SoftwareAgent:
		typ = "Tool"
	}
	name := a.GetName()
	for _, id := range a.GetExternalIdentifiers() {
		if id, ok := id.(*spdx3.ExternalIdentifier); ok && short(id.Type.GetID()) == "email" {
			name += " (" + id.Identifier + ")"
		}
	}
	return typ + ": " + name
}

// checkSPDX3Matches reads an SPDX 3 document back with tools-golang and
// checks it against the SPDX 2.3 document of the same result, element by
// element: the same packages (name, version, purpose, supplier,
// originator, checksums, verification code, identifiers, licenses,
// annotations), files (name, hashes, purposes), relationships and
// creation information. Reading back through the library's typed model
// also catches misspelt property names, which its reader ignores.
func checkSPDX3Matches(t *testing.T, res *Result, b []byte) {
	t.Helper()
	d23, err := res.SPDX()
	if err != nil {
		t.Fatal(err)
	}
	doc := readSPDX3(t, b)
	ns := d23.DocumentNamespace + "#"
	if doc.ID != ns+"SPDXRef-DOCUMENT" || doc.Name != d23.DocumentName {
		t.Errorf("document %q %q", doc.ID, doc.Name)
	}
	if len(doc.RootElements) != 1 || doc.RootElements[0].GetID() != ns+RootID {
		t.Errorf("root elements %v", doc.RootElements)
	}
	if l, ok := doc.DataLicense.(*spdx3.LicenseExpression); !ok || l.LicenseExpression != "CC0-1.0" {
		t.Errorf("data license %#v", doc.DataLicense)
	}
	if doc.Comment != d23.DocumentComment {
		t.Errorf("document comment %q, SPDX 2.3 %q", doc.Comment, d23.DocumentComment)
	}

	// Creation information.
	ci, ok := doc.CreationInfo.(*spdx3.CreationInfo)
	if !ok {
		t.Fatalf("creation info %#v", doc.CreationInfo)
	}
	if ci.SpecVersion != "3.0.1" || ci.Created.UTC().Format("2006-01-02T15:04:05Z") != d23.CreationInfo.Created {
		t.Errorf("creation info %q %v, SPDX 2.3 created %q", ci.SpecVersion, ci.Created, d23.CreationInfo.Created)
	}
	var creators, createdBy []string
	for _, c := range d23.CreationInfo.Creators {
		creators = append(creators, c.CreatorType+": "+c.Creator)
	}
	for _, a := range ci.CreatedBy {
		createdBy = append(createdBy, agentName(a))
	}
	slices.Sort(creators)
	slices.Sort(createdBy)
	if !slices.Equal(creators, createdBy) {
		t.Errorf("createdBy %v, SPDX 2.3 creators %v", createdBy, creators)
	}
	if len(ci.CreatedUsing) != 1 || "Tool: "+ci.CreatedUsing[0].GetName() != creators[slices.IndexFunc(creators, func(s string) bool { return strings.HasPrefix(s, "Tool: ") })] {
		t.Errorf("createdUsing %v", ci.CreatedUsing)
	}

	// Index the SPDX 3 elements by their SPDX 2.3 identifier.
	pkgs := map[string]*spdx3.Package{}
	files := map[string]*spdx3.File{}
	notes := map[string][]string{}
	var rels []string
	licenses := map[string]string{} // "<id> <type>" -> expression
	for _, e := range doc.Elements {
		if e.GetCreationInfo() != doc.CreationInfo {
			t.Errorf("%s has its own creation info", e.GetID())
		}
		switch e := e.(type) {
		case *spdx3.Package:
			pkgs[short(e.ID)] = e
		case *spdx3.File:
			if e.Comment == "The installer file itself." {
				continue // SPDX 3's distribution artifact of the installer; 2.3 has packageFileName
			}
			files[short(e.ID)] = e
		case *spdx3.Annotation:
			if short(e.Type.GetID()) != "other" {
				t.Errorf("annotation type %s", e.Type.GetID())
			}
			notes[short(e.Subject.GetID())] = append(notes[short(e.Subject.GetID())], e.Statement)
		case *spdx3.Relationship:
			typ := short(e.Type.GetID())
			if len(e.To) != 1 {
				t.Errorf("relationship %s has %d targets", e.ID, len(e.To))
				continue
			}
			if typ == "hasConcludedLicense" || typ == "hasDeclaredLicense" {
				expr := "NONE"
				if l, ok := e.To[0].(*spdx3.LicenseExpression); ok {
					expr = l.LicenseExpression
				} else if e.To[0].GetID() != spdx3NoneLicense {
					t.Errorf("%s to %s", typ, e.To[0].GetID())
				}
				licenses[short(e.From.GetID())+" "+typ] = expr
				continue
			}
			if typ == "hasDistributionArtifact" {
				continue // SPDX 3's packageFileName; checked in TestSPDX3DistributionArtifacts
			}
			rels = append(rels, strings.Join([]string{short(e.From.GetID()), typ, short(e.To[0].GetID()), e.Comment}, " "))
		}
	}
	if len(pkgs) != len(d23.Packages) || len(files) != len(d23.Files) {
		t.Errorf("%d packages and %d files, SPDX 2.3 has %d and %d", len(pkgs), len(files), len(d23.Packages), len(d23.Files))
	}

	// Relationships: SPDX 2.3's DESCRIBES is SPDX 3's rootElement.
	rel3 := map[string]string{"CONTAINS": "contains", "STATIC_LINK": "hasStaticLink", "DYNAMIC_LINK": "hasDynamicLink", "DEPENDS_ON": "dependsOn", "OTHER": "other"}
	var want []string
	for _, r := range d23.Relationships {
		if r.Relationship == "DESCRIBES" {
			continue
		}
		want = append(want, strings.Join([]string{"SPDXRef-" + string(r.RefA.ElementRefID), rel3[r.Relationship], "SPDXRef-" + string(r.RefB.ElementRefID), r.RelationshipComment}, " "))
	}
	slices.Sort(want)
	slices.Sort(rels)
	if !slices.Equal(rels, want) {
		t.Errorf("%d relationships, SPDX 2.3 has %d (without DESCRIBES)", len(rels), len(want))
		for _, r := range rels {
			if !slices.Contains(want, r) {
				t.Errorf("  only in SPDX 3: %s", r)
			}
		}
		for _, r := range want {
			if !slices.Contains(rels, r) {
				t.Errorf("  only in SPDX 2.3: %s", r)
			}
		}
	}

	hashes := func(l spdx3.IntegrityMethodList) (hs []string, code string) {
		for _, m := range l {
			switch m := m.(type) {
			case *spdx3.Hash:
				hs = append(hs, short(m.Algorithm.GetID())+":"+m.Value)
			case *spdx3.PackageVerificationCode:
				code = m.HashValue
			}
		}
		slices.Sort(hs)
		return hs, code
	}

	for _, p := range d23.Packages {
		id := "SPDXRef-" + string(p.PackageSPDXIdentifier)
		q := pkgs[id]
		if q == nil {
			t.Errorf("package %s is not in the SPDX 3 document", id)
			continue
		}
		version := p.PackageVersion
		if version == "NOASSERTION" {
			version = ""
		}
		if q.Name != p.PackageName || q.Version != version || short(q.PrimaryPurpose.GetID()) != wantPurpose[p.PrimaryPackagePurpose] {
			t.Errorf("package %s: %q %q %q, SPDX 2.3 %q %q %q", id, q.Name, q.Version, q.PrimaryPurpose.GetID(), p.PackageName, version, p.PrimaryPackagePurpose)
		}
		if q.Comment != p.PackageComment || q.SourceInfo != p.PackageSourceInfo {
			t.Errorf("package %s comment/source info %q %q", id, q.Comment, q.SourceInfo)
		}
		if cp := known(p.PackageCopyrightText); q.CopyrightText != cp {
			t.Errorf("package %s copyright %q, SPDX 2.3 %q", id, q.CopyrightText, p.PackageCopyrightText)
		}
		if dl := p.PackageDownloadLocation; isURL(dl) != (q.DownloadLocation != "") || (isURL(dl) && string(q.DownloadLocation) != dl) {
			t.Errorf("package %s download %q, SPDX 2.3 %q", id, q.DownloadLocation, dl)
		}
		sup := ""
		if p.PackageSupplier != nil && p.PackageSupplier.Supplier != "NOASSERTION" {
			sup = p.PackageSupplier.SupplierType + ": " + p.PackageSupplier.Supplier
		}
		if got := agentName(q.SuppliedBy); (sup == "" && q.SuppliedBy != nil) || (sup != "" && got != sup) {
			t.Errorf("package %s supplier %q, SPDX 2.3 %q", id, got, sup)
		}
		orig := ""
		if o := p.PackageOriginator; o != nil && o.Originator != "NOASSERTION" {
			orig = o.OriginatorType + ": " + o.Originator
		}
		if (orig == "") != (len(q.OriginatedBy) == 0) || (orig != "" && agentName(q.OriginatedBy[0]) != orig) {
			t.Errorf("package %s originator %v, SPDX 2.3 %q", id, q.OriginatedBy, orig)
		}
		var want []string
		for _, c := range p.PackageChecksums {
			want = append(want, wantHash[string(c.Algorithm)]+":"+c.Value)
		}
		slices.Sort(want)
		got, code := hashes(q.VerifiedUsing)
		if !slices.Equal(got, want) {
			t.Errorf("package %s hashes %v, SPDX 2.3 %v", id, got, want)
		}
		wantCode := ""
		if p.PackageVerificationCode != nil {
			wantCode = p.PackageVerificationCode.Value
		}
		if code != wantCode {
			t.Errorf("package %s verification code %q, SPDX 2.3 %q", id, code, wantCode)
		}
		// Every external reference is an identifier or a reference; the
		// first PURL is also software_packageUrl.
		var ids []string
		for _, x := range q.ExternalIdentifiers {
			x := x.(*spdx3.ExternalIdentifier)
			ids = append(ids, short(x.Type.GetID())+" "+x.Identifier)
		}
		for _, x := range q.ExternalRefs {
			x := x.(*spdx3.ExternalRef)
			ids = append(ids, short(x.Type.GetID())+" "+strings.Join(x.Locators, " "))
		}
		purl := ""
		for _, r := range p.PackageExternalReferences {
			if r.RefType == "purl" && purl == "" {
				purl = r.Locator
			}
			typ := wantIDType[r.RefType]
			if typ == "" {
				typ = "other"
			}
			if !slices.Contains(ids, typ+" "+r.Locator) {
				t.Errorf("package %s: %s %s is not an identifier (%v)", id, r.RefType, r.Locator, ids)
			}
		}
		if len(ids) != len(p.PackageExternalReferences) || string(q.PackageURL) != purl {
			t.Errorf("package %s identifiers %v purl %q, SPDX 2.3 %d refs, purl %q", id, ids, q.PackageURL, len(p.PackageExternalReferences), purl)
		}
		for typ, l := range map[string]string{"hasConcludedLicense": p.PackageLicenseConcluded, "hasDeclaredLicense": p.PackageLicenseDeclared} {
			got, ok := licenses[id+" "+typ]
			if (l == "NOASSERTION") == ok || (ok && got != l) {
				t.Errorf("package %s %s %q (%v), SPDX 2.3 %q", id, typ, got, ok, l)
			}
		}
		var wantNotes []string
		for _, a := range p.Annotations {
			wantNotes = append(wantNotes, a.AnnotationComment)
		}
		slices.Sort(wantNotes)
		gotNotes := slices.Sorted(slices.Values(notes[id]))
		if !slices.Equal(gotNotes, wantNotes) {
			t.Errorf("package %s: %d annotations, SPDX 2.3 has %d", id, len(gotNotes), len(wantNotes))
		}
	}

	for _, f := range d23.Files {
		id := "SPDXRef-" + string(f.FileSPDXIdentifier)
		g := files[id]
		if g == nil {
			t.Errorf("file %s is not in the SPDX 3 document", id)
			continue
		}
		if g.Name != f.FileName || g.Comment != f.FileComment || short(g.Kind.GetID()) != "file" {
			t.Errorf("file %s: %q %q %q, SPDX 2.3 %q %q", id, g.Name, g.Comment, g.Kind.GetID(), f.FileName, f.FileComment)
		}
		var want []string
		for _, c := range f.Checksums {
			want = append(want, wantHash[string(c.Algorithm)]+":"+c.Value)
		}
		slices.Sort(want)
		if got, _ := hashes(g.VerifiedUsing); !slices.Equal(got, want) {
			t.Errorf("file %s hashes %v, SPDX 2.3 %v", id, got, want)
		}
		var purposes, wantPurposes []string
		if p := short(g.PrimaryPurpose.GetID()); p != "" {
			purposes = append(purposes, p)
		}
		for _, p := range g.AdditionalPurposes {
			purposes = append(purposes, short(p.GetID()))
		}
		for _, typ := range f.FileTypes {
			if p := wantPurpose[typ]; p != "" {
				wantPurposes = append(wantPurposes, p)
			}
		}
		if !slices.Equal(purposes, wantPurposes) {
			t.Errorf("file %s purposes %v, SPDX 2.3 types %v", id, purposes, f.FileTypes)
		}
	}

	checkSPDX3Graph(t, b)
}

// checkSPDX3Graph checks the JSON itself: the context, one CreationInfo, one
// SpdxDocument whose element list names every other element once, and
// unique identifiers.
func checkSPDX3Graph(t *testing.T, b []byte) {
	t.Helper()
	var d struct {
		Context string `json:"@context"`
		Graph   []struct {
			Type    string   `json:"type"`
			ID      string   `json:"spdxId"`
			Element []string `json:"element"`
		} `json:"@graph"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Context != SPDX3Context || len(d.Graph) < 2 || d.Graph[0].Type != "CreationInfo" || d.Graph[1].Type != "SpdxDocument" {
		t.Fatalf("context %q, graph starts %+v", d.Context, d.Graph[:min(2, len(d.Graph))])
	}
	checkSPDX3Terms(t, b)
	var ids []string
	for _, n := range d.Graph[2:] {
		if n.Type == "CreationInfo" || n.Type == "SpdxDocument" {
			t.Errorf("a second %s", n.Type)
		}
		ids = append(ids, n.ID)
	}
	if !slices.Equal(ids, d.Graph[1].Element) {
		t.Errorf("the document's element list (%d) is not the graph's elements (%d)", len(d.Graph[1].Element), len(ids))
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != len(d.Graph)-2 {
		t.Errorf("duplicate identifiers")
	}
}

// checkSPDX3Terms checks that every property name and every type in the
// document is a term of the SPDX 3.0.1 JSON-LD context (tools-golang carries
// a copy of spdx-context.jsonld): its reader silently ignores properties it
// does not know, so a misspelt name would otherwise go unnoticed.
func checkSPDX3Terms(t *testing.T, b []byte) {
	t.Helper()
	doc := &spdx3.Document{}
	if err := doc.FromJSON(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	p, ok := doc.LDContext.(interface {
		LDContexts() map[string]map[string]any
	})
	if !ok {
		t.Fatal("tools-golang's JSON-LD context is not readable")
	}
	terms, _ := p.LDContexts()[SPDX3Context]["@context"].(map[string]any)
	if len(terms) < 100 {
		t.Fatalf("the SPDX 3.0.1 context has %d terms", len(terms))
	}
	var raw any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	bad := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, x := range v {
				walk(x)
			}
		case map[string]any:
			for k, x := range v {
				switch k {
				case "@context", "@graph", "@id":
				case "type":
					if _, ok := terms[x.(string)]; !ok {
						bad["type "+x.(string)] = true
					}
				default:
					if _, ok := terms[k]; !ok {
						bad[k] = true
					}
				}
				walk(x)
			}
		}
	}
	walk(raw)
	if len(bad) > 0 {
		t.Errorf("not in the SPDX 3.0.1 context: %v", sortedKeys(bad))
	}
}

// A package distributed as one file names that file: the installer its own
// software_File, a dynamically linked library its DLL.
func TestSPDX3DistributionArtifacts(t *testing.T) {
	res := mustCompose(t, burnInventory(), cpythonOptions(t))
	doc := readSPDX3(t, spdx3Bytes(t, res))
	got := map[string]string{}
	for _, e := range doc.Elements {
		if r, ok := e.(*spdx3.Relationship); ok && short(r.Type.GetID()) == "hasDistributionArtifact" {
			if f, ok := r.To[0].(*spdx3.File); ok {
				got[short(r.From.GetID())] = f.Name
			}
		}
	}
	if got["SPDXRef-Installer"] != "python-3.13.15-amd64.exe" {
		t.Errorf("installer's artifact %q (all %v)", got["SPDXRef-Installer"], got)
	}
	found := false
	for from, name := range got {
		found = found || strings.HasPrefix(from, "SPDXRef-Library-cpython") && strings.HasSuffix(name, "/python313.dll")
	}
	if !found {
		t.Errorf("cpython's DLL is not its distribution artifact: %v", got)
	}
}
