package msi

import (
	"fmt"
	"strings"
)

// Uncompressed source files. A database whose Media rows name no cabinet
// (an administrative image, or files marked noncompressed) expects each
// file's bytes beside it, under the source directory tree: the source part
// of each Directory row's DefaultDir ("target:source", each "short|long"),
// from the database's own directory (SourceDir) down, then the file's name;
// short names when the summary information says so.

// SourceNames reports whether source paths use short names (summary
// information word count bit 0).
func (db *Database) SourceNames() (short bool) {
	si, err := db.SummaryInfo()
	return err == nil && si.WordCount&1 != 0
}

// sourcePart is the source name of a DefaultDir: the part after ':' (the
// target when there is none), short or long; "" for "." (the parent) and for
// SourceDir, the database's own directory.
func sourcePart(defaultDir string, short bool) string {
	target, source, ok := strings.Cut(defaultDir, ":")
	if !ok {
		source = target
	}
	name := source
	if s, l, ok := strings.Cut(source, "|"); ok {
		name = l
		if short {
			name = s
		}
	}
	if name == "." || name == "SourceDir" || name == "SOURCEDIR" {
		return ""
	}
	return name
}

// SourcePath is where a file's bytes lie in the source tree, relative to
// the database's directory ('/'-separated). Directory source paths are
// built once each, from their parent's, and count against MaxPathBytes.
func (db *Database) SourcePath(f *File, short bool) (string, error) {
	dirs, err := db.Directories()
	if err != nil {
		return "", err
	}
	if db.srcPaths == nil {
		db.srcPaths = map[string]string{}
	}
	var chain []*Directory
	base := ""
	for key := f.Directory; ; {
		if p, ok := db.srcPaths[key]; ok {
			base = p
			break
		}
		d, ok := dirs[key]
		if !ok || d.Parent == "" || d.Parent == d.Key || len(chain) > MaxDirectoryDepth {
			if ok {
				chain = append(chain, d)
			}
			break
		}
		chain = append(chain, d)
		key = d.Parent
	}
	max := db.opts.maxPathBytes()
	for i := len(chain) - 1; i >= 0; i-- {
		if n := sourcePart(chain[i].DefaultDir, short); n != "" {
			if base != "" {
				base += "/"
			}
			base += n
		}
		if db.srcPathBytes += int64(len(base)); db.srcPathBytes > max {
			return "", errorf(-1, "Directory row %q: the source paths exceed the limit of %d bytes", chain[i].Key, max)
		}
		db.srcPaths[chain[i].Key] = base
	}
	name := f.Name
	if short {
		if s, _, ok := strings.Cut(f.FileName, "|"); ok {
			name = s
		}
	}
	if base == "" {
		return name, nil
	}
	return base + "/" + name, nil
}

// NotPresentError says a file's bytes are meant to lie beside the database
// (an uncompressed source file) and are not there. The database is whole;
// the file is listed from its File row.
type NotPresentError struct {
	File       *File
	SourcePath string
	Why        string
}

func (e *NotPresentError) Error() string {
	return fmt.Sprintf("File row %q: uncompressed source file %q is not present beside the MSI (%s)", e.File.Key, e.SourcePath, e.Why)
}
