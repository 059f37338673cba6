package inspect_test

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/hostile"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

func inspectBurn(t *testing.T, b []byte, name string) *inspect.Inventory {
	t.Helper()
	inv, err := inspect.Inspect(bytes.NewReader(b), int64(len(b)), name, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if inv.Artifact.Format != "burn" {
		t.Fatalf("format %q", inv.Artifact.Format)
	}
	return inv
}

func pkgByPath(inv *inspect.Inventory, path string) *inspect.Package {
	for i := range inv.Packages {
		if inv.Packages[i].Path == path {
			return &inv.Packages[i]
		}
	}
	return nil
}

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

func pkgByID(inv *inspect.Inventory, id string) *inspect.Package {
	for i := range inv.Packages {
		if inv.Packages[i].ID == id {
			return &inv.Packages[i]
		}
	}
	return nil
}

// The real python.org bundle cut at 1.7 MB: every package of its manifest is
// listed (the list is checked against a regexp scan of the manifest that
// cabextract extracts from the UX container), the truncation is a problem
// naming the attached container and where the file ends, and the engine's
// PSF signature is reported with a matching digest.
func TestBurnRealTruncated(t *testing.T) {
	const name = "python-3.11.0-amd64.exe"
	b, err := os.ReadFile(testenv.Shared(t, "fixtures-real", "burn", "python-3.11.0-amd64.TRUNCATED.exe"))
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectBurn(t, b, name)

	dir := t.TempDir()
	ux := filepath.Join(dir, "ux.cab")
	if err := os.WriteFile(ux, b[542208:542208+323640], 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := testenv.Run(t, dir, testenv.Tool(t, "cabextract"), "-q", "-p", "-F", "0", ux)
	ids := regexp.MustCompile(`<(?:Msi|Exe)Package Id="([^"]+)"`).FindAllSubmatch(manifest, -1)
	if len(ids) != 54 {
		t.Fatalf("oracle found %d packages", len(ids))
	}
	for _, m := range ids {
		id := string(m[1])
		p := pkgByID(inv, id)
		if p == nil {
			t.Errorf("package %s missing", id)
			continue
		}
		if p.Parent != "{7f8381ad-2e42-4432-8de5-c7beebe1009f}" {
			t.Errorf("%s: parent %q", id, p.Parent)
		}
	}
	// Every ExePackage of the manifest is an install action with the
	// command line the manifest gives it (the oracle's copy), elevated
	// when per-machine.
	exes := regexp.MustCompile(`<ExePackage Id="([^"]+)"[^>]*?PerMachine="(yes|no)"[^>]*?InstallArguments="([^"]*)"`).FindAllSubmatch(manifest, -1)
	if len(exes) != 6 {
		t.Fatalf("oracle found %d ExePackages", len(exes))
	}
	for _, m := range exes {
		var found *inspect.Action
		for i := range inv.Actions {
			if inv.Actions[i].Kind == "exe-package" && inv.Actions[i].Name == string(m[1]) {
				found = &inv.Actions[i]
			}
		}
		args := strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(string(m[3]))
		wantPriv := map[string]string{"yes": inspect.PrivilegeAdmin, "no": "installing user"}[string(m[2])]
		if found == nil || found.Target != args || found.Privilege != wantPriv || found.Path != name || found.Runs != "program py.exe" {
			t.Errorf("ExePackage %s: %+v, want target %q as %s", m[1], found, args, wantPriv)
		}
	}
	// The bootstrapper application runs; each bundle it upgrades is
	// removed.
	upgrades := regexp.MustCompile(`<RelatedBundle Id="([^"]+)" Action="Upgrade"`).FindAllSubmatch(manifest, -1)
	var bootstrappers, related int
	for _, a := range inv.Actions {
		switch a.Kind {
		case "bootstrapper":
			if a.Runs == "bootstrapper application ux/PythonBA.dll" {
				bootstrappers++
			}
		case "related-bundle":
			for _, u := range upgrades {
				if a.Name == string(u[1]) {
					related++
				}
			}
		}
	}
	if bootstrappers != 1 || len(upgrades) == 0 || related != len(upgrades) {
		t.Errorf("bootstrapper %d, related bundles %d of %d: %+v", bootstrappers, related, len(upgrades), inv.Actions)
	}
	root := pkgByID(inv, "{7f8381ad-2e42-4432-8de5-c7beebe1009f}")
	if root == nil || root.Format != "burn" || root.Version != "3.11.150.0" || root.Name != "Python 3.11.0 (64-bit)" ||
		root.UpgradeCode != "{767B31EB-0106-5AE3-B46E-77F32D1BABA2}" || root.Path != name {
		t.Errorf("bundle package %+v", root)
	}
	d := pkgByID(inv, "core_AllUsers_d")
	if d == nil || d.Embedded || d.URL != "https://www.python.org/ftp/python/3.11.0/amd64/core_d.msi" ||
		d.Hash != "sha1:09ca2587afd296e1a71421e3d740862a45c0da6e" || d.Size != 4747264 || d.Format != "msi" || d.Path != "" {
		t.Errorf("core_AllUsers_d %+v", d)
	}
	core := pkgByID(inv, "core_AllUsers")
	if core == nil || !core.Embedded || core.Path != name+"/core_AllUsers/core.msi" || core.ProductCode != "{1ED03561-12AC-4A6A-AA85-583281BF0121}" ||
		core.Hash != "sha1:06715e3c8c81742d6e3acf3521486604ad236b6c" {
		t.Errorf("core_AllUsers %+v", core)
	}

	var truncation bool
	for _, p := range inv.Problems {
		if p.Layer == "burn" && p.Offset == 1745249 && p.Path == name &&
			strings.Contains(p.Message, "attached container 1 at offset 876424 declares 24270409 bytes but the file ends at 1745249") {
			truncation = true
		}
	}
	if !truncation {
		t.Errorf("no truncation problem in %+v", inv.Problems)
	}
	// Each of the 30 embedded payloads of the attached container is a
	// problem at a bundle offset inside that container.
	unreadable := map[string]bool{}
	for _, p := range inv.Problems {
		if p.Layer == "burn" && strings.HasPrefix(p.Path, name+"/") && p.Offset >= 876424 && p.Offset < 876424+24270409 &&
			strings.Contains(p.Message, "attached container 1 at offset 876424, entry a") {
			unreadable[p.Path] = true
		}
	}
	if len(unreadable) != 30 {
		t.Errorf("%d unreadable payloads reported: %v", len(unreadable), unreadable)
	}
	// No offset points past the bytes present: an entry declared beyond
	// the truncation points at the end, its message keeps where it was
	// declared.
	for _, p := range inv.Problems {
		if p.Layer == "burn" && p.Offset > int64(len(b)) {
			t.Errorf("offset past the end of the file: %+v", p)
		}
		if p.Layer == "burn" && strings.HasPrefix(p.Path, name+"/") && p.Offset == int64(len(b)) && !strings.Contains(p.Message, "past the end of the 1745249 bytes present") {
			t.Errorf("clamped offset without its declared position: %+v", p)
		}
	}
	// The UX payloads are complete; PythonBA.dll's SHA-1 is the manifest's.
	var ba bool
	for _, f := range inv.Files {
		if f.Path == name+"/ux/PythonBA.dll" {
			ba = f.SHA1 == "ce9f68fb9601b9a5b95fc93c88a3a22ed42afa3d" && f.Size == 687616
		}
	}
	if !ba {
		t.Error("ux/PythonBA.dll missing or with the wrong hash")
	}
	var engine, final bool
	for _, s := range inv.Signatures {
		switch s.Kind {
		case "authenticode-engine":
			engine = s.DigestMatches && strings.Contains(s.Signer, "CN=Python Software Foundation") && s.Time == "2022-10-24T18:43:45Z"
		case "authenticode":
			final = !s.DigestMatches && strings.Contains(s.Message, "past the end of the file")
		}
	}
	if !engine || !final {
		t.Errorf("signatures %+v", inv.Signatures)
	}
	if inv.Artifact.Identity == nil || inv.Artifact.Identity.Algorithm != "authenticode-sha256" {
		t.Errorf("identity %+v", inv.Artifact.Identity)
	}
}

// A complete synthetic bundle: every embedded payload is a file of the
// inventory with the SHA-1 of the bytes it was built from, which is also the
// manifest's; nothing is reported as a problem; signing it changes neither
// the files nor the identity.
func TestBurnSynthetic(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	fx := burnbuild.Build(t, spec)
	inv := inspectBurn(t, fx.Bytes, "synthetic.exe")
	files := map[string]inspect.File{}
	for _, f := range inv.Files {
		files[f.Path] = f
	}
	for _, p := range spec.Packages {
		pkg := pkgByID(inv, p.ID)
		if pkg == nil && p.Data != nil {
			// An embedded MSI is also described by the MSI reader under
			// the same path, and the walker merges the two descriptions.
			pkg = pkgByPath(inv, "synthetic.exe/"+p.FilePath)
		}
		if pkg == nil {
			t.Errorf("package %s missing", p.ID)
			continue
		}
		if p.Data == nil {
			if pkg.Embedded || pkg.URL != p.URL || pkg.Hash != "sha1:"+strings.ToLower(p.DeclaredSHA1) {
				t.Errorf("external %+v", pkg)
			}
			continue
		}
		path := "synthetic.exe/" + p.FilePath
		f, ok := files[path]
		if !ok || f.SHA1 != sha1Hex(p.Data) || pkg.Path != path || !pkg.Embedded || f.Package != pkg.ID {
			t.Errorf("%s: file %+v package %+v", p.ID, f, pkg)
		}
	}
	for _, p := range inv.Problems {
		t.Errorf("problem %+v", p)
	}
	for _, s := range inv.Signatures {
		if s.File == "synthetic.exe" {
			t.Errorf("unsigned bundle has a signature %+v", s)
		}
	}
	// Embedded MSIs are opened by the MSI format when it is registered: then
	// every file built into them is in the inventory under the MSI's path.
	if slices.Contains(inspect.Formats(), "msi") {
		d := filepath.Join(testenv.EmbedPython(t, testenv.Python311), "windows-amd64")
		for _, want := range []struct{ msi, file, src string }{
			{"core.msi", "libffi-8.dll", "DLLs/libffi-8.dll.gz"},
			{"core.msi", "vcruntime140_1.dll", "vcruntime140_1.dll.gz"},
			{"lib.msi", "this.py", "Lib/this.py"},
		} {
			sum := sha1Hex(testenv.ReadMaybeGz(t, filepath.Join(d, want.src)))
			found := false
			for _, f := range inv.Files {
				if strings.HasPrefix(f.Path, "synthetic.exe/"+want.msi+"/") && strings.HasSuffix(f.Path, want.file) && f.SHA1 == sum {
					found = true
				}
			}
			if !found {
				t.Errorf("%s inside %s not found with SHA-1 %s", want.file, want.msi, sum)
			}
		}
	}

	burnbuild.SignBundle(t, fx, burnbuild.NewCert(t, t.TempDir(), "Synthetic Burn Signer"))
	signed := inspectBurn(t, fx.Bytes, "synthetic.exe")
	var kinds []string
	for _, s := range signed.Signatures {
		if s.File != "synthetic.exe" {
			continue // signed files inside the MSIs (vcruntime140_1.dll)
		}
		if !s.DigestMatches || !strings.Contains(s.Signer, "Synthetic Burn Signer") {
			t.Errorf("signature %+v", s)
		}
		kinds = append(kinds, s.Kind)
	}
	slices.Sort(kinds)
	if strings.Join(kinds, ",") != "authenticode,authenticode-engine" {
		t.Errorf("signature kinds %q", kinds)
	}
	for _, p := range signed.Problems {
		t.Errorf("signed: problem %+v", p)
	}
	for _, f := range inv.Files {
		var g *inspect.File
		for i := range signed.Files {
			if signed.Files[i].Path == f.Path {
				g = &signed.Files[i]
			}
		}
		if g == nil || g.SHA256 != f.SHA256 {
			t.Errorf("%s changed by signing", f.Path)
		}
	}
}

// A payload whose bytes differ from the manifest's hash, and one the
// manifest names but the container lacks, are problems naming the payload;
// the mismatching file is still inventoried.
func TestBurnPayloadProblems(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	for i := range spec.Packages {
		switch spec.Packages[i].ID {
		case "lib_AllUsers":
			spec.Packages[i].DeclaredSHA1 = strings.Repeat("AB", 20)
		case "stub_exe":
			spec.Packages[i].NotInContainer = true
		}
	}
	fx := burnbuild.Build(t, spec)
	inv := inspectBurn(t, fx.Bytes, "bad.exe")
	var mismatch, missing bool
	for _, p := range inv.Problems {
		switch {
		case p.Path == "bad.exe/lib.msi" && p.Layer == "burn" && !p.IsError() && strings.Contains(p.Message, "payload lib_AllUsers has sha1 ") &&
			strings.Contains(p.Message, "the manifest declares "+strings.Repeat("ab", 20)):
			mismatch = true
		case p.Path == "bad.exe" && p.IsError() && strings.Contains(p.Message, "embedded payload stub_exe (stub.exe) is not in its container"):
			missing = true
		default:
			t.Errorf("unexpected problem %+v", p)
		}
	}
	if !mismatch || !missing {
		t.Errorf("mismatch %v missing %v: %+v", mismatch, missing, inv.Problems)
	}
	found := false
	for _, f := range inv.Files {
		found = found || f.Path == "bad.exe/lib.msi"
	}
	if !found {
		t.Error("lib.msi not inventoried")
	}
}

// An MSI payload whose cabinet is external is given its sibling payloads:
// the WiX v3 shape (SetupProject1.msi with cab1.cab beside it in the bundle).
// The files come out of the cabinet payload, with no problem; oracle:
// msiextract on the MSI with the cabinet beside it on disk.
func TestBurnMSIWithExternalCabinetPayload(t *testing.T) {
	dir := testenv.Shared(t, "fixtures-real", "msi")
	msiBytes, err := os.ReadFile(filepath.Join(dir, "msi_with_external_cab.msi"))
	if err != nil {
		t.Fatal(err)
	}
	cabBytes, err := os.ReadFile(filepath.Join(dir, "msi_with_external_cab.cab"))
	if err != nil {
		t.Fatal(err)
	}
	spec := burnbuild.Spec{BundleID: "{7f8381ad-2e42-4432-8de5-c7beebe100aa}", Name: "External", Version: "1.0.0", UpgradeCode: "{7f8381ad-2e42-4432-8de5-c7beebe100ab}",
		Packages: []burnbuild.Package{{ID: "app", Kind: "msi", ProductCode: "{5A1E0009-0000-4000-8000-000000000009}", Version: "1.0.0",
			FilePath: "SetupProject1.msi", Data: msiBytes, Extra: []burnbuild.UXFile{{FilePath: "MSI_WITH_EXTERNAL_CAB.CAB", Data: cabBytes}}}}}
	fx := burnbuild.Build(t, spec)
	inv := inspectBurn(t, fx.Bytes, "v3bundle.exe")
	if len(inv.Problems) != 0 {
		t.Fatalf("problems %+v", inv.Problems)
	}
	out := t.TempDir()
	testenv.Run(t, out, testenv.Tool(t, "msiextract"), filepath.Join(dir, "msi_with_external_cab.msi"))
	want := map[string]string{}
	for rel, sum := range testenv.TreeSHA256(t, out) {
		want[path.Base(rel)] = sum
	}
	got := map[string]string{}
	for _, f := range inv.Files {
		if strings.HasPrefix(f.Path, "v3bundle.exe/SetupProject1.msi/") {
			got[path.Base(f.Path)] = f.SHA256
		}
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("files of the MSI %v, msiextract %v", got, want)
	}
}

// Two payloads answering to one container entry, and a payload in a
// container the bundle does not have: each is an error naming the payload,
// and its package is marked missing (not embedded at a path with no file),
// so the inventory says it is incomplete. The payload that does own the
// entry keeps it.
func TestBurnUnplacedPayloads(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	for i := range spec.Packages {
		switch spec.Packages[i].ID {
		case "lib_AllUsers":
			spec.Packages[i].SameSourceAs = "core_AllUsers"
		case "stub_exe":
			spec.Packages[i].Container = "NoSuchContainer"
		}
	}
	fx := burnbuild.Build(t, spec)
	inv := inspectBurn(t, fx.Bytes, "bad.exe")
	if inv.Complete() {
		t.Fatalf("complete despite unplaced payloads: %+v", inv.Problems)
	}
	var shadowed, noContainer bool
	for _, p := range inv.Problems {
		shadowed = shadowed || p.IsError() && strings.Contains(p.Message, "embedded payload lib_AllUsers (lib.msi) has the source path") &&
			strings.Contains(p.Message, "of payload core_AllUsers")
		noContainer = noContainer || p.IsError() && strings.Contains(p.Message, `embedded payload stub_exe (stub.exe) names container "NoSuchContainer"`)
	}
	if !shadowed || !noContainer {
		t.Errorf("shadowed %v, no container %v: %+v", shadowed, noContainer, inv.Problems)
	}
	for _, p := range inv.Packages {
		switch p.ID {
		case "lib_AllUsers", "stub_exe":
			if !p.Missing || p.Embedded || p.Path != "" {
				t.Errorf("package %s: missing %v embedded %v path %q", p.ID, p.Missing, p.Embedded, p.Path)
			}
		case "core_AllUsers":
			if p.Missing || !p.Embedded || p.Path != "bad.exe/core.msi" {
				t.Errorf("package %s: missing %v embedded %v path %q", p.ID, p.Missing, p.Embedded, p.Path)
			}
		}
	}
	for _, f := range inv.Files {
		if strings.HasPrefix(f.Path, "bad.exe/lib.msi") || strings.HasPrefix(f.Path, "bad.exe/stub.exe") {
			t.Errorf("file %s inventoried from bytes the bundle does not hold", f.Path)
		}
	}
}

// An MSI embedded in a bundle is described twice: by the bundle (package id,
// declared hash and size, parent) and by the MSI reader (product name,
// codes). The merged package keeps the bundle's id and declarations, and the
// MSI's files belong to it.
func TestBurnNestedPackageMerge(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	fx := burnbuild.Build(t, spec)
	inv := inspectBurn(t, fx.Bytes, "synthetic.exe")
	for _, p := range spec.Packages {
		if p.Kind != "msi" || p.Data == nil {
			continue
		}
		path := "synthetic.exe/" + p.FilePath
		pkg := pkgByPath(inv, path)
		if pkg == nil || pkg.ID != p.ID || pkg.Hash != "sha1:"+sha1Hex(p.Data) || pkg.Parent != spec.BundleID ||
			pkg.ProductCode != p.ProductCode || pkg.Version != p.Version {
			t.Errorf("%s: merged package %+v", p.ID, pkg)
		}
		for _, f := range inv.Files {
			if strings.HasPrefix(f.Path, path+"/") && f.Package != p.ID {
				t.Errorf("%s belongs to %q, want %q", f.Path, f.Package, p.ID)
			}
		}
	}
}

// WiX v4 and later write UX payloads without Packaging: they are still the
// UX container's files and are named by their FilePath, not ux/u0.
func TestBurnV4UXPayloadNames(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	spec.V4 = true
	spec.UXFiles = []burnbuild.UXFile{{FilePath: "fakeba.dll", Data: burnbuild.StubPE(t, "amd64")},
		{FilePath: "BootstrapperApplicationData.xml", Data: []byte("<BootstrapperApplicationData/>")}}
	fx := burnbuild.Build(t, spec)
	inv := inspectBurn(t, fx.Bytes, "v4.exe")
	var ux []string
	for _, f := range inv.Files {
		if strings.HasPrefix(f.Path, "v4.exe/ux/") {
			ux = append(ux, f.Path)
		}
	}
	want := []string{"v4.exe/ux/BootstrapperApplicationData.xml", "v4.exe/ux/fakeba.dll"}
	if !reflect.DeepEqual(ux, want) || len(inv.Problems) != 0 {
		t.Errorf("UX files %q (want %q), problems %+v", ux, want, inv.Problems)
	}
}

// A bundle signed as a whole after its containers were attached (no
// insignia: the .wixburn section records no original signature, the
// certificate table is at the end) still has its attached container right
// after the UX container; every payload is found there.
func TestBurnSignedAfterAttaching(t *testing.T) {
	spec := burnbuild.PythonSpec(t)
	fx := burnbuild.Build(t, spec)
	cert := burnbuild.NewCert(t, t.TempDir(), "Late Signer")
	signed := burnbuild.Sign(t, fx.Bytes, cert, "sha256")
	inv := inspectBurn(t, signed, "late.exe")
	plain := inspectBurn(t, fx.Bytes, "late.exe")
	if len(inv.Problems) != 0 || len(inv.Files) != len(plain.Files) || len(inv.Files) == 0 {
		t.Errorf("%d files (unsigned: %d), problems %+v", len(inv.Files), len(plain.Files), inv.Problems)
	}
}

// TestBurnActionsSynthetic: a per-machine bundle whose ExePackage the
// bundle downloads (a network fetch, elevated) and whose MsuPackage
// applies a Windows update; RelatedBundle Upgrade removes the older one,
// Detect changes nothing.
func TestBurnActionsSynthetic(t *testing.T) {
	const id = "{8f2b1c1e-0d7a-4c4e-9a57-6b1f3e0c2d11}"
	manifest := `<?xml version="1.0" encoding="utf-8"?><BurnManifest xmlns="http://schemas.microsoft.com/wix/2008/Burn">` +
		`<RelatedBundle Id="{11111111-2222-3333-4444-555555555555}" Action="Upgrade"/>` +
		`<RelatedBundle Id="{66666666-2222-3333-4444-555555555555}" Action="Detect"/>` +
		`<Registration Id="` + id + `" ExecutableName="b.exe" PerMachine="yes" Version="1.0.0" ProviderKey="b"><Arp DisplayName="B" DisplayVersion="1.0.0" Publisher="P"/></Registration>` +
		`<Chain><ExePackage Id="vcredist" PerMachine="yes" InstallArguments="/install /quiet" InstallCondition="VersionNT64" DetectCondition="VCInstalled"><PayloadRef Id="p1"/></ExePackage>` +
		`<MsuPackage Id="kb" KB="KB2999226" PerMachine="yes"><PayloadRef Id="p2"/></MsuPackage></Chain>` +
		`<Payload Id="p1" FilePath="vc_redist.x64.exe" Packaging="external" DownloadUrl="https://download.example.org/vc_redist.x64.exe"/>` +
		`<Payload Id="p2" FilePath="Windows8.1-KB2999226-x64.msu" Packaging="external"/></BurnManifest>`
	b, err := hostile.BurnBundle(func(int, string) []byte { return []byte(manifest) }, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	inv := inspectBurn(t, b, "b.exe")
	var got []string
	for _, a := range inv.Actions {
		got = append(got, a.String())
	}
	want := []string{
		"exe-package vcredist: program vc_redist.x64.exe downloaded from https://download.example.org/vc_redist.x64.exe [/install /quiet]; when the bundle installs if VersionNT64 and not already (VCInstalled); as administrator (elevated)",
		"msu-package kb: Windows update KB2999226; when the bundle installs; as administrator (elevated)",
		"related-bundle {11111111-2222-3333-4444-555555555555}: uninstalls the related bundle {11111111-2222-3333-4444-555555555555}; when the bundle installs; as administrator (elevated)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fetch := false
	for _, p := range inv.Problems {
		fetch = fetch || p.Layer == "action" && strings.Contains(p.Message, "exe-package vcredist fetches from the network: https://download.example.org/vc_redist.x64.exe")
	}
	if !fetch {
		t.Errorf("no fetch warning: %+v", inv.Problems)
	}
}
