package fingerprint

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// This file reads a .NET assembly's identity from its CLR metadata
// (ECMA-335 partition II, sections 22 and 24): the PE headers just far enough
// to find the CLI header, the metadata root and its streams, the row counts
// of the tables stream, and then the one row of the Assembly table and the
// assembly's AssemblyInformationalVersionAttribute.
//
// The input is hostile: every offset and count is checked against the bytes
// before it is used, nothing is allocated in proportion to a declared count
// (the reader keeps 64 row counts and slices of the input), and every problem
// is an error value.

// assemblyIdentity is what the Assembly table says about an assembly.
type assemblyIdentity struct {
	Name    string
	Culture string // "" for the neutral culture
	Major   uint16
	Minor   uint16
	Build   uint16
	Rev     uint16
	Flags   uint32
	HashAlg uint32
	// PublicKey is the full public key (a slice of the input); nil when the
	// assembly is not strong-named.
	PublicKey []byte
	// PublicKeyToken is the last 8 bytes of the key's SHA-1, reversed, in
	// hex; "" without a key.
	PublicKeyToken string
	// InformationalVersion is the string argument of the assembly's
	// System.Reflection.AssemblyInformationalVersionAttribute; "" when it
	// has none (or it could not be read).
	InformationalVersion string
	// RuntimeVersion is the metadata root's version string ("v4.0.30319").
	RuntimeVersion string
}

// Version is the four-part assembly version "a.b.c.d".
func (a *assemblyIdentity) Version() string {
	return fmt.Sprintf("%d.%d.%d.%d", a.Major, a.Minor, a.Build, a.Rev)
}

// DisplayName is the assembly's display name as .NET writes it:
// "Name, Version=a.b.c.d, Culture=neutral, PublicKeyToken=null".
func (a *assemblyIdentity) DisplayName() string {
	culture, token := a.Culture, a.PublicKeyToken
	if culture == "" {
		culture = "neutral"
	}
	if token == "" {
		token = "null"
	}
	return fmt.Sprintf("%s, Version=%s, Culture=%s, PublicKeyToken=%s", a.Name, a.Version(), culture, token)
}

var (
	// errNotDotnet: the file is not a PE file with a CLI header.
	errNotDotnet = errors.New("not a .NET assembly (no CLI header)")
	// errNoAssembly: the metadata has no Assembly row (a .netmodule).
	errNoAssembly = errors.New("CLR metadata has no Assembly row")
)

// clrError is malformed CLR metadata: where (a file offset, -1 when
// unknown) and what.
type clrError struct {
	off int64
	msg string
}

func (e *clrError) Error() string {
	if e.off >= 0 {
		return fmt.Sprintf("CLR metadata at offset %#x: %s", e.off, e.msg)
	}
	return "CLR metadata: " + e.msg
}

func clrErr(off int, format string, args ...any) error {
	return &clrError{int64(off), fmt.Sprintf(format, args...)}
}

// Metadata table numbers (ECMA-335 II.22).
const (
	tModule                 = 0x00
	tTypeRef                = 0x01
	tTypeDef                = 0x02
	tFieldPtr               = 0x03
	tField                  = 0x04
	tMethodPtr              = 0x05
	tMethodDef              = 0x06
	tParamPtr               = 0x07
	tParam                  = 0x08
	tInterfaceImpl          = 0x09
	tMemberRef              = 0x0A
	tConstant               = 0x0B
	tCustomAttribute        = 0x0C
	tFieldMarshal           = 0x0D
	tDeclSecurity           = 0x0E
	tClassLayout            = 0x0F
	tFieldLayout            = 0x10
	tStandAloneSig          = 0x11
	tEventMap               = 0x12
	tEventPtr               = 0x13
	tEvent                  = 0x14
	tPropertyMap            = 0x15
	tPropertyPtr            = 0x16
	tProperty               = 0x17
	tMethodSemantics        = 0x18
	tMethodImpl             = 0x19
	tModuleRef              = 0x1A
	tTypeSpec               = 0x1B
	tImplMap                = 0x1C
	tFieldRVA               = 0x1D
	tENCLog                 = 0x1E
	tENCMap                 = 0x1F
	tAssembly               = 0x20
	tAssemblyRef            = 0x23
	tFile                   = 0x26
	tExportedType           = 0x27
	tManifestResource       = 0x28
	tGenericParam           = 0x2A
	tMethodSpec             = 0x2B
	tGenericParamConstraint = 0x2C
	tNone                   = -1 // an unused tag of a coded index
)

