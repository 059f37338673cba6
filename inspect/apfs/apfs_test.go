package apfs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/apfs"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func build(t *testing.T, files []dmgbuild.File) []byte {
	t.Helper()
	return buildVolume(t, dmgbuild.APFSVolume{Name: "Example", Files: files})
}

func buildVolume(t *testing.T, v dmgbuild.APFSVolume) []byte {
	t.Helper()
	img, err := dmgbuild.BuildAPFS(v)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func open(t *testing.T, img []byte) *apfs.Container {
	t.Helper()
	c, err := apfs.Open(bytes.NewReader(img), int64(len(img)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func read(t *testing.T, v *apfs.Volume, f *apfs.File) []byte {
	t.Helper()
	r, err := v.Open(f)
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", f.Path, err)
	}
	return b
}

// TestContainer: every file of the writer's containers (a filesystem
// tree of several leaves under an index node; directory records keyed by
// name hash, or by name alone) comes back with its path, size and bytes;
// the hard link carries its inode's bytes at both paths; the symbolic
// link is listed with its target; decmpfs files of every type
// decompress (an attribute too large to embed read from its data
// stream); the fragmented file's extents are joined.
func TestContainer(t *testing.T) {
	noise := make([]byte, 6000)
	for i, x := 0, uint32(1); i < len(noise); i++ {
		x = x*1103515245 + 12345
		noise[i] = byte(x >> 16)
	}
	for _, plain := range []bool{false, true} {
		// A zlib attribute too large to embed: kept in a data stream.
		files := append(dmgbuild.SampleFiles(true), dmgbuild.File{Path: "Compressed/noise.bin", Data: noise, Decmpfs: dmgbuild.DecmpfsZlibAttr})
		testContainer(t, files, buildVolume(t, dmgbuild.APFSVolume{Name: "Example", Files: files, PlainNames: plain}))
	}
}

func testContainer(t *testing.T, files []dmgbuild.File, img []byte) {
	c := open(t, img)
	if len(c.Problems) != 0 || len(c.Volumes) != 1 {
		t.Fatalf("problems %v, %d volumes", c.Problems, len(c.Volumes))
	}
	v := c.Volumes[0]
	if v.Name != "Example" || v.Err != nil || len(v.Problems) != 0 || v.Encrypted {
		t.Fatalf("volume %q: err %v, problems %v", v.Name, v.Err, v.Problems)
	}
	want := map[string]dmgbuild.File{}
	for _, f := range files {
		if f.HardLink != "" {
			for _, g := range files {
				if g.Path == f.HardLink {
					f.Data = g.Data
				}
			}
		}
		want[norm.NFD.String(f.Path)] = f
	}
	if len(v.Files) != len(files) {
		t.Errorf("%d files, want %d", len(v.Files), len(files))
	}
	compressed := map[uint32]bool{}
	for _, f := range v.ReadOrder() {
		w, ok := want[f.Path]
		if !ok {
			t.Errorf("%s: not written", f.Path)
			continue
		}
		if w.Symlink != "" {
			if f.Kind != apfs.Symlink || f.Target != w.Symlink {
				t.Errorf("%s: kind %v target %q", f.Path, f.Kind, f.Target)
			}
			continue
		}
		if f.Kind != apfs.Regular || f.Size != int64(len(w.Data)) {
			t.Errorf("%s: kind %v size %d, want %d", f.Path, f.Kind, f.Size, len(w.Data))
			continue
		}
		if got := read(t, v, f); !bytes.Equal(got, w.Data) {
			t.Errorf("%s: bytes differ (%d, want %d)", f.Path, len(got), len(w.Data))
		}
		if w.HardLink != "" || strings.HasSuffix(f.Path, "original.txt") {
			if f.Links != 2 {
				t.Errorf("%s: %d links", f.Path, f.Links)
			}
		}
		compressed[f.Compression] = true
	}
	for _, typ := range []uint32{0, 3, 4, 7, 8, 11, 12} {
		if !compressed[typ] {
			t.Errorf("no file of decmpfs type %d", typ)
		}
	}
}

// TestMkapfs: the empty volume apfsprogs' mkapfs makes (a real
// superblock, checkpoint, space manager, object maps and an empty tree,
// written by a third-party tool) reads as one empty volume, no problem.
func TestMkapfs(t *testing.T) {
	mk := testenv.Tool(t, "mkapfs")
	dir := t.TempDir()
	p := filepath.Join(dir, "empty.img")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(512 << 20) // mkapfs refuses small containers; the file is sparse
	f.Close()
	testenv.Run(t, dir, mk, "-L", "Empty Volume", p)
	f, err = os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := apfs.Open(f, 512<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Problems) != 0 || len(c.Volumes) != 1 || c.BlockSize != 4096 {
		t.Fatalf("problems %v, %d volumes, block size %d", c.Problems, len(c.Volumes), c.BlockSize)
	}
	v := c.Volumes[0]
	if v.Name != "Empty Volume" || v.Err != nil || len(v.Problems) != 0 || len(v.Files) != 0 {
		t.Errorf("volume %q: err %v, problems %v, %d files", v.Name, v.Err, v.Problems, len(v.Files))
	}
}

// block returns block n of img.
func block(img []byte, n int) []byte { return img[n*4096 : (n+1)*4096] }

// reseal recomputes the checksum of block n.
func reseal(img []byte, n int) {
	b := block(img, n)
	binary.LittleEndian.PutUint64(b, apfs.Checksum(b))
}

// fsNodes lists the blocks of the filesystem tree's nodes (object type
// 2 or 3, subtype FSTREE), the root last.
func fsNodes(img []byte) (nodes []int, root int) {
	for n := 0; n*4096 < len(img); n++ {
		b := block(img, n)
		typ, sub := binary.LittleEndian.Uint32(b[24:]), binary.LittleEndian.Uint32(b[28:])
		if sub == 0x0e && (typ == 2 || typ == 3) && binary.LittleEndian.Uint64(b) == apfs.Checksum(b) {
			if typ == 2 {
				root = n
			} else {
				nodes = append(nodes, n)
			}
		}
	}
	return nodes, root
}

// TestDamage: damaged objects and hostile trees are errors naming the
// layer and an offset, never a crash.
func TestDamage(t *testing.T) {
	files := dmgbuild.SampleFiles(false)
	good := build(t, files)
	nodes, root := fsNodes(good)
	if len(nodes) < 2 || root == 0 {
		t.Fatalf("tree nodes %v, root %d: the test wants an index level", nodes, root)
	}
	if binary.LittleEndian.Uint16(block(good, root)[34:]) == 0 {
		t.Fatal("root is a leaf")
	}
	isAPFS := func(t *testing.T, err error, want string) {
		t.Helper()
		var fe *formaterr.Error
		if !errors.As(err, &fe) || fe.Layer() != "apfs" || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want an apfs error saying %q", err, want)
		}
	}
	volErr := func(t *testing.T, img []byte) error {
		t.Helper()
		c, err := apfs.Open(bytes.NewReader(img), int64(len(img)), nil)
		if err != nil {
			return err
		}
		if len(c.Volumes) != 1 {
			t.Fatalf("%d volumes", len(c.Volumes))
		}
		return c.Volumes[0].Err
	}

	t.Run("leaf checksum", func(t *testing.T) {
		img := append([]byte(nil), good...)
		block(img, nodes[0])[300] ^= 0x40
		err := volErr(t, img)
		isAPFS(t, err, "checksum")
		if fe := (*formaterr.Error)(nil); errors.As(err, &fe) && fe.Off != int64(nodes[0])*4096 {
			t.Errorf("offset %d, want %d", fe.Off, nodes[0]*4096)
		}
	})
	t.Run("block 0 damaged, checkpoint copy used", func(t *testing.T) {
		img := append([]byte(nil), good...)
		img[200] ^= 1
		c := open(t, img)
		if len(c.Problems) != 1 || len(c.Volumes) != 1 || len(c.Volumes[0].Files) != len(files) {
			t.Errorf("problems %v", c.Problems)
		}
	})
	t.Run("no valid superblock", func(t *testing.T) {
		img := append([]byte(nil), good...)
		img[200] ^= 1
		block(img, 2)[200] ^= 1
		_, err := apfs.Open(bytes.NewReader(img), int64(len(img)), nil)
		isAPFS(t, err, "no valid container superblock")
	})
	t.Run("cycle", func(t *testing.T) {
		// The root's first child pointer names the root itself (through
		// the volume object map).
		img := append([]byte(nil), good...)
		r := block(img, root)
		tocOff := 56 + int(binary.LittleEndian.Uint16(r[40:]))
		vo := int(binary.LittleEndian.Uint16(r[tocOff+4:]))
		binary.LittleEndian.PutUint64(r[4096-40-vo:], binary.LittleEndian.Uint64(r[8:]))
		reseal(img, root)
		isAPFS(t, volErr(t, img), "reached twice")
	})
	t.Run("level", func(t *testing.T) {
		img := append([]byte(nil), good...)
		binary.LittleEndian.PutUint16(block(img, root)[34:], 7)
		reseal(img, root)
		isAPFS(t, volErr(t, img), "level")
	})
	t.Run("table of contents", func(t *testing.T) {
		img := append([]byte(nil), good...)
		binary.LittleEndian.PutUint16(block(img, nodes[0])[42:], 0xfff0)
		reseal(img, nodes[0])
		isAPFS(t, volErr(t, img), "table of contents")
		img = append([]byte(nil), good...)
		binary.LittleEndian.PutUint32(block(img, nodes[0])[36:], 0xffffff)
		reseal(img, nodes[0])
		isAPFS(t, volErr(t, img), "do not fit")
	})
	t.Run("record outside node", func(t *testing.T) {
		img := append([]byte(nil), good...)
		n := block(img, nodes[0])
		binary.LittleEndian.PutUint16(n[56+2:], 0x7000) // first key's length
		reseal(img, nodes[0])
		isAPFS(t, volErr(t, img), "outside the node")
	})
	t.Run("encrypted", func(t *testing.T) {
		img := append([]byte(nil), good...)
		binary.LittleEndian.PutUint64(block(img, 5)[264:], 0)
		reseal(img, 5)
		c := open(t, img)
		v := c.Volumes[0]
		if !v.Encrypted || len(v.Files) != 0 {
			t.Errorf("encrypted %v, %d files", v.Encrypted, len(v.Files))
		}
		isAPFS(t, v.Err, "encrypted APFS volume not read")
	})
	t.Run("extent outside container", func(t *testing.T) {
		// A file extent's physical block past the end: that file fails,
		// the others read.
		img := append([]byte(nil), good...)
		var hit bool
		for _, n := range nodes {
			b := block(img, n)
			cnt := int(binary.LittleEndian.Uint32(b[36:]))
			ks := 56 + int(binary.LittleEndian.Uint16(b[42:]))
			for i := 0; i < cnt && !hit; i++ {
				e := b[56+8*i:]
				k := b[ks+int(binary.LittleEndian.Uint16(e)):]
				if binary.LittleEndian.Uint64(k)>>60 == 8 {
					v := b[4096-int(binary.LittleEndian.Uint16(e[4:])):]
					binary.LittleEndian.PutUint64(v[8:], 1<<40)
					hit = true
				}
			}
			if hit {
				reseal(img, n)
				break
			}
		}
		c := open(t, img)
		var bad, ok int
		for _, f := range c.Volumes[0].Files {
			if f.Err != nil {
				isAPFS(t, f.Err, "outside the container")
				bad++
			} else {
				ok++
			}
		}
		if !hit || bad != 1 || ok != len(files)-1 {
			t.Errorf("%d failed, %d read", bad, ok)
		}
	})
	t.Run("limits", func(t *testing.T) {
		_, err := apfs.Open(bytes.NewReader(good), int64(len(good)), &apfs.Options{MaxItems: 100})
		if err == nil {
			c := open(t, good)
			err = c.Volumes[0].Err
		}
		if !errors.Is(err, formaterr.ErrLimit) {
			t.Errorf("error %v, want a limit", err)
		}
	})
}

// TestTruncated: every prefix length of a small container opens or fails
// cleanly.
func TestTruncated(t *testing.T) {
	img := build(t, dmgbuild.FuzzFiles())
	for n := 0; n <= len(img); n += 4096 / 2 {
		c, err := apfs.Open(bytes.NewReader(img[:n]), int64(n), nil)
		if err != nil {
			continue
		}
		for _, v := range c.Volumes {
			for _, f := range v.Files {
				if r, err := v.Open(f); err == nil {
					io.Copy(io.Discard, r)
				}
			}
		}
	}
}

// TestSparse: extents at physical block 0 are holes and read as zeros
// (as the Linux apfs driver reads them; 7-Zip reads block 0 instead), as
// do ranges of a file no extent covers; a file of zeros only stores
// nothing.
func TestSparse(t *testing.T) {
	data := append(append(append(bytes.Repeat([]byte("x"), 5000), make([]byte, 3*4096+100)...), "tail"...), make([]byte, 9000)...)
	files := []dmgbuild.File{{Path: "sparse.bin", Data: data}, {Path: "zeros.bin", Data: make([]byte, 20000)}}
	img := buildVolume(t, dmgbuild.APFSVolume{Name: "S", SparseZeros: true, Files: files})
	v := open(t, img).Volumes[0]
	if len(v.Files) != 2 {
		t.Fatalf("%d files", len(v.Files))
	}
	for i, f := range v.Files {
		if got := read(t, v, f); !bytes.Equal(got, files[i].Data) {
			t.Errorf("%s: bytes differ", f.Path)
		}
	}
	if len(img) > 16*4096 {
		t.Errorf("container of %d blocks: the holes were written", len(img)/4096)
	}
}
