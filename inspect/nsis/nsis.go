// Package nsis reads NSIS installers (Nullsoft Scriptable Install System):
// the setup.exe of most open-source Windows applications. It lists every
// file the install script writes, by the path it is installed to, and
// reads each file's bytes, in memory, without running anything.
//
// An installer is a PE file, the exehead stub, followed at a 512-byte
// boundary by the firstheader and the data (Source/exehead/fileform.h):
//
//	stub | firstheader (28 bytes) | header + files | CRC32 of file[512:] (optional)
//
// The header (the script: instructions, strings, language tables) and the
// files are compressed with one method (zlib, bzip2, LZMA, or none):
//
//	non-solid: [len|0x80000000][compressed header] then per file [len|flag][its data]
//	solid:     one compressed stream: [len][header] then per file [len][data]
//
// where bit 31 of a non-solid block's length says it is compressed
// (makensis stores incompressible files raw). A file's place in the data
// is the Pos its File instruction records; files with identical contents
// share one block. An uninstaller is the stub, with the uninstaller icon
// patched in from one block, followed by the next block: its own NSIS
// data, so that it is an NSIS installer itself.
//
// Install paths come from the script as 7-Zip derives them: each File
// instruction's name is joined to the directory the last SetOutPath
// instruction set, in instruction order. Variables and constants stay as
// the script spells them ($INSTDIR, $PLUGINSDIR, $SYSDIR).
//
// Supported: NSIS 2.x (ANSI) and 3.x (Unicode and ANSI) as the official
// builds lay them out. Not supported: Jim Park's Unicode NSIS 2 fork (its
// strings are misread), 7-Zip's own LZMA+BCJ installer builds (reported as
// an error), the layout of NSIS 1.x, the script's control flow (a file
// written only on some path is listed like every other).
//
// Everything the file says is untrusted: the header's declared length is
// bounded by MaxHeaderBytes and only grows as decompressed bytes arrive,
// every block offset and count in it is checked before it is used, every
// decompressed byte counts against MaxRatio, and bytes decoded without
// being handed out (the header, data no file names, what a caller skipped)
// against MaxTotalBytes and Options.Charge. Errors name the layer "nsis"
// and a file offset.
package nsis

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
)

// Options bound what Open and Walk accept. Zero fields take the defaults.
type Options struct {
	// MaxHeaderBytes bounds the decompressed script header, and the stub
	// and icon patch an uninstaller is rebuilt from; default 64 MiB.
	MaxHeaderBytes int64
	// MaxItems bounds the files the script writes; default 1,000,000.
	MaxItems int
	// MaxRatio bounds decompressed/compressed bytes of the header, each
	// non-solid block and the solid stream (beyond its first MiB);
	// default 1000.
	MaxRatio int64
	// MaxTotalBytes bounds the bytes decoded but not handed to the
	// caller (the header, skipped data); default 8 GiB.
	MaxTotalBytes int64
	// MaxFileBytes bounds a file held in memory to be handed out again
	// for a second path with the same data (solid installers only);
	// default 2 GiB.
	MaxFileBytes int64
	// MaxDictBytes bounds the LZMA dictionary allocated, whatever the
	// stream declares; default 256 MiB (makensis's default is 8 MiB). A
	// stream that refers further back than that fails.
	MaxDictBytes int64
	// Charge, when set, is told of every such byte and may stop the
	// walk with an error.
	Charge func(n int64) error
}

func (o *Options) withDefaults() Options {
	d := Options{MaxHeaderBytes: 64 << 20, MaxItems: 1_000_000, MaxRatio: 1000, MaxTotalBytes: 8 << 30, MaxFileBytes: 2 << 30,
		MaxDictBytes: 256 << 20}
	if o == nil {
		return d
	}
	if o.MaxHeaderBytes > 0 {
		d.MaxHeaderBytes = o.MaxHeaderBytes
	}
	if o.MaxItems > 0 {
		d.MaxItems = o.MaxItems
	}
	if o.MaxRatio > 0 {
		d.MaxRatio = o.MaxRatio
	}
	if o.MaxTotalBytes > 0 {
		d.MaxTotalBytes = o.MaxTotalBytes
	}
	if o.MaxFileBytes > 0 {
		d.MaxFileBytes = o.MaxFileBytes
	}
	if o.MaxDictBytes > 0 {
		d.MaxDictBytes = o.MaxDictBytes
	}
	d.Charge = o.Charge
	return d
}

