package inspect

import (
	"errors"
	"io"
	"runtime"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
)

func init() {
	RegisterFormat(Format{
		Name:  "cab",
		Layer: "cab",
		Match: matchCab,
		Open:  openCab,
	})
}

// matchCab: the "MSCF" signature followed by the zero reserved field.
func matchCab(p Probe) bool {
	head := p.Head
	return len(head) >= 36 && string(head[:4]) == "MSCF" &&
		head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] == 0
}

// cabOptionsFrom maps the walk's limits onto the cabinet reader, for cabs
// given directly and for those inside MSIs and Burn bundles alike. A folder
// holds many files (one MSI's whole cabinet is often one folder), so it is
// bounded by the total, not by the per-entry limit; the walker still checks
// each file against entry-bytes.
func cabOptionsFrom(l *Limits, charge func(int64) error) *cab.Options {
	if l == nil {
		d := DefaultLimits()
		l = &d
	}
	return &cab.Options{
		MaxFiles:       int(min(l.Entries, 1<<31-1)),
		MaxFolderBytes: l.TotalBytes,
		MaxRatio:       l.Ratio,
		MaxTotalBytes:  l.TotalBytes,
		// Folders are independent streams: decode later ones ahead on
		// the other cores. Not a limit; memory stays bounded by
		// cab.Options.MaxAheadBytes for all folders ahead together.
		Workers: runtime.GOMAXPROCS(0),
		// Restarted and skipped output counts against the walk's budget.
		Charge: charge,
	}
}

func openCab(src Source) (Container, error) {
	opts := cabOptionsFrom(src.Limits, src.charger("cab"))
	c, err := cab.Open(src.R, src.Size, opts)
	if err != nil {
		return nil, cabError(err)
	}
	cc := &cabContainer{c: c}
	if c.NextCabinet != "" && src.Sibling != nil {
		// A spanned set: follow the parts next to the artifact. When a
		// part is missing, the files wholly inside this cabinet still
		// come out and the rest report which cabinet they need.
		set, err := cab.OpenSet(src.R, src.Size, src.Sibling, opts)
		if err != nil {
			cc.problems = append(cc.problems, problemFrom("", "cab", cabError(err)))
		} else {
			cc.c = set
			if set.SetErr != nil {
				cc.problems = append(cc.problems, problemFrom("", "cab", set.SetErr))
			}
		}
	}
	return cc, nil
}

// cabError turns a cab limit error into the walk's LimitError, so that limit
// problems are reported the same way for every format.
func cabError(err error) error {
	var le *cab.LimitError
	if !errors.As(err, &le) {
		return err
	}
	name := map[string]string{
		"MaxFiles":       "entries",
		"MaxFolderBytes": "entry-bytes",
		"MaxRatio":       "ratio",
		"MaxTotalBytes":  "total-bytes",
	}[le.Limit]
	if name == "" {
		name = le.Limit
	}
	return &LimitError{Limit: name, Value: le.Value, Layer: "cab", What: err.Error()}
}

type cabContainer struct {
	c        *cab.Cabinet
	problems []Problem
}

func (cc *cabContainer) Walk(fn func(Entry, io.Reader) error) error {
	err := cc.c.Walk(func(f *cab.File, r io.Reader, err error) error {
		e := Entry{Name: strings.ReplaceAll(f.Name, `\`, "/"), Size: f.Size}
		if err != nil {
			e.Err = cabError(err)
			return fn(e, nil)
		}
		return fn(e, &cabEntryReader{r: r})
	})
	return cabError(err)
}

func (cc *cabContainer) Describe() Description {
	return Description{Problems: cc.problems}
}

// cabEntryReader maps errors met while streaming a file (a corrupt block
// further into the folder, a ratio limit) like per-entry errors.
type cabEntryReader struct{ r io.Reader }

func (r *cabEntryReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = cabError(err)
	}
	return n, err
}

func (r *cabEntryReader) WriteTo(w io.Writer) (int64, error) {
	n, err := io.Copy(w, r.r)
	return n, cabError(err)
}
