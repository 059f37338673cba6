package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
)

// cmdDiff compares two installers or SBOMs (in any mix): exit 0 when they
// list the same, 1 when they differ (with --fail-on downgrade: only when a
// component's version went down), 3 when an installer could not be read
// completely (the comparison would show what was not read as removed).
func cmdDiff(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "write the differences as JSON")
	failOn := fs.String("fail-on", "", "exit 1 only on `WHAT`: \"downgrade\" (a component's version went down); default: on any difference")
	var f inspectFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: installer-sbom diff OLD NEW [--json] [--fail-on downgrade] [flags]\n(OLD and NEW are each an installer or an SBOM)")
		printFlags(fs)
	}
	pos, code := parseFlags(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 2 {
		fs.Usage()
		return exitUsage
	}
	switch *failOn {
	case "", "downgrade":
	default:
		fmt.Fprintf(stderr, "installer-sbom: unknown --fail-on %q (known: downgrade)\n", *failOn)
		return exitUsage
	}
	var models [2]*sbomdiff.Model
	for i, p := range pos {
		var code int
		if _, isDoc := sniffSBOM(p); isDoc {
			models[i], code = readSBOMFile(p, exitBadInput, stderr)
		} else {
			models[i], code = installerModel(p, &f, stderr)
		}
		if models[i] == nil {
			return code
		}
	}
	d := sbomdiff.Compare(models[0], models[1])
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitBadInput
		}
	} else if err := sbomdiff.WriteDiff(stdout, d); err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	for i, m := range models {
		if m.Incomplete {
			fmt.Fprintf(stderr, "installer-sbom: %s lists less than the installer holds; the comparison is not conclusive\n", pos[i])
			return exitBadInput
		}
	}
	if *failOn == "downgrade" {
		if d.Summary.ComponentsDowngraded == 0 {
			return exitOK
		}
		for _, c := range d.ComponentsChanged {
			if c.Downgrade {
				fmt.Fprintf(stderr, "installer-sbom: downgrade: %s %v → %v\n", c.Name, c.Old, c.New)
			}
		}
		return exitDiffers
	}
	if d.Differs() {
		return exitDiffers
	}
	return exitOK
}
