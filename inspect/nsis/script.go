package nsis

import (
	"encoding/binary"
	"fmt"
	"regexp"
	"strings"
)

// The decompressed header starts with the common header: flags, then eight
// block descriptors (offset into the header, count) for pages, sections,
// entries (the script's instructions), strings, language tables, control
// colours, the background font and data; then the installer's settings.
// makensis 2.x and 3.x lay the settings out the same way, so the pages block
// starts at offset 300 and the settings read here sit at fixed offsets.
const (
	blockPages = iota
	blockSections
	blockEntries
	blockStrings
	blockLangTables
	numBlocks = 8

	blocksEnd = 4 + 8*numBlocks
	// Settings of the standard layout (pages block at stdPagesOffset).
	stdPagesOffset     = 300
	offLangTableSize   = 100
	offInstallDir      = 280
	langTableNameIndex = 2 // the ^Name language string
	langTableStrings   = 10

	entrySize = 28 // opcode and six parameters

	// scanPerHeaderByte and scanFloor bound the characters decoded and
	// the bytes of install paths built from one header.
	scanPerHeaderByte = 16
	scanFloor         = 1 << 20
	// maxOutDir bounds an output directory built on $OUTDIR.
	maxOutDir = 4 * maxStringChars
)

// Opcodes of the script (NSIS 2.x/3.x, official builds).
const (
	ewCreateDir        = 11 // CreateDirectory; SetOutPath when parameter 1 is set
	ewExtractFile      = 20 // File
	ewAssignVar        = 25 // StrCpy
	ewShellExec        = 40 // ExecShell: verb, file, parameters, show
	ewExecute          = 41 // Exec, ExecWait: command line, wait
	ewRegisterDLL      = 44 // RegDLL, CallInstDLL and plug-in calls: DLL, function
	ewWriteReg         = 51 // WriteRegStr/WriteRegExpandStr/WriteRegDWORD/WriteRegBin
	ewWriteUninstaller = 62
)

// Run is something the script runs or makes Windows run: a program (Exec,
// ExecWait, ExecShell), a function of a DLL or plug-in, a value under a
// Run key.
type Run struct {
	// Kind is "exec", "shell-exec", "dll-call" or "autostart".
	Kind string
	// Command is the program, DLL or registry key; Args the command
	// line's arguments, the function called or the value set.
	Command, Args string
	// Name is the registry value's name (autostart).
	Name string
	Wait bool
	// Instruction is the script instruction's index.
	Instruction int
}

// Kind says what a file the script extracts is.
type Kind int

const (
	// KindFile is a File instruction's file.
	KindFile Kind = iota
	// KindPlugin is a plug-in DLL extracted to $PLUGINSDIR for a
	// plugin::Function call.
	KindPlugin
	// KindUninstaller is an uninstaller WriteUninstaller writes: the
	// installer's stub with the uninstaller's icon patched in, followed by
	// the uninstaller's own NSIS data.
	KindUninstaller
)

func (k Kind) String() string {
	switch k {
	case KindPlugin:
		return "plugin"
	case KindUninstaller:
		return "uninstaller"
	}
	return "file"
}

// Item is one file the install script writes.
type Item struct {
	// Path is the install path, '/'-separated, starting with the NSIS
	// variable or constant it is relative to: "$INSTDIR/bin/sqlite3.dll",
	// "$PLUGINSDIR/nsExec.dll". A name that is not absolute is joined to
	// the output directory the script last set (SetOutPath), which starts
	// as $INSTDIR.
	Path string
	Kind Kind
	// Pos is the offset of the file's data in the data block; two Items
	// with the same Pos share their bytes (makensis stores identical
	// files once).
	Pos int64
	// Instruction is the index of the script instruction that writes it.
	Instruction int

	// dir is the output directory a relative name was joined to, name
	// the name as the instruction has it.
	dir, name string
	relative  bool
	// bad says why the item cannot be read (a name outside the string
	// table): Walk reports it.
	bad error
}

// script is what the header says: the files, and the installer's name and
// default install directory when the layout is the standard one.
type script struct {
	items      []Item
	runs       []Run
	name       string
	installDir string
	unicode    bool
	nsis2      bool
	pathBudget int64 // bytes of install paths still allowed
}

// headerError is an error in the decompressed header; off is the
// firstheader's file offset, since the header has none of its own.
func headerError(off int64, format string, args ...any) error {
	return errorf(off, nil, "script header: "+format, args...)
}

