package msi

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

// WalkOptions say where external cabinets come from and bound cabinet
// decoding.
type WalkOptions struct {
	// Sibling opens a file beside the MSI (an external cabinet). Nil when
	// there is no such place (a nested MSI); external cabinets are then
	// reported as unreadable.
	Sibling func(name string) (io.ReaderAt, int64, error)
	// SourceFile opens a file of the source tree beside the MSI by its
	// '/'-separated relative path (an uncompressed source file). Nil when
	// there is no such place: such files are then not present.
	SourceFile func(rel string) (io.ReaderAt, int64, error)
	Cab        *cab.Options
	// FileHashes is the MsiFileHash table as the caller already read it
	// (NewFileHashCheck); nil makes Walk read it.
	FileHashes *FileHashCheck
	// CallerChecksHashes says fn checks each file's bytes against
	// MsiFileHash itself (with a FileHashCheck, off the goroutine that
	// decodes); Walk then leaves the bytes untouched.
	CallerChecksHashes bool
}

// Problem is something wrong with the files of the MSI that does not stop
// the walk: a hash mismatch, a File row without bytes, cabinet bytes that no
// File row names.
type Problem struct {
	File    string // File key or cabinet entry name; "" when about a cabinet
	Path    string // install path when known
	Layer   string // "msi", or the layer of a cabinet error ("cab", "lzx", "quantum")
	Offset  int64  // byte offset in the MSI (or the cabinet, for cab errors); -1 when none
	Message string
	// Warning marks a problem after which every byte was still read (a hash
	// mismatch, a duplicate entry); otherwise bytes were lost.
	Warning bool
}

