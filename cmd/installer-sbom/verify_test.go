package main

import (
	"bytes"
	"encoding/json"
	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/msixbuild"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/compose/sbomdiff"
	"github.com/installer-sbom/installer-sbom/fixtures/embedzip"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

var fixedEpoch = map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}

// sqliteZip is a zip of one CPython tree's sqlite3.dll and _sqlite3.pyd.
func sqliteZip(t *testing.T, version, name string) string {
	t.Helper()
	dlls := filepath.Join(testenv.EmbedPython(t, version), "windows-amd64", "DLLs")
	b, err := embedzip.Bytes([]embedzip.Entry{
		{Name: "sqlite3.dll", Data: testenv.Gunzip(t, filepath.Join(dlls, "sqlite3.dll.gz"))},
		{Name: "_sqlite3.pyd", Data: testenv.Gunzip(t, filepath.Join(dlls, "_sqlite3.pyd.gz"))},
	})
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, name, b)
}

func composeTo(t *testing.T, installer, format string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "doc."+format)
	if _, stderr, code := runCLI(t, fixedEpoch, "compose", installer, "--format", format, "-o", out); code != exitOK {
		t.Fatalf("compose %s: exit %d: %s", format, code, stderr)
	}
	return out
}

func TestVerifyCommand(t *testing.T) {
	old := sqliteZip(t, testenv.Python311, "sqlite.zip")
	other := sqliteZip(t, testenv.Python314, "sqlite.zip")
	for _, format := range []string{"spdx-json", "spdx-tag-value", "cyclonedx-json"} {
		doc := composeTo(t, old, format)
		stdout, stderr, code := runCLI(t, nil, "verify", old, "--sbom", doc)
		if code != exitOK || !strings.HasPrefix(stdout, "OK: ") || !strings.Contains(stdout, "all 2 files and ") {
			t.Errorf("%s: verify own SBOM: exit %d\n%s%s", format, code, stdout, stderr)
		}
		stdout, stderr, code = runCLI(t, nil, "verify", other, "--sbom", doc)
		if code != exitDiffers || !strings.HasPrefix(stdout, "FAIL: ") ||
			!strings.Contains(stdout, "\n  file changed: sqlite3.dll: the SBOM records ") ||
			!strings.Contains(stdout, "\n  component other version: sqlite: the SBOM lists 3.47.1, the installer has 3.53.1\n") {
			t.Errorf("%s: verify the other sqlite3.dll: exit %d\n%s%s", format, code, stdout, stderr)
		}
		stdout, _, code = runCLI(t, nil, "verify", "--json", other, "--sbom", doc)
		var v sbomdiff.Verification
		if err := json.Unmarshal([]byte(stdout), &v); err != nil {
			t.Fatalf("%s: --json output: %v\n%s", format, err, stdout)
		}
		if code != exitDiffers || v.OK || v.ChecksumOK || len(v.Diff.FilesChanged) != 2 || len(v.Diff.ComponentsChanged) != 2 {
			t.Errorf("%s: --json: exit %d, %+v", format, code, v)
		}
	}
}

func TestVerifyCommandErrors(t *testing.T) {
	z := sqliteZip(t, testenv.Python311, "sqlite.zip")
	doc := composeTo(t, z, "spdx-json")
	garbage := writeFile(t, "bad.spdx.json", []byte(`{"spdxVersion": "SPDX-2.3", "packages": [`))
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"verify", z}, exitUsage, "usage: installer-sbom verify"},
		{[]string{"verify", "--sbom", doc}, exitUsage, "usage: installer-sbom verify"},
		// --sbom is a side input: unreadable is a usage error.
		{[]string{"verify", z, "--sbom", filepath.Join(t.TempDir(), "none.json")}, exitUsage, "no such file"},
		{[]string{"verify", z, "--sbom", garbage}, exitUsage, "bad.spdx.json"},
		{[]string{"verify", z, "--sbom", z}, exitUsage, "not an SPDX 2.3"},
		{[]string{"verify", doc, "--sbom", doc}, exitUsage, "is an SBOM, not an installer"},
		{[]string{"diff", z}, exitUsage, "usage: installer-sbom diff"},
		{[]string{"diff", z, z, "--fail-on", "upgrade"}, exitUsage, "unknown --fail-on"},
		{[]string{"diff", z, garbage}, exitBadInput, "bad.spdx.json"},
	} {
		_, stderr, code := runCLI(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%q: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, stderr, c.msg)
		}
	}
}

