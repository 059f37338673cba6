package burn

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Manifest is the BurnManifest: what the bundle installs and where each
// payload comes from.
type Manifest struct {
	// BundleID is the Registration Id (equal to the .wixburn GUID).
	BundleID       string
	Name           string // Arp DisplayName
	Version        string // Registration Version
	DisplayVersion string
	Publisher      string
	ProviderKey    string
	ExecutableName string
	PerMachine     bool
	// UpgradeCodes are the RelatedBundle ids with Action="Upgrade".
	UpgradeCodes   []string
	RelatedBundles []RelatedBundle
	Containers     []ManifestContainer
	// Payloads lists every Payload element in document order, the UX
	// payloads (UX true) first as Burn writes them.
	Payloads []*Payload
	Packages []*Package

	payloadsByID map[string]*Payload
}

// RelatedBundle is a bundle this one upgrades, detects or depends on.
type RelatedBundle struct {
	ID     string
	Action string
}

// ManifestContainer is a Container element.
type ManifestContainer struct {
	ID            string
	FilePath      string
	FileSize      int64
	Hash          string // upper-case hex as written
	AttachedIndex int    // 0 when not attached
	Attached      bool
	Primary       bool
	DownloadURL   string
}

// Payload is a file the bundle carries or downloads.
type Payload struct {
	ID       string
	FilePath string
	FileSize int64
	// Hash is the declared hash, lower-case hex; HashAlgorithm is "sha1"
	// (WiX v3), "sha256" or "sha512" (WiX v4+), chosen by length.
	Hash          string
	HashAlgorithm string
	// Packaging is "embedded" (inside a container) or "external".
	Packaging string
	// SourcePath is the entry name inside its container (a0, u1, ...) for
	// embedded payloads, a file name beside the bundle for external ones.
	SourcePath  string
	Container   string
	DownloadURL string
	// UX marks the bootstrapper application's payloads (UX container).
	UX bool
}

// Embedded reports whether the payload's bytes are inside the bundle. The
// bootstrapper application's payloads always are, in the UX container:
// WiX v3 marks them Packaging="embedded", WiX v4 and later write no
// Packaging for them at all.
func (p *Payload) Embedded() bool { return p.UX || strings.EqualFold(p.Packaging, "embedded") }

// Package is a chain package.
type Package struct {
	// Kind is "msi", "exe", "msu", "msp" or "bundle".
	Kind        string
	ID          string
	ProductCode string
	UpgradeCode string
	Version     string
	// DisplayName is from the package's Provides element, when present.
	DisplayName string
	Cache       string
	Vital       bool
	Permanent   bool
	PerMachine  string
	InstallSize int64
	Size        int64
	// PayloadIDs are the package's PayloadRef ids; the first is the
	// package's own file.
	PayloadIDs []string
	// InstallArguments, RepairArguments and UninstallArguments are an
	// ExePackage's command lines; InstallCondition and DetectCondition
	// say when it runs; KB is an MsuPackage's update.
	InstallArguments, RepairArguments, UninstallArguments string
	InstallCondition, DetectCondition, KB                 string
}

// ManifestOptions bound ParseManifest.
type ManifestOptions struct {
	MaxBytes    int64 // 0 = 64 MiB
	MaxElements int   // 0 = 1,000,000
}

var packageKinds = map[string]string{
	"MsiPackage": "msi", "ExePackage": "exe", "MsuPackage": "msu", "MspPackage": "msp", "BundlePackage": "bundle",
}

