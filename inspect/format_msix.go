package inspect

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/installer-sbom/installer-sbom/inspect/appx"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
	"github.com/installer-sbom/installer-sbom/inspect/zip"
)

// MSIX/AppX packages and bundles are zips with an identity
// (AppxManifest.xml, AppxMetadata/AppxBundleManifest.xml), a block map
// that hashes every payload file in 64 KiB blocks, and a signature over
// the zip's parts. The package becomes a sub-installer package whose files
// install under WindowsApps/<package full name>; a bundle lists its
// packages, which are walked as nested packages. A payload file whose
// bytes do not match the block map, a file the map does not list or one
// it lists that is missing are warnings: everything is still read.
func init() {
	RegisterFormat(Format{
		Name:     "msix",
		Layer:    "msix",
		Priority: 1, // before plain zip
		Match:    func(p Probe) bool { return zip.Magic(p.Head) && looksLikeAppx(p) },
		Open:     openMSIX,
	})
}

// looksLikeAppx: makeappx and every signing tool write the block map and
// content types last, so their central directory records are in the tail.
func looksLikeAppx(p Probe) bool {
	for _, b := range [][]byte{p.Tail, p.Head} {
		if bytes.Contains(b, []byte(appx.BlockMapName)) || bytes.Contains(b, []byte(appx.BundleManifestName)) {
			return true
		}
	}
	return false
}

// IdentityAlgorithmMSIX names the signature-invariant identity of a
// package: the SHA-256 of its block map, which hashes every payload file
// (the manifest included) and which signing does not change (signing adds
// AppxSignature.p7x and rewrites [Content_Types].xml).
const IdentityAlgorithmMSIX = "msix-blockmap-sha256"

type msixContainer struct {
	a        *zip.Archive
	name     string // nested path of the package
	bm       *appx.BlockMap
	pkgID    string // the package's ID for its payload files ("" for a bundle)
	install  string // install directory of the payload
	desc     Description
	problems []Problem
}

func openMSIX(src Source) (Container, error) {
	l := DefaultLimits()
	if src.Limits != nil {
		l = *src.Limits
	}
	a, err := zip.Open(src.R, src.Size, &zip.Options{MaxEntries: int(min(l.Entries, 1<<31-1))})
	if err != nil {
		return nil, err
	}
	c := &msixContainer{a: a, name: src.Name}
	index := map[string]int{}
	for i, e := range a.Entries() {
		if _, dup := index[e.Name]; !dup {
			index[e.Name] = i
		}
	}
	maxPart := min(l.TableBytes, appx.MaxPartBytes)
	part := func(name string) ([]byte, bool, error) {
		i, ok := index[name]
		if !ok {
			return nil, false, nil
		}
		e := a.Entries()[i]
		if e.Size > maxPart {
			return nil, true, &LimitError{Limit: "table-bytes", Value: maxPart, Layer: "msix", What: fmt.Sprintf("%s declares %d bytes", name, e.Size)}
		}
		rc, err := a.Open(i)
		if err != nil {
			return nil, true, err
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxPart+1))
		if err != nil {
			return nil, true, err
		}
		return b, true, nil
	}
	warn := func(where string, err error) {
		p := problemFrom(where, "msix", err)
		p.Severity = SeverityWarning
		c.problems = append(c.problems, p)
	}
	kind := msixKind(src.Name)
	var self Package
	if b, ok, err := part(appx.BundleManifestName); ok {
		if err == nil {
			var m *appx.BundleManifest
			if m, err = appx.ParseBundleManifest(b); err == nil {
				self = bundlePackages(c, m, kind, index)
			}
		}
		if err != nil {
			warn(appx.BundleManifestName, err)
		}
	} else if b, ok, err := part(appx.ManifestName); ok {
		if err == nil {
			var m *appx.Manifest
			if m, err = appx.ParseManifest(b); err == nil {
				self = manifestPackage(m, kind)
				c.pkgID, c.install = self.ID, self.InstallLocation
				c.desc.Actions = msixActions(m, c.install)
			}
		}
		if err != nil {
			warn(appx.ManifestName, err)
		}
	} else {
		warn("", fmt.Errorf("neither %s nor %s: not an MSIX/AppX package, read as a zip", appx.ManifestName, appx.BundleManifestName))
	}
	if self.ID != "" {
		c.desc.Packages = append([]Package{self}, c.desc.Packages...)
	}
	if b, ok, err := part(appx.BlockMapName); !ok {
		if self.ID != "" {
			warn("", fmt.Errorf("no %s: the payload files cannot be checked", appx.BlockMapName))
		}
	} else if err != nil {
		warn(appx.BlockMapName, err)
	} else if bm, err := appx.ParseBlockMap(b, len(a.Entries()), maxBlocks(a)); err != nil {
		warn(appx.BlockMapName, err)
	} else {
		c.bm = bm
		sum := sha256.Sum256(b)
		c.desc.Identity = &Identity{Algorithm: IdentityAlgorithmMSIX, Digest: hex.EncodeToString(sum[:])}
	}
	if p7x, ok, err := part(appx.SignatureName); ok {
		sig := Signature{Kind: "msix"}
		var res *appx.Signature
		if err == nil {
			res, err = appx.CheckSignature(p7x, src.R, src.Size, part, c.bmHash(), l.TableBytes, int(min(l.Entries, 1<<31-1)))
		}
		var msgs []string
		if res != nil {
			sig.Signer, sig.Issuer, sig.Serial, sig.Chain = res.Signer, res.Issuer, res.Serial, res.Chain
			sig.DigestAlgorithm = res.Algorithm
			if h := c.bmHash(); h != 0 {
				sig.DigestAlgorithm = strings.ToLower(strings.ReplaceAll(h.String(), "-", ""))
			}
			sig.DigestMatches = err == nil && res.DigestMatches
			if !res.Time.IsZero() {
				sig.Time = res.Time.UTC().Format(time.RFC3339)
			}
			msgs = append(msgs, res.Mismatches...)
			if !res.SignerVerified {
				msgs = append(msgs, "signer signature not verified: "+res.VerifyError)
			}
		}
		if err != nil {
			msgs = append([]string{"signature unreadable: " + err.Error()}, msgs...)
		}
		sig.Message = strings.Join(msgs, "; ")
		c.desc.Signatures = append(c.desc.Signatures, sig)
	}
	return c, nil
}

