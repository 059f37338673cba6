package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/compose"
)

// One walk, many outputs, as syft users write them: -o FORMAT[=FILE],
// repeatable. A value that names no format and has no '=' is a file (or an
// existing directory) that receives --format, as before.

// formatAliases are the short names syft users type.
var formatAliases = map[string]string{
	"spdx":      "spdx-tag-value",
	"spdx-tv":   "spdx-tag-value",
	"spdx3":     "spdx3-json",
	"cyclonedx": compose.FormatCycloneDXJSON,
	"cdx":       compose.FormatCycloneDXJSON,
	"cdx-json":  compose.FormatCycloneDXJSON,
}

// tableOutput is the human-readable inventory table (inspect's).
const tableOutput = "table"

// output is one document to write: format "" is the table; dest "" is
// stdout.
type output struct {
	format compose.Format
	table  bool
	dest   string
}

// lookupOutputFormat resolves a format name or alias.
func lookupOutputFormat(name string) (compose.Format, bool) {
	if a, ok := formatAliases[name]; ok {
		name = a
	}
	return compose.LookupFormat(name)
}

// outputNames lists what -o accepts, for errors.
func outputNames() string {
	names := append(compose.FormatNames(), tableOutput)
	for a := range formatAliases {
		names = append(names, a)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parseOutputs turns the -o values into outputs. artifact names the
// installer, for files written into a directory; fallback is the --format
// for a plain file (formatSet says whether --format was given, else the
// file's extension decides).
func parseOutputs(values []string, artifact string, fallback compose.Format, formatSet bool) ([]output, error) {
	if len(values) == 0 {
		return []output{{format: fallback}}, nil
	}
	var outs []output
	stdouts := 0
	for _, v := range values {
		name, file, hasFile := strings.Cut(v, "=")
		f, isFormat := lookupOutputFormat(name)
		table := name == tableOutput
		switch {
		case hasFile && !isFormat && !table:
			return nil, fmt.Errorf("-o %s: unknown format %q (known: %s)", v, name, outputNames())
		case hasFile && file == "":
			return nil, fmt.Errorf("-o %s: no file after '='", v)
		case isFormat || table:
			if !hasFile {
				stdouts++
			}
			outs = append(outs, output{format: f, table: table, dest: file})
		default:
			// A file or directory for --format (or its extension's).
			f := fallback
			if !formatSet {
				if g, ok := compose.FormatForFile(v); ok {
					f = g
				}
			}
			dest := v
			if st, err := os.Stat(v); err == nil && st.IsDir() {
				// The name scanners look for beside the artifact
				// (osv-scanner finds <artifact>.spdx.json, .cdx.json).
				dest = filepath.Join(v, filepath.Base(artifact)+f.Ext)
			}
			outs = append(outs, output{format: f, dest: dest})
		}
	}
	if stdouts > 1 {
		return nil, fmt.Errorf("-o: %d outputs to stdout; give all but one a file (FORMAT=FILE)", stdouts)
	}
	return outs, nil
}

// expandArtifacts turns the positional arguments into installers: a
// directory stands for the regular files directly in it (SBOM documents
// excluded), "-" for stdin. batch is true for more than one argument or a
// directory.
func expandArtifacts(args []string) (artifacts []string, batch bool, err error) {
	batch = len(args) > 1
	for _, a := range args {
		st, err := os.Stat(a)
		if a != "-" && err == nil && st.IsDir() {
			batch = true
			ents, err := os.ReadDir(a)
			if err != nil {
				return nil, false, err
			}
			for _, e := range ents {
				if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
					continue
				}
				if _, isDoc := compose.FormatForFile(e.Name()); isDoc {
					continue // an SBOM written beside its installer
				}
				artifacts = append(artifacts, filepath.Join(a, e.Name()))
			}
			continue
		}
		artifacts = append(artifacts, a)
	}
	if len(artifacts) == 0 {
		return nil, false, fmt.Errorf("no installers in %s", strings.Join(args, ", "))
	}
	return artifacts, batch, nil
}

// batchOutputs names one document per format for an artifact of a batch:
// <dir>/<artifact><extension>, dir being outputDir or the artifact's own
// directory. -o values are formats here (a file name cannot serve several
// artifacts).
func batchOutputs(values []string, artifact, outputDir string, fallback compose.Format) ([]output, error) {
	dir := outputDir
	if dir == "" {
		dir = filepath.Dir(artifact)
	}
	formats := []compose.Format{fallback}
	if len(values) > 0 {
		formats = nil
		for _, v := range values {
			name, _, hasFile := strings.Cut(v, "=")
			f, ok := lookupOutputFormat(name)
			if !ok || hasFile {
				return nil, fmt.Errorf("-o %s: with several installers -o takes formats only (known: %s); documents are named <installer><extension> in --output-dir", v, outputNames())
			}
			formats = append(formats, f)
		}
	}
	var outs []output
	for _, f := range formats {
		outs = append(outs, output{format: f, dest: filepath.Join(dir, filepath.Base(artifact)+f.Ext)})
	}
	return outs, nil
}

// severity orders exit codes for a batch's worst: unreadable input over
// differences over success.
func severity(code int) int {
	switch code {
	case exitOK:
		return 0
	case exitDiffers:
		return 1
	case exitBadInput:
		return 2
	}
	return 3 // usage
}

// exitWord says an exit code in a batch summary line.
func exitWord(code int) string {
	switch code {
	case exitOK:
		return "written"
	case exitDiffers:
		return "written; differences or profile gaps (exit 1)"
	case exitBadInput:
		return "not read completely (exit 3)"
	}
	return fmt.Sprintf("exit %d", code)
}
