package cab

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/cab/lzx"
	"github.com/installer-sbom/installer-sbom/inspect/cab/quantum"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// maxBlockOut is the most one data block may decompress to.
const maxBlockOut = 32768

// Walk decodes each folder once and calls fn for each file in folder order
// (with Options.Workers > 1, later folders are decoded ahead concurrently;
// fn still sees the same files, bytes and errors in the same order). r is valid only until fn returns and need not be read to the
// end. When a file's bytes cannot be produced (corrupt folder, bad checksum,
// unsupported method) fn gets r == nil and err != nil (a *FormatError) and the
// walk continues with the next folder; an error returned by fn stops the walk.
//
// Walk itself fails before decoding anything when the folders' declared
// sizes add up to more than Options.MaxTotalBytes, counting the folders that
// files send back to their start (restarts) once per pass, or when such
// restarts would decode more than Options.MaxRatio times the cabinet's size.
// The bytes that restarts and gaps decode without handing them to fn are
// given to Options.Charge first.
func (c *Cabinet) Walk(fn func(f *File, r io.Reader, err error) error) error {
	byFolder := make([][]*File, len(c.Folders))
	for _, f := range c.Files {
		if f.Folder >= 0 && f.Folder < len(c.Folders) {
			byFolder[f.Folder] = append(byFolder[f.Folder], f)
		}
	}
	var total, need, skipped int64
	for i, files := range byFolder {
		slices.SortStableFunc(files, func(a, b *File) int { return cmp.Compare(a.FolderOffset, b.FolderOffset) })
		work, skip := folderWork(files)
		total += work
		need += folderNeed(files)
		skipped += skip
		if total > c.opts.MaxTotalBytes {
			what := fmt.Sprintf("the cabinet's folders declare more than %d uncompressed bytes", c.opts.MaxTotalBytes)
			if total > need {
				what = fmt.Sprintf("decoding the cabinet's folders, restarts included, takes more than %d bytes", c.opts.MaxTotalBytes)
			}
			return limitErr(c.Folders[i].Offset, -1, "MaxTotalBytes", c.opts.MaxTotalBytes, what)
		}
		if total > need && total > ratioGrace && total/max(c.inputSize(), 1) > c.opts.MaxRatio {
			return limitErr(c.Folders[i].Offset, i, "MaxRatio", c.opts.MaxRatio,
				fmt.Sprintf("files that send their folders back to the start would decode %d bytes from a %d-byte cabinet", total, c.inputSize()))
		}
	}
	if skipped > 0 && c.opts.Charge != nil {
		if err := c.opts.Charge(skipped); err != nil {
			return err
		}
	}
	if c.opts.Workers > 1 {
		return c.walkAhead(byFolder, fn)
	}
	w := &walker{c: c}
	defer w.release()
	for i, files := range byFolder {
		if len(files) == 0 {
			continue
		}
		if err := w.folder(i, files, fn); err != nil {
			return err
		}
	}
	return nil
}

// folderNeed is how many uncompressed bytes of a folder its files use.
func folderNeed(files []*File) int64 {
	var need int64
	for _, f := range files {
		need = max(need, f.FolderOffset+f.Size)
	}
	return need
}

// folderWork is how many bytes decoding a folder for its files (sorted by
// folder offset) takes, each restart decoding again from the folder's start
// (see walker.folder), and how many of them are skipped rather than handed
// out as a file's bytes.
func folderWork(files []*File) (work, skipped int64) {
	var pos int64
	for _, f := range files {
		if f.Size == 0 {
			continue
		}
		if f.FolderOffset < pos {
			work += pos
			pos = 0
		}
		skipped += f.FolderOffset - pos
		pos = f.FolderOffset + f.Size
	}
	return work + pos, skipped
}

// inputSize is the size of the cabinets the folders' data lies in.
func (c *Cabinet) inputSize() int64 {
	seen := map[string]bool{}
	var n int64
	for _, f := range c.Folders {
		for _, p := range f.parts {
			if !seen[p.cabinet] {
				seen[p.cabinet] = true
				n += p.size
			}
		}
	}
	return n
}

// lzxPool keeps LZX decoders (a 2 MiB window each) between walks;
// quantumPool Quantum decoders (up to 2 MiB each).
var lzxPool, quantumPool sync.Pool

// quantumLayer is a Quantum stream error placed in the cabinet, spelled
// `cab: folder 1 data block 2 at offset 0x40: quantum: message`.
var quantumLayer = &formaterr.Layer{Name: "quantum", Prefix: "cab", HideCause: true}

