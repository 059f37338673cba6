package fingerprint

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestEveryRuleHasProof: a built-in rule names the real binary that proves
// it, or a generated snippet that reproduces a real layout.
func TestEveryRuleHasProof(t *testing.T) {
	for _, r := range BuiltinRules() {
		if len(r.Proofs) == 0 && len(r.Snippets) == 0 {
			t.Errorf("rule %s: no proof (real binary) and no snippet", r.Name)
		}
		for i, p := range r.Proofs {
			if p.Registry == "" || p.File == "" || len(p.SHA256) != 64 || p.Truth == "" {
				t.Errorf("rule %s proof %d: registry, file, sha256 and truth are required: %+v", r.Name, i, p)
			}
			if p.Registry != "shared" && (p.Package == "" || p.Version == "") {
				t.Errorf("rule %s proof %d: package and version are required for %s", r.Name, i, p.Registry)
			}
		}
		for i, s := range r.Snippets {
			if (s.Text == "") == (s.Hex == "") || s.Layout == "" {
				t.Errorf("rule %s snippet %d: one of text or hex, and layout, are required", r.Name, i)
			}
		}
	}
}

// snippetFile puts a snippet's bytes into an ar archive (a static library),
// which the engine scans without header parsing.
func snippetFile(s Snippet) ([]byte, error) {
	body := []byte(latin1(s.Text))
	if s.Hex != "" {
		var err error
		if body, err = hex.DecodeString(s.Hex); err != nil {
			return nil, err
		}
	}
	out := []byte("!<arch>\n")
	out = append(out, make([]byte, 56)...)
	out = append(out, body...)
	return append(out, make([]byte, 64)...), nil
}

func TestRuleSnippets(t *testing.T) {
	e := Default()
	for _, r := range BuiltinRules() {
		for i, s := range r.Snippets {
			data, err := snippetFile(s)
			if err != nil {
				t.Errorf("rule %s snippet %d: %v", r.Name, i, err)
				continue
			}
			rep := e.Identify("snippet.a", data)
			if !hasFinding(rep, r.Name, s.Expect) {
				t.Errorf("rule %s snippet %d: want %s %q, got %s", r.Name, i, r.Name, s.Expect, describeFindings(rep))
			}
		}
	}
}

// TestRuleProofs fetches every proof binary from its registry (cached
// between runs) and checks the rule reports the version the package's own
// metadata states. ISBOM_TEST_PROOFS=rule1,rule2 limits the run.
func TestRuleProofs(t *testing.T) {
	only := map[string]bool{}
	for _, n := range strings.Split(os.Getenv("ISBOM_TEST_PROOFS"), ",") {
		if n != "" {
			only[n] = true
		}
	}
	e := Default()
	// Group by package so each is fetched and held once.
	type job struct {
		rule string
		p    Proof
	}
	byPkg := map[string][]job{}
	for _, r := range BuiltinRules() {
		if len(only) > 0 && !only[r.Name] {
			continue
		}
		for _, p := range r.Proofs {
			k := p.Registry + " " + p.Package + "@" + p.Version
			byPkg[k] = append(byPkg[k], job{r.Name, p})
		}
	}
	keys := make([]string, 0, len(byPkg))
	for k := range byPkg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, j := range byPkg[k] {
			p := j.p
			t.Run(j.rule+"/"+path.Base(p.File), func(t *testing.T) {
				data := testenv.RegistryFile(t, p.Registry, p.Package, p.Version, p.File)
				if got := testenv.SHA256Hex(data); got != p.SHA256 {
					t.Fatalf("%s %s@%s %s: sha256 %s, the rule names %s", p.Registry, p.Package, p.Version, p.File, got, p.SHA256)
				}
				name := p.File
				if strings.HasSuffix(name, ".gz") { // go-embed-python and ../shared keep binaries gzipped
					data, name = gunzip(t, data), strings.TrimSuffix(name, ".gz")
				}
				rep := e.Identify(name, data)
				if !hasFinding(rep, j.rule, p.Expect) {
					t.Errorf("%s@%s %s: want %s %q (%s), got %s", p.Package, p.Version, p.File, j.rule, p.Expect, p.Truth, describeFindings(rep))
				}
			})
		}
		testenv.ForgetRegistryPackages()
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func hasFinding(rep *FileReport, name, version string) bool {
	for _, f := range rep.Findings {
		if f.Name == name && f.Version == version {
			return true
		}
	}
	return false
}

func describeFindings(rep *FileReport) string {
	var s []string
	for _, f := range rep.Findings {
		s = append(s, fmt.Sprintf("%s %q", f.Name, f.Version))
	}
	if len(s) == 0 {
		return "nothing"
	}
	return strings.Join(s, ", ")
}

// A library's version read from its name (libraryNameVersion) comes from
// the name the binary gives itself at link time: llama.v0.4.0.dll keeps
// 0.4.0 when the file is renamed, and another binary renamed to
// llama.v9.9.9.dll is not made llama.cpp 9.9.9.
func TestLibraryNameVersionFromLinkName(t *testing.T) {
	const pkg, ver = "@node-llama-cpp/win-x64", "3.21.1"
	llama := testenv.RegistryFile(t, "npm", pkg, ver, "bins/win-x64/llama.v0.4.0.dll")
	other := testenv.RegistryFile(t, "npm", pkg, ver, "bins/win-x64/ggml-base.dll")
	e := Default()
	if rep := e.Identify("bins/renamed.dll", llama); !hasFinding(rep, "llama.cpp", "0.4.0") {
		t.Errorf("renamed llama.v0.4.0.dll: want llama.cpp 0.4.0 from its export name, got %s", describeFindings(rep))
	}
	rep := e.Identify("bins/llama.v9.9.9.dll", other)
	for _, f := range rep.Findings {
		if f.Name == "llama.cpp" && f.Version != "" {
			t.Errorf("ggml-base.dll renamed llama.v9.9.9.dll: llama.cpp %q from a file name", f.Version)
		}
	}
	if !hasFinding(rep, "llama.cpp", "") {
		t.Errorf("ggml-base.dll renamed llama.v9.9.9.dll: want llama.cpp without a version (the file name matches libraryNames), got %s", describeFindings(rep))
	}
	testenv.ForgetRegistryPackages()
}
