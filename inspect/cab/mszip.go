package cab

import (
	"bytes"
	"errors"
	"io"

	"github.com/klauspost/compress/flate"
)

// mszipHistory is how much earlier output each MSZIP block may refer to.
const mszipHistory = 32768

// mszipDecoder decodes MSZIP blocks: each is "CK" and a deflate stream that
// may refer back into the previous 32 KiB of the folder's output.
type mszipDecoder struct {
	src     bytes.Reader
	fr      io.ReadCloser
	hist    [2 * mszipHistory]byte // output history; the last histLen bytes are valid
	histLen int
	out     [maxBlockOut]byte
}

func (m *mszipDecoder) reset() {
	m.histLen = 0
}

// dict is the last mszipHistory bytes of output.
func (m *mszipDecoder) dict() []byte {
	return m.hist[max(0, m.histLen-mszipHistory):m.histLen]
}

func (m *mszipDecoder) decode(data []byte, n int) ([]byte, error) {
	if len(data) < 2 || data[0] != 'C' || data[1] != 'K' {
		return nil, errors.New("block does not start with the CK signature")
	}
	m.src.Reset(data[2:])
	if m.fr == nil {
		m.fr = flate.NewReaderDict(&m.src, m.dict())
	} else if err := m.fr.(flate.Resetter).Reset(&m.src, m.dict()); err != nil {
		return nil, err
	}
	out := m.out[:n]
	if _, err := io.ReadFull(m.fr, out); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errors.New("deflate data ends before the block's declared size")
		}
		return nil, err
	}
	if m.histLen+n > len(m.hist) {
		keep := mszipHistory - n
		copy(m.hist[:keep], m.hist[m.histLen-keep:m.histLen])
		m.histLen = keep
	}
	m.histLen += copy(m.hist[m.histLen:], out)
	return out, nil
}
