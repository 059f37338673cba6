package sbomdiff

import (
	"fmt"
	"io"
	"strings"
)

// WriteVerification writes a verification as text: one verdict line, then
// one line per difference.
func WriteVerification(w io.Writer, installer, sbom string, v *Verification) error {
	var b strings.Builder
	switch {
	case v.SignatureOnly:
		fmt.Fprintf(&b, "OK: %s matches %s\n%s\n", installer, sbom, v.Note)
	case v.OK:
		fmt.Fprintf(&b, "OK: %s matches %s: %s; all %d files and %d components match\n", installer, sbom, v.Checksum, v.FilesChecked, v.ComponentsChecked)
	default:
		fmt.Fprintf(&b, "FAIL: %s does not match %s: %d difference(s)\n", installer, sbom, len(v.Differences))
		for _, d := range v.Differences {
			fmt.Fprintf(&b, "  %s\n", d)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteDiff writes a diff as text: the summary first, then the details
// (components changed, added, removed; files changed, added, removed).
func WriteDiff(w io.Writer, d *Diff) error {
	var b strings.Builder
	s := d.Summary
	fmt.Fprintf(&b, "old: %s\nnew: %s\n", sideLabel(d.Old), sideLabel(d.New))
	down := ""
	if s.ComponentsDowngraded > 0 {
		down = fmt.Sprintf(" (%d downgraded)", s.ComponentsDowngraded)
	}
	fmt.Fprintf(&b, "components: %d changed%s, %d added, %d removed, %d unchanged\n",
		s.ComponentsChanged, down, s.ComponentsAdded, s.ComponentsRemoved, s.ComponentsUnchanged)
	fmt.Fprintf(&b, "files: %d changed, %d added, %d removed, %d unchanged\n",
		s.FilesChanged, s.FilesAdded, s.FilesRemoved, s.FilesUnchanged)
	if n, m := len(d.ActionsAdded), len(d.ActionsRemoved); n+m > 0 {
		// What the installer runs changed: listed before everything else.
		fmt.Fprintf(&b, "install actions: %d added, %d removed\n", n, m)
		for _, a := range d.ActionsRemoved {
			fmt.Fprintf(&b, "  - %s\n", a)
		}
		for _, a := range d.ActionsAdded {
			fmt.Fprintf(&b, "  + %s\n", a)
		}
	}
	if sc := d.Signatures; sc != nil {
		b.WriteString("signatures changed:\n")
		writeSignatures(&b, "-", sc.Old)
		writeSignatures(&b, "+", sc.New)
	}
	if len(d.ComponentsChanged) > 0 {
		b.WriteString("\ncomponents changed:\n")
		for _, c := range d.ComponentsChanged {
			mark := ""
			if c.Downgrade {
				mark = "  (downgrade)"
			}
			fmt.Fprintf(&b, "  %s %s → %s%s\n", c.Name, versionList(c.Old), versionList(c.New), mark)
		}
	}
	listComponents(&b, "components added", d.ComponentsAdded)
	listComponents(&b, "components removed", d.ComponentsRemoved)
	if len(d.FilesChanged) > 0 {
		b.WriteString("\nfiles changed:\n")
		for _, f := range d.FilesChanged {
			p := f.Path
			if f.OldPath != "" {
				p = f.OldPath + " → " + f.Path
			}
			fmt.Fprintf(&b, "  %s  %s → %s\n", p, shortList(f.Old), shortList(f.New))
		}
	}
	listFiles(&b, "files added", d.FilesAdded)
	listFiles(&b, "files removed", d.FilesRemoved)
	_, err := io.WriteString(w, b.String())
	return err
}

func sideLabel(s Side) string {
	l := s.Source + " (" + s.Format
	if s.Name != "" {
		l += ", " + s.Name
		if s.Version != "" {
			l += " " + s.Version
		}
	}
	if s.SHA256 != "" {
		l += ", sha256 " + s.SHA256
	}
	return l + ")"
}

func listComponents(b *strings.Builder, title string, cs []Component) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, c := range cs {
		fmt.Fprintf(b, "  %s\n", componentLabel(c))
	}
}

func listFiles(b *strings.Builder, title string, fs []File) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	for _, f := range fs {
		fmt.Fprintf(b, "  %s\n", f.Path)
	}
}

// shortList abbreviates hex digests to 12 characters for reading; --json
// has them whole.
func shortList(ds []string) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		if len(d) > 12 {
			d = d[:12]
		}
		out[i] = d
	}
	return strings.Join(out, ",")
}

// writeSignatures lists one side's signatures a line each, marked like
// a unified diff, so a signer that changed or stopped verifying reads
// at a glance.
func writeSignatures(b *strings.Builder, mark string, sigs []string) {
	if len(sigs) == 0 {
		fmt.Fprintf(b, "  %s (unsigned)\n", mark)
	}
	for _, s := range sigs {
		fmt.Fprintf(b, "  %s %s\n", mark, s)
	}
}