// Installer is an opened NSIS installer (or uninstaller).
type Installer struct {
	FirstHeader
	// Method and Solid are how the header and files are compressed.
	Method Method
	Solid  bool
	// Unicode says the script's strings are UTF-16 (NSIS 3's default);
	// NSIS2 says they are ANSI with NSIS 2's codes.
	Unicode, NSIS2 bool
	// Name is the installer's Name (its English language string, else
	// the first language's); InstallDir its default $INSTDIR,
	// '/'-separated. Empty when the header does not have the standard
	// layout.
	Name, InstallDir string
	// Items are the files the script writes, in the order of their data
	// (Pos), identical (Pos, Path) pairs once, as 7-Zip lists them.
	Items []Item
	// Runs are the programs, DLL functions and Run-key values the script
	// runs or registers, in script order.
	Runs []Run
	// Truncated says the file ends before the data the firstheader
	// declares (a cut download); the files whose data is present are
	// still read, the others' errors wrap ErrTruncated.
	Truncated bool

	r          io.ReaderAt
	size       int64
	opts       Options
	filter     bool
	dataStart  int64   // file offset of the data after the firstheader
	dataEnd    int64   // end of the data present (before the CRC)
	blocksBase int64   // non-solid: file offset of the first file block
	solidSkip  int64   // solid: stream bytes before the first file (length word + header)
	solid      *stream // solid: the stream Open read the header from, positioned after it
	decoded    int64   // bytes decoded but not handed out
	stop       error   // a refusal of MaxTotalBytes or Options.Charge
	stub       []byte  // the stub uninstallers are rebuilt from, once read
}

// Uninstaller says the file is an uninstaller that WriteUninstaller wrote.
func (in *Installer) Uninstaller() bool { return in.Flags&flagUninstall != 0 }

// Open reads the firstheader and the script of the NSIS installer r of size
// bytes. A file with no NSIS firstheader returns an error wrapping
// ErrNotNSIS.
func Open(r io.ReaderAt, size int64, opts *Options) (*Installer, error) {
	o := opts.withDefaults()
	fh, err := locate(r, size)
	if err != nil {
		return nil, err
	}
	in := &Installer{FirstHeader: fh, r: r, size: size, opts: o, dataStart: fh.Offset + firstHeaderSize}
	if fh.HeaderSize > o.MaxHeaderBytes {
		return nil, limitErr(fh.Offset, "MaxHeaderBytes", o.MaxHeaderBytes, fmt.Sprintf("script header declares %d bytes", fh.HeaderSize))
	}
	in.dataEnd = fh.Offset + fh.ArchiveSize
	if fh.hasCRC() {
		in.dataEnd -= 4
	}
	if in.dataEnd > size {
		in.Truncated, in.dataEnd = true, size
	}
	if in.dataEnd < in.dataStart {
		if in.Truncated {
			return nil, errorf(fh.Offset, ErrTruncated, "firstheader declares %d bytes of data but the file ends at %d", fh.ArchiveSize, size)
		}
		return nil, errorf(fh.Offset, nil, "firstheader declares %d bytes, too few for itself and its CRC", fh.ArchiveSize)
	}
	sig := make([]byte, min(16, in.dataEnd-in.dataStart))
	if err := readAt(r, sig, in.dataStart); err != nil {
		return nil, errorf(in.dataStart, err, "cannot read the data")
	}
	in.Method, in.Solid, in.filter = detectMethod(sig, fh.HeaderSize)
	h, err := in.readHeader()
	if m, ok := solidFallback(sig); err != nil && ok && !in.Solid && in.stop == nil {
		// The non-solid reading failed; the solid one checks itself (its
		// stream must start with the declared header length).
		in.Method, in.Solid, in.filter, in.solid, in.solidSkip = m, true, false, nil, 0
		if h2, err2 := in.readHeader(); err2 == nil {
			h, err = h2, nil
		}
	}
	if err != nil {
		return nil, err
	}
	sc, err := parseScript(h, fh.Offset, o.MaxItems)
	if err != nil {
		return nil, err
	}
	in.Unicode, in.NSIS2, in.Name, in.InstallDir = sc.unicode, sc.nsis2, sc.name, sc.installDir
	in.Items = sortItems(sc.items)
	in.Runs = sc.runs
	return in, nil
}

// sortItems orders items as 7-Zip lists them: by their data, then
// absolute names before relative ones, by output directory and by name;
// and drops repeats of the same file at the same path (a plug-in extracted
// for every call).
func sortItems(items []Item) []Item {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := &items[i], &items[j]
		switch {
		case a.Pos != b.Pos:
			return a.Pos < b.Pos
		case a.relative != b.relative:
			return !a.relative
		case a.dir != b.dir:
			return a.dir < b.dir
		}
		return a.name < b.name
	})
	out := items[:0]
	for i, it := range items {
		if i > 0 && it.Pos == out[len(out)-1].Pos && it.Path == out[len(out)-1].Path && it.Kind == out[len(out)-1].Kind {
			continue
		}
		out = append(out, it)
	}
	return out
}

