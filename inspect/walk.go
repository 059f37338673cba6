package inspect

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	pathpkg "path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/installer-sbom/installer-sbom/inspect/filekind"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// Options configure one inspection.
type Options struct {
	Limits Limits
	// Engine fingerprints files; nil means fingerprint.Default().
	Engine *fingerprint.Engine
	// Progress, when not nil, receives a one-line progress display that is
	// redrawn in place (the CLI passes stderr when it is a terminal).
	Progress io.Writer
	// Sibling opens files next to the artifact (external cabinets).
	Sibling func(name string) (io.ReaderAt, int64, error)
	// SourceFile opens files of the tree beside the artifact by relative
	// path (an MSI's uncompressed source files).
	SourceFile func(rel string) (io.ReaderAt, int64, error)
	// Trace, when not nil, receives a line per container walked (its
	// layer, entries, bytes read and time) and one for the whole walk
	// (the CLI's -v). Lines of nested containers walked in parallel may
	// interleave in any order; the inventory does not depend on them.
	Trace io.Writer
	// Workers is how many files are hashed and fingerprinted at once;
	// 0 means GOMAXPROCS.
	Workers int
	// walkEveryCopy turns off walking identical nested containers once
	// (tests compare both ways).
	walkEveryCopy bool
}

// inFlightBytes bounds the file data read but not yet hashed and
// fingerprinted. With nested containers held while they are walked, it is
// what keeps peak memory near the largest container rather than the size of
// the installer.
const inFlightBytes = 96 << 20

// headSize is how many leading bytes format sniffers see.
const headSize = 64 << 10

// InspectFile inspects the installer at path. Files next to it can be read
// as siblings (an MSI's external cabinet).
func InspectFile(path string, opts Options) (*Inventory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if opts.Sibling == nil {
		sib := &siblings{dir: filepath.Dir(path), open: map[string]*os.File{}}
		defer sib.close()
		opts.Sibling = sib.openFile
		opts.SourceFile = sib.openRelative
	}
	return Inspect(f, st.Size(), filepath.Base(path), opts)
}

// siblings opens files an installer names next to the artifact (external
// cabinets) and keeps each open once for the whole inspection: they are read
// where the format points, never read whole into memory, and a database
// whose many Media rows name one cabinet opens it once.
type siblings struct {
	dir  string
	mu   sync.Mutex
	open map[string]*os.File // by the directory entry's own name
}

// openFile opens a file named by an installer. The name is untrusted: only
// a plain file name in the same directory is accepted, matched
// case-insensitively as Windows would.
func (s *siblings) openFile(name string) (io.ReaderAt, int64, error) {
	if name == "" || strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." {
		return nil, 0, fmt.Errorf("sibling %q: not a plain file name", name)
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, 0, err
	}
	for _, e := range ents {
		if !strings.EqualFold(e.Name(), name) || !e.Type().IsRegular() {
			continue
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		f, ok := s.open[e.Name()]
		if !ok {
			if f, err = os.Open(filepath.Join(s.dir, e.Name())); err != nil {
				return nil, 0, err
			}
			s.open[e.Name()] = f
		}
		st, err := f.Stat()
		if err != nil {
			return nil, 0, err
		}
		return f, st.Size(), nil
	}
	return nil, 0, fmt.Errorf("sibling %q: %w", name, os.ErrNotExist)
}

// openRelative opens a file below the artifact's directory by a relative
// '/'-separated path, each part matched case-insensitively as Windows
// would. The path is untrusted: every part must be a plain name (no "",
// ".", "..", backslash or NUL), and every part but the last a directory.
func (s *siblings) openRelative(rel string) (io.ReaderAt, int64, error) {
	parts := strings.Split(rel, "/")
	dir := s.dir
	for i, part := range parts {
		if part == "" || part == "." || part == ".." || strings.ContainsAny(part, "\\\x00") {
			return nil, 0, fmt.Errorf("source path %q: not a plain relative path", rel)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, 0, fmt.Errorf("source path %q: %w", rel, os.ErrNotExist)
		}
		found := ""
		for _, e := range ents {
			last := i == len(parts)-1
			if strings.EqualFold(e.Name(), part) && (last && e.Type().IsRegular() || !last && e.IsDir()) {
				found = e.Name()
				break
			}
		}
		if found == "" {
			return nil, 0, fmt.Errorf("source path %q: %w", rel, os.ErrNotExist)
		}
		dir = filepath.Join(dir, found)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.open[dir]
	if !ok {
		var err error
		if f, err = os.Open(dir); err != nil {
			return nil, 0, err
		}
		s.open[dir] = f
	}
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	return f, st.Size(), nil
}

func (s *siblings) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.open {
		f.Close()
	}
}

// Inspect walks the installer read from r (size bytes, called name) and
// returns its inventory. Problems with the input are reported in
// Inventory.Problems, not as an error; the error is for failures of the
// reader itself.
func Inspect(r io.ReaderAt, size int64, name string, opts Options) (*Inventory, error) {
	if opts.Limits == (Limits{}) {
		opts.Limits = DefaultLimits()
	}
	if opts.Engine == nil {
		opts.Engine = fingerprint.Default()
	}
	inv, w, err := inspectOnce(r, size, name, opts, false)
	if err == nil && w.aborted.Load() && w.wentParallel.Load() {
		// A walk-wide limit stopped the walk while nested containers were
		// walked side by side: which bytes were read before it tripped
		// depends on scheduling. Walk again one container at a time, so
		// that the same installer always gives the same inventory; the
		// limits bound what the second walk can cost.
		inv, _, err = inspectOnce(r, size, name, opts, true)
	}
	return inv, err
}

