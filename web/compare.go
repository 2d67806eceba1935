package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/a-h/templ"

	"github.com/imscore/imscore/criteria/catalogue"
	"github.com/imscore/imscore/report"
)

// The comparison pages live under compare/ in the site: index.html (every
// group, messengers in the order given), one page per criterion group
// (group-G.html), one per sort key (sort-C.html: every group, messengers
// ordered by their value for criterion C, best first), one per sort key
// within its group (group-G-sort-C.html), and criteria.html explaining
// every row; one page per threat-model persona (persona-P.html: every
// group, messengers ordered by the persona's score, its weights shown and
// explained). So filtering, sorting and the persona views need no script,
// and the number of pages is bounded by 1 + groups + 2 × criteria +
// personas whatever the selection.
const compareDir = "compare/"

// The catalogue data's origin and licence, linked from the footer of every
// comparison page.
const (
	secuchartURL = "https://github.com/bkil/secuchart"
	ccBySA3URL   = "https://creativecommons.org/licenses/by-sa/3.0/"
)

// RenderCompare writes the comparison pages (compare/…) and the style
// sheet into dir, created if missing; other files are left alone. The
// messengers are drawn in the order given, with every live scan below the
// table of every page; opts.Title names the site.
func RenderCompare(dir string, c *report.Comparison, opts Options) error {
	files, err := BuildCompare(c, opts)
	if err != nil {
		return err
	}
	return writeFiles(dir, files)
}

// BuildCompare returns the comparison pages by slash-separated path
// relative to the site root. A zero MaxAge means catalogue.DefaultMaxAge.
func BuildCompare(in *report.Comparison, opts Options) (map[string][]byte, error) {
	if in == nil || in.Catalogue == nil || len(in.Messengers) == 0 {
		return nil, errors.New("web: nothing to compare")
	}
	c := *in
	if c.MaxAge <= 0 {
		c.MaxAge = catalogue.DefaultMaxAge
	}
	title := opts.Title
	if title == "" {
		title = "imscore"
	}
	files := map[string][]byte{"style.css": styleCSS}
	ctx := context.Background()
	add := func(name string, comp templ.Component) error {
		var b bytes.Buffer
		if err := comp.Render(ctx, &b); err != nil {
			return fmt.Errorf("web: rendering %s: %w", name, err)
		}
		files[name] = b.Bytes()
		return nil
	}
	pg := func(name, section string) page {
		return page{Site: title, Title: name, Root: "../", Section: section, Compare: true}
	}
	type key struct{ group, sort string }
	keys := []key{{"", ""}}
	for _, g := range c.Catalogue.Taxonomy.Groups {
		keys = append(keys, key{g.ID, ""})
	}
	for _, cr := range c.Catalogue.Taxonomy.Criteria {
		keys = append(keys, key{"", cr.ID}, key{cr.Group, cr.ID})
	}
	for _, k := range keys {
		v := newCompareView(&c, k.group, k.sort)
		if err := add(compareDir+compareFile(k.group, k.sort), comparePage(pg(v.Heading(), "compare"), v)); err != nil {
			return nil, err
		}
	}
	for i := range c.Catalogue.Personas {
		p := &c.Catalogue.Personas[i]
		v := compareView{CompareView: c.PersonaView(p, nil)}
		if err := add(compareDir+PersonaFile(p.ID), comparePage(pg(v.Heading(), "compare"), v)); err != nil {
			return nil, err
		}
	}
	all := c.View(nil, "")
	if err := add(compareDir+"criteria.html", compareCriteriaPage(pg("Comparison criteria", "compare-criteria"), all.Sections())); err != nil {
		return nil, err
	}
	return files, nil
}

// CompareFile names the page (under compare/) for a group filter and a
// sort criterion; "" means all groups and the order given.
func CompareFile(group, sortBy string) string { return compareFile(group, sortBy) }

func compareFile(group, sortBy string) string {
	switch {
	case group == "" && sortBy == "":
		return "index.html"
	case sortBy == "":
		return "group-" + group + ".html"
	case group == "":
		return "sort-" + sortBy + ".html"
	}
	return "group-" + group + "-sort-" + sortBy + ".html"
}

// PersonaFile names the page (under compare/) of the persona with ID id.
func PersonaFile(id string) string { return "persona-" + id + ".html" }

// compareView is one comparison page: the model's view for one group
// ("" for all) and sort key, or for one persona.
type compareView struct {
	report.CompareView
	Group string
}

func newCompareView(c *report.Comparison, group, sortBy string) compareView {
	var groups []string
	if group != "" {
		groups = []string{group}
	}
	return compareView{CompareView: c.View(groups, sortBy), Group: group}
}

// Heading is the page's h1 and title.
func (v compareView) Heading() string {
	if v.Persona != nil {
		return "Messenger comparison for one threat model: " + line(v.Persona.Name)
	}
	h := "Messenger comparison"
	if v.Group != "" {
		g, _ := v.Comparison.Catalogue.Taxonomy.Group(v.Group)
		h += ": " + g.Title
	}
	if v.Sort != "" {
		cr, _ := v.Comparison.Catalogue.Taxonomy.Criterion(v.Sort)
		h += ", sorted by " + cr.Title
	}
	return h
}

// GroupHref links to the page for group g ("" for all), keeping the sort
// when its criterion is shown there.
func (v compareView) GroupHref(g string) string {
	s := v.Sort
	if cr, ok := v.Comparison.Catalogue.Taxonomy.Criterion(s); ok && g != "" && cr.Group != g {
		s = ""
	}
	return compareFile(g, s)
}

