package inspect

import (
	"io"

	"github.com/installer-sbom/installer-sbom/inspect/zip"
)

func init() {
	RegisterFormat(Format{
		Name:  "zip",
		Layer: "zip",
		Match: func(p Probe) bool { return zip.Magic(p.Head) },
		Open: func(src Source) (Container, error) {
			a, err := zip.Open(src.R, src.Size, &zip.Options{MaxEntries: int(min(src.Limits.Entries, 1<<31-1))})
			if err != nil {
				return nil, err
			}
			return zipContainer{a}, nil
		},
	})
}

type zipContainer struct{ a *zip.Archive }

func (z zipContainer) Walk(fn func(Entry, io.Reader) error) error {
	for i, e := range z.a.Entries() {
		entry := Entry{Name: e.Name, Size: e.Size, Packed: e.Packed, Dir: e.Dir}
		if e.Dir {
			if err := fn(entry, nil); err != nil {
				return err
			}
			continue
		}
		rc, err := z.a.Open(i)
		if err != nil {
			entry.Err = err
			if err := fn(entry, nil); err != nil {
				return err
			}
			continue
		}
		err = fn(entry, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
