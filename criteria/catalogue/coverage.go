package catalogue

import "fmt"

// Coverage counts how much of the catalogue is known: every cell
// (messenger × criterion) and the unknown ones, overall, per criterion and
// per messenger.
type Coverage struct {
	Cells   int `json:"cells"`
	Unknown int `json:"unknown"`
	// ByCriterion and ByMessenger count the unknown cells.
	ByCriterion map[string]int `json:"by_criterion"`
	ByMessenger map[string]int `json:"by_messenger"`
}

// MaxUnknownShare is the share of unknown cells (percent) the catalogue
// may have at most, and MaxUnknownCurrent the unknown criteria a current
// messenger may have at most: beyond that the comparison is not fit to
// publish (issue 15).
const (
	MaxUnknownShare   = 15
	MaxUnknownCurrent = 4
)

// Coverage counts the unknown cells of c.
func (c *Catalogue) Coverage() Coverage {
	cv := Coverage{ByCriterion: map[string]int{}, ByMessenger: map[string]int{}}
	for _, m := range c.Messengers {
		cv.ByMessenger[m.ID] = 0
		for _, cr := range c.Taxonomy.Criteria {
			cv.Cells++
			cl, ok := m.Claim(cr.ID)
			if !ok || cl.Value == Unknown {
				cv.Unknown++
				cv.ByCriterion[cr.ID]++
				cv.ByMessenger[m.ID]++
			}
		}
	}
	return cv
}

// UnknownShare is the share of unknown cells in percent.
func (cv Coverage) UnknownShare() float64 {
	if cv.Cells == 0 {
		return 0
	}
	return 100 * float64(cv.Unknown) / float64(cv.Cells)
}

// Unpublishable lists why c is not fit to publish yet (issue 15): more
// than MaxUnknownShare percent of the cells unknown, or a current
// messenger with more than MaxUnknownCurrent unknown criteria, or a
// messenger whose status no source settles (a reader must know whether it
// is still maintained). Empty when it is.
func (c *Catalogue) Unpublishable() []string {
	cv := c.Coverage()
	var out []string
	if cv.Unknown*100 > MaxUnknownShare*cv.Cells {
		out = append(out, fmt.Sprintf("%d of %d cells unknown (%.1f%%, at most %d%% allowed)", cv.Unknown, cv.Cells, cv.UnknownShare(), MaxUnknownShare))
	}
	for _, m := range c.Messengers {
		if m.Status == StatusCurrent && cv.ByMessenger[m.ID] > MaxUnknownCurrent {
			out = append(out, fmt.Sprintf("%s: %d unknown criteria (a current messenger may have at most %d)", m.ID, cv.ByMessenger[m.ID], MaxUnknownCurrent))
		}
		if m.Status == StatusUnknown {
			out = append(out, fmt.Sprintf("%s: status unknown (want current, or discontinued with a sourced date)", m.ID))
		}
	}
	return out
}
