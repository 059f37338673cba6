package cfb_test

import (
	"encoding/binary"
	"sort"
	"strings"
	"unicode/utf16"
)

// A minimal compound file writer for tests, written from MS-CFB. Its output
// is checked against 7-Zip (an independent reader) in TestWriterAgainst7zz,
// so tests that use it to build files the real fixtures do not cover (v3 with
// DIFAT chain sectors, a sub-storage) rest on an oracle, not on our reader.

type testStream struct {
	name    string
	data    []byte
	storage []testStream // non-nil: a storage holding these
}

const (
	tEnd  = 0xFFFFFFFE
	tFree = 0xFFFFFFFF
	tFAT  = 0xFFFFFFFD
	tDIF  = 0xFFFFFFFC
)

type cfbWriter struct {
	ss      int
	sectors [][]byte // data sectors in order
	fat     []uint32
	mini    []byte
	miniFAT []uint32
	dir     [][]byte // 128-byte entries
}

func (w *cfbWriter) addChain(data []byte) uint32 {
	if len(data) == 0 {
		return tEnd
	}
	first := uint32(len(w.sectors))
	for off := 0; off < len(data); off += w.ss {
		sec := make([]byte, w.ss)
		copy(sec, data[off:])
		w.sectors = append(w.sectors, sec)
		w.fat = append(w.fat, uint32(len(w.sectors)))
	}
	w.fat[len(w.fat)-1] = tEnd
	return first
}

func (w *cfbWriter) addMini(data []byte) uint32 {
	first := uint32(len(w.mini) / 64)
	for off := 0; off < len(data); off += 64 {
		sec := make([]byte, 64)
		copy(sec, data[off:])
		w.mini = append(w.mini, sec...)
		w.miniFAT = append(w.miniFAT, uint32(len(w.mini)/64))
	}
	w.miniFAT[len(w.miniFAT)-1] = tEnd
	return first
}

func cfbLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	if len(ua) != len(ub) {
		return len(ua) < len(ub)
	}
	return strings.ToUpper(a) < strings.ToUpper(b)
}

func (w *cfbWriter) entry(name string, typ byte, start uint32, size int64) int {
	e := make([]byte, 128)
	u := utf16.Encode([]rune(name))
	for i, c := range u {
		binary.LittleEndian.PutUint16(e[2*i:], c)
	}
	binary.LittleEndian.PutUint16(e[64:], uint16(2*len(u)+2))
	e[66] = typ
	e[67] = 1 // black
	binary.LittleEndian.PutUint32(e[68:], tFree)
	binary.LittleEndian.PutUint32(e[72:], tFree)
	binary.LittleEndian.PutUint32(e[76:], tFree)
	binary.LittleEndian.PutUint32(e[116:], start)
	binary.LittleEndian.PutUint64(e[120:], uint64(size))
	w.dir = append(w.dir, e)
	return len(w.dir) - 1
}

// children adds entries for list and links them as a right-leaning chain in
// CFB name order (a valid binary search tree), returning the first id.
func (w *cfbWriter) children(list []testStream) uint32 {
	list = append([]testStream(nil), list...)
	sort.Slice(list, func(i, j int) bool { return cfbLess(list[i].name, list[j].name) })
	var ids []int
	for _, s := range list {
		var id int
		if s.storage != nil {
			id = w.entry(s.name, 1, 0, 0)
			child := w.children(s.storage)
			binary.LittleEndian.PutUint32(w.dir[id][76:], child)
		} else if len(s.data) < 4096 {
			start := uint32(tEnd)
			if len(s.data) > 0 {
				start = w.addMini(s.data)
			}
			id = w.entry(s.name, 2, start, int64(len(s.data)))
		} else {
			id = w.entry(s.name, 2, w.addChain(s.data), int64(len(s.data)))
		}
		ids = append(ids, id)
	}
	for i := 0; i+1 < len(ids); i++ {
		binary.LittleEndian.PutUint32(w.dir[ids[i]][72:], uint32(ids[i+1]))
	}
	if len(ids) == 0 {
		return tFree
	}
	return uint32(ids[0])
}

