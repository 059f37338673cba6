package inspect

import (
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/inspect/nsis"
	"github.com/installer-sbom/installer-sbom/inspect/pehdr"
)

// An NSIS installer is a PE file (the exehead stub) with its script and
// files appended. Its firstheader usually lies past the 64 KiB head
// (Debian's stubs are 89-97 KiB), so Match claims a PE whose stub looks
// like exehead's and Open decides: a PE that holds no NSIS data after all
// is an ordinary executable, inventoried as one without a word. A Burn
// bundle (Priority 10) is tried first.
func init() {
	RegisterFormat(Format{
		Name:     "nsis",
		Layer:    "nsis",
		Priority: 5,
		Match:    func(p Probe) bool { return nsis.Match(p.Head, p.Size) },
		Open:     openNSIS,
	})
}

func openNSIS(src Source) (Container, error) {
	l := DefaultLimits()
	if src.Limits != nil {
		l = *src.Limits
	}
	in, err := nsis.Open(src.R, src.Size, &nsis.Options{
		MaxHeaderBytes: l.TableBytes,
		MaxItems:       int(min(l.Entries, 1<<31-1)),
		MaxRatio:       l.Ratio,
		MaxTotalBytes:  l.TotalBytes,
		MaxFileBytes:   l.EntryBytes,
		Charge:         src.charger("nsis"),
	})
	if err != nil {
		if errors.Is(err, nsis.ErrNotNSIS) {
			return nil, &notContainerError{err}
		}
		return nil, nsisError(err, l)
	}
	return &nsisContainer{in: in, r: src.R, size: src.Size, id: src.Name, limits: l}, nil
}

// nsisError turns the reader's limit errors into the walk's LimitError,
// named by the flag that raises each.
func nsisError(err error, l Limits) error {
	var le *nsis.LimitError
	if err == nil || !errors.As(err, &le) {
		return err
	}
	name, value := le.Limit, le.Value
	switch le.Limit {
	case "MaxHeaderBytes":
		name, value = "table-bytes", l.TableBytes
	case "MaxItems":
		name, value = "entries", l.Entries
	case "MaxRatio":
		name, value = "ratio", l.Ratio
	case "MaxTotalBytes":
		name, value = "total-bytes", l.TotalBytes
	case "MaxFileBytes":
		name, value = "entry-bytes", l.EntryBytes
	}
	return &LimitError{Limit: name, Value: value, Layer: "nsis", What: err.Error()}
}

// nsisContainer adapts an NSIS installer: its entries are the files the
// script writes, named by install path ($INSTDIR/bin/x.dll,
// $PLUGINSDIR/nsExec.dll); an uninstaller it writes is itself an NSIS
// installer, walked as a nested container.
type nsisContainer struct {
	in     *nsis.Installer
	r      io.ReaderAt
	size   int64
	id     string // the package ID: the installer's nested path
	limits Limits
}

func (c *nsisContainer) Walk(fn func(Entry, io.Reader) error) error {
	err := c.in.Walk(func(it nsis.Item, d nsis.Data, r io.Reader, err error) error {
		e := Entry{Name: it.Path, Size: d.Size, Packed: d.Packed, InstallPath: it.Path, Package: c.id}
		if err != nil {
			e.Err = nsisError(err, c.limits)
			return fn(e, nil)
		}
		return fn(e, &nsisEntryReader{r: r, limits: c.limits})
	})
	return nsisError(err, c.limits)
}

// nsisEntryReader maps limit errors met while a file streams.
type nsisEntryReader struct {
	r      io.Reader
	limits Limits
}

func (r *nsisEntryReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = nsisError(err, r.limits)
	}
	return n, err
}

