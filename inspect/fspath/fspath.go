// Package fspath builds the paths of a filesystem's directories from the
// parent links its records hold (an HFS+ catalog's folder records, an
// APFS volume's directory records). The links are the volume's say-so:
// the walk up from a directory is iterative and stops after MaxDepth
// levels (a loop ends there too), each directory's path is made once, and
// every path made is charged, with the caller's file paths, against one
// byte budget, so that a deep tree of long names cannot make a reader hold
// more than MaxBytes of paths.
package fspath

import "fmt"

// Resolver builds directory paths, '/'-separated from the root.
type Resolver[ID comparable] struct {
	// Root is the root directory, whose path is "".
	Root ID
	// Dir returns directory id's parent and name; ok is false when the
	// volume holds no directory id.
	Dir func(id ID) (parent ID, name string, ok bool)
	// Hidden reports whether directory id is one whose files are not
	// listed (a private directory); nil when there is none.
	Hidden func(id ID) bool
	// Tree names where the volume lists its directories, for errors.
	Tree string
	// MaxDepth bounds the levels walked up from a directory.
	MaxDepth int
	// MaxBytes bounds the bytes of all paths together; once they exceed
	// it, Resolve and Charge return TooLong (the caller's limit error).
	MaxBytes int64
	TooLong  error

	memo map[ID]string
	used int64
}

// Charge counts n bytes of a path the caller made against MaxBytes.
func (r *Resolver[ID]) Charge(n int) error {
	r.used += int64(n)
	if r.used > r.MaxBytes {
		return r.TooLong
	}
	return nil
}

// Resolve returns the path of directory id, and whether it lies in a
// hidden directory. An error other than TooLong says why the directory
// cannot be placed; it is about the files in it, not the volume.
func (r *Resolver[ID]) Resolve(id ID) (string, bool, error) {
	if r.memo == nil {
		r.memo = map[ID]string{r.Root: ""}
	}
	var chain []ID // from id up, the directories whose paths are not known yet
	var names []string
	cur := id
	for {
		if r.Hidden != nil && r.Hidden(cur) {
			return "", true, nil
		}
		if p, ok := r.memo[cur]; ok {
			// Fill the memo down the chain, innermost last.
			for i := len(chain) - 1; i >= 0; i-- {
				if p == "" {
					p = names[i]
				} else {
					p = p + "/" + names[i]
				}
				if err := r.Charge(len(p)); err != nil {
					return "", false, err
				}
				r.memo[chain[i]] = p
			}
			return p, false, nil
		}
		parent, name, ok := r.Dir(cur)
		if !ok {
			return "", false, fmt.Errorf("directory %v is not in the %s: the file cannot be placed", cur, r.Tree)
		}
		if len(chain) >= r.MaxDepth {
			return "", false, fmt.Errorf("directories nested deeper than %d levels (or in a loop)", r.MaxDepth)
		}
		chain, names = append(chain, cur), append(names, name)
		cur = parent
	}
}
