package compose

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// idItem is one element needing an identifier: "<prefix>-<name>-<hash>".
type idItem struct {
	prefix, name, key string
}

// assignIDs derives identifiers from content: a sanitised name and 12 hex
// digits of the SHA-256 of the item's key. Items whose short identifiers
// collide get the full hash, so the result never depends on the order of
// the items. Identical keys are an error.
func assignIDs(items []idItem) ([]string, error) {
	short := make([]string, len(items))
	byID := map[string][]int{}
	for i, it := range items {
		h := sha256.Sum256([]byte(it.key))
		short[i] = it.prefix + "-" + idName(it.name) + "-" + hex.EncodeToString(h[:6])
		byID[short[i]] = append(byID[short[i]], i)
	}
	for _, idx := range byID {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			it := items[i]
			h := sha256.Sum256([]byte(it.key))
			short[i] = it.prefix + "-" + idName(it.name) + "-" + hex.EncodeToString(h[:])
		}
	}
	seen := map[string]bool{}
	for i, id := range short {
		if seen[id] {
			return nil, fmt.Errorf("compose: two elements with the same identity %q", items[i].key)
		}
		seen[id] = true
	}
	return short, nil
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.]+`)

func idName(name string) string {
	s := strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-.")
	if len(s) > 48 {
		s = strings.TrimRight(s[:48], "-.")
	}
	if s == "" {
		s = "x"
	}
	return s
}
