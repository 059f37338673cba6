package burn

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// Layout numbers of the real bundle, from fixtures-real/SOURCES.md.
const (
	realSize          = 1745249
	realStub          = 542208
	realOrigSigOffset = 865848
	realOrigSigSize   = 10576
	realUXSize        = 323640
	realAttachedSize  = 24270409
	realAttachedAt    = 876424
)

func realBundle(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "burn", "python-3.11.0-amd64.TRUNCATED.exe"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cabextractFile extracts one file from cabinet bytes with cabextract.
func cabextractFile(t testing.TB, cab []byte, name string) []byte {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "c.cab")
	if err := os.WriteFile(p, cab, 0o600); err != nil {
		t.Fatal(err)
	}
	return testenv.Run(t, dir, testenv.Tool(t, "cabextract"), "-q", "-p", "-F", name, p)
}

func readHeader(t *testing.T, b []byte) (*PEInfo, *Header) {
	t.Helper()
	pe, err := ReadPE(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	s := pe.Section(".wixburn")
	if s == nil {
		t.Fatal("no .wixburn section")
	}
	h, err := ParseHeader(b[s.PointerToRawData:s.PointerToRawData+s.SizeOfRawData], int64(s.PointerToRawData))
	if err != nil {
		t.Fatal(err)
	}
	return pe, h
}

func TestRealHeaderAndLayout(t *testing.T) {
	b := realBundle(t)
	pe, h := readHeader(t, b)
	if h.Version != 2 || h.StubSize != realStub || h.OriginalSignatureOffset != realOrigSigOffset ||
		h.OriginalSignatureSize != realOrigSigSize || len(h.ContainerSizes) != 2 ||
		h.ContainerSizes[0] != realUXSize || h.ContainerSizes[1] != realAttachedSize {
		t.Fatalf("header %+v", h)
	}
	certOff, certSize := pe.CertificateTable()
	locs, err := h.Locate(int64(len(b)), certOff, certSize)
	if err != nil {
		t.Fatal(err)
	}
	if locs[0].Offset != realStub || locs[0].Size != realUXSize || locs[0].Truncated() {
		t.Errorf("UX %+v", locs[0])
	}
	if locs[1].Offset != realAttachedAt || locs[1].Size != realAttachedSize || locs[1].Available != realSize-realAttachedAt || !locs[1].Truncated() {
		t.Errorf("attached %+v", locs[1])
	}
	// Both containers are cabinets where Locate says (magic MSCF), and the
	// manifest's Registration Id is the section's GUID.
	for _, l := range locs {
		if string(b[l.Offset:l.Offset+4]) != "MSCF" {
			t.Errorf("container %d at %d: no MSCF", l.Index, l.Offset)
		}
	}
	manifest := cabextractFile(t, b[realStub:realStub+realUXSize], "0")
	id := regexp.MustCompile(`<Registration Id="([^"]+)"`).FindSubmatch(manifest)
	if id == nil || !strings.EqualFold(string(id[1]), h.BundleID) {
		t.Errorf("bundle id %s, manifest Registration %q", h.BundleID, id)
	}
}

// The manifest parsed from the real UX container (extracted by cabextract)
// lists the same packages and payloads, in order, as a plain regexp scan of
// the XML finds.
func TestRealManifest(t *testing.T) {
	b := realBundle(t)
	raw := cabextractFile(t, b[realStub:realStub+realUXSize], "0")
	m, err := ParseManifest(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, g := range regexp.MustCompile(`<(MsiPackage|ExePackage|MsuPackage|MspPackage) Id="([^"]+)"`).FindAllSubmatch(raw, -1) {
		want = append(want, string(g[1])+":"+string(g[2]))
	}
	var got []string
	kinds := map[string]string{"msi": "MsiPackage", "exe": "ExePackage"}
	for _, p := range m.Packages {
		got = append(got, kinds[p.Kind]+":"+p.ID)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || len(got) < 50 {
		t.Errorf("packages\n got %q\nwant %q", got, want)
	}
	payloadRe := regexp.MustCompile(`<Payload Id="([^"]+)" FilePath="([^"]+)" FileSize="(\d+)" Hash="([0-9A-F]+)"`)
	pm := payloadRe.FindAllSubmatch(raw, -1)
	if len(pm) != len(m.Payloads) {
		t.Fatalf("%d payloads, regexp finds %d", len(m.Payloads), len(pm))
	}
	for i, g := range pm {
		p := m.Payloads[i]
		if p.ID != string(g[1]) || p.FilePath != string(g[2]) || p.Hash != strings.ToLower(string(g[4])) || p.HashAlgorithm != "sha1" {
			t.Errorf("payload %d: %+v vs %q", i, p, g[0])
		}
	}
	for _, p := range m.Packages {
		if len(p.PayloadIDs) == 0 || m.Payload(p.PayloadIDs[0]) == nil {
			t.Errorf("package %s: payload refs %q", p.ID, p.PayloadIDs)
		}
	}
	if m.Name != "Python 3.11.0 (64-bit)" || m.Version != "3.11.150.0" || m.Publisher != "Python Software Foundation" {
		t.Errorf("bundle %q %q %q", m.Name, m.Version, m.Publisher)
	}
	if len(m.UpgradeCodes) != 1 || m.UpgradeCodes[0] != "{767B31EB-0106-5AE3-B46E-77F32D1BABA2}" {
		t.Errorf("upgrade codes %q", m.UpgradeCodes)
	}
	if len(m.Containers) != 1 || m.Containers[0].AttachedIndex != 1 || m.Containers[0].FileSize != realAttachedSize {
		t.Errorf("containers %+v", m.Containers)
	}
	core := m.Payload("core_AllUsers")
	if core == nil || !core.Embedded() || core.SourcePath != "a0" || core.Container != "WixAttachedContainer" || core.FilePath != "core.msi" {
		t.Errorf("core payload %+v", core)
	}
	d := m.Payload("core_AllUsers_d")
	if d == nil || d.Embedded() || d.DownloadURL != "https://www.python.org/ftp/python/3.11.0/amd64/core_d.msi" {
		t.Errorf("core_d payload %+v", d)
	}
	var ux int
	for _, p := range m.Payloads {
		if p.UX {
			ux++
		}
	}
	if ux != 5 {
		t.Errorf("%d UX payloads", ux)
	}
}

func TestManifestRejects(t *testing.T) {
	for name, x := range map[string]string{
		"entity":       `<!DOCTYPE BurnManifest [<!ENTITY a "aaaaaaaa">]><BurnManifest><Registration Id="&a;"/></BurnManifest>`,
		"root":         `<Other/>`,
		"empty":        ``,
		"badsize":      `<BurnManifest><Payload Id="x" FileSize="-1"/></BurnManifest>`,
		"badhash":      `<BurnManifest><Payload Id="x" Hash="zz"/></BurnManifest>`,
		"dupe payload": `<BurnManifest><Payload Id="x"/><Payload Id="x"/></BurnManifest>`,
		"unclosed":     `<BurnManifest><Chain>`,
	} {
		if _, err := ParseManifest([]byte(x), nil); err == nil {
			t.Errorf("%s: no error", name)
		} else if _, ok := err.(*FormatError); !ok {
			t.Errorf("%s: %T", name, err)
		}
	}
	big := []byte(`<BurnManifest>` + strings.Repeat(`<Variable/>`, 100) + `</BurnManifest>`)
	if _, err := ParseManifest(big, &ManifestOptions{MaxElements: 50}); err == nil {
		t.Error("element limit not enforced")
	}
	if _, err := ParseManifest(big, &ManifestOptions{MaxBytes: 100}); err == nil {
		t.Error("size limit not enforced")
	}
}

func TestHeaderRejects(t *testing.T) {
	good := make([]byte, 512)
	copy(good, []byte{0x00, 0x43, 0xf1, 0x00, 2, 0, 0, 0})
	good[40], good[44], good[48] = 1, 1, 10
	if _, err := ParseHeader(good, 0); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(b []byte){
		"magic":   func(b []byte) { b[0] = 1 },
		"version": func(b []byte) { b[4] = 9 },
		"format":  func(b []byte) { b[40] = 2 },
		"count":   func(b []byte) { b[44], b[45] = 0xff, 0xff },
		"zero":    func(b []byte) { b[44] = 0 },
	} {
		b := append([]byte(nil), good...)
		mut(b)
		if _, err := ParseHeader(b, 0x1000); err == nil {
			t.Errorf("%s: no error", name)
		} else if fe, ok := err.(*FormatError); !ok || fe.Offset() < 0x1000 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
