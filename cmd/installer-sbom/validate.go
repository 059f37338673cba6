package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
)

// readDocument reads an SBOM document whole, refusing one larger than any
// document compose writes could plausibly be (sbomdiff's bound, shared by
// verify and diff): the schema check holds several times its size.
func readDocument(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, sbomdiff.DefaultMaxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > sbomdiff.DefaultMaxDocumentBytes {
		return nil, fmt.Errorf("%s: document larger than the limit of %d bytes", path, sbomdiff.DefaultMaxDocumentBytes)
	}
	return b, nil
}

func cmdValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	profile := fs.String("profile", compose.ProfileNTIA, "minimum-element field list to check: "+strings.Join(compose.Profiles(), ", "))
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: installer-sbom validate DOC [--profile "+strings.Join(compose.Profiles(), "|")+"]")
		fmt.Fprintln(fs.Output(), "DOC is SPDX 2.3 (JSON or tag-value), SPDX 3.0.1 JSON-LD or CycloneDX JSON; its format is detected.")
		printFlags(fs)
	}
	pos, code := parseFlags(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	b, err := readDocument(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	if !slices.Contains(compose.Profiles(), *profile) {
		fmt.Fprintf(stderr, "installer-sbom: unknown --profile %q (known: %s)\n", *profile, strings.Join(compose.Profiles(), ", "))
		return exitUsage
	}
	format, probs := compose.ValidateDocument(b, *profile)
	errs := 0
	for _, p := range probs {
		fmt.Fprintf(stdout, "%s: %s\n", pos[0], p)
		if !p.Warning {
			errs++
		}
	}
	if format == "" {
		return exitBadInput
	}
	if errs > 0 {
		fmt.Fprintf(stdout, "%s: %s: %d errors\n", pos[0], format, errs)
		return exitDiffers
	}
	fmt.Fprintf(stdout, "%s: valid %s; %s minimum elements present\n", pos[0], format, *profile)
	return exitOK
}
