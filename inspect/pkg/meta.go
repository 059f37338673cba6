package pkg

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Distribution is the installer script at the top of a product archive.
type Distribution struct {
	Root    string // "installer-gui-script" or "installer-script"
	Title   string
	Product *Product // <product id version>, written by productbuild
	PkgRefs []*PkgRef
	Choices []Choice
	// JavaScript is the text of the <script> elements, which Installer
	// runs; InstallationCheck and VolumeCheck are the calls that run it;
	// AllowExternalScripts (options allow-external-scripts) lets it run
	// programs with system.run.
	JavaScript                     string
	InstallationCheck, VolumeCheck string
	AllowExternalScripts           bool
}

// Product is the <product> element.
type Product struct {
	ID      string
	Version string
}

// PkgRef merges every <pkg-ref> element with one id: Distribution scripts
// repeat the id inside choices and once more with the attributes and the
// location text.
type PkgRef struct {
	ID            string
	Version       string
	Auth          string
	InstallKBytes int64  // -1 when not given
	Location      string // element text as written, e.g. "#PythonFramework-3.11.pkg"
	// Component is the name of the component package directory in the
	// archive that Location points at ("" when it points elsewhere).
	Component string
}

// Choice is a <choice> element.
type Choice struct {
	ID      string
	Title   string
	PkgRefs []string // ids
}

type xmlPkgRef struct {
	ID            string `xml:"id,attr"`
	Version       string `xml:"version,attr"`
	Auth          string `xml:"auth,attr"`
	InstallKBytes string `xml:"installKBytes,attr"`
	Text          string `xml:",chardata"`
}

type xmlDistribution struct {
	XMLName xml.Name
	Title   string      `xml:"title"`
	PkgRefs []xmlPkgRef `xml:"pkg-ref"`
	Choices []struct {
		ID      string      `xml:"id,attr"`
		Title   string      `xml:"title,attr"`
		PkgRefs []xmlPkgRef `xml:"pkg-ref"`
	} `xml:"choice"`
	Product *struct {
		ID      string `xml:"id,attr"`
		Version string `xml:"version,attr"`
	} `xml:"product"`
	Scripts           []string `xml:"script"`
	InstallationCheck struct {
		Script string `xml:"script,attr"`
	} `xml:"installation-check"`
	VolumeCheck struct {
		Script string `xml:"script,attr"`
	} `xml:"volume-check"`
	Options []struct {
		AllowExternalScripts string `xml:"allow-external-scripts,attr"`
	} `xml:"options"`
}

// ParseDistribution parses a Distribution file.
func ParseDistribution(b []byte) (*Distribution, error) {
	var x xmlDistribution
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("Distribution XML at byte %d: %w", dec.InputOffset(), err)
	}
	switch x.XMLName.Local {
	case "installer-gui-script", "installer-script":
	default:
		return nil, fmt.Errorf("Distribution root element is <%s>, want installer-gui-script", x.XMLName.Local)
	}
	d := &Distribution{Root: x.XMLName.Local, Title: strings.TrimSpace(x.Title),
		InstallationCheck: x.InstallationCheck.Script, VolumeCheck: x.VolumeCheck.Script}
	for _, js := range x.Scripts {
		if js = strings.TrimSpace(js); js != "" {
			d.JavaScript += js + "\n"
		}
	}
	for _, o := range x.Options {
		if strings.EqualFold(o.AllowExternalScripts, "yes") || strings.EqualFold(o.AllowExternalScripts, "true") {
			d.AllowExternalScripts = true
		}
	}
	if x.Product != nil {
		d.Product = &Product{ID: x.Product.ID, Version: x.Product.Version}
	}
	byID := map[string]*PkgRef{}
	add := func(r xmlPkgRef) error {
		if r.ID == "" {
			return fmt.Errorf("pkg-ref without id")
		}
		p := byID[r.ID]
		if p == nil {
			p = &PkgRef{ID: r.ID, InstallKBytes: -1}
			byID[r.ID] = p
			d.PkgRefs = append(d.PkgRefs, p)
		}
		if r.Version != "" {
			p.Version = r.Version
		}
		if r.Auth != "" {
			p.Auth = r.Auth
		}
		if r.InstallKBytes != "" {
			n, err := strconv.ParseInt(strings.TrimSpace(r.InstallKBytes), 10, 64)
			if err != nil || n < 0 || n > 1<<40 {
				return fmt.Errorf("pkg-ref %q: bad installKBytes %q", r.ID, r.InstallKBytes)
			}
			p.InstallKBytes = n
		}
		if t := strings.TrimSpace(r.Text); t != "" {
			p.Location = t
			p.Component = componentFromLocation(t)
		}
		return nil
	}
	for _, r := range x.PkgRefs {
		if err := add(r); err != nil {
			return nil, err
		}
	}
	for _, c := range x.Choices {
		ch := Choice{ID: c.ID, Title: c.Title}
		for _, r := range c.PkgRefs {
			if err := add(r); err != nil {
				return nil, err
			}
			ch.PkgRefs = append(ch.PkgRefs, r.ID)
		}
		d.Choices = append(d.Choices, ch)
	}
	return d, nil
}

