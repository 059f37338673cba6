package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/compose/vex"
	"github.com/installer-sbom/installer-sbom/inspect"
)

func cmdCompose(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	var (
		sources    stringList
		creators   stringList
		outs       stringList
		profile    = fs.String("profile", "", "check the written document against a minimum-element profile ("+strings.Join(compose.Profiles(), ", ")+"); exit 1 when a field cannot be filled")
		format     = fs.String("format", compose.DefaultFormat, strings.Join(compose.FormatNames(), ", "))
		name       = fs.String("name", "", "name of the installer package (default: the file name)")
		ver        = fs.String("version", "", "version of the installer package (default: from the installer or source SBOM)")
		supplier   = fs.String("supplier", "", "supplier, e.g. \"Organization: Python Software Foundation\"")
		license    = fs.String("license", "", "licence of the installed product, an SPDX expression (default: from the installer, e.g. CPython's)")
		download   = fs.String("download-location", "", "where the installer is published (URL)")
		nsBase     = fs.String("namespace-base", "", "base URL of the document namespace")
		strict     = fs.Bool("strict", false, "exit 1 when the installer's bytes and a source SBOM disagree on a version")
		unverified = fs.Bool("include-unverified", false, "keep source-SBOM packages not found in the installer (annotated)")
		outputDir  = fs.String("output-dir", "", "with several installers or a directory: write each document into `DIR` (default: beside each installer)")
		vexFile    = fs.String("vex", "", "put the triage statements in `FILE` (the vex command's format) into the CycloneDX documents as vulnerabilities with their analysis; a statement naming a component not in the installer is refused (exit 1, nothing written)")
		incomplete = fs.Bool("allow-incomplete", false, "write the document even when parts of the installer could not be read; it is marked incomplete (exit 3 all the same)")
	)
	fs.Var(&outs, "o", "output `FORMAT[=FILE]`, repeatable, one walk for all (e.g. -o spdx-json=a.spdx.json -o cdx=a.cdx.json -o table); a FILE alone gets --format (or its extension's), a directory <installer><extension>")
	fs.Var(&sources, "source-sbom", "merge the project's source SBOM `FILE` (SPDX 2.3 JSON or tag-value, SPDX 3.0.1, CycloneDX; repeatable)")
	fs.Var(&creators, "creator", "add a creator, e.g. \"Organization: PSF\" (repeatable)")
	var limits compose.Limits
	f := inspectFlags{composeLimits: &limits}
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: installer-sbom compose FILE [--source-sbom SBOM.json]... [-o OUT] [--format %s] [flags]\n", strings.Join(compose.FormatNames(), "|"))
		printFlags(fs)
	}
	pos, code := parseFlags(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	artifacts, batch, err := expandArtifacts(pos)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	if *profile != "" && !slices.Contains(compose.Profiles(), *profile) {
		fmt.Fprintf(stderr, "installer-sbom: unknown --profile %q (known: %s)\n", *profile, strings.Join(compose.Profiles(), ", "))
		return exitUsage
	}
	formatSet := false
	fs.Visit(func(f *flag.Flag) { formatSet = formatSet || f.Name == "format" })
	writer, ok := lookupOutputFormat(*format)
	if !ok {
		fmt.Fprintf(stderr, "installer-sbom: unknown --format %q (known: %s)\n", *format, outputNames())
		return exitUsage
	}
	outputsFor := func(artifact string) ([]output, error) {
		if batch {
			return batchOutputs(outs, artifact, *outputDir, writer)
		}
		return parseOutputs(outs, artifact, writer, formatSet)
	}
	firstOutputs, err := outputsFor(artifacts[0])
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	var statements *vex.Statements
	if *vexFile != "" {
		// The statements are a side input: unreadable is a usage error.
		if statements, err = readStatements(*vexFile); err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitUsage
		}
		cdxOut := false
		for _, o := range firstOutputs {
			cdxOut = cdxOut || !o.table && strings.HasPrefix(o.format.Name, "cyclonedx")
		}
		if !cdxOut {
			fmt.Fprintf(stderr, "installer-sbom: --vex: the statements go into CycloneDX documents; add -o cyclonedx-json (SPDX has no place for them; the vex command writes OpenVEX)\n")
			return exitUsage
		}
	}
	created, err := creationTime()
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	opts := compose.Options{
		Name: *name, Version: *ver, Supplier: *supplier, DownloadLocation: *download, License: *license,
		NamespaceBase: *nsBase, Creators: creators, ToolVersion: version, Created: created,
		IncludeUnverified: *unverified, Strict: *strict, Limits: limits,
	}
	for _, p := range sources {
		r, err := os.Open(p)
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitUsage
		}
		s, err := compose.ReadSourceSBOM(r, p)
		r.Close()
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %s: %v\n", p, err)
			return exitUsage // a side input
		}
		opts.SourceSBOMs = append(opts.SourceSBOMs, *s)
	}

	composeOne := func(artifact string) int {
		outputs, err := outputsFor(artifact)
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitUsage
		}
		inv, code := inspectInstaller(artifact, &f, stderr)
		if inv == nil {
			return code
		}
		reportProblems(inv, stderr, f.quiet)
		complete := inv.Complete()
		if !complete && !*incomplete {
			// An SBOM of an installer that could not be read completely would
			// claim less than the installer holds: refuse to write one unless
			// asked, and then the document says it is incomplete.
			fmt.Fprintf(stderr, "installer-sbom: %s could not be read completely; no SBOM written (--allow-incomplete writes one marked incomplete)\n", artifact)
			return exitBadInput
		}
		res, err := compose.Compose(inv, opts)
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: compose: %v\n", err)
			return exitBadInput
		}
		if statements != nil {
			if code := addStatements(res, inv, opts, statements, stderr); code != exitOK {
				return code
			}
		}
		for _, u := range res.Unverified {
			fmt.Fprintf(stderr, "installer-sbom: source SBOM package not found in the installer: %s\n", u)
		}
		for _, c := range res.Conflicts {
			fmt.Fprintf(stderr, "installer-sbom: version conflict: %s\n", c)
		}

		// The documents are rendered from res alone: once no output left
		// needs the inventory (the table does), it need not stay in
		// memory while they are written (for a bundle that declares
		// 200,000 packages it is about 130 MB). Collecting it, and what
		// compose built from it, at once lets the heap grow from what the
		// writers hold rather than to twice what inspecting and composing
		// held (the garbage collector's target): for that bundle's SPDX
		// document, 510 MB at most instead of 660 MB.
		lastTable := -1
		for i, o := range outputs {
			if o.table {
				lastTable = i
			}
		}
		releaseInventory := func() {
			inv = nil
			runtime.GC()
		}
		if lastTable < 0 {
			releaseInventory()
		}
		profileFailed := false
		for i, o := range outputs {
			// --profile reads the document back whole; without it the
			// document goes straight to its destination, never whole in
			// memory (an installer that declares 200,000 packages makes
			// a 250 MB SPDX document).
			var doc *bytes.Buffer
			if *profile != "" && !o.table {
				doc = new(bytes.Buffer)
			}
			if err := writeOutput(o, stdout, doc, func(w io.Writer) error {
				if o.table {
					printInventory(w, inv)
					return nil
				}
				return o.format.Write(w, res)
			}); err != nil {
				fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
				return exitBadInput
			}
			if i == lastTable {
				releaseInventory()
			}
			if doc != nil {
				_, probs := compose.ValidateDocument(doc.Bytes(), *profile)
				for _, p := range probs {
					if !p.Warning {
						fmt.Fprintf(stderr, "installer-sbom: %s: %s: %s\n", *profile, o.format.Name, p)
						profileFailed = true
					}
				}
			}
		}
		if !complete {
			fmt.Fprintf(stderr, "installer-sbom: %s could not be read completely; the SBOM written is marked incomplete\n", artifact)
			return exitBadInput
		}
		if *strict && len(res.Conflicts) > 0 || profileFailed {
			return exitDiffers
		}
		return exitOK
	}
	if !batch {
		return composeOne(artifacts[0])
	}
	// Batch: one artifact at a time (the memory bound is one walk's), one
	// summary line each, the worst exit code.
	worst := exitOK
	for _, a := range artifacts {
		code := composeOne(a)
		if code != exitOK || !f.quiet {
			fmt.Fprintf(stderr, "installer-sbom: %s: %s\n", a, exitWord(code))
		}
		if severity(code) > severity(worst) {
			worst = code
		}
	}
	return worst
}

