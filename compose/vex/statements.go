package vex

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"
	"gopkg.in/yaml.v3"
)

// Statements is a release manager's triage file: who makes the statements
// and the statements.
type Statements struct {
	// Source names the file, for messages.
	Source string
	// Author and Role are the file's "author" and "role", when it is a
	// mapping; the --author and --role flags take precedence.
	Author, Role string
	Statements   []Statement
}

// Statement is one triage statement as written in the statements file.
type Statement struct {
	Vulnerability Vulnerability
	// Component names the component the statement is about; the zero value
	// means the installer itself.
	Component ComponentRef
	// Status is OpenVEX's: not_affected, affected, fixed,
	// under_investigation.
	Status string
	// Justification is OpenVEX's vocabulary; required for not_affected.
	Justification   string
	ImpactStatement string
	// ActionStatement is required for affected.
	ActionStatement string
	// Timestamp is when the statement was made, UTC; nil when not given.
	Timestamp *time.Time
	// Index is the statement's 1-based position in the file, Line its
	// line (0 when unknown).
	Index, Line int
}

// Vulnerability names a vulnerability: its identifier (CVE-…, GHSA-…) and
// other identifiers of the same vulnerability.
type Vulnerability struct {
	ID      string
	Aliases []string
}

// ComponentRef names a component of the installer by name (and version), by
// package URL, or by its SPDX identifier / bom-ref in the SBOM.
type ComponentRef struct {
	Name, Version, PURL, Ref string
}

// IsZero reports whether the reference names no component (a statement
// about the installer itself).
func (c ComponentRef) IsZero() bool { return c == ComponentRef{} }

func (c ComponentRef) String() string {
	switch {
	case c.IsZero():
		return "the installer"
	case c.Ref != "":
		return c.Ref
	case c.PURL != "":
		return c.PURL
	case c.Version != "":
		return c.Name + " " + c.Version
	}
	return c.Name
}

// Label names a statement in messages: "statement 2 (CVE-2019-12900 on
// bzip2, line 7)".
func (s *Statement) Label() string {
	id := s.Vulnerability.ID
	if id == "" {
		id = "no vulnerability"
	}
	l := fmt.Sprintf("statement %d (%s on %s", s.Index, id, s.Component)
	if s.Line > 0 {
		l += fmt.Sprintf(", line %d", s.Line)
	}
	return l + ")"
}

// MaxStatementsBytes bounds the statements file read into memory.
const MaxStatementsBytes = 16 << 20

// ParseStatements reads a statements file, YAML or JSON (JSON is read as
// YAML). It is either a list of statements or a mapping with "statements"
// and optionally "author" and "role". Each statement is a mapping:
//
//	vulnerability: CVE-2019-12900        # or {id: CVE-…, aliases: [GHSA-…]}
//	component: bzip2                     # or {name:, version:, purl:, ref:}; a "pkg:" string is a PURL;
//	                                     # leave it out for a statement about the installer itself
//	status: not_affected                 # affected, fixed, under_investigation
//	justification: vulnerable_code_not_in_execute_path
//	impact_statement: "…"
//	action_statement: "…"                # for affected
//	timestamp: 2025-01-31T12:00:00Z      # optional; RFC 3339 or a date
//
// Unknown keys, values of the wrong kind and bad timestamps are errors
// naming the statement and its line. Status and justification values are
// checked by New, which refuses the statement.
func ParseStatements(b []byte, name string) (*Statements, error) {
	if len(b) > MaxStatementsBytes {
		return nil, fmt.Errorf("%s: larger than the limit of %d bytes", name, MaxStatementsBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: no statements", name)
		}
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: more than one YAML document", name)
	}
	root := deref(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = deref(root.Content[0])
	}
	out := &Statements{Source: name}
	var list *yaml.Node
	switch root.Kind {
	case yaml.SequenceNode:
		list = root
	case yaml.MappingNode:
		for i := 0; i+1 < len(root.Content); i += 2 {
			k, v := root.Content[i].Value, deref(root.Content[i+1])
			var err error
			switch k {
			case "statements":
				if v.Kind != yaml.SequenceNode {
					return nil, fmt.Errorf("%s: line %d: statements is not a list", name, v.Line)
				}
				list = v
			case "author":
				out.Author, err = scalar(v, k)
			case "role":
				out.Role, err = scalar(v, k)
			default:
				return nil, fmt.Errorf("%s: line %d: unknown key %q (known: author, role, statements)", name, root.Content[i].Line, k)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %v", name, err)
			}
		}
		if list == nil {
			return nil, fmt.Errorf("%s: no \"statements\" list", name)
		}
	default:
		return nil, fmt.Errorf("%s: line %d: expected a list of statements or a mapping with \"statements\"", name, root.Line)
	}
	for i, n := range list.Content {
		s, err := parseStatement(deref(n), i+1)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		out.Statements = append(out.Statements, s)
	}
	if len(out.Statements) == 0 {
		return nil, fmt.Errorf("%s: no statements", name)
	}
	return out, nil
}