// inspectOnce is one walk of the installer; sequential walks nested
// containers one at a time, in order.
func inspectOnce(r io.ReaderAt, size int64, name string, opts Options, sequential bool) (*Inventory, *walker, error) {
	w := newWalker(opts, sequential)
	defer w.stop()
	w.budget.setArtifactSize(size)

	// The artifact's own hashes are computed while it is walked: both read
	// the same bytes, one sequentially, one where the format points.
	sum1, sum256, sum512 := sha1.New(), sha256.New(), sha512.New()
	hashDone := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.MultiWriter(sum1, sum256, sum512), io.NewSectionReader(r, 0, size))
		hashDone <- err
	}()
	inv := &Inventory{Artifact: Artifact{Name: name, Size: size}}
	finishHash := func() error {
		if err := <-hashDone; err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		inv.Artifact.SHA1 = hex.EncodeToString(sum1.Sum(nil))
		inv.Artifact.SHA256 = hex.EncodeToString(sum256.Sum(nil))
		inv.Artifact.SHA512 = hex.EncodeToString(sum512.Sum(nil))
		return nil
	}
	head := make([]byte, min(size, headSize))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		<-hashDone
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	tail := head
	if size > int64(len(head)) {
		tail = make([]byte, min(size, tailSize))
		if _, err := r.ReadAt(tail, size-int64(len(tail))); err != nil && err != io.EOF {
			<-hashDone
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	escName := escapeName(name)
	f, isContainer := match(Probe{Head: head, Tail: tail, Size: size})
	if isContainer {
		inv.Artifact.Format = f.Name
		src := Source{R: r, Size: size, Name: escName, Sibling: opts.Sibling, SourceFile: opts.SourceFile, Limits: &w.limits}
		src.Charge = w.charge(escName)
		w.walkReport(f, src, 0, escName, "", "", nil)
		if w.notInstaller != "" && acceptedBare(head) {
			// An executable that only looked like a container (a PE
			// with an NSIS stub's section and no NSIS data): the bare
			// file it is.
			w.notInstaller, inv.Artifact.Format, isContainer = "", "", false
		}
	}
	if !isContainer && !acceptedBare(head) {
		<-hashDone
		return nil, nil, &NotInstallerError{Name: name, What: describeContent(head, size)}
	} else if !isContainer {
		// Not a container: the artifact is a single file (a bare DLL, a
		// dylib), inventoried as itself.
		data, err := readAllLimited(io.NewSectionReader(r, 0, size), size, &w.limits)
		if err != nil {
			w.problem(problemFrom(escName, "file", err))
		} else {
			if kindOf(head, nil) == KindPE {
				// A bare PE file's signature-invariant identity is its
				// Authenticode digest, so that signing it after composing
				// does not make it a different installer.
				if _, id, _ := authenticodeDescription(bytes.NewReader(data), size, ""); id != nil {
					w.identity = id
				}
			}
			w.submit(fileJob{path: escName, data: data, key: ""})
			w.walkEmbeddedCabinets(escName, data, 1, "", "")
		}
	}
	w.nested.Wait()
	w.wait()
	if err := finishHash(); err != nil {
		return nil, nil, err
	}
	if w.notInstaller != "" {
		return nil, nil, &NotInstallerError{Name: name, What: w.notInstaller}
	}
	w.finish(inv)
	if inv.Artifact.Format == "" {
		inv.Artifact.Format = kindOf(head, nil)
	}
	w.trace.walk(inv, &w.budget)
	return inv, w, nil
}

// walker holds the state of one inspection. Containers are walked by one
// goroutine, in order; file hashing and fingerprinting run on a pool.
type walker struct {
	limits Limits
	budget budget
	engine *fingerprint.Engine

	jobs    chan fileJob
	wg      sync.WaitGroup
	workers sync.WaitGroup
	mem     *byteSemaphore

	mu         sync.Mutex
	files      []fileRec
	reports    []*fingerprint.FileReport
	packages   []Package
	pkgOrigin  []string       // key of the container whose description added packages[i]
	pkgIndex   map[string]int // path -> first index in packages (a bundle may describe 200k)
	signatures []Signature
	actions    []Action
	// actionsDropped counts actions beyond the limit (Limits.Problems).
	actionsDropped int
	problems       problemSet
	identity       *Identity
	containers     map[string]*containerInfo
	// reportCache holds fingerprint reports by content and file name.
	reportCache map[string]cachedReport

	progress *progress
	trace    *tracer

	// Nested containers are walked on their own goroutines when a slot is
	// free (independent MSIs of a bundle decode in parallel), inline when
	// not, so that a walk never waits for a slot held by its own parent.
	nestedSlots chan struct{}
	nested      sync.WaitGroup
	aborted     atomic.Bool
	// notInstaller says why the artifact, which looked like a container,
	// is not one after all.
	notInstaller  string
	walkEveryCopy bool
	// walks, aliases and descs let identical nested containers be walked
	// once (dedup.go): the first walk of each bytes, the copies recorded
	// as aliases of it, and each nested container's package descriptions.
	walks   map[walkKey]*containerWalk
	aliases []containerAlias
	descs   map[string][]Package
	// wentParallel records that a nested walk ran on its own goroutine.
	wentParallel atomic.Bool
	abortOnce    sync.Once
}

// fileRec is a file before its package reference is resolved.
type fileRec struct {
	File
	key    string // nested path of the container that holds it
	rawPkg string // Entry.Package as the container gave it
	// actions the file itself declares (a launchd plist), and a network
	// fetch found in an install script; finished with the package the
	// file belongs to (fileActions).
	actions []Action
	fetch   string
	fetchAt int64
}

// containerInfo links a nested container to the entry that held it, so
// that files without a package of their own inherit their container's and
// package IDs merged with an outer description are rewritten.
type containerInfo struct {
	parentKey string
	rawPkg    string            // Entry.Package of the entry holding this container
	idMap     map[string]string // this container's package IDs → merged IDs
}

type fileJob struct {
	path        string
	data        []byte
	key, rawPkg string
	installPath string
	kind        string // set for containers, which are hashed but not fingerprinted
	verify      *Verifier
}

func newWalker(opts Options, sequential bool) *walker {
	n := opts.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	// Each worker and nested walk holds buffers: more workers than this
	// only add memory.
	n = min(n, MaxWorkers)
	w := &walker{
		limits:        opts.Limits,
		walkEveryCopy: opts.walkEveryCopy,
		engine:        opts.Engine,
		jobs:          make(chan fileJob, n),
		mem:           newByteSemaphore(inFlightBytes),
		containers:    map[string]*containerInfo{"": {}},
		reportCache:   map[string]cachedReport{},
		nestedSlots:   make(chan struct{}, n),
	}
	if sequential {
		w.nestedSlots = nil // never ready: every nested walk runs inline
	}
	w.budget.limits = opts.Limits
	w.problems.max = int(opts.Limits.Problems)
	if opts.Progress != nil {
		w.progress = startProgress(opts.Progress, &w.budget)
	}
	if opts.Trace != nil {
		w.trace = &tracer{w: opts.Trace, start: time.Now()}
	}
	for range n {
		w.workers.Add(1)
		go w.work()
	}
	return w
}

func (w *walker) work() {
	defer w.workers.Done()
	for j := range w.jobs {
		w.process(j)
		w.mem.release(int64(len(j.data)))
		w.wg.Done()
	}
}

func (w *walker) submit(j fileJob) {
	w.mem.acquire(int64(len(j.data)))
	w.wg.Add(1)
	w.jobs <- j
}

func (w *walker) wait() { w.wg.Wait() }

func (w *walker) stop() {
	close(w.jobs)
	w.workers.Wait()
	if w.progress != nil {
		w.progress.stop()
	}
}

// process hashes one file and, unless it is a container, fingerprints it.
func (w *walker) process(j fileJob) {
	if j.verify != nil {
		h := j.verify.New()
		h.Write(j.data)
		w.verify(j.path, j.verify, h.Sum(nil))
	}
	s1, s256 := sha1.Sum(j.data), sha256.Sum256(j.data)
	f := File{
		Path:        j.path,
		Size:        int64(len(j.data)),
		SHA1:        hex.EncodeToString(s1[:]),
		SHA256:      hex.EncodeToString(s256[:]),
		Kind:        j.kind,
		InstallPath: j.installPath,
	}
	var rep *fingerprint.FileReport
	if f.Kind == "" {
		rep = w.identifyOnce(j.path, f.SHA256, j.data)
		f.Kind = kindOf(j.data, rep)
		if rep != nil && (rep.PE != nil || len(rep.MachO) > 0 || len(rep.Imports) > 0 || rep.Exports != "") {
			f.Binary = &Binary{Imports: rep.Imports, Name: rep.Exports, PE: rep.PE, MachO: rep.MachO}
		}
		if rep != nil {
			f.Licenses = rep.Licenses
		}
	}
	if deployable(f.Kind, rep) {
		s512 := sha512.Sum512(j.data)
		f.SHA512 = hex.EncodeToString(s512[:])
	}
	var sig *Signature
	if f.Kind == KindPE && rep != nil {
		sig = rep.Signature
	}
	if rep != nil {
		// Headers the parsers refused (a load command declaring more
		// bytes than the image has, a resource directory that loops): the
		// file was read and hashed and its bytes scanned, but the facts
		// its headers hold are missing. Said, not silent.
		for _, e := range rep.Errors {
			w.problem(Problem{Path: j.path, Layer: e.Layer_, Offset: e.Offset_, Severity: SeverityWarning,
				Message: e.Msg + " (the file was still hashed and its bytes scanned)"})
		}
	}
	w.mu.Lock()
	if sig != nil {
		w.signatures = append(w.signatures, *sig)
	}
	rec := fileRec{File: f, key: j.key, rawPkg: j.rawPkg}
	rec.actions, rec.fetch, rec.fetchAt = fileActions(j.path, j.installPath, j.data)
	w.files = append(w.files, rec)
	if rep != nil && (len(rep.Findings) > 0 || len(rep.Imports) > 0 || rep.Kind != "") {
		w.reports = append(w.reports, rep)
	}
	w.mu.Unlock()
}

// verify checks the sum of an entry's bytes against the digest its
// container declares.
func (w *walker) verify(path string, v *Verifier, sum []byte) {
	if p := v.Check(sum); p != nil {
		p.Path = path
		w.problem(*p)
	}
}

// deployable reports whether a file is a deployable component's own bytes,
// which get the SHA-512 BSI TR-03183-2 asks for: a container (a
// sub-installer, a wheel) or a binary that is a component itself (a
// library's own DLL, a program). Other files' contents are named by SHA-1
// and SHA-256; hashing every binary a third time cost a fifth of inspect's
// CPU on an installer of binaries.
func deployable(kind string, rep *fingerprint.FileReport) bool {
	if kind == KindArchive {
		return true
	}
	if rep == nil {
		return false
	}
	for _, fd := range rep.Findings {
		// Own: the file is the library's own (Aggregate makes it dynamic).
		if fd.Linkage == fingerprint.LinkageDynamic || fd.Linkage == "" && fd.Own {
			return true
		}
	}
	return false
}

// identifyOnce fingerprints an executable once per (content, file name):
// an installer often carries the same binary more than once (CPython's
// bundle holds each MSI for both install scopes), and the engine's answer
// depends only on the bytes and, through name hints, the file name. Other
// files are small metadata whose answer depends on the whole path; they are
// not cached.
func (w *walker) identifyOnce(path, sha256hex string, data []byte) *fingerprint.FileReport {
	if !isExecutable(data) {
		return w.identify(path, data)
	}
	key := sha256hex + "/" + pathpkg.Base(path)
	w.mu.Lock()
	cached, ok := w.reportCache[key]
	w.mu.Unlock()
	if ok {
		return cached.relocated(path)
	}
	rep := w.identify(path, data)
	if rep != nil {
		w.mu.Lock()
		w.reportCache[key] = cachedReport{rep: rep}
		w.mu.Unlock()
	}
	return rep
}

// cachedReport is a fingerprint report kept for reuse on identical files.
type cachedReport struct{ rep *fingerprint.FileReport }

// relocated copies the report for a file at another path: every place the
// report names its own file is rewritten; facts are shared, read-only.
func (c cachedReport) relocated(path string) *fingerprint.FileReport {
	old := c.rep.Path
	r := *c.rep
	r.Path = path
	r.Findings = make([]fingerprint.Finding, len(c.rep.Findings))
	for i, f := range c.rep.Findings {
		f.Evidence = append([]fingerprint.Evidence(nil), f.Evidence...)
		for k := range f.Evidence {
			if f.Evidence[k].File == old {
				f.Evidence[k].File = path
			}
		}
		r.Findings[i] = f
	}
	r.Errors = make([]*fingerprint.FormatError, len(c.rep.Errors))
	for i, e := range c.rep.Errors {
		ec := *e
		if ec.Path == old {
			ec.Path = path
		}
		r.Errors[i] = &ec
	}
	if c.rep.Signature != nil {
		sig := *c.rep.Signature
		sig.File = path
		r.Signature = &sig
	}
	return &r
}

// identify runs the fingerprint engine. A panic inside a third-party binary
// parser must not take the inspection down: it becomes a problem instead.
func (w *walker) identify(path string, data []byte) (rep *fingerprint.FileReport) {
	defer func() {
		if r := recover(); r != nil {
			w.problem(Problem{Path: path, Layer: "fingerprint", Offset: -1, Message: fmt.Sprintf("fingerprinting failed: %v", r)})
			rep = nil
		}
	}()
	return w.engine.Identify(path, data)
}

// charge returns the Source.Charge of the container at path: its bytes
// count against the walk-wide budget, and exceeding it stops the walk.
func (w *walker) charge(path string) func(n int64, layer string) error {
	return func(n int64, layer string) error {
		if err := w.budget.addBytes(n, layer, path); err != nil {
			return &abortError{err}
		}
		return nil
	}
}

func (w *walker) problem(p Problem) {
	w.mu.Lock()
	w.problems.add(p)
	w.mu.Unlock()
}

// abortError stops the whole walk (a global limit was exceeded). It passes
// through format packages' Walk unchanged because they return fn's errors.
type abortError struct{ err error }

func (e *abortError) Error() string { return e.err.Error() }
func (e *abortError) Unwrap() error { return e.err }

// walkContainer opens one container and walks it. key is its nested path;
// parentKey and rawPkg say where it came from. self is the container as a
// file of its parent (nil for the artifact): recorded as an archive once it
// opens, as a plain file to fingerprint when it turns out not to be this
// format or cannot be opened.
func (w *walker) walkContainer(f Format, src Source, depth int, key, parentKey, rawPkg string, self *fileJob) error {
	w.mu.Lock()
	info := &containerInfo{parentKey: parentKey, rawPkg: rawPkg}
	w.containers[key] = info
	w.mu.Unlock()

	c, err := f.Open(src)
	if err != nil {
		var nc *notContainerError
		if self != nil {
			w.submit(*self)
			if errors.As(err, &nc) {
				// An ordinary file after all (a compound file that is
				// not an MSI, a PE that is not an NSIS installer),
				// walked like one, and so are its copies.
				w.markPlain(self.data, depth)
				w.walkEmbeddedCabinets(self.path, self.data, depth, parentKey, rawPkg)
				return nil
			}
		}
		return err
	}
	if self != nil {
		job := *self
		job.kind = KindArchive
		w.submit(job)
	}
	var entries int
	var read int64
	started := time.Now()
	walkErr := c.Walk(func(e Entry, r io.Reader) error {
		if e.Dir {
			return nil
		}
		entries++
		if w.aborted.Load() {
			return &abortError{errStopped}
		}
		path := key + "/" + escapeName(e.Name)
		if err := w.budget.addEntry(f.Layer, path); err != nil {
			return &abortError{err}
		}
		w.checkNames(path, f.Layer, e)
		if e.Absent {
			p := problemFrom(path, f.Layer, e.Err)
			p.Severity = SeverityWarning
			w.problem(p)
			w.mu.Lock()
			w.files = append(w.files, fileRec{File: File{Path: path, Size: max(e.Size, 0), InstallPath: escapeInstallPath(e.InstallPath),
				Absent: true, DeclaredHash: e.DeclaredHash}, key: key, rawPkg: e.Package})
			w.mu.Unlock()
			return nil
		}
		if e.Err != nil {
			w.problem(inContainer(problemFrom(path, f.Layer, e.Err), f.Layer, src.Size))
			return nil
		}
		if r == nil {
			w.problem(Problem{Path: path, Layer: f.Layer, Offset: -1, Message: "entry has no data"})
			return nil
		}
		if e.Size > w.limits.EntryBytes {
			w.problem(problemFrom(path, f.Layer, &LimitError{Limit: "entry-bytes", Value: w.limits.EntryBytes, Layer: f.Layer,
				What: fmt.Sprintf("entry declares %d bytes", e.Size)}))
			return nil
		}
		data, streamed, err := w.readEntry(r, e, f.Layer, path)
		if err != nil {
			var ab *abortError
			if errors.As(err, &ab) {
				return err
			}
			w.problem(inContainer(problemFrom(path, f.Layer, err), f.Layer, src.Size))
			return nil
		}
		if streamed != nil {
			read += streamed.Size
			w.progress.file(streamed.Size)
			w.mu.Lock()
			w.files = append(w.files, fileRec{File: *streamed, key: key, rawPkg: e.Package})
			w.mu.Unlock()
			return nil
		}
		read += int64(len(data))
		w.progress.file(int64(len(data)))
		var sibling func(string) (io.ReaderAt, int64, error)
		if so, ok := c.(SiblingOpener); ok {
			entry := e.Name
			sibling = func(name string) (io.ReaderAt, int64, error) { return so.OpenSibling(entry, name) }
		}
		return w.handleData(path, data, depth, key, e, sibling)
	})
	w.describe(c, key, depth)
	w.trace.container(key, f.Layer, entries, read, time.Since(started), walkErr)
	return walkErr
}

// checkNames warns about a member name or install path that would be
// dangerous to extract naively; the entry is still read.
func (w *walker) checkNames(path, layer string, e Entry) {
	var why []string
	if s := suspiciousName(e.Name); s != "" {
		why = append(why, "member name "+s)
	}
	if strings.HasSuffix(e.Name, "/") {
		why = append(why, "member name ends in \"/\" like a directory's, but the member carries data")
	}
	if e.InstallPath != "" && e.InstallPath != e.Name {
		if s := suspiciousName(strings.TrimPrefix(e.InstallPath, "/")); s != "" {
			why = append(why, fmt.Sprintf("install path %q %s", escapeName(e.InstallPath), s))
		}
	}
	if len(why) > 0 {
		w.problem(Problem{Path: path, Layer: layer, Offset: -1, Severity: SeverityWarning,
			Message: strings.Join(why, "; ") + " (shown escaped, never resolved; the member is inventoried)"})
	}
}

// handleData decides whether an entry is a nested container or a file.
func (w *walker) handleData(path string, data []byte, depth int, key string, e Entry, sibling func(string) (io.ReaderAt, int64, error)) error {
	nf, isContainer := match(probeBytes(data))
	if isContainer && depth+1 > w.limits.Depth {
		w.problem(problemFrom(path, nf.Layer, &LimitError{Limit: "depth", Value: int64(w.limits.Depth), Layer: nf.Layer,
			What: "container nested too deep; inventoried as a plain file"}))
		isContainer = false
	}
	if isContainer && int64(len(data)) > w.limits.NestedBytes {
		w.problem(problemFrom(path, nf.Layer, &LimitError{Limit: "nested-bytes", Value: w.limits.NestedBytes, Layer: nf.Layer,
			What: "nested container too large to open; inventoried as a plain file"}))
		isContainer = false
	}
	if !isContainer {
		w.submit(fileJob{path: path, data: data, key: key, rawPkg: e.Package, installPath: escapeInstallPath(e.InstallPath), verify: e.Verify})
		if depth+1 <= w.limits.Depth {
			w.walkEmbeddedCabinets(path, data, depth+1, key, e.Package)
		}
		return nil
	}
	// The container is itself a file of the installer: walkContainer
	// records it once it knows whether it opens.
	self := &fileJob{path: path, data: data, key: key, rawPkg: e.Package, installPath: escapeInstallPath(e.InstallPath), verify: e.Verify}
	first, mine := w.firstWalk(data, depth+1, path)
	if !mine && !w.walkEveryCopy && w.aliasOf(first) {
		// The same bytes were walked at first.path: copied there when
		// the walk is over (dedup.go).
		self.kind = KindArchive
		w.submit(*self)
		w.mu.Lock()
		w.containers[path] = &containerInfo{parentKey: key, rawPkg: e.Package}
		w.aliases = append(w.aliases, containerAlias{from: first.path, to: path})
		w.mu.Unlock()
		return nil
	}
	if sibling != nil && mine {
		inner := sibling
		sibling = func(name string) (io.ReaderAt, int64, error) {
			first.usedSibling.Store(true)
			return inner(name)
		}
	}
	src := Source{R: bytes.NewReader(data), Size: int64(len(data)), Name: path, Limits: &w.limits, Charge: w.charge(path), Sibling: sibling}
	walk := func() {
		w.walkReport(nf, src, depth+1, path, key, e.Package, self)
		if mine {
			close(first.done)
		}
	}
	select {
	case w.nestedSlots <- struct{}{}:
		w.wentParallel.Store(true)
		w.nested.Add(1)
		go func() {
			defer w.nested.Done()
			defer func() { <-w.nestedSlots }()
			walk()
		}()
		return nil
	default:
	}
	walk()
	if w.aborted.Load() {
		// A walk-wide limit was crossed (and reported) inside: stop this
		// walk too.
		return &abortError{errStopped}
	}
	return nil
}

// errStopped ends walks after another one crossed a walk-wide limit; that
// one reports the problem.
var errStopped = errors.New("walk stopped")

// walkReport walks a container and reports its error as a problem; a
// walk-wide limit stops every walk and is reported once.
func (w *walker) walkReport(f Format, src Source, depth int, key, parentKey, rawPkg string, self *fileJob) {
	err := w.walkContainer(f, src, depth, key, parentKey, rawPkg, self)
	if err == nil {
		return
	}
	var ab *abortError
	if !errors.As(err, &ab) {
		var nc *notContainerError
		if self == nil && errors.As(err, &nc) {
			w.notInstaller = nc.err.Error()
			return
		}
		w.problem(problemFrom(key, f.Layer, err))
		return
	}
	w.aborted.Store(true)
	if ab.err != errStopped {
		w.abortOnce.Do(func() { w.problem(problemFrom(key, f.Layer, ab.err)) })
	}
}

// streamAbove is the size above which an entry that is neither a
// container nor an executable is hashed as it streams instead of being held
// in memory: the fingerprint engine reads only executables (and small
// metadata files) whole, so nothing is lost, and a large data file does not
// set the peak memory.
const streamAbove = 16 << 20

// readEntry reads one entry: whole into memory (data), or, for a large
// entry whose first bytes show it is plain data, hashed while it streams
// (data is nil and the file is recorded directly). Entry, total and ratio
// limits are checked as the bytes arrive; a declared size is a claim of the
// input and sizes the buffer only as far as the walk may still read.
func (w *walker) readEntry(r io.Reader, e Entry, layer, path string) (data []byte, streamed *File, err error) {
	var n int64
	charge := w.charge(path)
	count := func(k int) error {
		n += int64(k)
		if n > w.limits.EntryBytes {
			return &LimitError{Limit: "entry-bytes", Value: w.limits.EntryBytes, Layer: layer, What: "entry data exceeds the limit"}
		}
		if e.Packed > 0 && n > 1<<20 && n/e.Packed > w.limits.Ratio {
			return &LimitError{Limit: "ratio", Value: w.limits.Ratio, Layer: layer,
				What: fmt.Sprintf("entry expands beyond %dx its %d compressed bytes", w.limits.Ratio, e.Packed)}
		}
		return charge(int64(k), layer)
	}

	headBuf := make([]byte, headSize)
	k, err := io.ReadFull(r, headBuf)
	if cerr := count(k); cerr != nil {
		return nil, nil, cerr
	}
	head := headBuf[:k]
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return head, nil, nil // the whole entry fits in the head
	case nil:
	default:
		return nil, nil, err
	}

	if e.Size > streamAbove && w.streamable(path, head, e.Size) {
		// Streamed files are data, never executables or containers: no
		// SHA-512 (see process).
		s1, s256 := sha1.New(), sha256.New()
		var declared hash.Hash
		if e.Verify != nil {
			declared = e.Verify.New()
		}
		sums := []hash.Hash{s1, s256}
		if declared != nil {
			sums = append(sums, declared)
		}
		for _, h := range sums {
			h.Write(head)
		}
		chunk := make([]byte, 1<<20)
		for {
			k, err := r.Read(chunk)
			if k > 0 {
				if cerr := count(k); cerr != nil {
					return nil, nil, cerr
				}
				for _, h := range sums {
					h.Write(chunk[:k])
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, err
			}
		}
		if declared != nil {
			w.verify(path, e.Verify, declared.Sum(nil))
		}
		return nil, &File{Path: path, Size: n, SHA1: hex.EncodeToString(s1.Sum(nil)), SHA256: hex.EncodeToString(s256.Sum(nil)),
			Kind: kindOf(head, nil), InstallPath: escapeInstallPath(e.InstallPath)}, nil
	}

	// The declared size is a claim of the input. Unless the entry's
	// compressed size makes it plausible (at most 64x), it sizes the buffer
	// only once the first 1 MiB has really arrived (a liar must deliver
	// that much per entry before a larger buffer exists), and never past
	// what the limits allow; an entry longer than it declared grows by
	// doubling.
	declared := max(int64(len(head)), min(e.Size, w.limits.EntryBytes, int64(len(head))+w.budget.remaining(), 256<<20)) + 1
	first := min(declared, 1<<20+1)
	if e.Packed > 0 && declared <= 64*e.Packed+1<<20 {
		first = declared // a size its compressed bytes can plausibly hold
	}
	buf := make([]byte, len(head), first)
	copy(buf, head)
	for {
		if len(buf) == cap(buf) {
			next := int64(cap(buf)) * 2
			if int64(cap(buf)) < declared {
				next = declared
			}
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):cap(buf)])
		if k > 0 {
			if cerr := count(k); cerr != nil {
				return nil, nil, cerr
			}
			buf = buf[:len(buf)+k]
		}
		if err == io.EOF {
			return buf, nil, nil
		}
		if err != nil {
			return nil, nil, err
		}
	}
}

