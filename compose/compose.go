// Package compose turns an inspect.Inventory, and optionally the project's
// own source SBOMs, into one format-neutral document per installer (model.go)
// and renders it in each registered output format (formats.go: SPDX 2.3 JSON
// and tag-value, CycloneDX 1.6 JSON); it also validates SPDX documents
// against the SPDX 2.3 JSON schema and the NTIA minimum elements.
//
// Files, by concern: compose.go (entry point, options, result), model.go
// (the neutral document), root.go, subinstallers.go, files.go,
// components.go and merge.go (building the model from the inventory and the
// source SBOMs), source.go (reading source SBOMs), ids.go, agents.go,
// vocabulary.go (annotation keywords and property names shared with the
// readers in sbomdiff), listing.go (what a document lists, for verify and
// diff), formats.go and one file per writer (spdx.go, spdx_tagvalue.go,
// spdx3.go, cyclonedx.go), jsonparts.go (the JSON writers check and write
// their document a part at a time), limits.go (what writing a document may
// cost), validate.go and profiles.go (every format, and the NTIA/CISA/BSI
// field lists).
//
// Every package and file in the document comes from the installer's bytes;
// the source SBOMs only add facts the bytes cannot show (license, download
// location, a version the binary does not carry). What the document says and
// why is recorded in annotations whose comments start with a fixed keyword
// so that people and tools (verify, diff) can read them back:
//
//	evidence:                where in which file a component was found
//	source-sbom:             which source-SBOM entry a component was merged with
//	version-from-source-sbom: the bytes show no version; it was taken from the source SBOM
//	version-conflict:        the bytes and the source SBOM disagree; the bytes' version is kept
//	version-ambiguous:       the bytes show no version and the source SBOMs disagree
//	not-embedded:            a sub-installer the bundle downloads on demand
//	unverified:              a source-SBOM package not found in the installer (--include-unverified)
//	inspection-problem:      a problem inspect reported: "error" (bytes not read) or "warning"
//	incomplete:              the document lists less than the installer holds (inspect reported errors)
//	not-present:             a file the installer expects beside it (uncompressed source) that was not there
//	supplier-from:           where the installer's supplier came from when --supplier was not given
//	cpe-alternate:           a CPE a source SBOM gives besides the primary one (rule vendor/product, NVD version form)
//	license-from-product:    the installer's (or a built-in sub-installer's) licence is its product's
//	version-from-bytes:      the installer's version from its own metadata or its CPython
//	versionless-sighting:    files that carry a component without a version, merged into its only version
//	version-unknown:         a versionless sighting of a component the bytes show at several versions
//	license-from-text:       the concluded licence comes from licence texts in the installer (file, coverage %)
//	license-from-rule-data:  no licence text: the concluded licence is the one installer-sbom's rule data declares
//	license-from-metadata:   no licence text: the concluded licence is the one the component's own metadata declares
//	install-action:          something the (sub-)installer runs or changes when it installs (ActionLine)
//
// Layout, for readers such as verify and diff: the installer is the package
// RootID, DESCRIBED by the document; each sub-installer is a package with
// purpose INSTALL that the installer (or its enclosing sub-installer)
// CONTAINS; every file of the inventory is in the document's file list,
// named "./" + its nested inventory path, with SHA-1 and SHA-256, and is
// CONTAINed by exactly one package; every fingerprinted component is a
// LIBRARY package. Identifiers are "SPDXRef-<kind>-<name>-<12 hex digits of
// a SHA-256 over the element's identity>", so they stay the same when
// unrelated elements change; the CycloneDX writer uses the same strings as
// bom-refs. The annotation keywords, and the CycloneDX property names that
// carry them, are constants in vocabulary.go.
//
// The installer's signature-invariant identity (inspect.Artifact.Identity)
// is recorded as an external reference of the root package with category
// OTHER, type "installer-sbom-identity" and locator "<algorithm>:<hex digest>",
// e.g. "authenticode-sha256:9f86d0…". See IdentityRefType.
package compose