// walker holds decoder state reused across the folders of one Walk.
type walker struct {
	c *Cabinet
	// pipeline decodes each folder on a goroutine of its own, ahead of
	// the callback (for the folder the walk streams, not for those
	// already decoded ahead into memory).
	pipeline bool
	lzx      *lzx.Decoder
	quantum  *quantum.Decoder
	mszip    *mszipDecoder
	buf      []byte
	join     []byte
}

// release returns pooled decoders; the LZX decoder drops its reference to
// the walk's input function first.
func (w *walker) release() {
	if w.lzx != nil {
		w.lzx.Close()
		lzxPool.Put(w.lzx)
		w.lzx = nil
	}
	if w.quantum != nil {
		quantumPool.Put(w.quantum)
		w.quantum = nil
	}
}

func (w *walker) folder(idx int, files []*File, fn func(*File, io.Reader, error) error) error {
	c := w.c
	f := c.Folders[idx]
	fail := func(err error) error {
		for _, file := range files {
			if e := fn(file, nil, err); e != nil {
				return e
			}
		}
		return nil
	}
	folderErr := func(format string, args ...any) *FormatError {
		e := formatErr(f.Offset, format, args...)
		e.Where = place("", idx, -1)
		return e
	}
	switch {
	case f.prevMissing != "":
		return fail(folderErr("folder continues from cabinet %q, which was not opened", f.prevMissing))
	case f.method == methodQuantum && (f.windowBits < quantum.MinWindowBits || f.windowBits > quantum.MaxWindowBits):
		return fail(folderErr("Quantum window 2^%d outside 2^%d..2^%d", f.windowBits, quantum.MinWindowBits, quantum.MaxWindowBits))
	case f.method == methodLZX && (f.windowBits < 15 || f.windowBits > 21):
		return fail(folderErr("LZX window 2^%d outside 2^15..2^21", f.windowBits))
	case f.method != methodNone && f.method != methodMSZIP && f.method != methodLZX && f.method != methodQuantum:
		return fail(folderErr("compression type %d not supported", f.method))
	}
	need := folderNeed(files)
	if need > c.opts.MaxFolderBytes {
		return fail(limitErr(f.Offset, idx, "MaxFolderBytes", c.opts.MaxFolderBytes,
			fmt.Sprintf("folder's files need %d uncompressed bytes", need)))
	}
	if need > int64(f.DataBlocks)*maxBlockOut {
		return fail(folderErr("files need %d bytes but %d data blocks hold at most %d", need, f.DataBlocks, int64(f.DataBlocks)*maxBlockOut))
	}
	fr := &folderReader{w: w, f: f, idx: idx, need: need}
	if err := fr.start(); err != nil {
		return fail(err)
	}
	if w.pipeline && need > pipeAbove {
		fr = fr.pipelined()
		defer fr.pipe.close()
	}
	for _, file := range files {
		if file.Size == 0 {
			if err := fn(file, eofReader{}, nil); err != nil {
				return err
			}
			continue
		}
		if fr.err == nil && file.FolderOffset < fr.pos {
			// Files that overlap or come back on earlier data: decode
			// the folder again from its start, in line from then on.
			fr = fr.unpipe()
			fr.restart()
		}
		if fr.err == nil {
			fr.skip(file.FolderOffset - fr.pos)
		}
		if fr.err != nil {
			if err := fn(file, nil, fr.err); err != nil {
				return err
			}
			continue
		}
		r := &fileReader{fr: fr, left: file.Size}
		err := fn(file, r, nil)
		r.fr = nil
		if err != nil {
			return err
		}
	}
	return nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

// fileReader streams one file's bytes from its folder.
type fileReader struct {
	fr   *folderReader
	left int64
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.fr == nil {
		return 0, errors.New("cab: file reader used after its callback returned")
	}
	if r.left == 0 {
		return 0, io.EOF
	}
	fr := r.fr
	if fr.outPos == len(fr.out) {
		if !fr.fill() {
			return 0, fr.err
		}
	}
	n := copy(p[:min(int64(len(p)), r.left)], fr.out[fr.outPos:])
	fr.outPos += n
	fr.pos += int64(n)
	r.left -= int64(n)
	return n, nil
}

// WriteTo hands decoded frames to w without an intermediate copy.
func (r *fileReader) WriteTo(w io.Writer) (int64, error) {
	var written int64
	for r.left > 0 {
		if r.fr == nil {
			return written, errors.New("cab: file reader used after its callback returned")
		}
		fr := r.fr
		if fr.outPos == len(fr.out) {
			if !fr.fill() {
				return written, fr.err
			}
		}
		chunk := fr.out[fr.outPos:]
		chunk = chunk[:min(int64(len(chunk)), r.left)]
		n, err := w.Write(chunk)
		fr.outPos += n
		fr.pos += int64(n)
		r.left -= int64(n)
		written += int64(n)
		if err != nil {
			return written, err
		}
		if n < len(chunk) {
			return written, io.ErrShortWrite
		}
	}
	return written, nil
}

// folderReader decodes one folder's data blocks in order.
type folderReader struct {
	w    *walker
	f    *Folder
	idx  int
	need int64 // bytes the folder's files use; decoding stops there

	// Position in the folder's data blocks.
	part      int
	partBlock int   // next block within the part
	next      int64 // file offset of the next block header in the part
	block     int   // logical index of the next block
	// The block being decoded, for error messages.
	curBlock int
	curAt    int64
	curCab   string
	// Where the block's data starts in its cabinet and how long it is
	// there (the first part of a block split across cabinets).
	curData, curLen int64

	out    []byte // decoded bytes of the current block
	outPos int
	pos    int64 // folder offset of out[outPos]
	end    int64 // folder offset just past out

	compressed int64 // compressed bytes read
	work       int64 // bytes decoded, restarts included
	err        error

	// LZX pulls input blocks ahead of the frame it decodes: the sizes of
	// blocks read but not yet decoded, and whether the last read block is
	// still to be handed to the decoder.
	lzxSizes   []int
	lzxPending []byte
	lzxBlocks  []lzxBlock

	// pipe, when set, decodes the folder on another goroutine and fill
	// takes its blocks (pipe.go); only out, outPos, pos, end and err are
	// this reader's own then.
	pipe *blockPipe
}

// lzxBlock maps LZX stream offsets back to data blocks for error messages.
type lzxBlock struct {
	streamStart int64
	length      int64
	at          int64
	block       int
	cabinet     string
}

func (fr *folderReader) start() error {
	fr.part, fr.partBlock, fr.block = 0, 0, 0
	fr.next = fr.f.parts[0].offset
	fr.out, fr.outPos, fr.pos, fr.end = nil, 0, 0, 0
	fr.compressed = 0
	fr.lzxSizes = fr.lzxSizes[:0]
	fr.lzxPending = nil
	fr.lzxBlocks = fr.lzxBlocks[:0]
	w := fr.w
	switch fr.f.method {
	case methodLZX:
		if w.lzx == nil {
			w.lzx, _ = lzxPool.Get().(*lzx.Decoder)
		}
		var err error
		if w.lzx == nil {
			w.lzx, err = lzx.NewDecoder(fr.f.windowBits, fr.lzxNext)
		} else {
			err = w.lzx.Reset(fr.f.windowBits, fr.lzxNext)
		}
		if err != nil {
			return fr.errorf("%v", err)
		}
	case methodQuantum:
		if w.quantum == nil {
			w.quantum, _ = quantumPool.Get().(*quantum.Decoder)
		}
		var err error
		if w.quantum == nil {
			w.quantum, err = quantum.NewDecoder(fr.f.windowBits)
		} else {
			err = w.quantum.Reset(fr.f.windowBits)
		}
		if err != nil {
			return fr.errorf("%v", err)
		}
	case methodMSZIP:
		if w.mszip == nil {
			w.mszip = &mszipDecoder{}
		}
		w.mszip.reset()
	}
	return nil
}

func (fr *folderReader) restart() {
	if err := fr.start(); err != nil {
		fr.err = err
	}
}

func (fr *folderReader) errorf(format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: fr.curAt, Where: place(fr.curCab, fr.idx, fr.curBlock), Msg: fmt.Sprintf(format, args...)}
}

