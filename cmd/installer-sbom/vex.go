package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/compose/vex"
)

// cmdVex turns a release manager's triage statements about an installer's
// components into a VEX document (OpenVEX, or CycloneDX's VEX form). Exit
// 0 when written, 1 when any statement is refused (nothing is written), 2
// on usage errors, 3 when the installer, SBOM or statements file cannot be
// read (or the installer was read only in part).
func cmdVex(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vex", flag.ContinueOnError)
	var (
		statements = fs.String("statements", "", "the triage statements `FILE` (YAML or JSON; required)")
		author     = fs.String("author", "", "who makes the statements, e.g. \"Python Release Team <security@python.org>\" (required unless the statements file names an author)")
		role       = fs.String("role", "", "the author's role (OpenVEX role)")
		out        = fs.String("o", "", "write the document to `FILE` instead of stdout")
		format     = fs.String("format", vex.FormatOpenVEX, strings.Join(vex.FormatNames(), ", "))
		name       = fs.String("name", "", "name of the installer package, as given to compose (installer input only)")
		ver        = fs.String("version", "", "version of the installer package, as given to compose (installer input only)")
		purl       = fs.String("purl", "", "PURL of the installed product, the OpenVEX product @id (installer input only; default pkg:generic/<name>@<version>)")
		incomplete = fs.Bool("allow-incomplete", false, "write the document even when the installer could not be read completely (exit 3 all the same)")
	)
	var f inspectFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: installer-sbom vex --statements FILE [--author WHO] [--format %s] [-o OUT] INSTALLER|SBOM [flags]\n", strings.Join(vex.FormatNames(), "|"))
		printFlags(fs)
	}
	pos, code := parseFlags(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *statements == "" {
		fs.Usage()
		return exitUsage
	}
	if *format != vex.FormatOpenVEX && *format != vex.FormatCycloneDX {
		fmt.Fprintf(stderr, "installer-sbom: unknown --format %q (known: %s)\n", *format, strings.Join(vex.FormatNames(), ", "))
		return exitUsage
	}
	opts := vex.Options{Author: *author, Role: *role, ToolVersion: version, Now: time.Now()}
	if os.Getenv("SOURCE_DATE_EPOCH") != "" {
		t, err := creationTime()
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitUsage
		}
		opts.Timestamp = t
	}

	// The statements are a side input: unreadable is a usage error.
	b, err := readLimited(*statements, vex.MaxStatementsBytes)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	st, err := vex.ParseStatements(b, *statements)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	}
	if *author == "" && st.Author == "" {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", vex.ErrNoAuthor)
		return exitUsage
	}

	var subject *sbomdiff.Detail
	if _, isDoc := sniffSBOM(pos[0]); isDoc {
		if *name != "" || *ver != "" || *purl != "" {
			fmt.Fprintf(stderr, "installer-sbom: %s is an SBOM, which names the installer itself; --name, --version and --purl are for an installer\n", pos[0])
			return exitUsage
		}
		fh, err := os.Open(pos[0])
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitBadInput
		}
		subject, err = sbomdiff.ReadDetail(fh, pos[0], nil)
		fh.Close()
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitBadInput
		}
	} else {
		inv, code := inspectInstaller(pos[0], &f, stderr)
		if inv == nil {
			return code
		}
		reportProblems(inv, stderr, f.quiet)
		// The Created time does not reach the VEX document; compose
		// needs one.
		subject, err = sbomdiff.DetailFromInventory(inv, compose.Options{Name: *name, Version: *ver, PURL: *purl,
			ToolVersion: version, Created: time.Unix(0, 0).UTC()})
		if err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %s: %v\n", pos[0], err)
			return exitBadInput
		}
		subject.Model.Source = pos[0]
	}
	if subject.Model.Incomplete && !*incomplete {
		// A component a statement names may be in the part not read:
		// refusing it would be wrong, and so would a document that
		// looks complete.
		fmt.Fprintf(stderr, "installer-sbom: %s lists less than the installer holds (it could not be read completely); no VEX document written (--allow-incomplete writes one)\n", pos[0])
		return exitBadInput
	}

	doc, err := vex.New(subject, st, opts)
	var refused *vex.RefusedError
	switch {
	case errors.As(err, &refused):
		for _, r := range refused.Refusals {
			fmt.Fprintf(stderr, "installer-sbom: refused: %s\n", r)
		}
		fmt.Fprintf(stderr, "installer-sbom: %d of %d statement(s) refused; no VEX document written\n", len(refused.Refusals), len(st.Statements))
		return exitDiffers
	case errors.Is(err, vex.ErrNoAuthor):
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}

	var buf bytes.Buffer
	if err := doc.Write(&buf, *format); err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	if *out == "" {
		stdout.Write(buf.Bytes())
	} else if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	if subject.Model.Incomplete {
		fmt.Fprintf(stderr, "installer-sbom: %s could not be read completely; statements were checked against what was read\n", pos[0])
		return exitBadInput
	}
	return exitOK
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: larger than the limit of %d bytes", path, max)
	}
	return b, nil
}