// streamable reports whether an entry that starts with head can be hashed
// without being kept: not a container to open, not an executable to
// fingerprint, and no cataloger wants it (an ecosystem manifest, however
// large, reaches its cataloger).
func (w *walker) streamable(path string, head []byte, size int64) bool {
	if _, ok := sniff(head, size); ok {
		return false
	}
	if w.engine.Wants(path, head[:min(len(head), fingerprint.HeadBytes)], size) {
		return false
	}
	return !isExecutable(head) && !bytes.HasPrefix(head, []byte("!<arch>\n")) // static libraries are fingerprinted
}

// isExecutable reports whether b starts like a PE, ELF or Mach-O file: the
// files the fingerprint engine parses and scans whole. b must hold the PE
// headers (a head or the whole file), not only the first bytes.
func isExecutable(b []byte) bool { return filekind.IsExecutable(b) }

// readAllLimited reads a whole artifact that is not a container.
func readAllLimited(r io.Reader, size int64, l *Limits) ([]byte, error) {
	if size > l.EntryBytes {
		return nil, &LimitError{Limit: "entry-bytes", Value: l.EntryBytes, Layer: "file", What: fmt.Sprintf("file of %d bytes", size)}
	}
	b := make([]byte, size)
	_, err := io.ReadFull(r, b)
	return b, err
}