func TestDiffCommand(t *testing.T) {
	old := sqliteZip(t, testenv.Python311, "python-3.11.zip")
	new := sqliteZip(t, testenv.Python314, "python-3.14.zip")
	stdout, stderr, code := runCLI(t, nil, "diff", old, new, "--fail-on", "downgrade")
	if code != exitOK {
		t.Fatalf("diff old new: exit %d\n%s%s", code, stdout, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[2], "components: 2 changed, ") || !strings.HasPrefix(lines[3], "files: 2 changed, 0 added, 0 removed") {
		t.Errorf("summary lines:\n%s", stdout)
	}
	// _sqlite3.pyd imports python311.dll / python314.dll: CPython is a
	// component of both.
	if !strings.Contains(stdout, "components changed:\n  cpython 3.11.11 → 3.14.6\n  sqlite 3.47.1 → 3.53.1\n") {
		t.Errorf("diff lacks the sqlite change:\n%s", stdout)
	}
	stdout, stderr, code = runCLI(t, nil, "diff", new, old, "--fail-on", "downgrade")
	if code != exitDiffers || !strings.Contains(stdout, "sqlite 3.53.1 → 3.47.1  (downgrade)") || !strings.Contains(stderr, "downgrade: sqlite") {
		t.Errorf("diff new old --fail-on downgrade: exit %d\n%s%s", code, stdout, stderr)
	}
	// Without --fail-on any difference fails (exit 1); the same installer
	// twice does not.
	if _, _, code := runCLI(t, nil, "diff", new, old); code != exitDiffers {
		t.Errorf("diff new old: exit %d", code)
	}
	if _, _, code := runCLI(t, nil, "diff", old, old); code != exitOK {
		t.Errorf("diff old old: exit %d", code)
	}
	// An SBOM on one side, an installer on the other, as JSON.
	doc := composeTo(t, old, "cyclonedx-json")
	stdout, stderr, code = runCLI(t, nil, "diff", "--json", doc, new)
	var d sbomdiff.Diff
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || code != exitDiffers {
		t.Fatalf("diff --json SBOM installer: exit %d, %v\n%s%s", code, err, stdout, stderr)
	}
	if d.Old.Format != sbomdiff.FormatCycloneDXJSON || d.New.Format != sbomdiff.FormatInstaller ||
		len(d.ComponentsChanged) != 2 || d.ComponentsChanged[1].Name != "sqlite" || d.Summary.FilesChanged != 2 {
		t.Errorf("diff --json: %+v", d)
	}
}

// Verifying against another installer's SBOM says so in one line before
// the differences; -q leaves warnings out of stderr.
func TestVerifyOtherInstallersSBOM(t *testing.T) {
	a := sqliteZip(t, testenv.Python311, "python-3.11.zip")
	b := sqliteZip(t, testenv.Python314, "python-3.14.zip")
	doc := composeTo(t, a, "spdx-json")
	_, stderr, code := runCLI(t, nil, "verify", b, "--sbom", doc)
	if code != exitDiffers || !strings.Contains(stderr, "the SBOM describes python-3.11.zip") || !strings.Contains(stderr, "another installer's SBOM") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "verify", a, "--sbom", doc, "-q"); code != exitOK || stderr != "" {
		t.Errorf("-q: exit %d, stderr %q", code, stderr)
	}
}

