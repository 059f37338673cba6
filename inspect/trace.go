package inspect

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// tracer writes the detail the CLI's -v shows: what each container held
// and what the whole walk cost against its limits. It says how the tool
// read the installer, for a reviewer checking a surprising inventory.
type tracer struct {
	mu    sync.Mutex
	w     io.Writer
	start time.Time
}

// container reports one container walked; safe on a nil *tracer.
func (t *tracer) container(path, layer string, entries int, read int64, took time.Duration, err error) {
	if t == nil {
		return
	}
	end := "done"
	if err != nil {
		end = "stopped: " + inventory.ClipMessage(err.Error())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "installer-sbom: walked %s (%s): %d entries, %d bytes read, %s, %s\n",
		path, layer, entries, read, took.Round(time.Millisecond), end)
}

// walk reports the whole inspection; safe on a nil *tracer.
func (t *tracer) walk(inv *Inventory, b *budget) {
	if t == nil {
		return
	}
	var errs, warns int
	for _, p := range inv.Problems {
		if p.IsError() {
			errs++
		} else {
			warns++
		}
	}
	limit := b.limits.TotalBytes
	if b.ratioBytes > 0 {
		limit = min(limit, b.ratioBytes)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "installer-sbom: %s: %s, %d files, %d packages, %d component sightings, %d signatures, %d errors, %d warnings; "+
		"%d entries of %d allowed, %d bytes decoded of %d allowed, %s\n",
		inv.Artifact.Name, inv.Artifact.Format, len(inv.Files), len(inv.Packages), len(inv.Components), len(inv.Signatures), errs, warns,
		b.entries.Load(), b.limits.Entries, b.bytes.Load(), limit, time.Since(t.start).Round(time.Millisecond))
}