// Coded indexes (ECMA-335 II.24.2.6): the tables a tag selects, in tag
// order.
var (
	ciTypeDefOrRef       = []int{tTypeDef, tTypeRef, tTypeSpec}
	ciHasConstant        = []int{tField, tParam, tProperty}
	ciHasCustomAttribute = []int{tMethodDef, tField, tTypeRef, tTypeDef, tParam, tInterfaceImpl, tMemberRef, tModule,
		tDeclSecurity, tProperty, tEvent, tStandAloneSig, tModuleRef, tTypeSpec, tAssembly, tAssemblyRef, tFile,
		tExportedType, tManifestResource, tGenericParam, tGenericParamConstraint, tMethodSpec}
	ciHasFieldMarshal      = []int{tField, tParam}
	ciHasDeclSecurity      = []int{tTypeDef, tMethodDef, tAssembly}
	ciMemberRefParent      = []int{tTypeDef, tTypeRef, tModuleRef, tMethodDef, tTypeSpec}
	ciHasSemantics         = []int{tEvent, tProperty}
	ciMethodDefOrRef       = []int{tMethodDef, tMemberRef}
	ciMemberForwarded      = []int{tField, tMethodDef}
	ciCustomAttributeType  = []int{tNone, tNone, tMethodDef, tMemberRef, tNone}
	ciResolutionScope      = []int{tModule, tModuleRef, tAssemblyRef, tTypeRef}
	hasCustomAttrAssembly  = 14 // tag of the Assembly table in HasCustomAttribute
	customAttrTypeMemberRf = 3  // tag of MemberRef in CustomAttributeType
	memberRefParentTypeRef = 1  // tag of TypeRef in MemberRefParent
)

// Column kinds of a table schema.
type colKind uint8

const (
	colU8 colKind = iota + 1
	colU16
	colU32
	colString // #Strings heap index
	colGUID   // #GUID heap index
	colBlob   // #Blob heap index
	colTable  // index of one table (col.ref)
	colCoded  // coded index (col.coded)
)

type column struct {
	kind  colKind
	ref   int   // colTable: the table
	coded []int // colCoded: the tables
}

func u16c() column              { return column{kind: colU16} }
func u32c() column              { return column{kind: colU32} }
func strc() column              { return column{kind: colString} }
func guidc() column             { return column{kind: colGUID} }
func blobc() column             { return column{kind: colBlob} }
func tabc(t int) column         { return column{kind: colTable, ref: t} }
func codedc(ts []int) column    { return column{kind: colCoded, coded: ts} }
func fixedc(k colKind) column   { return column{kind: k} }
func cols(c ...column) []column { return c }

// tableSchemas are the columns of tables 0x00..0x20: the tables stored
// before the Assembly table (whose row sizes place it) and Assembly itself.
var tableSchemas = [tAssembly + 1][]column{
	tModule:          cols(u16c(), strc(), guidc(), guidc(), guidc()),
	tTypeRef:         cols(codedc(ciResolutionScope), strc(), strc()),
	tTypeDef:         cols(u32c(), strc(), strc(), codedc(ciTypeDefOrRef), tabc(tField), tabc(tMethodDef)),
	tFieldPtr:        cols(tabc(tField)),
	tField:           cols(u16c(), strc(), blobc()),
	tMethodPtr:       cols(tabc(tMethodDef)),
	tMethodDef:       cols(u32c(), u16c(), u16c(), strc(), blobc(), tabc(tParam)),
	tParamPtr:        cols(tabc(tParam)),
	tParam:           cols(u16c(), u16c(), strc()),
	tInterfaceImpl:   cols(tabc(tTypeDef), codedc(ciTypeDefOrRef)),
	tMemberRef:       cols(codedc(ciMemberRefParent), strc(), blobc()),
	tConstant:        cols(fixedc(colU8), fixedc(colU8), codedc(ciHasConstant), blobc()),
	tCustomAttribute: cols(codedc(ciHasCustomAttribute), codedc(ciCustomAttributeType), blobc()),
	tFieldMarshal:    cols(codedc(ciHasFieldMarshal), blobc()),
	tDeclSecurity:    cols(u16c(), codedc(ciHasDeclSecurity), blobc()),
	tClassLayout:     cols(u16c(), u32c(), tabc(tTypeDef)),
	tFieldLayout:     cols(u32c(), tabc(tField)),
	tStandAloneSig:   cols(blobc()),
	tEventMap:        cols(tabc(tTypeDef), tabc(tEvent)),
	tEventPtr:        cols(tabc(tEvent)),
	tEvent:           cols(u16c(), strc(), codedc(ciTypeDefOrRef)),
	tPropertyMap:     cols(tabc(tTypeDef), tabc(tProperty)),
	tPropertyPtr:     cols(tabc(tProperty)),
	tProperty:        cols(u16c(), strc(), blobc()),
	tMethodSemantics: cols(u16c(), tabc(tMethodDef), codedc(ciHasSemantics)),
	tMethodImpl:      cols(tabc(tTypeDef), codedc(ciMethodDefOrRef), codedc(ciMethodDefOrRef)),
	tModuleRef:       cols(strc()),
	tTypeSpec:        cols(blobc()),
	tImplMap:         cols(u16c(), codedc(ciMemberForwarded), strc(), tabc(tModuleRef)),
	tFieldRVA:        cols(u32c(), tabc(tField)),
	tENCLog:          cols(u32c(), u32c()),
	tENCMap:          cols(u32c()),
	tAssembly:        cols(u32c(), u16c(), u16c(), u16c(), u16c(), u32c(), blobc(), strc(), strc()),
}