func (c *msixContainer) bmHash() crypto.Hash {
	if c.bm != nil {
		return c.bm.Hash
	}
	return 0
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// msixKind is the package format by the file's extension: the bytes do
// not tell MSIX from AppX.
func msixKind(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".appx", ".appxbundle", ".msixbundle", ".msix", ".eappx", ".emsix":
		return ext[1:]
	}
	return "msix"
}

func manifestPackage(m *appx.Manifest, kind string) Package {
	id := m.Identity
	full := id.FullName()
	props := map[string]string{
		"publisher": id.Publisher, "publisherId": appx.PublisherID(id.Publisher), "packageFamilyName": id.FamilyName(),
		"processorArchitecture": strings.ToLower(orDefault(id.ProcessorArchitecture, "neutral")),
	}
	if id.ResourceID != "" {
		props["resourceId"] = id.ResourceID
	}
	if m.DisplayName != "" {
		props["displayName"] = m.DisplayName
	}
	return Package{ID: full, Name: id.Name, Version: id.Version, Format: kind,
		Manufacturer: orDefault(m.PublisherDisplayName, id.Publisher), InstallLocation: "WindowsApps/" + full, Properties: props}
}

// bundlePackages describes a bundle and the packages its manifest lists;
// each is a file of the bundle, walked as a package of its own.
func bundlePackages(c *msixContainer, m *appx.BundleManifest, kind string, index map[string]int) Package {
	id := m.Identity
	// A bundle's full name has "~" where a package's has its resource ID.
	bid := id
	bid.ResourceID = "~"
	self := Package{ID: bid.FullName(), Name: id.Name, Version: id.Version, Format: kind, Manufacturer: id.Publisher,
		Properties: map[string]string{"publisher": id.Publisher, "publisherId": appx.PublisherID(id.Publisher), "packageFamilyName": id.FamilyName()}}
	for _, p := range m.Packages {
		pid := appx.Identity{Name: id.Name, Publisher: id.Publisher, Version: p.Version, ProcessorArchitecture: p.ProcessorArchitecture, ResourceID: p.ResourceID}
		entry := strings.TrimPrefix(appx.EntryName(p.FileName), "/")
		pkg := Package{ID: pid.FullName(), Name: id.Name, Version: p.Version, Format: msixKind(p.FileName), Path: entry, Embedded: true,
			Parent: self.ID, Size: p.Size, Properties: map[string]string{"bundlePackageType": orDefault(p.Type, "application"),
				"processorArchitecture": strings.ToLower(orDefault(p.ProcessorArchitecture, "neutral"))}}
		if p.ResourceID != "" {
			pkg.Properties["resourceId"] = p.ResourceID
		}
		if _, ok := index[entry]; !ok {
			pkg.Path, pkg.Embedded, pkg.Missing = "", false, true
			c.problems = append(c.problems, Problem{Path: "", Layer: "msix", Offset: -1, Severity: SeverityError,
				Message: fmt.Sprintf("the bundle manifest lists package %s, which the bundle does not contain", p.FileName)})
		}
		c.desc.Packages = append(c.desc.Packages, pkg)
	}
	return self
}

