package appx

import (
	"archive/zip"
	"bytes"
	"crypto"
	"strings"
	"testing"
)

// TestPublisherID: Microsoft's publisher ID as every Store app of theirs
// shows it (Microsoft.WindowsTerminal_8wekyb3d8bbwe).
func TestPublisherID(t *testing.T) {
	if got := PublisherID("CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US"); got != "8wekyb3d8bbwe" {
		t.Errorf("PublisherID = %q, want 8wekyb3d8bbwe", got)
	}
	id := Identity{Name: "Microsoft.WindowsTerminal", Publisher: "CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US", Version: "1.21.3231.0", ProcessorArchitecture: "x64"}
	if id.FullName() != "Microsoft.WindowsTerminal_1.21.3231.0_x64__8wekyb3d8bbwe" || id.FamilyName() != "Microsoft.WindowsTerminal_8wekyb3d8bbwe" {
		t.Errorf("full name %q, family %q", id.FullName(), id.FamilyName())
	}
}

func TestParseBlockMapRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown hash":  `<BlockMap HashMethod="md5"></BlockMap>`,
		"short hash":    `<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="a" Size="1"><Block Hash="AAAA"/></File></BlockMap>`,
		"missing block": `<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="a" Size="70000"><Block Hash="` + strings.Repeat("A", 43) + `="/></File></BlockMap>`,
		"duplicate":     `<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="a" Size="0"/><File Name="a" Size="0"/></BlockMap>`,
		"negative size": `<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="a" Size="-1"/></BlockMap>`,
		"not xml":       `<BlockMap`,
		"too many blocks": `<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="a" Size="9999999999">` +
			strings.Repeat(`<Block Hash="`+strings.Repeat("A", 43)+`="/>`, 101) + `</File></BlockMap>`,
	} {
		if _, err := ParseBlockMap([]byte(doc), 100, 100); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bm, err := ParseBlockMap([]byte(`<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="dir\a" Size="0"/></BlockMap>`), 100, 100)
	if err != nil || bm.Hash != crypto.SHA256 || bm.Check("dir/a") == nil || bm.Check("dir\\a") != nil {
		t.Errorf("%v %+v", err, bm)
	}
}

// FuzzAppx: the parts' parsers and the signature check on any bytes
// return an error or a result, never panic or run away; seeds are a real
// package layout and its parts.
func FuzzAppx(f *testing.F) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, p := range []struct{ name, data string }{
		{"a.txt", "hello"},
		{ManifestName, `<Package><Identity Name="A" Publisher="CN=A" Version="1.0.0.0" ProcessorArchitecture="x64"/><Properties><DisplayName>A</DisplayName></Properties></Package>`},
		{BlockMapName, `<BlockMap HashMethod="http://www.w3.org/2001/04/xmlenc#sha256"><File Name="a.txt" Size="5"><Block Hash="LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="/></File></BlockMap>`},
		{ContentTypesName, `<Types/>`},
		{SignatureName, "PKCX0\x82\x01\x00"},
	} {
		w, _ := zw.Create(p.name)
		w.Write([]byte(p.data))
	}
	zw.Close()
	f.Add(zbuf.Bytes())
	f.Add([]byte(`<Bundle><Identity Name="B" Publisher="CN=B" Version="1"/><Packages><Package FileName="x.msix" Offset="1" Size="2"/></Packages></Bundle>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseManifest(b)
		ParseBundleManifest(b)
		if bm, err := ParseBlockMap(b, 1000, 1000); err == nil {
			for _, name := range bm.Order {
				c := bm.Check(name)
				c.Write(b)
				c.Done()
			}
		}
		parts := func(name string) ([]byte, bool, error) { return b, true, nil }
		CheckSignature(append([]byte("PKCX"), b...), bytes.NewReader(b), int64(len(b)), parts, crypto.SHA256, 1<<20, 1000)
		if z, err := readRawZip(bytes.NewReader(b), int64(len(b)), 1<<20, 1000); err == nil {
			h := crypto.SHA256.New()
			if off, err := z.digestRecords(h); err == nil {
				z.digestDirectory(h, off)
			}
		}
	})
}
