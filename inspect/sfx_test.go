package inspect_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// A self-extracting executable carries a cabinet in its overlay: the
// executable is inventoried (and fingerprinted) as itself and the cabinet's
// files are walked, as cabextract finds them by searching. Oracle:
// cabextract on the executable; same files, same bytes.
func TestCabinetEmbeddedInExecutable(t *testing.T) {
	stub := burnbuild.StubPE(t, "amd64")
	files := [][2]any{{"readme.txt", []byte("hello from the cabinet\n")}, {"tool.dll", bytes.Repeat([]byte("tool "), 4000)}}
	cabBytes := burnbuild.Gcab(t, files, true)
	exe := append(append(append([]byte(nil), stub...), []byte("padding before the cabinet")...), cabBytes...)
	dir := t.TempDir()
	path := filepath.Join(dir, "setup.exe")
	if err := os.WriteFile(path, exe, 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := inspect.InspectFile(path, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	got := map[string]string{}
	var exeSeen bool
	prefix := fmt.Sprintf("setup.exe/[cabinet at 0x%x]/", len(stub)+len("padding before the cabinet"))
	for _, f := range inv.Files {
		if f.Path == "setup.exe" {
			exeSeen = f.Kind == inspect.KindPE
			continue
		}
		if !strings.HasPrefix(f.Path, prefix) {
			t.Errorf("unexpected file %s", f.Path)
			continue
		}
		got[strings.TrimPrefix(f.Path, prefix)] = f.SHA256
	}
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	testenv.Run(t, out, testenv.Tool(t, "cabextract"), "-q", path)
	want := testenv.TreeSHA256(t, out)
	if !exeSeen || len(want) != 2 || !reflect.DeepEqual(got, want) {
		t.Errorf("executable inventoried %v; files %v, cabextract %v", exeSeen, got, want)
	}
}
