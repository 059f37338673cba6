package quantum

// The static tables of the format. A match offset is coded as a position
// slot (an arithmetic-coded symbol) followed by extra raw bits; the length
// of a variable-length match likewise as a length slot and extra bits.
const (
	positionSlots = 42 // slots for a 2 MiB window; smaller windows use 2*windowBits
	lengthSlots   = 27
	literalSyms   = 64 // each of the four literal models codes a quarter of the byte values
	selectors     = 7

	// Every coded symbol adds freqStep to its frequency; a model whose
	// total passes maxTotal is scaled down.
	freqStep = 8
	maxTotal = 3800

	// A model is halved three times before its first re-sort, and 49
	// times between later ones.
	firstRescales = 4
	laterRescales = 50
)

var (
	// positionBase[slot] is the smallest offset-1 of slot; positionExtra
	// the number of raw bits that follow the slot.
	positionBase  [positionSlots]int
	positionExtra [positionSlots]uint

	// lengthBase[slot] is the smallest length-5 of a variable-length
	// match in slot; lengthExtra the number of raw bits that follow.
	lengthBase  [lengthSlots]int
	lengthExtra = [lengthSlots]uint{
		0, 0, 0, 0, 0, 0,
		1, 1, 1, 1,
		2, 2, 2, 2,
		3, 3, 3, 3,
		4, 4, 4, 4,
		5, 5, 5, 5,
		0,
	}
)

func init() {
	base := 0
	for s := range positionExtra {
		positionExtra[s] = uint(max(s/2-1, 0))
		positionBase[s] = base
		base += 1 << positionExtra[s]
	}
	base = 0
	for s := range lengthExtra {
		lengthBase[s] = base
		base += 1 << lengthExtra[s]
	}
}

// model is an adaptive frequency model: the symbols kept in decreasing
// order of frequency (after re-sorts), with cumulative frequencies. cum[i]
// is the summed frequency of entries i..n-1, so cum[0] is the total and
// cum[n] is 0; entry i owns the interval [cum[i+1], cum[i]).
type model struct {
	n          int
	rescalesTo int // rescales left before the next re-sort
	sym        [literalSyms + 1]uint16
	cum        [literalSyms + 1]uint16
}

// init gives the n symbols first..first+n-1 frequency 1 each.
func (m *model) init(first, n int) {
	m.n = n
	m.rescalesTo = firstRescales
	for i := 0; i <= n; i++ {
		m.sym[i] = uint16(first + i)
		m.cum[i] = uint16(n - i)
	}
}

// update counts a coded occurrence of entry k and scales the model down
// when its total grows past maxTotal.
func (m *model) update(k int) {
	for i := 0; i <= k; i++ {
		m.cum[i] += freqStep
	}
	if m.cum[0] > maxTotal {
		m.rescale()
	}
}

// rescale halves the frequencies. Usually it halves the cumulative counts
// in place (keeping every entry at least one above the next); every
// rescalesTo-th time it instead halves each entry's own frequency and
// re-sorts the entries by it, with an exchange sort whose handling of
// equal frequencies is part of the format: encoder and decoder must end
// up with the same order.
func (m *model) rescale() {
	n := m.n
	m.rescalesTo--
	if m.rescalesTo > 0 {
		for i := n - 1; i >= 0; i-- {
			m.cum[i] >>= 1
			if m.cum[i] <= m.cum[i+1] {
				m.cum[i] = m.cum[i+1] + 1
			}
		}
		return
	}
	m.rescalesTo = laterRescales
	// Frequencies, rounded up when halved so none drops to zero.
	for i := 0; i < n; i++ {
		m.cum[i] = (m.cum[i] - m.cum[i+1] + 1) >> 1
	}
	for i := 0; i < n-1; i++ {
		for j := i + 1; j < n; j++ {
			if m.cum[i] < m.cum[j] {
				m.cum[i], m.cum[j] = m.cum[j], m.cum[i]
				m.sym[i], m.sym[j] = m.sym[j], m.sym[i]
			}
		}
	}
	for i := n - 1; i >= 0; i-- {
		m.cum[i] += m.cum[i+1]
	}
}