func (c *msixContainer) Walk(fn func(Entry, io.Reader) error) error {
	listed := map[string]bool{}
	for i, e := range c.a.Entries() {
		entry := Entry{Name: e.Name, Size: e.Size, Packed: e.Packed, Dir: e.Dir}
		payload := !e.Dir && !appx.Footprint(e.Name) && e.Name != appx.BundleManifestName
		// Windows installs every part but the content types into the
		// package's folder (the block map and signature too).
		if !e.Dir && e.Name != appx.ContentTypesName && c.pkgID != "" {
			entry.Package = c.pkgID
			entry.InstallPath = c.install + "/" + e.Name
		}
		if e.Dir {
			if err := fn(entry, nil); err != nil {
				return err
			}
			continue
		}
		var check *appx.Checker
		if c.bm != nil && payload {
			if listed[e.Name] {
				c.warn(e.Name, "listed twice in the zip; the block map checks the first")
			} else if check = c.bm.Check(e.Name); check == nil {
				c.warn(e.Name, "not in the block map: nothing signed vouches for its bytes")
			}
			listed[e.Name] = true
		}
		rc, err := c.a.Open(i)
		if err != nil {
			entry.Err = err
			if err := fn(entry, nil); err != nil {
				return err
			}
			continue
		}
		var r io.Reader = rc
		if check != nil {
			r = io.TeeReader(rc, check)
		}
		err = fn(entry, r)
		if err == nil && check != nil {
			// The walker may stop reading early; the check needs every byte.
			_, err2 := io.Copy(io.Discard, r)
			if err2 == nil {
				if bad := check.Done(); bad != nil {
					c.warn(e.Name, "does not match the block map: "+bad.Error())
				}
			}
		}
		rc.Close()
		if err != nil {
			return err
		}
	}
	if c.bm != nil {
		for _, name := range c.bm.Order {
			if !listed[name] {
				c.warn("", fmt.Sprintf("the block map lists %s, which the package does not contain", name))
			}
		}
	}
	return nil
}

func (c *msixContainer) warn(where, msg string) {
	c.problems = append(c.problems, Problem{Path: where, Layer: "msix", Offset: -1, Severity: SeverityWarning, Message: msg})
}

func (c *msixContainer) Describe() Description {
	d := c.desc
	d.Problems = append(append([]Problem(nil), d.Problems...), c.problems...)
	sort.SliceStable(d.Problems, func(i, j int) bool { return d.Problems[i].Path < d.Problems[j].Path })
	return d
}

// maxBlocks is the most 64 KiB blocks the package's entries can fill, as
// their directory declares them (each entry's last block may be partial).
func maxBlocks(a *zip.Archive) int64 {
	var n int64
	for _, e := range a.Entries() {
		if e.Size > 0 {
			n += e.Size/appx.BlockSize + 1
		}
		if n > 1<<40 {
			break
		}
	}
	return n
}

// msixPowerCapabilities are the restricted capabilities that let a package
// run beyond the app container, with what each grants.
var msixPowerCapabilities = map[string]string{
	"runFullTrust":           "the installing user's full rights (outside the app container)",
	"allowElevation":         "administrator rights when it asks (elevation)",
	"localSystemServices":    "system",
	"packagedServices":       "services it installs",
	"packageManagement":      "the installing user's rights over other packages",
	"broadFileSystemAccess":  "the installing user's files",
	"unvirtualizedResources": "unvirtualized registry and files",
	"customInstallActions":   "the installing user's rights, at install time",
}

// msixActions are what a package's manifest makes Windows run or grant:
// services, startup tasks and the restricted capabilities above.
func msixActions(m *appx.Manifest, install string) []Action {
	var out []Action
	for _, e := range m.Extensions {
		exe := install + "/" + strings.ReplaceAll(e.Executable, `\`, "/")
		switch e.Category {
		case "windows.service":
			priv := msi.PrivilegeServiceAcc + " " + e.StartAccount
			if strings.EqualFold(e.StartAccount, "localSystem") {
				priv = msi.PrivilegeSystem
			}
			out = append(out, Action{Kind: msi.KindService, Name: e.Name, Runs: "service program " + exe, Privilege: priv,
				When: "installed as a service, started " + orDefault(e.StartupType, "as declared"), Evidence: appx.ManifestName + " windows.service extension", Offset: -1})
		case "windows.startupTask":
			when := "at every logon"
			if strings.EqualFold(e.Enabled, "false") {
				when = "at logon once the user enables it"
			}
			out = append(out, Action{Kind: msi.KindAutostart, Name: e.Name, Runs: "startup task running " + exe, Privilege: msi.PrivilegeEachUser,
				When: when, Evidence: appx.ManifestName + " windows.startupTask extension", Offset: -1})
		}
	}
	for _, c := range m.Capabilities {
		if grant, ok := msixPowerCapabilities[c]; ok {
			priv := msi.PrivilegeUser
			if c == "localSystemServices" {
				priv = msi.PrivilegeSystem
			}
			out = append(out, Action{Kind: "capability", Name: c, Runs: "grants " + grant, Privilege: priv,
				When: "whenever the package runs", Evidence: appx.ManifestName + " <Capabilities>", Offset: -1})
		}
	}
	return out
}