import (
	"errors"
	"fmt"
	cdx "github.com/CycloneDX/cyclonedx-go"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// DefaultNamespaceBase is used when Options.NamespaceBase is empty.
const DefaultNamespaceBase = "https://spdx.org/spdxdocs/installer-sbom"

// Options are what the caller knows about the installer beyond its bytes.
type Options struct {
	// Name and Version of the product the installer installs. Name
	// defaults to the name the installer gives itself, else its file name;
	// Version to the version the installer declares. When the product is
	// CPython (Name "Python", "CPython", "Python <anything>", or no Name and
	// an installer file named python-X.Y...), Version defaults to the
	// version of the cpython component found in the bytes and the root
	// gets CPython's CPE, cpe:2.3:a:python:python:<version>.
	Name, Version string
	// Supplier is "Organization: X", "Person: Y" or a bare organisation
	// name. Empty means unknown (NOASSERTION in SPDX).
	Supplier         string
	DownloadLocation string
	// NamespaceBase defaults to DefaultNamespaceBase.
	NamespaceBase string
	// Creators are extra creators ("Organization: PSF", "Person: ...").
	Creators []string
	// ToolVersion makes the creator "Tool: installer-sbom-<ToolVersion>".
	ToolVersion string
	// Created is the document's creation time (SOURCE_DATE_EPOCH or now);
	// it is written in UTC at second precision. It must be set.
	Created time.Time
	// CPE and PURL of the installed product, when the caller knows them.
	CPE, PURL string
	// License is the licence of the product the installer installs, an
	// SPDX expression, when the caller knows it (BSI TR-03183-2 asks for
	// the distribution licence of the installer).
	License     string
	SourceSBOMs []SourceSBOM
	// IncludeUnverified keeps source-SBOM packages that are not found in
	// the installer, annotated as unverified.
	IncludeUnverified bool
	// Strict is the caller's --strict: it does not change the document.
	// Compose never fails on a conflict; under Strict the caller fails
	// (exit 1) when Result.Conflicts is not empty, after writing the
	// document and listing the conflicts.
	Strict bool
	// Limits bound what the writers may spend on a document; a writer
	// refuses (an error matching inspect.ErrLimit) a document beyond them.
	Limits Limits
}

// Result is a composed document and what the caller should tell the user.
// It holds the format-neutral model; the writers registered in Formats
// render it (SPDX and Document give it as an SPDX 2.3 document).
type Result struct {
	// Unverified lists source-SBOM packages not found in the installer.
	Unverified []string
	// Conflicts lists versions on which the bytes and the source SBOMs
	// disagree, or on which the source SBOMs disagree among themselves
	// when the bytes show no version.
	Conflicts []string
	// Vulnerabilities are triage statements about this installer's
	// components in CycloneDX's VEX form (compose --vex, built by package
	// vex against this document's bom-refs); the CycloneDX writers put
	// them in the document, the SPDX ones have no place for them.
	Vulnerabilities []cdx.Vulnerability

	m      *model
	limits Limits

	// The SPDX 2.3 rendering, checked against the schema once for every
	// SPDX 2.3 writer, and the whole document, built only when asked for
	// (SPDX): the JSON writer renders a part at a time.
	spdxOnce      sync.Once
	spdxRendering *spdxRendering
	spdxErr       error
	spdxDocOnce   sync.Once
	spdxDoc       *v2_3.Document
	spdxDocErr    error
}

// Compose builds the format-neutral document for one inventory. Packages,
// files and relationships are sorted and identifiers are derived from
// content, so the same inventory and options give the same bytes in every
// format. Each writer checks its own output (see Formats).
func Compose(inv *inspect.Inventory, opts Options) (*Result, error) {
	if inv == nil {
		return nil, errors.New("compose: nil inventory")
	}
	if opts.Created.IsZero() {
		return nil, errors.New("compose: Options.Created is not set (pass SOURCE_DATE_EPOCH or the current time)")
	}
	if y := opts.Created.UTC().Year(); y < 1970 || y > 9999 {
		return nil, fmt.Errorf("compose: creation time %v is outside the years 1970-9999", opts.Created)
	}
	if err := checkArtifact(inv); err != nil {
		return nil, err
	}
	inv, pep770 := splitPEP770(inv)
	opts.SourceSBOMs = append(append([]SourceSBOM(nil), opts.SourceSBOMs...), pep770...)
	b := &builder{inv: inv, opts: opts, res: &Result{}}
	if err := b.build(); err != nil {
		return nil, err
	}
	b.res.m, b.res.limits = b.m, opts.Limits.orDefaults()
	return b.res, nil
}

// splitPEP770 takes out the components known only from an SBOM a wheel
// ships (PEP 770, *.dist-info/sboms/): such a document is the project's
// own claim, merged under the same rules as a --source-sbom — confirmed by
// the bytes (a library its rules find in the grafted file), else named as
// unverified and kept only with IncludeUnverified. One source SBOM per
// document; the inventory given is not changed.
func splitPEP770(inv *inspect.Inventory) (*inspect.Inventory, []SourceSBOM) {
	const rule = "pypi.pep770"
	onlyPEP770 := func(c inspect.Component) (string, bool) {
		file := ""
		for _, e := range c.Evidence {
			if e.Rule != rule {
				return "", false
			}
			file = e.File
		}
		return file, file != ""
	}
	var docs []SourceSBOM
	index := map[string]int{}
	var keep []inspect.Component
	for _, c := range inv.Components {
		file, ok := onlyPEP770(c)
		if !ok {
			keep = append(keep, c)
			continue
		}
		i, seen := index[file]
		if !seen {
			i = len(docs)
			index[file] = i
			docs = append(docs, SourceSBOM{Name: file})
		}
		sp := SourcePackage{Name: c.Name, Version: c.Version, Supplier: c.Supplier, LicenseDeclared: c.License}
		if c.PURL != "" {
			sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "PACKAGE-MANAGER", Type: "purl", Locator: c.PURL})
		}
		if c.CPE != "" {
			sp.ExternalRefs = append(sp.ExternalRefs, SourceRef{Category: "SECURITY", Type: "cpe23Type", Locator: c.CPE})
		}
		docs[i].Packages = append(docs[i].Packages, sp)
	}
	if len(docs) == 0 {
		return inv, nil
	}
	out := *inv
	out.Components = keep
	if out.Components == nil {
		out.Components = []inspect.Component{}
	}
	return &out, docs
}

