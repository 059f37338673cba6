package inspect

import (
	"io"
	"regexp"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

// mspRootCLSID is the root CLSID of a Windows Installer patch (.msp),
// {000C1086-0000-0000-C000-000000000046}.
var mspRootCLSID = [16]byte{0x86, 0x10, 0x0C, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}

// patchContainer adapts a patch: a compound file whose summary information
// names the patch and its target products, whose sub-storages are the
// transforms it applies to them, and whose streams carry the cabinets of
// the files it delivers (whole files or binary deltas, keyed by the File
// keys of the patched product). Its entries are those streams, so the
// cabinets inside are walked as nested containers.
type patchContainer struct {
	db  *msi.Database
	src Source
}

func (c *patchContainer) Walk(fn func(Entry, io.Reader) error) error {
	for _, s := range c.db.Streams() {
		if strings.HasPrefix(s.Name, "\x05") {
			continue // summary information and signatures: metadata, not content
		}
		st, ok := c.db.OpenStream(s.Name)
		if !ok {
			continue
		}
		r, err := st.Open()
		e := Entry{Name: s.Name, Size: s.Size, Err: err}
		if err != nil {
			if err := fn(e, nil); err != nil {
				return err
			}
			continue
		}
		if err := fn(e, r); err != nil {
			return err
		}
	}
	return nil
}

var guidPattern = regexp.MustCompile(`\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}`)

// Describe names the patch: its code is the first GUID of the summary's
// revision number (the rest are patches it obsoletes), the product codes it
// targets are the template's GUIDs, its transforms the last-saved-by list.
func (c *patchContainer) Describe() Description {
	p := Package{Format: "msp", Properties: map[string]string{}}
	var d Description
	si, err := c.db.SummaryInfo()
	if err != nil {
		d.Problems = append(d.Problems, problemFrom("", "msi", err))
	} else {
		codes := guidPattern.FindAllString(si.RevisionNumber, -1)
		if len(codes) > 0 {
			p.ID, p.ProductCode = codes[0], codes[0]
			p.Properties["PatchCode"] = codes[0]
			if len(codes) > 1 {
				p.Properties["ObsoletedPatches"] = strings.Join(codes[1:], ";")
			}
		}
		p.Name, p.Manufacturer = si.Title, si.Author
		if targets := guidPattern.FindAllString(si.Template, -1); len(targets) > 0 {
			p.Properties["TargetProductCodes"] = strings.Join(targets, ";")
		}
		if si.LastSavedBy != "" {
			p.Properties["Transforms"] = si.LastSavedBy
		}
	}
	// The patch's own metadata, when it has the table (WiX and most tools
	// write it), names it better than the summary.
	if meta, err := c.db.PatchMetadata(); err == nil {
		if v := meta["DisplayName"]; v != "" {
			p.Name = v
		}
		if v := meta["ManufacturerName"]; v != "" {
			p.Manufacturer = v
		}
		for _, k := range []string{"Classification", "Description", "MoreInfoURL", "TargetProductName"} {
			if v := meta[k]; v != "" {
				p.Properties[k] = v
			}
		}
	} else {
		d.Problems = append(d.Problems, problemFrom("", "msi", err))
	}
	if p.ID == "" {
		p.ID = c.src.Name
	}
	d.Packages = []Package{p}
	describeDatabase(c.db, &d)
	return d
}
