package compose

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// jsonParts is a JSON document given a part at a time, so that a document
// far larger than the model it renders is never held whole, neither as Go
// values nor as text: an installer that declares 200,000 packages (2.6 MB)
// gives a 250 MB SPDX document, which the writers used to build, encode
// into buffers and parse back into a generic tree for their schema check,
// some 3 GB at once. head is the document's top-level object, compact, as
// encoding/json marshals it, in which every member named in arrays holds a
// placeholder; arrays gives those members' elements, encoded a batch at a
// time only when they are checked or written.
type jsonParts struct {
	head   []byte
	arrays map[string]jsonArray
}

// jsonArray is the elements of a member of a jsonParts: n of them. encode
// encodes elements from to to (exclusive) as a compact JSON array.
type jsonArray struct {
	n      int
	encode func(from, to int) ([]byte, error)
}

// jsonBatchSize is how many elements of an array are encoded, checked or
// written at once: enough to spread the cost of a batch (cyclonedx-go
// describes every type it copies once per call), few enough that a batch
// stays small next to the model.
const jsonBatchSize = 1024

// batches calls f with each batch of the array's elements, in order, as a
// compact JSON array, with the index of its first element and how many it
// holds.
func (a jsonArray) batches(f func(from, count int, array []byte) error) error {
	for from := 0; from < a.n; from += jsonBatchSize {
		to := min(from+jsonBatchSize, a.n)
		b, err := a.encode(from, to)
		if err != nil {
			return err
		}
		if err := f(from, to-from, b); err != nil {
			return err
		}
	}
	return nil
}

// batchesOf is a jsonArray of n elements, element i being elem(i),
// encoded as the writers' json.Encoder encodes them.
func batchesOf[T any](n int, elem func(i int) (T, error)) jsonArray {
	return jsonArray{n: n, encode: func(from, to int) ([]byte, error) {
		batch := make([]T, 0, to-from)
		for i := from; i < to; i++ {
			e, err := elem(i)
			if err != nil {
				return nil, err
			}
			batch = append(batch, e)
		}
		return compactJSON(batch)
	}}
}

// compactJSON marshals v as the writers' json.Encoder does
// (SetEscapeHTML(false)), but without indentation.
func compactJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonMember is one member of a compact JSON object: its name as written
// (quoted), as a string, and its value.
type jsonMember struct {
	key   []byte
	name  string
	value []byte
}

// errNotCompact is the error of the scanners of compact JSON below, which
// read only what encoding/json writes.
var errNotCompact = errors.New("compose: not compact JSON as encoding/json writes it")

// compactValueEnd returns the end of the JSON value that starts at b[i],
// in compact JSON (valid, without insignificant white space).
func compactValueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errNotCompact
	}
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			// To the closing quote, skipping escaped characters.
			for j++; j < len(b) && b[j] != '"'; j++ {
				if b[j] == '\\' {
					j++
				}
			}
			if j >= len(b) {
				return 0, errNotCompact
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return j, nil // the end of a number, true, false or null
			}
		case ',':
			if depth == 0 {
				return j, nil
			}
		case ' ', '\t', '\n', '\r':
			return 0, errNotCompact
		}
		if depth == 0 && (b[j] == '"' || b[j] == '}' || b[j] == ']') {
			return j + 1, nil
		}
	}
	if depth != 0 {
		return 0, errNotCompact
	}
	return len(b), nil
}

// compactMembers splits a compact JSON object into its members, in order.
func compactMembers(b []byte) ([]jsonMember, error) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, errNotCompact
	}
	var out []jsonMember
	for i := 1; i < len(b)-1; {
		if len(out) > 0 {
			if b[i] != ',' {
				return nil, errNotCompact
			}
			i++
		}
		k, err := compactValueEnd(b, i)
		if err != nil || b[i] != '"' || k >= len(b) || b[k] != ':' {
			return nil, errNotCompact
		}
		var name string
		if err := json.Unmarshal(b[i:k], &name); err != nil {
			return nil, err
		}
		e, err := compactValueEnd(b, k+1)
		if err != nil {
			return nil, err
		}
		out = append(out, jsonMember{key: b[i:k], name: name, value: b[k+1 : e]})
		i = e
	}
	return out, nil
}