// checkArtifact refuses an inventory without an artifact name and hashes.
func checkArtifact(inv *inspect.Inventory) error {
	if inv == nil {
		return errors.New("compose: nil inventory")
	}
	a := inv.Artifact
	if a.Name == "" || !isHex(a.SHA256, 64) || !isHex(a.SHA1, 40) {
		return fmt.Errorf("compose: artifact %q lacks a name, SHA-256 or SHA-1", a.Name)
	}
	return nil
}

type builder struct {
	inv  *inspect.Inventory
	opts Options
	res  *Result
	m    *model
	root *pkgNode

	fileID     map[string]string // path -> SPDXID
	binaryFile map[string]bool   // paths of PE, Mach-O and ELF files
	// fileContainer is the SPDXID of the package that CONTAINS each file.
	fileContainer map[string]string
	pkgNodeOf     map[string]*pkgNode
	// pkgAt lists the embedded packages at each path, in the order they
	// were declared: containment is found by looking up a file's path and
	// its ancestors, not by scanning every package for every file (files ×
	// packages was quadratic for bundles of many packages).
	pkgAt  map[string][]string
	unused [][]*sourceEntry
}

func (b *builder) build() error {
	tool := ToolName + "-" + orDefault(b.opts.ToolVersion, "devel")
	if !validAgentName(tool) {
		return fmt.Errorf("compose: tool version %q is not usable in a creator", b.opts.ToolVersion)
	}
	b.m = &model{tool: tool, created: b.opts.Created.UTC().Truncate(time.Second).Format(time.RFC3339)}
	b.m.creators = []string{"Tool: " + tool}
	for _, c := range b.opts.Creators {
		ag, err := parseAgent(c, true)
		if err != nil {
			return fmt.Errorf("compose: creator %q: %w", c, err)
		}
		b.m.creators = append(b.m.creators, ag)
	}
	a := b.inv.Artifact
	base := strings.TrimRight(orDefault(b.opts.NamespaceBase, DefaultNamespaceBase), "/")
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("compose: namespace base %q is not an absolute URL", base)
	}
	b.m.name = a.Name
	b.m.namespace = base + "/" + url.PathEscape(a.Name) + "-" + strings.ToLower(a.SHA256)

	if err := b.addRoot(); err != nil {
		return err
	}
	if err := b.addSubInstallers(); err != nil {
		return err
	}
	if err := b.addFiles(); err != nil {
		return err
	}
	b.addActions()
	b.addComponents()
	b.addUnverified()
	if err := b.productLicenses(); err != nil {
		return err
	}
	b.finish()
	return nil
}

// finish sorts everything: the root first, then packages, files and
// relationships by identifier.
func (b *builder) finish() {
	m := b.m
	sort.SliceStable(m.packages, func(i, j int) bool {
		if (m.packages[i].id == rootID) != (m.packages[j].id == rootID) {
			return m.packages[i].id == rootID
		}
		return m.packages[i].id < m.packages[j].id
	})
	for _, p := range m.packages {
		sort.Strings(p.notes)
		sort.SliceStable(p.evidence, func(i, j int) bool {
			a, c := p.evidence[i], p.evidence[j]
			return lessStrings([]string{a.File, a.Rule, fmt.Sprintf("%020d", a.Offset), a.Resource, a.Match},
				[]string{c.File, c.Rule, fmt.Sprintf("%020d", c.Offset), c.Resource, c.Match})
		})
	}
	sort.SliceStable(m.files, func(i, j int) bool {
		return m.files[i].path < m.files[j].path || (m.files[i].path == m.files[j].path && m.files[i].id < m.files[j].id)
	})
	sort.SliceStable(m.rels, func(i, j int) bool {
		x, y := m.rels[i], m.rels[j]
		return lessStrings([]string{x.a, x.kind, x.b, x.comment}, []string{y.a, y.kind, y.b, y.comment})
	})
	out := m.rels[:0]
	for i, r := range m.rels {
		if i > 0 && r == m.rels[i-1] {
			continue
		}
		out = append(out, r)
	}
	m.rels = out
	sort.Strings(b.res.Conflicts)
	sort.Strings(b.res.Unverified)
}