// Describe returns the installer as a package (its Name, default install
// directory, how it is compressed, its plug-ins and uninstallers), a
// truncation (error) or CRC mismatch (warning), and its Authenticode
// signature and signature-invariant identity.
func (c *nsisContainer) Describe() Description {
	in := c.in
	var plugins, uninstallers []string
	seen := map[string]bool{}
	for _, it := range in.Items {
		switch it.Kind {
		case nsis.KindPlugin:
			if name := path.Base(it.Path); !seen[strings.ToLower(name)] {
				seen[strings.ToLower(name)] = true
				plugins = append(plugins, name)
			}
		case nsis.KindUninstaller:
			uninstallers = append(uninstallers, it.Path)
		}
	}
	sort.Strings(plugins)
	props := map[string]string{
		"nsis.compression": in.Method.String(),
		"nsis.solid":       yesNo(in.Solid),
		"nsis.unicode":     yesNo(in.Unicode),
	}
	if in.Uninstaller() {
		props["nsis.uninstaller"] = "yes"
	}
	if len(plugins) > 0 {
		props["nsis.plugins"] = strings.Join(plugins, ",")
	}
	if len(uninstallers) > 0 {
		props["nsis.uninstallers"] = strings.Join(uninstallers, ",")
	}
	d := Description{Packages: []Package{{
		ID: c.id, Name: in.Name, Format: "nsis", InstallLocation: in.InstallDir, Properties: props,
	}}}
	if in.Truncated {
		d.Problems = append(d.Problems, Problem{Layer: "nsis", Offset: c.size, Severity: SeverityError, Message: fmtTruncated(in, c.size)})
	} else if err := in.CheckCRC(); err != nil {
		p := problemFrom("", "nsis", err)
		if errors.Is(err, nsis.ErrCRC) {
			p.Severity = SeverityWarning
		}
		d.Problems = append(d.Problems, p)
	}
	sig, id, probs := authenticodeDescription(c.r, c.size, "")
	if in.Uninstaller() && inheritedCertificate(c.r, c.size) {
		// exehead writes an uninstaller from its own first bytes, so the
		// uninstaller of a signed installer points at the installer's
		// certificate table, past its own end: not a signature of its own,
		// and not damage.
		sig, probs = nil, nil
	}
	if sig != nil {
		d.Signatures = append(d.Signatures, *sig)
	}
	d.Identity = id
	d.Problems = append(d.Problems, probs...)
	d.Actions = nsisActions(in)
	return d
}

// nsisActions are what the script runs or registers: programs (Exec,
// ExecWait, ExecShell), DLL and plug-in functions (RegDLL, CallInstDLL,
// plugin::Function), values under a Run key. The script's control flow is
// not followed: every such instruction is listed. They run with the
// installer's own rights (whatever elevation it asked for).
func nsisActions(in *nsis.Installer) []Action {
	var out []Action
	for _, r := range in.Runs {
		a := Action{Kind: r.Kind, Privilege: msi.PrivilegeUser, Offset: -1,
			Evidence: fmt.Sprintf("script instruction %d", r.Instruction), When: "when the installer runs"}
		switch r.Kind {
		case "exec":
			a.Name, a.Runs = path.Base(strings.ReplaceAll(firstWord(r.Command), `\`, "/")), "command line "+r.Command
			if r.Wait {
				a.When += ", waiting for it"
			}
			a.Fetches = msi.FindFetch(r.Command)
		case "shell-exec":
			a.Name, a.Runs, a.Target = path.Base(strings.ReplaceAll(r.Command, `\`, "/")), "shell opens "+r.Command, r.Args
			a.Fetches = msi.FindFetch(r.Command + " " + r.Args)
		case "dll-call":
			a.Name, a.Runs, a.Target = path.Base(strings.ReplaceAll(r.Command, `\`, "/"))+"::"+r.Args, "function "+r.Args+" of "+r.Command, ""
		case "autostart":
			a.Name, a.Runs, a.Target = r.Name, "program registered under "+r.Command, r.Args
			a.When, a.Privilege = "at every logon", msi.PrivilegeEachUser
			if strings.HasPrefix(r.Command, "HKCU") {
				a.Privilege = msi.PrivilegeUser + " at logon"
			}
			a.Fetches = msi.FindFetch(r.Args)
		}
		out = append(out, a)
	}
	return out
}

// firstWord is a command line's program: its first word, unquoted.
func firstWord(cmd string) string {
	cmd = strings.TrimSpace(cmd)
	if strings.HasPrefix(cmd, `"`) {
		if end := strings.Index(cmd[1:], `"`); end >= 0 {
			return cmd[1 : 1+end]
		}
	}
	if i := strings.IndexAny(cmd, " \t"); i >= 0 {
		return cmd[:i]
	}
	return cmd
}

// inheritedCertificate reports a PE whose certificate table starts at or
// past its end.
func inheritedCertificate(r io.ReaderAt, size int64) bool {
	h, err := pehdr.ReadHeaders(r, size)
	if err != nil {
		return false
	}
	off, n := h.CertificateTable()
	return n > 0 && off >= size
}

func fmtTruncated(in *nsis.Installer, size int64) string {
	return fmt.Sprintf("installer data of %d bytes declared at offset %d (firstheader), but the file ends at %d: the files whose data is missing are not read",
		in.ArchiveSize, in.Offset, size)
}