// diff of a pkg whose signature verifies and the same pkg whose signature
// does not says the signature changed, and exits 1.
func TestDiffSignatureChange(t *testing.T) {
	dir := testenv.Shared(t, "fixtures-real", "xar")
	good, bad := filepath.Join(dir, "nudge-launchagent-1.0.1.valid.pkg"), filepath.Join(dir, "nudge-launchagent-1.0.1.bad_signature.pkg")
	out, stderr, code := runCLI(t, nil, "diff", good, bad)
	if code != exitDiffers || !strings.Contains(out, "signatures changed:\n  - xar signature by") || !strings.Contains(out, "\n  + xar signature by") || !strings.Contains(out, "does not verify\n") {
		t.Errorf("exit %d\n%s%s", code, out, stderr)
	}
}

// An MSIX composed before signing verifies after osslsigncode signs it:
// signing adds AppxSignature.p7x and rewrites [Content_Types].xml, which
// the block-map identity leaves out; a byte changed after signing fails.
func TestVerifySignedMSIX(t *testing.T) {
	dir := t.TempDir()
	b, err := msixbuild.Build(msixbuild.Package{Name: "Example.App", Publisher: "CN=Example Corp", Version: "1.0.0.0", Arch: "x64",
		Files: []msixbuild.File{{Name: "bin/tool.txt", Data: bytes.Repeat([]byte("tool "), 30000)}, {Name: "Assets/logo.png", Data: []byte("png")}}})
	if err != nil {
		t.Fatal(err)
	}
	unsigned := writeFile(t, "app.msix", b)
	doc := composeTo(t, unsigned, "cyclonedx-json")
	cert := burnbuild.NewCert(t, dir, "Example Corp")
	signed := filepath.Join(dir, "app.msix")
	testenv.Run(t, dir, testenv.Tool(t, "osslsigncode"), "sign", "-certs", cert.CertPath, "-key", cert.KeyPath, "-in", unsigned, "-out", signed)
	out, _, code := runCLI(t, nil, "verify", signed, "--sbom", doc)
	if code != exitOK || !strings.Contains(out, "only the code signature differs") || !strings.Contains(out, "msix-blockmap-sha256") {
		t.Errorf("signed: exit %d\n%s", code, out)
	}
	s, _ := os.ReadFile(signed)
	s[10] ^= 0x55 // a local header's time: the zip reads, the signature breaks
	tampered := writeFile(t, "app.msix", s)
	if out, _, code := runCLI(t, nil, "verify", tampered, "--sbom", doc); code != exitDiffers || !strings.Contains(out, "msix signature") {
		t.Errorf("tampered: exit %d\n%s", code, out)
	}
}

// The real NUnit MSI's actions — its custom action (a WiX UI DLL in a
// Binary stream) and its nine Shortcut rows — are in the table and in
// every SBOM format; an SBOM that leaves them out fails verify and differs
// in diff (exit 1), naming each.
func TestInstallActionsVerified(t *testing.T) {
	msi := testenv.Shared(t, "fixtures-real", "msi", "NUnit-2.5.2.9222.msi")
	table, _, code := runCLI(t, nil, "inspect", "-q", msi)
	if code != exitOK || !strings.Contains(table, "\nACTIONS (10)\n") || !strings.Contains(table, "WixUIPrintEula") {
		t.Errorf("inspect: exit %d\n%s", code, table)
	}
	for _, format := range []string{"spdx-json", "spdx-tag-value", "spdx3-json", "cyclonedx-json"} {
		doc := composeTo(t, msi, format)
		b, _ := os.ReadFile(doc)
		if !strings.Contains(string(b), "install-action: custom-action WixUIPrintEula: DLL in Binary stream WixUIWixca [PrintEula]") {
			t.Errorf("%s: no install-action annotation", format)
		}
		if out, _, code := runCLI(t, nil, "verify", msi, "--sbom", doc); code != exitOK {
			t.Errorf("%s: verify exit %d\n%s", format, code, out)
		}
	}
	doc := composeTo(t, msi, "spdx-json")
	b, _ := os.ReadFile(doc)
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	removed := 0
	for _, p := range d["packages"].([]any) {
		pkg := p.(map[string]any)
		anns, _ := pkg["annotations"].([]any)
		var keep []any
		for _, a := range anns {
			if strings.HasPrefix(a.(map[string]any)["comment"].(string), "install-action:") {
				removed++
				continue
			}
			keep = append(keep, a)
		}
		switch {
		case anns != nil && len(keep) == 0:
			delete(pkg, "annotations")
		case anns != nil:
			pkg["annotations"] = keep
		}
	}
	if removed != 10 {
		t.Fatalf("%d install-action annotations", removed)
	}
	b, _ = json.Marshal(d)
	without := writeFile(t, "without.spdx.json", b)
	out, stderr, code := runCLI(t, nil, "verify", msi, "--sbom", without)
	if code != exitDiffers || !strings.Contains(out, "install action not in the SBOM: custom-action WixUIPrintEula") {
		t.Errorf("verify without the action: exit %d\n%s%s", code, out, stderr)
	}
	out, _, code = runCLI(t, nil, "diff", without, msi)
	if code != exitDiffers || !strings.Contains(out, "install actions: 10 added, 0 removed\n") || !strings.Contains(out, "\n  + custom-action WixUIPrintEula") ||
		!strings.Contains(out, "\n  + shortcut NUnit: shortcut in NUnitMenu to ProgramFilesFolder/NUnit 2.5.2/bin/net-2.0/nunit.exe") {
		t.Errorf("diff: exit %d\n%s", code, out)
	}
}

