package xar

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// aliasXar writes an archive (no TOC checksum) of n files whose data all
// point at one heap range of the given size.
func aliasXar(n, size int) []byte {
	heap := bytes.Repeat([]byte("alias"), size/5)
	sum := sha1.Sum(heap)
	var toc strings.Builder
	toc.WriteString(`<?xml version="1.0" encoding="UTF-8"?><xar><toc><creation-time>2024-01-01T00:00:00</creation-time>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&toc, `<file id="%d"><name>f%d</name><type>file</type><data><offset>0</offset><length>%d</length><size>%d</size>`+
			`<encoding style="application/octet-stream"/><archived-checksum style="sha1">%x</archived-checksum><extracted-checksum style="sha1">%x</extracted-checksum></data></file>`,
			i+1, i, len(heap), len(heap), sum, sum)
	}
	toc.WriteString(`</toc></xar>`)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(toc.String()))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("xar!")
	binary.Write(&b, binary.BigEndian, uint16(28))
	binary.Write(&b, binary.BigEndian, uint16(1))
	binary.Write(&b, binary.BigEndian, uint64(z.Len()))
	binary.Write(&b, binary.BigEndian, uint64(toc.Len()))
	binary.Write(&b, binary.BigEndian, uint32(0))
	b.Write(z.Bytes())
	b.Write(heap)
	return b.Bytes()
}

// TestIdentityAliasedHeap: files whose data alias one heap range were each
// hashed by Identity (here 3,000 × 1 MiB = 3 GiB from a 1 MB archive); the
// identity now refuses, naming the file and its offset, before hashing.
func TestIdentityAliasedHeap(t *testing.T) {
	b := aliasXar(3000, 1<<20)
	x, err := NewReader(bytes.NewReader(b), int64(len(b)), nil)
	if err != nil {
		t.Fatal(err)
	}
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	_, err = x.Identity()
	runtime.ReadMemStats(&m1)
	if err == nil || !strings.Contains(err.Error(), "ranges alias one another") || !strings.Contains(err.Error(), "xar: ") {
		t.Fatalf("err = %v", err)
	}
	if fe, ok := err.(*FormatError); !ok || fe.Off <= 0 {
		t.Fatalf("error %T %v without offset", err, err)
	}
	if d := m1.TotalAlloc - m0.TotalAlloc; d > 256<<20 {
		t.Fatalf("allocated %d bytes", d)
	}
	t.Logf("%d-byte xar: %v", len(b), err)
	// A few aliases (hardlinks) still hash.
	b = aliasXar(3, 1<<20)
	if x, err = NewReader(bytes.NewReader(b), int64(len(b)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := x.Identity(); err != nil {
		t.Fatal(err)
	}
}
