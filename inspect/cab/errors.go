package cab

import (
	"errors"
	"fmt"
	"strings"
)

// FormatError is a malformed, unsupported or over-limit cabinet. It names the
// layer ("cab" for the container, "lzx" for the LZX bit stream) and the byte
// offset in the cabinet file where the problem was found.
type FormatError struct {
	Component string // layer: "cab" or "lzx"
	At        int64  // byte offset in the cabinet file named by Cabinet
	Cabinet   string // name of the cabinet file within a set; empty for the first
	Folder    int    // folder index, -1 when not about one folder
	Block     int    // data block index within the folder, -1 when not about one block
	Msg       string
	Err       error // underlying cause (ErrChecksum, a *LimitError, ...), may be nil
}

func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("cab: ")
	if e.Cabinet != "" {
		fmt.Fprintf(&b, "cabinet %q ", e.Cabinet)
	}
	if e.Folder >= 0 {
		fmt.Fprintf(&b, "folder %d ", e.Folder)
	}
	if e.Block >= 0 {
		fmt.Fprintf(&b, "data block %d ", e.Block)
	}
	fmt.Fprintf(&b, "at offset 0x%x: ", e.At)
	if e.Component != "cab" {
		b.WriteString(e.Component + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Layer is "cab" or "lzx".
func (e *FormatError) Layer() string { return e.Component }

// Offset is the byte offset of the problem in the cabinet file.
func (e *FormatError) Offset() int64 { return e.At }

func (e *FormatError) Unwrap() error { return e.Err }

// ErrChecksum is wrapped by the FormatError of a data block whose checksum
// does not match.
var ErrChecksum = errors.New("checksum mismatch")

// ErrLimit is matched by errors.Is for every *LimitError.
var ErrLimit = errors.New("limit exceeded")

// LimitError says an Options limit refused the cabinet or a folder. It is
// wrapped in a FormatError.
type LimitError struct {
	Limit string // Options field name: MaxFiles, MaxFolderBytes, MaxRatio, MaxTotalBytes
	Value int64  // the limit in force
	What  string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("limit %s=%d exceeded: %s", e.Limit, e.Value, e.What)
}

func (e *LimitError) Is(target error) bool { return target == ErrLimit }

func formatErr(at int64, format string, args ...any) *FormatError {
	return &FormatError{Component: "cab", At: at, Folder: -1, Block: -1, Msg: fmt.Sprintf(format, args...)}
}

func limitErr(at int64, folder int, limit string, value int64, what string) *FormatError {
	le := &LimitError{Limit: limit, Value: value, What: what}
	return &FormatError{Component: "cab", At: at, Folder: folder, Block: -1, Msg: le.Error(), Err: le}
}
