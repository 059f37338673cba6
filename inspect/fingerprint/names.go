package fingerprint

import (
	"strings"
	"sync"
)

// nameCache remembers which rules' file-name globs match a base name.
// Every binary is checked against every rule's globs for its own name and
// each import; import names repeat across an installer (KERNEL32.dll,
// vcruntime140.dll), so the glob matching is done once per distinct name.
type nameCache struct {
	mu sync.Mutex
	m  map[nameKey][]int
}

type nameKey struct {
	libs bool // LibraryNames only, else OwnFiles + LibraryNames
	name string
}

// maxCachedNames bounds the cache: names past it are matched every time
// (a crafted file may import a million distinct names).
const maxCachedNames = 1 << 16

// rules returns the indices of the rules whose library names (libs) or own
// files (!libs) match base, in rule order.
func (c *nameCache) rules(e *Engine, libs bool, base string) []int {
	if base == "" {
		return nil
	}
	k := nameKey{libs, strings.ToLower(base)}
	c.mu.Lock()
	got, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return got
	}
	rules := e.ruleSet().rules
	for ri := range rules {
		globs := rules[ri].own
		if libs {
			globs = rules[ri].libs
		}
		if matchGlobs(globs, k.name) {
			got = append(got, ri)
		}
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[nameKey][]int{}
	}
	if len(c.m) < maxCachedNames {
		c.m[k] = got
	}
	c.mu.Unlock()
	return got
}
