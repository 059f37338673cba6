package main

import (
	"flag"
	"fmt"
	"io"
	"os"

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
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: installer-sbom validate DOC.spdx.json") }
	pos, code := parseFlags(fs, args, stderr)
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
