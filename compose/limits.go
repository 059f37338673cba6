package compose

import (
	"fmt"
	"strings"
)

// Limits bound what writing a document may cost, for what the document
// holds comes from untrusted input: a 2.6 MB bundle can declare 200,000
// packages. The SPDX 2.3 JSON and CycloneDX writers hold a part of their
// document at a time, the tag-value writer a tools-golang document about
// the size of the model: they need no limit. A zero field is its default.
type Limits struct {
	// SPDX3Objects is the most objects (elements, relationships and
	// annotations) an SPDX 3 document's graph may hold. Its writer
	// builds the whole graph and reads it back whole with tools-golang's
	// JSON-LD reader to check it (the reader refuses a reference to an
	// element it has not read, so it cannot check a part at a time),
	// which takes about 16 KB of memory and 0.2 ms per object: at the
	// default, 50,000, composing takes about 800 MB and 10 s; the
	// 200,000 packages above make 600,000 objects, which took 7.5 GB and
	// nearly two minutes.
	SPDX3Objects int64
}

// DefaultLimits are the limits a zero Limits field stands for.
func DefaultLimits() Limits {
	return Limits{SPDX3Objects: 50_000}
}

// LimitNames lists the names Set accepts.
func LimitNames() []string { return []string{"spdx3-objects"} }

// Set sets the limit the name names (one of LimitNames) to n.
func (l *Limits) Set(name string, n int64) error {
	switch {
	case n <= 0:
		return fmt.Errorf("limit %s=%d: want a positive value", name, n)
	case name == "spdx3-objects":
		l.SPDX3Objects = n
	default:
		return fmt.Errorf("limit %q: unknown limit (known: %s)", name, strings.Join(LimitNames(), ", "))
	}
	return nil
}

// orDefaults fills each zero field with its default.
func (l Limits) orDefaults() Limits {
	d := DefaultLimits()
	if l.SPDX3Objects == 0 {
		l.SPDX3Objects = d.SPDX3Objects
	}
	return l
}
