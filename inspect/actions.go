package inspect

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"howett.net/plist"
)

// PrivilegeAdmin is an elevated administrator (a per-machine Burn
// package, run by the bundle's elevated engine).
const PrivilegeAdmin = "administrator (elevated)"

// privilegeRank orders actions most privileged first: what runs as SYSTEM
// is what a reviewer reads first.
func privilegeRank(p string) int {
	switch {
	case p == msi.PrivilegeSystem:
		return 0
	case p == PrivilegeAdmin:
		return 1
	case strings.HasPrefix(p, msi.PrivilegeServiceAcc):
		return 2
	case p == msi.PrivilegeEachUser:
		return 3
	case p == msi.PrivilegeOpener:
		return 5
	}
	return 4
}

// kindRank orders kinds as a reviewer reads them: what runs code first.
func kindRank(k string) int {
	for i, x := range []string{msi.KindCustomAction, "script", "exec", "shell-exec", "dll-call", "exe-package", "msu-package", "bootstrapper", "related-bundle", "relocate", msi.KindNestedInstall,
		msi.KindService, msi.KindServiceControl, msi.KindAutostart, "capability", msi.KindEnvironment, msi.KindShortcut} {
		if k == x {
			return i
		}
	}
	return 99
}

// sortActions orders the inventory's actions: most privileged first, then
// by where they are declared, the same on every run.
func sortActions(as []Action) {
	sort.SliceStable(as, func(i, j int) bool {
		a, b := as[i], as[j]
		if ra, rb := privilegeRank(a.Privilege), privilegeRank(b.Privilege); ra != rb {
			return ra < rb
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if ka, kb := kindRank(a.Kind), kindRank(b.Kind); ka != kb {
			return ka < kb
		}
		if a.Offset != b.Offset {
			return a.Offset < b.Offset
		}
		return a.String() < b.String()
	})
}

// msiActions are a Windows Installer database's actions in the inventory's
// terms; a table that cannot be read is a problem.
func msiActions(db *msi.Database, d *Description) {
	as, err := db.Actions()
	for _, a := range as {
		d.Actions = append(d.Actions, Action{Kind: a.Kind, Name: a.Name, Runs: a.Runs, Target: a.Target, When: a.When,
			Privilege: a.Privilege, Evidence: fmt.Sprintf("%s table row %d", a.Table, a.Row+1), Offset: a.Offset, Fetches: a.Fetches})
	}
	if err != nil {
		p := problemFrom("", "msi", err)
		p.Message = "reading the install actions: " + p.Message
		d.Problems = append(d.Problems, p)
	}
}

// pkgScript matches a file of a flat package's Scripts archive (the
// archive is the component directory's "Scripts", the component directory
// a "<name>.pkg"): everything in it runs or is run by the install
// scripts, as root.
var pkgScript = regexp.MustCompile(`(^|/)[^/]+\.pkg/Scripts/.+`)

// launchdPlist matches where a payload installs launchd jobs.
var launchdPlist = regexp.MustCompile(`^(/System)?/Library/Launch(Daemons|Agents)/[^/]+\.plist$|^~/Library/LaunchAgents/[^/]+\.plist$`)

// fileActions are the actions a file declares by being what it is: a
// launchd job installed by a payload. fetch is a network fetch found in an
// install script's text, at offset at.
func fileActions(path, installPath string, data []byte) (as []Action, fetch string, at int64) {
	if pkgScript.MatchString(path) && len(data) <= 4<<20 {
		fetch, at = scriptFetch(data)
	}
	if launchdPlist.MatchString(installPath) && len(data) <= 1<<20 {
		if a, ok := launchdAction(installPath, data); ok {
			as = append(as, a)
		}
	}
	return as, fetch, at
}

// launchdAction reads a launchd job's plist: what it runs, when, as whom.
func launchdAction(installPath string, data []byte) (Action, bool) {
	var job struct {
		Label             string   `plist:"Label"`
		Program           string   `plist:"Program"`
		ProgramArguments  []string `plist:"ProgramArguments"`
		RunAtLoad         bool     `plist:"RunAtLoad"`
		KeepAlive         any      `plist:"KeepAlive"`
		StartInterval     int      `plist:"StartInterval"`
		StartCalendar     any      `plist:"StartCalendarInterval"`
		WatchPaths        []string `plist:"WatchPaths"`
		UserName          string   `plist:"UserName"`
		LaunchOnlyOnce    bool     `plist:"LaunchOnlyOnce"`
		AssociatedBundles []string `plist:"AssociatedBundleIdentifiers"`
	}
	if _, err := plist.Unmarshal(data, &job); err != nil {
		return Action{}, false
	}
	prog := job.Program
	args := job.ProgramArguments
	if prog == "" && len(args) > 0 {
		prog, args = args[0], args[1:]
	} else if len(args) > 0 {
		args = args[1:] // argv[0]
	}
	if prog == "" {
		return Action{}, false
	}
	daemon := strings.Contains(installPath, "LaunchDaemons")
	a := Action{Kind: msi.KindAutostart, Name: orDefault(job.Label, strings.TrimSuffix(installPath[strings.LastIndex(installPath, "/")+1:], ".plist")),
		Runs: "launchd job running " + prog, Target: clipText(strings.Join(args, " "), 240), Offset: -1}
	var when []string
	if job.RunAtLoad {
		if daemon {
			when = append(when, "at boot")
		} else {
			when = append(when, "at every login")
		}
	}
	if job.KeepAlive != nil && job.KeepAlive != false {
		when = append(when, "kept running")
	}
	if job.StartInterval > 0 {
		when = append(when, fmt.Sprintf("every %d s", job.StartInterval))
	}
	if job.StartCalendar != nil {
		when = append(when, "on a calendar schedule")
	}
	if len(job.WatchPaths) > 0 {
		when = append(when, "when watched paths change")
	}
	if len(when) == 0 {
		when = append(when, "on demand")
	}
	a.When = strings.Join(when, ", ") + " (" + installPath + ")"
	switch {
	case daemon && (job.UserName == "" || job.UserName == "root"):
		a.Privilege = msi.PrivilegeSystem
	case daemon:
		a.Privilege = msi.PrivilegeServiceAcc + " " + job.UserName
	default:
		a.Privilege = msi.PrivilegeEachUser
	}
	return a, true
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// finishFileActions adds the actions files declare, each attributed to the
// package its file belongs to, and warns of install scripts that fetch
// from the network. w.mu is held; packages are final.
func (w *walker) finishFileActions(inv *Inventory) {
	pathOf := map[string]string{}
	for _, p := range inv.Packages {
		if p.Path != "" {
			if _, ok := pathOf[p.ID]; !ok {
				pathOf[p.ID] = p.Path
			}
		}
	}
	root := escapeName(inv.Artifact.Name)
	for _, fr := range w.files {
		if len(fr.actions) == 0 && fr.fetch == "" {
			continue
		}
		where := pathOf[w.resolvePackage(fr.key, fr.rawPkg)]
		if where == "" {
			where = root
		}
		for _, a := range fr.actions {
			a.Path, a.Evidence = where, "file "+fr.Path
			inv.Actions = append(inv.Actions, a)
		}
		if fr.fetch != "" {
			w.problems.add(Problem{Path: fr.Path, Layer: "action", Offset: fr.fetchAt, Severity: SeverityWarning,
				Message: "install script fetches from the network: " + fr.fetch})
		}
	}
}

// scriptFetch finds the first network fetch in a script that is not in a
// comment line (a licence header's URL fetches nothing); at is its offset.
func scriptFetch(data []byte) (string, int64) {
	for _, loc := range msi.FetchIndexes(data, 64) {
		start := bytes.LastIndexByte(data[:loc[0]], '\n') + 1
		line := strings.TrimLeft(string(data[start:loc[0]]), " \t")
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "--") {
			continue
		}
		return string(data[loc[0]:loc[1]]), int64(loc[0])
	}
	return "", 0
}