// writeOutput has write write one output to its destination (stdout when
// the output names no file) and, when keep is not nil, into keep as well.
// A file is created only when write first writes to it: a writer that
// refuses its document (one that fails the writer's own check) leaves an
// existing file as it was.
func writeOutput(o output, stdout io.Writer, keep *bytes.Buffer, write func(io.Writer) error) error {
	var dest io.Writer = stdout
	var file *fileOnFirstWrite
	if o.dest != "" {
		file = &fileOnFirstWrite{path: o.dest}
		dest = file
	}
	if keep != nil {
		dest = io.MultiWriter(dest, keep)
	}
	// The writers write in small pieces (the table and tag-value a line
	// at a time).
	bw := bufio.NewWriterSize(dest, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if file != nil {
		if cerr := file.close(err == nil); err == nil {
			err = cerr
		}
	}
	return err
}

// fileOnFirstWrite is a file created (or truncated) at the first write.
type fileOnFirstWrite struct {
	path string
	f    *os.File
}

func (w *fileOnFirstWrite) open() error {
	if w.f != nil {
		return nil
	}
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	w.f = f
	return err
}

func (w *fileOnFirstWrite) Write(p []byte) (int, error) {
	if err := w.open(); err != nil {
		return 0, err
	}
	return w.f.Write(p)
}

// close closes the file; complete says the writing succeeded, and then
// the file exists even when nothing was written to it.
func (w *fileOnFirstWrite) close(complete bool) error {
	if complete {
		if err := w.open(); err != nil {
			return err
		}
	}
	if w.f == nil {
		return nil
	}
	return w.f.Close()
}

// creationTime honours SOURCE_DATE_EPOCH (reproducible-builds.org) so that
// the same installer and inputs give a byte-identical document.
func creationTime() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

// readStatements reads and parses a triage statements file.
func readStatements(path string) (*vex.Statements, error) {
	b, err := readLimited(path, vex.MaxStatementsBytes)
	if err != nil {
		return nil, err
	}
	return vex.ParseStatements(b, path)
}

// addStatements resolves the statements against the installer's
// components, as the document names them, and gives them to the CycloneDX
// writers. Any refused statement refuses the document (exit 1): a VEX
// claim about a component the installer does not hold would mislead.
func addStatements(res *compose.Result, inv *inspect.Inventory, opts compose.Options, st *vex.Statements, stderr io.Writer) int {
	subject, err := sbomdiff.DetailFromInventory(inv, opts)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	// CycloneDX's analysis names no author; New asks for one only for
	// OpenVEX.
	author := st.Author
	if author == "" {
		author = "(not named)"
	}
	doc, err := vex.New(subject, st, vex.Options{Author: author, ToolVersion: version, Now: opts.Created})
	var refused *vex.RefusedError
	if errors.As(err, &refused) {
		for _, r := range refused.Refusals {
			fmt.Fprintf(stderr, "installer-sbom: refused: %s\n", r)
		}
		fmt.Fprintf(stderr, "installer-sbom: %d of %d statement(s) refused; no SBOM written\n", len(refused.Refusals), len(st.Statements))
		return exitDiffers
	}
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	vulns, err := doc.CycloneDXVulnerabilities()
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	res.Vulnerabilities = vulns
	return exitOK
}
