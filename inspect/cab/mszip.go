package cab

import (
	"errors"

	"github.com/installer-sbom/installer-sbom/inspect/inflate"
)

// mszipDecoder decodes MSZIP blocks: each is "CK" and a deflate stream that
// may refer back into the previous 32 KiB of the folder's output.
type mszipDecoder struct {
	d inflate.Decoder
}

func (m *mszipDecoder) reset() {
	m.d.Reset()
}

// decode returns the block's n bytes, valid until the next call.
func (m *mszipDecoder) decode(data []byte, n int) ([]byte, error) {
	if len(data) < 2 || data[0] != 'C' || data[1] != 'K' {
		return nil, errors.New("block does not start with the CK signature")
	}
	return m.d.Decode(data[2:], n)
}
