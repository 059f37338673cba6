package inspect

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// Limits bound the work and memory one inspection may use. Installers are
// untrusted input: every size, count and ratio read from a file is checked
// against these before it is acted on. The zero value is not useful; start
// from DefaultLimits.
type Limits struct {
	// TotalBytes is the most decompressed bytes read over the whole walk.
	TotalBytes int64
	// EntryBytes is the largest single entry that is read.
	EntryBytes int64
	// Entries is the most entries over the whole walk.
	Entries int64
	// Depth is the deepest nesting of containers (the artifact is depth 0).
	Depth int
	// Ratio is the largest decompressed/compressed ratio a container may
	// show before it is treated as a bomb. It also bounds the whole walk:
	// all the bytes decompressed at every nesting level may not exceed
	// Ratio times the artifact's size (or ratioFloor, whichever is larger),
	// which is what stops a bomb nested inside a bomb that each stay under
	// the ratio on their own.
	Ratio int64
	// NestedBytes is the largest nested container that is held in memory
	// to be opened (formats such as MSI need random access).
	NestedBytes int64
	// TableBytes bounds metadata a format reads whole: a zip directory, an
	// MSI string pool, a xar TOC, a Burn manifest.
	TableBytes int64
	// Problems is the most problems listed; the rest are counted in one
	// summary problem (a damaged file can yield one per entry).
	Problems int64
}

// MaxWorkers bounds Options.Workers.
const MaxWorkers = 64

// DefaultLimits are safe for the largest real installers known (CPython's
// full Windows bundle unpacks to about 150 MB; Xcode-sized pkgs exceed them on
// purpose and need raised limits).
func DefaultLimits() Limits {
	return Limits{
		TotalBytes:  8 << 30,
		EntryBytes:  2 << 30,
		Entries:     1_000_000,
		Depth:       8,
		Ratio:       1000,
		NestedBytes: 1 << 30,
		TableBytes:  64 << 20,
		Problems:    10_000,
	}
}

// fields maps the flag spelling of each int64 limit to its field.
func (l *Limits) fields() map[string]*int64 {
	return map[string]*int64{
		"total-bytes":  &l.TotalBytes,
		"entry-bytes":  &l.EntryBytes,
		"entries":      &l.Entries,
		"ratio":        &l.Ratio,
		"nested-bytes": &l.NestedBytes,
		"table-bytes":  &l.TableBytes,
		"problems":     &l.Problems,
	}
}

// Set parses "name=value" (value may end in K, M, G) and sets that limit.
func (l *Limits) Set(s string) error {
	name, val, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("limit %q: want name=value", s)
	}
	n, err := ParseLimitValue(val)
	if err != nil {
		return fmt.Errorf("limit %q: bad value", s)
	}
	if name == "depth" {
		l.Depth = int(n)
		return nil
	}
	p, ok := l.fields()[name]
	if !ok {
		return fmt.Errorf("limit %q: unknown limit (known: %s)", name, strings.Join(LimitNames(), ", "))
	}
	*p = n
	return nil
}

// LimitNames lists the names Set accepts.
func LimitNames() []string {
	return []string{"total-bytes", "entry-bytes", "entries", "depth", "ratio", "nested-bytes", "table-bytes", "problems"}
}

// ParseLimitValue reads the value of a limit as Set does: a positive
// number, which may end in K, M or G (binary multiples). compose's limits
// are spelt the same way.
func ParseLimitValue(s string) (int64, error) {
	n, err := parseSize(s)
	if err == nil && n <= 0 {
		err = fmt.Errorf("%d is not positive", n)
	}
	return n, err
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mult, s = 1<<20, strings.TrimSuffix(s, "M")
	case strings.HasSuffix(s, "G"):
		mult, s = 1<<30, strings.TrimSuffix(s, "G")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n > (1<<62)/mult {
		return 0, fmt.Errorf("too large")
	}
	return n * mult, nil
}

// ratioFloor is the decompressed size always allowed, however small the
// artifact: tiny legitimate archives of text reach ratios that no installer
// of real size does.
const ratioFloor = 64 << 20

// budget counts what a walk has used against its Limits. It is shared by
// every goroutine of one walk.
type budget struct {
	limits  Limits
	bytes   atomic.Int64
	entries atomic.Int64
	// ratioBytes is Ratio × the artifact's size (at least ratioFloor); 0
	// until the artifact's size is known.
	ratioBytes int64
}

func (b *budget) setArtifactSize(size int64) {
	b.ratioBytes = max(ratioFloor, min(size, (1<<62)/max(b.limits.Ratio, 1))*b.limits.Ratio)
}

// remaining is how many more bytes the walk may decompress.
func (b *budget) remaining() int64 {
	limit := b.limits.TotalBytes
	if b.ratioBytes > 0 {
		limit = min(limit, b.ratioBytes)
	}
	return max(0, limit-b.bytes.Load())
}

func (b *budget) addEntry(layer, path string) error {
	if n := b.entries.Add(1); n > b.limits.Entries {
		return &LimitError{Limit: "entries", Value: b.limits.Entries, Layer: layer, What: "too many entries", Path: path}
	}
	return nil
}

func (b *budget) addBytes(n int64, layer, path string) error {
	t := b.bytes.Add(n)
	if t > b.limits.TotalBytes {
		return &LimitError{Limit: "total-bytes", Value: b.limits.TotalBytes, Layer: layer, What: "decompressed data exceeds the total", Path: path}
	}
	if b.ratioBytes > 0 && t > b.ratioBytes {
		return &LimitError{Limit: "ratio", Value: b.limits.Ratio, Layer: layer,
			What: fmt.Sprintf("the installer expands to more than %d bytes (%dx its size, counted over every nesting level)", b.ratioBytes, b.limits.Ratio), Path: path}
	}
	return nil
}
