package inspect

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/apfs"
	"github.com/installer-sbom/installer-sbom/inspect/dmg"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/hfsplus"
)

// A macOS disk image (UDIF .dmg) is recognised by the koly trailer at its
// end. Its entries are the regular files of every HFS+ (or HFSX) volume
// and every volume of each APFS container inside, named by their path
// from the volume's root — prefixed with the partition's name (an APFS
// volume's own name) when the image holds several volumes. An encrypted
// APFS volume is not read: it is one error problem naming it, so the
// inventory is marked incomplete instead of silently short.
func init() {
	RegisterFormat(Format{
		Name:  "dmg",
		Layer: "dmg",
		Match: func(p Probe) bool {
			return p.Tail != nil && dmg.IsImage(p.Tail) || dmg.Unreadable(p.Head, p.Tail) != ""
		},
		Open: openDMG,
		// The trailer at the very end outranks signatures other formats
		// look for near the end (a zip's directory).
		Priority: 2,
	})
}

// dmgCacheBytes bounds the decoded chunks a disk image keeps for the
// filesystem's random reads (hdiutil's chunks are 1 MiB).
const dmgCacheBytes = 32 << 20

func openDMG(src Source) (Container, error) {
	l := DefaultLimits()
	if src.Limits != nil {
		l = *src.Limits
	}
	head := make([]byte, min(src.Size, 4096))
	tail := make([]byte, min(src.Size, dmg.TrailerSize))
	src.R.ReadAt(head, 0)
	src.R.ReadAt(tail, src.Size-int64(len(tail)))
	if what := dmg.Unreadable(head, tail); what != "" {
		// Encrypted and sparse images are recognised, not read: an error
		// (the inventory lists nothing of their contents), never "not an
		// installer".
		return nil, &formaterr.Error{In: &formaterr.Layer{Name: "dmg"}, Off: 0, Msg: what + " is not read (not supported): its contents are not listed"}
	}
	charge := src.charger("dmg")
	img, err := dmg.Open(src.R, src.Size, &dmg.Options{
		MaxPlistBytes: l.TableBytes,
		MaxChunkBytes: min(64<<20, l.NestedBytes),
		CacheBytes:    dmgCacheBytes,
		Charge:        charge,
	})
	if err != nil {
		return nil, err
	}
	return &dmgContainer{img: img, limits: l}, nil
}

type dmgContainer struct {
	img      *dmg.Image
	limits   Limits
	problems []Problem
}

// problem records err as a problem of the image; it reports whether err
// stops the walk (a walk-wide limit) instead.
func (c *dmgContainer) problem(path, layer string, err error) bool {
	var ab *abortError
	if errors.As(err, &ab) {
		return true
	}
	c.problems = append(c.problems, problemFrom(path, layer, err))
	return false
}

func (c *dmgContainer) Walk(fn func(Entry, io.Reader) error) error {
	for _, err := range c.img.Problems {
		c.problem("", "dmg", err)
	}
	// Every volume first (an APFS container may hold several), so that
	// entries are prefixed only when the image holds more than one.
	type volume struct {
		p    *dmg.Partition
		apfs *apfs.Volume // nil for HFS+
	}
	var volumes []volume
	var parts []*dmg.Partition // partitions walked, their checksums verified after
	for _, p := range c.img.Partitions {
		if p.Err != nil || p.IsMetadata() || p.Size() == 0 {
			continue
		}
		fs, err := p.FileSystem()
		if err != nil {
			if c.problem("", "dmg", err) {
				return err
			}
			continue
		}
		switch fs {
		case "hfsplus":
			volumes = append(volumes, volume{p: p})
			parts = append(parts, p)
		case "apfs":
			parts = append(parts, p)
			ct, err := apfs.Open(p, p.Size(), &apfs.Options{
				MaxItems:       c.limits.Entries,
				MaxPathBytes:   c.limits.TableBytes,
				MaxAttrBytes:   c.limits.TableBytes,
				MaxInlineBytes: min(c.limits.EntryBytes, 64<<20),
			})
			if err != nil {
				if c.problem("", "apfs", volumeError(p, err)) {
					return err
				}
				continue
			}
			for _, err := range ct.Problems {
				c.problem("", "apfs", volumeError(p, err))
			}
			for _, v := range ct.Volumes {
				if v.Err != nil {
					if c.problem(v.Name, "apfs", volumeError(p, v.Err)) {
						return v.Err
					}
					continue
				}
				volumes = append(volumes, volume{p: p, apfs: v})
			}
		case "hfs":
			c.problems = append(c.problems, Problem{Layer: "dmg", Offset: p.FileOffset(), Severity: SeverityError,
				Message: fmt.Sprintf("partition %q at disk offset %d: HFS (standard, pre-HFS+) volume not read; its files are not listed", p.Name, p.FirstSector*dmg.SectorSize)})
		default:
			c.problems = append(c.problems, Problem{Layer: "dmg", Offset: p.FileOffset(), Severity: SeverityError,
				Message: fmt.Sprintf("partition %q at disk offset %d holds no filesystem this tool reads (HFS+, HFSX, APFS); its contents are not listed", p.Name, p.FirstSector*dmg.SectorSize)})
		}
	}
	names := map[string]int{}
	for _, vol := range volumes {
		p := vol.p
		prefix := ""
		if len(volumes) > 1 {
			// An HFS+ volume is named after its partition, an APFS
			// volume after itself (a container's volumes share one
			// partition).
			prefix = p.Name
			if vol.apfs != nil && vol.apfs.Name != "" {
				prefix = vol.apfs.Name
			}
			if names[prefix]++; names[prefix] > 1 {
				prefix = fmt.Sprintf("%s#%d", prefix, p.Index)
				if vol.apfs != nil {
					prefix = fmt.Sprintf("%s.%d", prefix, vol.apfs.Index)
				}
			}
		}
		var err error
		if vol.apfs != nil {
			err = c.walkAPFS(p, vol.apfs, prefix, fn)
		} else {
			err = c.walkVolume(p, prefix, fn)
		}
		if err != nil {
			return err
		}
	}
	for _, p := range parts {
		if err := p.VerifyChecksum(); err != nil && c.problem("", "dmg", err) {
			return err
		}
	}
	return nil
}

