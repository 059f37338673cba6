package sbomdiff

import (
	"fmt"
	"github.com/installer-sbom/installer-sbom/inspect"
	"strings"
)

// Verification is the result of checking an installer against its SBOM.
type Verification struct {
	// OK: the installer is what the SBOM describes (possibly re-signed).
	OK bool `json:"ok"`
	// SignatureOnly: the installer's checksum differs from the SBOM's but
	// its signature-invariant identity is the one the SBOM records and
	// nothing else differs; Note says so.
	SignatureOnly bool   `json:"signatureOnly"`
	Note          string `json:"note,omitempty"`
	// Checksum describes the installer checksum comparison; ChecksumOK is
	// true when the SHA-256 values are equal.
	ChecksumOK bool   `json:"checksumOK"`
	Checksum   string `json:"checksum"`
	// Differences lists every difference, one readable line each, in the
	// order: checksum, files missing, extra, changed, components missing,
	// extra, at another version.
	Differences []string `json:"differences"`
	// Diff is the detailed comparison, the SBOM as Old and the installer
	// as New.
	Diff *Diff `json:"diff"`
	// FilesChecked and ComponentsChecked count what the SBOM lists.
	FilesChecked      int `json:"filesChecked"`
	ComponentsChecked int `json:"componentsChecked"`
}

// Verify checks an installer's model against an SBOM's: the installer
// checksum, every file (missing, extra, other contents, matched by path) and
// every component (missing, extra, other version). A component whose version
// the SBOM took from a source SBOM is compared by name only, because the
// bytes do not show its version.
//
// When the SHA-256 values differ, the installer still verifies if the SBOM
// records a signature-invariant identity, the installer's identity has the
// same algorithm and digest, and no file or component differs: then only the
// code signature changed (the installer was signed, re-signed or had its
// signature removed after the SBOM was composed), and Note begins with
// "only the code signature differs: ". Without an identity in the SBOM, or
// with different identities, a checksum difference is a failure.
func Verify(sbom, installer *Model) *Verification {
	v := &Verification{Diff: compare(sbom, installer, compareOptions{bytesVersions: true, exactPaths: true}),
		FilesChecked: len(sbom.Files), ComponentsChecked: len(sbom.Components), Differences: []string{}}
	d := v.Diff

	identityMatches := sbom.Identity != nil && installer.Identity != nil &&
		sbom.Identity.Algorithm == installer.Identity.Algorithm && sbom.Identity.Digest == installer.Identity.Digest
	if identityMatches {
		// Parts that signing itself adds or rewrites are not compared
		// when the signature-invariant identity matches.
		d.dropFiles(signingParts[installer.Identity.Algorithm])
	}
	switch {
	case sbom.SHA256 == "":
		v.Checksum = "the SBOM records no SHA-256 checksum for the installer"
	case sbom.SHA256 == installer.SHA256:
		v.ChecksumOK = true
		v.Checksum = "installer sha256 " + installer.SHA256 + " matches"
	default:
		v.Checksum = fmt.Sprintf("installer checksum differs: the SBOM records sha256 %s, the installer's is %s", sbom.SHA256, installer.SHA256)
		switch {
		case sbom.Identity == nil:
			v.Checksum += "; the SBOM records no signature-invariant identity"
		case installer.Identity == nil:
			v.Checksum += fmt.Sprintf("; the SBOM records identity %s but the installer has none", sbom.Identity)
		case sbom.Identity.Algorithm != installer.Identity.Algorithm:
			v.Checksum += fmt.Sprintf("; the SBOM records identity %s but the installer's is %s (another algorithm)", sbom.Identity, installer.Identity)
		case !identityMatches:
			v.Checksum += fmt.Sprintf("; the identity differs too: SBOM %s, installer %s", sbom.Identity, installer.Identity)
		default:
			v.Checksum += fmt.Sprintf("; its %s identity %s matches the SBOM", installer.Identity.Algorithm, installer.Identity.Digest)
		}
	}

	var diffs []string
	for _, f := range d.FilesRemoved {
		diffs = append(diffs, fmt.Sprintf("file missing: %s (in the SBOM with sha256 %s, not in the installer)", f.Path, orNone(f.SHA256)))
	}
	for _, f := range d.FilesAdded {
		diffs = append(diffs, fmt.Sprintf("file extra: %s (in the installer with sha256 %s, not in the SBOM)", f.Path, orNone(f.SHA256)))
	}
	for _, f := range d.FilesChanged {
		diffs = append(diffs, fmt.Sprintf("file changed: %s: the SBOM records %s, the installer has %s", f.Path, strings.Join(f.Old, ", "), strings.Join(f.New, ", ")))
	}
	for _, a := range d.ActionsAdded {
		diffs = append(diffs, "install action not in the SBOM: "+a)
	}
	for _, a := range d.ActionsRemoved {
		diffs = append(diffs, "install action in the SBOM, not in the installer: "+a)
	}
	for _, c := range d.ComponentsRemoved {
		diffs = append(diffs, fmt.Sprintf("component missing: %s (in the SBOM, not found in the installer)", componentLabel(c)))
	}
	for _, c := range d.ComponentsAdded {
		diffs = append(diffs, fmt.Sprintf("component extra: %s (found in the installer, not in the SBOM)", componentLabel(c)))
	}
	for _, c := range d.ComponentsChanged {
		diffs = append(diffs, fmt.Sprintf("component other version: %s: the SBOM lists %s, the installer has %s", c.Name, versionList(c.Old), versionList(c.New)))
	}

	// An installer whose own signature does not verify was changed after
	// it was signed: whatever the SBOM says, it is not the signed artifact.
	for _, s := range installer.BrokenSignatures {
		diffs = append([]string{"the installer's " + s + " does not verify: its bytes changed after signing"}, diffs...)
	}
	contentMatches := !d.Differs() && len(installer.BrokenSignatures) == 0
	switch {
	case v.ChecksumOK && contentMatches:
		v.OK = true
	case !v.ChecksumOK && identityMatches && contentMatches && installer.SHA256 != "":
		v.OK, v.SignatureOnly = true, true
		v.Note = fmt.Sprintf("only the code signature differs: the installer's sha256 is %s, not the %s the SBOM records, but its signature-invariant %s identity %s is the one the SBOM records, and all %d files and %d components match",
			installer.SHA256, sbom.SHA256, installer.Identity.Algorithm, installer.Identity.Digest, v.FilesChecked, v.ComponentsChecked)
	default:
		if !v.ChecksumOK {
			v.Differences = append(v.Differences, v.Checksum)
		}
	}
	v.Differences = append(v.Differences, diffs...)
	return v
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func componentLabel(c Component) string {
	if c.Version == "" {
		return c.Name + " (no version)"
	}
	return c.Name + " " + c.Version
}

func versionList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v
		if v == "" {
			out[i] = "no version"
		}
	}
	return strings.Join(out, ", ")
}

