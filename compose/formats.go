package compose

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Format is one output format. Each writer file registers its formats in
// an init function; the CLI's --format, the golden tests and sbomdiff's
// readers take the list of names from here. Adding an output format is one
// writer file that calls RegisterFormat.
type Format struct {
	// Name is what --format accepts, e.g. "spdx-json".
	Name string
	// Ext is the usual file name extension, with its dot, e.g. ".spdx.json".
	Ext string
	// MediaType is the document's media type.
	MediaType string
	// Write renders a composed result. A writer checks its own output
	// (the SPDX writers against the SPDX 2.3 schema) and returns an error
	// rather than write a document it knows to be invalid, or one beyond
	// Options.Limits; it writes nothing then.
	Write func(w io.Writer, res *Result) error
}

// DefaultFormat is the format written when none is asked for.
const DefaultFormat = FormatSPDXJSON

var formats = map[string]Format{}

// RegisterFormat adds an output format. It panics on a duplicate or
// incomplete registration: that is a programming error.
func RegisterFormat(f Format) {
	if f.Name == "" || f.Ext == "" || f.Write == nil {
		panic(fmt.Sprintf("compose: incomplete format registration %+v", f))
	}
	if _, dup := formats[f.Name]; dup {
		panic("compose: format " + f.Name + " registered twice")
	}
	formats[f.Name] = f
}

// Formats returns every registered output format, the default first, then
// by name.
func Formats() []Format {
	out := make([]Format, 0, len(formats))
	for _, f := range formats {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Name == DefaultFormat) != (out[j].Name == DefaultFormat) {
			return out[i].Name == DefaultFormat
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// FormatNames returns the names of the registered formats, in the order of
// Formats.
func FormatNames() []string {
	var names []string
	for _, f := range Formats() {
		names = append(names, f.Name)
	}
	return names
}

// LookupFormat returns the format registered under name.
func LookupFormat(name string) (Format, bool) {
	f, ok := formats[name]
	return f, ok
}

// FormatForFile returns the format whose extension the file name ends with
// (the longest such extension), e.g. ".spdx.json" before ".json".
func FormatForFile(name string) (Format, bool) {
	var best Format
	for _, f := range formats {
		if strings.HasSuffix(name, f.Ext) && len(f.Ext) > len(best.Ext) {
			best = f
		}
	}
	return best, best.Name != ""
}
