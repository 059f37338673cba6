package testenv

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Registry material (npm tarballs, Debian packages, Go modules) is fetched
// at test time with the ordinary clients and cached outside the checkout:
// $ISBOM_TEST_CACHE, or the user cache directory. Nothing third-party is
// committed.

var (
	regMu    sync.Mutex
	regFiles = map[string]map[string][]byte{} // archive key -> path -> bytes
)

// CacheDir is where fetched registry material is kept between runs.
func CacheDir(t testing.TB) string {
	t.Helper()
	d, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// DefaultCacheDir is $ISBOM_TEST_CACHE, or installer-sbom in the user
// cache directory, created if need be.
func DefaultCacheDir() (string, error) {
	d := os.Getenv("ISBOM_TEST_CACHE")
	if d == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		d = filepath.Join(base, "installer-sbom")
	}
	return d, os.MkdirAll(d, 0o755)
}

// RegistryFile returns one file of a registry package: registry is "npm",
// "debian", "go" or "shared" (pkg empty, file relative to ../shared). The
// whole package is fetched once and kept in memory for the test binary's
// life, so ask for files of few large packages at a time.
func RegistryFile(t testing.TB, registry, pkg, version, file string) []byte {
	t.Helper()
	switch registry {
	case "shared":
		b, err := os.ReadFile(Shared(t, file))
		if err != nil {
			t.Fatal(err)
		}
		return b
	case "go": // module trees can be large: read only the file asked for
		dir, err := goModDir(pkg, version)
		if err != nil {
			t.Fatalf("testenv: go %s@%s: %v", pkg, version, err)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	files := RegistryPackage(t, registry, pkg, version)
	b, ok := files[path.Clean(file)]
	if !ok {
		t.Fatalf("testenv: %s package %s@%s has no file %q", registry, pkg, version, file)
	}
	return b
}

// RegistryPackage returns every regular file of a registry package by its
// path inside the package (npm: without the leading "package/"; Debian: the
// data archive's paths without "./"; go: the module's paths).
func RegistryPackage(t testing.TB, registry, pkg, version string) map[string][]byte {
	t.Helper()
	if registry == "shared" {
		return nil
	}
	key := registry + " " + pkg + "@" + version
	regMu.Lock()
	defer regMu.Unlock()
	if f, ok := regFiles[key]; ok {
		return f
	}
	var files map[string][]byte
	var err error
	switch registry {
	case "npm":
		files, err = fetchNPM(CacheDir(t), pkg, version)
	case "debian":
		files, err = fetchDebian(CacheDir(t), pkg, version)
	case "go":
		files, err = fetchGo(pkg, version)
	default:
		err = fmt.Errorf("unknown registry %q", registry)
	}
	if err != nil {
		t.Fatalf("testenv: %s: %v", key, err)
	}
	regFiles[key] = files
	return files
}

// ForgetRegistryPackages drops the in-memory copies, for long runs over
// many packages.
func ForgetRegistryPackages() {
	regMu.Lock()
	regFiles = map[string]map[string][]byte{}
	regMu.Unlock()
}

// SHA256Hex is the hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Download puts a registry package ("npm" or "debian") into the cache
// directory, unless it is there already, and returns the archive's path.
// It is what `make deps` runs ahead of the tests (internal/testenv/prefetch),
// so that the test time limit does not include the downloads.
func Download(cache, registry, pkg, version string) (string, error) {
	switch registry {
	case "npm":
		return downloadNPM(cache, pkg, version)
	case "debian":
		return downloadDebian(cache, pkg, version)
	}
	return "", fmt.Errorf("no download for registry %q", registry)
}

func downloadNPM(cache, pkg, version string) (string, error) {
	dir := filepath.Join(cache, "npm")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tgz := filepath.Join(dir, npmFileName(pkg)+"-"+version+".tgz")
	if _, err := os.Stat(tgz); err == nil {
		return tgz, nil
	}
	// npm pack writes the final name only when the download is whole; a
	// temporary directory keeps concurrent runs apart.
	tmp, err := os.MkdirTemp(dir, ".pack-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", tmp, pkg+"@"+version)
	cmd.Dir = tmp
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if out, err := cmd.Output(); err != nil {
		return "", fmt.Errorf("npm pack %s@%s: %v: %s%s", pkg, version, err, out, stderr.String())
	}
	if err := os.Rename(filepath.Join(tmp, filepath.Base(tgz)), tgz); err != nil {
		return "", fmt.Errorf("npm pack %s@%s wrote no %s: %v", pkg, version, filepath.Base(tgz), err)
	}
	return tgz, nil
}

// npmFileName is a package name as npm writes it in file names: a scoped
// "@scope/name" becomes "scope-name".
func npmFileName(pkg string) string {
	return strings.ReplaceAll(strings.TrimPrefix(pkg, "@"), "/", "-")
}

func fetchNPM(cache, pkg, version string) (map[string][]byte, error) {
	tgz, err := downloadNPM(cache, pkg, version)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	return untar(zr, func(name string) string {
		// npm tarballs put everything under one top folder, usually "package".
		if i := strings.IndexByte(name, '/'); i >= 0 {
			return name[i+1:]
		}
		return name
	})
}

func untar(r io.Reader, rename func(string) string) (map[string][]byte, error) {
	files := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[path.Clean(rename(strings.TrimPrefix(h.Name, "./")))] = b
	}
}

func fetchDebian(cache, pkg, version string) (map[string][]byte, error) {
	deb, err := downloadDebian(cache, pkg, version)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(deb)
	if err != nil {
		return nil, err
	}
	return debData(b)
}

// DownloadDebian fetches many Debian packages ("name=version") with one
// apt-get call (one call per package is slow on a new machine); packages
// already in the cache are skipped. A failure of the batch falls back to one
// call per package, so the error names the package that is missing.
func DownloadDebian(cache string, pkgs [][2]string) error {
	dir := filepath.Join(cache, "debian")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var args []string
	for _, p := range pkgs {
		if m, _ := filepath.Glob(debPattern(dir, p[0], p[1])); len(m) == 0 {
			args = append(args, p[0]+"="+p[1])
		}
	}
	if len(args) == 0 {
		return nil
	}
	exec.Command("apt-get", "update", "-qq").Run()
	cmd := exec.Command("apt-get", append([]string{"download"}, args...)...)
	cmd.Dir = dir
	if cmd.Run() == nil {
		return nil
	}
	var errs []string
	for _, p := range pkgs {
		if _, err := downloadDebian(cache, p[0], p[1]); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func debPattern(dir, pkg, version string) string {
	return filepath.Join(dir, pkg+"_"+strings.ReplaceAll(version, ":", "%3a")+"_*.deb")
}

func downloadDebian(cache, pkg, version string) (string, error) {
	dir := filepath.Join(cache, "debian")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	pattern := debPattern(dir, pkg, version)
	matches, _ := filepath.Glob(pattern)
	if len(matches) == 0 {
		download := func() ([]byte, error) {
			cmd := exec.Command("apt-get", "download", pkg+"="+version)
			cmd.Dir = dir
			return cmd.CombinedOutput()
		}
		if _, err := download(); err != nil {
			// A new machine may have no package lists yet.
			if out, err := exec.Command("apt-get", "update", "-qq").CombinedOutput(); err != nil {
				return "", fmt.Errorf("apt-get update: %v: %s", err, out)
			}
			if out, err := download(); err != nil {
				return "", fmt.Errorf("apt-get download %s=%s: %v: %s", pkg, version, err, out)
			}
		}
		matches, _ = filepath.Glob(pattern)
		if len(matches) == 0 {
			return "", fmt.Errorf("apt-get download wrote no %s", filepath.Base(pattern))
		}
	}
	return matches[0], nil
}

// debData reads the data archive of a .deb (an ar archive).
func debData(deb []byte) (map[string][]byte, error) {
	if !bytes.HasPrefix(deb, []byte("!<arch>\n")) {
		return nil, fmt.Errorf("not a .deb")
	}
	off := 8
	for off+60 <= len(deb) {
		h := deb[off : off+60]
		name := strings.TrimRight(strings.TrimSpace(string(h[:16])), "/")
		var size int
		if _, err := fmt.Sscan(strings.TrimSpace(string(h[48:58])), &size); err != nil || size < 0 || off+60+size > len(deb) {
			return nil, fmt.Errorf("bad ar member header at %d", off)
		}
		body := deb[off+60 : off+60+size]
		off += 60 + size + size%2
		if !strings.HasPrefix(name, "data.tar") {
			continue
		}
		var r io.Reader
		switch path.Ext(name) {
		case ".xz":
			xr, err := xz.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			r = xr
		case ".zst":
			zr, err := zstd.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			defer zr.Close()
			r = zr
		case ".gz":
			gr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			r = gr
		case ".tar":
			r = bytes.NewReader(body)
		default:
			return nil, fmt.Errorf("unsupported %s", name)
		}
		return untar(r, func(s string) string { return s })
	}
	return nil, fmt.Errorf("no data.tar member")
}

func goModDir(mod, version string) (string, error) {
	out, err := exec.Command("go", "mod", "download", "-json", mod+"@"+version).Output()
	if err != nil {
		return "", fmt.Errorf("go mod download: %v", err)
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download: %s %v", info.Error, err)
	}
	return info.Dir, nil
}

func fetchGo(mod, version string) (map[string][]byte, error) {
	dir, err := goModDir(mod, version)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return nil
	})
	return files, err
}
