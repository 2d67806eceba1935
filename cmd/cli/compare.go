package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria/catalogue"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/web"
)

// compareOptions are the flags of `imscore compare`.
type compareOptions struct {
	all     bool
	format  string
	groups  []string
	sortBy  string
	width   int
	asOf    string
	maxAge  int // days
	dir     string
	outFile string
	servers []string
	scan    scanOptions
}

func newCompareCmd(stdout io.Writer) *cobra.Command {
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare NAME... | --all",
		Short: "Compare messengers side by side from the sourced messenger catalogue",
		Long: `Compare messengers against imscore's criteria taxonomy (EFF scorecard,
Privacy Guides, SoK: Secure Messaging, and what comparison articles ask for).
Each cell is a claim — yes, partial, no, unknown or n/a — with sources and the
date it was checked (--format json carries them all); a claim checked longer
ago than --max-age days is marked stale.

The data is derived from SecuChart (CC BY-SA 3.0) and imscore's own research;
see criteria/catalogue/data/NOTICE.`,
		Example: "  imscore compare signal matrix conversations threema\n" +
			"  imscore compare --all --group encryption --sort encryption.e2ee-default\n" +
			"  imscore compare signal threema --format json\n" +
			"  imscore compare signal matrix conversations --format html -o site\n" +
			"  imscore compare xmpp matrix --server xmpp:example.org --server matrix:example.org",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCompare(cmd.Context(), stdout, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "compare every messenger in the catalogue")
	f.StringVar(&o.format, "format", "table", "table|json|html (html: pages in the site directory given with -o, one per criterion group and sort key)")
	f.StringSliceVar(&o.groups, "group", nil, "only criteria of these groups (encryption, keys, openness, account, metadata, network)")
	f.StringVar(&o.sortBy, "sort", "", "order messengers by their value for this criterion (yes first)")
	f.IntVar(&o.width, "width", 0, "terminal width for the table (default $COLUMNS or 100)")
	f.StringVar(&o.asOf, "as-of", "", "judge staleness as of this date, YYYY-MM-DD (default today)")
	f.IntVar(&o.maxAge, "max-age", 365, "days after which a claim is shown as stale")
	f.StringVar(&o.dir, "dir", "", "read the catalogue from DIR (taxonomy.yaml and data/*.yaml of a working copy) instead of the built-in one")
	f.StringVarP(&o.outFile, "output", "o", "", "write to FILE instead of standard output (--format html: the site's directory)")
	o.registerLive(cmd)
	return cmd
}

// comparison is what both renderings show.
type comparison struct {
	cat        *catalogue.Catalogue
	criteria   []catalogue.Criterion
	messengers []*catalogue.Messenger
	asOf       time.Time
	maxAge     time.Duration
	live       []liveResult
}

