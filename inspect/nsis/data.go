package nsis

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// Data describes an item's bytes as Walk hands them out.
type Data struct {
	// Size is the file's length when the installer states it before the
	// bytes (a solid stream's length word, a stored block), -1 when only
	// decompressing tells (a compressed non-solid block).
	Size int64
	// Packed is the compressed length of a non-solid block; 0 in a solid
	// stream, where files are not compressed one by one.
	Packed int64
	// Offset is the file offset of the item's block (non-solid), or of
	// the compressed input where its data starts (solid).
	Offset int64
}

// Walk calls fn for each of Items in order, with a reader of its bytes
// valid until fn returns, or with the error that keeps them from being
// read (r is nil). fn need not read to the end. A solid stream is
// decoded once, front to back; after it breaks, the remaining items get
// its error. An error from fn stops the walk and is returned, and so does
// a refusal of MaxTotalBytes or Options.Charge.
func (in *Installer) Walk(fn func(it Item, d Data, r io.Reader, err error) error) error {
	if in.Solid {
		return in.walkSolid(fn)
	}
	for _, it := range in.Items {
		if it.bad != nil {
			if err := fn(it, Data{Size: -1, Offset: -1}, nil, place(it.bad, it.Path, -1)); err != nil {
				return err
			}
			continue
		}
		d, r, err := in.openBlock(it)
		if in.stop != nil {
			return in.stop
		}
		if err != nil {
			err = place(err, it.Path, d.Offset)
			r = nil
		} else {
			r = &itemReader{r: r, path: it.Path, off: d.Offset}
		}
		if err := fn(it, d, r, err); err != nil {
			return err
		}
		if in.stop != nil {
			return in.stop
		}
	}
	return nil
}

// block locates the non-solid block at data position pos: its file offset,
// length and whether it is compressed.
func (in *Installer) block(pos int64) (off, n int64, compressed bool, err error) {
	off = in.blocksBase + pos
	if pos < 0 || off+4 > in.dataEnd {
		return off, 0, false, in.pastEnd(off, "block")
	}
	var w [4]byte
	if err := readAt(in.r, w[:], off); err != nil {
		return off, 0, false, errorf(off, err, "cannot read the block's length")
	}
	v := binary.LittleEndian.Uint32(w[:])
	n, compressed = int64(v&^(1<<31)), v&(1<<31) != 0
	if off+4+n > in.dataEnd {
		return off, n, compressed, in.pastEnd(off, fmt.Sprintf("%d-byte block", n))
	}
	return off, n, compressed, nil
}

// pastEnd is the error of a block that is not (wholly) in the data.
func (in *Installer) pastEnd(off int64, what string) error {
	if in.Truncated {
		return errorf(off, ErrTruncated, "%s at offset %d ends past the end of the file (%d bytes)", what, off, in.size)
	}
	return errorf(off, nil, "%s at offset %d ends past the end of the installer's data (%d)", what, off, in.dataEnd)
}

// blockReader returns a reader of the data of the non-solid block at pos.
func (in *Installer) blockReader(pos int64) (io.Reader, Data, error) {
	off, n, compressed, err := in.block(pos)
	d := Data{Size: n, Packed: n, Offset: off}
	if err != nil {
		return nil, d, err
	}
	if !compressed || in.Method == Stored {
		return io.NewSectionReader(in.r, off+4, n), d, nil
	}
	d.Size = -1
	s, err := newStream(in.r, off+4, n, false, in.Method, in.filter, in.opts.MaxRatio, in.outBound(n))
	if err != nil {
		return nil, d, err
	}
	return s, d, nil
}

// openBlock opens an item of a non-solid installer.
func (in *Installer) openBlock(it Item) (Data, io.Reader, error) {
	r, d, err := in.blockReader(it.Pos)
	if err != nil || it.Kind != KindUninstaller {
		return d, r, err
	}
	// The uninstaller: the icon patch block, then the next block.
	patch, err := in.readPatch(r, d.Offset)
	if err != nil {
		return d, nil, err
	}
	stub, err := in.patchedStub(patch, d.Offset)
	if err != nil {
		return d, nil, err
	}
	next := it.Pos + 4 + d.Packed
	r2, d2, err := in.blockReader(next)
	if err != nil {
		return d, nil, err
	}
	size := int64(-1)
	if d2.Size >= 0 {
		size = int64(len(stub)) + d2.Size
	}
	return Data{Size: size, Packed: d.Packed + 4 + d2.Packed, Offset: d.Offset}, io.MultiReader(bytes.NewReader(stub), r2), nil
}