// members splits the head into its members, in order, and makes sure
// every member given in parts is among them.
func (d *jsonParts) members() ([]jsonMember, error) {
	out, err := compactMembers(d.head)
	if err != nil {
		return nil, err
	}
	seen := 0
	for _, m := range out {
		if _, ok := d.arrays[m.name]; ok {
			seen++
		}
	}
	if seen != len(d.arrays) {
		return nil, errors.New("compose: a document's head lacks the placeholder of a member given in parts")
	}
	return out, nil
}

// writeIndented writes the document exactly as json.Encoder, with
// SetIndent("", "  ") and SetEscapeHTML(false), writes it whole: that
// encoder marshals compactly and then indents, and indentation depends
// only on nesting, so each part indented at its depth is the same text.
func (d *jsonParts) writeIndented(w io.Writer) error {
	members, err := d.members()
	if err != nil {
		return err
	}
	if len(members) == 0 {
		_, err := io.WriteString(w, "{}\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("{")
	for k, m := range members {
		if k > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n  ")
		bw.Write(m.key)
		bw.WriteString(": ")
		arr, inParts := d.arrays[m.name]
		if !inParts {
			var value bytes.Buffer
			if err := json.Indent(&value, m.value, "  ", "  "); err != nil {
				return err
			}
			bw.Write(value.Bytes())
			continue
		}
		if arr.n == 0 {
			bw.WriteString("[]")
			continue
		}
		// A batch "[e,...]" indented at this depth is "[", its elements
		// each on its lines, and "\n  ]"; the member's value is every
		// batch's elements between one pair of brackets.
		bw.WriteString("[")
		var ind bytes.Buffer
		err := arr.batches(func(from, _ int, b []byte) error {
			ind.Reset()
			if err := json.Indent(&ind, b, "  ", "  "); err != nil {
				return err
			}
			elems, open := bytes.CutPrefix(ind.Bytes(), []byte("["))
			elems, closed := bytes.CutSuffix(elems, []byte("\n  ]"))
			if !open || !closed {
				return errNotCompact
			}
			if from > 0 {
				bw.WriteString(",")
			}
			_, err := bw.Write(elems)
			return err
		})
		if err != nil {
			return err
		}
		bw.WriteString("\n  ]")
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// partSchema is a JSON schema prepared for checking a jsonParts: the
// document's schema and, for each member given in parts, the schema of its
// items and whether they must be unique.
type partSchema struct {
	root   *jsonschema.Schema
	items  map[string]*jsonschema.Schema
	unique map[string]bool
}

// newPartSchema prepares root for documents whose named members come in
// parts. Each must be an array property whose items have one schema.
func newPartSchema(root *jsonschema.Schema, members ...string) (*partSchema, error) {
	s := &partSchema{root: root, items: map[string]*jsonschema.Schema{}, unique: map[string]bool{}}
	for _, name := range members {
		p := root.Properties[name]
		if p == nil {
			return nil, fmt.Errorf("compose: the schema has no property %q", name)
		}
		items, ok := p.Items.(*jsonschema.Schema)
		if !ok {
			return nil, fmt.Errorf("compose: the schema's %q has no single items schema", name)
		}
		s.items[name], s.unique[name] = items, p.UniqueItems
	}
	return s, nil
}

// schemaViolation is one place where a document fails its schema.
type schemaViolation struct {
	// member and index name the failing element of a member given in
	// parts; member "" is the head. part is that element or the head,
	// decoded, for naming what failed.
	member string
	index  int
	part   any
	// err is what the schema says, nil when the element only repeats the
	// earlier element repeats of an array whose items must be unique.
	err     *jsonschema.ValidationError
	repeats int
}

// pointer is the JSON pointer, in the whole document, of a location in
// the violating part.
func (v *schemaViolation) pointer(inPart string) string {
	if v.member == "" {
		return inPart
	}
	return "/" + v.member + "/" + strconv.Itoa(v.index) + inPart
}

// check checks the document against the schema a part at a time: the head,
// with each member given in parts an empty array, against the document's
// schema, then every element against its member's items schema and, when
// they must be unique, against the elements before it. That is the check
// of the whole document as long as the schema says nothing else of those
// members (TestPartSchemaMembers holds the schemas to that). It returns
// the first violation, nil when there is none, and an error when a part
// cannot be encoded or decoded.
func (d *jsonParts) check(s *partSchema) (*schemaViolation, error) {
	head, err := jsonschema.UnmarshalJSON(bytes.NewReader(d.head))
	if err != nil {
		return nil, err
	}
	obj, ok := head.(map[string]any)
	if !ok {
		return nil, errors.New("compose: a document's head is not a JSON object")
	}
	names := make([]string, 0, len(d.arrays))
	for name := range d.arrays {
		if _, ok := obj[name]; !ok {
			return nil, fmt.Errorf("compose: a document's head lacks the placeholder of %q", name)
		}
		obj[name] = []any{}
		names = append(names, name)
	}
	slices.Sort(names)
	if v, err := validatePart(s.root, head, "", 0); v != nil || err != nil {
		return v, err
	}
	for _, name := range names {
		arr, items := d.arrays[name], s.items[name]
		if items == nil {
			return nil, fmt.Errorf("compose: the schema is not prepared for %q to come in parts", name)
		}
		var seen map[[sha256.Size]byte]int
		if s.unique[name] {
			seen = make(map[[sha256.Size]byte]int, arr.n)
		}
		// A violation ends the walk through the batches (errFound).
		var found *schemaViolation
		errFound := errors.New("found")
		err := arr.batches(func(from, count int, b []byte) error {
			decoded, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				return err
			}
			elems, ok := decoded.([]any)
			if !ok || len(elems) != count {
				return fmt.Errorf("compose: the elements of %q from %d do not decode to %d", name, from, count)
			}
			for k, el := range elems {
				i := from + k
				if found, err = validatePart(items, el, name, i); err != nil {
					return err
				} else if found != nil {
					return errFound
				}
				if seen == nil {
					continue
				}
				h := jsonValueHash(el)
				if j, dup := seen[h]; dup {
					found = &schemaViolation{member: name, index: i, part: el, repeats: j}
					return errFound
				}
				seen[h] = i
			}
			return nil
		})
		if err == errFound {
			return found, nil
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// validatePart validates one part.
func validatePart(s *jsonschema.Schema, part any, member string, index int) (*schemaViolation, error) {
	err := s.Validate(part)
	if err == nil {
		return nil, nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil, err
	}
	return &schemaViolation{member: member, index: index, part: part, err: ve}, nil
}

// jsonValueHash is a digest of a decoded JSON value (as jsonschema
// decodes it: json.Number for numbers) that is the same for two values
// exactly when the JSON schema uniqueItems keyword holds them equal:
// object members in any order, numbers by value.
func jsonValueHash(v any) [sha256.Size]byte {
	h := sha256.New()
	str := func(tag byte, s string) {
		var n [9]byte
		n[0] = tag
		binary.BigEndian.PutUint64(n[1:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var write func(v any)
	write = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			str('{', strconv.Itoa(len(keys)))
			for _, k := range keys {
				str('k', k)
				write(v[k])
			}
		case []any:
			str('[', strconv.Itoa(len(v)))
			for _, e := range v {
				write(e)
			}
		case string:
			str('s', v)
		case json.Number:
			if r, ok := new(big.Rat).SetString(string(v)); ok {
				str('n', r.RatString())
			} else {
				str('N', string(v))
			}
		case bool:
			str('b', strconv.FormatBool(v))
		case nil:
			str('0', "")
		default:
			str('?', fmt.Sprint(v))
		}
	}
	write(v)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// describe says what a violation is, in the words of the writers' errors:
// "<JSON pointer>: <what failed>", one line per failing leaf of the
// schema's error tree, sorted.
func (v *schemaViolation) describe() []string {
	if v.err == nil {
		return []string{fmt.Sprintf("%s: equals item %d; the items must be unique", v.pointer(""), v.repeats)}
	}
	return schemaErrorLines(v.err, v.pointer(""))
}

// schemaErrorLines lists what a failed validation says, one line
// "<JSON pointer>: <message>" per leaf of its error tree (the nodes above
// the leaves only say that something below failed), sorted and without
// repeats. prefix is the pointer of the validated value in its document.
func schemaErrorLines(ve *jsonschema.ValidationError, prefix string) []string {
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			var ptr strings.Builder
			ptr.WriteString(prefix)
			for _, tok := range e.InstanceLocation {
				ptr.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1"))
			}
			msg := e.Error()
			if _, rest, ok := strings.Cut(msg, "': "); ok && strings.HasPrefix(msg, "at '") {
				msg = rest
			}
			out = append(out, orDefault(ptr.String(), "/")+": "+msg)
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	slices.Sort(out)
	return slices.Compact(out)
}