// ParseManifest decodes a BurnManifest. Element names are matched without
// their namespace (WiX v3 and v4 differ only there). encoding/xml does not
// expand entities declared in a DTD, so a manifest cannot grow while parsed;
// a reference to one is an error.
func ParseManifest(data []byte, opts *ManifestOptions) (*Manifest, error) {
	maxBytes, maxElems := int64(64<<20), 1_000_000
	if opts != nil && opts.MaxBytes > 0 {
		maxBytes = opts.MaxBytes
	}
	if opts != nil && opts.MaxElements > 0 {
		maxElems = opts.MaxElements
	}
	if int64(len(data)) > maxBytes {
		return nil, errorf(0, "manifest of %d bytes exceeds the limit of %d", len(data), maxBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	m := &Manifest{}
	var (
		stack    []string
		pkg      *Package
		rootSeen bool
		elems    int
	)
	payloadIDs := map[string]bool{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, &FormatError{In: layer, Off: d.InputOffset(), Msg: "manifest XML", Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elems++
			if elems > maxElems {
				return nil, errorf(d.InputOffset(), "manifest has more than %d elements", maxElems)
			}
			name := t.Name.Local
			if len(stack) == 0 {
				if name != "BurnManifest" || rootSeen {
					return nil, errorf(d.InputOffset(), "root element %q is not BurnManifest", name)
				}
				rootSeen = true
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, name)
			a := attrs(t.Attr)
			switch {
			case name == "RelatedBundle" && parent == "BurnManifest":
				rb := RelatedBundle{ID: a["Id"], Action: a["Action"]}
				m.RelatedBundles = append(m.RelatedBundles, rb)
				if strings.EqualFold(rb.Action, "Upgrade") {
					m.UpgradeCodes = append(m.UpgradeCodes, rb.ID)
				}
			case name == "Registration" && parent == "BurnManifest":
				m.BundleID = a["Id"]
				m.Version = a["Version"]
				m.ProviderKey = a["ProviderKey"]
				m.ExecutableName = a["ExecutableName"]
				m.PerMachine = a["PerMachine"] == "yes"
			case name == "Arp" && parent == "Registration":
				m.Name = a["DisplayName"]
				m.DisplayVersion = a["DisplayVersion"]
				m.Publisher = a["Publisher"]
			case name == "Container" && parent == "BurnManifest":
				c := ManifestContainer{ID: a["Id"], FilePath: a["FilePath"], Hash: a["Hash"],
					Attached: a["Attached"] == "yes", Primary: a["Primary"] == "yes", DownloadURL: a["DownloadUrl"]}
				if c.FileSize, err = parseSize(a, "FileSize"); err != nil {
					return nil, errorf(d.InputOffset(), "Container %q: %v", c.ID, err)
				}
				if s := a["AttachedIndex"]; s != "" {
					n, err := strconv.ParseUint(s, 10, 31)
					if err != nil {
						return nil, errorf(d.InputOffset(), "Container %q: AttachedIndex %q", c.ID, s)
					}
					c.AttachedIndex = int(n)
				}
				m.Containers = append(m.Containers, c)
			case name == "Payload" && (parent == "BurnManifest" || parent == "UX"):
				p := &Payload{ID: a["Id"], FilePath: a["FilePath"], Packaging: a["Packaging"], SourcePath: a["SourcePath"],
					Container: a["Container"], DownloadURL: a["DownloadUrl"], UX: parent == "UX"}
				if p.FileSize, err = parseSize(a, "FileSize"); err != nil {
					return nil, errorf(d.InputOffset(), "Payload %q: %v", p.ID, err)
				}
				if p.Hash, p.HashAlgorithm, err = parseHash(a["Hash"]); err != nil {
					return nil, errorf(d.InputOffset(), "Payload %q: %v", p.ID, err)
				}
				if p.ID == "" || payloadIDs[p.ID] {
					return nil, errorf(d.InputOffset(), "Payload id %q is empty or repeated", p.ID)
				}
				payloadIDs[p.ID] = true
				m.Payloads = append(m.Payloads, p)
			case packageKinds[name] != "" && parent == "Chain":
				pkg = &Package{Kind: packageKinds[name], ID: a["Id"], ProductCode: a["ProductCode"], UpgradeCode: a["UpgradeCode"],
					Version: a["Version"], Cache: a["Cache"], Vital: a["Vital"] == "yes", Permanent: a["Permanent"] == "yes",
					PerMachine: a["PerMachine"], InstallArguments: a["InstallArguments"], RepairArguments: a["RepairArguments"],
					UninstallArguments: a["UninstallArguments"], InstallCondition: a["InstallCondition"], DetectCondition: a["DetectCondition"],
					KB: a["KB"]}
				if pkg.InstallSize, err = parseSize(a, "InstallSize"); err == nil {
					pkg.Size, err = parseSize(a, "Size")
				}
				if err != nil {
					return nil, errorf(d.InputOffset(), "%s %q: %v", name, pkg.ID, err)
				}
				m.Packages = append(m.Packages, pkg)
			case pkg != nil && name == "PayloadRef" && parent != "" && packageKinds[parent] != "":
				pkg.PayloadIDs = append(pkg.PayloadIDs, a["Id"])
			case pkg != nil && name == "Provides" && packageKinds[parent] != "" && pkg.DisplayName == "":
				pkg.DisplayName = a["DisplayName"]
			}
		case xml.EndElement:
			if len(stack) > 0 {
				if packageKinds[stack[len(stack)-1]] != "" && len(stack) >= 2 && stack[len(stack)-2] == "Chain" {
					pkg = nil
				}
				stack = stack[:len(stack)-1]
			}
		}
	}
	if !rootSeen {
		return nil, errorf(0, "no BurnManifest element")
	}
	m.payloadsByID = make(map[string]*Payload, len(m.Payloads))
	for _, p := range m.Payloads {
		m.payloadsByID[p.ID] = p
	}
	return m, nil
}

func attrs(as []xml.Attr) map[string]string {
	m := make(map[string]string, len(as))
	for _, a := range as {
		if a.Name.Space == "" || a.Name.Space == "xmlns" {
			m[a.Name.Local] = a.Value
		}
	}
	return m
}

func parseSize(a map[string]string, key string) (int64, error) {
	s := a[key]
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s %q is not a size", key, s)
	}
	return n, nil
}

func parseHash(s string) (string, string, error) {
	if s == "" {
		return "", "", nil
	}
	alg := map[int]string{40: "sha1", 64: "sha256", 128: "sha512"}[len(s)]
	if alg == "" {
		return "", "", fmt.Errorf("hash %q has an unknown length", s)
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return "", "", fmt.Errorf("hash %q is not hex", s)
		}
	}
	return strings.ToLower(s), alg, nil
}

// Payload returns the payload with the given id, or nil.
func (m *Manifest) Payload(id string) *Payload {
	return m.payloadsByID[id]
}