// Walk calls fn for every File row, in cabinet order, with its bytes. When a
// file's bytes cannot be produced fn gets r == nil and err != nil, and the
// walk goes on. r is valid until fn returns and need not be read to the end.
// An error from fn stops the walk. The problems found (hash mismatches,
// missing or unnamed cabinet entries) are returned.
//
// Each File row belongs to the first Media row (by LastSequence) whose
// LastSequence is at least the file's Sequence; its bytes are the entry of
// that cabinet named by the File key. For files with an MsiFileHash row that
// are unversioned, the MD5 of the bytes must equal the stored parts; to
// check it Walk reads the rest of the file after fn returns.
func (db *Database) Walk(opts *WalkOptions, fn func(f *File, r io.Reader, err error) error) ([]Problem, error) {
	if opts == nil {
		opts = &WalkOptions{}
	}
	files, err := db.Files()
	if err != nil {
		return nil, err
	}
	media, err := db.Media()
	if err != nil {
		return nil, err
	}
	check := opts.FileHashes
	if check == nil {
		if check, err = db.NewFileHashCheck(); err != nil {
			return nil, err
		}
	}
	var problems []Problem
	// deliver hands a file's bytes to fn and then checks them against
	// MsiFileHash, reading what fn left; the error is fn's. A caller that
	// checks the bytes itself (CallerChecksHashes) gets them untouched.
	deliver := func(f *File, r io.Reader) error {
		if opts.CallerChecksHashes || !check.Wants(f) {
			return fn(f, r, nil)
		}
		sum := md5.New()
		rec := &errRecorder{r: r}
		tee := io.TeeReader(rec, sum)
		if err := fn(f, tee, nil); err != nil {
			return err
		}
		if rec.err != nil {
			return nil // fn saw the read fail and has reported it
		}
		if _, err := io.Copy(io.Discard, tee); err != nil {
			problems = append(problems, Problem{File: f.Key, Path: f.Path, Layer: Layer, Offset: -1,
				Message: fmt.Sprintf("reading %q to check its MsiFileHash: %v", f.Key, err)})
			return nil
		}
		if p, ok := check.Check(f, sum.Sum(nil)); !ok {
			problems = append(problems, p)
		}
		return nil
	}
	var sourceFiles []*File // uncompressed: beside the MSI, not in a cabinet
	byMedia := make([][]*File, len(media))
	for _, f := range files {
		if f.Attributes&FileAttrNoncompressed != 0 {
			sourceFiles = append(sourceFiles, f)
			continue
		}
		// media is sorted by LastSequence.
		i := sort.Search(len(media), func(i int) bool { return media[i].LastSequence >= f.Sequence })
		if i == len(media) {
			if err := fn(f, nil, errorf(-1, "File row %q: sequence %d is beyond every Media row's LastSequence", f.Key, f.Sequence)); err != nil {
				return problems, err
			}
			continue
		}
		byMedia[i] = append(byMedia[i], f)
	}
	// Media rows that name one cabinet share its walk: walking it once per
	// row decoded it again each time and reported each entry the row does
	// not name once per row (a 1.5 MB MSI gave 1.3 M problems).
	firstRow := map[string]int{}
	for mi, m := range media {
		if m.Cabinet == "" {
			continue
		}
		if j, ok := firstRow[m.Cabinet]; ok {
			byMedia[j] = append(byMedia[j], byMedia[mi]...)
			byMedia[mi] = nil
			continue
		}
		firstRow[m.Cabinet] = mi
	}
	for mi, m := range media {
		mf := byMedia[mi]
		if len(mf) == 0 {
			continue
		}
		fail := func(err error) error {
			for _, f := range mf {
				if e := fn(f, nil, err); e != nil {
					return e
				}
			}
			return nil
		}
		if m.Cabinet == "" {
			sourceFiles = append(sourceFiles, mf...)
			continue
		}
		c, err := db.openCabinet(m, opts)
		if err != nil {
			if err := fail(err); err != nil {
				return problems, err
			}
			continue
		}
		if c.SetErr != nil {
			// A later cabinet of the set is missing or damaged: the
			// files before it are still read.
			p := Problem{Layer: "cab", Offset: -1, Message: fmt.Sprintf("Media %d: %v", m.DiskID, c.SetErr)}
			var fe *FormatError
			if errors.As(c.SetErr, &fe) {
				p.Layer, p.Offset, p.Message = fe.Layer(), fe.Off, fmt.Sprintf("Media %d: %s", m.DiskID, fe.Detail())
			}
			problems = append(problems, p)
		}
		byKey := make(map[string]*File, len(mf))
		for _, f := range mf {
			byKey[f.Key] = f
		}
		seen := make(map[string]bool, len(mf))
		var stop error
		werr := c.Walk(func(cf *cab.File, r io.Reader, cerr error) error {
			f, ok := byKey[cf.Name]
			if !ok {
				problems = append(problems, Problem{File: cf.Name, Layer: Layer, Offset: -1,
					Message: fmt.Sprintf("cabinet %q holds %q (%d bytes), which no File row of its media names; it is not installed", m.Cabinet, cf.Name, cf.Size), Warning: true})
				return nil
			}
			if seen[f.Key] {
				problems = append(problems, Problem{File: f.Key, Path: f.Path, Layer: Layer, Offset: -1,
					Message: fmt.Sprintf("cabinet %q holds %q more than once; the first copy is used", m.Cabinet, cf.Name), Warning: true})
				return nil
			}
			seen[f.Key] = true
			if cerr != nil {
				stop = fn(f, nil, cerr)
				return stop
			}
			if cf.Size != f.Size {
				problems = append(problems, Problem{File: f.Key, Path: f.Path, Layer: Layer, Offset: db.fileRowOffset(f),
					Message: fmt.Sprintf("File row %q declares %d bytes, its cabinet entry has %d", f.Key, f.Size, cf.Size), Warning: true})
			}
			stop = deliver(f, r)
			return stop
		})
		if stop != nil {
			return problems, stop
		}
		if werr != nil {
			// The cabinet failed as a whole (e.g. over a limit): the files
			// not yet produced get the error.
			for _, f := range mf {
				if !seen[f.Key] {
					seen[f.Key] = true
					if err := fn(f, nil, werr); err != nil {
						return problems, err
					}
				}
			}
		}
		for _, f := range mf {
			if !seen[f.Key] {
				err := errorf(db.fileRowOffset(f), "File row %q (%s): cabinet %q has no entry %q", f.Key, f.Path, m.Cabinet, f.Key)
				problems = append(problems, Problem{File: f.Key, Path: f.Path, Layer: Layer, Offset: err.(*FormatError).Off, Message: err.(*FormatError).Detail()})
				if err := fn(f, nil, err); err != nil {
					return problems, err
				}
			}
		}
	}
	// Uncompressed source files, from the source tree beside the MSI when
	// it is there.
	short := len(sourceFiles) > 0 && db.SourceNames()
	for _, f := range sourceFiles {
		rel, err := db.SourcePath(f, short)
		if err != nil {
			if err := fn(f, nil, err); err != nil {
				return problems, err
			}
			continue
		}
		if opts.SourceFile == nil {
			if err := fn(f, nil, &NotPresentError{File: f, SourcePath: rel, Why: "the MSI is not a file on disk with a directory beside it"}); err != nil {
				return problems, err
			}
			continue
		}
		ra, size, err := opts.SourceFile(rel)
		if err != nil {
			why := err.Error()
			if errors.Is(err, fs.ErrNotExist) {
				why = "no such file"
			}
			if err := fn(f, nil, &NotPresentError{File: f, SourcePath: rel, Why: why}); err != nil {
				return problems, err
			}
			continue
		}
		if size != f.Size {
			problems = append(problems, Problem{File: f.Key, Path: f.Path, Layer: Layer, Offset: db.fileRowOffset(f), Warning: true,
				Message: fmt.Sprintf("File row %q declares %d bytes, its source file %q has %d", f.Key, f.Size, rel, size)})
		}
		if err := deliver(f, io.NewSectionReader(ra, 0, size)); err != nil {
			return problems, err
		}
	}
	return problems, nil
}

