package hfsplus

import (
	"encoding/binary"
)

// Node kinds of a B-tree node descriptor.
const (
	kindLeaf   = -1
	kindIndex  = 0
	kindHeader = 1
	kindMap    = 2
)

const nodeDescriptorSize = 14

// btree is one of the volume's B-trees (catalog, extents overflow,
// attributes), read node by node from its fork.
type btree struct {
	r          *forkReader
	name       string
	nodeSize   int
	totalNodes uint32
	firstLeaf  uint32
	depth      uint16
	compare    byte // keyCompareType: 0xcf case-folding, 0xbc binary (HFSX)
}

// openBTree reads the header node of the tree in r.
func openBTree(r *forkReader, name string) (*btree, error) {
	head := make([]byte, 512)
	if r.Size() < 512 {
		return nil, errorf(-1, name, "B-tree file of %d bytes has no header node", r.Size())
	}
	if _, err := r.ReadAt(head, 0); err != nil {
		return nil, err
	}
	if int8(head[8]) != kindHeader {
		return nil, errorf(-1, name, "node 0 is of kind %d, not a header node", int8(head[8]))
	}
	h := head[nodeDescriptorSize:]
	t := &btree{r: r, name: name,
		depth:      binary.BigEndian.Uint16(h),
		firstLeaf:  binary.BigEndian.Uint32(h[10:]),
		nodeSize:   int(binary.BigEndian.Uint16(h[18:])),
		totalNodes: binary.BigEndian.Uint32(h[22:]),
		compare:    h[37],
	}
	if t.nodeSize < 512 || t.nodeSize > 32768 || t.nodeSize&(t.nodeSize-1) != 0 {
		return nil, errorf(-1, name, "node size %d is not a power of two from 512 to 32768", t.nodeSize)
	}
	if max := uint64(r.Size()) / uint64(t.nodeSize); uint64(t.totalNodes) > max {
		return nil, errorf(-1, name, "B-tree declares %d nodes, its file holds %d", t.totalNodes, max)
	}
	return t, nil
}

// node reads node n into buf and returns its kind, its forward link and
// its records, each checked to lie inside the node.
func (t *btree) node(n uint32, buf []byte) (kind int8, next uint32, recs [][]byte, err error) {
	if n >= t.totalNodes {
		return 0, 0, nil, errorf(-1, t.name, "node %d is past the tree's %d nodes", n, t.totalNodes)
	}
	if _, err := t.r.ReadAt(buf, int64(n)*int64(t.nodeSize)); err != nil {
		return 0, 0, nil, err
	}
	at := t.r.physical(int64(n) * int64(t.nodeSize))
	next = binary.BigEndian.Uint32(buf)
	kind = int8(buf[8])
	count := int(binary.BigEndian.Uint16(buf[10:]))
	if nodeDescriptorSize+2*(count+1) > t.nodeSize {
		return 0, 0, nil, errorf(at, t.name, "node %d declares %d records", n, count)
	}
	limit := t.nodeSize - 2*(count+1)
	off := func(i int) int { return int(binary.BigEndian.Uint16(buf[t.nodeSize-2*(i+1):])) }
	recs = make([][]byte, count)
	for i := 0; i < count; i++ {
		a, b := off(i), off(i+1)
		if a < nodeDescriptorSize || a >= b || b > limit {
			return 0, 0, nil, errorf(at, t.name, "node %d record %d spans %d..%d, outside the node's %d record bytes", n, i, a, b, limit)
		}
		recs[i] = buf[a:b]
	}
	return kind, next, recs, nil
}

// leaves calls fn with every record of every leaf node, following the
// leaf chain from the first leaf. A node is visited at most once, so a
// chain that loops ends; fn's records are valid only during the call.
func (t *btree) leaves(fn func(rec []byte) error) error {
	if t.firstLeaf == 0 {
		return nil // an empty tree
	}
	buf := make([]byte, t.nodeSize)
	seen := map[uint32]bool{}
	for n := t.firstLeaf; n != 0; {
		if n >= t.totalNodes {
			return errorf(-1, t.name, "leaf chain reaches node %d, past the tree's %d nodes", n, t.totalNodes)
		}
		if seen[n] {
			return errorf(-1, t.name, "leaf chain loops back to node %d", n)
		}
		seen[n] = true
		kind, next, recs, err := t.node(n, buf)
		if err != nil {
			return err
		}
		if kind != kindLeaf {
			return errorf(t.r.physical(int64(n)*int64(t.nodeSize)), t.name, "leaf chain reaches node %d of kind %d", n, kind)
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
		}
		n = next
	}
	return nil
}

// keyed splits a leaf record into its key (without the length) and its
// data. Keys in HFS+ trees carry a 16-bit length.
func keyed(rec []byte) (key, data []byte, ok bool) {
	if len(rec) < 2 {
		return nil, nil, false
	}
	kl := int(binary.BigEndian.Uint16(rec))
	if 2+kl > len(rec) {
		return nil, nil, false
	}
	return rec[2 : 2+kl], rec[2+kl:], true
}
