package msi

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Action is something the database makes Windows Installer run or change
// on the machine beyond copying its files: a custom action (a DLL, an EXE,
// a script, a nested install), a service it installs, a program it
// registers to start at logon, an environment variable it changes.
type Action struct {
	Kind string // KindCustomAction, KindService, ...
	Name string // the row's key: action, service or registry value name
	// Runs is what runs: "Binary stream X" (a DLL or script stored in the
	// database), "installed file <install path>", "inline VBScript", "a
	// path from property P", "the service's program <install path>".
	Runs string
	// Target is the entry point, command line, script text (cut), service
	// arguments or registry value.
	Target string
	// When is the sequence tables that schedule it, with their numbers and
	// conditions, or how else it runs.
	When string
	// Privilege says as whom it runs.
	Privilege string
	// Table and Row locate the declaration; Offset is the row's first
	// stored byte in the file.
	Table  string
	Row    int
	Offset int64
	// Fetches is the text of a network fetch found in a script or command
	// line (curl, Invoke-WebRequest, bitsadmin, a URL), "" when none.
	Fetches string
}

// Action kinds.
const (
	KindCustomAction   = "custom-action"
	KindNestedInstall  = "nested-install"
	KindService        = "service"
	KindServiceControl = "service-control"
	KindAutostart      = "autostart"
	KindEnvironment    = "environment"
)

// KindShortcut is a Shortcut row: a program the user (or, in a Startup
// folder, every logon) starts.
const KindShortcut = "shortcut"

// PrivilegeOpener is whoever opens a shortcut.
const PrivilegeOpener = "the user who opens it"

// Privileges, most privileged first.
const (
	PrivilegeSystem     = "system"
	PrivilegeUser       = "installing user"
	PrivilegeEachUser   = "each user at logon"
	PrivilegeServiceAcc = "service account"
)

// Custom action type bits (Windows Installer's msidbCustomActionType*).
const (
	caDll        = 1
	caExe        = 2
	caTextData   = 3
	caJScript    = 5
	caVBScript   = 6
	caInstall    = 7
	caSourceMask = 0x30
	caBinaryData = 0x00
	caSourceFile = 0x10
	caDirectory  = 0x20
	caProperty   = 0x30
	caInScript   = 0x400
	caRollback   = 0x100
	caCommit     = 0x200
	caNoImperson = 0x800
	caAsync      = 0x80
	caContinue   = 0x40
)

// sequenceTables are the tables that schedule actions, in the order an
// installation meets them.
var sequenceTables = []string{"InstallUISequence", "InstallExecuteSequence", "AdminUISequence", "AdminExecuteSequence", "AdvtExecuteSequence"}

// fetchPattern finds what downloads: tools and APIs that fetch, and URLs.
var fetchPattern = regexp.MustCompile(`(?i)\b(curl|wget|invoke-webrequest|invoke-restmethod|iwr|bitsadmin|start-bitstransfer|downloadfile|downloadstring|msxml2\.xmlhttp|winhttp\.winhttprequest)\b|\b(https?|ftp)://[^\s"'<>]+`)

// FindFetch returns the first network fetch in s, "" when none.
func FindFetch(s string) string { return fetchPattern.FindString(s) }

// FetchIndexes locates up to n network fetches in b.
func FetchIndexes(b []byte, n int) [][]int { return fetchPattern.FindAllIndex(b, n) }