// Actions declared by a sub-installer (the real Nudge pkg's component
// package: its postinstall script and the LaunchAgent its payload installs)
// are annotated on that package, named with its path inside the installer;
// every format verifies, and a document without them fails.
func TestSubInstallerActionsInSBOM(t *testing.T) {
	pkg := testenv.Shared(t, "fixtures-real", "xar", "nudge-launchagent-1.0.1.valid.pkg")
	for _, format := range []string{"spdx-json", "spdx3-json", "cyclonedx-json", "spdx-tag-value"} {
		doc := composeTo(t, pkg, format)
		b, _ := os.ReadFile(doc)
		for _, want := range []string{
			"install-action: script postinstall in Nudge_LaunchAgent-1.0.1.pkg: script Nudge_LaunchAgent-1.0.1.pkg/Scripts/postinstall",
			"install-action: autostart com.github.macadmins.Nudge in Nudge_LaunchAgent-1.0.1.pkg: launchd job running /Applications/Utilities/Nudge.app/Contents/MacOS/Nudge",
		} {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s: no %q", format, want)
			}
		}
		if out, _, code := runCLI(t, nil, "verify", pkg, "--sbom", doc); code != exitOK {
			t.Errorf("%s: verify exit %d\n%s", format, code, out)
		}
		if format == "spdx-tag-value" {
			continue // the JSON formats below cover dropping it
		}
		var tree any
		if err := json.Unmarshal(b, &tree); err != nil {
			t.Fatal(err)
		}
		if n := dropObjectsWith(&tree, "install-action: script postinstall"); n != 1 {
			t.Fatalf("%s: %d objects hold the script's annotation", format, n)
		}
		stripped, _ := json.Marshal(tree)
		bad := writeFile(t, "bad"+filepath.Ext(doc), stripped)
		if out, _, code := runCLI(t, nil, "verify", pkg, "--sbom", bad); code != exitDiffers || !strings.Contains(out, "install action not in the SBOM: script postinstall") {
			t.Errorf("%s without the script: exit %d\n%s", format, code, out)
		}
	}
}

// dropObjectsWith removes from every array of the JSON tree the objects
// that hold a string value starting with prefix (an SPDX annotation, a
// CycloneDX property, an SPDX 3 Annotation element); it returns how many.
func dropObjectsWith(v *any, prefix string) int {
	n := 0
	switch x := (*v).(type) {
	case []any:
		keep := x[:0]
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				hit := false
				for _, f := range m {
					if s, ok := f.(string); ok && strings.HasPrefix(s, prefix) {
						hit = true
					}
				}
				if hit {
					n++
					continue
				}
			}
			n += dropObjectsWith(&e, prefix)
			keep = append(keep, e)
		}
		*v = keep
	case map[string]any:
		for k, f := range x {
			n += dropObjectsWith(&f, prefix)
			x[k] = f
		}
	}
	return n
}