func runCompare(ctx context.Context, stdout io.Writer, o *compareOptions, args []string) error {
	load := catalogue.Load
	if o.dir != "" {
		load = func() (*catalogue.Catalogue, error) { return catalogue.LoadDir(o.dir) }
	}
	cat, err := load()
	if err != nil {
		return fmt.Errorf("messenger catalogue: %v", err)
	}
	switch {
	case o.all && len(args) > 0:
		return usageErr("give messenger names or --all, not both")
	case !o.all && len(args) == 0:
		return usageErr("compare needs messenger names or --all (known: %s)", strings.Join(messengerIDs(cat), ", "))
	}
	switch o.format {
	case "table", "json":
	case "html":
		if o.outFile == "" {
			return usageErr("--format html writes pages: give the site's directory with -o DIR")
		}
	default:
		return usageErr("unknown --format %q (want table, json or html)", o.format)
	}
	if o.maxAge <= 0 {
		return usageErr("--max-age must be a positive number of days")
	}
	if o.maxAge > 36500 {
		return usageErr("--max-age %d: at most 36500 days", o.maxAge)
	}
	cmp := &comparison{cat: cat, maxAge: time.Duration(o.maxAge) * 24 * time.Hour}
	// Dates are days: "now" is today's date, like --as-of and the checked
	// dates, so staleness does not depend on the time of day.
	cmp.asOf = catalogue.Today(time.Now())
	if o.asOf != "" {
		d, err := time.Parse(catalogue.DateLayout, o.asOf)
		if err != nil {
			return usageErr("--as-of %q: want YYYY-MM-DD", o.asOf)
		}
		cmp.asOf = d
	}

	if o.all {
		for i := range cat.Messengers {
			cmp.messengers = append(cmp.messengers, &cat.Messengers[i])
		}
	}
	seen := map[string]bool{}
	for _, a := range args {
		ms := findByProtocol(cat, a)
		if m, ok := cat.Find(a); ok {
			ms = []*catalogue.Messenger{m}
		}
		if len(ms) == 0 {
			return usageErr("unknown messenger %q (known: %s; or a protocol such as xmpp)", a, strings.Join(messengerIDs(cat), ", "))
		}
		for _, m := range ms {
			if !seen[m.ID] {
				seen[m.ID] = true
				cmp.messengers = append(cmp.messengers, m)
			}
		}
	}
	specs, err := parseServers(o.servers)
	if err != nil {
		return err
	}

	for _, g := range o.groups {
		if _, ok := cat.Taxonomy.Group(g); !ok {
			return usageErr("unknown --group %q (want one of: %s)", g, strings.Join(groupIDs(cat), ", "))
		}
	}
	for _, cr := range cat.Taxonomy.Criteria {
		if len(o.groups) == 0 || slices.Contains(o.groups, cr.Group) {
			cmp.criteria = append(cmp.criteria, cr)
		}
	}

	given := append([]*catalogue.Messenger{}, cmp.messengers...)
	if o.sortBy != "" {
		cr, ok := cat.Taxonomy.Criterion(o.sortBy)
		if !ok {
			return usageErr("unknown --sort criterion %q (see 'imscore compare --all --format json')", o.sortBy)
		}
		if len(o.groups) > 0 && !slices.Contains(o.groups, cr.Group) {
			return usageErr("--sort %s is in group %s, which --group leaves out: the order would rest on a hidden row", o.sortBy, cr.Group)
		}
		sort.SliceStable(cmp.messengers, func(i, j int) bool {
			return cmp.messengers[i].Rank(o.sortBy) < cmp.messengers[j].Rank(o.sortBy)
		})
	}

	if len(specs) > 0 {
		// Only now, after every usage check: the scans take time.
		if cmp.live, err = runLive(ctx, o, specs); err != nil {
			return err
		}
	}
	if o.format == "html" {
		return cmp.writeHTML(stdout, o, given)
	}
	w := stdout
	if o.outFile != "" {
		f, err := os.Create(o.outFile)
		if err != nil {
			return usageErr("%v", err)
		}
		defer f.Close()
		w = f
	}
	if o.format == "json" {
		return cmp.writeJSON(w)
	}
	width := o.width
	if width <= 0 {
		width, _ = strconv.Atoi(os.Getenv("COLUMNS"))
	}
	if width <= 0 {
		width = 100
	}
	_, err = io.WriteString(w, cmp.table(max(width, 40)))
	return err
}

func messengerIDs(c *catalogue.Catalogue) []string {
	var ids []string
	for _, m := range c.Messengers {
		ids = append(ids, m.ID)
	}
	return ids
}

func groupIDs(c *catalogue.Catalogue) []string {
	var ids []string
	for _, g := range c.Taxonomy.Groups {
		ids = append(ids, g.ID)
	}
	return ids
}

// JSON rendering.

type compareJSON struct {
	SchemaVersion int                   `json:"schema_version"`
	AsOf          string                `json:"as_of"`
	MaxAgeDays    int                   `json:"max_age_days"`
	Licence       string                `json:"licence"`
	Attribution   string                `json:"attribution"`
	Groups        []catalogue.Group     `json:"groups"`
	Criteria      []catalogue.Criterion `json:"criteria"`
	Messengers    []messengerJSON       `json:"messengers"`
	// Live are the --server scans, measured at one server on one date.
	Live []liveResult `json:"live,omitempty"`
}

type messengerJSON struct {
	catalogue.Messenger
	Claims []claimJSON `json:"claims"`
}

type claimJSON struct {
	catalogue.Claim
	Stale bool `json:"stale"`
}