// Actions lists what the database runs or changes beyond its files, in
// table order. Tables it lacks contribute nothing; a malformed one is an
// error (the rest is still returned).
func (db *Database) Actions() ([]Action, error) {
	var out []Action
	var errs []string
	sched, err := db.schedule()
	if err != nil {
		errs = append(errs, err.Error())
	}
	files := map[string]string{} // File key -> install path
	keyPaths := map[string]string{}
	if fs, err := db.Files(); err == nil {
		for _, f := range fs {
			files[f.Key] = f.Path
		}
	}
	if cs, err := db.Components(); err == nil {
		for _, c := range cs {
			keyPaths[c.Key] = c.KeyPath
		}
	}
	add := func(a []Action, err error) {
		out = append(out, a...)
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	add(db.customActions(sched, files))
	add(db.services(files, keyPaths))
	add(db.serviceControls())
	add(db.autostarts())
	add(db.environment())
	add(db.shortcuts(files, keyPaths))
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return out, nil
}

// schedule maps an action to where the sequence tables schedule it.
func (db *Database) schedule() (map[string][]string, error) {
	sched := map[string][]string{}
	for _, name := range sequenceTables {
		t, c, err := db.optionalTable(name, "Action", "Condition", "Sequence")
		if err != nil {
			return sched, err
		}
		if t == nil {
			continue
		}
		for r := 0; r < t.Rows(); r++ {
			action := t.Cell(r, c[0]).Str
			s := fmt.Sprintf("%s %s", name, t.Cell(r, c[2]).String())
			if cond := t.Cell(r, c[1]).Str; cond != "" {
				s += " if " + cond
			}
			sched[action] = append(sched[action], s)
		}
	}
	return sched, nil
}

func (db *Database) customActions(sched map[string][]string, files map[string]string) ([]Action, error) {
	t, c, err := db.optionalTable("CustomAction", "Action", "Type", "Source", "Target")
	if err != nil || t == nil {
		return nil, err
	}
	var out []Action
	for r := 0; r < t.Rows(); r++ {
		typ := int(t.Cell(r, c[1]).Int)
		base, source := typ&7, typ&caSourceMask
		name, src, target := t.Cell(r, c[0]).Str, t.Cell(r, c[2]).Str, t.Cell(r, c[3]).Str
		a := Action{Kind: KindCustomAction, Name: name, Table: "CustomAction", Row: r, Offset: t.RowOffset(r)}
		what := ""
		switch base {
		case caDll:
			what = "DLL"
		case caExe:
			what = "EXE"
		case caJScript:
			what = "JScript"
		case caVBScript:
			what = "VBScript"
		case caInstall:
			a.Kind, what = KindNestedInstall, "nested installation"
		default:
			continue // sets a property or directory, or shows an error: runs nothing
		}
		switch source {
		case caBinaryData:
			a.Runs = fmt.Sprintf("%s in Binary stream %s", what, src)
			if base == caInstall {
				a.Runs = "nested installation of the database's substorage " + src
			}
		case caSourceFile:
			p := files[src]
			if p == "" {
				p = "File " + src
			}
			a.Runs = fmt.Sprintf("%s installed file %s", what, strings.TrimPrefix(p, "/"))
			if base == caInstall {
				a.Runs = "nested installation of the package at " + src
			}
		case caDirectory:
			switch base {
			case caExe:
				a.Runs = fmt.Sprintf("EXE command line run in directory %s", src)
			case caJScript, caVBScript:
				a.Runs = "inline " + what
			default:
				a.Runs = fmt.Sprintf("%s from directory %s", what, src)
			}
		case caProperty:
			switch base {
			case caJScript, caVBScript:
				a.Runs = fmt.Sprintf("%s text of property %s", what, src)
			default:
				a.Runs = fmt.Sprintf("%s at the path in property %s", what, src)
			}
		}
		a.Target = clip(target, 240)
		a.Fetches = FindFetch(target)
		switch {
		case typ&caInScript != 0 && typ&caNoImperson != 0:
			a.Privilege = PrivilegeSystem
		default:
			a.Privilege = PrivilegeUser
		}
		var how []string
		switch {
		case typ&caInScript != 0 && typ&(caRollback|caCommit) == caRollback:
			how = append(how, "deferred, on rollback")
		case typ&caInScript != 0 && typ&(caRollback|caCommit) == caCommit:
			how = append(how, "deferred, on commit")
		case typ&caInScript != 0:
			how = append(how, "deferred")
		default:
			how = append(how, "immediate")
		}
		if typ&caAsync != 0 {
			how = append(how, "asynchronous")
		}
		if typ&caContinue != 0 {
			how = append(how, "return ignored")
		}
		when := sched[name]
		if len(when) == 0 {
			when = []string{"not in a sequence table (run from the user interface or another action)"}
		}
		a.When = strings.Join(when, "; ") + " (" + strings.Join(how, ", ") + ")"
		out = append(out, a)
	}
	return out, nil
}

// services lists ServiceInstall rows: the service's program is its
// component's key file.
func (db *Database) services(files, keyPaths map[string]string) ([]Action, error) {
	t, c, err := db.optionalTable("ServiceInstall", "ServiceInstall", "Name", "DisplayName", "StartType", "StartName", "Arguments", "Component_")
	if err != nil || t == nil {
		return nil, err
	}
	starts := map[int32]string{0: "boot", 1: "system", 2: "automatic", 3: "on demand", 4: "disabled"}
	var out []Action
	for r := 0; r < t.Rows(); r++ {
		a := Action{Kind: KindService, Name: t.Cell(r, c[1]).Str, Table: "ServiceInstall", Row: r, Offset: t.RowOffset(r)}
		prog := files[keyPaths[t.Cell(r, c[6]).Str]]
		if prog == "" {
			prog = "the key file of component " + t.Cell(r, c[6]).Str
		}
		a.Runs = "service program " + strings.TrimPrefix(prog, "/")
		a.Target = clip(t.Cell(r, c[5]).Str, 240)
		a.Fetches = FindFetch(a.Target)
		start := starts[t.Cell(r, c[3]).Int]
		if start == "" {
			start = fmt.Sprintf("start type %d", t.Cell(r, c[3]).Int)
		}
		a.When = "installed as a service, started " + start
		if d := t.Cell(r, c[2]).Str; d != "" {
			a.When += fmt.Sprintf(" (%q)", d)
		}
		switch acc := t.Cell(r, c[4]).Str; strings.ToLower(acc) {
		case "", "localsystem", ".\\localsystem", "nt authority\\system":
			a.Privilege = PrivilegeSystem
		default:
			a.Privilege = PrivilegeServiceAcc + " " + acc
		}
		out = append(out, a)
	}
	return out, nil
}

var runKey = regexp.MustCompile(`(?i)^software\\(wow6432node\\)?microsoft\\windows\\currentversion\\(run|runonce|runservices|runservicesonce)\\?$`)

// autostarts lists Registry rows that register a program under a Run key.
func (db *Database) autostarts() ([]Action, error) {
	t, c, err := db.optionalTable("Registry", "Registry", "Root", "Key", "Name", "Value")
	if err != nil || t == nil {
		return nil, err
	}
	roots := map[int32]string{-1: "HKLM or HKCU (per-machine or per-user install)", 0: "HKCR", 1: "HKCU", 2: "HKLM", 3: "HKU"}
	var out []Action
	for r := 0; r < t.Rows(); r++ {
		key := t.Cell(r, c[2]).Str
		if !runKey.MatchString(key) {
			continue
		}
		root := t.Cell(r, c[1]).Int
		a := Action{Kind: KindAutostart, Name: t.Cell(r, c[3]).Str, Table: "Registry", Row: r, Offset: t.RowOffset(r),
			Runs: "program registered under " + roots[root] + `\` + key, Target: clip(t.Cell(r, c[4]).Str, 240)}
		a.Fetches = FindFetch(a.Target)
		a.When = "at every logon"
		if strings.Contains(strings.ToLower(key), "runonce") {
			a.When = "at the next logon"
		}
		a.Privilege = PrivilegeEachUser
		if root == 1 {
			a.Privilege = PrivilegeUser + " at logon"
		}
		out = append(out, a)
	}
	return out, nil
}

// environment lists Environment rows (PATH changes among them).
func (db *Database) environment() ([]Action, error) {
	t, c, err := db.optionalTable("Environment", "Environment", "Name", "Value")
	if err != nil || t == nil {
		return nil, err
	}
	var out []Action
	for r := 0; r < t.Rows(); r++ {
		raw := t.Cell(r, c[1]).Str
		name := strings.TrimLeft(raw, "=+-!*")
		flags := raw[:len(raw)-len(name)]
		scope := "the installing user's"
		if strings.Contains(flags, "*") {
			scope = "the machine's"
		}
		how := "sets"
		switch {
		case strings.Contains(flags, "!"):
			how = "removes"
		case strings.HasPrefix(t.Cell(r, c[2]).Str, "[~]"):
			how = "appends to" // [~] is the existing value: what follows is added after it
		case strings.HasSuffix(t.Cell(r, c[2]).Str, "[~]"):
			how = "prepends to"
		}
		out = append(out, Action{Kind: KindEnvironment, Name: name, Table: "Environment", Row: r, Offset: t.RowOffset(r),
			Runs: fmt.Sprintf("%s %s environment variable %s", how, scope, name), Target: clip(t.Cell(r, c[2]).Str, 240),
			When: "at installation", Privilege: map[bool]string{true: PrivilegeSystem, false: PrivilegeUser}[scope == "the machine's"]})
	}
	return out, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// SortActions orders actions most privileged first, then by kind, table
// and row (for people reading a list).
func SortActions(as []Action) {
	rank := func(p string) int {
		switch {
		case p == PrivilegeSystem:
			return 0
		case strings.HasPrefix(p, PrivilegeServiceAcc):
			return 1
		case p == PrivilegeEachUser:
			return 2
		}
		return 3
	}
	sort.SliceStable(as, func(i, j int) bool {
		if ri, rj := rank(as[i].Privilege), rank(as[j].Privilege); ri != rj {
			return ri < rj
		}
		if as[i].Table != as[j].Table {
			return as[i].Table < as[j].Table
		}
		return as[i].Row < as[j].Row
	})
}

// startupFolders are the Directory keys whose shortcuts start at logon.
var startupFolders = map[string]string{"StartupFolder": PrivilegeEachUser, "CommonStartupFolder": PrivilegeEachUser}

// shortcuts lists Shortcut rows: their target (an installed file, or for
// an advertised shortcut the key file of its component) and arguments.
func (db *Database) shortcuts(files, keyPaths map[string]string) ([]Action, error) {
	t, c, err := db.optionalTable("Shortcut", "Shortcut", "Directory_", "Name", "Component_", "Target", "Arguments")
	if err != nil || t == nil {
		return nil, err
	}
	fileRef := regexp.MustCompile(`^\[[#!]([^\]]+)\]$`)
	var out []Action
	for r := 0; r < t.Rows(); r++ {
		dir, name, target := t.Cell(r, c[1]).Str, t.Cell(r, c[2]).Str, t.Cell(r, c[4]).Str
		if i := strings.IndexByte(name, '|'); i >= 0 {
			name = name[i+1:] // short|long
		}
		runs := target
		if m := fileRef.FindStringSubmatch(target); m != nil && files[m[1]] != "" {
			runs = strings.TrimPrefix(files[m[1]], "/")
		} else if !strings.ContainsAny(target, "[]") {
			// An advertised shortcut names a feature: it starts its
			// component's key file.
			if p := files[keyPaths[t.Cell(r, c[3]).Str]]; p != "" {
				runs = strings.TrimPrefix(p, "/")
			}
		}
		a := Action{Kind: KindShortcut, Name: name, Table: "Shortcut", Row: r, Offset: t.RowOffset(r),
			Runs: fmt.Sprintf("shortcut in %s to %s", dir, runs), Target: clip(t.Cell(r, c[5]).Str, 240),
			When: "when the user opens it", Privilege: PrivilegeOpener}
		if p, ok := startupFolders[dir]; ok {
			a.When, a.Privilege = "at every logon (Startup folder)", p
		}
		a.Fetches = FindFetch(target + " " + a.Target)
		out = append(out, a)
	}
	return out, nil
}

// serviceControls lists ServiceControl rows: services the installation
// starts, stops or deletes (its own or any other on the machine).
func (db *Database) serviceControls() ([]Action, error) {
	t, c, err := db.optionalTable("ServiceControl", "ServiceControl", "Name", "Event", "Arguments")
	if err != nil || t == nil {
		return nil, err
	}
	var out []Action
	for r := 0; r < t.Rows(); r++ {
		ev := t.Cell(r, c[2]).Int
		var what []string
		for _, b := range []struct {
			bit  int32
			text string
		}{{1, "starts it on install"}, {2, "stops it on install"}, {8, "deletes it on install"},
			{0x10, "starts it on uninstall"}, {0x20, "stops it on uninstall"}, {0x80, "deletes it on uninstall"}} {
			if ev&b.bit != 0 {
				what = append(what, b.text)
			}
		}
		if len(what) == 0 {
			continue
		}
		name := t.Cell(r, c[1]).Str
		out = append(out, Action{Kind: KindServiceControl, Name: name, Table: "ServiceControl", Row: r, Offset: t.RowOffset(r),
			Runs: "service " + name + ": " + strings.Join(what, ", "), Target: clip(t.Cell(r, c[3]).Str, 240),
			When: "during the installation", Privilege: PrivilegeSystem})
	}
	return out, nil
}