// skip discards n decoded bytes.
func (fr *folderReader) skip(n int64) {
	for n > 0 {
		if fr.outPos == len(fr.out) && !fr.fill() {
			return
		}
		k := min(n, int64(len(fr.out)-fr.outPos))
		fr.outPos += int(k)
		fr.pos += k
		n -= k
	}
}

// fill decodes the next block into out. It reports false and sets err when
// no more bytes can be produced.
func (fr *folderReader) fill() bool {
	if fr.pipe != nil {
		return fr.fillFromPipe()
	}
	if fr.err != nil {
		return false
	}
	o := &fr.w.c.opts
	if fr.end >= fr.need {
		fr.err = fr.errorf("folder data ends at %d bytes, before the files it holds", fr.end)
		return false
	}
	var out []byte
	var err error
	switch fr.f.method {
	case methodLZX:
		out, err = fr.lzxFrame()
	case methodQuantum:
		out, err = fr.quantumFrame()
	default:
		var data []byte
		var n int
		data, n, err = fr.readBlock()
		if err == nil {
			if fr.f.method == methodNone {
				if len(data) != n {
					err = fr.errorf("stored block holds %d bytes but declares %d", len(data), n)
				}
				out = data
			} else {
				out, err = fr.w.mszip.decode(data, n)
				if err != nil {
					err = fr.errorf("MSZIP: %v", err)
				}
			}
		}
	}
	if err == io.EOF {
		err = fr.errorf("folder data ends at %d bytes, before the files it holds (%d bytes)", fr.end, fr.need)
		if fr.f.nextMissing != "" {
			err = fr.errorf("folder continues in cabinet %q, which was not opened", fr.f.nextMissing)
		}
	}
	if err != nil {
		fr.err = err
		return false
	}
	fr.out, fr.outPos = out, 0
	fr.end += int64(len(out))
	fr.work += int64(len(out))
	if fr.work > o.MaxFolderBytes {
		fr.err = limitErr(fr.curAt, fr.idx, "MaxFolderBytes", o.MaxFolderBytes, "decoding the folder (restarts included) exceeds the limit")
		return false
	}
	if fr.end > ratioGrace && fr.end/max(fr.compressed, 1) > o.MaxRatio {
		fr.err = limitErr(fr.curAt, fr.idx, "MaxRatio", o.MaxRatio,
			fmt.Sprintf("folder expanded %d compressed bytes to %d", fr.compressed, fr.end))
		return false
	}
	return true
}