// errRecorder remembers the first read error other than io.EOF.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}

// FileHashCheck checks files' bytes against the MsiFileHash table. Its
// methods are safe for concurrent use, so the MD5 can be computed where it
// costs least (not on the goroutine that inflates the cabinet).
type FileHashCheck struct {
	hashes map[string]FileHash
	table  *Table
	once   sync.Once
	rows   map[string]int // first row of each File key, built at the first mismatch
}

// NewFileHashCheck reads the MsiFileHash table (none is no error: nothing
// is checked).
func (db *Database) NewFileHashCheck() (*FileHashCheck, error) {
	hashes, err := db.FileHashes()
	if err != nil {
		return nil, err
	}
	t, _, _ := db.optionalTable("MsiFileHash", "File_")
	return &FileHashCheck{hashes: hashes, table: t}, nil
}

// Wants reports whether the table records an MD5 for f's bytes: it does
// for an unversioned file with a row that is not all zeros (WiX writes
// those for empty files in merge modules).
func (c *FileHashCheck) Wants(f *File) bool {
	h, ok := c.hashes[f.Key]
	return ok && !f.Versioned() && h.Parts != [4]int32{}
}

// DeclaredMD5 is the MD5 MsiFileHash records for a file, as
// "md5:<hex>", or "" when it records none.
func (c *FileHashCheck) DeclaredMD5(f *File) string {
	h, ok := c.hashes[f.Key]
	if !ok || h.Parts == [4]int32{} {
		return ""
	}
	sum := h.MD5()
	return fmt.Sprintf("md5:%x", sum[:])
}

// Check compares the MD5 of f's bytes with the table's: a mismatch is a
// warning at the MsiFileHash row (every byte was still read). It reports
// true when they agree or nothing is recorded.
func (c *FileHashCheck) Check(f *File, md5sum []byte) (Problem, bool) {
	if !c.Wants(f) {
		return Problem{}, true
	}
	want := c.hashes[f.Key].MD5()
	if bytes.Equal(md5sum, want[:]) {
		return Problem{}, true
	}
	return Problem{File: f.Key, Path: f.Path, Layer: Layer, Offset: c.rowOffset(f.Key),
		Message: fmt.Sprintf("MsiFileHash mismatch for %q (%s): table has MD5 %x, the file's bytes have %x", f.Key, f.Path, want, md5sum), Warning: true}, false
}

// rowOffset is the offset of key's MsiFileHash row; the index is built at
// the first mismatch (a scan per mismatch would be quadratic).
func (c *FileHashCheck) rowOffset(key string) int64 {
	if c.table == nil {
		return -1
	}
	c.once.Do(func() {
		c.rows = make(map[string]int, c.table.Rows())
		col := c.table.ColumnIndex("File_")
		for r := c.table.Rows() - 1; r >= 0; r-- {
			c.rows[c.table.Cell(r, col).Str] = r
		}
	})
	if r, ok := c.rows[key]; ok {
		return c.table.RowOffset(r)
	}
	return -1
}

func (db *Database) fileRowOffset(f *File) int64 {
	t, err := db.Table("File")
	if err != nil {
		return -1
	}
	return t.RowOffset(f.Row)
}

// openCabinet opens the cabinet of a Media row: "#name" is a stream of the
// MSI, anything else a file beside it. Later cabinets of a spanned set are
// looked up the same way (stream first, then beside the MSI).
func (db *Database) openCabinet(m Media, opts *WalkOptions) (*cab.Cabinet, error) {
	open := func(name string, embedded bool) (io.ReaderAt, int64, error) {
		if embedded {
			s, ok := db.streams[name]
			if !ok {
				return nil, 0, errorf(-1, "Media %d: cabinet stream %q is not in the MSI", m.DiskID, name)
			}
			ra, err := s.ReaderAt()
			return ra, s.Size, err
		}
		if opts.Sibling == nil {
			return nil, 0, errorf(-1, "Media %d: external cabinet %q cannot be read (no directory beside the MSI)", m.DiskID, name)
		}
		ra, size, err := opts.Sibling(name)
		if err != nil {
			return nil, 0, fmt.Errorf("msi: Media %d: external cabinet %q: %w", m.DiskID, name, err)
		}
		return ra, size, nil
	}
	name, embedded := strings.CutPrefix(m.Cabinet, "#")
	ra, size, err := open(name, embedded)
	if err != nil {
		return nil, err
	}
	next := func(n string) (io.ReaderAt, int64, error) {
		if _, ok := db.streams[n]; ok {
			return open(n, true)
		}
		return open(n, false)
	}
	return cab.OpenSet(ra, size, next, opts.Cab)
}
