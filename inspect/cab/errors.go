package cab

import (
	"errors"
	"fmt"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
)

// FormatError is a malformed, unsupported or over-limit cabinet. Its layer is
// "cab" for the container, "lzx" and "quantum" for those bit streams, Off
// the byte offset in the cabinet file named by Where (the first when Where names
// none), Where the cabinet, folder and data block concerned. Err is the
// cause (ErrChecksum, a *LimitError, an *lzx.FormatError), which the message
// already says.
type FormatError = formaterr.Error

var (
	// layer spells cab errors as `cab: folder 1 data block 2 at offset 0x40: message`.
	layer = &formaterr.Layer{Name: "cab", HideCause: true}
	// lzxLayer is an LZX stream error placed in the cabinet, spelled
	// `cab: folder 1 data block 2 at offset 0x40: lzx: message`.
	lzxLayer = &formaterr.Layer{Name: "lzx", Prefix: "cab", HideCause: true}
)

// place is an error's Where: the cabinet within a set (empty for the first),
// the folder index and the data block index within the folder (-1 when the
// error is not about one).
func place(cabinet string, folder, block int) string {
	var b strings.Builder
	if cabinet != "" {
		fmt.Fprintf(&b, "cabinet %q ", cabinet)
	}
	if folder >= 0 {
		fmt.Fprintf(&b, "folder %d ", folder)
	}
	if block >= 0 {
		fmt.Fprintf(&b, "data block %d ", block)
	}
	return strings.TrimSuffix(b.String(), " ")
}

// ErrChecksum is wrapped by the FormatError of a data block whose checksum
// does not match.
var ErrChecksum = errors.New("checksum mismatch")

// ErrLimit is matched by errors.Is for every *LimitError (of every format
// package).
var ErrLimit = formaterr.ErrLimit

// LimitError says an Options limit (MaxFiles, MaxFolderBytes, MaxRatio,
// MaxTotalBytes) refused the cabinet or a folder. It is wrapped in a
// FormatError.
type LimitError = formaterr.LimitError

func formatErr(at int64, format string, args ...any) *FormatError {
	return &FormatError{In: layer, Off: at, Msg: fmt.Sprintf(format, args...)}
}

func limitErr(at int64, folder int, limit string, value int64, what string) *FormatError {
	return layer.Limit(at, place("", folder, -1), limit, value, what)
}
