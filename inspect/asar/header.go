package asar

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// parser reads the JSON header token by token, so that every limit is
// checked before the memory it guards is spent and errors carry offsets.
type parser struct {
	dec   *json.Decoder
	a     *Archive
	o     Options
	base  int64 // archive offset of the JSON text
	names int64
}

// off is the archive offset of the decoder's position.
func (p *parser) off() int64 { return p.base + p.dec.InputOffset() }

func (p *parser) token() (json.Token, error) {
	at := p.off()
	t, err := p.dec.Token()
	if err == io.EOF {
		return nil, errorf("", at, io.ErrUnexpectedEOF, "JSON header ends early")
	}
	if err != nil {
		return nil, p.jsonErr(at, err)
	}
	return t, nil
}

func (p *parser) jsonErr(at int64, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		at = p.base + se.Offset
	}
	return errorf("", at, err, "malformed JSON header")
}

func (p *parser) problem(entry string, off int64, format string, args ...any) {
	p.a.Problems = append(p.a.Problems, errorf(entry, off, nil, format, args...))
}

func (p *parser) root() error {
	at := p.off()
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		return errorf("", at, nil, "JSON header is not an object")
	}
	seen := false
	for p.dec.More() {
		key, err := p.key()
		if err != nil {
			return err
		}
		if key != "files" {
			if err := p.skip(); err != nil {
				return err
			}
			continue
		}
		seen = true
		if err := p.files("", 0); err != nil {
			return err
		}
	}
	if _, err := p.token(); err != nil { // '}'
		return err
	}
	if !seen {
		return errorf("", at, nil, `JSON header has no "files"`)
	}
	at = p.off()
	if _, err := p.dec.Token(); err != io.EOF {
		return errorf("", at, err, "data after the JSON header")
	}
	return nil
}

func (p *parser) key() (string, error) {
	t, err := p.token()
	if err != nil {
		return "", err
	}
	s, ok := t.(string) // inside an object the decoder yields only string keys
	if !ok {
		return "", errorf("", p.off(), nil, "malformed JSON header: object key is not a string")
	}
	return s, nil
}

// skip consumes one value of any shape, without recursion.
func (p *parser) skip() error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') && t != json.Delim('[') {
		return nil
	}
	return p.skipRest()
}

// files reads a "files" object: the contents of directory dir.
func (p *parser) files(dir string, depth int) error {
	at := p.off()
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		if t == json.Delim('[') {
			if err := p.skipRest(); err != nil {
				return err
			}
		}
		p.problem(dir, at, `"files" is not an object; its contents are ignored`)
		return nil
	}
	if depth >= p.o.MaxDepth {
		return limitErr(at, "MaxDepth", int64(p.o.MaxDepth), fmt.Sprintf("directories nested deeper than %d levels", p.o.MaxDepth))
	}
	seen := map[string]bool{}
	for p.dec.More() {
		name, err := p.key()
		if err != nil {
			return err
		}
		at := p.off()
		full := name
		if dir != "" {
			full = dir + "/" + name
		}
		if len(p.a.Entries) >= p.o.MaxEntries {
			return limitErr(at, "MaxEntries", int64(p.o.MaxEntries), fmt.Sprintf("more than %d entries", p.o.MaxEntries))
		}
		if p.names += int64(len(full)); p.names > p.o.MaxNameBytes {
			return limitErr(at, "MaxNameBytes", p.o.MaxNameBytes, "entry paths too long in total")
		}
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") {
			p.problem(full, at, "invalid entry name %q", name)
		}
		if seen[name] {
			p.problem(full, at, "duplicate entry name %q (Electron uses the last one)", name)
		}
		seen[name] = true
		if err := p.entry(full, depth+1); err != nil {
			return err
		}
	}
	_, err = p.token() // '}'
	return err
}

// skipRest consumes the rest of an array or object whose opening token was
// just read.
func (p *parser) skipRest() error {
	depth := 1
	for depth > 0 {
		t, err := p.token()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// node is what an entry's object declares, before it is classified.
type node struct {
	files, link, offset, size, unpacked bool
	offsetVal, sizeVal                  json.Token
	integrity                           *rawIntegrity
	integrityAt                         int64
	bad                                 []string // values of the wrong type
}

type rawIntegrity struct {
	Algorithm any `json:"algorithm"`
	Hash      any `json:"hash"`
	BlockSize any `json:"blockSize"`
	Blocks    any `json:"blocks"`
}

// entry reads one node. The Entry is listed before its contents.
func (p *parser) entry(name string, depth int) error {
	at := p.off()
	t, err := p.token()
	if err != nil {
		return err
	}
	e := &Entry{Name: name, Offset: -1, HeaderOffset: at}
	p.a.Entries = append(p.a.Entries, e)
	if t != json.Delim('{') {
		if t == json.Delim('[') {
			if err := p.skipRest(); err != nil {
				return err
			}
		}
		e.Err = errorf(name, at, nil, "header node is not an object")
		return nil
	}
	var n node
	for p.dec.More() {
		key, err := p.key()
		if err != nil {
			return err
		}
		if err := p.field(e, &n, key, depth); err != nil {
			return err
		}
	}
	if _, err := p.token(); err != nil { // '}'
		return err
	}
	p.classify(e, &n)
	return nil
}

// field reads the value of one key of a node. Values of the wrong type are
// collected in n.bad; only JSON errors and limits stop the header.
func (p *parser) field(e *Entry, n *node, key string, depth int) error {
	switch key {
	case "files":
		n.files = true
		return p.files(e.Name, depth)
	case "integrity":
		n.integrityAt = p.off()
		var raw rawIntegrity
		if err := p.dec.Decode(&raw); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return p.jsonErr(n.integrityAt, err)
			}
			p.problem(e.Name, n.integrityAt, `integrity not checked: "integrity" is not an object`)
			return nil
		}
		n.integrity = &raw
		return nil
	}
	vt, err := p.token()
	if err != nil {
		return err
	}
	if d, ok := vt.(json.Delim); ok {
		if err := p.skipRest(); err != nil {
			return err
		}
		if key == "link" || key == "offset" || key == "size" || key == "unpacked" || key == "executable" {
			n.bad = append(n.bad, fmt.Sprintf("%q is an %s", key, map[json.Delim]string{'{': "object", '[': "array"}[d]))
		}
		return nil
	}
	switch key {
	case "link":
		n.link = true
		if s, ok := vt.(string); ok {
			e.Link = s
		} else {
			n.bad = append(n.bad, `"link" is not a string`)
		}
	case "offset":
		n.offset, n.offsetVal = true, vt
	case "size":
		n.size, n.sizeVal = true, vt
	case "unpacked":
		b, ok := vt.(bool)
		n.unpacked = ok && b
		if !ok {
			n.bad = append(n.bad, `"unpacked" is not a boolean`)
		}
	case "executable":
		b, _ := vt.(bool)
		e.Executable = b
	}
	return nil
}

