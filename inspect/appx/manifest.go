package appx

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Manifest is what an AppxManifest.xml says of the package.
type Manifest struct {
	Identity             Identity
	DisplayName          string
	PublisherDisplayName string
	// Capabilities are the restricted and device capabilities it asks for
	// (rescap: runFullTrust, allowElevation, packageManagement, ...).
	Capabilities []string
	// Extensions are the extensions that make Windows run something
	// beyond the app itself: services and startup tasks.
	Extensions []Extension
}

// Extension is an <Extension> of an application or the package.
type Extension struct {
	Category   string // windows.service, windows.startupTask, ...
	Executable string // the extension's, else its application's
	EntryPoint string
	// Name is the service's name or the startup task's id; StartupType
	// and StartAccount are a service's; Enabled a startup task's.
	Name, StartupType, StartAccount, Enabled string
}

// runsCategories are the extension categories that run a program.
var runsCategories = map[string]bool{"windows.service": true, "windows.startupTask": true, "windows.comServer": false}

// BundleManifest is what an AppxBundleManifest.xml says of the bundle and
// the packages it holds.
type BundleManifest struct {
	Identity Identity
	Packages []BundlePackage
}

// BundlePackage is one <Package> of a bundle: a file of the bundle.
type BundlePackage struct {
	Type, FileName, Version, ProcessorArchitecture, ResourceID string
	Offset, Size                                               int64
}

// MaxPartBytes bounds the XML parts read into memory (real manifests and
// block maps are KiB to a few MiB; a block map holds one hash per 64 KiB
// of payload).
const MaxPartBytes = 64 << 20

// xmlDecoder is strict about what it reads but tolerant of the namespaces
// and versions the schemas added over the years: elements are matched by
// local name.
func xmlDecoder(b []byte) *xml.Decoder {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	return d
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// ParseManifest reads the package identity from an AppxManifest.xml.
func ParseManifest(b []byte) (*Manifest, error) {
	m := &Manifest{}
	d := xmlDecoder(b)
	var path []string
	found := false
	var appExe string
	var ext *Extension
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(ManifestName, d.InputOffset(), "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) > 64 {
				return nil, errorf(ManifestName, d.InputOffset(), "elements nested more than 64 deep")
			}
			if len(path) == 2 && t.Name.Local == "Identity" && path[0] == "Package" {
				m.Identity = Identity{Name: attr(t, "Name"), Publisher: attr(t, "Publisher"), Version: attr(t, "Version"),
					ProcessorArchitecture: attr(t, "ProcessorArchitecture"), ResourceID: attr(t, "ResourceId")}
				found = true
			}
			switch {
			case len(path) == 3 && path[1] == "Capabilities" && (t.Name.Local == "Capability" || t.Name.Local == "DeviceCapability"):
				if n := attr(t, "Name"); n != "" && len(m.Capabilities) < 1000 {
					m.Capabilities = append(m.Capabilities, n)
				}
			case t.Name.Local == "Application" && len(path) == 3:
				appExe = attr(t, "Executable")
			case t.Name.Local == "Extension" && runsCategories[attr(t, "Category")] && len(m.Extensions) < 1000:
				m.Extensions = append(m.Extensions, Extension{Category: attr(t, "Category"), Executable: orDefault(attr(t, "Executable"), appExe),
					EntryPoint: attr(t, "EntryPoint")})
				ext = &m.Extensions[len(m.Extensions)-1]
			case ext != nil && t.Name.Local == "Service":
				ext.Name, ext.StartupType, ext.StartAccount = attr(t, "Name"), attr(t, "StartupType"), attr(t, "StartAccount")
			case ext != nil && t.Name.Local == "StartupTask":
				ext.Name, ext.Enabled = attr(t, "TaskId"), attr(t, "Enabled")
			}
		case xml.EndElement:
			if t.Name.Local == "Extension" {
				ext = nil
			}
			if t.Name.Local == "Application" {
				appExe = ""
			}
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) == 3 && path[0] == "Package" && path[1] == "Properties" {
				switch path[2] {
				case "DisplayName":
					m.DisplayName += string(t)
				case "PublisherDisplayName":
					m.PublisherDisplayName += string(t)
				}
			}
		}
	}
	if !found || m.Identity.Name == "" {
		return nil, errorf(ManifestName, -1, "no <Package><Identity Name=...> element")
	}
	m.DisplayName, m.PublisherDisplayName = strings.TrimSpace(m.DisplayName), strings.TrimSpace(m.PublisherDisplayName)
	return m, nil
}

// ParseBundleManifest reads a bundle's identity and its packages.
func ParseBundleManifest(b []byte) (*BundleManifest, error) {
	m := &BundleManifest{}
	d := xmlDecoder(b)
	var path []string
	found := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, errorf(BundleManifestName, d.InputOffset(), "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) > 64 {
				return nil, errorf(BundleManifestName, d.InputOffset(), "elements nested more than 64 deep")
			}
			switch {
			case len(path) == 2 && path[0] == "Bundle" && t.Name.Local == "Identity":
				m.Identity = Identity{Name: attr(t, "Name"), Publisher: attr(t, "Publisher"), Version: attr(t, "Version")}
				found = true
			case len(path) == 3 && path[0] == "Bundle" && path[1] == "Packages" && t.Name.Local == "Package":
				p := BundlePackage{Type: attr(t, "Type"), FileName: attr(t, "FileName"), Version: attr(t, "Version"),
					ProcessorArchitecture: attr(t, "Architecture"), ResourceID: attr(t, "ResourceId")}
				fmt.Sscan(attr(t, "Offset"), &p.Offset)
				fmt.Sscan(attr(t, "Size"), &p.Size)
				if p.FileName == "" {
					return nil, errorf(BundleManifestName, d.InputOffset(), "a <Package> without FileName")
				}
				if len(m.Packages) >= 100000 {
					return nil, errorf(BundleManifestName, d.InputOffset(), "more than 100000 packages")
				}
				m.Packages = append(m.Packages, p)
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
	if !found || m.Identity.Name == "" {
		return nil, errorf(BundleManifestName, -1, "no <Bundle><Identity Name=...> element")
	}
	return m, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
