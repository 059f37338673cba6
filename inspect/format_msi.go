package inspect

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"io"
	"path"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect/cab"
	"github.com/installer-sbom/installer-sbom/inspect/cfb"
	"github.com/installer-sbom/installer-sbom/inspect/msi"
)

func init() {
	RegisterFormat(Format{
		Name:  "msi",
		Layer: "msi",
		Match: matchMSI,
		Open:  openMSI,
	})
}

// msiRootCLSID is the root storage CLSID of MSI databases (and merge
// modules), as stored: {000C1084-0000-0000-C000-000000000046}.
var msiRootCLSID = [16]byte{0x84, 0x10, 0x0C, 0x00, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0x46}

// matchMSI accepts a compound file whose root directory entry, when it lies
// within head, carries the MSI CLSID; other compound files (.doc, .msp,
// .mst) are not MSIs. Writers such as wixl put the directory at the end of
// the file, out of head's reach; such compound files are accepted here and
// openMSI rejects those whose root CLSID is not the MSI one. So are compound
// files whose directory lies past their end (truncated): opening them gives
// the cfb error that says so.
func matchMSI(p Probe) bool {
	head := p.Head
	if !cfb.HasMagic(head) || len(head) < 512 {
		return false
	}
	le := binary.LittleEndian
	var sectorSize int64
	switch le.Uint16(head[30:]) {
	case 9:
		sectorSize = 512
	case 12:
		sectorSize = 4096
	default:
		// A sector size the format does not allow: opening it reports the
		// damage, rather than the file passing as opaque data.
		return true
	}
	dirOff := (int64(le.Uint32(head[48:])) + 1) * sectorSize
	if dirOff+128 > int64(len(head)) {
		return true
	}
	root := head[dirOff : dirOff+128]
	clsid := [16]byte(root[80:96])
	return root[66] == 5 && (clsid == msiRootCLSID || clsid == mspRootCLSID)
}

func openMSI(src Source) (Container, error) {
	f, err := cfb.Open(src.R, src.Size, nil)
	if err != nil {
		return nil, err
	}
	if f.Root().CLSID == mspRootCLSID {
		db, err := msi.OpenCFB(f, &msi.Options{MaxTableBytes: src.Limits.TableBytes})
		if err != nil {
			return nil, err
		}
		return &patchContainer{db: db, src: src}, nil
	}
	if f.Root().CLSID != msiRootCLSID {
		return nil, &notContainerError{msi.Errorf(-1, "compound file with root CLSID %s is not an MSI database; inventoried as a file", cfb.CLSIDString(f.Root().CLSID))}
	}
	db, err := msi.OpenCFB(f, &msi.Options{MaxTableBytes: src.Limits.TableBytes})
	if err != nil {
		return nil, err
	}
	c := &msiContainer{db: db, src: src}
	c.pkg = c.describePackage()
	return c, nil
}

type msiContainer struct {
	db       *msi.Database
	src      Source
	pkg      Package
	walked   bool
	problems []msi.Problem
	// hashCheck is the MsiFileHash table, read at the first walk.
	hashCheck *msi.FileHashCheck
}

func (c *msiContainer) cabOptions() *cab.Options {
	return cabOptionsFrom(c.src.Limits, c.src.charger("cab"))
}

// Walk yields every File row with its bytes from its cabinet, named by its
// install path ("ProgramFiles64Folder/Python 3.11/python311.dll").
func (c *msiContainer) Walk(fn func(Entry, io.Reader) error) error {
	return c.walk(fn, true)
}

// walk yields the files; with verify each entry carries its MsiFileHash
// check for the walker to do off the decoding goroutine, without it (a
// walk that reads nothing, for Describe) the msi package checks in line.
func (c *msiContainer) walk(fn func(Entry, io.Reader) error, verify bool) error {
	// Read once for both walks; an unreadable table (nil here) fails
	// db.Walk itself.
	if c.hashCheck == nil {
		c.hashCheck, _ = c.db.NewFileHashCheck()
	}
	check := c.hashCheck
	opts := &msi.WalkOptions{Sibling: c.src.Sibling, SourceFile: c.src.SourceFile, Cab: c.cabOptions(),
		FileHashes: check, CallerChecksHashes: verify && check != nil}
	problems, err := c.db.Walk(opts, func(f *msi.File, r io.Reader, ferr error) error {
		e := Entry{Name: f.Path, Size: f.Size, Package: c.pkg.ID, InstallPath: f.Path, Err: ferr}
		if opts.CallerChecksHashes && check.Wants(f) {
			e.Verify = &Verifier{New: md5.New, Check: func(sum []byte) *Problem {
				p, ok := check.Check(f, sum)
				if ok {
					return nil
				}
				return &Problem{Layer: p.Layer, Offset: p.Offset, Severity: SeverityWarning, Message: p.Message}
			}}
		}
		var notPresent *msi.NotPresentError
		if errors.As(ferr, &notPresent) {
			// The database is whole; the file is listed from its row.
			e.Absent = true
			if check != nil {
				e.DeclaredHash = check.DeclaredMD5(f)
			}
		}
		if ferr != nil {
			return fn(e, nil)
		}
		return fn(e, r)
	})
	c.problems = append(c.problems, problems...)
	if err == nil {
		err = c.walkBinary(fn)
	}
	c.walked = true
	return err
}

