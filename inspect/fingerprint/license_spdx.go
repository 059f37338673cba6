package fingerprint

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// spdxIDs indexes spdxLicenseList and spdxExceptionList by lower-case
// identifier: the list's spelling and whether it is deprecated.
type spdxID struct {
	id         string
	deprecated bool
}

var spdxIndex = sync.OnceValues(func() (licenses, exceptions map[string]spdxID) {
	index := func(list string) map[string]spdxID {
		m := map[string]spdxID{}
		for _, w := range strings.Fields(list) {
			id, dep := strings.CutSuffix(w, "*")
			m[strings.ToLower(id)] = spdxID{id, dep}
		}
		return m
	}
	return index(spdxLicenseList), index(spdxExceptionList)
})

// licenseRefRE is a LicenseRef (optionally in another document) as SPDX 2.3
// spells it: idstring is letters, digits, '.' and '-'.
var licenseRefRE = regexp.MustCompile(`^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$`)

// NormalizeLicenseExpression checks an SPDX licence expression (SPDX 2.3
// Annex D: identifiers of the SPDX License List, "+", LicenseRef-…,
// WITH an exception of the list, AND, OR, parentheses) and returns it in
// the list's spelling of each identifier, operators upper-case, single
// spaces. Text that is not such an expression ("MIT License", "SEE LICENSE
// IN LICENSE.md", "BSD") is an error.
func NormalizeLicenseExpression(s string) (string, error) {
	toks := licenseTokens(s)
	if len(toks) == 0 {
		return "", fmt.Errorf("empty licence expression")
	}
	p := &exprParser{toks: toks}
	if err := p.or(); err != nil {
		return "", fmt.Errorf("licence expression %q: %w", s, err)
	}
	if p.i != len(toks) {
		return "", fmt.Errorf("licence expression %q: unexpected %q", s, toks[p.i])
	}
	var b strings.Builder
	for i, t := range p.out {
		if i > 0 && t != ")" && p.out[i-1] != "(" {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String(), nil
}

// LicenseIDs returns the licence identifiers and LicenseRefs an expression
// names (without "+" and without exceptions), sorted and distinct; nil for
// an expression that does not parse.
func LicenseIDs(expr string) []string {
	toks := licenseTokens(expr)
	p := &exprParser{toks: toks}
	if len(toks) == 0 || p.or() != nil || p.i != len(toks) {
		return nil
	}
	sort.Strings(p.ids)
	out := p.ids[:0]
	for i, id := range p.ids {
		if i == 0 || id != p.ids[i-1] {
			out = append(out, id)
		}
	}
	return out
}

// DeprecatedLicenseIDs returns the identifiers of a valid expression that
// the SPDX License List deprecates (GPL-2.0 for GPL-2.0-only or
// GPL-2.0-or-later, wxWindows, ...).
func DeprecatedLicenseIDs(expr string) []string {
	lic, exc := spdxIndex()
	var out []string
	for _, t := range licenseTokens(expr) {
		k := strings.ToLower(strings.TrimSuffix(t, "+"))
		if e, ok := lic[k]; ok && e.deprecated {
			out = append(out, e.id)
		} else if e, ok := exc[k]; ok && e.deprecated {
			out = append(out, e.id)
		}
	}
	return out
}

func licenseTokens(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s)
	return strings.Fields(s)
}

// exprParser is a recursive-descent parser of SPDX licence expressions:
//
//	or   = and { "OR" and }
//	and  = with { "AND" with }
//	with = atom [ "WITH" exception ]
//	atom = "(" or ")" | license-id ["+"] | LicenseRef
type exprParser struct {
	toks []string
	i    int
	out  []string // normalised tokens
	ids  []string
}

func (p *exprParser) peekOp(op string) bool {
	return p.i < len(p.toks) && strings.EqualFold(p.toks[p.i], op)
}

func (p *exprParser) or() error {
	if err := p.and(); err != nil {
		return err
	}
	for p.peekOp("OR") {
		p.i++
		p.out = append(p.out, "OR")
		if err := p.and(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) and() error {
	if err := p.with(); err != nil {
		return err
	}
	for p.peekOp("AND") {
		p.i++
		p.out = append(p.out, "AND")
		if err := p.with(); err != nil {
			return err
		}
	}
	return nil
}

func (p *exprParser) with() error {
	if err := p.atom(); err != nil {
		return err
	}
	if !p.peekOp("WITH") {
		return nil
	}
	p.i++
	if p.i >= len(p.toks) {
		return fmt.Errorf("WITH without an exception")
	}
	_, exc := spdxIndex()
	e, ok := exc[strings.ToLower(p.toks[p.i])]
	if !ok {
		return fmt.Errorf("%q is not an exception of the SPDX License List", p.toks[p.i])
	}
	p.i++
	p.out = append(p.out, "WITH", e.id)
	return nil
}

func (p *exprParser) atom() error {
	if p.i >= len(p.toks) {
		return fmt.Errorf("expression ends early")
	}
	t := p.toks[p.i]
	p.i++
	switch {
	case t == "(":
		p.out = append(p.out, "(")
		if err := p.or(); err != nil {
			return err
		}
		if p.i >= len(p.toks) || p.toks[p.i] != ")" {
			return fmt.Errorf("unbalanced parenthesis")
		}
		p.i++
		p.out = append(p.out, ")")
		return nil
	case t == ")" || strings.EqualFold(t, "AND") || strings.EqualFold(t, "OR") || strings.EqualFold(t, "WITH"):
		return fmt.Errorf("unexpected %q", t)
	case licenseRefRE.MatchString(t):
		p.out = append(p.out, t)
		p.ids = append(p.ids, t)
		return nil
	}
	lic, _ := spdxIndex()
	id, plus := strings.CutSuffix(t, "+")
	e, ok := lic[strings.ToLower(id)]
	if !ok {
		return fmt.Errorf("%q is not an identifier of the SPDX License List", t)
	}
	if plus {
		p.out = append(p.out, e.id+"+")
	} else {
		p.out = append(p.out, e.id)
	}
	p.ids = append(p.ids, e.id)
	return nil
}