// Limits on what is read.
const (
	maxCLRName      = 1024 // bytes of an assembly name, culture or type name
	maxInfoVersion  = 256  // bytes of an informational version kept
	maxStreamHeader = 64   // stream headers read from the metadata root
)

// tablesInfo is the decoded header of the tables stream.
type tablesInfo struct {
	tables    []byte // the stream
	heapSizes byte
	valid     uint64
	sorted    uint64
	rows      [64]uint32
	allBig    bool // a #JTD stream: every index is 4 bytes
	offsets   [tAssembly + 1]int
	sizes     [tAssembly + 1]int
}

func (t *tablesInfo) heapIndexSize(flag byte) int {
	if t.allBig || t.heapSizes&flag != 0 {
		return 4
	}
	return 2
}

func (t *tablesInfo) colSize(c column) int {
	switch c.kind {
	case colU8:
		return 1
	case colU16:
		return 2
	case colU32:
		return 4
	case colString:
		return t.heapIndexSize(0x01)
	case colGUID:
		return t.heapIndexSize(0x02)
	case colBlob:
		return t.heapIndexSize(0x04)
	case colTable:
		if t.allBig || t.rows[c.ref] > 0xffff {
			return 4
		}
		return 2
	case colCoded:
		tagBits := bits.Len(uint(len(c.coded) - 1))
		var max uint32
		for _, tb := range c.coded {
			if tb >= 0 && t.rows[tb] > max {
				max = t.rows[tb]
			}
		}
		if t.allBig || uint64(max) >= 1<<(16-tagBits) {
			return 4
		}
		return 2
	}
	return 0
}

// cell reads column col of row rid (1-based) of table tab; ok is false when
// the row lies outside the stream.
func (t *tablesInfo) cell(tab, rid, col int) (uint32, bool) {
	if tab < 0 || tab > tAssembly || rid < 1 || uint64(rid) > uint64(t.rows[tab]) {
		return 0, false
	}
	off := t.offsets[tab] + (rid-1)*t.sizes[tab]
	schema := tableSchemas[tab]
	for i := 0; i < col; i++ {
		off += t.colSize(schema[i])
	}
	n := t.colSize(schema[col])
	if off < 0 || off+n > len(t.tables) {
		return 0, false
	}
	switch n {
	case 1:
		return uint32(t.tables[off]), true
	case 2:
		return uint32(binary.LittleEndian.Uint16(t.tables[off:])), true
	default:
		return binary.LittleEndian.Uint32(t.tables[off:]), true
	}
}

// codedTarget splits a coded index into its tag and row.
func codedTarget(v uint32, ts []int) (tag int, rid int) {
	tagBits := bits.Len(uint(len(ts) - 1))
	return int(v & (1<<tagBits - 1)), int(v >> tagBits)
}

// readAssembly reads the identity of the .NET assembly in data.
func readAssembly(data []byte) (*assemblyIdentity, error) {
	md, mdOff, err := clrMetadata(data)
	if err != nil {
		return nil, err
	}
	return parseMetadata(md, mdOff)
}