// charge counts bytes decoded but not handed out against MaxTotalBytes
// and Options.Charge.
// A refusal stops the walk: Walk returns it (in.stop) after the item.
func (in *Installer) charge(n int64) error {
	if in.stop != nil {
		return in.stop
	}
	in.decoded += n
	if in.decoded > in.opts.MaxTotalBytes {
		in.stop = limitErr(-1, "MaxTotalBytes", in.opts.MaxTotalBytes,
			fmt.Sprintf("%d bytes decoded besides the files' own", in.decoded))
	} else if in.opts.Charge != nil {
		in.stop = in.opts.Charge(n)
	}
	return in.stop
}

// readHeader decompresses the script header.
func (in *Installer) readHeader() ([]byte, error) {
	want := in.HeaderSize
	var s *stream
	var err error
	if in.Solid {
		if s, err = in.openSolid(); err != nil {
			return nil, err
		}
		n, err := s.u32()
		if err != nil {
			return nil, err
		}
		if int64(n) != want {
			return nil, errorf(in.dataStart, nil, "solid stream starts with a %d-byte header, the firstheader declares %d", n, want)
		}
		in.solidSkip = 4 + want
	} else {
		var w [4]byte
		if in.dataEnd-in.dataStart < 4 {
			return nil, errorf(in.dataStart, ErrTruncated, "the file ends before the header")
		}
		if err := readAt(in.r, w[:], in.dataStart); err != nil {
			return nil, errorf(in.dataStart, err, "cannot read the header's length")
		}
		v := binary.LittleEndian.Uint32(w[:])
		n := int64(v &^ (1 << 31))
		compressed := v&(1<<31) != 0
		method := in.Method
		if !compressed {
			if n != want {
				return nil, errorf(in.dataStart, nil, "stored header of %d bytes, the firstheader declares %d", n, want)
			}
			method = Stored
		}
		in.blocksBase = in.dataStart + 4 + n
		avail := min(n, in.dataEnd-in.dataStart-4)
		if s, err = newStream(in.r, in.dataStart+4, avail, avail < n, method, in.filter, in.opts.MaxRatio, in.outBound(n)); err != nil {
			return nil, err
		}
	}
	// The declared size is a claim: the buffer grows as bytes arrive.
	var buf bytes.Buffer
	buf.Grow(int(min(want, 1<<20)))
	got, err := io.CopyN(&buf, s, want)
	if err := in.charge(got); err != nil {
		return nil, err
	}
	if err != nil {
		if err == io.EOF {
			return nil, errorf(s.offset(), io.ErrUnexpectedEOF, "header stream ends after %d of %d bytes", got, want)
		}
		return nil, err
	}
	if in.Solid {
		in.solid = s
	}
	return buf.Bytes(), nil
}

// outBound is the largest LZMA dictionary a stream of packed compressed
// bytes (-1: the rest of the data block) may need: no more than it may
// produce, and at most MaxDictBytes.
func (in *Installer) outBound(packed int64) int64 {
	if packed < 0 {
		packed = in.dataEnd - in.dataStart
	}
	return min(in.opts.MaxDictBytes, in.opts.MaxTotalBytes, max(ratioFloor, in.opts.MaxRatio*max(packed, 1)))
}

// openSolid starts decoding the solid stream from its beginning.
func (in *Installer) openSolid() (*stream, error) {
	return newStream(in.r, in.dataStart, in.dataEnd-in.dataStart, in.Truncated, in.Method, in.filter, in.opts.MaxRatio, in.outBound(-1))
}

// CheckCRC compares the CRC32 the installer ends with, over its bytes from
// offset 512 (the PE headers signing rewrites are not covered), with the
// bytes. It returns nil when they match, when the installer has no CRC and
// when the file is truncated (reported by Truncated); an error wrapping
// ErrCRC when they differ.
func (in *Installer) CheckCRC() error {
	if !in.hasCRC() || in.Truncated {
		return nil
	}
	crcOff := in.Offset + in.ArchiveSize - 4
	var w [4]byte
	if err := readAt(in.r, w[:], crcOff); err != nil {
		return errorf(crcOff, err, "cannot read the CRC")
	}
	start := min(int64(align), crcOff)
	h := crc32.NewIEEE()
	if _, err := io.Copy(h, io.NewSectionReader(in.r, start, crcOff-start)); err != nil {
		return errorf(start, err, "cannot read the data the CRC covers")
	}
	if want := binary.LittleEndian.Uint32(w[:]); h.Sum32() != want {
		return errorf(crcOff, ErrCRC, "CRC32 %08x of bytes %d-%d, the installer records %08x: it was modified after it was built",
			h.Sum32(), start, crcOff, want)
	}
	return nil
}
