// Package fingerprint identifies the components inside a file from its bytes
// and says how it knows.
//
// # Evidence sources
//
// For every file the engine combines:
//   - byte patterns over the whole file (PE, Mach-O, ELF and ar archives
//     only: text files quote names and versions in prose, which is not
//     evidence that code is present);
//   - PE VERSIONINFO strings and fixed versions, imports, delay imports and
//     the export-directory name (github.com/saferwall/pe with a silent
//     logger, because the library logs to stdout by default);
//   - Mach-O load commands per slice (github.com/blacktop/go-macho):
//     LC_ID_DYLIB, LC_LOAD_DYLIB and friends, LC_BUILD_VERSION or
//     LC_VERSION_MIN_*, LC_UUID, the code-signing identifier and team id.
//     Universal files are split with a checked header (0xCAFEBABE is also a
//     Java class file); patterns run on each slice, and a component seen in
//     several slices is one finding whose evidence names the slices;
//   - ELF DT_NEEDED and DT_SONAME;
//   - Go build information;
//   - text metadata: *.dist-info/METADATA, pip/_vendor/vendor.txt, *.nuspec.
//
// # Rules are data
//
// rules/ holds one file per library (embedded); rules/README.md documents
// the format, which `--rules FILE` shares (LoadRules). Adding a library is
// adding a file: name, supplier, PURL and CPE templates, file
// name globs, PE version-resource matches and byte patterns. A byte pattern
// is a literal anchor plus a small regexp verified on a bounded window
// around each anchor hit; requires/unless/unique/fallback express context
// ("a bare 1.2.13 is zlib's only where zlib's code is present, and only if
// it is the sole candidate"). When the bytes show a component but not its
// version the finding has an empty version: the engine never guesses.
//
// # One pass
//
// All anchors of all rules are compiled into one Aho–Corasick automaton
// (ac.go) with a four-byte-prefix skip loop; the whole file is scanned once
// and only anchor hits are verified with regexps.
//
// # Linkage
//
// A finding in a file that is the component's own library (rule ownFiles /
// libraryNames, matched on the file name, PE export name, Mach-O install
// name or ELF soname) has Own set and aggregates to "dynamic", with the
// importing modules listed; any other finding is "static". Aggregate
// documents how imports are resolved and which become system dependencies.
package fingerprint
