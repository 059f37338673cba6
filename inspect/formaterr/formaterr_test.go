package formaterr

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestSpellings pins the message of each spelling the format packages use;
// they were each package's own Error method before the packages shared
// this type, and tests and users read them.
func TestSpellings(t *testing.T) {
	quiet := errors.New("sentinel")
	zip := &Layer{Name: "zip", Decimal: true, OmitNegative: true, ColonWithoutOffset: true, WhereFormat: "entry %q"}
	asar := &Layer{Name: "asar", Decimal: true, WhereFormat: "entry %q", Quiet: []error{quiet, ErrLimit}}
	pkg := &Layer{Name: "pkg", OmitNegative: true, WhereSep: ": "}
	cab := &Layer{Name: "cab", HideCause: true}
	lzxInCab := &Layer{Name: "lzx", Prefix: "cab", HideCause: true}
	lzx := &Layer{Name: "lzx", Decimal: true, OffsetAfter: true}
	xar := &Layer{Name: "xar", OmitNegative: true}
	cpio := &Layer{Name: "cpio"}
	for _, tc := range []struct {
		err  *Error
		want string
	}{
		{&Error{In: zip, Off: 12, Msg: "m", Err: io.EOF}, "zip: at offset 12: m: EOF"},
		{&Error{In: zip, Off: -1, Where: "a.txt", Msg: "m"}, `zip: entry "a.txt" : m`},
		{&Error{In: zip, Off: -1, Msg: "m"}, "zip: : m"},
		{&Error{In: zip, Off: 3, Where: "a", Msg: "m"}, `zip: entry "a" at offset 3: m`},
		{&Error{In: asar, Off: 5, Where: "x/y", Msg: "m", Err: quiet}, `asar: entry "x/y" at offset 5: m`},
		{&Error{In: asar, Off: 5, Msg: "m", Err: &LimitError{Limit: "MaxDepth", Value: 1, What: "w"}}, "asar: at offset 5: m"},
		{&Error{In: asar, Off: 0, Msg: "m", Err: io.EOF}, "asar: at offset 0: m: EOF"},
		{&Error{In: pkg, Off: 16, Where: "Payload", Msg: "m", Err: io.EOF}, "pkg: Payload: at offset 0x10: m: EOF"},
		{&Error{In: pkg, Off: -1, Where: "Payload", Msg: "m"}, "pkg: Payload: m"},
		{&Error{In: pkg, Off: -1, Msg: "m"}, "pkg: m"},
		{&Error{In: cab, Off: 0x40, Where: `cabinet "b.cab" folder 1 data block 2`, Msg: "m", Err: io.EOF}, `cab: cabinet "b.cab" folder 1 data block 2 at offset 0x40: m`},
		{&Error{In: cab, Off: 0, Msg: "m"}, "cab: at offset 0x0: m"},
		{&Error{In: lzxInCab, Off: 0x40, Where: "folder 0", Msg: "lzx: m"}, "cab: folder 0 at offset 0x40: lzx: m"},
		{&Error{In: lzx, Off: 77, Msg: "m"}, "lzx: m (input offset 77)"},
		{&Error{In: xar, Off: -1, Msg: "m", Err: io.EOF}, "xar: m: EOF"},
		{&Error{In: xar, Off: 28, Msg: "m"}, "xar: at offset 0x1c: m"},
		{&Error{In: cpio, Off: 6, Msg: "m"}, "cpio: at offset 0x6: m"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestAsAndLimit(t *testing.T) {
	inner := (&Layer{Name: "cab"}).Errorf(4, "bad")
	outer := (&Layer{Name: "burn"}).Wrap(100, "UX container", inner)
	wrapped := fmt.Errorf("entry: %w", outer)
	if e, ok := As(wrapped, "cab"); !ok || e != inner {
		t.Errorf("As cab: %v %v", e, ok)
	}
	if e, ok := As(wrapped, "burn"); !ok || e != outer {
		t.Errorf("As burn: %v %v", e, ok)
	}
	if _, ok := As(wrapped, "zip"); ok {
		t.Error("As zip matched")
	}
	if _, ok := As(errors.Join(io.EOF, inner), "cab"); !ok {
		t.Error("As through errors.Join failed")
	}
	var oe interface{ Offset() int64 }
	if !errors.As(wrapped, &oe) || oe.Offset() != 100 {
		t.Errorf("outer offset: %v", oe)
	}
	le := (&Layer{Name: "asar"}).Wrap(0, "m", &LimitError{Limit: "MaxEntries", Value: 1, What: "w"})
	if !errors.Is(le, ErrLimit) {
		t.Error("limit error does not match ErrLimit")
	}
}

// TestLimit: a limit error is of its layer, at its offset and place, says
// the limit, its value and why, and matches ErrLimit and *LimitError.
func TestLimit(t *testing.T) {
	dmg := &Layer{Name: "dmg", WhereFormat: "partition %s", Quiet: []error{ErrLimit}}
	err := dmg.Limit(0x40, "hfs", "MaxChunkBytes", 64, "chunk declares 100 bytes")
	var le *LimitError
	if got, want := err.Error(), "dmg: partition hfs at offset 0x40: limit MaxChunkBytes=64 exceeded: chunk declares 100 bytes"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if !errors.Is(err, ErrLimit) || !errors.As(err, &le) || le.Limit != "MaxChunkBytes" || le.Value != 64 || err.Layer() != "dmg" || err.Offset() != 0x40 {
		t.Errorf("%#v", err)
	}
	// A layer that does not list ErrLimit as quiet says it once too (apfs,
	// hfsplus and dmg said it twice).
	apfs := &Layer{Name: "apfs", OmitNegative: true}
	if got, want := apfs.Limit(0x1000, "", "entries", 10, "11th entry").Error(), "apfs: at offset 0x1000: limit entries=10 exceeded: 11th entry"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}
