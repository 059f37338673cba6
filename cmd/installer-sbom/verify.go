package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
)

// cmdVerify checks an installer against its SBOM: exit 0 when they match
// (or only the code signature differs), 1 with the list of differences.
func cmdVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	doc := fs.String("sbom", "", "the SBOM `DOC` to check against (SPDX 2.3 JSON or tag-value, SPDX 3.0.1 JSON-LD, CycloneDX JSON)")
	asJSON := fs.Bool("json", false, "write the result as JSON")
	var f inspectFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: installer-sbom verify INSTALLER --sbom DOC [--json] [flags]")
		printFlags(fs)
	}
	pos, code := parseFlags(fs, args, stdout, stderr)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 || *doc == "" {
		fs.Usage()
		return exitUsage
	}
	// --sbom is a side input: unreadable is a usage error.
	sbom, code := readSBOMFile(*doc, exitUsage, stderr)
	if sbom == nil {
		return code
	}
	if _, isDoc := sniffSBOM(pos[0]); isDoc {
		fmt.Fprintf(stderr, "installer-sbom: %s is an SBOM, not an installer; use diff to compare two SBOMs\n", pos[0])
		return exitUsage
	}
	inst, code := installerModel(pos[0], &f, stderr)
	if inst == nil {
		return code
	}
	v := sbomdiff.Verify(sbom, inst)
	if !v.OK && differentInstaller(sbom, inst) {
		// Hundreds of differences say less than this one line.
		fmt.Fprintf(stderr, "installer-sbom: the SBOM describes %s (sha256 %s), not %s (sha256 %s): it is another installer's SBOM\n",
			orDash(sbom.FileName), orDash(sbom.SHA256), orDash(inst.FileName), orDash(inst.SHA256))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
			return exitBadInput
		}
	} else if err := sbomdiff.WriteVerification(stdout, pos[0], *doc, v); err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return exitBadInput
	}
	if inst.Incomplete {
		// Parts of the installer were not read: a match proves nothing
		// about them, and a difference may be only what was not read.
		fmt.Fprintf(stderr, "installer-sbom: %s could not be read completely; the verification is not conclusive\n", pos[0])
		return exitBadInput
	}
	if !v.OK {
		return exitDiffers
	}
	return exitOK
}

// sniffSBOM reads the head of a file and reports whether it is an SBOM.
func sniffSBOM(path string) (string, bool) {
	fh, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer fh.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(fh, head)
	if f, ok := sbomdiff.Detect(head[:n]); ok || n < len(head) {
		return f, ok
	}
	// A JSON document whose format key comes after its large arrays (a
	// writer that sorts keys): look at the whole, within the document
	// limit. Installers never start with '{'.
	if t := bytes.TrimLeft(head[:n], " \t\r\n\xef\xbb\xbf"); len(t) == 0 || t[0] != '{' {
		return "", false
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return "", false
	}
	all, err := io.ReadAll(io.LimitReader(fh, sbomdiff.DefaultMaxDocumentBytes))
	if err != nil {
		return "", false
	}
	return sbomdiff.Detect(all)
}

// readSBOMFile reads an SBOM document into the comparison model; failing
// returns code (exitUsage for a side input such as --sbom, exitBadInput for
// a document that is the command's subject).
func readSBOMFile(path string, code int, stderr io.Writer) (*sbomdiff.Model, int) {
	fh, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return nil, code
	}
	defer fh.Close()
	m, err := sbomdiff.Read(fh, path, nil)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return nil, code
	}
	return m, exitOK
}

// installerModel inspects an installer and builds its comparison model.
// Problems reading parts of it are reported on stderr; what could not be
// read shows up as missing files.
func installerModel(path string, f *inspectFlags, stderr io.Writer) (*sbomdiff.Model, int) {
	inv, code := inspectInstaller(path, f, stderr)
	if inv == nil {
		return nil, code
	}
	reportProblems(inv, stderr, f.quiet)
	m, err := sbomdiff.FromInventory(inv)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %s: %v\n", path, err)
		return nil, exitBadInput
	}
	m.Source = path
	return m, exitOK
}

// differentInstaller reports whether an SBOM plainly names another
// installer: another file name, and neither its checksum nor its
// signature-invariant identity is this installer's.
func differentInstaller(sbom, inst *sbomdiff.Model) bool {
	if sbom.FileName == "" || inst.FileName == "" || strings.EqualFold(sbom.FileName, inst.FileName) {
		return false
	}
	if sbom.SHA256 != "" && strings.EqualFold(sbom.SHA256, inst.SHA256) {
		return false
	}
	return sbom.Identity == nil || inst.Identity == nil || *sbom.Identity != *inst.Identity
}