// parseScript reads the decompressed header h of the installer whose
// firstheader is at fhOff.
func parseScript(h []byte, fhOff int64, maxItems int) (*script, error) {
	if len(h) < blocksEnd {
		return nil, headerError(fhOff, "%d bytes is too short for the block table", len(h))
	}
	le := binary.LittleEndian
	type block struct{ off, num int64 }
	var blocks [numBlocks]block
	for i := range blocks {
		blocks[i] = block{int64(le.Uint32(h[4+8*i:])), int64(le.Uint32(h[8+8*i:]))}
	}
	size := int64(len(h))
	ent := blocks[blockEntries]
	if ent.off > size || ent.num > (size-ent.off)/entrySize {
		return nil, headerError(fhOff, "entries block at %d (%d entries) exceeds the %d-byte header", ent.off, ent.num, size)
	}
	str := blocks[blockStrings]
	strEnd := size
	if lt := blocks[blockLangTables].off; lt > str.off && lt <= size {
		strEnd = lt
	}
	if str.off >= strEnd {
		return nil, headerError(fhOff, "strings block at %d is outside the %d-byte header", str.off, size)
	}
	st := &stringTable{b: h[str.off:strEnd]}
	if len(st.b) >= 2 && st.b[0] == 0 && st.b[1] == 0 {
		st.unicode = true
		st.b = st.b[:len(st.b)&^1]
	} else {
		st.nsis2 = detectNSIS2(st.b)
	}
	// Decoding and the paths built are bounded by the header's size:
	// an honest script names each string a few times.
	st.limit(scanPerHeaderByte*size + scanFloor)
	sc := &script{unicode: st.unicode, nsis2: st.nsis2, pathBudget: scanPerHeaderByte*size + scanFloor}
	if err := sc.readEntries(h[ent.off:ent.off+ent.num*entrySize], st, fhOff, maxItems); err != nil {
		return nil, err
	}
	if st.exhausted {
		return nil, limitErr(fhOff, "MaxHeaderBytes", size,
			fmt.Sprintf("the script's strings cost more than %d characters to decode (%d per header byte)", scanPerHeaderByte*size+scanFloor, scanPerHeaderByte))
	}
	if blocks[blockPages].off == stdPagesOffset && size >= stdPagesOffset {
		sc.installDir = cleanPath(st.decode(int64(le.Uint32(h[offInstallDir:]))))
		lt := blocks[blockLangTables]
		ltSize := int64(le.Uint32(h[offLangTableSize:]))
		if ltSize >= langTableStrings+4*(langTableNameIndex+1) && lt.off <= size && lt.num <= (size-lt.off)/ltSize {
			for i := int64(0); i < lt.num; i++ {
				t := h[lt.off+i*ltSize:]
				idx := int64(le.Uint32(t[langTableStrings+4*langTableNameIndex:]))
				if name := st.decode(idx); name != "" && (sc.name == "" || le.Uint16(t) == 1033) {
					sc.name = name // English's, else the first language's
				}
			}
		}
	}
	return sc, nil
}