// statementKeys are the keys a statement may have.
const statementKeys = "vulnerability, component, status, justification, impact_statement, action_statement, timestamp"

func parseStatement(n *yaml.Node, index int) (Statement, error) {
	s := Statement{Index: index, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return s, fmt.Errorf("statement %d (line %d): not a mapping", index, n.Line)
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, deref(n.Content[i+1])
		if seen[k] {
			return s, fmt.Errorf("statement %d (line %d): %q given twice", index, n.Content[i].Line, k)
		}
		seen[k] = true
		var err error
		switch k {
		case "vulnerability":
			s.Vulnerability, err = parseVulnerability(v)
		case "component":
			s.Component, err = parseComponent(v)
		case "status":
			s.Status, err = scalar(v, k)
		case "justification":
			s.Justification, err = scalar(v, k)
		case "impact_statement":
			s.ImpactStatement, err = scalar(v, k)
		case "action_statement":
			s.ActionStatement, err = scalar(v, k)
		case "timestamp":
			var t string
			if t, err = scalar(v, k); err == nil && t != "" {
				var ts time.Time
				if ts, err = parseTime(t); err == nil {
					s.Timestamp = &ts
				} else {
					err = fmt.Errorf("line %d: timestamp %q: %v", v.Line, t, err)
				}
			}
		default:
			err = fmt.Errorf("line %d: unknown key %q (known: %s)", n.Content[i].Line, k, statementKeys)
		}
		if err != nil {
			return s, fmt.Errorf("%s: %v", s.Label(), err)
		}
	}
	return s, nil
}

func parseVulnerability(n *yaml.Node) (Vulnerability, error) {
	var v Vulnerability
	switch n.Kind {
	case yaml.ScalarNode:
		id, err := scalar(n, "vulnerability")
		v.ID = id
		return v, err
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i].Value, deref(n.Content[i+1])
			var err error
			switch k {
			case "id", "name":
				v.ID, err = scalar(val, "vulnerability "+k)
			case "aliases":
				v.Aliases, err = scalarList(val, "vulnerability aliases")
			default:
				err = fmt.Errorf("line %d: unknown vulnerability key %q (known: id, aliases)", n.Content[i].Line, k)
			}
			if err != nil {
				return v, err
			}
		}
		return v, nil
	}
	return v, fmt.Errorf("line %d: vulnerability is neither an identifier nor a mapping", n.Line)
}

func parseComponent(n *yaml.Node) (ComponentRef, error) {
	var c ComponentRef
	switch n.Kind {
	case yaml.ScalarNode:
		s, err := scalar(n, "component")
		if err != nil {
			return c, err
		}
		if strings.HasPrefix(s, "pkg:") {
			c.PURL = s
		} else {
			c.Name = s
		}
		if c.IsZero() {
			return c, fmt.Errorf("line %d: component is empty (leave it out for a statement about the installer itself)", n.Line)
		}
		return c, checkPURL(c, n)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i].Value, deref(n.Content[i+1])
			var err error
			switch k {
			case "name":
				c.Name, err = scalar(val, "component name")
			case "version":
				c.Version, err = scalar(val, "component version")
			case "purl":
				c.PURL, err = scalar(val, "component purl")
			case "ref", "bom-ref", "spdxid":
				c.Ref, err = scalar(val, "component "+k)
			default:
				err = fmt.Errorf("line %d: unknown component key %q (known: name, version, purl, ref)", n.Content[i].Line, k)
			}
			if err != nil {
				return c, err
			}
		}
		if c.IsZero() {
			return c, fmt.Errorf("line %d: component names nothing (give name, purl or ref)", n.Line)
		}
		return c, checkPURL(c, n)
	}
	return c, fmt.Errorf("line %d: component is neither a name, a PURL nor a mapping", n.Line)
}

func checkPURL(c ComponentRef, n *yaml.Node) error {
	if c.PURL == "" {
		return nil
	}
	if _, err := packageurl.FromString(c.PURL); err != nil {
		return fmt.Errorf("line %d: component purl %q: %v", n.Line, c.PURL, err)
	}
	return nil
}

// deref follows YAML aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 16; i++ {
		n = n.Alias
	}
	return n
}

// scalar is a scalar's text, trimmed; null is "".
func scalar(n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("line %d: %s is not a single value", n.Line, what)
	}
	if n.Tag == "!!null" {
		return "", nil
	}
	return strings.TrimSpace(n.Value), nil
}

func scalarList(n *yaml.Node, what string) ([]string, error) {
	if n.Kind == yaml.ScalarNode {
		s, err := scalar(n, what)
		if s == "" {
			return nil, err
		}
		return []string{s}, err
	}
	if n.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: %s is not a list", n.Line, what)
	}
	var out []string
	for _, e := range n.Content {
		s, err := scalar(deref(e), what)
		if err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// parseTime reads an RFC 3339 time or a date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if y := t.UTC().Year(); y < 1970 || y > 9999 {
				return time.Time{}, fmt.Errorf("outside the years 1970-9999")
			}
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an RFC 3339 time (2025-01-31T12:00:00Z) or a date (2025-01-31)")
}