// clrMetadata finds the metadata root through the PE headers and the CLI
// header (data directory 14); it returns the metadata bytes and their file
// offset.
func clrMetadata(data []byte) ([]byte, int, error) {
	if !pehdr.IsPE(data) {
		return nil, 0, errNotDotnet
	}
	h, err := pehdr.Parse(data)
	if err != nil {
		var pe *pehdr.Error
		if errors.As(err, &pe) && h == nil && pehdrHasCLR(data) {
			return nil, 0, clrErr(int(pe.Off), "%s", pe.Msg)
		}
		return nil, 0, errNotDotnet
	}
	d := h.Directory(pehdr.DirCLR)
	cliRVA, cliSize := d.RVA, d.Size
	if cliRVA == 0 || cliSize == 0 {
		return nil, 0, errNotDotnet
	}
	dir := int(h.NTOffset) + 24 // for messages: the optional header
	rvaToOff := func(rva, size uint32) (int, bool) {
		off, ok := h.Offset(rva, size)
		return int(off), ok
	}
	// The IMAGE_COR20_HEADER: cb, runtime version, then the metadata
	// directory at offset 8.
	if cliSize < 16 {
		return nil, 0, clrErr(dir, "CLI header size %d is too small", cliSize)
	}
	cli, ok := rvaToOff(cliRVA, 16)
	if !ok {
		return nil, 0, clrErr(dir, "CLI header RVA %#x is outside the sections", cliRVA)
	}
	mdRVA, mdSize := binary.LittleEndian.Uint32(data[cli+8:]), binary.LittleEndian.Uint32(data[cli+12:])
	if mdRVA == 0 || mdSize == 0 {
		return nil, 0, clrErr(cli, "CLI header has no metadata")
	}
	md, ok := rvaToOff(mdRVA, mdSize)
	if !ok {
		return nil, 0, clrErr(cli+8, "metadata RVA %#x size %#x is outside the sections", mdRVA, mdSize)
	}
	return data[md : md+int(mdSize)], md, nil
}

// pehdrHasCLR reports whether a PE whose section table could not be read
// still declares a CLI header: then the damage is worth reporting.
func pehdrHasCLR(data []byte) bool {
	h, err := pehdr.ReadHeaders(bytes.NewReader(data), int64(len(data)))
	return err == nil && h.Directory(pehdr.DirCLR).RVA != 0
}

// parseMetadata reads the metadata root (II.24.2.1), its stream headers
// (II.24.2.2) and the tables stream (II.24.2.6). base is md's file offset,
// for error messages.
func parseMetadata(md []byte, base int) (*assemblyIdentity, error) {
	if len(md) < 16 || string(md[:4]) != "BSJB" {
		return nil, clrErr(base, "no metadata signature BSJB")
	}
	vlen := int(binary.LittleEndian.Uint32(md[12:]))
	if vlen < 0 || vlen > 255 || 16+vlen+4 > len(md) {
		return nil, clrErr(base+12, "metadata version string length %d", vlen)
	}
	runtime := md[16 : 16+vlen]
	if i := bytes.IndexByte(runtime, 0); i >= 0 {
		runtime = runtime[:i]
	}
	p := 16 + (vlen+3)&^3
	if p+4 > len(md) {
		return nil, clrErr(base+p, "metadata root is truncated")
	}
	nStreams := int(binary.LittleEndian.Uint16(md[p+2:]))
	p += 4
	if nStreams > maxStreamHeader {
		return nil, clrErr(base+p-2, "%d metadata streams", nStreams)
	}
	var tables, strs, blob []byte
	var tablesOff int
	allBig := false
	for i := 0; i < nStreams; i++ {
		if p+8 > len(md) {
			return nil, clrErr(base+p, "stream header %d is truncated", i)
		}
		off, size := binary.LittleEndian.Uint32(md[p:]), binary.LittleEndian.Uint32(md[p+4:])
		name, n, ok := cString(md[p+8:], 32)
		if !ok {
			return nil, clrErr(base+p+8, "stream header %d has no name", i)
		}
		hdr := p
		p += 8 + (n+1+3)&^3
		if uint64(off)+uint64(size) > uint64(len(md)) {
			return nil, clrErr(base+hdr, "stream %q (offset %#x, size %#x) lies outside the metadata (size %#x)", name, off, size, len(md))
		}
		s := md[off : off+size]
		switch strings.ToUpper(name) {
		case "#~", "#-":
			if tables == nil {
				tables, tablesOff = s, base+int(off)
			}
		case "#STRINGS":
			if strs == nil {
				strs = s
			}
		case "#BLOB":
			if blob == nil {
				blob = s
			}
		case "#JTD":
			allBig = true
		}
	}
	if tables == nil {
		return nil, clrErr(base, "no tables stream")
	}
	t, err := readTablesHeader(tables, tablesOff, allBig)
	if err != nil {
		return nil, err
	}
	switch t.rows[tAssembly] {
	case 0:
		return nil, errNoAssembly
	case 1:
	default: // ECMA-335 II.22.2: at most one row
		return nil, clrErr(tablesOff+t.offsets[tAssembly], "%d Assembly rows", t.rows[tAssembly])
	}
	get := func(col int) uint32 { v, _ := t.cell(tAssembly, 1, col); return v }
	if _, ok := t.cell(tAssembly, 1, len(tableSchemas[tAssembly])-1); !ok {
		return nil, clrErr(tablesOff+t.offsets[tAssembly], "Assembly row lies outside the tables stream")
	}
	a := &assemblyIdentity{
		HashAlg: get(0), Major: uint16(get(1)), Minor: uint16(get(2)), Build: uint16(get(3)), Rev: uint16(get(4)),
		Flags: get(5), RuntimeVersion: clrPrintable(runtime),
	}
	if a.Name, err = heapString(strs, get(7)); err != nil || a.Name == "" {
		return nil, clrErr(tablesOff+t.offsets[tAssembly], "assembly name: %v", orEmpty(err))
	}
	if a.Culture, err = heapString(strs, get(8)); err != nil {
		return nil, clrErr(tablesOff+t.offsets[tAssembly], "assembly culture: %v", err)
	}
	if idx := get(6); idx != 0 {
		key, err := heapBlob(blob, idx)
		if err != nil {
			return nil, clrErr(tablesOff+t.offsets[tAssembly], "assembly public key: %v", err)
		}
		if len(key) > 0 {
			a.PublicKey = key
			a.PublicKeyToken = publicKeyToken(key)
		}
	}
	a.InformationalVersion = informationalVersion(t, strs, blob)
	return a, nil
}

