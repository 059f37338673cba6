package inspect

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// TestProblemSetBoundedAndDeterministic: however many problems arrive, and
// in whatever order parallel walks report them, the same first ones in
// output order are kept and the rest are counted in one summary.
func TestProblemSetBoundedAndDeterministic(t *testing.T) {
	var all []Problem
	for i := 0; i < 500; i++ {
		all = append(all, Problem{Path: fmt.Sprintf("x.msi/f%03d", i%37), Layer: "cab", Offset: int64(i), Severity: SeverityError, Message: "bad"})
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
		if len(got) != 101 || got[0] != (Problem{Path: "x.msi", Layer: "limits", Offset: -1, Severity: SeverityError, Message: "400 more problems not listed, 400 of them errors (limit problems=100)"}) {
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

// TestProblemCapNeverHidesAnError: when the kept problems are warnings and
// an error is dropped, the summary is an error, so the inventory still says
// it is incomplete; a problem without a severity counts as an error.
func TestProblemCapNeverHidesAnError(t *testing.T) {
	s := problemSet{max: 10}
	for i := 0; i < 50; i++ {
		s.add(Problem{Path: fmt.Sprintf("a/%02d", i), Severity: SeverityWarning, Message: "odd name"})
	}
	s.add(Problem{Path: "z/last", Message: "unreadable"})
	inv := Inventory{Problems: s.list("a")}
	if inv.Complete() {
		t.Fatalf("an error dropped by the cap left the inventory complete: %+v", inv.Problems[len(inv.Problems)-1])
	}
	for _, p := range inv.Problems[:10] {
		if p.IsError() {
			t.Fatalf("kept %+v", p)
		}
	}
	w := problemSet{max: 10}
	for i := 0; i < 50; i++ {
		w.add(Problem{Path: fmt.Sprintf("a/%02d", i), Severity: SeverityWarning, Message: "odd name"})
	}
	if inv := (Inventory{Problems: w.list("a")}); !inv.Complete() {
		t.Fatal("warnings alone made the inventory incomplete")
	}
}

func TestProblemMessageBounded(t *testing.T) {
	s := problemSet{}
	s.add(Problem{Path: "a", Message: strings.Repeat("é", 1<<20)})
	m := s.list("a")[0].Message
	if len(m) > inventory.MaxMessage+64 || !strings.HasSuffix(m, "(2097152 bytes)") {
		t.Fatalf("message of %d bytes: %q", len(m), m[len(m)-40:])
	}
}
