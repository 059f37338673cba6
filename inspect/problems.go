package inspect

import (
	"container/heap"
	"fmt"

	"github.com/installer-sbom/installer-sbom/inspect/inventory"
)

// problemSet keeps at most max problems: the first ones in output order
// (path, offset, message), whatever order parallel walks report them in, so
// the kept set is the same from run to run. The rest are only counted and
// summarised in one problem at the end.
type problemSet struct {
	max     int
	kept    problemHeap // max-heap: the last kept problem in output order on top
	dropped int64
	// droppedErrors counts dropped problems that are errors: the summary is
	// an error when any is, so that a cap never hides a loss.
	droppedErrors int64
}

func (s *problemSet) add(p Problem) {
	if p.Severity == "" {
		p.Severity = SeverityError
	}
	p.Message = inventory.ClipMessage(p.Message)
	if s.max <= 0 || len(s.kept) < s.max {
		heap.Push(&s.kept, p)
		return
	}
	s.dropped++
	if problemLess(p, s.kept[0]) {
		p, s.kept[0] = s.kept[0], p
		heap.Fix(&s.kept, 0)
	}
	if p.IsError() {
		s.droppedErrors++
	}
}

// list returns the kept problems and, when some were dropped, one more that
// says how many, at the artifact's path.
func (s *problemSet) list(artifact string) []Problem {
	out := append([]Problem{}, s.kept...)
	if s.dropped > 0 {
		sev := SeverityWarning
		if s.droppedErrors > 0 {
			sev = SeverityError
		}
		out = append(out, Problem{Path: artifact, Layer: "limits", Offset: -1, Severity: sev,
			Message: fmt.Sprintf("%d more problems not listed, %d of them errors (limit problems=%d)", s.dropped, s.droppedErrors, s.max)})
	}
	return out
}

func problemLess(a, b Problem) bool {
	if a.Path != b.Path {
		return a.Path < b.Path
	}
	if a.Offset != b.Offset {
		return a.Offset < b.Offset
	}
	if a.Message != b.Message {
		return a.Message < b.Message
	}
	return a.Layer < b.Layer
}

type problemHeap []Problem

func (h problemHeap) Len() int           { return len(h) }
func (h problemHeap) Less(i, j int) bool { return problemLess(h[j], h[i]) } // max-heap
func (h problemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *problemHeap) Push(x any)        { *h = append(*h, x.(Problem)) }
func (h *problemHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