// readTablesHeader reads the tables stream's header and row counts and
// places tables 0x00..0x20.
func readTablesHeader(s []byte, base int, allBig bool) (*tablesInfo, error) {
	if len(s) < 24 {
		return nil, clrErr(base, "tables stream is truncated")
	}
	t := &tablesInfo{tables: s, heapSizes: s[6], allBig: allBig}
	t.valid = binary.LittleEndian.Uint64(s[8:])
	t.sorted = binary.LittleEndian.Uint64(s[16:])
	p := 24
	for i := 0; i < 64; i++ {
		if t.valid&(1<<i) == 0 {
			continue
		}
		if p+4 > len(s) {
			return nil, clrErr(base+p, "row counts are truncated")
		}
		t.rows[i] = binary.LittleEndian.Uint32(s[p:])
		p += 4
	}
	if t.heapSizes&0x40 != 0 { // extra data: 4 bytes after the row counts
		p += 4
	}
	// Place tables 0x00..0x20; each must fit in the stream, so the sum
	// stays below len(s) and cannot overflow.
	for tab := 0; tab <= tAssembly; tab++ {
		size := 0
		for _, c := range tableSchemas[tab] {
			size += t.colSize(c)
		}
		t.sizes[tab], t.offsets[tab] = size, p
		if uint64(t.rows[tab])*uint64(size) > uint64(len(s)-min(p, len(s))) {
			if tab == tAssembly {
				break // only its first row is read, checked there
			}
			return nil, clrErr(base+p, "table %#x: %d rows of %d bytes do not fit in the tables stream", tab, t.rows[tab], size)
		}
		p += int(t.rows[tab]) * size
	}
	return t, nil
}