// readPatch reads an uninstaller's icon patch: at most MaxHeaderBytes.
func (in *Installer) readPatch(r io.Reader, off int64) ([]byte, error) {
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, in.opts.MaxHeaderBytes+1)
	if err := in.charge(n); err != nil {
		return nil, err
	}
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n > in.opts.MaxHeaderBytes {
		return nil, limitErr(off, "MaxHeaderBytes", in.opts.MaxHeaderBytes, "uninstaller icon patch is larger")
	}
	return buf.Bytes(), nil
}

// patchedStub rebuilds an uninstaller's stub as exehead does: the
// installer's bytes before the firstheader, with each (size, offset, data)
// record of the patch copied in, up to a zero size.
func (in *Installer) patchedStub(patch []byte, off int64) ([]byte, error) {
	if in.stub == nil {
		if in.Offset > in.opts.MaxHeaderBytes {
			return nil, limitErr(off, "MaxHeaderBytes", in.opts.MaxHeaderBytes, fmt.Sprintf("uninstaller stub of %d bytes", in.Offset))
		}
		in.stub = make([]byte, in.Offset)
		if err := readAt(in.r, in.stub, 0); err != nil {
			in.stub = nil
			return nil, errorf(0, err, "cannot read the stub")
		}
		if err := in.charge(in.Offset); err != nil {
			return nil, err
		}
	}
	stub := bytes.Clone(in.stub)
	le := binary.LittleEndian
	for p := patch; ; {
		if len(p) < 4 {
			return nil, errorf(off, nil, "uninstaller icon patch ends without its terminator")
		}
		n := int64(le.Uint32(p))
		if n == 0 {
			return stub, nil
		}
		if len(p) < 8 {
			return nil, errorf(off, nil, "uninstaller icon patch record is cut short")
		}
		at := int64(le.Uint32(p[4:]))
		p = p[8:]
		if n > int64(len(p)) || at > int64(len(stub)) || n > int64(len(stub))-at {
			return nil, errorf(off, nil, "uninstaller icon patch writes %d bytes at %d, outside the %d-byte stub", n, at, len(stub))
		}
		copy(stub[at:], p[:n])
		p = p[n:]
	}
}

// walkSolid walks the items of a solid installer through one stream.
func (in *Installer) walkSolid(fn func(Item, Data, io.Reader, error) error) error {
	w := &solidWalk{in: in, s: in.solid}
	in.solid = nil
	if w.s == nil { // a second walk: decode the header again
		s, err := in.openSolid()
		if err == nil {
			w.s = s
			err = w.discard(in.solidSkip)
		}
		w.broken = err
	} else {
		w.pos = 0
	}
	for i, it := range in.Items {
		if it.bad != nil {
			if err := fn(it, Data{Size: -1, Offset: -1}, nil, place(it.bad, it.Path, -1)); err != nil {
				return err
			}
			continue
		}
		d, r, err := w.open(it, i)
		if in.stop != nil {
			return in.stop
		}
		if err != nil {
			r = nil
			err = place(err, it.Path, d.Offset)
		} else if r != nil {
			r = &itemReader{r: r, path: it.Path, off: d.Offset}
		}
		if err := fn(it, d, r, err); err != nil {
			return err
		}
		w.finish()
		if in.stop != nil {
			return in.stop
		}
	}
	return nil
}

// solidWalk is the state of a walk through a solid stream: pos is the
// stream position relative to the end of the header (the items' Pos).
type solidWalk struct {
	in     *Installer
	s      *stream
	pos    int64
	broken error // the stream cannot be read past pos

	cur *exactReader // the data handed out for the current item

	// dup keeps the current item's bytes when the next item shares them.
	dup    *bytes.Buffer
	dupPos int64
	held   []byte // the previous item's bytes, for items at heldPos
	heldAt int64
}