// signingParts are, per identity algorithm, the top-level files that code
// signing adds or rewrites and that the identity therefore leaves out: an
// MSIX/AppX signing tool adds AppxSignature.p7x and registers it in
// [Content_Types].xml (a list of MIME types; the payload, manifest
// included, is what the block map identity hashes).
var signingParts = map[string]map[string]bool{
	inspect.IdentityAlgorithmMSIX: {"AppxSignature.p7x": true, "[Content_Types].xml": true},
}

// dropFiles removes the differences of the given paths from the diff.
func (d *Diff) dropFiles(paths map[string]bool) {
	if len(paths) == 0 {
		return
	}
	keep := func(fs []File) []File {
		out := fs[:0]
		for _, f := range fs {
			if !paths[f.Path] {
				out = append(out, f)
			}
		}
		return out
	}
	d.FilesAdded, d.FilesRemoved = keep(d.FilesAdded), keep(d.FilesRemoved)
	changed := d.FilesChanged[:0]
	for _, f := range d.FilesChanged {
		if !paths[f.Path] {
			changed = append(changed, f)
		}
	}
	d.FilesChanged = changed
	d.Summary.FilesAdded, d.Summary.FilesRemoved, d.Summary.FilesChanged = len(d.FilesAdded), len(d.FilesRemoved), len(d.FilesChanged)
}