// describe records a container's own metadata after its walk (formats learn
// some of it, such as hash mismatches, only while walking).
func (w *walker) describe(c Container, key string, depth int) {
	d, ok := c.(Describer)
	if !ok {
		return
	}
	desc := d.Describe()
	w.mu.Lock()
	defer w.mu.Unlock()
	// Grow once for the whole description: a bundle may describe 200k
	// packages, and growing by appends costs twice their size in garbage.
	w.packages = slices.Grow(w.packages, len(desc.Packages))
	w.pkgOrigin = slices.Grow(w.pkgOrigin, len(desc.Packages))
	if w.pkgIndex == nil {
		w.pkgIndex = make(map[string]int, len(desc.Packages))
	}
	for _, p := range desc.Packages {
		if p.Path == "" && !p.Embedded && p.URL == "" && !p.Missing {
			// A package that describes the container itself.
			p.Path, p.Embedded = key, true
		} else if p.Path != "" {
			p.Path = key + "/" + escapeName(p.Path)
		}
		if depth > 0 {
			if w.descs == nil {
				w.descs = map[string][]Package{}
			}
			w.descs[key] = append(w.descs[key], p)
		}
		w.addPackage(p, key)
	}
	for _, s := range desc.Signatures {
		s.File = joinRel(key, s.File)
		w.signatures = append(w.signatures, s)
	}
	w.actionsDropped += desc.ActionsDropped
	for _, a := range desc.Actions {
		if len(w.actions) >= max(int(w.limits.Problems), 1) {
			// A real installer declares tens of actions; a bundle of
			// 200,000 ExePackages is hostile. Bounded like problems, and
			// said (an error: the list is incomplete).
			w.actionsDropped++
			continue
		}
		a.Path = joinRel(key, a.Path)
		w.actions = append(w.actions, a)
		if a.Fetches != "" {
			// Installers rarely need the network while they install;
			// one that fetches may run what no SBOM can list.
			w.problems.add(Problem{Path: a.Path, Layer: "action", Offset: a.Offset, Severity: SeverityWarning,
				Message: fmt.Sprintf("install action %s %s fetches from the network: %s", a.Kind, a.Name, a.Fetches)})
		}
	}
	for _, p := range desc.Problems {
		p.Path = joinRel(key, p.Path)
		w.problems.add(p)
	}
	if depth == 0 && desc.Identity != nil {
		w.identity = desc.Identity
	}
}

