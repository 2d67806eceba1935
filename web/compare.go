package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/imscore/imscore/criteria/catalogue"
	"github.com/imscore/imscore/report"
)

// Compare is what RenderCompare and BuildCompare draw: messengers from the
// catalogue, in the order given, judged as of AsOf.
type Compare struct {
	Cat        *catalogue.Catalogue
	Messengers []*catalogue.Messenger
	// AsOf is the day staleness is judged on (the page shows it; it is
	// not taken from the clock, so the output is deterministic).
	AsOf time.Time
	// MaxAge is the age after which a claim is shown as stale.
	MaxAge time.Duration
	// Title names the site ("" means "imscore").
	Title string
	// Live are live scans of servers (imscore compare --server), shown
	// below the table on every comparison page, marked with when and
	// where they were measured.
	Live []LiveServer
}

// LiveServer is one live scan shown with the comparison.
type LiveServer struct {
	Kind, Server string
	MeasuredAt   time.Time
	Grade        string
	Score        int
	Note         string
	Rows         []LiveRow
}

// LiveRow is one verdict of a live scan.
type LiveRow struct {
	Criterion, Title, Summary string
	Status                    report.Status
}

func liveKind(k string) string {
	switch k {
	case "xmpp":
		return "XMPP server"
	case "matrix":
		return "Matrix server"
	}
	return line(k)
}

// The comparison pages live under compare/ in the site: index.html (every
// group, messengers in the order given), one page per criterion group
// (group-G.html), one per sort key (sort-C.html: every group, messengers
// ordered by their value for criterion C, best first), one per sort key
// within its group (group-G-sort-C.html), and criteria.html explaining
// every row. So filtering and sorting need no script, and the number of
// pages is bounded by 1 + groups + 2 × criteria whatever the selection.
const compareDir = "compare/"

// CompareAttribution is the licence note of the catalogue data, shown in
// the footer of every comparison page.
const (
	secuchartURL = "https://github.com/bkil/secuchart"
	ccBySA3URL   = "https://creativecommons.org/licenses/by-sa/3.0/"
)

// RenderCompare writes the comparison pages (compare/…) and the style
// sheet into dir, created if missing; other files are left alone.
func RenderCompare(dir string, c Compare) error {
	files, err := BuildCompare(c)
	if err != nil {
		return err
	}
	return writeFiles(dir, files)
}