// open returns the data of item i.
func (w *solidWalk) open(it Item, i int) (Data, io.Reader, error) {
	in := w.in
	d := Data{Size: -1}
	if w.held != nil && it.Pos == w.heldAt && it.Kind != KindUninstaller {
		d.Size = int64(len(w.held))
		return d, bytes.NewReader(w.held), nil
	}
	w.held = nil
	if w.broken != nil {
		return d, nil, w.broken
	}
	d.Offset = w.s.offset()
	if it.Pos < w.pos {
		return d, nil, errorf(d.Offset, nil, "data at stream position %d was already passed (at %d)", it.Pos, w.pos)
	}
	if err := w.discard(it.Pos - w.pos); err != nil {
		w.broken = err
		return d, nil, err
	}
	d.Offset = w.s.offset()
	n, err := w.length()
	if err != nil {
		return d, nil, err
	}
	if it.Kind == KindUninstaller {
		return w.openUninstaller(it, n, d)
	}
	d.Size = n
	w.cur = &exactReader{r: w.s, left: n, s: w.s}
	var r io.Reader = w.cur
	if next := i + 1; next < len(in.Items) && in.Items[next].Pos == it.Pos && in.Items[next].Kind != KindUninstaller {
		if n > in.opts.MaxFileBytes {
			return d, nil, limitErr(d.Offset, "MaxFileBytes", in.opts.MaxFileBytes,
				fmt.Sprintf("file of %d bytes written to more than one path", n))
		}
		w.dup, w.dupPos = &bytes.Buffer{}, it.Pos
		r = io.TeeReader(w.cur, w.dup)
	}
	return d, r, nil
}

// length reads a block's length word and moves pos past it and its data.
func (w *solidWalk) length() (int64, error) {
	v, err := w.s.u32()
	if err != nil {
		w.broken = err
		return 0, err
	}
	n := int64(v)
	w.pos += 4 + n
	return n, nil
}

// openUninstaller reads the icon patch (n bytes) and returns the stub and
// the block after it.
func (w *solidWalk) openUninstaller(it Item, n int64, d Data) (Data, io.Reader, error) {
	in := w.in
	if n > in.opts.MaxHeaderBytes {
		w.broken = limitErr(d.Offset, "MaxHeaderBytes", in.opts.MaxHeaderBytes, fmt.Sprintf("uninstaller icon patch of %d bytes", n))
		return d, nil, w.broken
	}
	patch := make([]byte, 0, min(n, 1<<20))
	buf := bytes.NewBuffer(patch)
	got, err := io.CopyN(buf, w.s, n)
	if cerr := in.charge(got); cerr != nil {
		w.broken = cerr
		return d, nil, cerr
	}
	if err != nil {
		if err == io.EOF {
			err = errorf(w.s.offset(), io.ErrUnexpectedEOF, "stream ends inside the uninstaller's icon patch")
		}
		w.broken = err
		return d, nil, err
	}
	stub, err := in.patchedStub(buf.Bytes(), d.Offset)
	if err != nil {
		return d, nil, err // the stream is intact: the next item skips the rest
	}
	n2, err := w.length()
	if err != nil {
		return d, nil, err
	}
	d.Size = int64(len(stub)) + n2
	w.cur = &exactReader{r: w.s, left: n2, s: w.s}
	return d, io.MultiReader(bytes.NewReader(stub), w.cur), nil
}

// finish skips what the caller left of the current item's data, and keeps
// the bytes for the next item when it shares them.
func (w *solidWalk) finish() {
	cur, dup := w.cur, w.dup
	w.cur, w.dup = nil, nil
	if cur == nil {
		return
	}
	if dup != nil && cur.err == nil {
		if _, err := io.Copy(dup, cur); err != nil {
			w.broken = err
			return
		}
		w.held, w.heldAt = dup.Bytes(), w.dupPos
		return
	}
	if cur.err != nil {
		w.broken = cur.err
		return
	}
	if err := w.discardFrom(cur); err != nil && w.broken == nil {
		w.broken = err
	}
}

// discard decodes n bytes nobody reads, counting them.
func (w *solidWalk) discard(n int64) error {
	return w.discardFrom(&exactReader{r: w.s, left: n, s: w.s})
}

func (w *solidWalk) discardFrom(r *exactReader) error {
	buf := make([]byte, 64<<10)
	for r.left > 0 {
		k, err := r.Read(buf[:min(int64(len(buf)), r.left)])
		if cerr := w.in.charge(int64(k)); cerr != nil {
			return cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// exactReader reads exactly left bytes of a stream: one that ends sooner
// is an error, not a short file.
type exactReader struct {
	r    io.Reader
	s    *stream
	left int64
	err  error
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.left <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), e.left)]
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		if e.s.cut {
			err = errorf(e.s.offset(), ErrTruncated, "stream ends where the file does, %d bytes short", e.left)
		} else {
			err = errorf(e.s.offset(), io.ErrUnexpectedEOF, "stream ends %d bytes short", e.left)
		}
	}
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// itemReader places the errors met while reading an item's bytes.
type itemReader struct {
	r    io.Reader
	path string
	off  int64
}

func (r *itemReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = place(err, r.path, r.off)
	}
	return n, err
}