// readEntries follows the script's instructions in order, as 7-Zip does:
// SetOutPath sets the directory later relative names are in (whatever the
// control flow), File adds a file, WriteUninstaller an uninstaller.
func (sc *script) readEntries(ents []byte, st *stringTable, fhOff int64, maxItems int) error {
	le := binary.LittleEndian
	outDir := "$INSTDIR"
	specOutDir := "" // what `File /r` saved $OUTDIR as, in $_OUTDIR
	add := func(it Item) error {
		sc.items = append(sc.items, it)
		if len(sc.items) > maxItems {
			return limitErr(fhOff, "MaxItems", int64(maxItems), fmt.Sprintf("the script writes more than %d files", maxItems))
		}
		if sc.pathBudget -= int64(len(it.Path)); sc.pathBudget < 0 {
			return limitErr(fhOff, "MaxHeaderBytes", int64(len(ents)),
				fmt.Sprintf("the install paths of the script's files exceed %d bytes per header byte", scanPerHeaderByte))
		}
		return nil
	}
	for k := 0; k+entrySize <= len(ents) && !st.exhausted; k += entrySize {
		e := ents[k:]
		var p [6]int64
		for i := range p {
			p[i] = int64(le.Uint32(e[4+4*i:]))
		}
		idx := k / entrySize
		var err error
		switch le.Uint32(e) {
		case ewCreateDir:
			if p[1] != 0 {
				outDir = resolveOutPath(st, p[0], outDir, specOutDir)
			}
		case ewAssignVar:
			if p[0] == varSpecOutDir {
				specOutDir = ""
				if st.isVar(p[1], varOutDir) && p[2] == 0 && p[3] == 0 {
					specOutDir = outDir
				}
			}
		case ewExtractFile:
			if p[1] >= st.chars() { // makensis shares string tails: any index may start a name
				err = add(badName(p[1], st, outDir, idx))
				break
			}
			it := itemPath(st, p[1], outDir)
			it.Kind, it.Pos, it.Instruction = KindFile, p[2], idx
			if lower := strings.ToLower(it.Path); strings.HasPrefix(lower, "$pluginsdir/") && strings.HasSuffix(lower, ".dll") {
				it.Kind = KindPlugin
			}
			err = add(it)
		case ewExecute:
			sc.runs = append(sc.runs, Run{Kind: "exec", Command: st.decode(p[0]), Wait: p[2] != 0, Instruction: idx})
		case ewShellExec:
			sc.runs = append(sc.runs, Run{Kind: "shell-exec", Command: st.decode(p[1]), Args: strings.TrimSpace(st.decode(p[0]) + " " + st.decode(p[2])), Instruction: idx})
		case ewRegisterDLL:
			sc.runs = append(sc.runs, Run{Kind: "dll-call", Command: st.decode(p[0]), Args: st.decode(p[1]), Instruction: idx})
		case ewWriteReg:
			if key := st.decode(p[1]); runKeyPattern.MatchString(key) {
				sc.runs = append(sc.runs, Run{Kind: "autostart", Command: regRoots[p[0]] + `\` + key, Name: st.decode(p[2]),
					Args: st.decode(p[3]), Instruction: idx})
			}
		case ewWriteUninstaller:
			if p[0] == 0 || p[0] >= st.chars() || !st.valid(p[0]) && st.at(p[0]-1) != '\\' {
				break
			}
			it := itemPath(st, p[0], outDir)
			it.Kind, it.Pos, it.Instruction = KindUninstaller, p[1], idx
			err = add(it)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// badName is the item of a File instruction whose name is not a string of
// the table: named as 7-Zip names it, and unreadable.
func badName(i int64, st *stringTable, outDir string, idx int) Item {
	it := Item{Kind: KindFile, Instruction: idx, name: "$_ERROR_STR_", dir: outDir, relative: true, Pos: -1}
	it.Path = cleanPath(strings.TrimRight(outDir, `\`) + `\` + it.name)
	it.bad = errorf(-1, nil, "script instruction %d names string %d, outside the %d-character string table", idx, i, st.chars())
	return it
}

// resolveOutPath is the directory SetOutPath sets: its argument, with a
// leading $OUTDIR or $_OUTDIR replaced by what the script last set them to.
func resolveOutPath(st *stringTable, i int64, outDir, specOutDir string) string {
	if v, rest, ok := st.leadingVar(i); ok && (v == varOutDir || v == varSpecOutDir) {
		base := outDir
		if v == varSpecOutDir {
			base = specOutDir
		}
		if len(base) > maxOutDir {
			base = base[:maxOutDir] // exehead's own strings stop at 8192 characters
		}
		st.spend(int64(len(base))) // a chain of SetOutPath $OUTDIR\x grows it
		return base + st.decode(rest)
	}
	return st.decode(i)
}

// itemPath is the install path of a file named by the string at i, written
// while the output directory is outDir: the name alone when it is absolute
// (starts with $INSTDIR, $EXEDIR, $TEMP or $PLUGINSDIR, a shell folder such
// as $SYSDIR, a drive letter or \\), else outDir\name. Separators become
// '/', and repeated ones one. The Item also keeps the directory and name
// apart, which is how 7-Zip orders files that share their data.
func itemPath(st *stringTable, i int64, outDir string) Item {
	name := st.decode(i)
	abs := st.leadingShell(i) || isAbsolute(name)
	if v, rest, ok := st.leadingVar(i); ok {
		switch v {
		case varInstDir, varExeDir, varTemp, varPluginsDir:
			abs = true
		case varOutDir:
			name = strings.TrimRight(outDir, `\`) + st.decode(rest)
			abs = true
		}
	}
	if name == "" {
		name = "file" // as 7-Zip names it
	}
	it := Item{name: name}
	full := name
	if !abs && outDir != "" {
		it.dir, it.relative = outDir, true
		full = strings.TrimRight(outDir, `\`) + `\` + name
	}
	it.Path = cleanPath(full)
	return it
}

// isAbsolute reports a Windows path with a drive letter or a UNC prefix.
func isAbsolute(s string) bool {
	if strings.HasPrefix(s, `\\`) {
		return true
	}
	return len(s) >= 2 && s[1] == ':' && (s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z')
}

// cleanPath turns backslashes into '/' and collapses repeated separators
// (Windows resolves "a\\b" as "a\b"), keeping a UNC path's leading "//".
func cleanPath(s string) string {
	s = strings.ReplaceAll(s, `\`, "/")
	lead := ""
	if strings.HasPrefix(s, "//") {
		lead, s = "//", strings.TrimLeft(s, "/")
	}
	for strings.Contains(s, "//") {
		s = strings.ReplaceAll(s, "//", "/")
	}
	return lead + s
}

// runKeyPattern matches the registry keys whose values Windows runs at
// logon.
var runKeyPattern = regexp.MustCompile(`(?i)^software\\(wow6432node\\)?microsoft\\windows\\currentversion\\(run|runonce)\\?$`)

// regRoots are NSIS 3's root key values (HKEY_* handles).
var regRoots = map[int64]string{0x80000000: "HKCR", 0x80000001: "HKCU", 0x80000002: "HKLM", 0x80000003: "HKU", 0: "SHCTX"}
