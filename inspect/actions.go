package inspect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// privilegeRank orders actions most privileged first: what runs as SYSTEM
// is what a reviewer reads first.
func privilegeRank(p string) int {
	switch {
	case p == msi.PrivilegeSystem:
		return 0
	case strings.HasPrefix(p, msi.PrivilegeServiceAcc):
		return 1
	case p == msi.PrivilegeEachUser:
		return 2
	}
	return 3
}

// kindRank orders kinds as a reviewer reads them: what runs code first.
func kindRank(k string) int {
	for i, x := range []string{msi.KindCustomAction, msi.KindNestedInstall, msi.KindService, msi.KindAutostart, msi.KindEnvironment} {
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
