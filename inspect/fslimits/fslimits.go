// Package fslimits holds the limits the filesystem readers (HFS+, APFS)
// share: how much a volume's own records may make a reader hold.
package fslimits

// Options bound what a volume may make a reader hold. Zero fields take
// the defaults.
type Options struct {
	// MaxItems is the most filesystem records kept (catalog files and
	// folders for HFS+; inodes, directory records, extents and B-tree
	// nodes read for APFS; default 1,000,000).
	MaxItems int64
	// MaxPathBytes bounds the bytes of all paths together (default
	// 64 MiB).
	MaxPathBytes int64
	// MaxAttrBytes bounds the extended attributes kept (decmpfs headers,
	// symbolic link targets; default 64 MiB).
	MaxAttrBytes int64
	// MaxDepth is the deepest folder nesting (default 4096).
	MaxDepth int
	// MaxInlineBytes is the largest file decompressed from an attribute
	// into memory at once (default 64 MiB); files compressed in their
	// resource fork are decoded 64 KiB at a time.
	MaxInlineBytes int64
}

// WithDefaults returns o (nil is all defaults) with zero fields set to
// their defaults.
func (o *Options) WithDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.MaxItems <= 0 {
		r.MaxItems = 1_000_000
	}
	if r.MaxPathBytes <= 0 {
		r.MaxPathBytes = 64 << 20
	}
	if r.MaxAttrBytes <= 0 {
		r.MaxAttrBytes = 64 << 20
	}
	if r.MaxDepth <= 0 {
		r.MaxDepth = 4096
	}
	if r.MaxInlineBytes <= 0 {
		r.MaxInlineBytes = 64 << 20
	}
	return r
}
