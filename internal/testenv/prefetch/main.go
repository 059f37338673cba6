// Command prefetch downloads, into the test cache, every registry package
// the tests read: the proof binaries of the built-in fingerprint rules and
// the packages named on the command line ("npm:name@version",
// "debian:name=version"). `make deps` runs it, so a new machine downloads
// before the tests start and their time limit measures only the tests.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

type pkg struct{ registry, name, version string }

func main() {
	want := map[pkg]bool{}
	for _, r := range fingerprint.BuiltinRules() {
		for _, p := range r.Proofs {
			if p.Registry == "npm" || p.Registry == "debian" {
				want[pkg{p.Registry, p.Package, p.Version}] = true
			}
		}
	}
	for _, a := range os.Args[1:] {
		reg, rest, ok := strings.Cut(a, ":")
		sep := "@"
		if reg == "debian" {
			sep = "="
		}
		i := strings.LastIndex(rest, sep)
		if !ok || i <= 0 {
			fmt.Fprintf(os.Stderr, "prefetch: %q is not registry:name%sversion\n", a, sep)
			os.Exit(2)
		}
		want[pkg{reg, rest[:i], rest[i+1:]}] = true
	}
	cache, err := testenv.DefaultCacheDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefetch:", err)
		os.Exit(1)
	}
	var npm, deb []pkg
	for p := range want {
		if p.registry == "npm" {
			npm = append(npm, p)
		} else {
			deb = append(deb, p)
		}
	}
	less := func(s []pkg) func(i, j int) bool {
		return func(i, j int) bool { return s[i].name+s[i].version < s[j].name+s[j].version }
	}
	sort.Slice(npm, less(npm))
	sort.Slice(deb, less(deb))

	var mu sync.Mutex
	var failed []string
	fetch := func(p pkg) {
		if _, err := testenv.Download(cache, p.registry, p.name, p.version); err != nil {
			mu.Lock()
			failed = append(failed, err.Error())
			mu.Unlock()
		}
	}
	// npm downloads run four at a time; apt-get one at a time.
	jobs := make(chan pkg)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				fetch(p)
			}
		}()
	}
	for _, p := range npm {
		jobs <- p
	}
	close(jobs)
	var debs [][2]string
	for _, p := range deb {
		debs = append(debs, [2]string{p.name, p.version})
	}
	if err := testenv.DownloadDebian(cache, debs); err != nil {
		mu.Lock()
		failed = append(failed, err.Error())
		mu.Unlock()
	}
	wg.Wait()
	fmt.Fprintf(os.Stderr, "prefetch: %d npm and %d Debian packages in %s\n", len(npm), len(deb), cache)
	if len(failed) > 0 {
		sort.Strings(failed)
		for _, f := range failed {
			fmt.Fprintln(os.Stderr, "prefetch:", f)
		}
		os.Exit(1)
	}
}
