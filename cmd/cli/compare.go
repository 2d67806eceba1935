package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

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
	persona string
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
			"  imscore compare --all --persona state-adversary\n" +
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
	f.StringVar(&o.persona, "persona", "", "threat-model view: order messengers by this persona's score and mark its weights (one of criteria/catalogue/personas.yaml, e.g. state-adversary)")
	f.IntVar(&o.width, "width", 0, "terminal width for the table (default $COLUMNS or 100)")
	f.StringVar(&o.asOf, "as-of", "", "judge staleness as of this date, YYYY-MM-DD (default today)")
	f.IntVar(&o.maxAge, "max-age", 365, "days after which a claim is shown as stale")
	f.StringVar(&o.dir, "dir", "", "read the catalogue from DIR (taxonomy.yaml and data/*.yaml of a working copy) instead of the built-in one")
	f.StringVarP(&o.outFile, "output", "o", "", "write to FILE instead of standard output (--format html: the site's directory)")
	o.registerLive(cmd)
	return cmd
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
	cmp := &report.Comparison{Catalogue: cat, MaxAge: time.Duration(o.maxAge) * 24 * time.Hour}
	// Dates are days: "now" is today's date, like --as-of and the checked
	// dates, so staleness does not depend on the time of day.
	cmp.AsOf = catalogue.Today(time.Now())
	if o.asOf != "" {
		d, err := time.Parse(catalogue.DateLayout, o.asOf)
		if err != nil {
			return usageErr("--as-of %q: want YYYY-MM-DD", o.asOf)
		}
		cmp.AsOf = d
	}

	if o.all {
		for i := range cat.Messengers {
			cmp.Messengers = append(cmp.Messengers, &cat.Messengers[i])
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
				cmp.Messengers = append(cmp.Messengers, m)
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
	if o.sortBy != "" {
		cr, ok := cat.Taxonomy.Criterion(o.sortBy)
		if !ok {
			return usageErr("unknown --sort criterion %q (see 'imscore compare --all --format json')", o.sortBy)
		}
		if len(o.groups) > 0 && !slices.Contains(o.groups, cr.Group) {
			return usageErr("--sort %s is in group %s, which --group leaves out: the order would rest on a hidden row", o.sortBy, cr.Group)
		}
	}

	var persona *catalogue.Persona
	if o.persona != "" {
		if o.sortBy != "" {
			return usageErr("--sort and --persona both order the messengers: give one of them")
		}
		if persona, err = cmp.Persona(o.persona); err != nil {
			return usageErr("%v", err)
		}
	}

	if len(specs) > 0 {
		// Only now, after every usage check: the scans take time.
		if cmp.Live, err = runLive(ctx, o, specs); err != nil {
			return err
		}
	}
	if o.format == "html" {
		return writeCompareHTML(stdout, o, cmp, persona)
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
	v := cmp.View(o.groups, o.sortBy)
	if persona != nil {
		v = cmp.PersonaView(persona, o.groups)
	}
	if o.format == "json" {
		return report.WriteCompareJSON(w, v)
	}
	width := o.width
	if width <= 0 {
		width, _ = strconv.Atoi(os.Getenv("COLUMNS"))
	}
	if width <= 0 {
		width = 100
	}
	return report.WriteCompareTable(w, v, width)
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

// writeCompareHTML writes the comparison pages into the directory
// o.outFile (messengers in the order given; every group filter, sort key
// and persona is a page of its own) and prints the path of the page
// --persona, or --group and --sort, select.
func writeCompareHTML(stdout io.Writer, o *compareOptions, c *report.Comparison, persona *catalogue.Persona) error {
	if err := web.RenderCompare(o.outFile, c, web.Options{}); err != nil {
		return usageErr("%v", err)
	}
	if persona != nil {
		fmt.Fprintln(stdout, filepath.Join(o.outFile, "compare", web.PersonaFile(persona.ID)))
		return nil
	}
	group := ""
	if len(o.groups) == 1 {
		group = o.groups[0]
	}
	sortBy := o.sortBy
	if cr, ok := c.Catalogue.Taxonomy.Criterion(sortBy); ok && group != "" && cr.Group != group {
		sortBy = ""
	}
	fmt.Fprintln(stdout, filepath.Join(o.outFile, "compare", web.CompareFile(group, sortBy)))
	return nil
}
