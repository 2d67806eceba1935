package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/imscore/imscore/report"
)

// newDiffCmd is `imscore diff OLD.json NEW.json`: what got better or worse
// between two saved reports. Exit 0 when nothing got worse, 1 on a
// regression (the grade or any criterion got worse), 2 on usage errors
// (wrong arguments, a file that cannot be read or is not a report).
// Reports of different targets are compared all the same, with a warning
// on stderr.
func newDiffCmd(stdout io.Writer) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two saved reports: what got better or worse (exit 1 on a regression)",
		Long: `Compare two JSON reports of the same target (from 'imscore scan ... --format
json'): the grade and score, each area, and each criterion whose status
changed, plus criteria judged in only one of them.

A criterion's status is ranked fail < warn < error < pass, the order the
scanner uses for the worst endpoint: error (could not be measured) is worse
than pass, since the assurance is gone, but better than warn or fail. info
and skip carry no verdict: a change to or from them is listed as changed,
never as worse. Criteria added or removed (a newer imscore judges more) are
listed but are not a regression by themselves.

Exit codes: 0 nothing got worse, 1 regression (the grade got worse or any
criterion got worse), 2 usage error (missing or unreadable report).`,
		Example: `  imscore scan tls example.org:443 --format json -o today.json
  imscore diff yesterday.json today.json
  imscore diff yesterday.json today.json --format json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErr("diff needs two reports: OLD.json NEW.json")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("unknown --format %q (want text or json)", format)
			}
			old, err := readReportFile(args[0])
			if err != nil {
				return err
			}
			new, err := readReportFile(args[1])
			if err != nil {
				return err
			}
			d := report.Diff(old, new)
			if d.TargetMismatch {
				fmt.Fprintf(cmd.ErrOrStderr(), "imscore: warning: comparing reports of different targets (%s and %s)\n",
					report.Line(d.Old.Target, 200), report.Line(d.New.Target, 200))
			}
			if format == "json" {
				err = report.WriteDiffJSON(stdout, d)
			} else {
				err = report.WriteDiff(stdout, d)
			}
			if err != nil {
				return err
			}
			if d.Regression {
				return &exitError{code: ExitPolicy, msg: d.Reason()}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text|json")
	return cmd
}

// readReportFile reads a JSON report; any failure is a usage error.
func readReportFile(path string) (*report.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return r, nil
}
