package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/criteria/catalogue"
)

func newCatalogueCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalogue",
		Short: "Work with the sourced messenger catalogue behind 'imscore compare'",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErr("catalogue needs a subcommand: check")
		},
	}
	cmd.AddCommand(newCatalogueCheckCmd(stdout))
	return cmd
}

type catalogueCheckOptions struct {
	dir    string
	maxAge int // days
	asOf   string
	strict bool
}

func newCatalogueCheckCmd(stdout io.Writer) *cobra.Command {
	o := &catalogueCheckOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate the messenger catalogue: sources, values, coverage, dates; list stale claims",
		Long: `Validate the messenger catalogue (the embedded one, or the one in --dir):
every claim has a value (yes, partial, no, unknown, n-a), every value but
unknown has at least one source with a well-formed absolute http(s) URL and a
checked date (YYYY-MM-DD, not in the future), every messenger has a claim for
every criterion of the taxonomy, and a discontinued messenger's end date is
well-formed and not in the future.

Claims checked more than --max-age days ago are listed as stale, and a
discontinued messenger without a sourced end date is listed too: both are
warnings, which fail the check only with --strict.

Prints one line per problem ("error: ...") and warning ("warning: ...") and a
summary. Exit 0 when valid, 1 when not, 2 on a usage error.`,
		Example: "  imscore catalogue check\n  imscore catalogue check --dir criteria/catalogue --max-age 365 --strict",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCatalogueCheck(stdout, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "check the catalogue in DIR (taxonomy.yaml and data/*.yaml) instead of the built-in one")
	f.IntVar(&o.maxAge, "max-age", int(catalogue.DefaultCheckMaxAge/(24*time.Hour)), "days after which a claim is listed as stale")
	f.StringVar(&o.asOf, "as-of", "", "judge dates as of this day, YYYY-MM-DD (default today)")
	f.BoolVar(&o.strict, "strict", false, "warnings (stale claims, missing end dates) fail the check too")
	return cmd
}

func runCatalogueCheck(stdout io.Writer, o *catalogueCheckOptions) error {
	if o.maxAge <= 0 {
		return usageErr("--max-age must be a positive number of days")
	}
	if o.maxAge > 36500 {
		return usageErr("--max-age %d: at most 36500 days", o.maxAge)
	}
	now := catalogue.Today(time.Now())
	if o.asOf != "" {
		d, err := time.Parse(catalogue.DateLayout, o.asOf)
		if err != nil {
			return usageErr("--as-of %q: want YYYY-MM-DD", o.asOf)
		}
		now = d
	}
	maxAge := time.Duration(o.maxAge) * 24 * time.Hour
	var r catalogue.CheckResult
	where := "built-in catalogue"
	if o.dir != "" {
		if _, err := os.Stat(filepath.Join(o.dir, "taxonomy.yaml")); err != nil {
			return usageErr("--dir %s: not a catalogue directory: %v", o.dir, err)
		}
		r = catalogue.Check(os.DirFS(o.dir), now, maxAge)
		where = o.dir
	} else {
		r = catalogue.CheckEmbedded(now, maxAge)
	}
	for _, p := range r.Problems {
		fmt.Fprintln(stdout, "error: "+oneLine(p))
	}
	for _, w := range r.Warnings {
		fmt.Fprintln(stdout, "warning: "+oneLine(w))
	}
	messengers, claims := 0, 0
	if r.Catalogue != nil {
		messengers = len(r.Catalogue.Messengers)
		for _, m := range r.Catalogue.Messengers {
			claims += len(m.Claims)
		}
	}
	for _, a := range r.Agreement {
		fmt.Fprintf(stdout, "cross-check %s: %.0f%% agree (%d of %d compared; %d disputed, %d adopted, %d open)\n",
			a.Dataset, a.Rate(), a.Agree, a.Agree+a.Disagree, a.Disagree, a.Adopted, a.Open)
	}
	if r.Catalogue != nil {
		fmt.Fprintf(stdout, "unknown: %d of %d cells (%.1f%%)\n", r.Coverage.Unknown, r.Coverage.Cells, r.Coverage.UnknownShare())
	}
	fmt.Fprintf(stdout, "%s: %d messengers, %d claims, %d problems, %d warnings (%d stale claims, older than %d days)\n",
		where, messengers, claims, len(r.Problems), len(r.Warnings), len(r.Stale), o.maxAge)
	if !r.OK(o.strict) {
		why := fmt.Sprintf("catalogue check failed: %d problems", len(r.Problems))
		if o.strict && len(r.Problems) == 0 {
			why = fmt.Sprintf("catalogue check failed (--strict): %d warnings", len(r.Warnings))
		}
		return &exitError{code: ExitPolicy, msg: why}
	}
	return nil
}
