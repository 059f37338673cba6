package burn

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"testing"
)

// compactBundleHead returns the real bundle's PE headers followed directly
// by its .wixburn section data, with the section's PointerToRawData moved
// there: a small seed that still reaches every header check.
func compactBundleHead(t testing.TB) []byte {
	b := realBundle(t)
	pe, err := ReadPE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	s := pe.Section(".wixburn")
	out := append([]byte(nil), b[:0x400]...)
	out = append(out, b[s.PointerToRawData:s.PointerToRawData+s.SizeOfRawData]...)
	// Patch the section header's PointerToRawData (section table at 0x210,
	// .wixburn is the 4th entry).
	for i := 0; i < len(pe.Sections); i++ {
		if pe.Sections[i].Name == ".wixburn" {
			binary.LittleEndian.PutUint32(out[0x210+40*i+20:], 0x400)
		}
	}
	return out
}

func FuzzWixburnHeader(f *testing.F) {
	head := compactBundleHead(f)
	f.Add(head)
	f.Add(head[0x400:])
	f.Fuzz(func(t *testing.T, data []byte) {
		if h, err := ParseHeader(data, 0); err == nil {
			h.Locate(int64(len(data))*1000, 0, 0)
		}
		pe, err := ReadPE(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		s := pe.Section(".wixburn")
		if s == nil || int64(s.PointerToRawData)+int64(s.SizeOfRawData) > int64(len(data)) {
			return
		}
		h, err := ParseHeader(data[s.PointerToRawData:s.PointerToRawData+s.SizeOfRawData], int64(s.PointerToRawData))
		if err != nil {
			return
		}
		certOff, certSize := pe.CertificateTable()
		locs, err := h.Locate(int64(len(data)), certOff, certSize)
		if err != nil {
			return
		}
		for _, l := range locs {
			if l.Available < 0 || l.Available > l.Size || l.Offset < 0 {
				t.Fatalf("bad location %+v", l)
			}
		}
	})
}

func FuzzManifest(f *testing.F) {
	raw := cabextractFile(f, realBundle(f)[realStub:realStub+realUXSize], "0")
	f.Add(raw)
	// A smaller seed from the same manifest: its registration, a few
	// payloads and a few chain packages, so mutations run fast.
	small := []byte(`<BurnManifest xmlns="http://schemas.microsoft.com/wix/2008/Burn">`)
	small = append(small, regexp.MustCompile(`<RelatedBundle [^>]*/>`).Find(raw)...)
	small = append(small, regexp.MustCompile(`<Container [^>]*/>`).Find(raw)...)
	for _, m := range regexp.MustCompile(`<Payload [^>]*/>`).FindAll(raw, 8) {
		small = append(small, m...)
	}
	small = append(small, regexp.MustCompile(`<Registration .*?</Registration>`).Find(raw)...)
	small = append(small, "<Chain>"...)
	for _, m := range regexp.MustCompile(`<MsiPackage .*?</MsiPackage>`).FindAll(raw, 3) {
		small = append(small, m...)
	}
	small = append(small, "</Chain></BurnManifest>"...)
	if _, err := ParseManifest(small, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(small)
	f.Add([]byte(`<BurnManifest><Chain><MsiPackage Id="a" Size="1"><PayloadRef Id="p"/></MsiPackage></Chain><Payload Id="p" Hash="0000000000000000000000000000000000000000"/></BurnManifest>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseManifest(data, &ManifestOptions{MaxElements: 100000})
		if err != nil {
			return
		}
		for _, p := range m.Packages {
			for _, id := range p.PayloadIDs {
				m.Payload(id)
			}
		}
	})
}
