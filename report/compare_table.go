package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/imscore/imscore/criteria/catalogue"
)

// Comparison table: one column per messenger, one row per criterion, group
// rows between; when the columns do not fit the width, several tables
// (blocks) follow each other, each repeating the criterion column. Below
// them the live results, the legend and the attribution.

const (
	critMaxW = 34 // widest criterion column
	colMaxW  = 14 // widest messenger column (names wrap)
	colMinW  = 10 // "◐ partial*"
)

// WriteCompareTable writes v for a terminal of cols columns (at least
// MinWidth). Text from the catalogue and the scans is made visible-safe.
func WriteCompareTable(w io.Writer, v CompareView, cols int) error {
	_, err := io.WriteString(w, compareTable(v, max(cols, MinWidth)))
	return err
}

// compareColumn is one messenger's column.
type compareColumn struct {
	i    int // the messenger's index in the view (and in each row's cells)
	head []string
	w    int
}

func compareTable(v CompareView, lineW int) string {
	var b strings.Builder
	if p := v.Persona; p != nil {
		b.WriteString(wrapPara(fmt.Sprintf("View: %s (--persona %s). Messengers ordered by their score for this view, best first; ▶ marks its key criteria, [n] its weights.",
			Visible(p.Name), Visible(p.ID)), lineW))
		b.WriteString("\n")
	}
	critW := width("Criterion")
	for _, r := range v.Rows {
		critW = max(critW, width(rowTitle(r)))
	}
	if v.Persona != nil {
		for _, t := range scoreTitles {
			critW = max(critW, width(t))
		}
	}
	critW = min(critW, critMaxW, max(lineW-7-colMaxW, 10))

	var cols []compareColumn
	for i, m := range v.Messengers {
		head := wrapWords(Visible(m.Name), colMaxW)
		if m.Status == catalogue.StatusDiscontinued {
			head = append(head, "(ended)")
		}
		w := colMinW
		for _, h := range head {
			w = max(w, width(h))
		}
		// Every label the column will show must fit ("◐ partial*†" is 11).
		for _, r := range v.Rows {
			w = max(w, width(r.Cells[i].Label()))
		}
		if v.Persona != nil {
			for _, l := range scoreLabels(v.Scores[i]) {
				w = max(w, width(l))
			}
		}
		cols = append(cols, compareColumn{i: i, head: head, w: w})
	}

	// Split the columns into blocks that fit: a row is
	// "│ crit │ c1 │ … │", i.e. 1 + (critW+3) + Σ(w+3).
	for i, bi := 0, 0; i < len(cols); bi++ {
		used := 1 + critW + 3
		j := i
		for j < len(cols) && (j == i || used+cols[j].w+3 <= lineW) {
			used += cols[j].w + 3
			j++
		}
		if bi > 0 {
			b.WriteString("\n")
		}
		compareBlock(&b, v, critW, cols[i:j])
		i = j
	}

	liveTable(&b, v.Comparison.Live, lineW)
	compareLegend(&b, v, lineW)
	return b.String()
}

// compareBlock writes one table: the criterion column and cols.
func compareBlock(b *strings.Builder, v CompareView, critW int, cols []compareColumn) {
	widths := []int{critW}
	for _, cl := range cols {
		widths = append(widths, cl.w)
	}
	rule := func(l, m, r string) {
		b.WriteString(l)
		for i, w := range widths {
			if i > 0 {
				b.WriteString(m)
			}
			b.WriteString(strings.Repeat("─", w+2))
		}
		b.WriteString(r + "\n")
	}
	row := func(cells [][]string) {
		n := 0
		for _, c := range cells {
			n = max(n, len(c))
		}
		for line := 0; line < n; line++ {
			b.WriteString("│")
			for i, c := range cells {
				s := ""
				if line < len(c) {
					s = c[line]
				}
				b.WriteString(" " + s + strings.Repeat(" ", max(0, widths[i]-width(s))) + " │")
			}
			b.WriteString("\n")
		}
	}
	rule("┌", "┬", "┐")
	head := [][]string{{"Criterion"}}
	for _, cl := range cols {
		head = append(head, cl.head)
	}
	row(head)
	if v.Persona != nil {
		rule("├", "┼", "┤")
		cells := [][]string{wrapWords("SCORE FOR THIS VIEW", critW)}
		for range cols {
			cells = append(cells, nil)
		}
		row(cells)
		for k, t := range scoreTitles {
			cells := [][]string{wrapWords(t, critW)}
			for _, cl := range cols {
				cells = append(cells, []string{scoreLabels(v.Scores[cl.i])[k]})
			}
			row(cells)
		}
	}
	group := ""
	for _, r := range v.Rows {
		if r.Criterion.Group != group {
			group = r.Criterion.Group
			rule("├", "┼", "┤")
			g, _ := v.Comparison.Catalogue.Taxonomy.Group(group)
			cells := [][]string{wrapWords(strings.ToUpper(Visible(g.Title)), critW)}
			for range cols {
				cells = append(cells, nil)
			}
			row(cells)
		}
		cells := [][]string{wrapWords(rowTitle(r), critW)}
		for _, cl := range cols {
			cells = append(cells, []string{r.Cells[cl.i].Label()})
		}
		row(cells)
	}
	rule("└", "┴", "┘")
}

