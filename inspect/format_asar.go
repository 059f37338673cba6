package inspect

import (
	"errors"
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/asar"
)

// An Electron app's resources/app.asar holds its JavaScript and the
// node_modules it bundles; walking it shows them wherever the app is nested
// (a zip, an MSI, a pkg). Files stored beside the archive in
// app.asar.unpacked (native modules) are listed with a problem saying so:
// when that directory is in the same container, its files are walked there.
func init() {
	RegisterFormat(Format{
		Name:  "asar",
		Layer: "asar",
		Match: func(p Probe) bool { return asar.Magic(p.Head, p.Size) },
		Open:  openAsar,
	})
}

func openAsar(src Source) (Container, error) {
	l := DefaultLimits()
	if src.Limits != nil {
		l = *src.Limits
	}
	a, err := asar.Open(src.R, src.Size, &asar.Options{
		MaxHeaderSize: l.TableBytes,
		MaxEntries:    int(min(l.Entries, 1<<31-1)),
		MaxNameBytes:  4 * l.TableBytes,
	})
	if err != nil {
		return nil, asarError(err, l)
	}
	c := &asarContainer{a: a}
	for _, p := range a.Problems {
		c.problems = append(c.problems, problemFrom(p.Where, "asar", p))
	}
	return c, nil
}

// asarError turns the header limits into the walk's LimitError, named by
// the flag that raises them.
func asarError(err error, l Limits) error {
	var le *asar.LimitError
	if !errors.As(err, &le) {
		return err
	}
	switch le.Limit {
	case "MaxHeaderSize", "MaxNameBytes":
		return &LimitError{Limit: "table-bytes", Value: l.TableBytes, Layer: "asar", What: err.Error()}
	case "MaxEntries":
		return &LimitError{Limit: "entries", Value: l.Entries, Layer: "asar", What: err.Error()}
	}
	return err // MaxDepth is fixed: a format error with its offset
}

type asarContainer struct {
	a        *asar.Archive
	problems []Problem // header problems, then integrity mismatches met while walking
}

func (c *asarContainer) Walk(fn func(Entry, io.Reader) error) error {
	for _, e := range c.a.Entries {
		switch e.Type {
		case asar.TypeDir:
			if err := fn(Entry{Name: e.Name, Dir: true}, nil); err != nil {
				return err
			}
			continue
		case asar.TypeLink:
			continue // a link carries no bytes; its target is walked itself
		}
		entry := Entry{Name: e.Name, Size: e.Size}
		r, err := c.a.Open(e)
		if err != nil {
			entry.Err = err
			if err := fn(entry, nil); err != nil {
				return err
			}
			continue
		}
		if err := fn(entry, &asarEntryReader{r: r, c: c, name: e.Name}); err != nil {
			return err
		}
	}
	return nil
}

func (c *asarContainer) Describe() Description {
	return Description{Problems: c.problems}
}

// asarEntryReader keeps a file whose integrity hashes do not match: its
// bytes are inventoried and the mismatch becomes a problem of the archive.
type asarEntryReader struct {
	r    io.Reader
	c    *asarContainer
	name string
	done bool
}

func (r *asarEntryReader) Read(p []byte) (int, error) {
	if r.done {
		return 0, io.EOF
	}
	n, err := r.r.Read(p)
	if err != nil && errors.Is(err, asar.ErrIntegrity) {
		r.c.problems = append(r.c.problems, problemFrom(r.name, "asar", err))
		r.done, err = true, io.EOF
	}
	return n, err
}