// writeCFB lays out: stream sectors, mini stream, mini FAT, directory, FAT,
// DIFAT sectors.
func writeCFB(major int, clsid [16]byte, streams []testStream) []byte {
	w := &cfbWriter{ss: 512}
	if major == 4 {
		w.ss = 4096
	}
	root := w.entry("Root Entry", 5, tEnd, 0)
	copy(w.dir[root][80:], clsid[:])
	child := w.children(streams)
	binary.LittleEndian.PutUint32(w.dir[root][76:], child)
	if len(w.mini) > 0 {
		binary.LittleEndian.PutUint32(w.dir[root][116:], w.addChain(w.mini))
		binary.LittleEndian.PutUint64(w.dir[root][120:], uint64(len(w.mini)))
	}
	le := binary.LittleEndian
	miniFATStart, nMiniFAT := uint32(tEnd), 0
	if len(w.miniFAT) > 0 {
		b := make([]byte, 4*len(w.miniFAT))
		for i, v := range w.miniFAT {
			le.PutUint32(b[4*i:], v)
		}
		miniFATStart = w.addChain(b)
		nMiniFAT = (len(b) + w.ss - 1) / w.ss
	}
	for len(w.dir)%(w.ss/128) != 0 {
		e := make([]byte, 128)
		le.PutUint32(e[68:], tFree)
		le.PutUint32(e[72:], tFree)
		le.PutUint32(e[76:], tFree)
		w.dir = append(w.dir, e)
	}
	var dirBytes []byte
	for _, e := range w.dir {
		dirBytes = append(dirBytes, e...)
	}
	dirStart := w.addChain(dirBytes)

	perFAT := w.ss / 4
	nData := len(w.sectors)
	nFAT, nDIF := 0, 0
	for {
		f := (nData + nFAT + nDIF + perFAT - 1) / perFAT
		d := 0
		if f > 109 {
			d = (f - 109 + perFAT - 2) / (perFAT - 1)
		}
		if f == nFAT && d == nDIF {
			break
		}
		nFAT, nDIF = f, d
	}
	fat := append([]uint32(nil), w.fat...)
	for i := 0; i < nFAT; i++ {
		fat = append(fat, tFAT)
	}
	for i := 0; i < nDIF; i++ {
		fat = append(fat, tDIF)
	}
	for len(fat) < nFAT*perFAT {
		fat = append(fat, tFree)
	}
	fatStart := nData
	difStart := nData + nFAT

	h := make([]byte, w.ss)
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(h[24:], 0x3E)
	le.PutUint16(h[26:], uint16(major))
	le.PutUint16(h[28:], 0xFFFE)
	if major == 4 {
		le.PutUint16(h[30:], 12)
	} else {
		le.PutUint16(h[30:], 9)
	}
	le.PutUint16(h[32:], 6)
	if major == 4 {
		le.PutUint32(h[40:], uint32(len(dirBytes)/w.ss))
	}
	le.PutUint32(h[44:], uint32(nFAT))
	le.PutUint32(h[48:], dirStart)
	le.PutUint32(h[56:], 4096)
	le.PutUint32(h[60:], miniFATStart)
	le.PutUint32(h[64:], uint32(nMiniFAT))
	if nDIF > 0 {
		le.PutUint32(h[68:], uint32(difStart))
	} else {
		le.PutUint32(h[68:], tEnd)
	}
	le.PutUint32(h[72:], uint32(nDIF))
	for i := 0; i < 109; i++ {
		v := uint32(tFree)
		if i < nFAT {
			v = uint32(fatStart + i)
		}
		le.PutUint32(h[76+4*i:], v)
	}
	out := append([]byte(nil), h...)
	for _, s := range w.sectors {
		out = append(out, s...)
	}
	for i := 0; i < nFAT; i++ {
		sec := make([]byte, w.ss)
		for j := 0; j < perFAT; j++ {
			le.PutUint32(sec[4*j:], fat[i*perFAT+j])
		}
		out = append(out, sec...)
	}
	for d := 0; d < nDIF; d++ {
		sec := make([]byte, w.ss)
		for j := 0; j < perFAT-1; j++ {
			v := uint32(tFree)
			if k := 109 + d*(perFAT-1) + j; k < nFAT {
				v = uint32(fatStart + k)
			}
			le.PutUint32(sec[4*j:], v)
		}
		next := uint32(tEnd)
		if d+1 < nDIF {
			next = uint32(difStart + d + 1)
		}
		le.PutUint32(sec[4*(perFAT-1):], next)
		out = append(out, sec...)
	}
	return out
}
