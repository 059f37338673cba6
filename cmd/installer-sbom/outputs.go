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
