package inspect

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/installer-sbom/installer-sbom/fixtures/msibuild"
	"github.com/installer-sbom/installer-sbom/internal/testenv"
)

// actionsMSI is a wixl MSI given, with msitools' msibuild, the tables
// that make an installer run things: custom actions (an EXE it installs,
// deferred and not impersonated — SYSTEM; an inline VBScript that fetches
// a URL; a DLL in a Binary stream; one that only sets a property), their
// sequence rows, a service, a Run key and a PATH change.
func actionsMSI(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	testenv.WriteTree(t, src, map[string]string{"bin/setup.exe": "setup\n", "bin/svc.exe": "service\n", "readme.txt": "r\n"})
	msiPath := msibuild.BuildMSI(t, dir, src, msibuild.Spec{ProductName: "Actions Test"})
	msiinfo, msibuildTool := testenv.Tool(t, "msiinfo"), testenv.Tool(t, "msibuild")
	export := func(table string) string {
		return strings.ReplaceAll(string(testenv.Run(t, dir, msiinfo, "export", msiPath, table)), "\r\n", "\n")
	}
	files := export("File")
	key := func(name string) (file, comp string) {
		m := regexp.MustCompile(`(?m)^(\w+)\t(\w+)\t[^\t]*` + regexp.QuoteMeta(name) + `\t`).FindStringSubmatch(files)
		if m == nil {
			t.Fatalf("no File row for %s:\n%s", name, files)
		}
		return m[1], m[2]
	}
	setupKey, _ := key("setup.exe")
	_, svcComp := key("svc.exe")
	tables := map[string]string{
		"CustomAction": "Action\tType\tSource\tTarget\ns72\ti2\tS72\tS255\nCustomAction\tAction\n" +
			"RunSetup\t3090\t" + setupKey + "\t/quiet /norestart\n" +
			"InlineVBS\t38\t\tSet x = CreateObject(\"MSXML2.XMLHTTP\") : x.Open \"GET\", \"https://updates.example.org/get\", False\n" +
			"DllCA\t1\tCADLL\tCheckLicense\n" +
			"SetProp\t51\tPROP\tvalue\n",
		"InstallExecuteSequence": export("InstallExecuteSequence") + "RunSetup\tNOT Installed\t4001\nInlineVBS\t\t4002\n",
		"ServiceInstall": "ServiceInstall\tName\tDisplayName\tServiceType\tStartType\tErrorControl\tLoadOrderGroup\tDependencies\tStartName\tPassword\tArguments\tComponent_\tDescription\n" +
			"s72\ts255\tL255\ti4\ti4\ti4\tS255\tS255\tS255\tS255\tS255\ts72\tL255\nServiceInstall\tServiceInstall\n" +
			"Svc1\tExampleSvc\tExample Service\t16\t2\t1\t\t\t\t\t--serve\t" + svcComp + "\tAn example\n",
		"Registry": "Registry\tRoot\tKey\tName\tValue\tComponent_\ns72\ti2\tl255\tL255\tL0\ts72\nRegistry\tRegistry\n" +
			"Reg1\t2\tSoftware\\Microsoft\\Windows\\CurrentVersion\\Run\tExampleTray\t\"[INSTALLDIR]tray.exe\"\t" + svcComp + "\n" +
			"Reg2\t2\tSoftware\\Example\tOther\t1\t" + svcComp + "\n",
		"Environment": "Environment\tName\tValue\tComponent_\ns72\tl255\tL255\ts72\nEnvironment\tEnvironment\n" +
			"Env1\t*=-PATH\t[~];[INSTALLDIR]bin\t" + svcComp + "\n",
		"ServiceControl": "ServiceControl\tName\tEvent\tArguments\tWait\tComponent_\ns72\tl255\ti2\tS255\tI2\ts72\nServiceControl\tServiceControl\n" +
			"SC1\tExampleSvc\t161\t\t1\t" + svcComp + "\n" +
			"SC2\tWinDefend\t2\t\t1\t" + svcComp + "\n",
		"Shortcut": "Shortcut\tDirectory_\tName\tComponent_\tTarget\tArguments\tDescription\tHotkey\tIcon_\tIconIndex\tShowCmd\tWkDir\n" +
			"s72\ts72\tl128\ts72\ts72\tS255\tL255\tI2\tS72\tI2\tI2\tS72\nShortcut\tShortcut\n" +
			"SC1\tStartupFolder\tTRAY|Example Tray\t" + svcComp + "\t[#" + setupKey + "]\t/tray\t\t\t\t\t\t\n",
	}
	for name, idt := range tables {
		p := filepath.Join(dir, name+".idt")
		if err := os.WriteFile(p, []byte(idt), 0o644); err != nil {
			t.Fatal(err)
		}
		testenv.Run(t, dir, msibuildTool, msiPath, "-i", p)
	}
	return msiPath
}

// TestMSIActions: each kind of action is listed, decoded from the tables
// as Windows Installer reads them, most privileged first; the inline
// script's URL is a warning; the property-setting action runs nothing and
// is not listed. The tables themselves are checked against msiinfo export
// (TestTablesMatchMsiinfo covers the reader); here the decoding.
func TestMSIActions(t *testing.T) {
	msiPath := actionsMSI(t)
	inv, err := InspectFile(msiPath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range inv.Actions {
		if a.Path != "Actions_Test.msi" || a.Offset <= 0 || !strings.Contains(a.Evidence, " table row ") {
			t.Errorf("where: %+v", a)
		}
		got = append(got, a.String())
	}
	want := []string{
		"custom-action RunSetup: EXE installed file ProgramFiles64Folder/Actions Test/bin/setup.exe [/quiet /norestart]; InstallExecuteSequence 4001 if NOT Installed (deferred); as system",
		"service ExampleSvc: service program ProgramFiles64Folder/Actions Test/bin/svc.exe [--serve]; installed as a service, started automatic (\"Example Service\"); as system",
		"service-control ExampleSvc: service ExampleSvc: starts it on install, stops it on uninstall, deletes it on uninstall; during the installation; as system",
		"service-control WinDefend: service WinDefend: stops it on install; during the installation; as system",
		"environment PATH: appends to the machine's environment variable PATH [[~];[INSTALLDIR]bin]; at installation; as system",
		"autostart ExampleTray: program registered under HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run [\"[INSTALLDIR]tray.exe\"]; at every logon; as each user at logon",
		"shortcut Example Tray: shortcut in StartupFolder to ProgramFiles64Folder/Actions Test/bin/setup.exe [/tray]; at every logon (Startup folder); as each user at logon",
		"custom-action InlineVBS: inline VBScript [Set x = CreateObject(\"MSXML2.XMLHTTP\") : x.Open \"GET\", \"https://updates.example.org/get\", False]; InstallExecuteSequence 4002 (immediate); as installing user",
		"custom-action DllCA: DLL in Binary stream CADLL [CheckLicense]; not in a sequence table (run from the user interface or another action) (immediate); as installing user",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("actions\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	fetch := false
	for _, p := range inv.Problems {
		if p.Layer == "action" && !p.IsError() && strings.Contains(p.Message, "InlineVBS fetches from the network: MSXML2.XMLHTTP") {
			fetch = true
		}
	}
	if !fetch || !inv.Complete() {
		t.Errorf("problems %+v", inv.Problems)
	}
}
