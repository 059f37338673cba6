package inspect

import (
	"fmt"
	"hash"
	"io"
	"sort"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Container is what every format package is adapted to: a sequence of
// entries, walked in the order the format stores them so that solid
// compression (CAB folders, cpio streams) is decoded once, front to back.
type Container interface {
	// Walk calls fn once per entry. The reader is valid only until fn
	// returns; fn need not read it to the end. An error from fn stops the
	// walk and is returned. Errors from the format itself that affect one
	// entry only should be reported with Entry.Err so the walk goes on.
	Walk(fn func(e Entry, r io.Reader) error) error
}

// Entry is one item inside a container.
type Entry struct {
	Name string // path inside the container, '/'-separated, as stored (escaped later)
	Size int64  // declared size, -1 if unknown
	// Packed is the entry's compressed size when the format stores entries
	// compressed one by one (zip); 0 when unknown. The walker uses it to
	// refuse compression bombs by ratio.
	Packed int64
	Dir    bool // directories are walked but not reported as files
	// Package is the ID of the Package (see Describer) this entry belongs to.
	Package string
	// InstallPath is where the entry lands on the target system, when the
	// container knows it.
	InstallPath string
	// Err, when set, says the entry's bytes cannot be read; r is nil.
	Err error
	// Absent, with Err saying why, marks an entry the container declares
	// but expects beside it, not inside it, and that is not there (an
	// MSI's uncompressed source file): listed as an absent file with a
	// warning, since the container itself is whole. DeclaredHash is what
	// the container records for its bytes ("md5:<hex>").
	Absent       bool
	DeclaredHash string
	// Verify, when set, checks the entry's bytes against a digest the
	// container records for them (an MSI's MsiFileHash).
	Verify *Verifier
}

// Verifier is a digest a container declares for an entry's bytes. The
// walker feeds every byte it reads to a hash from New — on a worker, not
// on the goroutine that decodes the container, whose one stream is the
// walk's critical path — and reports the problem Check returns for the
// sum (nil when they agree) at the entry's path.
type Verifier struct {
	New   func() hash.Hash
	Check func(sum []byte) *Problem
}

// SiblingOpener is implemented by containers whose entries name one another
// (an MSI in a Burn bundle whose external cabinet is another payload of the
// bundle): OpenSibling opens the entry called name in the directory of the
// entry called entry, matched as Windows would, case-insensitively. A
// nested container opened from an entry gets it as its Source.Sibling.
type SiblingOpener interface {
	OpenSibling(entry, name string) (io.ReaderAt, int64, error)
}

// Describer is implemented by containers that know about sub-installers,
// signatures or problems beyond single entries.
type Describer interface {
	Describe() Description
}

// Description is container-level metadata.
type Description struct {
	Packages   []Package
	Signatures []Signature
	// Actions' Path is relative to the container ("" for itself); Walk
	// prefixes it.
	Actions []Action
	// ActionsDropped counts actions the container did not list because
	// there were more than the limit.
	ActionsDropped int
	Problems       []Problem // Path is relative to the container; Walk prefixes it
	Identity       *Identity // signature-invariant digest of the container bytes
}

// Source is what a format's Open receives.
type Source struct {
	R    io.ReaderAt
	Size int64
	// Name is the nested path of the container being opened.
	Name string
	// Sibling opens a file next to the outermost artifact on disk (external
	// cabinets of an MSI, later parts of a spanned cabinet set). It is nil
	// for nested containers and when the input came from stdin.
	Sibling func(name string) (io.ReaderAt, int64, error)
	// SourceFile opens a file of the tree beside the outermost artifact by
	// its '/'-separated relative path (an MSI's uncompressed source files);
	// nil like Sibling.
	SourceFile func(rel string) (io.ReaderAt, int64, error)
	Limits     *Limits
	// Charge counts bytes a format decodes but never hands back as entry
	// data (a cabinet folder restarted, skipped output) against the
	// walk-wide budget; nil outside a walk.
	Charge func(n int64, layer string) error
}

// charger adapts Source.Charge to a format package's func(n) error.
func (s Source) charger(layer string) func(int64) error {
	if s.Charge == nil {
		return nil
	}
	return func(n int64) error { return s.Charge(n, layer) }
}

// notContainerError is returned by a format's Open when a deeper look shows
// the file is not that format after all (a compound file that is not an
// MSI): the file is still inventoried, with a warning, not an error.
type notContainerError struct{ err error }

func (e *notContainerError) Error() string { return e.err.Error() }
func (e *notContainerError) Unwrap() error { return e.err }

// Format is one registered container format.
type Format struct {
	Name string
	// Layer is the name used in problems and errors ("zip", "cab", "msi").
	Layer string
	// Match reports whether the file p shows looks like this format.
	Match func(p Probe) bool
	Open  func(src Source) (Container, error)
	// Priority orders formats whose magic overlaps (a Burn bundle is also a
	// PE file); higher goes first.
	Priority int
}

var (
	formatsMu sync.RWMutex
	formats   []Format
)

// RegisterFormat adds a container format. Format packages are registered by
// the adapter files in this package (format_*.go).
func RegisterFormat(f Format) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats = append(formats, f)
	sort.SliceStable(formats, func(i, j int) bool { return formats[i].Priority > formats[j].Priority })
}

