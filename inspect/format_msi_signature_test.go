package inspect_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/burnbuild"
	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/inspect"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// TestMSISignatureInInventory signs a wixl MSI with osslsigncode and checks
// the signature the inventory reports for it, before and after a byte of
// the signed database changes.
func TestMSISignatureInInventory(t *testing.T) {
	testenv.Tool(t, "wixl")
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	if err := os.WriteFile(filepath.Join(src, "README.txt"), []byte("signed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unsigned := msibuild.BuildMSI(t, dir, src, msibuild.Spec{ProductName: "Inventory Signature"})
	cert := burnbuild.NewCert(t, dir, "inventory signature test")
	signed := filepath.Join(dir, "signed.msi")
	testenv.Run(t, dir, testenv.Tool(t, "osslsigncode"), "sign", "-certs", cert.CertPath, "-key", cert.KeyPath, "-h", "sha256", "-in", unsigned, "-out", signed)

	inv, err := inspect.InspectFile(unsigned, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Signatures) != 0 {
		t.Fatalf("unsigned MSI: %+v", inv.Signatures)
	}
	inv, err = inspect.InspectFile(signed, inspect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := inspect.Signature{
		File: "signed.msi", Kind: "msi",
		Signer: cert.Cert.Subject.String(), Issuer: cert.Cert.Issuer.String(),
		Serial: strings.ToUpper(cert.Cert.SerialNumber.Text(16)), DigestAlgorithm: "sha256", DigestMatches: true,
	}
	if len(inv.Signatures) != 1 {
		t.Fatalf("signed MSI: %+v", inv.Signatures)
	}
	got := inv.Signatures[0]
	got.Time, got.Chain = "", nil
	if got.File != want.File || got.Kind != want.Kind || got.Signer != want.Signer || got.Issuer != want.Issuer ||
		got.Serial != want.Serial || got.DigestAlgorithm != want.DigestAlgorithm || got.DigestMatches != want.DigestMatches || got.Message != "" {
		t.Errorf("signature %+v\nwant %+v", got, want)
	}
	if len(inv.Problems) != 0 {
		t.Errorf("problems: %+v", inv.Problems)
	}
}
