package inspect

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// msiinfoProperties reads the Property table with msiinfo (the oracle).
func msiinfoProperties(t *testing.T, path string) map[string]string {
	out := testenv.Run(t, "", testenv.Tool(t, "msiinfo"), "export", path, "Property")
	props := map[string]string{}
	for i, l := range strings.Split(strings.ReplaceAll(string(out), "\r\n", "\n"), "\n") {
		if i < 3 || l == "" {
			continue
		}
		k, v, _ := strings.Cut(l, "\t")
		props[k] = v
	}
	return props
}

func TestMSIFormat(t *testing.T) {
	for _, tc := range []struct {
		file  string
		files int // File rows, from `msiinfo export FILE File`
	}{
		{"NUnit-2.5.2.9222.msi", 296},
		{"msi_with_external_cab.msi", 1}, // its cabinet is read from beside it
	} {
		t.Run(tc.file, func(t *testing.T) {
			p := testenv.Shared(t, "fixtures-real", "msi", tc.file)
			inv, err := InspectFile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if inv.Artifact.Format != "msi" {
				t.Errorf("format %q", inv.Artifact.Format)
			}
			if id := inv.Artifact.Identity; id == nil || id.Algorithm != "msi-streams-sha256" || len(id.Digest) != 64 {
				t.Errorf("identity %+v", id)
			}
			props := msiinfoProperties(t, p)
			if len(inv.Packages) != 1 {
				t.Fatalf("packages %+v", inv.Packages)
			}
			pkg := inv.Packages[0]
			if pkg.Name != props["ProductName"] || pkg.Version != props["ProductVersion"] || pkg.Manufacturer != props["Manufacturer"] ||
				pkg.ProductCode != props["ProductCode"] || pkg.UpgradeCode != props["UpgradeCode"] || pkg.ID != props["ProductCode"] || pkg.Format != "msi" {
				t.Errorf("package %+v, Property table %v", pkg, props)
			}
			// Binary table streams are files too, with the bytes msiinfo
			// extracts; the rest are the File rows.
			binary := 0
			for _, f := range inv.Files {
				name, ok := strings.CutPrefix(f.Path, tc.file+"/[Binary]/")
				if !ok {
					continue
				}
				binary++
				b := testenv.Run(t, "", testenv.Tool(t, "msiinfo"), "extract", p, "Binary."+name)
				if sum := sha256.Sum256(b); fmt.Sprintf("%x", sum) != f.SHA256 || f.Package != "" || f.InstallPath != "" {
					t.Errorf("Binary stream %s: %+v, msiinfo gives %d bytes", name, f, len(b))
				}
			}
			if n := len(msiinfoStreams(t, p, "Binary.")); binary != n {
				t.Errorf("%d Binary files, msiinfo lists %d Binary streams", binary, n)
			}
			if len(inv.Files)-binary != tc.files {
				t.Errorf("%d files, want %d", len(inv.Files)-binary, tc.files)
			}
			for _, f := range inv.Files {
				if strings.Contains(f.Path, "/[Binary]/") {
					continue
				}
				if f.Package != pkg.ID || f.InstallPath == "" || f.Path != tc.file+"/"+f.InstallPath ||
					!strings.HasPrefix(f.InstallPath, "ProgramFilesFolder/") {
					t.Errorf("file %+v", f)
					break
				}
			}
			if len(inv.Problems) != 0 {
				t.Errorf("problems: %+v", inv.Problems)
			}
		})
	}
}

// matchMSI decides from the head: the MSI CLSID on the root entry when the
// directory is within head; other compound files are not MSIs.
func TestMatchMSI(t *testing.T) {
	var msiCLSID = msiRootCLSID
	doc := msibuild.WriteCFB(3, [16]byte{0x06, 0x09, 0x02}, []msibuild.CFBStream{{Name: "WordDocument", Data: []byte("x")}})
	asMSI := msibuild.WriteCFB(3, msiCLSID, []msibuild.CFBStream{{Name: "x", Data: []byte("x")}})
	if matchMSI(Probe{Head: doc, Size: int64(len(doc))}) {
		t.Error("a compound file with another CLSID matched")
	}
	if !matchMSI(Probe{Head: asMSI, Size: int64(len(asMSI))}) {
		t.Error("a compound file with the MSI CLSID did not match")
	}
	for _, name := range []string{"NUnit-2.5.2.9222.msi", "msi_with_external_cab.msi"} {
		b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "msi", name))
		if err != nil {
			t.Fatal(err)
		}
		if !matchMSI(Probe{Head: b[:min(len(b), 8192)], Size: int64(len(b))}) {
			t.Errorf("%s did not match", name)
		}
	}
	if matchMSI(Probe{Head: []byte("PK\x03\x04"), Size: 4}) {
		t.Error("zip matched")
	}
}