// addPackage records a package described by the container at key (its
// Path already the full nested path), merging it with another description
// of the same bytes. w.mu is held.
func (w *walker) addPackage(p Package, key string) {
	if i := w.packageAt(p.Path); i >= 0 && p.Path != "" {
		// Two containers describe the same bytes: a Burn bundle its
		// MSI, and the MSI itself. Nested containers are described
		// first (their walk ends first), so which one came first says
		// nothing; the shallower description wins the ID and what it
		// declared (URL, hash, size, parent), and the package's own
		// database fills in its name, version and codes.
		existing := w.packages[i]
		if w.pkgOrigin[i] == existing.Path && key != existing.Path {
			// existing is the inner container describing itself; p is
			// the outer description of it.
			merged := p
			mergePackage(&merged, existing)
			w.packages[i], w.pkgOrigin[i] = merged, key
			w.mapPackageID(existing.Path, existing.ID, merged.ID)
		} else {
			outer := &w.packages[i]
			mergePackage(outer, p)
			w.mapPackageID(key, p.ID, outer.ID)
		}
		return
	}
	w.pkgOrigin = append(w.pkgOrigin, key)
	if _, ok := w.pkgIndex[p.Path]; !ok {
		if w.pkgIndex == nil {
			w.pkgIndex = map[string]int{}
		}
		w.pkgIndex[p.Path] = len(w.packages)
	}
	w.packages = append(w.packages, p)
}