// informationalVersion finds the assembly's
// System.Reflection.AssemblyInformationalVersionAttribute: a CustomAttribute
// row whose parent is the Assembly and whose constructor is a MemberRef of a
// TypeRef with that name. It reads nothing it cannot bound and gives up
// quietly: the attribute is optional.
func informationalVersion(t *tablesInfo, strs, blob []byte) string {
	n := int(t.rows[tCustomAttribute])
	for rid := 1; rid <= n; rid++ {
		parent, ok := t.cell(tCustomAttribute, rid, 0)
		if !ok {
			return ""
		}
		if tag, prid := codedTarget(parent, ciHasCustomAttribute); tag != hasCustomAttrAssembly || prid != 1 {
			continue
		}
		typ, _ := t.cell(tCustomAttribute, rid, 1)
		tag, mrid := codedTarget(typ, ciCustomAttributeType)
		if tag != customAttrTypeMemberRf {
			continue
		}
		class, ok := t.cell(tMemberRef, mrid, 0)
		if !ok {
			continue
		}
		ctag, trid := codedTarget(class, ciMemberRefParent)
		if ctag != memberRefParentTypeRef {
			continue
		}
		nameIdx, ok1 := t.cell(tTypeRef, trid, 1)
		nsIdx, ok2 := t.cell(tTypeRef, trid, 2)
		if !ok1 || !ok2 {
			continue
		}
		if name, _ := heapString(strs, nameIdx); name != "AssemblyInformationalVersionAttribute" {
			continue
		}
		if ns, _ := heapString(strs, nsIdx); ns != "System.Reflection" {
			continue
		}
		val, _ := t.cell(tCustomAttribute, rid, 2)
		b, err := heapBlob(blob, val)
		if err != nil {
			return ""
		}
		return attributeString(b)
	}
	return ""
}

// attributeString reads the first fixed argument of a custom attribute
// value blob (II.23.3) as a SerString: prolog 0x0001, then a compressed
// length and UTF-8 bytes (0xFF is a null string).
func attributeString(b []byte) string {
	if len(b) < 3 || b[0] != 1 || b[1] != 0 || b[2] == 0xff {
		return ""
	}
	n, hl, ok := compressedUint(b[2:])
	if !ok || uint64(n) > uint64(len(b)-2-hl) {
		return ""
	}
	s := b[2+hl : 2+hl+int(n)]
	if len(s) > maxInfoVersion || !utf8.Valid(s) {
		return ""
	}
	return clrPrintable(s)
}

// heapString reads the NUL-terminated UTF-8 string at idx of the #Strings
// heap.
func heapString(heap []byte, idx uint32) (string, error) {
	if uint64(idx) >= uint64(len(heap)) {
		return "", fmt.Errorf("string index %#x outside the #Strings heap (size %#x)", idx, len(heap))
	}
	s, _, ok := cString(heap[idx:], maxCLRName)
	if !ok {
		return "", fmt.Errorf("string at %#x is unterminated or longer than %d bytes", idx, maxCLRName)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return "", fmt.Errorf("string at %#x is not printable UTF-8", idx)
	}
	return s, nil
}

// heapBlob reads the blob at idx of the #Blob heap: a compressed length
// (II.24.2.4) and that many bytes.
func heapBlob(heap []byte, idx uint32) ([]byte, error) {
	if uint64(idx) >= uint64(len(heap)) {
		return nil, fmt.Errorf("blob index %#x outside the #Blob heap (size %#x)", idx, len(heap))
	}
	n, hl, ok := compressedUint(heap[idx:])
	if !ok || uint64(n) > uint64(len(heap))-uint64(idx)-uint64(hl) {
		return nil, fmt.Errorf("blob at %#x overruns the #Blob heap", idx)
	}
	start := int(idx) + hl
	return heap[start : start+int(n)], nil
}

// compressedUint decodes an ECMA-335 compressed unsigned integer: its value
// and length.
func compressedUint(b []byte) (uint32, int, bool) {
	switch {
	case len(b) >= 1 && b[0]&0x80 == 0:
		return uint32(b[0]), 1, true
	case len(b) >= 2 && b[0]&0xc0 == 0x80:
		return uint32(b[0]&0x3f)<<8 | uint32(b[1]), 2, true
	case len(b) >= 4 && b[0]&0xe0 == 0xc0:
		return uint32(b[0]&0x1f)<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), 4, true
	}
	return 0, 0, false
}

// publicKeyToken is the last 8 bytes of the key's SHA-1 hash, reversed.
func publicKeyToken(key []byte) string {
	h := sha1.Sum(key)
	var tok [8]byte
	for i := range tok {
		tok[i] = h[len(h)-1-i]
	}
	return hex.EncodeToString(tok[:])
}

// cString reads a NUL-terminated string of at most max bytes from b: the
// string, its length and whether a NUL ended it.
func cString(b []byte, max int) (string, int, bool) {
	i := bytes.IndexByte(b[:min(len(b), max+1)], 0)
	if i < 0 {
		return "", 0, false
	}
	return string(b[:i]), i, true
}

// clrPrintable keeps the printable part of s (runes from U+0020, no DEL),
// valid UTF-8.
func clrPrintable(s []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, string(s))
}

func orEmpty(err error) any {
	if err == nil {
		return "empty"
	}
	return err
}
