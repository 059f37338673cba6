package main

import (
	"runtime/debug"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	vcs := []debug.BuildSetting{{Key: "vcs.revision", Value: "2fb965912345678abcdef"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		stamped string
		info    debug.BuildInfo
		want    string
	}{
		{"d3ca62b", debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "d3ca62b"},
		{unstamped, debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}}, "v1.2.3"},
		{unstamped, debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs}, "devel-2fb965912345-dirty"},
		{unstamped, debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "devel"},
	} {
		if got := buildVersion(c.stamped, &c.info); got != c.want {
			t.Errorf("buildVersion(%q, %+v) = %q, want %q", c.stamped, c.info.Main, got, c.want)
		}
	}
}