// componentFromLocation turns "#Name.pkg" (or "file:./Name.pkg") into the
// component directory name inside the archive.
func componentFromLocation(loc string) string {
	var s string
	switch {
	case strings.HasPrefix(loc, "#"):
		s = loc[1:]
	case strings.HasPrefix(loc, "file:"):
		s = strings.TrimPrefix(strings.TrimPrefix(loc, "file:"), "./")
	default:
		return ""
	}
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	return s
}

// PackageInfo is the metadata file of a component package.
type PackageInfo struct {
	FormatVersion   string
	Identifier      string
	Version         string
	InstallLocation string
	Auth            string
	NumberOfFiles   int64 // -1 when not given
	InstallKBytes   int64 // -1 when not given
	Bundles         []Bundle
	Scripts         map[string]string // "preinstall" -> "./preinstall"
	// Relocate are the bundle ids of <relocate>: Installer installs them
	// where it finds an existing copy, not at their payload path.
	Relocate []string
}

// Bundle is a <bundle> element (nested ones are flattened).
type Bundle struct {
	ID                         string
	Path                       string
	CFBundleIdentifier         string
	CFBundleShortVersionString string
	CFBundleVersion            string
}

type xmlBundle struct {
	ID             string      `xml:"id,attr"`
	Path           string      `xml:"path,attr"`
	CFBundleID     string      `xml:"CFBundleIdentifier,attr"`
	CFShortVersion string      `xml:"CFBundleShortVersionString,attr"`
	CFVersion      string      `xml:"CFBundleVersion,attr"`
	Bundles        []xmlBundle `xml:"bundle"`
}

type xmlPackageInfo struct {
	XMLName         xml.Name
	FormatVersion   string `xml:"format-version,attr"`
	Identifier      string `xml:"identifier,attr"`
	Version         string `xml:"version,attr"`
	InstallLocation string `xml:"install-location,attr"`
	Auth            string `xml:"auth,attr"`
	Payload         struct {
		NumberOfFiles string `xml:"numberOfFiles,attr"`
		InstallKBytes string `xml:"installKBytes,attr"`
	} `xml:"payload"`
	Bundles []xmlBundle `xml:"bundle"`
	Scripts struct {
		Any []struct {
			XMLName xml.Name
			File    string `xml:"file,attr"`
		} `xml:",any"`
	} `xml:"scripts"`
	Relocate struct {
		Bundles []struct {
			ID string `xml:"id,attr"`
		} `xml:"bundle"`
	} `xml:"relocate"`
}

// ParsePackageInfo parses a PackageInfo file.
func ParsePackageInfo(b []byte) (*PackageInfo, error) {
	var x xmlPackageInfo
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("PackageInfo XML at byte %d: %w", dec.InputOffset(), err)
	}
	if x.XMLName.Local != "pkg-info" {
		return nil, fmt.Errorf("PackageInfo root element is <%s>, want pkg-info", x.XMLName.Local)
	}
	if x.Identifier == "" {
		return nil, fmt.Errorf("PackageInfo has no identifier")
	}
	p := &PackageInfo{
		FormatVersion:   x.FormatVersion,
		Identifier:      x.Identifier,
		Version:         x.Version,
		InstallLocation: x.InstallLocation,
		Auth:            x.Auth,
		NumberOfFiles:   -1,
		InstallKBytes:   -1,
	}
	num := func(what, s string) (int64, error) {
		if s == "" {
			return -1, nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return 0, fmt.Errorf("PackageInfo payload %s %q is not a count", what, s)
		}
		return n, nil
	}
	for i, b := range x.Relocate.Bundles {
		if i < 10000 && b.ID != "" {
			p.Relocate = append(p.Relocate, b.ID)
		}
	}
	var err error
	if p.NumberOfFiles, err = num("numberOfFiles", x.Payload.NumberOfFiles); err != nil {
		return nil, err
	}
	if p.InstallKBytes, err = num("installKBytes", x.Payload.InstallKBytes); err != nil {
		return nil, err
	}
	var walk func([]xmlBundle)
	walk = func(bs []xmlBundle) {
		for _, b := range bs {
			p.Bundles = append(p.Bundles, Bundle{ID: b.ID, Path: b.Path, CFBundleIdentifier: b.CFBundleID,
				CFBundleShortVersionString: b.CFShortVersion, CFBundleVersion: b.CFVersion})
			walk(b.Bundles)
		}
	}
	walk(x.Bundles)
	for _, s := range x.Scripts.Any {
		if p.Scripts == nil {
			p.Scripts = map[string]string{}
		}
		p.Scripts[s.XMLName.Local] = s.File
	}
	return p, nil
}