// walkAPFS yields the regular files of APFS volume v in partition p, in
// the order their bytes lie in the container.
func (c *dmgContainer) walkAPFS(p *dmg.Partition, v *apfs.Volume, prefix string, fn func(Entry, io.Reader) error) error {
	for _, err := range v.Problems {
		c.problem(prefix, "apfs", volumeError(p, err))
	}
	install := ""
	for _, f := range v.Files {
		if f.Kind == apfs.Symlink && !strings.Contains(f.Path, "/") && strings.HasPrefix(f.Target, "/") && f.Err == nil {
			install = path.Clean(f.Target)
			break
		}
	}
	for _, f := range v.ReadOrder() {
		if f.Kind != apfs.Regular {
			continue // symbolic links and special files carry no bytes
		}
		r, openErr := v.Open(f)
		if err := yieldFile(p, prefix, install, f.Path, f.Size, r, openErr, fn); err != nil {
			return err
		}
	}
	return nil
}

// walkVolume yields the regular files of the HFS+ volume in partition p,
// in the order their bytes lie on the volume (each chunk decoded once).
func (c *dmgContainer) walkVolume(p *dmg.Partition, prefix string, fn func(Entry, io.Reader) error) error {
	v, err := hfsplus.Open(p, p.Size(), &hfsplus.Options{
		MaxItems:       c.limits.Entries,
		MaxPathBytes:   c.limits.TableBytes,
		MaxAttrBytes:   c.limits.TableBytes,
		MaxInlineBytes: min(c.limits.EntryBytes, 64<<20),
	})
	where := prefix
	if err != nil {
		if c.problem(where, "hfsplus", volumeError(p, err)) {
			return err
		}
		return nil
	}
	for _, err := range v.Problems {
		c.problem(where, "hfsplus", volumeError(p, err))
	}
	install := dragTarget(v)
	for _, f := range v.ReadOrder() {
		if f.Kind != hfsplus.Regular {
			continue // symbolic links and special files carry no bytes
		}
		r, openErr := v.Open(f)
		if err := yieldFile(p, prefix, install, f.Path, f.Size, r, openErr, fn); err != nil {
			return err
		}
	}
	return nil
}

// yieldFile passes fn the entry of a regular file at volPath in the volume
// of partition p: named under prefix, given an install path when it lies in
// a .app bundle at the volume's root and the image names a drag target
// (install), and read from r, or failed with the error its Open returned.
func yieldFile(p *dmg.Partition, prefix, install, volPath string, size int64, r io.Reader, openErr error, fn func(Entry, io.Reader) error) error {
	e := Entry{Name: volPath, Size: size}
	if prefix != "" {
		e.Name = prefix + "/" + volPath
	}
	if install != "" {
		if top, _, _ := strings.Cut(volPath, "/"); strings.HasSuffix(top, ".app") && top != volPath {
			e.InstallPath = path.Join(install, volPath)
		}
	}
	if openErr != nil {
		e.Err = volumeError(p, openErr)
		r = nil
	}
	return fn(e, r)
}

// volumeError says which partition an HFS+ or APFS error is about; its
// offset is in the partition's decompressed bytes.
func volumeError(p *dmg.Partition, err error) error {
	var fe *formaterr.Error
	if errors.As(err, &fe) && (fe.Layer() == "hfsplus" || fe.Layer() == "apfs") {
		cp := *fe
		cp.Msg = fmt.Sprintf("%s (in partition %q; offsets count its decompressed bytes)", fe.Msg, p.Name)
		return &wrapped{fe: &cp, err: err}
	}
	return err
}

// wrapped shows the partition-naming copy of a format error while keeping
// the original chain (an abort inside it must still stop the walk).
type wrapped struct {
	fe  *formaterr.Error
	err error
}

func (w *wrapped) Error() string { return w.fe.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{w.fe, w.err}
}
func (w *wrapped) Layer() string { return w.fe.Layer() }
func (w *wrapped) Offset() int64 { return w.fe.Offset() }

// dragTarget is where the image asks its .app bundles to be dragged: the
// target of a symbolic link at the volume's root to an absolute folder
// ("Applications" → /Applications, the usual installer window), or "".
func dragTarget(v *hfsplus.Volume) string {
	for _, f := range v.Files {
		if f.Kind == hfsplus.Symlink && !strings.Contains(f.Path, "/") && strings.HasPrefix(f.Target, "/") && f.Err == nil {
			return path.Clean(f.Target)
		}
	}
	return ""
}

func (c *dmgContainer) Describe() Description {
	d := Description{Problems: c.problems}
	if err := c.img.VerifyDataFork(); err != nil {
		d.Problems = append(d.Problems, problemFrom("", "dmg", err))
	}
	return d
}
