package fingerprint

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// The .NET samples: two WiX fixtures and the assemblies NUnit 2.5.2's MSI
// installs (extracted with msiextract, msitools' oracle of the MSI format).
// The identities are checked against Mono's disassembler (monodis, Debian
// mono-utils), which reads the metadata with Mono's own loader; the public
// key token is computed by the test from the key bytes monodis prints.

func candleBytes(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "wix", "candle.NET-assembly.exe"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nunitBin extracts NUnit-2.5.2.9222.msi and returns its bin directory.
func nunitBin(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	msi := testenv.Shared(t, "fixtures-real", "msi", "NUnit-2.5.2.9222.msi")
	testenv.Run(t, dir, testenv.Tool(t, "msiextract"), "-C", dir, msi)
	return filepath.Join(dir, "Program Files", "NUnit 2.5.2", "bin")
}

// monoIdentity is what monodis says about an assembly.
type monoIdentity struct {
	name, version, culture, flags, token, info string
}

var (
	monoField   = regexp.MustCompile(`(?m)^(Name|Version|Flags|Culture):[ \t]*(.*)$`)
	monoKeyLine = regexp.MustCompile(`(?m)^0x[0-9a-f]{8}: ((?:[0-9A-F]{2} )+)`)
	monoInfo    = regexp.MustCompile(`(?m)^\d+: Assembly: 1: .*\[mscorlib\]System\.Reflection\.AssemblyInformationalVersionAttribute::'\.ctor'\(string\) \["(.*)"\]$`)
)

func monodis(t *testing.T, path string) monoIdentity {
	t.Helper()
	tool := testenv.Tool(t, "monodis")
	out := string(testenv.Run(t, filepath.Dir(path), tool, "--assembly", path))
	var m monoIdentity
	for _, f := range monoField.FindAllStringSubmatch(out, -1) {
		v := strings.TrimSpace(f[2])
		switch f[1] {
		case "Name":
			m.name = v
		case "Version":
			m.version = v
		case "Flags":
			m.flags = v
		case "Culture":
			m.culture = v
		}
	}
	// The key dump follows "PublicKey:"; "Zero sized public key" when none.
	if i := strings.Index(out, "PublicKey:"); i >= 0 {
		var key []byte
		for _, l := range monoKeyLine.FindAllStringSubmatch(out[i:], -1) {
			b, err := hex.DecodeString(strings.ReplaceAll(l[1], " ", ""))
			if err != nil {
				t.Fatal(err)
			}
			key = append(key, b...)
		}
		if len(key) > 0 {
			h := sha1.Sum(key)
			var tok []byte
			for i := len(h) - 1; i >= len(h)-8; i-- {
				tok = append(tok, h[i])
			}
			m.token = hex.EncodeToString(tok)
		}
	}
	ca := string(testenv.Run(t, filepath.Dir(path), tool, "--customattr", path))
	if s := monoInfo.FindStringSubmatch(ca); s != nil {
		m.info = s[1]
	}
	if m.name == "" || m.version == "" {
		t.Fatalf("monodis --assembly %s: no identity in\n%s", path, out)
	}
	return m
}

// TestDotnetAssemblyMonodis compares every assembly of the samples with
// monodis: name, version, culture, flags, public key token, informational
// version.
func TestDotnetAssemblyMonodis(t *testing.T) {
	files := []string{
		testenv.Shared(t, "fixtures-real", "wix", "NuGet.exe"),
		testenv.Shared(t, "fixtures-real", "wix", "candle.NET-assembly.exe"),
	}
	bin := nunitBin(t)
	err := filepath.WalkDir(bin, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".dll") || strings.HasSuffix(p, ".exe")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 60 {
		t.Fatalf("only %d assemblies found", len(files))
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := readAssembly(b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		m := monodis(t, p)
		got := monoIdentity{a.Name, a.Version(), a.Culture, "0x" + hex.EncodeToString(binary.BigEndian.AppendUint32(nil, a.Flags)),
			a.PublicKeyToken, a.InformationalVersion}
		if got != m {
			t.Errorf("%s:\n got     %+v\n monodis %+v", p, got, m)
		}
	}
}

// TestDotnetAssemblyKnown pins the identities of the samples. Tokens:
// 31bf3856ad364e35 is Microsoft's well-known key; nunit.core.dll's
// AssemblyRef rows (monodis --assemblyref) name nunit.core.interfaces with
// token 96d09a1eb7f44a77; log4net's 1b44e1d426115821 is the Apache log4net
// key; candle's key hashes to 256b3414dfa97718 (SHA-1 of the key monodis
// dumps). Versions: NuGet.exe's AssemblyInformationalVersion is
// "3.4.4-rtm-1321" (monodis --customattr), its AssemblyVersion 3.4.4.1321;
// log4net 1.2.10 says InformationalVersion "1.2" and AssemblyVersion
// 1.2.10.0.
func TestDotnetAssemblyKnown(t *testing.T) {
	bin := nunitBin(t)
	cases := []struct {
		path                              string
		name, asmVersion, token, info     string
		version, purl, supplier, evidence string
	}{
		{testenv.Shared(t, "fixtures-real", "wix", "NuGet.exe"),
			"NuGet", "3.4.4.1321", "31bf3856ad364e35", "3.4.4-rtm-1321",
			"3.4.4", "pkg:generic/nuget@3.4.4", "Organization: Microsoft Corporation",
			"NuGet, Version=3.4.4.1321, Culture=neutral, PublicKeyToken=31bf3856ad364e35"},
		{testenv.Shared(t, "fixtures-real", "wix", "candle.NET-assembly.exe"),
			"candle", "3.0.0.0", "256b3414dfa97718", "",
			"3.0.0.0", "pkg:generic/candle@3.0.0.0", "Organization: FireGiant",
			"candle, Version=3.0.0.0, Culture=neutral, PublicKeyToken=256b3414dfa97718"},
		{filepath.Join(bin, "net-2.0", "lib", "log4net.dll"),
			"log4net", "1.2.10.0", "1b44e1d426115821", "1.2",
			"1.2.10", "pkg:generic/log4net@1.2.10", "Organization: The Apache Software Foundation",
			"log4net, Version=1.2.10.0, Culture=neutral, PublicKeyToken=1b44e1d426115821"},
		{filepath.Join(bin, "net-1.1", "lib", "log4net.dll"),
			"log4net", "1.2.10.0", "1b44e1d426115821", "1.2",
			"1.2.10", "pkg:generic/log4net@1.2.10", "Organization: The Apache Software Foundation",
			"log4net, Version=1.2.10.0, Culture=neutral, PublicKeyToken=1b44e1d426115821"},
		{filepath.Join(bin, "net-2.0", "framework", "nunit.framework.dll"),
			"nunit.framework", "2.5.2.9222", "96d09a1eb7f44a77", "2.5.2.9222",
			"2.5.2.9222", "pkg:generic/nunit.framework@2.5.2.9222", "Organization: NUnit.org",
			"nunit.framework, Version=2.5.2.9222, Culture=neutral, PublicKeyToken=96d09a1eb7f44a77"},
		{filepath.Join(bin, "net-2.0", "lib", "nunit.core.dll"),
			"nunit.core", "2.5.2.9222", "96d09a1eb7f44a77", "2.5.2.9222",
			"2.5.2.9222", "pkg:generic/nunit.core@2.5.2.9222", "Organization: NUnit.org",
			"nunit.core, Version=2.5.2.9222, Culture=neutral, PublicKeyToken=96d09a1eb7f44a77"},
		{filepath.Join(bin, "net-2.0", "framework", "pnunit.framework.dll"),
			"pnunit.framework", "1.0.3509.27929", "", "",
			"1.0.3509.27929", "pkg:generic/pnunit.framework@1.0.3509.27929", "",
			"pnunit.framework, Version=1.0.3509.27929, Culture=neutral, PublicKeyToken=null"},
		// An unversioned assembly (0.0.0.0) is reported without a version.
		{filepath.Join(bin, "net-2.0", "tests", "loadtest-assembly.dll"),
			"loadtest-assembly", "0.0.0.0", "", "",
			"", "pkg:generic/loadtest-assembly", "",
			"loadtest-assembly, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null"},
	}
	for _, c := range cases {
		b, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		a, err := readAssembly(b)
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if a.Name != c.name || a.Version() != c.asmVersion || a.PublicKeyToken != c.token || a.InformationalVersion != c.info || a.Culture != "" {
			t.Errorf("%s: read %s (informational %q)", c.path, a.DisplayName(), a.InformationalVersion)
		}
		rep := identifyMetadata(c.path, b)
		var dn []Finding
		for _, fd := range rep.Findings {
			if len(fd.Evidence) > 0 && fd.Evidence[0].Rule == "dotnet.assembly" {
				dn = append(dn, fd)
			}
		}
		if len(dn) != 1 {
			t.Fatalf("%s: %d dotnet findings: %+v", c.path, len(dn), rep.Findings)
		}
		fd := dn[0]
		if fd.Name != c.name || fd.Version != c.version || fd.PURL != c.purl || fd.Supplier != c.supplier || !fd.Own {
			t.Errorf("%s: finding %+v", c.path, fd)
		}
		ev := fd.Evidence[0]
		if ev.File != c.path || ev.Offset != -1 || ev.Resource != "CLR metadata Assembly table" || ev.Match != c.evidence {
			t.Errorf("%s: evidence %+v", c.path, ev)
		}
		if len(rep.Errors) > 0 {
			t.Errorf("%s: errors %v", c.path, rep.Errors)
		}
	}
}

// identifyMetadata runs every cataloger but the byte-pattern rules over a
// file, in the engine's order (the rules are other work's and would only
// slow this down).
func identifyMetadata(p string, data []byte) *FileReport {
	e := &Engine{}
	rep := &FileReport{Path: p}
	f := readSubject(rep, p, data)
	for _, c := range catalogers(e) {
		if _, ok := c.(rulesCataloger); ok {
			continue
		}
		if c.Wants(p, data[:min(len(data), HeadBytes)], int64(len(data))) {
			c.Catalog(f, rep)
		}
	}
	return rep
}

// TestDotnetSuppressesPEProduct: an assembly's VERSIONINFO would make
// pe.product report a generic product; the .NET identity says more, so the
// .NET cataloger marks the file identified and must run first.
func TestDotnetSuppressesPEProduct(t *testing.T) {
	order := map[string]int{}
	for i, c := range catalogers(&Engine{}) {
		order[c.Name()] = i
	}
	if order["dotnet.assembly"] > order["pe.product"] {
		t.Errorf("catalogers: dotnet.assembly (%d) must run before pe.product (%d)", order["dotnet.assembly"], order["pe.product"])
	}
	p := testenv.Shared(t, "fixtures-real", "wix", "NuGet.exe")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	rep := &FileReport{Path: p}
	f := readSubject(rep, p, b)
	dotnetAssembly{}.Catalog(f, rep)
	if !f.identified || len(rep.Findings) != 1 {
		t.Fatalf("identified=%v findings=%+v", f.identified, rep.Findings)
	}
	peProduct{}.Catalog(f, rep)
	if len(rep.Findings) != 1 {
		t.Errorf("pe.product reported an identified assembly: %+v", rep.Findings[1:])
	}
}

// TestDotnetNotAssembly: a native DLL and non-PE data give no finding and
// no error.
func TestDotnetNotAssembly(t *testing.T) {
	dll := testenv.Gunzip(t, testenv.Shared(t, "fixtures-real", "pbs-cpython-3.11.11-20241219", "windows-amd64_python311.dll.gz"))
	for name, b := range map[string][]byte{"python311.dll": dll, "empty": nil, "MZ": []byte("MZ"), "text": []byte("MZ is not a PE file")} {
		if _, err := readAssembly(b); !errors.Is(err, errNotDotnet) {
			t.Errorf("%s: err = %v, want errNotDotnet", name, err)
		}
		rep := identifyMetadata(name, b)
		for _, fd := range rep.Findings {
			if fd.Evidence[0].Rule == "dotnet.assembly" {
				t.Errorf("%s: finding %+v", name, fd)
			}
		}
		for _, e := range rep.Errors {
			if e.Layer_ == "clr" {
				t.Errorf("%s: error %v", name, e)
			}
		}
	}
}

// dotnetLayout locates candle's metadata structures by their signatures,
// independently of the reader: the metadata root ("BSJB"), the #~ stream
// header and the tables stream it points to.
type dotnetLayout struct {
	md, tildeHdr, tables int
}

func candleLayout(t *testing.T, b []byte) dotnetLayout {
	t.Helper()
	md := bytes.Index(b, []byte("BSJB"))
	h := bytes.Index(b[md:], []byte("#~\x00"))
	if md < 0 || h < 0 {
		t.Fatal("candle: no metadata root or #~ stream")
	}
	h += md - 8
	return dotnetLayout{md, h, md + int(binary.LittleEndian.Uint32(b[h:]))}
}

// TestDotnetMalformed: damaged assemblies give errors, never panics, and
// reading them allocates a bounded amount whatever the counts they declare.
func TestDotnetMalformed(t *testing.T) {
	orig := candleBytes(t)
	l := candleLayout(t, orig)
	le := binary.LittleEndian
	peOff := int(le.Uint32(orig[0x3c:]))
	opt := peOff + 24
	cliDir := opt + 96 + 14*8 // PE32 data directory 14
	mutations := map[string]func(b []byte) []byte{
		"truncated in PE header":     func(b []byte) []byte { return b[:peOff+30] },
		"truncated in metadata root": func(b []byte) []byte { return b[:l.md+20] },
		"truncated in tables":        func(b []byte) []byte { return b[:l.tables+30] },
		"CLI header RVA outside":     func(b []byte) []byte { le.PutUint32(b[cliDir:], 0x7fff0000); return b },
		"CLI header size 8":          func(b []byte) []byte { le.PutUint32(b[cliDir+4:], 8); return b },
		"65535 sections":             func(b []byte) []byte { le.PutUint16(b[peOff+6:], 0xffff); return b },
		"bad metadata signature":     func(b []byte) []byte { b[l.md] = 'X'; return b },
		"huge version string length": func(b []byte) []byte { le.PutUint32(b[l.md+12:], 0xfffffff0); return b },
		"65535 streams":              func(b []byte) []byte { le.PutUint16(b[l.md+16+int(le.Uint32(b[l.md+12:]))+2:], 0xffff); return b },
		"stream offset outside":      func(b []byte) []byte { le.PutUint32(b[l.tildeHdr:], 0xfffffff0); return b },
		"stream size outside":        func(b []byte) []byte { le.PutUint32(b[l.tildeHdr+4:], 0x7fffffff); return b },
		"stream offset+size overflow": func(b []byte) []byte {
			le.PutUint32(b[l.tildeHdr:], 0xffffff00)
			le.PutUint32(b[l.tildeHdr+4:], 0x200)
			return b
		},
		"no tables stream": func(b []byte) []byte { copy(b[l.tildeHdr+8:], "#Z"); return b },
		"all tables, huge row counts": func(b []byte) []byte {
			le.PutUint64(b[l.tables+8:], ^uint64(0))
			for i := 0; i < 64; i++ {
				le.PutUint32(b[l.tables+24+4*i:], 0xffffffff)
			}
			return b
		},
		"huge Module row count": func(b []byte) []byte { le.PutUint32(b[l.tables+24:], 0x7fffffff); return b },
		"no Assembly rows, huge later tables": func(b []byte) []byte {
			le.PutUint64(b[l.tables+8:], 1|1<<tAssembly|1<<0x3f)
			le.PutUint32(b[l.tables+24:], 1)
			le.PutUint32(b[l.tables+28:], 0)
			le.PutUint32(b[l.tables+32:], 0xffffffff)
			return b
		},
		"Assembly row past the stream": func(b []byte) []byte {
			// Module rows (10 bytes with small heaps) fill the stream
			// after a 32-byte header; the Assembly row starts at its end.
			size := int(le.Uint32(b[l.tildeHdr+4:]))
			le.PutUint64(b[l.tables+8:], 1|1<<tAssembly)
			le.PutUint32(b[l.tables+24:], uint32((size-32)/10))
			le.PutUint32(b[l.tables+28:], 1)
			return b
		},
		"two Assembly rows": func(b []byte) []byte {
			le.PutUint64(b[l.tables+8:], 1|1<<tAssembly)
			le.PutUint32(b[l.tables+24:], 1)
			le.PutUint32(b[l.tables+28:], 2)
			return b
		},
		"all heap indexes big": func(b []byte) []byte { b[l.tables+6] = 0xff; return b },
	}
	for name, mutate := range mutations {
		b := mutate(bytes.Clone(orig))
		var a *assemblyIdentity
		var err error
		alloc := allocDuring(func() { a, err = readAssembly(b) })
		if err == nil {
			t.Errorf("%s: no error, read %s", name, a.DisplayName())
		} else {
			t.Logf("%s: %v", name, err)
		}
		if alloc > 64<<10 {
			t.Errorf("%s: allocated %d bytes", name, alloc)
		}
		rep := identifyMetadata("candle.exe", b)
		for _, fd := range rep.Findings {
			if fd.Evidence[0].Rule == "dotnet.assembly" {
				t.Errorf("%s: finding %+v", name, fd)
			}
		}
	}
	// Every truncation inside the metadata fails; none panics.
	end := l.tables + 0x200
	for n := 0; n < len(orig); n++ {
		if n > end && n%97 != 0 {
			continue
		}
		if _, err := readAssembly(orig[:n]); err == nil && n < end {
			t.Errorf("truncated to %d bytes: no error", n)
		}
	}
	// Heap and string damage behind a valid Assembly row.
	if _, err := heapBlob([]byte{0xc0, 0xff, 0xff, 0xff}, 0); err == nil {
		t.Error("blob overrunning its heap: no error")
	}
	if _, err := heapString([]byte("abc"), 1); err == nil {
		t.Error("unterminated string: no error")
	}
	if _, err := heapString(append(bytes.Repeat([]byte("a"), maxCLRName+1), 0), 0); err == nil {
		t.Error("overlong string: no error")
	}
	if _, err := heapString([]byte("a\x01b\x00"), 0); err == nil {
		t.Error("control character in string: no error")
	}
	if s := attributeString([]byte{1, 0, 0x85, 'a'}); s != "" {
		t.Errorf("overlong SerString read as %q", s)
	}
}

// TestDotnetPlainVersion: which informational versions are versions.
func TestDotnetPlainVersion(t *testing.T) {
	for in, want := range map[string]string{
		"3.4.4-rtm-1321": "3.4.4", // "rtm" marks the release itself
		"8.0.0+5535e31a712343a63f5d7d796cd874e563e5ac14":  "8.0.0",
		"13.0.3+0a2e291c0d9c0c7675d445703e51750363a549ef": "13.0.3",
		"2.5.2.9222":  "2.5.2.9222",
		"1.2":         "1.2",
		" 6.0.1 ":     "6.0.1",
		"1":           "",
		"Release 1.2": "",
		"1.2.3 beta":  "",
		"1.2.3.4.5":   "",
		"v1.2.3":      "",
		"1.2.3-":      "",
		"":            "",
	} {
		if got := plainVersion(in); got != want {
			t.Errorf("plainVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzDotnetAssembly feeds damaged assemblies to the reader and the
// cataloger: no panics, and what is read is well-formed.
//
// The seeds are small, because the fuzzer minimises every input that finds
// new code, which takes it minutes on a 28 KB file like candle's: NUnit's
// 4.5 KB nunit-console.exe (strong-named, with an informational version) and
// the hand-built assemblies of TestDotnetMetadataVariants.
func FuzzDotnetAssembly(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(nunitBin(f), "net-2.0", "nunit-console.exe"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	md, _ := buildMetadata(false, false, false, "#~")
	f.Add(buildPE(md))
	md, _ = buildMetadata(true, true, true, "#-")
	f.Add(buildPE(md))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := readAssembly(data)
		if err == nil {
			if a.Name == "" || !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "\x00\n") ||
				(a.PublicKeyToken != "" && len(a.PublicKeyToken) != 16) || len(a.InformationalVersion) > maxInfoVersion {
				t.Fatalf("bad identity %+v", a)
			}
		}
		// The Subject is built by hand: readSubject's PE parser is
		// FuzzIdentify's business.
		rep := &FileReport{Path: "a.dll"}
		f := &Subject{Path: "a.dll", Base: "a.dll", Data: data, kind: sniffKind(data)}
		dotnetAssembly{}.Catalog(f, rep)
		if f.kind != kindPE {
			return
		}
		satellite := err == nil && a.Culture != "" && strings.HasSuffix(strings.ToLower(a.Name), ".resources")
		if want := err == nil && !satellite; (len(rep.Findings) == 1) != want || len(rep.Findings) > 1 {
			t.Fatalf("readAssembly err=%v but findings %+v", err, rep.Findings)
		}
		for _, fd := range rep.Findings {
			if fd.Name != a.Name || fd.PURL == "" || len(fd.Evidence) == 0 || !f.identified {
				t.Fatalf("bad finding %+v", fd)
			}
		}
	})
}

// buildMetadata writes a small metadata root by hand (ECMA-335 II.24) with
// Module, TypeRef, MemberRef, CustomAttribute and Assembly rows: assembly
// "Lib" 1.2.3.4 with a 160-byte key and AssemblyInformationalVersion
// "1.2.3-beta+abc". It varies what the samples do not show: 4-byte heap
// indexes (bigHeaps), 4-byte indexes everywhere (a #JTD stream), the extra
// data word after the row counts, and the uncompressed "#-" tables stream.
func buildMetadata(bigHeaps, jtd, extra bool, tablesName string) (md, key []byte) {
	return buildMetadataNamed(bigHeaps, jtd, extra, tablesName, "Lib", "")
}

// buildMetadataNamed is buildMetadata for an assembly name and culture.
func buildMetadataNamed(bigHeaps, jtd, extra bool, tablesName, name, culture string) (md, key []byte) {
	le := binary.LittleEndian
	strs := []byte("\x00Lib\x00AssemblyInformationalVersionAttribute\x00System.Reflection\x00.ctor\x00")
	sLib, sAttr, sNS, sCtor, sCulture := len(strs), 5, 43, 61, 0
	strs = append(append(strs, name...), 0)
	if culture != "" {
		sCulture = len(strs)
		strs = append(append(strs, culture...), 0)
	}
	key = make([]byte, 160)
	for i := range key {
		key[i] = byte(i * 7)
	}
	blob := append([]byte{0, 0x80, 160}, key...)
	bKey, bVal := 1, len(blob)
	val := "\x01\x00\x0e1.2.3-beta+abc\x00\x00"
	blob = append(blob, byte(len(val)))
	blob = append(blob, val...)
	for len(blob)%4 != 0 {
		blob = append(blob, 0)
	}
	for len(strs)%4 != 0 {
		strs = append(strs, 0)
	}
	hw, tw := 2, 2 // heap and table index widths
	if bigHeaps || jtd {
		hw = 4
	}
	if jtd {
		tw = 4
	}
	var tb []byte
	put := func(w, v int) {
		if w == 2 {
			tb = le.AppendUint16(tb, uint16(v))
		} else {
			tb = le.AppendUint32(tb, uint32(v))
		}
	}
	var heapSizes byte
	if bigHeaps {
		heapSizes = 7
	}
	if extra {
		heapSizes |= 0x40
	}
	tb = append(tb, 0, 0, 0, 0, 2, 0, heapSizes, 1)
	tb = le.AppendUint64(tb, 1<<tModule|1<<tTypeRef|1<<tMemberRef|1<<tCustomAttribute|1<<tAssembly)
	tb = le.AppendUint64(tb, 0)
	for i := 0; i < 5; i++ {
		tb = le.AppendUint32(tb, 1)
	}
	if extra {
		tb = le.AppendUint32(tb, 0xdeadbeef)
	}
	put(2, 0)                                           // Module: Generation
	put(hw, sLib)                                       // Name
	put(hw, 0)                                          // Mvid (#GUID)
	put(hw, 0)                                          // EncId
	put(hw, 0)                                          // EncBaseId
	put(tw, 0)                                          // TypeRef: ResolutionScope
	put(hw, sAttr)                                      // TypeName
	put(hw, sNS)                                        // TypeNamespace
	put(tw, 1<<3|1)                                     // MemberRef: Class = TypeRef 1
	put(hw, sCtor)                                      // Name
	put(hw, 0)                                          // Signature
	put(tw, 1<<5|14)                                    // CustomAttribute: Parent = Assembly 1
	put(tw, 1<<3|3)                                     // Type = MemberRef 1
	put(hw, bVal)                                       // Value
	tb = le.AppendUint32(tb, 0x8004)                    // Assembly: HashAlgId
	tb = append(tb, 1, 0, 2, 0, 3, 0, 4, 0, 1, 0, 0, 0) // version, Flags
	put(hw, bKey)                                       // PublicKey
	put(hw, sLib)                                       // Name
	put(hw, sCulture)                                   // Culture
	for len(tb)%4 != 0 {
		tb = append(tb, 0)
	}
	type stream struct {
		name string
		data []byte
	}
	streams := []stream{{tablesName, tb}, {"#Strings", strs}, {"#Blob", blob}}
	if jtd {
		streams = append(streams, stream{"#JTD", nil})
	}
	hdr := 16 + 12 + 4
	for _, s := range streams {
		hdr += 8 + (len(s.name)+4)&^3
	}
	md = append([]byte("BSJB"), 1, 0, 1, 0, 0, 0, 0, 0, 12, 0, 0, 0)
	md = append(md, "v4.0.30319\x00\x00"...)
	md = append(md, 0, 0, byte(len(streams)), 0)
	off := hdr
	for _, s := range streams {
		md = le.AppendUint32(md, uint32(off))
		md = le.AppendUint32(md, uint32(len(s.data)))
		name := append([]byte(s.name), 0)
		for len(name)%4 != 0 {
			name = append(name, 0)
		}
		md = append(md, name...)
		off += len(s.data)
	}
	for _, s := range streams {
		md = append(md, s.data...)
	}
	return md, key
}

// TestDotnetMetadataVariants reads hand-built metadata in every index
// width and tables stream form.
func TestDotnetMetadataVariants(t *testing.T) {
	for _, v := range []struct {
		bigHeaps, jtd, extra bool
		tables               string
	}{
		{false, false, false, "#~"}, {true, false, false, "#~"}, {false, true, false, "#~"},
		{false, false, true, "#~"}, {true, false, true, "#-"}, {false, true, true, "#-"},
	} {
		md, key := buildMetadata(v.bigHeaps, v.jtd, v.extra, v.tables)
		a, err := readAssembly(buildPE(md))
		if err != nil {
			t.Errorf("%+v: %v", v, err)
			continue
		}
		h := sha1.Sum(key)
		tok := hex.EncodeToString([]byte{h[19], h[18], h[17], h[16], h[15], h[14], h[13], h[12]})
		if a.Name != "Lib" || a.Version() != "1.2.3.4" || a.Culture != "" || a.Flags != 1 || a.HashAlg != 0x8004 ||
			!bytes.Equal(a.PublicKey, key) || a.PublicKeyToken != tok || a.InformationalVersion != "1.2.3-beta+abc" ||
			a.RuntimeVersion != "v4.0.30319" {
			t.Errorf("%+v: read %+v", v, a)
		}
		if got, fromInfo := assemblyVersion(a); got != "1.2.3-beta" || !fromInfo {
			t.Errorf("%+v: version %q (from informational version: %v)", v, got, fromInfo)
		}
	}
}

// buildPE wraps metadata in a minimal PE32 file: headers, one section at
// RVA 0x2000 (file offset 0x200) holding the 72-byte CLI header and the
// metadata after it.
func buildPE(md []byte) []byte {
	le := binary.LittleEndian
	const peOff, opt, secs, raw, rva = 0x40, 0x40 + 24, 0x40 + 24 + 224, 0x200, 0x2000
	b := make([]byte, raw+72+len(md))
	copy(b, "MZ")
	le.PutUint32(b[0x3c:], peOff)
	copy(b[peOff:], "PE\x00\x00")
	le.PutUint16(b[peOff+4:], 0x14c) // i386
	le.PutUint16(b[peOff+6:], 1)     // sections
	le.PutUint16(b[peOff+20:], 224)  // SizeOfOptionalHeader
	le.PutUint16(b[opt:], 0x10b)     // PE32
	le.PutUint32(b[opt+92:], 16)     // NumberOfRvaAndSizes
	le.PutUint32(b[opt+96+14*8:], rva)
	le.PutUint32(b[opt+96+14*8+4:], 72)
	copy(b[secs:], ".text")
	le.PutUint32(b[secs+8:], uint32(72+len(md))) // VirtualSize
	le.PutUint32(b[secs+12:], rva)
	le.PutUint32(b[secs+16:], uint32(72+len(md))) // SizeOfRawData
	le.PutUint32(b[secs+20:], raw)
	le.PutUint32(b[raw:], 72) // cb
	le.PutUint16(b[raw+4:], 2)
	le.PutUint16(b[raw+6:], 5)
	le.PutUint32(b[raw+8:], rva+72)
	le.PutUint32(b[raw+12:], uint32(len(md)))
	copy(b[raw+72:], md)
	return b
}

// TestDotnetSatellite: a satellite resource assembly is no component of its
// own (the token is the SHA-1 of the test key, computed with Python), and
// pe.product must not name it either.
func TestDotnetSatellite(t *testing.T) {
	md, _ := buildMetadataNamed(false, false, false, "#~", "Lib.resources", "de")
	b := buildPE(md)
	a, err := readAssembly(b)
	if err != nil || a.DisplayName() != "Lib.resources, Version=1.2.3.4, Culture=de, PublicKeyToken=1eabdcc000e55439" {
		t.Fatalf("read %+v, %v", a, err)
	}
	rep := &FileReport{Path: "de/Lib.resources.dll"}
	f := &Subject{Path: rep.Path, Base: "Lib.resources.dll", Data: b, kind: sniffKind(b)}
	dotnetAssembly{}.Catalog(f, rep)
	if len(rep.Findings) != 0 || !f.identified {
		t.Errorf("satellite: identified=%v findings %+v", f.identified, rep.Findings)
	}
}
