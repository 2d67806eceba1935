package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/imscore/imscore/criteria/catalogue"
)

// Comparison is messengers from the catalogue side by side (`imscore
// compare`): one column per messenger, one row per criterion of the
// catalogue's taxonomy, each cell a sourced claim. Live holds scans of
// servers shown beside it (`imscore compare --server`). WriteCompareTable
// and WriteCompareJSON render a view of it; package web draws every view
// as pages.
type Comparison struct {
	Catalogue *catalogue.Catalogue
	// Messengers in the order given.
	Messengers []*catalogue.Messenger
	// AsOf is the day staleness is judged on (given, not read from the
	// clock, so the output is deterministic).
	AsOf time.Time
	// MaxAge is the age after which a claim is shown as stale.
	MaxAge time.Duration
	// Live are live scans of servers, each marked with when and where it
	// was measured: a measurement of one server, never a claim about a
	// messenger.
	Live []LiveServer
}

// AsOfDate is AsOf as a catalogue date (YYYY-MM-DD).
func (c *Comparison) AsOfDate() string { return c.AsOf.UTC().Format(catalogue.DateLayout) }

// MaxAgeDays is MaxAge in days.
func (c *Comparison) MaxAgeDays() int { return int(c.MaxAge / (24 * time.Hour)) }

// CompareView is a comparison narrowed to some criterion groups, its
// messengers ordered by one criterion or by a persona's score: what one
// table or page shows.
type CompareView struct {
	Comparison *Comparison
	// Groups are the groups shown (nil: all); Sort the criterion the
	// messengers are ordered by ("": as given).
	Groups []string
	Sort   string
	// Messengers in the order shown.
	Messengers []*catalogue.Messenger
	// Persona is the threat-model view the messengers are ordered by (nil:
	// none; see PersonaView), and Scores their standing in it, in the
	// order shown.
	Persona *catalogue.Persona
	Scores  []catalogue.PersonaScore
	// Rows are the criteria shown, in the taxonomy's order.
	Rows []CompareRow
	// Stale and Disputed count the cells so marked.
	Stale, Disputed int
}

// CompareRow is one criterion: a cell per messenger, in the view's order.
type CompareRow struct {
	Criterion catalogue.Criterion
	// Weight is the view's persona's weight of the criterion; its Weight
	// is 0 when the persona does not weigh it or the view has no persona.
	Weight catalogue.Weight
	Cells  []CompareCell
}

// CompareCell is one messenger's claim for one criterion.
type CompareCell struct {
	Claim catalogue.Claim
	// Stale: checked longer than MaxAge before AsOf.
	Stale bool
}

// Disputed reports whether other sources say otherwise.
func (c CompareCell) Disputed() bool { return len(c.Claim.Disputed) > 0 }

// Label is the cell as text: the value's symbol and word, "*" when stale,
// "†" when disputed (never colour alone).
func (c CompareCell) Label() string {
	label := ValueLabel(c.Claim.Value)
	if c.Stale {
		label += "*"
	}
	if c.Disputed() {
		label += "†"
	}
	return label
}

// ValueLabel spells a value out with its symbol: "✓ yes", "– n/a".
func ValueLabel(v catalogue.Value) string { return v.Symbol() + " " + fold(Visible(v.Word())) }

// CompareSection is one group of rows.
type CompareSection struct {
	Group catalogue.Group
	Rows  []CompareRow
}

// View narrows c to the criteria of groups (none: every group) and orders
// its messengers by their value for criterion sortBy, best first, keeping
// the given order among equals ("": as given). Both must be known to the
// catalogue's taxonomy.
func (c *Comparison) View(groups []string, sortBy string) CompareView {
	v := CompareView{Comparison: c, Groups: groups, Sort: sortBy}
	v.Messengers = slices.Clone(c.Messengers)
	if sortBy != "" {
		slices.SortStableFunc(v.Messengers, func(a, b *catalogue.Messenger) int {
			return cmp.Compare(a.Rank(sortBy), b.Rank(sortBy))
		})
	}
	v.fill()
	return v
}

// fill builds the view's rows for its messengers, in their order.
func (v *CompareView) fill() {
	c := v.Comparison
	for _, cr := range c.Catalogue.Taxonomy.Criteria {
		if !v.shows(cr.Group) {
			continue
		}
		row := CompareRow{Criterion: cr}
		if v.Persona != nil {
			row.Weight = personaWeight(v.Persona, cr.ID)
		}
		for _, m := range v.Messengers {
			cl, ok := m.Claim(cr.ID)
			if !ok {
				cl = catalogue.Claim{Criterion: cr.ID, Value: catalogue.Unknown, Explanation: "No claim in the catalogue."}
			}
			cell := CompareCell{Claim: cl, Stale: catalogue.IsStale(cl, c.AsOf, c.MaxAge)}
			if cell.Stale {
				v.Stale++
			}
			if cell.Disputed() {
				v.Disputed++
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
}

// shows reports whether the view shows group g.
func (v *CompareView) shows(g string) bool { return len(v.Groups) == 0 || slices.Contains(v.Groups, g) }

// Sections are the view's rows by group, in the taxonomy's group order;
// every group shown has its section, even without rows.
func (v *CompareView) Sections() []CompareSection {
	var out []CompareSection
	for _, g := range v.Comparison.Catalogue.Taxonomy.Groups {
		if !v.shows(g.ID) {
			continue
		}
		sec := CompareSection{Group: g}
		for _, r := range v.Rows {
			if r.Criterion.Group == g.ID {
				sec.Rows = append(sec.Rows, r)
			}
		}
		out = append(out, sec)
	}
	return out
}

// RowGroups are the groups that have rows in the view, in the taxonomy's
// group order.
func (v *CompareView) RowGroups() []catalogue.Group {
	var out []catalogue.Group
	for _, g := range v.Comparison.Catalogue.Taxonomy.Groups {
		if slices.ContainsFunc(v.Rows, func(r CompareRow) bool { return r.Criterion.Group == g.ID }) {
			out = append(out, g)
		}
	}
	return out
}
