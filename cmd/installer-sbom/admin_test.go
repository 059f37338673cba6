package main

import (
	"crypto/md5"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// An MSI whose Media row names no cabinet expects its files beside it, in
// the source tree (an administrative image). Those there are read (and
// checked against MsiFileHash); those not there are listed from their File
// rows as absent with a warning, and the MSI, being whole, exits 0; compose
// annotates each absent file instead of inventing its bytes.
func TestUncompressedSourceFiles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	tree := map[string]string{"a.txt": "alpha\n", "sub/b.txt": "beta\n", "sub/deeper/c.txt": "gamma\n"}
	testenv.WriteTree(t, src, tree)
	img := filepath.Join(dir, "image")
	os.Mkdir(img, 0o755)
	msi := msibuild.BuildMSI(t, img, src, msibuild.Spec{ProductName: "Admin"})
	testenv.Run(t, img, testenv.Tool(t, "msibuild"), msi, "-q", "UPDATE Media SET Cabinet = ''")
	// Two of the three files are laid out beside the MSI, under the
	// directory's source name; c.txt is missing.
	for _, name := range []string{"a.txt", "sub/b.txt"} {
		p := filepath.Join(img, "Admin", filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(tree[name]), 0o644)
	}
	out, stderr, code := runCLI(t, nil, "inspect", "--json", msi)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var inv inspect.Inventory
	if err := json.Unmarshal([]byte(out), &inv); err != nil {
		t.Fatal(err)
	}
	base := "Admin.msi/ProgramFiles64Folder/Admin/"
	for _, f := range inv.Files {
		rel := strings.TrimPrefix(f.Path, base)
		data, ok := tree[rel]
		switch {
		case !ok:
			t.Errorf("unexpected file %s", f.Path)
		case rel == "sub/deeper/c.txt":
			if !f.Absent || f.SHA256 != "" || f.Size != int64(len(data)) || f.DeclaredHash != fmt.Sprintf("md5:%x", md5.Sum([]byte(data))) {
				t.Errorf("absent file %+v", f)
			}
		default:
			if f.Absent || f.SHA256 != testenv.SHA256Hex([]byte(data)) {
				t.Errorf("file %+v", f)
			}
		}
	}
	if len(inv.Files) != 3 || len(inv.Problems) != 1 || inv.Problems[0].IsError() ||
		!strings.Contains(inv.Problems[0].Message, `uncompressed source file "Admin/sub/deeper/c.txt" is not present beside the MSI`) {
		t.Errorf("%d files, problems %+v", len(inv.Files), inv.Problems)
	}
	doc, _, code := runCLI(t, nil, "compose", msi)
	if code != exitOK || !strings.Contains(doc, "not-present: ./"+base+"sub/deeper/c.txt") || strings.Contains(doc, `"fileName": "./`+base+`sub/deeper/c.txt"`) {
		t.Errorf("compose exit %d:\n%.2000s", code, doc)
	}
}