// mapPackageID records that files of the container at key which name
// package from belong to package to.
func (w *walker) mapPackageID(key, from, to string) {
	info := w.containers[key]
	if info == nil || from == to {
		return
	}
	if info.idMap == nil {
		info.idMap = map[string]string{}
	}
	info.idMap[from] = to
}

func (w *walker) packageAt(path string) int {
	if i, ok := w.pkgIndex[path]; ok {
		return i
	}
	return -1
}

func mergePackage(outer *Package, inner Package) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&outer.Name, inner.Name)
	set(&outer.Version, inner.Version)
	set(&outer.Manufacturer, inner.Manufacturer)
	set(&outer.ProductCode, inner.ProductCode)
	set(&outer.UpgradeCode, inner.UpgradeCode)
	set(&outer.InstallLocation, inner.InstallLocation)
	if outer.Format == "" {
		outer.Format = inner.Format
	}
	for k, v := range inner.Properties {
		if outer.Properties == nil {
			outer.Properties = map[string]string{}
		}
		if _, ok := outer.Properties[k]; !ok {
			outer.Properties[k] = v
		}
	}
}

func joinRel(key, rel string) string {
	if rel == "" {
		return key
	}
	return key + "/" + escapeName(rel)
}

// resolvePackage finds the package a file belongs to: its own entry's
// package, else the package of the entry that held its container, and so
// on outwards; IDs merged with an outer description are rewritten.
func (w *walker) resolvePackage(key, raw string) string {
	for seen := 0; seen < 64; seen++ {
		info := w.containers[key]
		if info == nil {
			return raw
		}
		if raw != "" {
			if id, ok := info.idMap[raw]; ok {
				return id
			}
			return raw
		}
		if key == "" {
			return ""
		}
		key, raw = info.parentKey, info.rawPkg
	}
	return raw
}

