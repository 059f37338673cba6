package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/inspect"
)

func cmdInspect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the inventory as one JSON object")
	var f inspectFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: installer-sbom inspect [--json] [--limit name=value]... [--rules FILE]... FILE|DIR|-...")
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
	if _, err := f.options(stderr); err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	if !batch {
		return inspectOne(artifacts[0], &f, *asJSON, stdout, stderr)
	}
	// Several installers: one at a time (the memory bound is one walk's),
	// each table or JSON object after the other on stdout (a stream of
	// JSON objects, as jq reads them), a summary line each on stderr, the
	// worst exit code.
	worst := exitOK
	for i, a := range artifacts {
		if i > 0 && !*asJSON {
			fmt.Fprintln(stdout)
		}
		code := inspectOne(a, &f, *asJSON, stdout, stderr)
		if code != exitOK {
			fmt.Fprintf(stderr, "installer-sbom: %s: %s\n", a, exitWord(code))
		} else if !f.quiet {
			fmt.Fprintf(stderr, "installer-sbom: %s: read\n", a)
		}
		if severity(code) > severity(worst) {
			worst = code
		}
	}
	return worst
}

// inspectOne inspects one installer and prints its table or JSON.
func inspectOne(path string, f *inspectFlags, asJSON bool, stdout, stderr io.Writer) int {
	inv, code := inspectInstaller(path, f, stderr)
	if inv == nil {
		return code
	}
	if asJSON {
		if err := writeJSONStreamed(stdout, inv); err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitBadInput
		}
		// The table lists its problems itself: each problem once.
		reportProblems(inv, stderr, f.quiet)
	} else {
		printInventory(stdout, inv)
	}
	if !inv.Complete() {
		return exitBadInput
	}
	return exitOK
}

// printInventory writes the human-readable table.
func printInventory(w io.Writer, inv *inspect.Inventory) {
	a := inv.Artifact
	fmt.Fprintf(w, "%s  %s  %d bytes  sha256:%s\n", a.Name, a.Format, a.Size, a.SHA256)
	if a.Identity != nil {
		fmt.Fprintf(w, "identity  %s:%s\n", a.Identity.Algorithm, a.Identity.Digest)
	}
	if len(inv.Packages) > 0 {
		fmt.Fprintf(w, "\nPACKAGES (%d)\n", len(inv.Packages))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tVERSION\tFORMAT\tEMBEDDED\tPATH/URL")
		for _, p := range inv.Packages {
			loc := p.Path
			if !p.Embedded {
				loc = p.URL
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", p.ID, p.Name, orDash(p.Version), p.Format, p.Embedded, loc)
		}
		tw.Flush()
	}
	// Counted as compose's documents and diff count them: a versionless
	// sighting of a library the bytes show at one version is that
	// component (--json keeps every sighting as its own record).
	comps := compose.Components(inv.Components)
	fmt.Fprintf(w, "\nCOMPONENTS (%d)\n", len(comps))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tVERSION\tLINKAGE\tFILES")
	for _, c := range comps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, orDash(c.Version), strings.Join(c.Linkages, ","), shortList(c.Files, 2))
	}
	tw.Flush()
	if len(inv.SystemDependencies) > 0 {
		names := make([]string, len(inv.SystemDependencies))
		for i, d := range inv.SystemDependencies {
			names[i] = d.Name
		}
		fmt.Fprintf(w, "\nSYSTEM LIBRARIES (not bundled): %s\n", strings.Join(names, ", "))
	}
	for _, s := range inv.Signatures {
		fmt.Fprintf(w, "\nSIGNATURE %s (%s): signer %q, digest %s matches=%v\n", s.File, s.Kind, s.Signer, s.DigestAlgorithm, s.DigestMatches)
	}
	if len(inv.Actions) > 0 {
		// What the installer runs when it installs, most privileged first.
		fmt.Fprintf(w, "\nACTIONS (%d)\n", len(inv.Actions))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AS\tKIND\tNAME\tRUNS\tWHEN\tIN")
		for _, a := range inv.Actions {
			runs := a.Runs
			if a.Target != "" {
				runs += " [" + a.Target + "]"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Privilege, a.Kind, a.Name, oneLine(runs, 100), oneLine(a.When, 80), a.Path)
		}
		tw.Flush()
	}
	kinds := map[string]int{}
	var total int64
	for _, f := range inv.Files {
		kinds[f.Kind]++
		total += f.Size
	}
	fmt.Fprintf(w, "\nFILES: %d (%d bytes)", len(inv.Files), total)
	for _, k := range []string{inspect.KindPE, inspect.KindMachO, inspect.KindELF, inspect.KindArchive, inspect.KindText, inspect.KindData} {
		if kinds[k] > 0 {
			fmt.Fprintf(w, ", %s %d", k, kinds[k])
		}
	}
	fmt.Fprintln(w)
	if len(inv.Problems) > 0 {
		fmt.Fprintf(w, "\nPROBLEMS (%d)\n", len(inv.Problems))
		for _, p := range inv.Problems {
			fmt.Fprintf(w, "  %s\n", formatProblem(p))
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func shortList(s []string, n int) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%s (+%d more)", strings.Join(s[:n], ", "), len(s)-n)
}

// oneLine keeps a table cell on one line and at most n bytes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}
