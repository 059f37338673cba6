package compose

import (
	"encoding/hex"
	"slices"
	"sort"
	"strings"
)

func declaredHash(h string) (alg, val string, ok bool) {
	a, v, found := strings.Cut(h, ":")
	if !found {
		return "", "", false
	}
	v = strings.ToLower(v)
	switch strings.ToLower(a) {
	case "sha1":
		return "SHA1", v, isHex(v, 40)
	case "sha256":
		return "SHA256", v, isHex(v, 64)
	case "sha512":
		return "SHA512", v, isHex(v, 128)
	}
	return "", "", false
}

// checksumsOf lists an artifact's or file's digests, SHA-512 only when the
// inventory has it (inventories written before it existed do not).
func checksumsOf(sha1, sha256, sha512 string) []checksum {
	out := []checksum{{"SHA1", strings.ToLower(sha1)}, {"SHA256", strings.ToLower(sha256)}}
	if sha512 != "" {
		out = append(out, checksum{"SHA512", strings.ToLower(sha512)})
	}
	return out
}

var checksumAlgs = map[string]bool{"SHA1": true, "SHA224": true, "SHA256": true, "SHA384": true, "SHA512": true,
	"SHA3-256": true, "SHA3-384": true, "SHA3-512": true, "MD2": true, "MD4": true, "MD5": true, "MD6": true,
	"BLAKE2b-256": true, "BLAKE2b-384": true, "BLAKE2b-512": true, "BLAKE3": true, "ADLER32": true}

func validChecksumAlg(a string) bool { return checksumAlgs[a] }

var purposes = map[string]bool{"OTHER": true, "INSTALL": true, "ARCHIVE": true, "FIRMWARE": true, "APPLICATION": true,
	"FRAMEWORK": true, "LIBRARY": true, "CONTAINER": true, "SOURCE": true, "DEVICE": true, "OPERATING_SYSTEM": true, "FILE": true}

func validPurpose(p string) bool { return purposes[p] }

func validRefCategory(c string) bool {
	switch c {
	case "SECURITY", "PACKAGE-MANAGER", "PERSISTENT-ID", "OTHER":
		return true
	}
	return false
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func lessStrings(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		if k != "" {
			ks = append(ks, k)
		}
	}
	sort.Strings(ks)
	return ks
}

func allEqual(s []string) bool {
	for _, x := range s[1:] {
		if x != s[0] {
			return false
		}
	}
	return true
}

func dedupSorted(s []string) []string { return slices.Compact(s) }