// finish moves the walker's results into inv in a deterministic order.
func (w *walker) finish(inv *Inventory) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.applyAliases()
	inv.Files = make([]File, 0, len(w.files))
	for _, fr := range w.files {
		f := fr.File
		f.Package = w.resolvePackage(fr.key, fr.rawPkg)
		inv.Files = append(inv.Files, f)
	}
	sort.SliceStable(inv.Files, func(i, j int) bool {
		a, b := inv.Files[i], inv.Files[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.SHA256 < b.SHA256
	})
	sort.Slice(w.reports, func(i, j int) bool { return w.reports[i].Path < w.reports[j].Path })
	comps, sys := fingerprint.Aggregate(w.reports)
	inv.Components = comps
	if inv.Components == nil {
		inv.Components = []Component{}
	}
	inv.SystemDependencies = sys
	inv.Packages = w.packages // the walk is over: moved, not copied
	w.packages = nil
	if inv.Packages == nil {
		inv.Packages = []Package{}
	}
	sort.SliceStable(inv.Packages, func(i, j int) bool {
		a, b := inv.Packages[i], inv.Packages[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.ID < b.ID
	})
	inv.Actions = append(inv.Actions, w.actions...)
	w.finishFileActions(inv)
	sortActions(inv.Actions)
	if w.actionsDropped > 0 {
		w.problems.add(Problem{Path: escapeName(inv.Artifact.Name), Layer: "action", Offset: -1, Severity: SeverityError,
			Message: fmt.Sprintf("%d more install actions not listed: the list is limited to %d (the problems limit)", w.actionsDropped, w.limits.Problems)})
	}
	inv.Signatures = append(inv.Signatures, w.signatures...)
	sort.SliceStable(inv.Signatures, func(i, j int) bool { return inv.Signatures[i].File < inv.Signatures[j].File })
	for _, s := range inv.Signatures {
		if !s.DigestMatches {
			// The bytes were read; what they were signed as is not what
			// they are: suspicious, said, not silent.
			msg := fmt.Sprintf("%s signature by %q does not verify: the signed digest (%s) is not the digest of the bytes", s.Kind, s.Signer, s.DigestAlgorithm)
			if s.Message != "" {
				msg += " (" + s.Message + ")"
			}
			w.problems.add(Problem{Path: s.File, Layer: "signature", Offset: -1, Severity: SeverityWarning, Message: msg})
		}
	}
	inv.Problems = w.problems.list(inv.Artifact.Name)
	sort.SliceStable(inv.Problems, func(i, j int) bool {
		a, b := inv.Problems[i], inv.Problems[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		return a.Message < b.Message
	})
	inv.Artifact.Identity = w.identity
}

// problemFrom turns an error into a Problem, taking the layer and offset
// from format errors that know them.
// inContainer keeps a problem's offset inside the container it is
// relative to: an entry of a truncated file is declared where the bytes
// no longer are, and an offset past the end would point nowhere. The
// problem then points at the end of the bytes present and its message
// keeps the declared position. Offsets of other layers (relative to a
// decompressed entry, which may be larger than its container) are left.
func inContainer(p Problem, layer string, size int64) Problem {
	if p.Layer == layer && p.Offset > size && size >= 0 {
		p.Message = fmt.Sprintf("%s (declared at offset %d, past the end of the %d bytes present)", p.Message, p.Offset, size)
		p.Offset = size
	}
	return p
}

func problemFrom(path, layer string, err error) Problem {
	p := Problem{Path: path, Layer: layer, Offset: -1, Message: err.Error()}
	var le *LimitError
	var oe OffsetError
	switch {
	case errors.As(err, &le):
		p.Layer = le.Layer
		if le.Path != "" {
			p.Path = le.Path
		}
	case errors.As(err, &oe):
		p.Layer, p.Offset = oe.Layer(), oe.Offset()
		if fe, ok := err.(*formaterr.Error); ok {
			// The problem states layer and offset itself.
			p.Message = fe.Detail()
		}
	}
	return p
}

// escapeName keeps an archive member name faithfully but safely printable,
// so that a name is data and never a filesystem path: invalid UTF-8 bytes
// become \xNN; control characters, noncharacters (U+FFFE, U+FFFF, …) and
// the bidirectional overrides that can make a name read backwards become
// \uNNNN; a backslash becomes \\. '/' stays the nesting separator only
// between two non-empty parts: a leading, trailing or doubled '/' becomes
// \x2f, and a part that is "." or ".." has its dots escaped (\x2e), so a
// name can neither climb out of its container nor be empty, two names never
// collapse into one, and the raw bytes are recoverable by unescaping.
func escapeName(s string) string {
	if nameIsClean(s) {
		return s
	}
	var b strings.Builder
	start := 0 // start of the current part
	for i := 0; i <= len(s); {
		if i == len(s) || s[i] == '/' && i > start && i+1 < len(s) && s[i+1] != '/' {
			part := s[start:i]
			if part == "." || part == ".." {
				b.WriteString(strings.Repeat(`\x2e`, len(part)))
			} else {
				escapePart(&b, part)
			}
			if i == len(s) {
				break
			}
			b.WriteByte('/')
			i++
			start = i
			continue
		}
		i++
	}
	return b.String()
}

// escapeInstallPath escapes an install path like a member name, except for
// its leading '/': install paths on macOS are absolute by design.
func escapeInstallPath(p string) string {
	if rest, ok := strings.CutPrefix(p, "/"); ok && rest != "" {
		return "/" + escapeName(rest)
	}
	return escapeName(p)
}

// nameIsClean reports whether escapeName would return s unchanged.
func nameIsClean(s string) bool {
	if s == "" || s[0] == '/' || s[len(s)-1] == '/' || strings.Contains(s, "//") {
		return s == ""
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == '\\' || c >= 0x80 {
			return false
		}
	}
	for _, part := range strings.Split(s, "/") {
		if part == "." || part == ".." {
			return false
		}
	}
	return true
}

// escapePart escapes one part of a name (no real separators in it).
func escapePart(b *strings.Builder, s string) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/':
			b.WriteString(`\x2f`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isNoncharacter(r) || isBidiControl(r):
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
}

// isNoncharacter reports Unicode's permanently unassigned code points.
func isNoncharacter(r rune) bool {
	return r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe
}

// isBidiControl reports the characters that reorder text around them
// (embeddings, overrides, isolates): a name holding one can display as
// another.
func isBidiControl(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f
}

// kindOf classifies a file from its bytes (and the fingerprint report when
// there is one): an executable by filekind, else text or data.
func kindOf(data []byte, rep *fingerprint.FileReport) string {
	if rep != nil && rep.Kind != "" {
		return rep.Kind
	}
	switch k := filekind.Sniff(data); k {
	case filekind.PE, filekind.ELF, filekind.MachO:
		return string(k)
	}
	head := data[:min(len(data), 8192)]
	if bytes.IndexByte(head, 0) < 0 && utf8.Valid(trimPartialRune(head)) {
		return KindText
	}
	return KindData
}

// trimPartialRune drops a UTF-8 sequence cut by the end of a head slice.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		r, _ := utf8.DecodeLastRune(b)
		if r != utf8.RuneError {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}