// Probe is what a format's Match sees of a file before it is opened: its
// first and last bytes and its size. Signatures are at the start (MSCF, PK,
// xar!), but some formats are recognised by what is at the end: a zip's end
// of central directory, a DMG's koly trailer.
type Probe struct {
	// Head is the first headSize (64 KiB) bytes, the whole file if smaller.
	Head []byte
	// Tail is the last tailSize (64 KiB) bytes, the whole file if smaller.
	// It is nil when the walker decides before it has read the end (an
	// entry that it may hash as it streams): a format that needs the tail
	// must then say no.
	Tail []byte
	Size int64
}

// tailSize is how many trailing bytes format sniffers see: enough for a
// zip's end-of-central-directory record behind a maximal comment.
const tailSize = 64 << 10

// probeBytes is the probe of a file held in memory.
func probeBytes(data []byte) Probe {
	return Probe{Head: data[:min(len(data), headSize)], Tail: data[max(0, len(data)-tailSize):], Size: int64(len(data))}
}

// match returns the first registered format matching p.
func match(p Probe) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	for _, f := range formats {
		if f.Match(p) {
			return f, true
		}
	}
	return Format{}, false
}

// formatNamed returns the registered format called name.
func formatNamed(name string) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	for _, f := range formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}

// sniff returns the first registered format matching a file of size bytes
// of which only head has been read (Probe.Tail is nil).
func sniff(head []byte, size int64) (Format, bool) {
	return match(Probe{Head: head, Size: size})
}

// Formats lists the registered formats' names in priority order.
func Formats() []string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	var names []string
	for _, f := range formats {
		names = append(names, f.Name)
	}
	return names
}

// OffsetError is implemented by format errors that know where in their
// container they happened: the *formaterr.Error every format package
// returns, and the fingerprint engine's errors.
type OffsetError interface {
	error
	Layer() string
	Offset() int64
}

// LimitError reports that a configured limit was exceeded.
type LimitError struct {
	Limit string // name of the limit, as in the --limit flags
	Value int64  // the configured limit
	Layer string
	What  string
	// Path is the nested path where the limit was crossed, when the walker
	// knows it (it may be deeper than the container that reports it).
	Path string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: limit %s=%d exceeded: %s", e.Layer, e.Limit, e.Value, e.What)
}

// ErrLimit is matched by errors.Is for every *LimitError and every format
// package's limit error: one value for the whole walk.
var ErrLimit = formaterr.ErrLimit

func (e *LimitError) Is(target error) bool { return target == ErrLimit }
