package appx

import (
	"crypto"
	_ "crypto/sha256" // the block map's hash methods
	_ "crypto/sha512"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// BlockSize is the uncompressed size of every block but a file's last.
const BlockSize = 64 << 10

// BlockMap is an AppxBlockMap.xml: for every payload file, its size and
// the hash of each 64 KiB block of its uncompressed bytes.
type BlockMap struct {
	Hash  crypto.Hash
	Files map[string]*BlockMapFile // by zip entry name ('/'-separated)
	Order []string                 // file names in the map's order
}

// BlockMapFile is one <File> of the block map.
type BlockMapFile struct {
	Name   string // as the map spells it ('\'-separated)
	Size   int64
	Blocks [][]byte
}

// hashMethods are the HashMethod URIs of the block map schema.
var hashMethods = map[string]crypto.Hash{
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
}

// EntryName is the zip entry name of a block-map file name: the map uses
// Windows separators.
func EntryName(mapName string) string { return strings.ReplaceAll(mapName, `\`, "/") }

// ParseBlockMap reads a block map. maxFiles bounds the files it may list
// and maxBlocks their blocks in all (the caller knows the package: no more
// files than zip entries, no more blocks than its bytes fill), so that a
// hostile map costs no more memory than the package it describes.
func ParseBlockMap(b []byte, maxFiles int, maxBlocks int64) (*BlockMap, error) {
	bm := &BlockMap{Files: map[string]*BlockMapFile{}}
	var blocks int64
	d := xmlDecoder(b)
	var path []string
	var cur *BlockMapFile
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(BlockMapName, d.InputOffset(), "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) > 8 {
				return nil, errorf(BlockMapName, d.InputOffset(), "elements nested more than 8 deep")
			}
			switch {
			case len(path) == 1 && t.Name.Local == "BlockMap":
				root = true
				m := attr(t, "HashMethod")
				h, ok := hashMethods[m]
				if !ok {
					return nil, errorf(BlockMapName, d.InputOffset(), "unknown HashMethod %q", m)
				}
				bm.Hash = h
			case len(path) == 2 && root && t.Name.Local == "File":
				size, err := strconv.ParseInt(attr(t, "Size"), 10, 64)
				if err != nil || size < 0 {
					return nil, errorf(BlockMapName, d.InputOffset(), "<File Name=%q> has size %q", attr(t, "Name"), attr(t, "Size"))
				}
				cur = &BlockMapFile{Name: attr(t, "Name"), Size: size}
				name := EntryName(cur.Name)
				if cur.Name == "" {
					return nil, errorf(BlockMapName, d.InputOffset(), "a <File> without Name")
				}
				if _, dup := bm.Files[name]; dup {
					return nil, errorf(BlockMapName, d.InputOffset(), "file %q listed twice", cur.Name)
				}
				if len(bm.Files) >= maxFiles {
					return nil, errorf(BlockMapName, d.InputOffset(), "more than %d files", maxFiles)
				}
				bm.Files[name] = cur
				bm.Order = append(bm.Order, name)
			case len(path) == 3 && cur != nil && t.Name.Local == "Block":
				h, err := base64.StdEncoding.DecodeString(attr(t, "Hash"))
				if err != nil || len(h) != bm.Hash.Size() {
					return nil, errorf(BlockMapName, d.InputOffset(), "file %q: block %d has hash %q, not a base64 %s digest", cur.Name, len(cur.Blocks), attr(t, "Hash"), bm.Hash)
				}
				if blocks++; blocks > maxBlocks {
					return nil, errorf(BlockMapName, d.InputOffset(), "more than %d blocks, more than the package's bytes fill", maxBlocks)
				}
				cur.Blocks = append(cur.Blocks, h)
				if int64(len(cur.Blocks)-1)*BlockSize >= max(cur.Size, 1) {
					return nil, errorf(BlockMapName, d.InputOffset(), "file %q of %d bytes lists more than %d blocks", cur.Name, cur.Size, len(cur.Blocks)-1)
				}
			}
		case xml.EndElement:
			if len(path) == 2 {
				cur = nil
			}
			path = path[:len(path)-1]
		}
	}
	if !root {
		return nil, errorf(BlockMapName, -1, "no <BlockMap> element")
	}
	for _, f := range bm.Files {
		if want := (f.Size + BlockSize - 1) / BlockSize; int64(len(f.Blocks)) != want {
			return nil, errorf(BlockMapName, -1, "file %q of %d bytes lists %d blocks, not %d", f.Name, f.Size, len(f.Blocks), want)
		}
	}
	return bm, nil
}

// Checker verifies one file's bytes against its block hashes as they are
// written to it.
type Checker struct {
	f     *BlockMapFile
	h     hash.Hash
	n     int64 // bytes written
	fill  int64 // bytes of the current block
	block int
	err   error
}

// Check returns a Checker for the file the block map lists under the zip
// entry name, or nil when the map does not list it.
func (bm *BlockMap) Check(entry string) *Checker {
	f, ok := bm.Files[entry]
	if !ok {
		return nil
	}
	return &Checker{f: f, h: bm.Hash.New()}
}

func (c *Checker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && c.err == nil {
		take := min(int64(len(p)), BlockSize-c.fill)
		c.h.Write(p[:take])
		c.fill += take
		c.n += take
		p = p[take:]
		if c.fill == BlockSize {
			c.endBlock()
		}
	}
	return n, nil
}

func (c *Checker) endBlock() {
	if c.block >= len(c.f.Blocks) {
		c.err = fmt.Errorf("%d bytes, more than the %d the block map lists", c.n, c.f.Size)
		return
	}
	sum := c.h.Sum(nil)
	if string(sum) != string(c.f.Blocks[c.block]) {
		c.err = fmt.Errorf("block %d (bytes %d to %d) does not match its hash in the block map", c.block, int64(c.block)*BlockSize, int64(c.block)*BlockSize+c.fill)
	}
	c.block++
	c.fill = 0
	c.h.Reset()
}

// Done finishes the check: nil when every block matched and the size is
// the listed one.
func (c *Checker) Done() error {
	if c.err == nil && c.fill > 0 {
		c.endBlock()
	}
	if c.err == nil && c.n != c.f.Size {
		c.err = fmt.Errorf("%d bytes, the block map lists %d", c.n, c.f.Size)
	}
	return c.err
}
