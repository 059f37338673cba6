// Command installer-sbom writes an SPDX 2.3 software bill of materials for a
// binary installer (WiX Burn bundle, MSI, CAB, zip, macOS flat package) from
// the installer's own bytes.
//
// This file holds only flag handling, output selection and exit codes; all
// format knowledge lives in the inspect and compose packages.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/installer-sbom/installer-sbom/compose"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/inspect/fingerprint"
)

// Exit codes (README.md, "Command-line contract").
const (
	exitOK       = 0
	exitDiffers  = 1 // verification failed, differences found, --strict conflicts
	exitUsage    = 2
	exitBadInput = 3 // input unreadable or malformed
)

// version is set at build time with -ldflags "-X main.version=...".
var version = unstamped

func main() {
	// Dependencies never print: go-macho logs unknown load commands with the
	// standard logger (saferwall/pe's logger is replaced where it is used).
	// The program itself reports through problems, not log.
	log.SetOutput(io.Discard)
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	stop := startCPUProfile(os.Getenv("CPUPROFILE"))
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startCPUProfile writes a CPU profile of the whole run to path (the
// CPUPROFILE variable, as gperftools names it; bench/run.sh uses it), so
// that what a single run pays once — rule compilation, start-up — shows,
// which an in-process benchmark hides. An empty path profiles nothing.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "installer-sbom: CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

const usage = `usage: installer-sbom <command> [flags] [args]

commands:
  inspect [--json] FILE|DIR|-...  list packages, files, components and problems
  compose FILE [flags]           write the SBOM (SPDX 2.3 JSON by default; SPDX 3.0.1, CycloneDX 1.7/1.6, tag-value)
  validate DOC                   check an SBOM in any of those formats (schema + NTIA/CISA/BSI field lists)
  verify FILE --sbom DOC         check an installer against its SBOM (exit 1 on differences)
  diff OLD NEW                   compare two installers or SBOMs (components, files)
  vex FILE --statements YAML     write triage statements about FILE's components as OpenVEX
  rules [--rules FILE]           list the fingerprint rules
  config [COMMAND]               print the settings that come from the environment and .installer-sbom.yaml
  version                        print the version

Run 'installer-sbom help <command>' (or '<command> --help') for the flags of a command.

Every flag can also come from INSTALLER_SBOM_<FLAG> or a YAML file
(.installer-sbom.yaml, or --config FILE; a section per command); flags win
over the environment, the environment over the file.

Exit codes: 0 success; 1 verification failed or differences found; 2 usage
error, including an unreadable side input (--sbom, --source-sbom, --rules,
--statements); 3 the installer could not be read completely.
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	// -q and -v before the command apply to it, as syft users type them
	// (installer-sbom -v inspect X); alone, -v asks for the version.
	var global []string
	for len(args) > 0 && (args[0] == "-q" || args[0] == "-v" || args[0] == "--verbose" || args[0] == "--quiet") {
		global = append(global, "-"+strings.TrimLeft(args[0], "-")[:1])
		args = args[1:]
	}
	if len(args) == 0 {
		if slices.Equal(global, []string{"-v"}) {
			fmt.Fprintf(stdout, "installer-sbom %s\n", version)
			return exitOK
		}
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], append(global, args[1:]...)
	switch cmd {
	case "inspect":
		return cmdInspect(rest, stdout, stderr)
	case "compose":
		return cmdCompose(rest, stdout, stderr)
	case "validate":
		return cmdValidate(rest, stdout, stderr)
	case "verify":
		return cmdVerify(rest, stdout, stderr)
	case "diff":
		return cmdDiff(rest, stdout, stderr)
	case "vex":
		return cmdVex(rest, stdout, stderr)
	case "rules":
		return cmdRules(rest, stdout, stderr)
	case "config":
		return cmdConfig(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintf(stdout, "installer-sbom %s\n", version)
		return exitOK
	case "help", "-h", "--help":
		if len(rest) > 0 && rest[0] != "help" {
			// help CMD is CMD --help: the command's own usage, on stdout.
			return run([]string{rest[0], "--help"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "installer-sbom: unknown command %q\n%s", cmd, usage)
		return exitUsage
	}
}

// inspectFlags are shared by every command that reads an installer.
type inspectFlags struct {
	limits inspect.Limits
	// composeLimits, when a command that writes documents sets it before
	// register, receives the compose limits --limit names.
	composeLimits *compose.Limits
	rules         stringList
	workers       int
	quiet         bool
	verbose       bool
}

func (f *inspectFlags) register(fs *flag.FlagSet) {
	f.limits = inspect.DefaultLimits()
	names := inspect.LimitNames()
	if f.composeLimits != nil {
		*f.composeLimits = compose.DefaultLimits()
		names = append(names, compose.LimitNames()...)
	}
	fs.Func("limit", "set a limit, name=value with optional K/M/G suffix (repeatable; names: "+
		strings.Join(names, ", ")+")", f.setLimit)
	fs.Var(&f.rules, "rules", "add fingerprint rules from `FILE` (repeatable)")
	fs.IntVar(&f.workers, "workers", 0, "files hashed and fingerprinted at once (0 = one per CPU)")
	fs.BoolVar(&f.quiet, "q", false, "quiet: no progress, no warnings on stderr (errors are still printed)")
	fs.BoolVar(&f.verbose, "v", false, "verbose: on stderr, each container walked, the walk's cost against its limits, and every component sighting with its evidence")
}

// setLimit sets an inspect or, when the command has them, a compose limit.
func (f *inspectFlags) setLimit(s string) error {
	name, val, isCompose := composeLimit(s)
	if f.composeLimits == nil || !isCompose {
		return f.limits.Set(s)
	}
	n, err := inspect.ParseLimitValue(val)
	if err != nil {
		return fmt.Errorf("limit %q: bad value", s)
	}
	return f.composeLimits.Set(name, n)
}

// composeLimit splits a --limit value name=value and reports whether the
// name is one of compose's limits (which only commands that write
// documents have).
func composeLimit(s string) (name, val string, ok bool) {
	name, val, _ = strings.Cut(s, "=")
	return name, val, slices.Contains(compose.LimitNames(), name)
}

// options builds inspect.Options, loading user rules.
func (f *inspectFlags) options(stderr io.Writer) (inspect.Options, error) {
	if f.workers < 0 {
		return inspect.Options{}, fmt.Errorf("--workers %d: want 0 (one per CPU) or more", f.workers)
	}
	if f.quiet && f.verbose {
		return inspect.Options{}, fmt.Errorf("-q and -v: choose one")
	}
	opts := inspect.Options{Limits: f.limits, Workers: f.workers}
	if f.verbose {
		opts.Trace = stderr
	}
	if len(f.rules) > 0 {
		var extra []fingerprint.Rule
		for _, p := range f.rules {
			r, err := os.Open(p)
			if err != nil {
				return opts, err
			}
			rules, err := fingerprint.LoadRules(r)
			r.Close()
			if err != nil {
				return opts, fmt.Errorf("%s: %w", p, err)
			}
			extra = append(extra, rules...)
		}
		eng, err := fingerprint.New(extra)
		if err != nil {
			return opts, err
		}
		opts.Engine = eng
	}
	if isTerminal(stderr) && !f.quiet {
		opts.Progress = stderr
	}
	return opts, nil
}

// inspectInstaller runs inspect on a file. It returns exitBadInput with a
// message when the file cannot be read at all.
func inspectInstaller(path string, f *inspectFlags, stderr io.Writer) (*inspect.Inventory, int) {
	opts, err := f.options(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return nil, exitUsage
	}
	var inv *inspect.Inventory
	if path == "-" {
		inv, err = inspectStdin(opts)
	} else {
		inv, err = inspect.InspectFile(path, opts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return nil, exitBadInput
	}
	if f.verbose {
		traceComponents(inv, stderr)
	}
	return inv, exitOK
}

// traceComponents prints every component sighting with its evidence (-v):
// which file, which rule or cataloger, at which offset or resource.
func traceComponents(inv *inspect.Inventory, stderr io.Writer) {
	for _, c := range inv.Components {
		fmt.Fprintf(stderr, "installer-sbom: sighting %s %s (%s)\n", c.Name, orDash(c.Version), c.Linkage)
		for _, e := range c.Evidence {
			where := e.Resource
			if e.Offset >= 0 {
				where = fmt.Sprintf("offset %d (0x%x)", e.Offset, e.Offset)
			}
			line := fmt.Sprintf("installer-sbom:   %s: %s at %s", e.File, e.Rule, where)
			if e.Match != "" {
				line += fmt.Sprintf(" %q", e.Match)
			}
			fmt.Fprintln(stderr, line)
		}
	}
}

// stdin is where "-" reads an installer from (a variable for tests).
var stdin io.Reader = os.Stdin

// inspectStdin reads an installer from stdin whole, within the entry-bytes
// limit (a stream cannot be read where the format points), and inspects it
// as "stdin". No files beside it can be read.
func inspectStdin(opts inspect.Options) (*inspect.Inventory, error) {
	l := opts.Limits
	if l == (inspect.Limits{}) {
		l = inspect.DefaultLimits()
	}
	b, err := io.ReadAll(io.LimitReader(stdin, l.EntryBytes+1))
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	if int64(len(b)) > l.EntryBytes {
		return nil, fmt.Errorf("stdin: more than the entry-bytes limit of %d bytes; give the file's path instead", l.EntryBytes)
	}
	return inspect.Inspect(bytes.NewReader(b), int64(len(b)), "stdin", opts)
}

// reportProblems prints each problem on stderr, naming its severity, file,
// layer and offset; with quiet, only the errors.
func reportProblems(inv *inspect.Inventory, stderr io.Writer, quiet bool) {
	for _, p := range inv.Problems {
		if quiet && !p.IsError() {
			continue
		}
		fmt.Fprintf(stderr, "installer-sbom: %s\n", formatProblem(p))
	}
}

func formatProblem(p inspect.Problem) string {
	sev := inspect.SeverityWarning
	if p.IsError() {
		sev = inspect.SeverityError
	}
	where := sev + ": " + p.Path + ": " + p.Layer
	if p.Offset >= 0 {
		where += fmt.Sprintf(" at offset %d (0x%x)", p.Offset, p.Offset)
	}
	return where + ": " + p.Message
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// parseFlags parses a command's flags, allowing flags after positional
// arguments (installer-sbom inspect FILE --json), as users type them.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, int) {
	fs.SetOutput(stderr)
	args, configPath, err := extractConfigFlag(args)
	if err != nil {
		fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
		return nil, exitUsage
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			// Asked-for help is the output: stdout. Usage printed for a
			// mistake stays on stderr.
			fs.SetOutput(stdout)
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK
			}
			return nil, exitUsage
		}
		args = fs.Args()
		if len(args) == 0 || args[0] == "--" {
			if len(args) > 0 {
				pos = append(pos, args[1:]...)
			}
			// Flags not on the command line come from the environment
			// and the configuration file (config.go).
			if err := applyConfig(fs, configPath, fs.Name()); err != nil {
				fmt.Fprintf(stderr, "installer-sbom: %v\n", err)
				return nil, exitUsage
			}
			return pos, -1
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// printFlags lists a command's flags as users type them and README shows
// them: --name for long names, -q for one letter (the flag package's own
// listing writes every name with one dash).
func printFlags(fs *flag.FlagSet) {
	w := fs.Output()
	fs.VisitAll(func(f *flag.Flag) {
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		arg, usage := flag.UnquoteUsage(f)
		line := "  " + dash + f.Name
		if arg != "" {
			line += " " + arg
		}
		if len(line) <= 4 {
			line += "\t"
		} else {
			line += "\n    \t"
		}
		line += strings.ReplaceAll(usage, "\n", "\n    \t")
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "[]" {
			line += fmt.Sprintf(" (default %s)", d)
		}
		fmt.Fprintln(w, line)
	})
}
