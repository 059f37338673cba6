package compose

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/installer-sbom/installer-sbom/inspect"
)

// uniqueFiles returns the inventory's files sorted by path, each path with
// the same bytes once. Every file must have a path, SHA-1 and SHA-256.
// Absent files (declared by the installer, expected beside it, not there)
// have no bytes and are left out: addFiles annotates them instead.
func uniqueFiles(inv []inspect.File) ([]inspect.File, error) {
	files := make([]inspect.File, 0, len(inv))
	for _, f := range inv {
		if !f.Absent {
			files = append(files, f)
		}
	}
	sort.SliceStable(files, func(i, j int) bool {
		return lessStrings([]string{files[i].Path, files[i].SHA256}, []string{files[j].Path, files[j].SHA256})
	})
	// The same path with the same bytes twice is one file.
	out := files[:0]
	for i, f := range files {
		if i > 0 && f.Path == files[i-1].Path && f.SHA256 == files[i-1].SHA256 {
			continue
		}
		out = append(out, f)
	}
	for _, f := range out {
		if f.Path == "" || !isHex(f.SHA1, 40) || !isHex(f.SHA256, 64) {
			return nil, fmt.Errorf("compose: file %q lacks a path, SHA-1 or SHA-256", f.Path)
		}
	}
	return out, nil
}

func (b *builder) addFiles() error {
	files, err := uniqueFiles(b.inv.Files)
	if err != nil {
		return err
	}
	pathCount := map[string]int{}
	for _, f := range files {
		pathCount[f.Path]++
	}
	var items []idItem
	for _, f := range files {
		key := f.Path
		if pathCount[f.Path] > 1 {
			key += "\x00" + f.SHA256
		}
		items = append(items, idItem{prefix: "File", name: path.Base(f.Path), key: key})
	}
	ids, err := assignIDs(items)
	if err != nil {
		return err
	}
	b.fileID = map[string]string{}
	b.binaryFile = map[string]bool{}
	b.fileContainer = map[string]string{}
	direct := map[string][]string{} // package SPDXID -> SHA-1s of the files it contains
	for i, f := range files {
		n := &fileNode{id: ids[i], path: f.Path, sha1: strings.ToLower(f.SHA1), sha256: strings.ToLower(f.SHA256), sha512: strings.ToLower(f.SHA512), kind: f.Kind, types: fileTypes(f)}
		if f.InstallPath != "" {
			n.comment = "Installs to " + f.InstallPath + "."
		}
		if _, ok := b.fileID[f.Path]; !ok {
			b.fileID[f.Path] = n.id
		}
		if f.Kind == inspect.KindPE || f.Kind == inspect.KindMachO || f.Kind == inspect.KindELF {
			b.binaryFile[f.Path] = true
		}
		b.m.files = append(b.m.files, n)
		c := b.containerOf(f)
		if _, ok := b.fileContainer[f.Path]; !ok {
			b.fileContainer[f.Path] = c
		}
		b.m.rels = append(b.m.rels, relation{a: c, kind: relContains, b: n.id})
		direct[c] = append(direct[c], n.sha1)
	}
	for _, p := range b.m.packages {
		if shas, ok := direct[p.id]; ok {
			p.filesAnalyzed = true
			p.verificationCode = verificationCode(shas)
		}
	}
	b.noteAbsentFiles()
	return nil
}

// noteAbsentFiles annotates, on the package that would contain it, each file
// the installer declares but expects beside it and that was not there: it
// has no bytes to be an SPDX file, but the document must not forget it.
func (b *builder) noteAbsentFiles() {
	var byID map[string]*pkgNode
	for _, f := range b.inv.Files {
		if !f.Absent {
			continue
		}
		if byID == nil {
			byID = make(map[string]*pkgNode, len(b.m.packages))
			for _, p := range b.m.packages {
				byID[p.id] = p
			}
		}
		n := byID[b.containerOf(f)]
		if n == nil {
			continue
		}
		note := fmt.Sprintf("%s ./%s: the installer expects this file beside it (an uncompressed source file) and it was not there; declared size %d", NoteNotPresent, f.Path, f.Size)
		if f.DeclaredHash != "" {
			note += ", declared hash " + f.DeclaredHash
		}
		if f.InstallPath != "" {
			note += "; installs to " + f.InstallPath
		}
		n.notes = append(n.notes, note+".")
	}
}

// containerOf is the package that directly contains a file: the package the
// inventory assigns it to, else the innermost embedded package whose bytes
// hold it, else the installer. A package's own bytes (an MSI inside a
// bundle) belong to the package around it.
func (b *builder) containerOf(f inspect.File) string {
	at := b.pkgAt[f.Path]
	if n, ok := b.pkgNodeOf[f.Package]; ok && f.Package != "" && !slices.Contains(at, n.id) {
		return n.id
	}
	self := ""
	if len(at) > 0 {
		self = at[len(at)-1]
	}
	return b.enclosing(f.Path, self)
}

// verificationCode is SPDX 2.3 §7.9: the SHA-1 of the concatenation of the
// sorted lower-case hex SHA-1 values of every file in the package.
func verificationCode(sha1s []string) string {
	s := append([]string(nil), sha1s...)
	sort.Strings(s)
	h := sha1.Sum([]byte(strings.Join(s, "")))
	return hex.EncodeToString(h[:])
}

func fileTypes(f inspect.File) []string {
	ext := strings.ToLower(path.Ext(f.Path))
	switch f.Kind {
	case inspect.KindPE, inspect.KindMachO, inspect.KindELF:
		return []string{"BINARY"}
	case inspect.KindArchive:
		return []string{"ARCHIVE"}
	case inspect.KindText:
		switch ext {
		case ".py", ".pyi", ".pyw", ".c", ".h", ".tcl", ".tm", ".js", ".sh", ".ps1", ".bat", ".cmd":
			return []string{"SOURCE", "TEXT"}
		case ".txt", ".rst", ".md", ".html", ".htm":
			return []string{"DOCUMENTATION", "TEXT"}
		}
		return []string{"TEXT"}
	}
	switch ext {
	case ".png", ".gif", ".ico", ".jpg", ".jpeg", ".bmp", ".icns", ".ppm", ".xbm", ".pgm":
		return []string{"IMAGE"}
	case ".wav", ".aif", ".aiff", ".au":
		return []string{"AUDIO"}
	case ".zip", ".whl", ".cab", ".msi", ".tar", ".gz", ".tgz", ".xz", ".bz2", ".pkg":
		return []string{"ARCHIVE"}
	}
	return []string{"OTHER"}
}