// readBlock reads the next logical data block: a CFDATA block, or a block
// split across two cabinets joined back together. It returns io.EOF after the
// folder's last block.
func (fr *folderReader) readBlock() ([]byte, int, error) {
	w := fr.w
	joined := false
	w.join = w.join[:0]
	for {
		if fr.part >= len(fr.f.parts) {
			return nil, 0, io.EOF
		}
		p := &fr.f.parts[fr.part]
		if fr.partBlock >= p.blocks {
			fr.part++
			fr.partBlock = 0
			if fr.part < len(fr.f.parts) {
				fr.next = fr.f.parts[fr.part].offset
			}
			continue
		}
		at := fr.next
		if !joined {
			fr.curBlock, fr.curAt, fr.curCab = fr.block, at, p.cabinet
			fr.curLen = 0
		}
		hlen := int64(dataHeaderSize + p.dataReserve)
		if at < 0 || at+hlen > p.size {
			return nil, 0, fr.errorf("data block header at 0x%x runs past the end of the cabinet (%d bytes)", at, p.size)
		}
		var hb [dataHeaderSize + 255]byte
		h := hb[:hlen]
		if _, err := p.r.ReadAt(h, at); err != nil {
			return nil, 0, fr.errorf("reading data block header: %v", err)
		}
		le := binary.LittleEndian
		sum := le.Uint32(h[0:])
		cbData := int64(le.Uint16(h[4:]))
		cbUncomp := int(le.Uint16(h[6:]))
		if at+hlen+cbData > p.size {
			return nil, 0, fr.errorf("data block of %d bytes runs past the end of the cabinet", cbData)
		}
		if !joined {
			fr.curData, fr.curLen = at+hlen, cbData
		}
		if cbUncomp > maxBlockOut {
			return nil, 0, fr.errorf("data block declares %d uncompressed bytes, more than %d", cbUncomp, maxBlockOut)
		}
		if cap(w.buf) < int(cbData) {
			w.buf = make([]byte, 0, 65536)
		}
		data := w.buf[:cbData]
		if _, err := p.r.ReadAt(data, at+hlen); err != nil {
			return nil, 0, fr.errorf("reading data block: %v", err)
		}
		if sum != 0 && !checksumOK(sum, h[4:], data) {
			return nil, 0, &FormatError{In: layer, Off: at, Where: place(p.cabinet, fr.idx, fr.curBlock),
				Msg: "data block checksum mismatch", Err: ErrChecksum}
		}
		fr.next = at + hlen + cbData
		fr.partBlock++
		fr.compressed += cbData
		lastInPart := fr.partBlock == p.blocks
		if cbUncomp == 0 {
			if lastInPart && fr.part+1 < len(fr.f.parts) {
				// The block continues in the next cabinet.
				w.join = append(w.join, data...)
				joined = true
				continue
			}
			if lastInPart && fr.f.nextMissing != "" {
				return nil, 0, fr.errorf("data block continues in cabinet %q, which was not opened", fr.f.nextMissing)
			}
			return nil, 0, fr.errorf("data block declares no uncompressed bytes")
		}
		fr.block++
		if joined {
			w.join = append(w.join, data...)
			return w.join, cbUncomp, nil
		}
		return data, cbUncomp, nil
	}
}