// A compound file whose sector shift the format does not allow is damage
// to report (an error naming the layer and offset), not opaque data that
// passes with exit 0.
func TestMSIUnsupportedSectorShift(t *testing.T) {
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "msi", "NUnit-2.5.2.9222.msi"))
	if err != nil {
		t.Fatal(err)
	}
	b[30] = 10 // sector shift 10: neither version 3's 9 nor version 4's 12
	inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "shift.msi", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Complete() || len(inv.Problems) != 1 || inv.Problems[0].Layer != "cfb" || inv.Problems[0].Offset != 26 ||
		!strings.Contains(inv.Problems[0].Message, "sector shift 10") {
		t.Fatalf("problems %+v", inv.Problems)
	}
}

// A Directory row whose parent is not in the Directory table does not fail
// the MSI: its files are placed under the missing key, as lessmsi does (and
// msiextract, which drops the root), with a warning; the inventory is
// complete. Oracle: msiextract gives the same files with the same bytes.
func TestMSIMissingDirectoryParent(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	testenv.WriteTree(t, src, map[string]string{"a.txt": "a\n", "sub/b.txt": "b\n", "sub/deeper/c.txt": "c\n"})
	msiPath := msibuild.BuildMSI(t, dir, src, msibuild.Spec{})
	idt := testenv.Run(t, dir, testenv.Tool(t, "msiinfo"), "export", msiPath, "Directory")
	orphaned := regexp.MustCompile(`(?m)^(\w+)\tINSTALLDIR\tsub\r?$`).ReplaceAll(idt, []byte("${1}\tGONEDIR\tsub"))
	if bytes.Equal(orphaned, idt) {
		t.Fatalf("no Directory row for sub:\n%s", idt)
	}
	if err := os.WriteFile(filepath.Join(dir, "Directory.idt"), orphaned, 0o644); err != nil {
		t.Fatal(err)
	}
	testenv.Run(t, dir, testenv.Tool(t, "msibuild"), msiPath, "-i", filepath.Join(dir, "Directory.idt"))

	inv, err := InspectFile(msiPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !inv.Complete() || len(inv.Problems) != 1 || !strings.Contains(inv.Problems[0].Message, `parent "GONEDIR" is not in the Directory table`) {
		t.Fatalf("problems %+v", inv.Problems)
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	testenv.Run(t, out, testenv.Tool(t, "msiextract"), msiPath)
	got := map[string]string{}
	for _, f := range inv.Files {
		// Our paths start at the root directory key (ProgramFiles64Folder,
		// GONEDIR); msiextract's one level below.
		rel := strings.TrimPrefix(f.Path, filepath.Base(msiPath)+"/")
		_, rel, _ = strings.Cut(rel, "/")
		got[rel] = f.SHA256
	}
	want := testenv.TreeSHA256(t, out)
	if len(want) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, msiextract %v", got, want)
	}
}

// A merge module has no Media table: its files are the entries of its
// MergeModule.CABinet stream named by File keys, installed under its
// Directory table (standard folders may carry the module's GUID). The
// module is made from a wixl MSI with msibuild (Media dropped, the cabinet
// re-added as MergeModule.CABinet, a ModuleSignature row); oracle: the
// bytes cabextract gets from that stream, and the install paths of the tree.
func TestMergeModule(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	tree := map[string]string{"a.txt": "alpha\n", "sub/b.txt": "beta\n", "sub/deeper/c.txt": "gamma\n"}
	testenv.WriteTree(t, src, tree)
	msm := msibuild.BuildMSI(t, dir, src, msibuild.Spec{CabName: "data.cab"})
	cabBytes := testenv.Run(t, dir, testenv.Tool(t, "msiinfo"), "extract", msm, "data.cab")
	cabPath := filepath.Join(dir, "module.cab")
	os.WriteFile(cabPath, cabBytes, 0o644)
	msibuildTool := testenv.Tool(t, "msibuild")
	testenv.Run(t, dir, msibuildTool, msm, "-q", "DROP TABLE Media")
	testenv.Run(t, dir, msibuildTool, msm, "-a", "MergeModule.CABinet", cabPath)
	sig := "ModuleID\tLanguage\tVersion\r\ns72\ti2\ts32\r\nModuleSignature\tModuleID\tLanguage\r\n" +
		"TestModule.1A2B3C4D_0000_4000_8000_000000000001\t1033\t2.5.0\r\n"
	os.WriteFile(filepath.Join(dir, "ModuleSignature.idt"), []byte(sig), 0o644)
	testenv.Run(t, dir, msibuildTool, msm, "-i", filepath.Join(dir, "ModuleSignature.idt"))

	inv, err := InspectFile(msm, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	if len(inv.Packages) != 1 || inv.Packages[0].Format != "msm" || inv.Packages[0].Name != "TestModule" || inv.Packages[0].Version != "2.5.0" ||
		inv.Packages[0].Properties["ModuleGUID"] != "{1A2B3C4D-0000-4000-8000-000000000001}" {
		t.Errorf("package %+v", inv.Packages)
	}
	// Oracle: cabextract's bytes of the module's cabinet.
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	testenv.Run(t, out, testenv.Tool(t, "cabextract"), "-q", cabPath)
	var want, got []string
	ents, _ := os.ReadDir(out)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		want = append(want, fmt.Sprintf("%x", sha256.Sum256(b)))
	}
	base := filepath.Base(msm) + "/ProgramFiles64Folder/Test Product/"
	for _, f := range inv.Files {
		got = append(got, f.SHA256)
		rel := strings.TrimPrefix(f.Path, base)
		if data, ok := tree[rel]; !ok || fmt.Sprintf("%x", sha256.Sum256([]byte(data))) != f.SHA256 {
			t.Errorf("file %s (%s) is not the tree's", f.Path, f.SHA256)
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if len(want) != len(tree) || !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, cabextract %v", got, want)
	}
}

// The real WiX merge module: both File rows come out of its cabinet stream,
// one under the module's ProgramFilesFolder, one under its redirect folder.
func TestMergeModuleWiX(t *testing.T) {
	inv, err := InspectFile(testenv.Shared(t, "fixtures-real", "wix", "MergeModule1.msm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range inv.Files {
		paths = append(paths, f.Path)
	}
	want := []string{"MergeModule1.msm/ProgramFilesFolder/WiX Toolset Test Directory/MergeModule.wxs", "MergeModule1.msm/TARGETDIR/MergeModule.wxs",
		"MergeModule1.msm/[Binary]/Binary1.F844F0E3_8CB4_4A0F_973E_31C4F9338382"}
	if !reflect.DeepEqual(paths, want) || len(inv.Problems) != 0 || inv.Packages[0].Name != "MergeModule1" || inv.Packages[0].Version != "1.0.0.0" {
		t.Errorf("files %q, problems %+v, packages %+v", paths, inv.Problems, inv.Packages)
	}
}

// A cabinet stream whose sector chain names a sector past the end of the
// file (damage in the compound file) still gives every file stored before
// the damage; only the files the damage reaches are errors. The MSI holds
// ten incompressible 8000-byte files in one folder of 32 KiB data blocks;
// the chain is cut in the third block, which holds the end of f08 and f09:
// f00 to f07 come out, byte for byte.
func TestMSIDamagedCabinetStream(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	want := map[string]string{}
	for i := 0; i < 10; i++ {
		b := make([]byte, 8000)
		rand.New(rand.NewSource(int64(i))).Read(b)
		name := fmt.Sprintf("f%02d.bin", i)
		os.WriteFile(filepath.Join(src, name), b, 0o644)
		want[name] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	msiPath := msibuild.BuildMSI(t, dir, src, msibuild.Spec{ProductName: "Damaged", CabName: "data.cab"})
	b, err := os.ReadFile(msiPath)
	if err != nil {
		t.Fatal(err)
	}
	db, err := msi.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	cf := db.CFB()
	if cf.Major != 3 {
		t.Skipf("version %d compound file", cf.Major)
	}
	st, ok := db.OpenStream("data.cab")
	if !ok {
		t.Fatal("no data.cab stream")
	}
	// The sector holding the stream's last 4 KiB: its FAT entry (in a FAT
	// sector named by the header's DIFAT) is made to point past the file.
	at := st.FileOffset(st.Size - 4096)
	sector := uint32(at/512 - 1)
	prev := uint32(st.FileOffset(st.Size-4096-512)/512 - 1)
	fatSector := binary.LittleEndian.Uint32(b[76+4*(prev/128):])
	entry := int64(fatSector+1)*512 + int64(prev%128)*4
	if binary.LittleEndian.Uint32(b[entry:]) != sector {
		t.Fatalf("FAT entry of sector %d is %d, not the next sector %d", prev, binary.LittleEndian.Uint32(b[entry:]), sector)
	}
	binary.LittleEndian.PutUint32(b[entry:], 0x00ffffff)

	inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "damaged.msi", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range inv.Files {
		got[path.Base(f.Path)] = f.SHA256
	}
	read := 0
	for name, sum := range got {
		if want[name] != sum {
			t.Errorf("%s: wrong bytes", name)
		}
		read++
	}
	if read != 8 || got["f08.bin"] != "" || got["f09.bin"] != "" {
		t.Errorf("%d of 10 files read (%v); want the 8 before the damaged block", read, got)
	}
	if inv.Complete() {
		t.Error("the damage is not reported as an error")
	}
	if len(inv.Problems) != 3 {
		t.Errorf("problems: want the damaged chain and the two files it reaches, once each: %+v", inv.Problems)
	}
}

// msiinfoStreams lists the streams msiinfo names with the prefix.
func msiinfoStreams(t *testing.T, path, prefix string) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(string(testenv.Run(t, "", testenv.Tool(t, "msiinfo"), "streams", path)), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return out
}

// TestMSIFileHashMismatch: a file whose bytes differ from its MsiFileHash
// row is a warning at that row, naming the file by its path in the
// installer — for a file read into memory (checked on a worker) and for a
// large data file hashed as it streams; the inventory stays complete and
// every file is listed with its real bytes.
func TestMSIFileHashMismatch(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	big := bytes.Repeat([]byte("a line of a large data file that is not a binary\n"), (17<<20)/50+1)
	testenv.WriteTree(t, src, map[string]string{"a.txt": "a\n", "b.txt": "b\n", "big.dat": string(big)})
	msiPath := msibuild.BuildMSI(t, dir, src, msibuild.Spec{})
	b, err := os.ReadFile(msiPath)
	if err != nil {
		t.Fatal(err)
	}
	inspectMSI := func() *Inventory {
		inv, err := Inspect(bytes.NewReader(b), int64(len(b)), "x.msi", Options{Limits: DefaultLimits()})
		if err != nil {
			t.Fatal(err)
		}
		return inv
	}
	inv := inspectMSI()
	if len(inv.Problems) != 0 || len(inv.Files) != 3 {
		t.Fatalf("unmodified: problems %+v, %d files", inv.Problems, len(inv.Files))
	}
	db, err := msi.Open(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	files, err := db.Files()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := db.Table("MsiFileHash")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{} // path in the inventory → row offset
	for _, f := range files {
		if f.Name == "b.txt" {
			continue
		}
		for r := 0; r < tab.Rows(); r++ {
			if tab.String(r, "File_") == f.Key {
				b[tab.CellOffset(r, tab.ColumnIndex("HashPart3"))] ^= 1
				want["x.msi/"+f.Path] = tab.RowOffset(r)
			}
		}
	}
	if len(want) != 2 {
		t.Fatalf("MsiFileHash rows for %v", want)
	}
	inv = inspectMSI()
	got := map[string]int64{}
	for _, p := range inv.Problems {
		if p.Severity == SeverityWarning && p.Layer == "msi" && strings.Contains(p.Message, "MsiFileHash mismatch") {
			got[p.Path] = p.Offset
		}
	}
	if !reflect.DeepEqual(got, want) || len(inv.Problems) != 2 || !inv.Complete() || len(inv.Files) != 3 {
		t.Errorf("mismatches %v, want %v; problems %+v", got, want, inv.Problems)
	}
	for _, f := range inv.Files {
		if strings.HasSuffix(f.Path, "/big.dat") && f.SHA256 != fmt.Sprintf("%x", sha256.Sum256(big)) {
			t.Errorf("big.dat: %+v", f)
		}
	}
}
