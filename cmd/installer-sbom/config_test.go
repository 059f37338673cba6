package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Settings come from the command line, else INSTALLER_SBOM_<FLAG>, else
// the configuration file (top level, then the command's section).
func TestConfigPrecedence(t *testing.T) {
	path := smallZip(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pipeline.yaml")
	os.WriteFile(cfg, []byte("supplier: \"Organization: From File\"\ncreator:\n  - \"Person: A (a@example.org)\"\n  - \"Organization: B\"\ncompose:\n  format: cyclonedx-json\nlimit:\n  depth: 6\n"), 0o644)

	out, stderr, code := runCLI(t, nil, "compose", path, "--config", cfg)
	if code != exitOK || !strings.Contains(out, `"bomFormat": "CycloneDX"`) || !strings.Contains(out, `"name": "From File"`) || !strings.Contains(out, "a@example.org") {
		t.Fatalf("from the file: exit %d, %s\n%.600s", code, stderr, out)
	}
	out, _, code = runCLI(t, map[string]string{"INSTALLER_SBOM_SUPPLIER": "Organization: From Env"}, "compose", path, "--config", cfg)
	if code != exitOK || !strings.Contains(out, `"name": "From Env"`) || strings.Contains(out, "From File") {
		t.Errorf("the environment does not win over the file: exit %d", code)
	}
	out, _, code = runCLI(t, map[string]string{"INSTALLER_SBOM_SUPPLIER": "Organization: From Env"}, "compose", path, "--config", cfg, "--supplier", "Organization: From Flag", "--format", "spdx-json")
	if code != exitOK || !strings.Contains(out, "Organization: From Flag") || strings.Contains(out, "From Env") {
		t.Errorf("the flag does not win: exit %d", code)
	}
	// Limits written as a map apply, at the top level and in a section
	// (they were once taken for a section and silently dropped).
	for _, yaml := range []string{"limit:\n  entries: 1\n", "inspect:\n  limit:\n    entries: 1\n", "limit:\n  - entries=1\n"} {
		lc := filepath.Join(dir, "limits.yaml")
		os.WriteFile(lc, []byte(yaml), 0o644)
		if out, stderr, code := runCLI(t, nil, "inspect", path, "--config", lc); code != exitBadInput || !strings.Contains(out, "exceed the limit of 1") {
			t.Errorf("%q: exit %d, want %d with the entries limit's problem\n%s%s", yaml, code, exitBadInput, stderr, out)
		}
	}
	// A limit only compose has, set for every command (top level, the
	// environment), leaves the other commands alone and still binds
	// compose; in another command's own section it is a mistake.
	shared := filepath.Join(dir, "shared.yaml")
	os.WriteFile(shared, []byte("limit:\n  entries: 1\n  spdx3-objects: 3\n"), 0o644)
	if out, stderr, code := runCLI(t, nil, "inspect", path, "--config", shared); code != exitBadInput || !strings.Contains(out, "exceed the limit of 1") {
		t.Errorf("top-level spdx3-objects: inspect exit %d, want %d with the entries limit's problem\n%s", code, exitBadInput, stderr)
	}
	os.WriteFile(shared, []byte("limit:\n  spdx3-objects: 3\n"), 0o644)
	if _, stderr, code := runCLI(t, nil, "compose", path, "-o", "spdx3-json", "--config", shared); code != exitBadInput || !strings.Contains(stderr, "spdx3-objects limit of 3") {
		t.Errorf("top-level spdx3-objects: compose exit %d, %s", code, stderr)
	}
	t.Run("environment", func(t *testing.T) {
		env := map[string]string{"INSTALLER_SBOM_LIMIT": "spdx3-objects=3"}
		if _, stderr, code := runCLI(t, env, "inspect", path); code != exitOK {
			t.Errorf("inspect with spdx3-objects in the environment: exit %d, %s", code, stderr)
		}
		if _, stderr, code := runCLI(t, env, "compose", path, "-o", "spdx3-json"); code != exitBadInput || !strings.Contains(stderr, "spdx3-objects limit of 3") {
			t.Errorf("compose with spdx3-objects in the environment: exit %d, %s", code, stderr)
		}
	})
	os.WriteFile(shared, []byte("inspect:\n  limit:\n    spdx3-objects: 3\n"), 0o644)
	if _, stderr, code := runCLI(t, nil, "inspect", path, "--config", shared); code != exitUsage || !strings.Contains(stderr, "spdx3-objects") {
		t.Errorf("spdx3-objects in inspect's section: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, map[string]string{"INSTALLER_SBOM_WORKERS": "many"}, "inspect", path); code != exitUsage || !strings.Contains(stderr, "INSTALLER_SBOM_WORKERS") {
		t.Errorf("bad environment value: exit %d, %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "inspect", path, "--config", filepath.Join(dir, "missing.yaml")); code != exitUsage || !strings.Contains(stderr, "missing.yaml") {
		t.Errorf("missing --config: exit %d, %s", code, stderr)
	}
	out, _, code = runCLI(t, map[string]string{"INSTALLER_SBOM_SUPPLIER": "Organization: From Env"}, "config", "compose", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "--supplier=Organization: From Env\t# environment INSTALLER_SBOM_SUPPLIER") || !strings.Contains(out, "--format=cyclonedx-json\t# config file") {
		t.Errorf("config: exit %d\n%s", code, out)
	}
}
