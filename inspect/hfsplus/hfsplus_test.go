package hfsplus_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/inspect/formaterr"
	"github.com/installer-sbom/installer-sbom/inspect/hfsplus"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func open(t *testing.T, vol []byte, opts *hfsplus.Options) *hfsplus.Volume {
	t.Helper()
	v, err := hfsplus.Open(bytes.NewReader(vol), int64(len(vol)), opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func read(t *testing.T, v *hfsplus.Volume, f *hfsplus.File) []byte {
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

// TestVolume: every file of the writer's volumes (HFS+ and HFSX, blocks
// of 512 and 4096 bytes) comes back with its path, size and bytes; hard
// links carry their inode's bytes at both paths; the symbolic link is
// listed with its target; decmpfs files of every type decompress.
func TestVolume(t *testing.T) {
	files := dmgbuild.SampleFiles(true)
	for _, c := range []dmgbuild.Volume{{Name: "Plus"}, {Name: "X", HFSX: true, BlockSize: 512}} {
		c.Files = files
		vol, err := dmgbuild.BuildHFS(c)
		if err != nil {
			t.Fatal(err)
		}
		v := open(t, vol, nil)
		if v.Name != c.Name || len(v.Problems) != 0 {
			t.Fatalf("name %q, problems %v", v.Name, v.Problems)
		}
		want := map[string]dmgbuild.File{}
		linked := map[string]bool{}
		for _, f := range files {
			linked[f.HardLink] = true
		}
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
		for _, f := range v.Files {
			w, ok := want[f.Path]
			if !ok {
				t.Errorf("unexpected %q", f.Path)
				continue
			}
			if w.Symlink != "" {
				if f.Kind != hfsplus.Symlink || f.Target != w.Symlink {
					t.Errorf("%s: kind %v target %q", f.Path, f.Kind, f.Target)
				}
				continue
			}
			if f.Kind != hfsplus.Regular || f.Size != int64(len(w.Data)) || (w.HardLink != "" || linked[w.Path]) != (f.Inode != 0) ||
				(w.Decmpfs != 0) != (f.Compression != 0) {
				t.Errorf("%s: %+v", f.Path, f)
			}
			if got := read(t, v, f); !bytes.Equal(got, w.Data) {
				t.Errorf("%s: %d bytes differ from the %d written", f.Path, len(got), len(w.Data))
			}
		}
	}
}

// TestVolume7zz: 7-Zip lists the writer's volume as the reader does (the
// oracle for both the writer and the reader), LZFSE decmpfs files aside,
// which 7-Zip does not read.
func TestVolume7zz(t *testing.T) {
	files := dmgbuild.SampleFiles(false)
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "Seven", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "v.hfs"), vol, 0o644)
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-oout", "v.hfs")
	oracle := map[string]string{}
	for p, sum := range testenv.TreeSHA256(t, filepath.Join(dir, "out", "Seven")) {
		if strings.HasPrefix(p, "[HFS+ Private Data]/") || p == "Applications" || strings.HasPrefix(p, "Extras/") && strings.HasSuffix(p, ".txt") {
			continue
		}
		oracle[p] = sum
	}
	v := open(t, vol, nil)
	got := map[string]string{}
	for _, f := range v.Files {
		if f.Kind == hfsplus.Regular && f.Inode == 0 {
			got[f.Path] = testenv.SHA256Hex(read(t, v, f))
		}
	}
	// Hard links (Extras/*.txt) are left out: 7-Zip lists them empty.
	if len(got) != len(oracle) || len(got) < 300 {
		t.Errorf("%d files, 7zz %d", len(got), len(oracle))
	}
	for p, s := range oracle {
		if got[p] != s {
			t.Errorf("%s: %s, 7zz %s", p, got[p], s)
		}
	}
}

// catalogNode is node n of the catalog B-tree of vol.
func catalogNode(t *testing.T, vol []byte, n int) []byte {
	t.Helper()
	h := vol[1024:]
	bs := int(binary.BigEndian.Uint32(h[40:]))
	start := int(binary.BigEndian.Uint32(h[272+16:])) * bs
	nodeSize := int(binary.BigEndian.Uint16(vol[start+14+18:]))
	return vol[start+n*nodeSize : start+(n+1)*nodeSize]
}

// TestHostile: a leaf chain that loops, a record offset outside its node,
// folders nested past the limit and too many items are errors naming the
// hfsplus layer, never hangs or crashes.
func TestHostile(t *testing.T) {
	var deep []dmgbuild.File
	p := "d"
	for i := 0; i < 40; i++ {
		p += "/d"
	}
	deep = append(deep, dmgbuild.File{Path: p + "/leaf.txt", Data: []byte("deep")})
	for i := 0; i < 100; i++ {
		deep = append(deep, dmgbuild.File{Path: "many/f" + strconv.Itoa(i), Data: []byte("x")})
	}
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "H", Files: deep})
	if err != nil {
		t.Fatal(err)
	}
	if v := open(t, vol, &hfsplus.Options{MaxDepth: 10}); len(v.Problems) != 1 || !strings.Contains(v.Problems[0].Error(), "deeper than 10") {
		t.Errorf("depth: %v", v.Problems)
	}
	if _, err := hfsplus.Open(bytes.NewReader(vol), int64(len(vol)), &hfsplus.Options{MaxItems: 50}); !errors.Is(err, formaterr.ErrLimit) {
		t.Errorf("items: %v", err)
	}
	header := catalogNode(t, vol, 0)
	first := binary.BigEndian.Uint32(header[14+10:])
	loop := append([]byte{}, vol...)
	leaf := catalogNode(t, loop, int(first))
	binary.BigEndian.PutUint32(leaf, first)
	if _, err := hfsplus.Open(bytes.NewReader(loop), int64(len(loop)), nil); err == nil || !strings.Contains(err.Error(), "loops") {
		t.Errorf("loop: %v", err)
	}
	bad := append([]byte{}, vol...)
	leaf = catalogNode(t, bad, int(first))
	binary.BigEndian.PutUint16(leaf[len(leaf)-2:], 9)
	var fe *formaterr.Error
	if _, err := hfsplus.Open(bytes.NewReader(bad), int64(len(bad)), nil); !errors.As(err, &fe) || fe.Layer() != "hfsplus" || fe.Offset() <= 0 {
		t.Errorf("record offset: %v", err)
	}
}

// TestDecmpfsUnsupported: a compressed file this reader cannot decompress
// (an unknown decmpfs type, a damaged header) is an error naming the file;
// the other files still read.
func TestDecmpfsUnsupported(t *testing.T) {
	files := []dmgbuild.File{{Path: "ok.txt", Data: []byte("fine")},
		{Path: "dir/odd.bin", Data: bytes.Repeat([]byte("odd "), 100), Decmpfs: dmgbuild.DecmpfsZlibAttr}}
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "D", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(vol, []byte("fpmc"))
	for name, patch := range map[string]func(b []byte){
		"type 5":     func(b []byte) { binary.LittleEndian.PutUint32(b[at+4:], 5) },
		"bad header": func(b []byte) { copy(b[at:], "xxxx") },
	} {
		b := append([]byte{}, vol...)
		patch(b)
		v := open(t, b, nil)
		for _, f := range v.Files {
			_, err := v.Open(f)
			switch f.Path {
			case "ok.txt":
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
			case "dir/odd.bin":
				var fe *formaterr.Error
				if !errors.As(err, &fe) || fe.Layer() != "hfsplus" || !strings.Contains(err.Error(), "dir/odd.bin") {
					t.Errorf("%s: %v", name, err)
				}
			}
		}
	}
}