// SortHref links to this page sorted by criterion id ("" for the order
// given).
func (v compareView) SortHref(id string) string { return compareFile(v.Group, id) }

func (v compareView) columns() int { return len(v.Messengers) + 1 }

// personas are the catalogue's threat-model views, each a page.
func (v compareView) personas() []catalogue.Persona { return v.Comparison.Catalogue.Personas }

// isPersona reports whether the page is persona id's view.
func (v compareView) isPersona(id string) bool { return v.Persona != nil && v.Persona.ID == id }

// score is the standing of the view's i-th messenger in its persona.
func (v compareView) score(i int) catalogue.PersonaScore { return v.Scores[i] }

// unsuitable lists the titles of the required criteria a messenger
// answers "no".
func (v compareView) unsuitable(s catalogue.PersonaScore) string {
	var out []string
	for _, id := range s.Unsuitable {
		out = append(out, critTitle(v.Comparison, id))
	}
	return strings.Join(out, "; ")
}

// weightLabel is a weight as the weights table shows it.
func weightLabel(w catalogue.Weight) string {
	return itoa(w.Weight) + " of " + itoa(catalogue.MaxWeight)
}
func (v compareView) allGroups() []catalogue.Group {
	return v.Comparison.Catalogue.Taxonomy.Groups
}

// liveKind names the server a live scan looked at.
func liveKind(k string) string { return line(report.ServerKindName(k)) }

// Cell presentation: a symbol and a word, never colour alone.

func valueSymbol(v catalogue.Value) string { return v.Symbol() }

func valueWord(v catalogue.Value) string { return line(v.Word()) }

func valueClass(v catalogue.Value) string {
	switch v {
	case catalogue.Yes, catalogue.Partial, catalogue.No, catalogue.Unknown:
		return "cv cv-" + string(v)
	case catalogue.NA:
		return "cv cv-na"
	}
	return "cv cv-unknown"
}

// cellTitle is the tooltip of a cell: the explanation and when it was
// checked.
func cellTitle(c *report.Comparison, m *catalogue.Messenger, cell report.CompareCell) string {
	var b strings.Builder
	b.WriteString(m.Name + ": " + valueWord(cell.Claim.Value) + ". ")
	b.WriteString(line(cell.Claim.Explanation))
	if cell.Claim.Checked != "" {
		b.WriteString(" Checked " + cell.Claim.Checked + ".")
	} else {
		b.WriteString(" No source yet.")
	}
	if cell.Stale {
		b.WriteString(fmt.Sprintf(" Stale: checked more than %d days before %s.", c.MaxAgeDays(), c.AsOfDate()))
	}
	for _, d := range cell.Claim.Disputed {
		b.WriteString(" Disputed: another source says " + valueWord(d.Value) + ": " + line(d.Explanation) + " (checked " + d.Checked + ").")
	}
	return b.String()
}

// safeDissentSources are the well-formed sources of every dissent.
func safeDissentSources(cl catalogue.Claim) []string {
	var out []string
	for _, d := range cl.Disputed {
		for _, s := range d.Sources {
			if catalogue.CheckURL(s) == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

// safeSources are the claim's sources that are well-formed http(s) URLs
// (Load refuses others; this keeps the page safe whatever the input).
func safeSources(cl catalogue.Claim) []string {
	var out []string
	for _, s := range cl.Sources {
		if catalogue.CheckURL(s) == nil {
			out = append(out, s)
		}
	}
	return out
}

func safeURL(s string) string {
	if catalogue.CheckURL(s) == nil {
		return s
	}
	return ""
}

// messengerNote is the small line under a messenger's name.
func messengerNote(m *catalogue.Messenger) string {
	var parts []string
	switch m.Kind {
	case catalogue.KindClient:
		if m.Protocol != "" {
			parts = append(parts, line(m.Protocol)+" client")
		} else {
			parts = append(parts, "client")
		}
	case catalogue.KindProtocol:
		parts = append(parts, "protocol")
	default:
		parts = append(parts, "service")
	}
	if m.Status == catalogue.StatusDiscontinued {
		if m.Ended != "" {
			parts = append(parts, "discontinued "+m.Ended)
		} else {
			parts = append(parts, "discontinued")
		}
	}
	return strings.Join(parts, " · ")
}

// originName spells out where a criterion comes from.
func originName(o string) string {
	switch o {
	case "eff":
		return "EFF Secure Messaging Scorecard"
	case "pg":
		return "Privacy Guides"
	case "sok":
		return "SoK: Secure Messaging"
	case "articles":
		return "comparison articles"
	}
	return line(o)
}

func originList(os []string) string {
	var out []string
	for _, o := range os {
		out = append(out, originName(o))
	}
	return strings.Join(out, ", ")
}

func countRows(secs []report.CompareSection) int {
	n := 0
	for _, s := range secs {
		n += len(s.Rows)
	}
	return n
}

func critTitle(c *report.Comparison, id string) string {
	cr, _ := c.Catalogue.Taxonomy.Criterion(id)
	return cr.Title
}

func safeStatusSources(m *catalogue.Messenger) []string {
	var out []string
	for _, s := range m.StatusSources {
		if catalogue.CheckURL(s) == nil {
			out = append(out, s)
		}
	}
	return out
}
