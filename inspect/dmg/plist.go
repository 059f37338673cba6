package dmg

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// plistNode is one value of an XML property list: a dict (keys and values
// alternate in kids), an array, or a leaf with its text (string, data,
// integer, ...).
type plistNode struct {
	kind string
	text string
	kids []*plistNode
}

// maxPlistDepth bounds the nesting of a property list: a UDIF plist is
// four levels deep; the parser keeps its own stack, so this only refuses
// nonsense early.
const maxPlistDepth = 64

// maxPlistNodes bounds the values of one property list, whatever its size.
const maxPlistNodes = 1 << 18

// parsePlist reads an XML property list into a tree without recursion.
func parsePlist(b []byte) (*plistNode, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var stack []*plistNode
	var root *plistNode
	var text strings.Builder
	nodes := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("property list: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if name == "plist" && len(stack) == 0 && root == nil {
				continue
			}
			if nodes++; nodes > maxPlistNodes {
				return nil, fmt.Errorf("property list holds more than %d values", maxPlistNodes)
			}
			if len(stack) >= maxPlistDepth {
				return nil, fmt.Errorf("property list nested deeper than %d levels", maxPlistDepth)
			}
			n := &plistNode{kind: name}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				if p.kind != "dict" && p.kind != "array" {
					return nil, fmt.Errorf("property list: <%s> inside <%s>", name, p.kind)
				}
				p.kids = append(p.kids, n)
			} else if root == nil {
				root = n
			} else {
				return nil, fmt.Errorf("property list has more than one top-level value")
			}
			stack = append(stack, n)
			text.Reset()
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "plist" && len(stack) == 0 {
				continue
			}
			if len(stack) == 0 {
				return nil, fmt.Errorf("property list: unbalanced </%s>", t.Name.Local)
			}
			n := stack[len(stack)-1]
			if n.kind != "dict" && n.kind != "array" {
				n.text = text.String()
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, fmt.Errorf("property list is empty")
	}
	return root, nil
}

// get returns the value of key in a dict, nil when it has none.
func (n *plistNode) get(key string) *plistNode {
	if n == nil || n.kind != "dict" {
		return nil
	}
	for i := 0; i+1 < len(n.kids); i += 2 {
		if n.kids[i].kind == "key" && n.kids[i].text == key {
			return n.kids[i+1]
		}
	}
	return nil
}

// str returns a string value's text, "" for anything else.
func (n *plistNode) str() string {
	if n == nil || n.kind != "string" {
		return ""
	}
	return n.text
}

// data decodes a <data> value (base64 with any whitespace).
func (n *plistNode) data() ([]byte, error) {
	if n == nil || n.kind != "data" {
		return nil, fmt.Errorf("no data")
	}
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, n.text)
	return base64.StdEncoding.DecodeString(s)
}

// blkxEntry is one partition's entry of the resource fork's blkx array.
type blkxEntry struct {
	name, cfName, id, attributes string
	data                         []byte
}

// blkxEntries returns the resource fork's blkx array of a UDIF plist.
func blkxEntries(b []byte) ([]blkxEntry, error) {
	root, err := parsePlist(b)
	if err != nil {
		return nil, err
	}
	arr := root.get("resource-fork").get("blkx")
	if arr == nil || arr.kind != "array" {
		return nil, fmt.Errorf("property list has no resource-fork/blkx array")
	}
	var out []blkxEntry
	for i, d := range arr.kids {
		if d.kind != "dict" {
			return nil, fmt.Errorf("blkx entry %d is a <%s>, not a dict", i, d.kind)
		}
		data, err := d.get("Data").data()
		if err != nil {
			return nil, fmt.Errorf("blkx entry %d: Data: %v", i, err)
		}
		out = append(out, blkxEntry{name: d.get("Name").str(), cfName: d.get("CFName").str(),
			id: d.get("ID").str(), attributes: d.get("Attributes").str(), data: data})
	}
	return out, nil
}
