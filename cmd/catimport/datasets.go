package main

import (
	"fmt"
	"slices"

	"github.com/imscore/imscore/criteria/catalogue"
)

// adoptDatasets fills the unknown claims of m with the answers of the
// datasets that allow it (Adopt), citing the dataset alone and saying so;
// skip names a criterion left for later ("" skips none).
func adoptDatasets(m *catalogue.Messenger, datasets []catalogue.Dataset, skip string) {
	for _, d := range datasets {
		if !d.Adopt {
			continue
		}
		for _, r := range d.Rows {
			if r.Messenger != m.ID || r.Criterion == skip {
				continue
			}
			i := claimIndex(m, r.Criterion)
			if i < 0 || m.Claims[i].Value != catalogue.Unknown {
				continue
			}
			m.Claims[i] = catalogue.Claim{
				Criterion: r.Criterion,
				Value:     r.Value,
				Explanation: fmt.Sprintf("%s says: %s. Taken from that comparison until imscore checks it against the vendor's or project's own pages.",
					d.Title, r.Says),
				Sources: []string{d.Source},
				Checked: d.Checked,
				Via:     "dataset " + d.ID,
			}
		}
	}
}

// applyDatasets records every dataset's answer on the claims of m: the
// dataset as a second source where it agrees, a dissent where it does not.
func applyDatasets(m *catalogue.Messenger, datasets []catalogue.Dataset) {
	for _, d := range datasets {
		for _, r := range d.Rows {
			if r.Messenger != m.ID {
				continue
			}
			i := claimIndex(m, r.Criterion)
			if i < 0 {
				continue
			}
			c := &m.Claims[i]
			switch {
			case c.Value == catalogue.Unknown:
			case c.Value == r.Value:
				if !slices.Contains(c.Sources, d.Source) {
					c.Sources = append(c.Sources, d.Source)
				}
			default:
				c.Disputed = append(c.Disputed, Dissent(d, r))
			}
		}
	}
}

// Dissent is a dataset row as a dissent.
func Dissent(d catalogue.Dataset, r catalogue.DatasetRow) catalogue.Dissent {
	return catalogue.Dissent{
		Value:       r.Value,
		Explanation: fmt.Sprintf("%s (%s) says: %s.", d.Title, d.Version, r.Says),
		Sources:     []string{d.Source},
		Checked:     d.Checked,
	}
}
