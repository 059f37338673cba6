package nsis

import (
	"errors"
	"fmt"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FormatError says what is wrong with the installer and where: Off is the
// byte offset in the installer file (for data inside a solid stream, how
// far into the file the compressed input had been read), Where the install
// path of the file concerned (empty for the installer as a whole), Err the
// cause (ErrNotNSIS, ErrTruncated, ErrCRC, a *LimitError, a decoder's
// error).
type FormatError = formaterr.Error

// layer spells errors as `nsis: file "$INSTDIR/a.dll" at offset 0x17a00: message: cause`.
var layer = &formaterr.Layer{Name: "nsis", WhereFormat: "file %q", Quiet: []error{ErrNotNSIS, ErrTruncated, ErrCRC, ErrLimit}}

var (
	// ErrNotNSIS is wrapped by the error of Open when the file holds no
	// NSIS first header where an NSIS installer keeps it: the file is not
	// an NSIS installer (a plain PE, or another tool's stub).
	ErrNotNSIS = errors.New("no NSIS header")
	// ErrTruncated is wrapped by the errors of data the file declares but
	// does not hold (a cut download).
	ErrTruncated = errors.New("truncated")
	// ErrCRC is wrapped by the error of an installer whose CRC32 does not
	// match its bytes.
	ErrCRC = errors.New("CRC mismatch")
	// ErrLimit is matched by errors.Is for every *LimitError (of every
	// format package).
	ErrLimit = formaterr.ErrLimit
)

// LimitError says an Options limit (MaxHeaderBytes, MaxItems, MaxRatio,
// MaxTotalBytes, MaxStubBytes) refused the installer or one file. It is
// wrapped in a FormatError.
type LimitError = formaterr.LimitError

func errorf(off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

func fileErrorf(path string, off int64, err error, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Where: path, Off: off, Msg: fmt.Sprintf(format, args...), Err: err}
}

func limitErr(off int64, limit string, value int64, what string) *FormatError {
	return layer.Limit(off, "", limit, value, what)
}

// place returns err as an error about the file at path: a FormatError
// without a Where gets path (and, when it has none, off); other errors are
// wrapped in one at off.
func place(err error, path string, off int64) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.In == layer {
		if fe.Where != "" {
			return err
		}
		c := *fe
		c.Where = path
		if c.Off < 0 {
			c.Off = off
		}
		return &c
	}
	return fileErrorf(path, off, err, "cannot read the data")
}