// lzxNext feeds the LZX decoder its next input block.
func (fr *folderReader) lzxNext() ([]byte, error) {
	var data []byte
	if fr.lzxPending != nil {
		data, fr.lzxPending = fr.lzxPending, nil
	} else {
		var n int
		var err error
		data, n, err = fr.readBlock()
		if err != nil {
			return nil, err
		}
		fr.lzxSizes = append(fr.lzxSizes, n)
	}
	var start int64
	if k := len(fr.lzxBlocks); k > 0 {
		start = fr.lzxBlocks[k-1].streamStart + fr.lzxBlocks[k-1].length
	}
	if len(fr.lzxBlocks) == 8 {
		copy(fr.lzxBlocks, fr.lzxBlocks[1:])
		fr.lzxBlocks = fr.lzxBlocks[:7]
	}
	fr.lzxBlocks = append(fr.lzxBlocks, lzxBlock{streamStart: start, length: int64(len(data)), at: fr.curAt, block: fr.curBlock, cabinet: fr.curCab})
	return data, nil
}

// lzxFrame decodes the frame of the next data block.
func (fr *folderReader) lzxFrame() ([]byte, error) {
	if len(fr.lzxSizes) == 0 {
		data, n, err := fr.readBlock()
		if err != nil {
			return nil, err
		}
		fr.lzxPending = data
		fr.lzxSizes = append(fr.lzxSizes, n)
	}
	n := fr.lzxSizes[0]
	fr.lzxSizes = fr.lzxSizes[:copy(fr.lzxSizes, fr.lzxSizes[1:])]
	out, err := fr.w.lzx.Frame(n)
	if err != nil {
		if le, ok := formaterr.As(err, "lzx"); ok {
			return nil, fr.lzxError(le)
		}
		return nil, err
	}
	return out, nil
}

// lzxError places an LZX stream error at the data block it happened in.
func (fr *folderReader) lzxError(le *lzx.FormatError) error {
	at, cabinet, block := fr.curAt, fr.curCab, fr.curBlock
	for i := len(fr.lzxBlocks) - 1; i >= 0; i-- {
		b := fr.lzxBlocks[i]
		if le.Off >= b.streamStart {
			at = b.at + dataHeaderSize + int64(fr.f.parts[0].dataReserve) + (le.Off - b.streamStart)
			block, cabinet = b.block, b.cabinet
			break
		}
	}
	return &FormatError{In: lzxLayer, Off: at, Where: place(cabinet, fr.idx, block), Msg: "lzx: " + le.Msg, Err: le}
}

// quantumFrame decodes the next data block of a Quantum folder: each block
// is one frame.
func (fr *folderReader) quantumFrame() ([]byte, error) {
	data, n, err := fr.readBlock()
	if err != nil {
		return nil, err
	}
	out, err := fr.w.quantum.Frame(data, n)
	if err != nil {
		if qe, ok := formaterr.As(err, "quantum"); ok {
			return nil, fr.quantumError(qe)
		}
		return nil, err
	}
	return out, nil
}

// quantumError places a Quantum frame error at its byte in the data block
// (within the block's first part, when the block is split across cabinets).
func (fr *folderReader) quantumError(qe *quantum.FormatError) error {
	at := fr.curAt
	if fr.curLen > 0 {
		at = fr.curData + min(qe.Off, fr.curLen-1)
	}
	return &FormatError{In: quantumLayer, Off: at, Where: place(fr.curCab, fr.idx, fr.curBlock), Msg: "quantum: " + qe.Msg, Err: qe}
}