// compareLegend explains the marks, the ended messengers and the data's
// origin.
func compareLegend(b *strings.Builder, v CompareView, lineW int) {
	c := v.Comparison
	b.WriteString("\n")
	b.WriteString(wrapPara("Legend: ✓ yes · ◐ partial · ✗ no · ? unknown (no source yet) · – n/a; yes is always the privacy-friendly answer.", lineW))
	if v.Stale > 0 {
		b.WriteString(wrapPara(fmt.Sprintf("* stale: checked more than %d days before %s (%d claims).",
			c.MaxAgeDays(), c.AsOfDate(), v.Stale), lineW))
	}
	if v.Persona != nil {
		personaLegend(b, v, lineW)
	}
	if v.Disputed > 0 {
		b.WriteString(wrapPara(fmt.Sprintf("† disputed: other sources say otherwise (%d claims; both sides in --format json or html).", v.Disputed), lineW))
	}
	for _, m := range v.Messengers {
		if m.Status == catalogue.StatusDiscontinued {
			end := "end date not sourced yet"
			if m.Ended != "" {
				end = "since " + m.Ended
			}
			b.WriteString(wrapPara(fmt.Sprintf("%s: discontinued, %s.", Visible(m.Name), end), lineW))
		}
	}
	b.WriteString(wrapPara("Every claim's explanation, sources and check date: --format json. Data derived from SecuChart (CC BY-SA 3.0) and imscore research; see criteria/catalogue/data/NOTICE.", lineW))
}

// scoreTitles name the rows of a persona view's score section;
// scoreLabels are one messenger's cells in them.
var scoreTitles = []string{"Score (0–100)", "Meets the required criteria", "Unknown share of the score"}

func scoreLabels(s catalogue.PersonaScore) []string {
	return []string{ScoreLabel(s), SuitableLabel(s), UnknownLabel(s)}
}

// rowTitle is a row's criterion as the table shows it: in a persona view
// with the persona's weight, a key criterion marked ▶.
func rowTitle(r CompareRow) string {
	t := Visible(r.Criterion.Title)
	if r.Key() {
		t = "▶ " + t
	}
	if l := r.WeightLabel(); l != "" {
		t += " " + l
	}
	return t
}

// personaLegend explains a persona view: how it scores and orders, its
// marks, and which messengers fail a required criterion.
func personaLegend(b *strings.Builder, v CompareView, lineW int) {
	p := v.Persona
	b.WriteString(wrapPara(fmt.Sprintf("This view, %s: %s", Visible(p.Name), Visible(p.Description)), lineW))
	b.WriteString(wrapPara(PersonaMethod, lineW))
	b.WriteString(wrapPara("▶ key criterion of this view (weight 4 or more, or required); [n] its weight; [n, required] a criterion it cannot do without. Why each weight: --format json or html.", lineW))
	tax := v.Comparison.Catalogue.Taxonomy
	for i, s := range v.Scores {
		if len(s.Unsuitable) == 0 {
			continue
		}
		var names []string
		for _, id := range s.Unsuitable {
			cr, _ := tax.Criterion(id)
			names = append(names, Visible(cr.Title))
		}
		b.WriteString(wrapPara(fmt.Sprintf("%s: unsuitable for this view, %s on %s.", Visible(v.Messengers[i].Name), ValueLabel(catalogue.No), strings.Join(names, "; ")), lineW))
	}
}