// BuildCompare returns the comparison pages by slash-separated path
// relative to the site root.
func BuildCompare(c Compare) (map[string][]byte, error) {
	if c.Cat == nil || len(c.Messengers) == 0 {
		return nil, errors.New("web: nothing to compare")
	}
	if c.MaxAge <= 0 {
		c.MaxAge = catalogue.DefaultMaxAge
	}
	if c.Title == "" {
		c.Title = "imscore"
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
	pg := func(title, section string) page {
		return page{Site: c.Title, Title: title, Root: "../", Section: section, Compare: true}
	}
	type key struct{ group, sort string }
	keys := []key{{"", ""}}
	for _, g := range c.Cat.Taxonomy.Groups {
		keys = append(keys, key{g.ID, ""})
	}
	for _, cr := range c.Cat.Taxonomy.Criteria {
		keys = append(keys, key{"", cr.ID}, key{cr.Group, cr.ID})
	}
	for _, k := range keys {
		v := c.view(k.group, k.sort)
		if err := add(compareDir+compareFile(k.group, k.sort), comparePage(pg(v.Heading(), "compare"), v)); err != nil {
			return nil, err
		}
	}
	if err := add(compareDir+"criteria.html", compareCriteriaPage(pg("Comparison criteria", "compare-criteria"), c.criteriaView())); err != nil {
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

// compareView is one comparison page.
type compareView struct {
	C          *Compare
	Group      string // the group shown, "" for all
	Sort       string // the criterion messengers are ordered by, "" for as given
	Messengers []*catalogue.Messenger
	Sections   []compareSection
	Stale      int
}

type compareSection struct {
	G    catalogue.Group
	Rows []compareRow
}

type compareRow struct {
	Crit  catalogue.Criterion
	Cells []compareCell
}

type compareCell struct {
	Claim catalogue.Claim
	Stale bool
}

func (c *Compare) view(group, sortBy string) compareView {
	v := compareView{C: c, Group: group, Sort: sortBy}
	v.Messengers = append(v.Messengers, c.Messengers...)
	if sortBy != "" {
		sort.SliceStable(v.Messengers, func(i, j int) bool {
			return v.Messengers[i].Rank(sortBy) < v.Messengers[j].Rank(sortBy)
		})
	}
	for _, g := range c.Cat.Taxonomy.Groups {
		if group != "" && g.ID != group {
			continue
		}
		sec := compareSection{G: g}
		for _, cr := range c.Cat.Taxonomy.Criteria {
			if cr.Group != g.ID {
				continue
			}
			row := compareRow{Crit: cr}
			for _, m := range v.Messengers {
				cl, ok := m.Claim(cr.ID)
				if !ok {
					cl = catalogue.Claim{Criterion: cr.ID, Value: catalogue.Unknown, Explanation: "No claim in the catalogue."}
				}
				st := catalogue.IsStale(cl, c.AsOf, c.MaxAge)
				if st {
					v.Stale++
				}
				row.Cells = append(row.Cells, compareCell{Claim: cl, Stale: st})
			}
			sec.Rows = append(sec.Rows, row)
		}
		v.Sections = append(v.Sections, sec)
	}
	return v
}

// Heading is the page's h1 and title.
func (v compareView) Heading() string {
	h := "Messenger comparison"
	if v.Group != "" {
		g, _ := v.C.Cat.Taxonomy.Group(v.Group)
		h += ": " + g.Title
	}
	if v.Sort != "" {
		cr, _ := v.C.Cat.Taxonomy.Criterion(v.Sort)
		h += ", sorted by " + cr.Title
	}
	return h
}

// GroupHref links to the page for group g ("" for all), keeping the sort
// when its criterion is shown there.
func (v compareView) GroupHref(g string) string {
	s := v.Sort
	if cr, ok := v.C.Cat.Taxonomy.Criterion(s); ok && g != "" && cr.Group != g {
		s = ""
	}
	return compareFile(g, s)
}

// SortHref links to this page sorted by criterion id ("" for the order
// given).
func (v compareView) SortHref(id string) string { return compareFile(v.Group, id) }

func (c *Compare) asOf() string                    { return c.AsOf.UTC().Format(catalogue.DateLayout) }
func (c *Compare) maxAgeDays() int                 { return int(c.MaxAge / (24 * time.Hour)) }
func (v compareView) columns() int                 { return len(v.Messengers) + 1 }
func (v compareView) allGroups() []catalogue.Group { return v.C.Cat.Taxonomy.Groups }

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
func (c *Compare) cellTitle(m *catalogue.Messenger, cell compareCell) string {
	var b strings.Builder
	b.WriteString(m.Name + ": " + valueWord(cell.Claim.Value) + ". ")
	b.WriteString(line(cell.Claim.Explanation))
	if cell.Claim.Checked != "" {
		b.WriteString(" Checked " + cell.Claim.Checked + ".")
	} else {
		b.WriteString(" No source yet.")
	}
	if cell.Stale {
		b.WriteString(fmt.Sprintf(" Stale: checked more than %d days before %s.", c.maxAgeDays(), c.asOf()))
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

// criteriaView is the page that explains every row.
type compareCriteriaView struct {
	C        *Compare
	Sections []compareSection
}

func (c *Compare) criteriaView() compareCriteriaView {
	v := compareCriteriaView{C: c}
	for _, g := range c.Cat.Taxonomy.Groups {
		sec := compareSection{G: g}
		for _, cr := range c.Cat.Taxonomy.Criteria {
			if cr.Group == g.ID {
				sec.Rows = append(sec.Rows, compareRow{Crit: cr})
			}
		}
		v.Sections = append(v.Sections, sec)
	}
	return v
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

func countRows(secs []compareSection) int {
	n := 0
	for _, s := range secs {
		n += len(s.Rows)
	}
	return n
}

func critTitle(c *Compare, id string) string {
	cr, _ := c.Cat.Taxonomy.Criterion(id)
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
