package inflate

import "errors"

// The decoder's errors. They are plain: the caller says which block of
// which folder they belong to.
var (
	errSize         = errors.New("declared block size out of range")
	errShort        = errors.New("deflate data ends before the block's declared size")
	errLong         = errors.New("deflate data decodes to more than the block's declared size")
	errBlockType    = errors.New("invalid deflate block type 3")
	errStoredLen    = errors.New("stored block length does not match its complement")
	errTooManyCodes = errors.New("too many literal/length or distance codes")
	errRepeatFirst  = errors.New("code length repeat with no previous length")
	errRepeatPast   = errors.New("code length repeat runs past the last code")
	errNoEnd        = errors.New("literal/length code has no end-of-block symbol")
	errOversub      = errors.New("over-subscribed Huffman code")
	errIncomplete   = errors.New("incomplete Huffman code")
	errTableSize    = errors.New("Huffman code needs more table space than reserved")
	errLitSymbol    = errors.New("invalid literal/length code")
	errDistSymbol   = errors.New("invalid distance code")
	errPreSymbol    = errors.New("invalid code length code")
	errDistance     = errors.New("match distance reaches before the start of the data")
)