// walkBinary yields the Binary table's streams as files named
// "[Binary]/<name>": custom action DLLs and scripts run at install time,
// never installed, and fingerprinted like everything else (a WiX custom
// action DLL carries its toolset's version).
func (c *msiContainer) walkBinary(fn func(Entry, io.Reader) error) error {
	for _, st := range c.db.Streams() {
		name, ok := strings.CutPrefix(st.Name, "Binary.")
		if !ok || name == "" {
			continue
		}
		s, _ := c.db.OpenStream(st.Name)
		e := Entry{Name: "[Binary]/" + name, Size: st.Size}
		r, err := s.Open()
		if err != nil {
			e.Err = err
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

// describePackage reads the Property table and summary information.
func (c *msiContainer) describePackage() Package {
	props, err := c.db.Properties()
	if err != nil {
		c.problems = append(c.problems, msiProblem(err))
	}
	p := Package{
		ID:           props["ProductCode"],
		Name:         props["ProductName"],
		Version:      props["ProductVersion"],
		Format:       "msi",
		Manufacturer: props["Manufacturer"],
		ProductCode:  props["ProductCode"],
		UpgradeCode:  props["UpgradeCode"],
		Properties:   map[string]string{},
	}
	if m, ok, err := c.db.Module(); err != nil {
		c.problems = append(c.problems, msiProblem(err))
	} else if ok {
		// A merge module: no Property table, its identity is its
		// signature.
		p.Format = "msm"
		p.ID, p.Name, p.Version = m.ModuleID, m.Name(), m.Version
		p.Properties["ModuleID"] = m.ModuleID
		if g := m.GUID(); g != "" {
			p.Properties["ModuleGUID"] = g
		}
	}
	if p.ID == "" {
		p.ID = path.Base(c.src.Name)
	}
	if si, err := c.db.SummaryInfo(); err != nil {
		c.problems = append(c.problems, msiProblem(err))
	} else {
		if si.RevisionNumber != "" {
			p.Properties["PackageCode"] = si.RevisionNumber
		}
		if si.Template != "" {
			p.Properties["Template"] = si.Template
		}
	}
	if d, ok := c.db.Directories(); ok == nil {
		if dir, ok := d["INSTALLDIR"]; ok {
			p.InstallLocation = dir.Path
		}
	}
	return p
}

func msiProblem(err error) msi.Problem {
	q := problemFrom("", "msi", err)
	return msi.Problem{Layer: q.Layer, Offset: q.Offset, Message: q.Message}
}

// Describe returns the MSI as a package, the problems found while walking
// (hash mismatches, File rows without cabinet entries, cabinet entries no
// File row names) and the signature-invariant identity. Called before Walk,
// it walks the files itself to find those problems.
func (c *msiContainer) Describe() Description {
	if !c.walked {
		_ = c.walk(func(Entry, io.Reader) error { return nil }, false)
	}
	d := Description{Packages: []Package{c.pkg}}
	if len(d.Packages[0].Properties) == 0 {
		d.Packages[0].Properties = nil
	}
	for _, p := range append(append([]msi.Problem{}, c.db.Warnings()...), c.problems...) {
		name := p.Path
		if name == "" {
			name = p.File
		}
		sev := SeverityError
		if p.Warning {
			sev = SeverityWarning
		}
		d.Problems = append(d.Problems, Problem{Path: strings.TrimPrefix(name, "/"), Layer: p.Layer, Offset: p.Offset, Severity: sev, Message: p.Message})
	}
	describeDatabase(c.db, &d)
	return d
}

// describeDatabase adds what every Windows Installer database (MSI, merge
// module, patch) says of itself: its signature and its signature-invariant
// identity.
func describeDatabase(db *msi.Database, d *Description) {
	msiActions(db, d)
	if sig := msiSignature(db); sig != nil {
		d.Signatures = append(d.Signatures, *sig)
	}
	if id, err := db.Identity(); err == nil {
		d.Identity = &Identity{Algorithm: msi.IdentityAlgorithm, Digest: id}
	} else {
		d.Problems = append(d.Problems, problemFrom("", "msi", err))
	}
}
