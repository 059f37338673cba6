// Package formaterr is the error every format package returns for malformed,
// unsupported or over-limit input: which layer (format) found it, at which
// byte offset of that layer's input, what is wrong, and the cause. It is a
// leaf: format packages and the walker depend on it, it depends on nothing
// of theirs.
//
// Each layer keeps the spelling of its messages that tests, fuzz corpora and
// users already know; the differences (decimal or hex offsets, an entry name
// before the offset, causes left unsaid) are declared once per layer in a
// Layer value instead of in a copy of the type.
package formaterr

import (
	"errors"
	"fmt"
	"strings"
)

// ErrLimit is matched by errors.Is for every limit error of every layer
// (a *LimitError here, the walker's own limit errors).
var ErrLimit = errors.New("limit exceeded")

// Layer names a format layer and says how its errors are spelled. A format
// package declares one (or a few) as package variables and points every
// Error at it.
type Layer struct {
	// Name is what Error.Layer reports ("zip", "cab", "lzx").
	Name string
	// Prefix, when set, starts the message instead of Name (a cabinet's
	// LZX errors are layer "lzx" but read "cab: ...").
	Prefix string
	// Decimal prints offsets in decimal; otherwise in hex with 0x.
	Decimal bool
	// OmitNegative leaves out "at offset" when Off < 0 (no offset applies).
	OmitNegative bool
	// ColonWithoutOffset keeps the ": " before the message when the offset
	// is left out (zip's spelling).
	ColonWithoutOffset bool
	// WhereFormat spells Where (`entry %q`); "" prints it as it is.
	WhereFormat string
	// WhereSep separates Where from what follows; "" means one space.
	WhereSep string
	// OffsetAfter puts the offset after the message, as
	// "msg (input offset N)", instead of "at offset N: msg" before it.
	OffsetAfter bool
	// HideCause never appends the cause: the layer's messages already say it.
	HideCause bool
	// Quiet lists causes (matched by errors.Is) that the message already
	// says and that are therefore not appended.
	Quiet []error
}

// Errorf returns an error of layer l at off with a formatted message and no
// cause.
func (l *Layer) Errorf(off int64, format string, args ...any) *Error {
	return &Error{In: l, Off: off, Msg: fmt.Sprintf(format, args...)}
}

// Limit returns an error of layer l at off, about where, saying that the
// Options limit named limit (in force at value) refused the input because
// of what; errors.Is(err, ErrLimit) matches it.
func (l *Layer) Limit(off int64, where, limit string, value int64, what string) *Error {
	le := &LimitError{Limit: limit, Value: value, What: what}
	return &Error{In: l, Off: off, Where: where, Msg: le.Error(), Err: le, causeInMsg: true}
}

// Wrap returns an error of layer l at off saying msg, caused by err.
func (l *Layer) Wrap(off int64, msg string, err error) *Error {
	return &Error{In: l, Off: off, Msg: msg, Err: err}
}

// Adopt returns err as an error of layer l when it is an *Error of a reader
// l delegated to (a PE header read by pehdr reported by Authenticode), with
// the same offset, message and cause; other errors are returned as they are.
func (l *Layer) Adopt(err error) error {
	if e, ok := err.(*Error); ok && e.In != l {
		return &Error{In: l, Off: e.Off, Where: e.Where, Msg: e.Msg, Err: e.Err}
	}
	return err
}

// Error is malformed, unsupported or over-limit input of one layer.
type Error struct {
	// In is the layer that found the error; it spells the message.
	In *Layer
	// Off is the byte offset in the layer's input; -1 when none applies.
	Off int64
	// Where names the part of the input the error is about (an entry's
	// or member's name, a cabinet's folder and data block); empty for the
	// input as a whole. The layer's WhereFormat spells it in messages.
	Where string
	Msg   string
	// Err is the cause (a sentinel such as a checksum mismatch, a
	// *LimitError, an I/O error); may be nil.
	Err error
	// causeInMsg says Msg already spells Err (Limit's errors), so the
	// message does not repeat it whatever the layer's Quiet list holds.
	causeInMsg bool
}