const compareAttribution = "Derived from SecuChart (https://github.com/bkil/secuchart, CC BY-SA 3.0) and imscore's research; see each messenger's attribution."

func (c *comparison) writeJSON(w io.Writer) error {
	out := compareJSON{
		SchemaVersion: 1,
		AsOf:          c.asOf.Format(catalogue.DateLayout),
		MaxAgeDays:    int(c.maxAge / (24 * time.Hour)),
		Licence:       "CC-BY-SA-3.0",
		Attribution:   compareAttribution,
		Criteria:      c.criteria,
		Messengers:    []messengerJSON{},
		Live:          c.live,
	}
	for _, g := range c.cat.Taxonomy.Groups {
		for _, cr := range c.criteria {
			if cr.Group == g.ID {
				out.Groups = append(out.Groups, g)
				break
			}
		}
	}
	for _, m := range c.messengers {
		mj := messengerJSON{Messenger: *m}
		mj.Messenger.Claims = nil
		for _, cr := range c.criteria {
			cl, _ := m.Claim(cr.ID)
			if cl.Sources == nil {
				cl.Sources = []string{}
			}
			mj.Claims = append(mj.Claims, claimJSON{Claim: cl, Stale: catalogue.IsStale(cl, c.asOf, c.maxAge)})
		}
		out.Messengers = append(out.Messengers, mj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// Table rendering: one column per messenger, one row per criterion, group
// rows between; when the columns do not fit the width, several tables
// (blocks) follow each other, each repeating the criterion column.

// cellLabel is what the table shows for m's claim: the value, "*" when
// stale, "†" when disputed.
func (c *comparison) cellLabel(m *catalogue.Messenger, criterion string) string {
	claim, _ := m.Claim(criterion)
	label := valueLabel(claim.Value)
	if catalogue.IsStale(claim, c.asOf, c.maxAge) {
		label += "*"
	}
	if len(claim.Disputed) > 0 {
		label += "†"
	}
	return label
}

// valueLabel spells a value out with a symbol, never colour alone.
func valueLabel(v catalogue.Value) string { return v.Symbol() + " " + oneLine(v.Word()) }

const (
	critMaxW = 34 // widest criterion column
	colMaxW  = 14 // widest messenger column (names wrap)
	colMinW  = 10 // "◐ partial*"
)

func (c *comparison) table(width int) string {
	var b strings.Builder
	critW := twwidth.Width("Criterion")
	for _, cr := range c.criteria {
		critW = max(critW, twwidth.Width(report.Visible(cr.Title)))
	}
	critW = min(critW, critMaxW, max(width-7-colMaxW, 10))

	type col struct {
		m    *catalogue.Messenger
		head []string
		w    int
	}
	var cols []col
	for _, m := range c.messengers {
		head := wrapWords(report.Visible(m.Name), colMaxW)
		if m.Status == catalogue.StatusDiscontinued {
			head = append(head, "(ended)")
		}
		w := colMinW
		for _, h := range head {
			w = max(w, twwidth.Width(h))
		}
		// Every label the column will show must fit ("◐ partial*†" is 11).
		for _, cr := range c.criteria {
			w = max(w, twwidth.Width(c.cellLabel(m, cr.ID)))
		}
		cols = append(cols, col{m: m, head: head, w: w})
	}

	// Split the columns into blocks that fit: a row is
	// "│ crit │ c1 │ … │", i.e. 1 + (critW+3) + Σ(w+3).
	var blocks [][]col
	for i := 0; i < len(cols); {
		used := 1 + critW + 3
		j := i
		for j < len(cols) && (j == i || used+cols[j].w+3 <= width) {
			used += cols[j].w + 3
			j++
		}
		blocks = append(blocks, cols[i:j])
		i = j
	}

	stale, disputed := 0, 0
	for bi, blk := range blocks {
		if bi > 0 {
			b.WriteString("\n")
		}
		widths := []int{critW}
		for _, cl := range blk {
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
					b.WriteString(" " + s + strings.Repeat(" ", max(0, widths[i]-twwidth.Width(s))) + " │")
				}
				b.WriteString("\n")
			}
		}
		rule("┌", "┬", "┐")
		head := [][]string{{"Criterion"}}
		for _, cl := range blk {
			head = append(head, cl.head)
		}
		row(head)
		group := ""
		for _, cr := range c.criteria {
			if cr.Group != group {
				group = cr.Group
				rule("├", "┼", "┤")
				g, _ := c.cat.Taxonomy.Group(group)
				cells := [][]string{wrapWords(strings.ToUpper(report.Visible(g.Title)), critW)}
				for range blk {
					cells = append(cells, nil)
				}
				row(cells)
			}
			cells := [][]string{wrapWords(report.Visible(cr.Title), critW)}
			for _, cl := range blk {
				claim, _ := cl.m.Claim(cr.ID)
				label := c.cellLabel(cl.m, cr.ID)
				if catalogue.IsStale(claim, c.asOf, c.maxAge) {
					stale++
				}
				if len(claim.Disputed) > 0 {
					disputed++
				}
				cells = append(cells, []string{label})
			}
			row(cells)
		}
		rule("└", "┴", "┘")
	}

	b.WriteString(liveTable(c.live, width))
	b.WriteString("\n")
	b.WriteString(wrapPara("Legend: ✓ yes · ◐ partial · ✗ no · ? unknown (no source yet) · – n/a; yes is always the privacy-friendly answer.", width))
	if stale > 0 {
		b.WriteString(wrapPara(fmt.Sprintf("* stale: checked more than %d days before %s (%d claims).",
			int(c.maxAge/(24*time.Hour)), c.asOf.Format(catalogue.DateLayout), stale), width))
	}
	if disputed > 0 {
		b.WriteString(wrapPara(fmt.Sprintf("† disputed: other sources say otherwise (%d claims; both sides in --format json or html).", disputed), width))
	}
	for _, m := range c.messengers {
		if m.Status == catalogue.StatusDiscontinued {
			end := "end date not sourced yet"
			if m.Ended != "" {
				end = "since " + m.Ended
			}
			b.WriteString(wrapPara(fmt.Sprintf("%s: discontinued, %s.", report.Visible(m.Name), end), width))
		}
	}
	b.WriteString(wrapPara("Every claim's explanation, sources and check date: --format json. Data derived from SecuChart (CC BY-SA 3.0) and imscore research; see criteria/catalogue/data/NOTICE.", width))
	return b.String()
}

// wrapWords breaks s at spaces into lines of at most w columns (a longer
// word is cut).
func wrapWords(s string, w int) []string {
	var out []string
	cur := ""
	for _, word := range strings.Fields(oneLine(s)) {
		for twwidth.Width(word) > w {
			if cur != "" {
				out = append(out, cur)
				cur = ""
			}
			r := []rune(word)
			n := 0
			for n < len(r) && twwidth.Width(string(r[:n+1])) <= w {
				n++
			}
			out = append(out, string(r[:n]))
			word = string(r[n:])
		}
		switch {
		case cur == "":
			cur = word
		case twwidth.Width(cur)+1+twwidth.Width(word) <= w:
			cur += " " + word
		default:
			out = append(out, cur)
			cur = word
		}
	}
	if cur != "" || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

func wrapPara(s string, w int) string {
	return strings.Join(wrapWords(s, w), "\n") + "\n"
}

// writeHTML writes the comparison pages into the directory o.outFile
// (messengers in the order given; every group filter and sort key is a
// page of its own) and prints the path of the page --group and --sort
// select.
func (c *comparison) writeHTML(stdout io.Writer, o *compareOptions, given []*catalogue.Messenger) error {
	err := web.RenderCompare(o.outFile, web.Compare{Cat: c.cat, Messengers: given, AsOf: c.asOf, MaxAge: c.maxAge, Live: webLive(c.live)})
	if err != nil {
		return usageErr("%v", err)
	}
	group := ""
	if len(o.groups) == 1 {
		group = o.groups[0]
	}
	sortBy := o.sortBy
	if cr, ok := c.cat.Taxonomy.Criterion(sortBy); ok && group != "" && cr.Group != group {
		sortBy = ""
	}
	fmt.Fprintln(stdout, filepath.Join(o.outFile, "compare", web.CompareFile(group, sortBy)))
	return nil
}