// classify decides what the node is, in the order Electron's asar tools
// do: a link, else a directory, else a file (unpacked first).
func (p *parser) classify(e *Entry, n *node) {
	e.Unpacked = n.unpacked
	switch {
	case n.link:
		e.Type = TypeLink
		return
	case n.files:
		e.Type = TypeDir
		return
	}
	e.Type = TypeFile
	fail := func(format string, args ...any) { e.Err = errorf(e.Name, e.HeaderOffset, nil, format, args...) }
	if len(n.bad) > 0 {
		fail("malformed header node: %s", strings.Join(n.bad, "; "))
		return
	}
	if !n.offset && !n.unpacked {
		fail(`header node is neither a directory ("files"), a file ("offset" or "unpacked") nor a link ("link")`)
		return
	}
	size, ok := integer(n.sizeVal)
	if !n.size || !ok {
		fail(`"size" is missing or not a non-negative integer: %v`, n.sizeVal)
		return
	}
	e.Size = size
	p.integrity(e, n)
	if n.unpacked {
		return
	}
	off, ok := offsetValue(n.offsetVal)
	if !ok {
		fail(`"offset" is not a non-negative integer string: %v`, n.offsetVal)
		return
	}
	if off > p.a.size || size > p.a.size-p.a.DataOffset-off {
		e.Err = errorf(e.Name, e.HeaderOffset, nil, "data of %d bytes at data offset %d runs past the end of the %d-byte archive (data starts at %d)",
			size, off, p.a.size, p.a.DataOffset)
		return
	}
	e.Offset = off
}

// integer reads a JSON number that must be a non-negative integer below
// 2^53 (what JavaScript holds exactly).
func integer(t json.Token) (int64, bool) {
	num, ok := t.(json.Number)
	if !ok {
		return 0, false
	}
	if v, err := strconv.ParseInt(string(num), 10, 64); err == nil {
		return v, v >= 0 && v <= 1<<53
	}
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || f < 0 || f > 1<<53 || f != math.Trunc(f) {
		return 0, false
	}
	return int64(f), true
}

// offsetValue reads "offset": a decimal string (as every writer stores it,
// since it may exceed 2^32), or a number from very old writers.
func offsetValue(t json.Token) (int64, bool) {
	s, ok := t.(string)
	if !ok {
		return integer(t)
	}
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// integrity checks a node's "integrity" object. One that cannot be used is
// a problem of the archive, not of the file: its bytes are still read.
func (p *parser) integrity(e *Entry, n *node) {
	raw := n.integrity
	if raw == nil {
		return
	}
	bad := func(format string, args ...any) {
		p.problem(e.Name, n.integrityAt, "integrity not checked: "+format, args...)
	}
	alg, _ := raw.Algorithm.(string)
	if alg != "SHA256" {
		bad("unsupported algorithm %v", raw.Algorithm)
		return
	}
	hexSum := func(v any) ([]byte, bool) {
		s, ok := v.(string)
		b, err := hex.DecodeString(s)
		return b, ok && err == nil && len(b) == sha256.Size
	}
	in := &Integrity{Algorithm: alg}
	var ok bool
	if in.Hash, ok = hexSum(raw.Hash); !ok {
		bad("hash %v is not a hex SHA-256", raw.Hash)
		return
	}
	num, _ := raw.BlockSize.(json.Number)
	if in.BlockSize, ok = integer(num); !ok || in.BlockSize == 0 {
		bad("blockSize %v is not a positive integer", raw.BlockSize)
		return
	}
	list, isList := raw.Blocks.([]any)
	if !isList {
		bad("blocks is not a list")
		return
	}
	// One hash per block, at least one; writers before @electron/asar 4
	// add the hash of an empty block after a file that fills its last.
	want := max(1, (e.Size+in.BlockSize-1)/in.BlockSize)
	if n := int64(len(list)); n != want && !(n == e.Size/in.BlockSize+1 && e.Size%in.BlockSize == 0) {
		bad("%d block hashes for %d bytes in blocks of %d (want %d)", n, e.Size, in.BlockSize, want)
		return
	}
	for i, v := range list {
		b, ok := hexSum(v)
		if !ok {
			bad("block hash %d is not a hex SHA-256", i)
			return
		}
		in.Blocks = append(in.Blocks, b)
	}
	e.Integrity = in
}