func (e *Error) Error() string {
	l := e.In
	if l == nil {
		l = &Layer{}
	}
	var b strings.Builder
	if l.Prefix != "" {
		b.WriteString(l.Prefix)
	} else {
		b.WriteString(l.Name)
	}
	b.WriteString(": ")
	if e.Where != "" {
		l.writeWhere(&b, e.Where)
		if l.WhereSep != "" {
			b.WriteString(l.WhereSep)
		} else {
			b.WriteByte(' ')
		}
	}
	if l.OffsetAfter {
		b.WriteString(e.Msg)
		b.WriteString(" (input offset ")
		b.WriteString(l.offset(e.Off))
		b.WriteByte(')')
	} else {
		if e.Off >= 0 || !l.OmitNegative {
			b.WriteString("at offset ")
			b.WriteString(l.offset(e.Off))
			b.WriteString(": ")
		} else if l.ColonWithoutOffset {
			b.WriteString(": ")
		}
		b.WriteString(e.Msg)
	}
	if e.Err != nil && !e.causeInMsg && !l.HideCause && !l.quiet(e.Err) {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Detail is the message without the layer's name and the offset, for
// reports that state both on their own (a problem's layer and offset): what
// is wrong, where in the layer's input, and the cause, less a "<layer>: "
// prefix that would say the layer twice ("zip: ...: zip: not a valid zip
// file").
func (e *Error) Detail() string {
	l := e.In
	if l == nil {
		l = &Layer{}
	}
	var b strings.Builder
	if e.Where != "" {
		l.writeWhere(&b, e.Where)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil && !e.causeInMsg && !l.HideCause && !l.quiet(e.Err) {
		cause := e.Err.Error()
		for _, name := range []string{l.Name, l.Prefix} {
			if name != "" {
				cause = strings.TrimPrefix(cause, name+": ")
			}
		}
		b.WriteString(": ")
		b.WriteString(cause)
	}
	return b.String()
}

// writeWhere spells the part of the input an error is about.
func (l *Layer) writeWhere(b *strings.Builder, where string) {
	if l.WhereFormat != "" {
		fmt.Fprintf(b, l.WhereFormat, where)
	} else {
		b.WriteString(where)
	}
}

func (l *Layer) offset(off int64) string {
	if l.Decimal {
		return fmt.Sprintf("%d", off)
	}
	return fmt.Sprintf("%#x", off)
}

func (l *Layer) quiet(err error) bool {
	for _, q := range l.Quiet {
		if errors.Is(err, q) {
			return true
		}
	}
	return false
}

// Layer is the name of the layer that found the error.
func (e *Error) Layer() string {
	if e.In == nil {
		return ""
	}
	return e.In.Name
}

// Offset is the byte offset in the layer's input, -1 when none applies.
func (e *Error) Offset() int64 { return e.Off }

func (e *Error) Unwrap() error { return e.Err }

// As finds the first *Error of the named layer in err's chain. Errors of
// other layers wrapped around it (a Burn error around a cabinet's) are
// passed over, so a package can tell its own errors from those of the
// layers it reads.
func As(err error, layer string) (*Error, bool) {
	for err != nil {
		if e, ok := err.(*Error); ok && e.Layer() == layer {
			return e, true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				if e, ok := As(x, layer); ok {
					return e, true
				}
			}
			return nil, false
		default:
			return nil, false
		}
	}
	return nil, false
}

// LimitError says a format package's Options limit refused the input. It is
// wrapped in an Error of the layer that refused it; errors.Is(err, ErrLimit)
// matches it.
type LimitError struct {
	Limit string // the Options field (MaxFiles, MaxEntries, ...)
	Value int64  // the limit in force
	What  string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("limit %s=%d exceeded: %s", e.Limit, e.Value, e.What)
}

func (e *LimitError) Is(target error) bool { return target == ErrLimit }
