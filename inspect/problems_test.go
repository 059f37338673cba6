package inspect

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// TestProblemSetBoundedAndDeterministic: however many problems arrive, and
// in whatever order parallel walks report them, the same first ones in
// output order are kept and the rest are counted in one summary.
func TestProblemSetBoundedAndDeterministic(t *testing.T) {
	var all []Problem
	for i := 0; i < 500; i++ {
		all = append(all, Problem{Path: fmt.Sprintf("x.msi/f%03d", i%37), Layer: "cab", Offset: int64(i), Message: "bad"})
	}
	var first []Problem
	for run := 0; run < 5; run++ {
		rand.New(rand.NewSource(int64(run))).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		s := problemSet{max: 100}
		for _, p := range all {
			s.add(p)
		}
		got := s.list("x.msi")
		sort.SliceStable(got, func(i, j int) bool { return problemLess(got[i], got[j]) })
		// The summary sits at the artifact's path, before its entries.
		if len(got) != 101 || got[0] != (Problem{Path: "x.msi", Layer: "limits", Offset: -1, Message: "400 more problems not listed (limit problems=100)"}) {
			t.Fatalf("run %d: %d problems, first %+v", run, len(got), got[0])
		}
		got = got[1:]
		if run == 0 {
			first = got
		} else if !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d kept a different set", run)
		}
	}
	sorted := append([]Problem{}, all...)
	sort.Slice(sorted, func(i, j int) bool { return problemLess(sorted[i], sorted[j]) })
	if !reflect.DeepEqual(first, sorted[:100]) {
		t.Fatal("the kept problems are not the first 100 in output order")
	}
}

func TestProblemMessageBounded(t *testing.T) {
	s := problemSet{}
	s.add(Problem{Path: "a", Message: strings.Repeat("é", 1<<20)})
	m := s.list("a")[0].Message
	if len(m) > maxProblemMessage+64 || !strings.HasSuffix(m, "(2097152 bytes)") {
		t.Fatalf("message of %d bytes: %q", len(m), m[len(m)-40:])
	}
}
