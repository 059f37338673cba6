package fingerprint

import (
	"github.com/installer-sbom/installer-sbom/inspect/inventory"

	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf16"

	pe "github.com/saferwall/pe"
	pelog "github.com/saferwall/pe/log"

	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

type PEFacts = inventory.PEFacts

// quietLogger swallows saferwall/pe's log output: by default the library
// writes to stdout, which is this program's machine output.
type quietLogger struct{}

func (quietLogger) Log(pelog.Level, ...interface{}) error { return nil }

type offErr struct {
	off int64
	msg string
}

// Resource type IDs.
const (
	rtVersion  = 16
	rtManifest = 24
)

// maxResourceBytes bounds the version and manifest resources read.
const maxResourceBytes = 1 << 20

// readPE parses headers, imports, export name and resources. A panic inside
// the library is turned into an error: the caller keeps whatever the byte
// scan finds.
func readPE(data []byte) (facts *PEFacts, imports []string, export string, ferr *offErr) {
	defer func() {
		if r := recover(); r != nil {
			facts, imports, export = nil, nil, ""
			ferr = &offErr{-1, fmt.Sprintf("PE parser failed: %v", r)}
		}
	}()
	f, err := pe.NewBytes(data, &pe.Options{
		Logger:                     quietLogger{},
		DisableCertValidation:      true,
		DisableSignatureValidation: true,
		OmitExceptionDirectory:     true,
		OmitSecurityDirectory:      true,
		OmitRelocDirectory:         true,
		OmitDebugDirectory:         true,
		OmitArchitectureDirectory:  true,
		OmitGlobalPtrDirectory:     true,
		OmitTLSDirectory:           true,
		OmitLoadConfigDirectory:    true,
		OmitBoundImportDirectory:   true,
		OmitIATDirectory:           true,
		OmitCLRHeaderDirectory:     true,
		OmitCLRMetadata:            true,
		// Resources and the export name are read by pe_resources.go
		// (bounded); the library's export parser also prints to stdout.
		OmitResourceDirectory: true,
		OmitExportDirectory:   true,
		MaxCOFFSymbolsCount:   1,
		MaxRelocEntriesCount:  1,
	})
	if err != nil {
		return nil, nil, "", &offErr{0, err.Error()}
	}
	if err := f.Parse(); err != nil && !f.HasNTHdr {
		return nil, nil, "", &offErr{0, err.Error()}
	}
	facts = &PEFacts{Machine: machineName(uint16(f.NtHeader.FileHeader.Machine))}
	seen := map[string]bool{}
	for _, imp := range f.Imports {
		if imp.Name != "" && !seen[strings.ToLower(imp.Name)] {
			seen[strings.ToLower(imp.Name)] = true
			imports = append(imports, imp.Name)
		}
	}
	for _, imp := range f.DelayImports {
		if imp.Name != "" && !seen[strings.ToLower(imp.Name)] {
			seen[strings.ToLower(imp.Name)] = true
			imports = append(imports, imp.Name)
		}
	}
	hdr, herr := pehdr.Parse(data)
	if herr != nil {
		return facts, imports, "", &offErr{herr.(*pehdr.Error).Off, herr.(*pehdr.Error).Msg}
	}
	export = exportName(hdr, data)
	raw, bad := resourceData(hdr, data, rtVersion)
	if bad != "" {
		ferr = &offErr{-1, "version resource not read: " + bad}
	}
	if raw != nil {
		strs, fixed := parseVersionInfo(raw)
		if len(strs) > 0 {
			facts.VersionStrings = strs
		}
		if fixed != nil {
			facts.FileVersion = fixed[0]
			facts.ProductVersion = fixed[1]
		}
	}
	raw, bad = resourceData(hdr, data, rtManifest)
	if bad != "" && ferr == nil {
		ferr = &offErr{-1, "manifest resource not read: " + bad}
	}
	if raw != nil {
		facts.Manifest = manifestIdentity(raw)
	}
	return facts, imports, export, ferr
}

// parseVersionInfo walks a VS_VERSIONINFO block: a tree of
// {wLength, wValueLength, wType, szKey (UTF-16), padding, value, children}.
// It returns the StringFileInfo strings and the fixed file/product versions.
func parseVersionInfo(b []byte) (map[string]string, *[2]string) {
	// String tables are keyed "LLLLCCCC" (language, code page); a file
	// may carry several languages (Wine's kernel32.dll starts with Arabic).
	// English (0409) wins, then language-neutral (0000), then the first.
	tables := map[string]map[string]string{}
	var order []string
	var fixed *[2]string
	var walk func(b []byte, depth int, parentKey string)
	walk = func(b []byte, depth int, parentKey string) {
		if depth > 3 {
			return
		}
		for len(b) >= 6 {
			length := int(binary.LittleEndian.Uint16(b))
			valueLen := int(binary.LittleEndian.Uint16(b[2:]))
			typ := binary.LittleEndian.Uint16(b[4:])
			if length < 6 {
				return
			}
			if length > len(b) {
				length = len(b) // tolerate a block that overstates its length
			}
			blk := b[:length]
			key, used := utf16z(blk[6:])
			pos := align4(6 + used)
			var val []byte
			if pos <= len(blk) {
				n := valueLen
				if typ == 1 { // text value: length counts WORDs
					n = valueLen * 2
				}
				if pos+n > len(blk) {
					n = len(blk) - pos
				}
				val = blk[pos : pos+n]
				pos = align4(pos + n)
			}
			switch {
			case depth == 0 && key == "VS_VERSION_INFO":
				if len(val) >= 52 && binary.LittleEndian.Uint32(val) == 0xFEEF04BD {
					v := func(ms, ls uint32) string {
						return fmt.Sprintf("%d.%d.%d.%d", ms>>16, ms&0xffff, ls>>16, ls&0xffff)
					}
					fixed = &[2]string{
						v(binary.LittleEndian.Uint32(val[8:]), binary.LittleEndian.Uint32(val[12:])),
						v(binary.LittleEndian.Uint32(val[16:]), binary.LittleEndian.Uint32(val[20:])),
					}
				}
			case depth == 3 && parentKey != "" && key != "":
				s, _ := utf16z(val)
				t := tables[parentKey]
				if t == nil {
					t = map[string]string{}
					tables[parentKey] = t
					order = append(order, parentKey)
				}
				if _, dup := t[key]; !dup {
					t[key] = strings.TrimSpace(s)
				}
			}
			if pos < len(blk) && (depth == 0 || (depth == 1 && key == "StringFileInfo") || depth == 2) {
				walk(blk[pos:], depth+1, key)
			}
			next := align4(length)
			if next >= len(b) {
				return
			}
			b = b[next:]
		}
	}
	walk(b, 0, "")
	pick := func(prefix string) map[string]string {
		for _, k := range order {
			if strings.HasPrefix(strings.ToLower(k), prefix) {
				return tables[k]
			}
		}
		return nil
	}
	strs := pick("0409")
	if strs == nil {
		strs = pick("0000")
	}
	if strs == nil && len(order) > 0 {
		strs = tables[order[0]]
	}
	// Keys the chosen table lacks come from the others, in file order.
	for _, k := range order {
		for key, v := range tables[k] {
			if _, ok := strs[key]; !ok {
				strs[key] = v
			}
		}
	}
	if len(strs) == 0 {
		strs = nil
	}
	return strs, fixed
}

func align4(n int) int { return (n + 3) &^ 3 }

// utf16z decodes a NUL-terminated little-endian UTF-16 string and returns it
// with the number of bytes consumed (including the terminator).
func utf16z(b []byte) (string, int) {
	var u []uint16
	i := 0
	for ; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			return string(utf16.Decode(u)), i + 2
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u)), i
}

// manifestIdentity pulls name and version out of the first assemblyIdentity
// element of an application manifest, without a full XML parse (manifests
// are small and often not namespace-clean).
func manifestIdentity(b []byte) string {
	s := string(b)
	i := strings.Index(s, "<assemblyIdentity")
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, ">"); j >= 0 {
		s = s[:j]
	}
	attr := func(name string) string {
		k := strings.Index(s, name+"=")
		if k < 0 || k+len(name)+2 > len(s) {
			return ""
		}
		q := s[k+len(name)+1]
		rest := s[k+len(name)+2:]
		if e := strings.IndexByte(rest, q); e >= 0 {
			return rest[:e]
		}
		return ""
	}
	return strings.TrimSpace(attr("name") + " " + attr("version"))
}

func machineName(m uint16) string {
	switch m {
	case 0x14c:
		return "i386"
	case 0x8664:
		return "amd64"
	case 0xaa64:
		return "arm64"
	case 0x1c4:
		return "armnt"
	case 0xa641:
		return "arm64ec"
	case 0:
		return "unknown"
	}
	return fmt.Sprintf("%#x", m)
}

// sortedKeys is used by tests and the CLI to print version strings.
func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
