package fingerprint

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// minAnchor is the shortest anchor the matcher accepts. The skip loop tests
// a hash of the four bytes at each position, so every anchor must have four.
const minAnchor = 4

// The prefix filter has 2^18 bits (32 KiB, about one L1 data cache): with a
// few hundred distinct four-byte prefixes, fewer than 0.1% of positions
// collide (a 2^16-bit filter let 0.4% through, a tenth of the scan's time).

// acMatcher finds every occurrence of a set of literal anchors in one pass.
// It is an Aho–Corasick automaton compiled to a dense DFA over byte classes
// (bytes that occur in no anchor share class 0), plus a skip loop: while the
// automaton is in its root state, positions whose first four bytes are not
// the prefix of any anchor are skipped with one hash and one bit test, which
// is what makes the scan fast on binaries where anchors are rare.
type acMatcher struct {
	classOf  [256]uint8
	nclass   int
	trans    []int32 // state*nclass + class -> next state
	outStart []int32 // outputs of state s are outs[outStart[s]:outStart[s+1]]
	outs     []int32 // anchor indices
	depth    []int32 // trie depth of each state: the length of the partial match
	lens     []int   // anchor lengths
	prefix   [1 << 18 / 64]uint64
}

func prefixHash(v uint32) uint32 { return (v * 0x9E3779B1) >> 14 }

// newACMatcher compiles anchors. Duplicates are allowed (each index reports).
func newACMatcher(anchors [][]byte) (*acMatcher, error) {
	m := &acMatcher{}
	// Byte classes: one per distinct byte used in any anchor, 0 for the rest.
	var used [256]bool
	for i, a := range anchors {
		if len(a) < minAnchor {
			return nil, fmt.Errorf("anchor %d %q shorter than %d bytes", i, a, minAnchor)
		}
		for _, b := range a {
			used[b] = true
		}
	}
	n := 1
	for b := 0; b < 256; b++ {
		if used[b] {
			if n > 255 {
				return nil, errors.New("too many distinct anchor bytes")
			}
			m.classOf[b] = uint8(n)
			n++
		}
	}
	m.nclass = n

	// Trie (goto function) with -1 for missing edges, built straight into
	// the flat transition table (a slice per node cost a third of the
	// compile, which every run pays once).
	var (
		trans []int32
		depth []int32
		fail  []int32
		outs  [][]int32
	)
	// At most one node per anchor byte: the table never grows.
	nodes := 1
	for _, a := range anchors {
		nodes += len(a)
	}
	trans = make([]int32, 0, nodes*n)
	missing := make([]int32, n)
	for c := range missing {
		missing[c] = -1
	}
	newNode := func(d int32) int32 {
		trans = append(trans, missing...)
		depth = append(depth, d)
		fail = append(fail, 0)
		outs = append(outs, nil)
		return int32(len(depth) - 1)
	}
	newNode(0)
	for i, a := range anchors {
		s := int32(0)
		for _, b := range a {
			e := int(s)*n + int(m.classOf[b])
			if trans[e] < 0 {
				t := newNode(depth[s] + 1)
				trans[e] = t
			}
			s = trans[e]
		}
		outs[s] = append(outs[s], int32(i))
		m.lens = append(m.lens, len(a))
		v := binary.LittleEndian.Uint32(a)
		h := prefixHash(v)
		m.prefix[h>>6] |= 1 << (h & 63)
	}
	// Breadth-first: failure links, then complete the DFA.
	queue := make([]int32, 0, len(depth))
	for c := 0; c < n; c++ {
		if t := trans[c]; t >= 0 {
			fail[t] = 0
			queue = append(queue, t)
		} else {
			trans[c] = 0
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		if fo := outs[fail[s]]; len(fo) > 0 {
			outs[s] = append(outs[s], fo...)
		}
		row, frow := trans[int(s)*n:int(s)*n+n], trans[int(fail[s])*n:int(fail[s])*n+n]
		for c := 0; c < n; c++ {
			if t := row[c]; t >= 0 {
				fail[t] = frow[c]
				queue = append(queue, t)
			} else {
				row[c] = frow[c]
			}
		}
	}
	m.trans = trans
	m.depth = depth
	m.outStart = make([]int32, len(depth)+1)
	for s := range depth {
		m.outStart[s] = int32(len(m.outs))
		m.outs = append(m.outs, outs[s]...)
	}
	m.outStart[len(depth)] = int32(len(m.outs))
	return m, nil
}

// scan calls emit(anchor, start) for every occurrence of every anchor in
// data, in order of end position. emit returning false stops the scan.
//
// The automaton runs only while it is resolving the candidate the skip loop
// found: as soon as the partial match it tracks starts after that candidate
// (for instance a lone NUL, which begins several anchors), the scan returns
// to the skip loop at the start of that partial match. Without this, runs of
// zero bytes would keep the automaton out of its root state and the scan
// would fall back to one table step per byte.
func (m *acMatcher) scan(data []byte, emit func(anchor int, start int) bool) {
	n := len(data)
	trans, nclass, outStart, depth := m.trans, m.nclass, m.outStart, m.depth
	i := 0
	done := -1 // last position whose matches were emitted
	for {
		// Skip loop: look for a position where an anchor may start.
		for i+4 <= n {
			h := prefixHash(binary.LittleEndian.Uint32(data[i:]))
			if m.prefix[h>>6]&(1<<(h&63)) != 0 {
				break
			}
			i++
		}
		if i+4 > n {
			return // no anchor (>= 4 bytes) can start here
		}
		p := i
		s := int32(0)
		j := i
		for ; j < n; j++ {
			s = trans[int(s)*nclass+int(m.classOf[data[j]])]
			// Bytes up to done were already seen by an earlier run; the
			// matches ending there were emitted then.
			if o, e := outStart[s], outStart[s+1]; o != e && j > done {
				for _, a := range m.outs[o:e] {
					if !emit(int(a), j+1-m.lens[a]) {
						return
					}
				}
			}
			if j > done {
				done = j
			}
			if start := j + 1 - int(depth[s]); start > p {
				i = start
				break
			}
		}
		if j >= n {
			return
		}
	}
}
