package inspect_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/pkgbuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestPkgActionsReal: the real Nudge LaunchAgent package declares a
// postinstall script in its PackageInfo and installs a LaunchAgent whose
// plist runs Nudge at login and on a calendar: both are actions of its
// component package, read from the package's own files; the licence URL
// in the script's comment header is not a network fetch.
func TestPkgActionsReal(t *testing.T) {
	path := testenv.Shared(t, "fixtures-real", "xar", "nudge-launchagent-1.0.1.valid.pkg")
	inv, err := inspect.InspectFile(path, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range inv.Actions {
		if a.Path != "nudge-launchagent-1.0.1.valid.pkg/Nudge_LaunchAgent-1.0.1.pkg" {
			t.Errorf("declared in %q", a.Path)
		}
		got = append(got, a.String())
	}
	want := []string{
		"script postinstall: script Nudge_LaunchAgent-1.0.1.pkg/Scripts/postinstall; after the payload is installed; as system",
		"autostart com.github.macadmins.Nudge: launchd job running /Applications/Utilities/Nudge.app/Contents/MacOS/Nudge; at every login, on a calendar schedule (/Library/LaunchAgents/com.github.macadmins.Nudge.plist); as each user at logon",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range inv.Problems {
		if p.Layer == "action" {
			t.Errorf("problem %+v", p)
		}
	}
}

// TestPkgActionsGenerated: a root LaunchDaemon kept alive runs as system;
// a postinstall that curls a URL is a warning naming the script and the
// offset of the fetch; actions are listed most privileged first.
func TestPkgActionsGenerated(t *testing.T) {
	daemon := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>Label</key><string>org.example.updater</string>
<key>ProgramArguments</key><array><string>/usr/local/bin/updater</string><string>--daemon</string></array>
<key>RunAtLoad</key><true/><key>KeepAlive</key><true/>
</dict></plist>
`)
	script := []byte("#!/bin/sh\n# see https://example.org/docs\ncurl -fsSL https://updates.example.org/agent.sh | sh\n")
	comp := pkgbuild.Component{ID: "org.example.updater", Version: "1.0", InstallLocation: "/", Dir: "updater.pkg",
		Payload: []pkgbuild.CpioEntry{pkgbuild.Dir("."), pkgbuild.Dir("./Library"), pkgbuild.Dir("./Library/LaunchDaemons"),
			pkgbuild.File("./Library/LaunchDaemons/org.example.updater.plist", daemon)},
		Scripts:          []pkgbuild.CpioEntry{pkgbuild.Dir("."), {Name: "./postinstall", Mode: pkgbuild.ModeRegular | 0o755, Data: script}},
		PackageInfoExtra: "    <relocate><bundle id=\"org.example.Updater\"/></relocate>\n"}
	var buf bytes.Buffer
	jsFunc := `function check() { system.run('/usr/bin/curl', '-fsSO', 'https://updates.example.org/precheck'); return true; }`
	js := `    <options allow-external-scripts="yes"/>
    <installation-check script="check()"/>
    <script><![CDATA[
` + jsFunc + `
]]></script>
`
	if err := pkgbuild.ProductArchive(&buf, pkgbuild.Product{Title: "Updater", ID: "org.example", Version: "1.0", Components: []pkgbuild.Component{comp},
		DistributionExtra: js}, pkgbuild.XarOptions{Checksum: "sha256"}); err != nil {
		t.Fatal(err)
	}
	inv, err := inspect.Inspect(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "updater.pkg", inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range inv.Actions {
		got = append(got, a.Privilege+" | "+a.Kind+" "+a.Name+" | "+a.Runs+" ["+a.Target+"] | "+a.When)
	}
	want := []string{
		"system | script postinstall | script updater.pkg/Scripts/postinstall [] | after the payload is installed",
		"system | relocate org.example.Updater | installs bundle org.example.Updater over an existing copy wherever it is found [] | when the payload is installed",
		"system | autostart org.example.updater | launchd job running /usr/local/bin/updater [--daemon] | at boot, kept running (/Library/LaunchDaemons/org.example.updater.plist)",
		"installing user | script Distribution | Distribution JavaScript (" + strconv.Itoa(len(jsFunc)+1) + " bytes), allowed to run programs (allow-external-scripts) [system.run('/usr/bin/curl', '-fsSO', 'https://updates.example.org/precheck')] | installation-check check()",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fetch := false
	for _, p := range inv.Problems {
		if p.Layer == "action" && p.Path == "updater.pkg/updater.pkg/Scripts/postinstall" && p.Offset == int64(bytes.Index(script, []byte("curl"))) &&
			strings.HasSuffix(p.Message, "fetches from the network: curl") && !p.IsError() {
			fetch = true
		}
	}
	if !fetch {
		t.Errorf("no fetch warning: %+v", inv.Problems)
	}
	jsFetch := false
	for _, p := range inv.Problems {
		jsFetch = jsFetch || p.Layer == "action" && strings.Contains(p.Message, "install action script Distribution fetches from the network: curl")
	}
	if !jsFetch {
		t.Errorf("no fetch warning for the Distribution JavaScript: %+v", inv.Problems)
	}
}
