package main

import (
	"runtime/debug"
)

// unstamped is version's value when the build did not set it with -ldflags
// (make build does; go build and go install do not).
const unstamped = "0.1.0-dev"

func init() {
	if info, ok := debug.ReadBuildInfo(); ok {
		version = buildVersion(version, info)
	}
}

// buildVersion is the version to report and to write into documents: the
// stamped one; else the module version Go recorded (go install …@v1.2.3);
// else the VCS revision Go recorded for a build from a checkout, marked
// when the tree had changes; else "devel".
func buildVersion(stamped string, info *debug.BuildInfo) string {
	if stamped != unstamped && stamped != "" {
		return stamped
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if modified == "true" {
			rev += "-dirty"
		}
		return "devel-" + rev
	}
	return "devel"
}
