package fspath_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/fspath"
)

type dir struct {
	parent int
	name   string
}

func resolver(dirs map[int]dir, maxBytes int64) *fspath.Resolver[int] {
	return &fspath.Resolver[int]{
		Root: 1,
		Dir: func(id int) (int, string, bool) {
			d, ok := dirs[id]
			return d.parent, d.name, ok
		},
		Hidden:   func(id int) bool { return id == 9 },
		Tree:     "catalog",
		MaxDepth: 8,
		MaxBytes: maxBytes,
		TooLong:  errors.New("too long"),
	}
}

// TestResolve: paths from parent links; a hidden directory, a missing one
// and a loop; the byte budget shared with the caller's paths.
func TestResolve(t *testing.T) {
	dirs := map[int]dir{2: {1, "a"}, 3: {2, "b"}, 4: {3, "c"}, 5: {9, "hid"}, 6: {7, "x"}, 7: {6, "y"}, 8: {40, "lost"}}
	r := resolver(dirs, 1<<10)
	for id, want := range map[int]string{4: "a/b/c", 3: "a/b", 1: ""} {
		if p, hidden, err := r.Resolve(id); p != want || hidden || err != nil {
			t.Errorf("%d: %q %v %v, want %q", id, p, hidden, err, want)
		}
	}
	if _, hidden, err := r.Resolve(5); !hidden || err != nil {
		t.Errorf("hidden: %v %v", hidden, err)
	}
	if _, _, err := r.Resolve(8); err == nil || !strings.Contains(err.Error(), "directory 40 is not in the catalog") {
		t.Errorf("missing: %v", err)
	}
	if _, _, err := r.Resolve(6); err == nil || !strings.Contains(err.Error(), "nested deeper than 8 levels") {
		t.Errorf("loop: %v", err)
	}
	// "a", "a/b", "a/b/c": 9 bytes, then the caller's 2.
	r = resolver(dirs, 10)
	if _, _, err := r.Resolve(4); err != nil {
		t.Fatal(err)
	}
	if err := r.Charge(2); err == nil || err.Error() != "too long" {
		t.Errorf("budget: %v", err)
	}
}
