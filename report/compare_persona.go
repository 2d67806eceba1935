package report

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/criteria/catalogue"
)

// Threat-model views (`imscore compare --persona NAME`): the comparison as
// one persona of the catalogue sees it. The messengers are ordered by the
// persona's score (suitable ones first, see catalogue.Persona.Rank), every
// row carries the persona's weight of its criterion, and the key and
// required criteria are marked, so the order can be checked against the
// cells it rests on.

// Persona finds the catalogue's persona named id (case-insensitive); an
// unknown name is an error that names the known ones.
func (c *Comparison) Persona(id string) (*catalogue.Persona, error) {
	if p, ok := c.Catalogue.Persona(id); ok {
		return p, nil
	}
	known := PersonaIDs(c.Catalogue)
	if len(known) == 0 {
		return nil, fmt.Errorf("unknown persona %q (the catalogue has none)", Visible(id))
	}
	return nil, fmt.Errorf("unknown persona %q (known: %s)", Visible(id), strings.Join(known, ", "))
}

// PersonaIDs are the IDs of the catalogue's personas, in its order.
func PersonaIDs(cat *catalogue.Catalogue) []string {
	var ids []string
	for _, p := range cat.Personas {
		ids = append(ids, p.ID)
	}
	return ids
}

// PersonaView narrows c to the criteria of groups (none: every group) and
// orders its messengers by persona p's score, best first: messengers that
// answer "no" on a criterion p requires come after the others, whatever
// their score. The score always weighs all of p's criteria, also those of
// groups the view leaves out.
func (c *Comparison) PersonaView(p *catalogue.Persona, groups []string) CompareView {
	v := CompareView{Comparison: c, Groups: groups, Persona: p}
	v.Scores = p.Rank(c.Messengers)
	byID := make(map[string]*catalogue.Messenger, len(c.Messengers))
	for _, m := range c.Messengers {
		byID[m.ID] = m
	}
	for _, s := range v.Scores {
		v.Messengers = append(v.Messengers, byID[s.Messenger])
	}
	v.fill()
	return v
}

// personaWeight is p's weight of criterion id (Weight 0: not weighed).
func personaWeight(p *catalogue.Persona, id string) catalogue.Weight {
	for _, w := range p.Weights {
		if w.Criterion == id {
			return w
		}
	}
	return catalogue.Weight{Criterion: id}
}

// Weighted reports whether the view's persona weighs the row's criterion.
func (r CompareRow) Weighted() bool { return r.Weight.Weight > 0 }

// Key reports whether the row's criterion is a key criterion of the view's
// persona: weighed at least catalogue.KeyWeight, or required.
func (r CompareRow) Key() bool {
	return r.Weighted() && (r.Weight.Weight >= catalogue.KeyWeight || r.Weight.Required)
}

// WeightLabel is the row's weight as text: "[4]", "[5, required]", "" when
// not weighed.
func (r CompareRow) WeightLabel() string {
	switch {
	case !r.Weighted():
		return ""
	case r.Weight.Required:
		return fmt.Sprintf("[%d, required]", r.Weight.Weight)
	}
	return fmt.Sprintf("[%d]", r.Weight.Weight)
}

// ScoreLabel is a messenger's score in the view as text ("72/100").
func ScoreLabel(s catalogue.PersonaScore) string { return fmt.Sprintf("%d/100", s.Score) }

// SuitableLabel says whether a messenger meets every criterion the
// persona requires: "✓ yes", or "✗ no" with how many it fails.
func SuitableLabel(s catalogue.PersonaScore) string {
	if len(s.Unsuitable) == 0 {
		return ValueLabel(catalogue.Yes)
	}
	return fmt.Sprintf("%s (%d)", ValueLabel(catalogue.No), len(s.Unsuitable))
}

// UnknownLabel is the share of a messenger's possible points that rests on
// unknown cells ("12 %").
func UnknownLabel(s catalogue.PersonaScore) string { return fmt.Sprintf("%d %%", s.UnknownWeight) }

// PersonaMethod explains how a persona view scores and orders the
// messengers (the table's legend and the pages say it).
const PersonaMethod = "Messengers are ordered by their score for this view (0–100): on every criterion the persona weighs, yes earns the weight in full, partial half, no and unknown nothing, and n/a leaves the criterion out. Weights go from 1 (nice to have) to 5 (essential); a messenger that answers no on a required criterion is unsuitable and comes after the suitable ones, whatever its score. “Unknown” is the share of the possible points that rests on cells with no source yet: the higher it is, the less the score says."
