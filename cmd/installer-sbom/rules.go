package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
)

func cmdRules(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	var f inspectFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: installer-sbom rules [--rules FILE]...")
		printFlags(fs)
	}
	pos, code := parseFlags(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 0 {
		fs.Usage()
		return exitUsage
	}
	opts, err := f.options(nil)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	eng := opts.Engine
	if eng == nil {
		eng = fingerprint.Default()
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSUPPLIER\tPURL\tLICENCE\tEVIDENCE\tPROOFS\tSOURCE")
	for _, r := range eng.Rules() {
		var ev []string
		if n := len(r.LibraryNames); n > 0 {
			ev = append(ev, fmt.Sprintf("%d library names", n))
		}
		if n := len(r.VersionInfo); n > 0 {
			ev = append(ev, fmt.Sprintf("%d version-resource matches", n))
		}
		if n := len(r.Patterns); n > 0 {
			ev = append(ev, fmt.Sprintf("%d byte patterns", n))
		}
		var lic []string
		for _, l := range r.Licenses {
			lic = append(lic, l.Expression)
		}
		proofs := fmt.Sprintf("%d binaries", len(r.Proofs))
		if len(r.Snippets) > 0 {
			proofs += fmt.Sprintf(", %d snippets", len(r.Snippets))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, orDash(r.Supplier), r.PURL, orDash(strings.Join(lic, "; ")),
			strings.Join(ev, ", "), proofs, r.Source)
	}
	tw.Flush()
	return exitOK
}
