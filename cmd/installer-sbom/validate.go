package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/installer-sbom/installer-sbom/compose"
)

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: installer-sbom validate DOC.spdx.json") }
	pos, code := parseFlags(fs, args, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	b, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	errs := 0
	for _, p := range compose.Validate(b) {
		fmt.Fprintf(stdout, "%s: %s\n", pos[0], p)
		if !p.Warning {
			errs++
		}
	}
	if errs > 0 {
		fmt.Fprintf(stdout, "%s: %d errors\n", pos[0], errs)
		return exitDiffers
	}
	fmt.Fprintf(stdout, "%s: valid SPDX 2.3; NTIA minimum elements present\n", pos[0])
	return exitOK
}
