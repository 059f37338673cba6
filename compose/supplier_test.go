package compose

import (
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// Without --supplier, the installer's supplier comes from what it says of
// itself — its manufacturer, its signer's organisation, the owner of its
// pkg identifiers — with an annotation saying which; --supplier wins.
func TestInferredSupplier(t *testing.T) {
	rootOf := func(res *Result) *pkgNode {
		for _, p := range res.m.packages {
			if p.id == rootID {
				return p
			}
		}
		t.Fatal("no root")
		return nil
	}
	opts := Options{Created: testCreated, ToolVersion: "0.1.0"}
	pkg := mustCompose(t, pkgInventory(), opts)
	if r := rootOf(pkg); r.supplier != "Organization: macadmins (github.com)" || !strings.Contains(strings.Join(r.notes, "\n"), NoteSupplierFrom+` the supplier "macadmins (github.com)" owns the reverse-DNS identifiers`) {
		t.Errorf("pkg: supplier %q, notes %q", r.supplier, r.notes)
	}
	signed := embedZipInventory()
	signed.Problems = nil
	signed.Signatures = []inspect.Signature{{File: signed.Artifact.Name, Kind: "authenticode", DigestMatches: true,
		Signer: `CN=Python Software Foundation,O=Python Software Foundation\, Inc.,L=Beaverton,C=US`}}
	if r := rootOf(mustCompose(t, signed, opts)); r.supplier != "Organization: Python Software Foundation, Inc." {
		t.Errorf("signed: supplier %q, notes %q", r.supplier, r.notes)
	}
	signed.Signatures[0].DigestMatches = false
	if r := rootOf(mustCompose(t, signed, opts)); r.supplier != "" {
		t.Errorf("a signature whose digest does not match gave supplier %q", r.supplier)
	}
	opts.Supplier = "Organization: Given"
	if r := rootOf(mustCompose(t, pkgInventory(), opts)); r.supplier != "Organization: Given" || strings.Contains(strings.Join(r.notes, "\n"), NoteSupplierFrom) {
		t.Errorf("--supplier: %q, notes %q", r.supplier, r.notes)
	}
	for id, want := range map[string]string{"org.python.Python.PythonFramework-3.11": "python.org", "com.github.macadmins.Nudge": "macadmins (github.com)", "Nudge": "", "a.b": ""} {
		if got := identifierOwner(id); got != want {
			t.Errorf("identifierOwner(%q) = %q, want %q", id, got, want)
		}
	}
}
