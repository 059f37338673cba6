package inspect_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/dmgbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/dmg"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

const dmgInfoPlist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleExecutable</key><string>Example</string>
	<key>CFBundleIdentifier</key><string>com.example.dmgdemo</string>
	<key>CFBundleName</key><string>Example</string>
	<key>CFBundleShortVersionString</key><string>2.4.1</string>
	<key>CFBundleVersion</key><string>241</string>
</dict>
</plist>
`

// dmgVolumeFiles is the tests' volume: an application bundle with real
// Mach-O binaries from the go-embed-python darwin trees (its executable a
// small extension module, Tcl's dylib in Frameworks), a nested flat
// package, and dmgbuild's sample files.
func dmgVolumeFiles(t *testing.T, lzfse bool) []dmgbuild.File {
	t.Helper()
	py311 := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "darwin-arm64")
	py314 := filepath.Join(testenv.EmbedPython(t, testenv.Python314), "darwin-arm64")
	exe := testenv.Gunzip(t, filepath.Join(py311, "lib", "python3.11", "lib-dynload", "_crypt.cpython-311-darwin.so.gz"))
	tcl := testenv.Gunzip(t, filepath.Join(py314, "lib", "libtcl9.0.dylib.gz"))
	var pkg bytes.Buffer
	c := pkgbuild.Component{ID: "com.example.helper", Version: "1.2.0", InstallLocation: "/Library/Helper",
		Payload: []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.File("./helper.txt", []byte("helper payload\n"))}}
	if err := pkgbuild.ComponentPackage(&pkg, c, pkgbuild.XarOptions{Checksum: "sha256"}); err != nil {
		t.Fatal(err)
	}
	files := []dmgbuild.File{
		{Path: "Example.app/Contents/Info.plist", Data: []byte(dmgInfoPlist)},
		{Path: "Example.app/Contents/MacOS/Example", Data: exe, Mode: 0o755},
		{Path: "Example.app/Contents/Frameworks/libtcl9.0.dylib", Data: tcl, Mode: 0o755},
		{Path: "Example.app/Contents/Resources/readme.txt", Data: []byte("read me\n")},
		{Path: "Extras/Helper.pkg", Data: pkg.Bytes()},
	}
	return append(files, dmgbuild.SampleFiles(lzfse)...)
}

func buildDMG(t *testing.T, files []dmgbuild.File, parts ...dmgbuild.Partition) []byte {
	t.Helper()
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "Example", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) == 0 {
		parts = []dmgbuild.Partition{{Name: "disk image (Apple_HFS : 0)"}}
	}
	for i := range parts {
		if parts[i].Data == nil {
			parts[i].Data = vol
		}
	}
	img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: parts})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// dmgOracle is what 7-Zip extracts from an image: the files of its one
// volume, under a folder named after the volume.
// Symbolic links and hard links are mapped as this tool reports them: a
// symlink carries no bytes; a hard link has its inode's bytes, which 7-Zip
// shows only in the private directory.
func dmgOracle(t *testing.T, img []byte, files []dmgbuild.File) map[string]string {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "image.dmg")
	os.WriteFile(in, img, 0o644)
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+filepath.Join(dir, "vol"), in)
	raw := treeSizes(t, filepath.Join(dir, "vol", "Example"))
	inodes := map[string]string{}
	for p, v := range raw {
		if strings.HasPrefix(p, "[HFS+ Private Data]/") {
			inodes[p] = v
			delete(raw, p)
		}
	}
	for _, f := range files {
		switch {
		case f.Symlink != "":
			delete(raw, f.Path)
		case f.HardLink != "":
			if len(inodes) != 1 {
				t.Fatalf("inodes %v", inodes)
			}
			for _, v := range inodes {
				raw[f.Path], raw[f.HardLink] = v, v
			}
		}
	}
	return raw
}

// treeSizes maps each regular file under dir to "sha256 size".
func treeSizes(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	for p, sum := range testenv.TreeSHA256(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = sum + " " + strconv.FormatInt(fi.Size(), 10)
	}
	return out
}

// dmgFiles maps the inventory's files directly in the image (not in
// nested containers) to "sha256 size".
func dmgFiles(inv *inspect.Inventory, name string) map[string]string {
	got := map[string]string{}
	for _, f := range inv.Files {
		rel := strings.TrimPrefix(f.Path, name+"/")
		if strings.Contains(rel, ".pkg/") {
			continue
		}
		got[rel] = f.SHA256 + " " + strconv.FormatInt(f.Size, 10)
	}
	return got
}

func inspectDMG(t *testing.T, name string, img []byte, opts inspect.Options) *inspect.Inventory {
	t.Helper()
	inv, err := inspect.Inspect(bytes.NewReader(img), int64(len(img)), name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestDMGMatches7zz: for every chunk compression (and all of them mixed
// in one partition), every file of the HFS+ volume is listed with the
// path, size and SHA-256 7-Zip extracts; the application's files install
// under /Applications (the image's drag target); its Info.plist and Tcl's
// dylib are identified; the nested flat package is walked; no problems.
func TestDMGMatches7zz(t *testing.T) {
	files := dmgVolumeFiles(t, false)
	cases := map[string][]uint32{
		"raw":   {dmgbuild.ChunkRaw},
		"zlib":  {dmgbuild.ChunkZlib},
		"bzip2": {dmgbuild.ChunkBzip2},
		"adc":   {dmgbuild.ChunkADC},
		"lzfse": {dmgbuild.ChunkLZFSE},
		"lzma":  {dmgbuild.ChunkLZMA},
		"mixed": {dmgbuild.ChunkZlib, dmgbuild.ChunkLZFSE, dmgbuild.ChunkRaw, dmgbuild.ChunkADC, dmgbuild.ChunkBzip2, dmgbuild.ChunkLZMA},
	}
	for name, chunks := range cases {
		t.Run(name, func(t *testing.T) {
			img := buildDMG(t, files, dmgbuild.Partition{Name: "disk image (Apple_HFS : 0)", Chunks: chunks, ChunkSectors: 256})
			inv := inspectDMG(t, "Example.dmg", img, inspect.Options{})
			if inv.Artifact.Format != "dmg" || len(inv.Problems) != 0 {
				t.Fatalf("format %q, problems %+v", inv.Artifact.Format, inv.Problems)
			}
			oracle := dmgOracle(t, img, files)
			got := dmgFiles(inv, "Example.dmg")
			if len(oracle) < 310 || !equalMaps(got, oracle) {
				for p, v := range oracle {
					if got[p] != v {
						t.Errorf("%s: got %q, 7zz %q", p, got[p], v)
					}
				}
				for p := range got {
					if _, ok := oracle[p]; !ok {
						t.Errorf("%s: not extracted by 7zz", p)
					}
				}
				t.Fatalf("%d files, 7zz %d", len(got), len(oracle))
			}
			checkDMGInventory(t, inv)
		})
	}
}

func checkDMGInventory(t *testing.T, inv *inspect.Inventory) {
	t.Helper()
	for _, f := range inv.Files {
		rel := strings.TrimPrefix(f.Path, "Example.dmg/")
		want := ""
		if strings.HasPrefix(rel, "Example.app/") {
			want = "/Applications/" + rel
		}
		if strings.Contains(rel, ".pkg/") {
			continue
		}
		if f.InstallPath != want {
			t.Errorf("%s: install path %q, want %q", f.Path, f.InstallPath, want)
		}
	}
	found := map[string]string{}
	for _, c := range inv.Components {
		found[c.Name] = c.Version
	}
	if found["tcl"] != "9.0.3" || found["Example"] != "2.4.1" {
		t.Errorf("components %v", found)
	}
	var helper bool
	for _, p := range inv.Packages {
		if p.ID == "com.example.helper" && p.Version == "1.2.0" && p.Path == "Example.dmg/Extras/Helper.pkg" {
			helper = true
		}
	}
	if !helper {
		t.Errorf("packages %+v", inv.Packages)
	}
}

// TestDMGDmg2img: dmg2img, Debian's UDIF converter, turns the images into
// the raw volume the writer started from, for the compressions it reads;
// the reader's partition bytes are the same.
func TestDMGDmg2img(t *testing.T) {
	vol, err := dmgbuild.BuildHFS(dmgbuild.Volume{Name: "Example", Files: dmgbuild.SampleFiles(true)})
	if err != nil {
		t.Fatal(err)
	}
	for name, chunks := range map[string][]uint32{"raw": {dmgbuild.ChunkRaw}, "zlib": {dmgbuild.ChunkZlib},
		"bzip2": {dmgbuild.ChunkBzip2}, "adc": {dmgbuild.ChunkADC}} {
		img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{{Name: "disk image (Apple_HFS : 0)", Data: vol, Chunks: chunks, ChunkSectors: 128}}})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in.dmg"), filepath.Join(dir, "out.img")
		os.WriteFile(in, img, 0o644)
		testenv.Run(t, dir, testenv.Tool(t, "dmg2img"), "-s", in, out)
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		d, err := dmg.Open(bytes.NewReader(img), int64(len(img)), nil)
		if err != nil {
			t.Fatal(err)
		}
		p := d.Partitions[0]
		mine := make([]byte, p.Size())
		if _, err := p.ReadAt(mine, 0); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw, vol) || !bytes.Equal(mine, raw) {
			t.Errorf("%s: dmg2img %d bytes (equal to the volume: %v), reader %d bytes (equal: %v)", name, len(raw), bytes.Equal(raw, vol), len(mine), bytes.Equal(mine, raw))
		}
	}
}

// TestDMGLZFSEDecmpfs: files compressed by decmpfs with LZFSE (in the
// attribute and in the resource fork), which 7-Zip does not read, come out
// as they went in.
func TestDMGLZFSEDecmpfs(t *testing.T) {
	files := dmgbuild.SampleFiles(true)
	img := buildDMG(t, files)
	inv := inspectDMG(t, "lzfse.dmg", img, inspect.Options{})
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	got := dmgFiles(inv, "lzfse.dmg")
	for _, f := range files {
		if f.Decmpfs == 0 {
			continue
		}
		if want := testenv.SHA256Hex(f.Data) + " " + strconv.Itoa(len(f.Data)); got[f.Path] != want {
			t.Errorf("%s: %q, want %q", f.Path, got[f.Path], want)
		}
	}
}

// apfsPartition is the start of an APFS container: its superblock's
// "NXSB" magic at byte 32.
func apfsPartition() []byte {
	b := make([]byte, 64<<10)
	copy(b[32:], "NXSB")
	binary.LittleEndian.PutUint32(b[36:], 4096)
	return b
}

// TestDMGAPFSPartition: every volume of the image is read — HFS+ ones
// under their partition's name, the APFS volume under its own name —
// and a partition that is not a readable APFS container (its superblock's
// checksum wrong) is one error problem naming it, never silently left
// out; the partition map is not a volume.
func TestDMGAPFSPartition(t *testing.T) {
	files := dmgbuild.SampleFiles(false)[:20]
	container, err := dmgbuild.BuildAPFS(dmgbuild.APFSVolume{Name: "Data", Files: files})
	if err != nil {
		t.Fatal(err)
	}
	img := buildDMG(t, files,
		dmgbuild.Partition{Name: "Apple (Apple_partition_map : 1)", Data: make([]byte, 63*512)},
		dmgbuild.Partition{Name: "disk image (Apple_HFS : 2)"},
		dmgbuild.Partition{Name: "Container (Apple_APFS : 3)", Data: container},
		dmgbuild.Partition{Name: "Broken (Apple_APFS : 4)", Data: apfsPartition()},
		dmgbuild.Partition{Name: "backup (Apple_HFS : 5)"},
	)
	inv := inspectDMG(t, "multi.dmg", img, inspect.Options{})
	if len(inv.Problems) != 1 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	p := inv.Problems[0]
	if p.Severity != inspect.SeverityError || p.Layer != "apfs" || p.Path != "multi.dmg" ||
		!strings.Contains(p.Message, "no valid container superblock") || !strings.Contains(p.Message, `"Broken (Apple_APFS : 4)"`) {
		t.Errorf("problem %+v", p)
	}
	got := dmgFiles(inv, "multi.dmg")
	for _, f := range files {
		want := testenv.SHA256Hex(f.Data) + " " + strconv.Itoa(len(f.Data))
		for _, part := range []string{"disk image (Apple_HFS : 2)", "backup (Apple_HFS : 5)", "Data"} {
			if got[part+"/"+f.Path] != want {
				t.Errorf("%s/%s: %q, want %q", part, f.Path, got[part+"/"+f.Path], want)
			}
		}
	}
	if len(got) != 3*len(files) {
		t.Errorf("%d files, want %d", len(got), 3*len(files))
	}
}

// apfsDMG wraps an APFS container of files (volume "Example") in a UDIF
// image whose chunks cycle through chunks.
func apfsDMG(t *testing.T, files []dmgbuild.File, chunks []uint32, edit func(container []byte)) []byte {
	t.Helper()
	return apfsDMGVolume(t, dmgbuild.APFSVolume{Name: "Example", Files: files}, chunks, edit)
}

func apfsDMGVolume(t *testing.T, v dmgbuild.APFSVolume, chunks []uint32, edit func(container []byte)) []byte {
	t.Helper()
	container, err := dmgbuild.BuildAPFS(v)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(container)
	}
	img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{
		{Name: "disk image (Apple_APFS : 0)", Data: container, Chunks: chunks, ChunkSectors: 256}}})
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// TestDMGAPFSMatches7zz: an image holding an APFS container (zlib chunks,
// and LZFSE, raw and zlib mixed; directory records keyed by name hash,
// or by name alone) lists every file of its volume with the
// path, size and SHA-256 7-Zip extracts — the application bundle with
// its real Mach-O executable and Tcl's dylib, the nested flat package,
// a tree of several hundred files (a filesystem B-tree with an index
// level), a fragmented file, a hard link at both paths, decmpfs files;
// the application's files install under /Applications (the image's
// drag target); the components are identified; no problems.
func TestDMGAPFSMatches7zz(t *testing.T) {
	files := dmgVolumeFiles(t, false)
	for name, chunks := range map[string][]uint32{
		"zlib":        {dmgbuild.ChunkZlib},
		"mixed":       {dmgbuild.ChunkLZFSE, dmgbuild.ChunkRaw, dmgbuild.ChunkZlib},
		"plain names": {dmgbuild.ChunkZlib},
	} {
		t.Run(name, func(t *testing.T) {
			img := apfsDMGVolume(t, dmgbuild.APFSVolume{Name: "Example", Files: files, PlainNames: name == "plain names"}, chunks, nil)
			inv := inspectDMG(t, "Example.dmg", img, inspect.Options{})
			if inv.Artifact.Format != "dmg" || len(inv.Problems) != 0 {
				t.Fatalf("format %q, problems %+v", inv.Artifact.Format, inv.Problems)
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "image.dmg")
			os.WriteFile(in, img, 0o644)
			testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+filepath.Join(dir, "vol"), in)
			oracle := treeSizes(t, filepath.Join(dir, "vol"))
			got := dmgFiles(inv, "Example.dmg")
			if len(oracle) < 310 || !equalMaps(got, oracle) {
				for p, v := range oracle {
					if got[p] != v {
						t.Errorf("%s: got %q, 7zz %q", p, got[p], v)
					}
				}
				for p := range got {
					if _, ok := oracle[p]; !ok {
						t.Errorf("%s: not extracted by 7zz", p)
					}
				}
				t.Fatalf("%d files, 7zz %d", len(got), len(oracle))
			}
			checkDMGInventory(t, inv)
		})
	}
}

// TestDMGAPFSUnreadable: an encrypted APFS volume is one error problem
// saying so (the inventory is incomplete, exit 3); a damaged filesystem
// tree node is an error problem of layer apfs naming the partition;
// neither crashes nor lists files it cannot read.
func TestDMGAPFSUnreadable(t *testing.T) {
	files := dmgbuild.SampleFiles(false)
	enc := apfsDMG(t, files, nil, func(c []byte) {
		binary.LittleEndian.PutUint64(c[5*4096+264:], 0) // the volume superblock's fs_flags
		dmgbuild.SealAPFS(c, 5)
	})
	inv := inspectDMG(t, "enc.dmg", enc, inspect.Options{})
	if len(inv.Problems) != 1 || inv.Problems[0].Severity != inspect.SeverityError || inv.Problems[0].Layer != "apfs" ||
		!strings.Contains(inv.Problems[0].Message, "encrypted APFS volume not read") || len(inv.Files) != 0 {
		t.Errorf("problems %+v, %d files", inv.Problems, len(inv.Files))
	}
	bad := apfsDMG(t, files, nil, func(c []byte) {
		for n := 8; n*4096 < len(c); n++ {
			b := c[n*4096 : (n+1)*4096]
			if binary.LittleEndian.Uint32(b[24:]) == 3 && binary.LittleEndian.Uint32(b[28:]) == 0x0e {
				b[500] ^= 0xff
				return
			}
		}
		t.Fatal("no filesystem tree node")
	})
	inv = inspectDMG(t, "bad.dmg", bad, inspect.Options{})
	if len(inv.Problems) != 1 || inv.Problems[0].Severity != inspect.SeverityError || inv.Problems[0].Layer != "apfs" ||
		!strings.Contains(inv.Problems[0].Message, "checksum") || !strings.Contains(inv.Problems[0].Message, "disk image (Apple_APFS : 0)") {
		t.Errorf("problems %+v", inv.Problems)
	}
}

// TestDMGDamage: a corrupt chunk fails the files it holds with a dmg
// problem at that chunk's offset, and the partition's checksum with
// another; a changed byte in a raw chunk leaves the files readable but
// fails the partition's and the data fork's checksums; nothing crashes.
func TestDMGDamage(t *testing.T) {
	files := dmgbuild.SampleFiles(false)
	img := buildDMG(t, files, dmgbuild.Partition{Name: "disk image (Apple_HFS : 0)", Chunks: []uint32{dmgbuild.ChunkZlib, dmgbuild.ChunkRaw}, ChunkSectors: 64})
	d, err := dmg.Open(bytes.NewReader(img), int64(len(img)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var zlibAt, rawAt int64 = -1, -1
	for i, c := range d.Partitions[0].Chunks {
		at := int64(c.Offset)
		if c.Type == dmg.ChunkZlib && zlibAt < 0 && i > 40 {
			zlibAt = at + int64(c.Length)/2
		}
		if c.Type == dmg.ChunkRaw && rawAt < 0 && i > 40 {
			rawAt = at + 100
		}
	}
	bad := append([]byte{}, img...)
	bad[zlibAt] ^= 0x55
	inv := inspectDMG(t, "bad.dmg", bad, inspect.Options{})
	var chunk, sum bool
	for _, p := range inv.Problems {
		if p.Layer == "dmg" && p.Offset > 0 && p.Offset <= zlibAt && strings.Contains(p.Message, "chunk") && p.Path != "bad.dmg" {
			chunk = true
		}
		if p.Path == "bad.dmg" && strings.Contains(p.Message, "checksum") {
			sum = true
		}
		if p.Severity != inspect.SeverityError {
			t.Errorf("problem %+v", p)
		}
	}
	if !chunk || !sum {
		t.Errorf("problems %+v", inv.Problems)
	}

	bad = append([]byte{}, img...)
	bad[rawAt] ^= 0x55
	inv = inspectDMG(t, "bad.dmg", bad, inspect.Options{})
	var part, fork bool
	for _, p := range inv.Problems {
		part = part || strings.Contains(p.Message, "the decompressed sectors give")
		fork = fork || strings.Contains(p.Message, "data fork checksum")
	}
	if !part || !fork {
		t.Errorf("problems %+v", inv.Problems)
	}
}

// TestDMGLimits: the decompressed bytes of the image's chunks count against
// total-bytes like every other layer's; crossing it is a limit problem.
func TestDMGLimits(t *testing.T) {
	img := buildDMG(t, dmgbuild.SampleFiles(false))
	l := inspect.DefaultLimits()
	l.TotalBytes = 1 << 20
	inv := inspectDMG(t, "big.dmg", img, inspect.Options{Limits: l})
	var limit bool
	for _, p := range inv.Problems {
		limit = limit || strings.Contains(p.Message, "total-bytes")
	}
	if !limit {
		t.Errorf("problems %+v", inv.Problems)
	}
}

// TestDMGDeterministic: the same image gives the same inventory.
func TestDMGDeterministic(t *testing.T) {
	img := buildDMG(t, dmgbuild.SampleFiles(true), dmgbuild.Partition{Name: "disk image (Apple_HFS : 0)", Chunks: []uint32{dmgbuild.ChunkLZFSE, dmgbuild.ChunkZlib}, ChunkSectors: 64})
	a := inspectDMG(t, "d.dmg", img, inspect.Options{})
	b := inspectDMG(t, "d.dmg", img, inspect.Options{Workers: 1})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("inventories differ")
	}
}

// TestDMGUnreadable: an encrypted or sparse image is recognised and
// reported as not read (exit 3), not taken for something that is not an
// installer.
func TestDMGUnreadable(t *testing.T) {
	enc := append([]byte("encrcdsa\x00\x00\x00\x02"), make([]byte, 8000)...)
	sparse := append([]byte("sprs\x00\x00\x00\x03"), make([]byte, 8000)...)
	for name, b := range map[string][]byte{"encrypted.dmg": enc, "sparse.sparseimage": sparse} {
		inv := inspectDMG(t, name, b, inspect.Options{})
		if inv.Artifact.Format != "dmg" || len(inv.Problems) != 1 || inv.Problems[0].Severity != inspect.SeverityError ||
			!strings.Contains(inv.Problems[0].Message, "is not read (not supported)") {
			t.Errorf("%s: format %q, problems %+v", name, inv.Artifact.Format, inv.Problems)
		}
	}
}

// TestDMGAPFSLimits: an APFS partition's decompressed bytes count against
// total-bytes like an HFS+ one's, and its records against entries; each
// crossing is a problem, not a crash or a silent cut.
func TestDMGAPFSLimits(t *testing.T) {
	img := apfsDMG(t, dmgbuild.SampleFiles(false), nil, nil)
	for limit, set := range map[string]func(*inspect.Limits){
		"total-bytes": func(l *inspect.Limits) { l.TotalBytes = 1 << 20 },
		"MaxItems":    func(l *inspect.Limits) { l.Entries = 100 },
	} {
		l := inspect.DefaultLimits()
		set(&l)
		inv := inspectDMG(t, "big.dmg", img, inspect.Options{Limits: l})
		var hit bool
		for _, p := range inv.Problems {
			hit = hit || strings.Contains(p.Message, limit) && p.Severity == inspect.SeverityError
		}
		if !hit {
			t.Errorf("%s: problems %+v", limit, inv.Problems)
		}
	}
}

// TestDMGAPFSVolumes: a container of two volumes lists each volume's
// files under the volume's name, with the bytes 7-Zip extracts (under
// Volume1/ and Volume2/); the drag-to-install link of the volume holding
// the application places its files under /Applications.
func TestDMGAPFSVolumes(t *testing.T) {
	files := dmgVolumeFiles(t, false)
	data := dmgbuild.SampleFiles(false)[:40]
	container, err := dmgbuild.BuildAPFSContainer(dmgbuild.APFSVolume{Name: "Example", Files: files}, dmgbuild.APFSVolume{Name: "Data", Files: data})
	if err != nil {
		t.Fatal(err)
	}
	img, err := dmgbuild.BuildUDIF(dmgbuild.Image{Partitions: []dmgbuild.Partition{{Name: "disk image (Apple_APFS : 0)", Data: container}}})
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectDMG(t, "two.dmg", img, inspect.Options{})
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "image.dmg")
	os.WriteFile(in, img, 0o644)
	testenv.Run(t, dir, testenv.Tool(t, "7zz"), "x", "-y", "-o"+filepath.Join(dir, "vol"), in)
	oracle := map[string]string{}
	for p, v := range treeSizes(t, filepath.Join(dir, "vol")) {
		p = strings.Replace(strings.Replace(p, "Volume1/", "Example/", 1), "Volume2/", "Data/", 1)
		oracle[p] = v
	}
	got := dmgFiles(inv, "two.dmg")
	if len(oracle) < 340 || !equalMaps(got, oracle) {
		for p, v := range oracle {
			if got[p] != v {
				t.Errorf("%s: got %q, 7zz %q", p, got[p], v)
			}
		}
		t.Fatalf("%d files, 7zz %d", len(got), len(oracle))
	}
	for _, f := range inv.Files {
		rel := strings.TrimPrefix(f.Path, "two.dmg/")
		if strings.HasPrefix(rel, "Example/Example.app/") && f.InstallPath != "/Applications/"+strings.TrimPrefix(rel, "Example/") {
			t.Errorf("%s: install path %q", f.Path, f.InstallPath)
		}
	}
}
