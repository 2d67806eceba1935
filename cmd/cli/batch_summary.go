package cli

// The summary of a batch: each target judged against the policy, the
// summary written in its format, and the exit code.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan/batch"
	"github.com/imscore/imscore/web"
)

// batchSummary judges every target's entry against the policy, writes the
// summary and maps the outcome to the exit code. Entries are read from the
// store one at a time and counted into the statistics; the summary keeps
// of each what it shows (the statuses only for the site).
func batchSummary(o *batchOptions, targets []batch.Target, store *batch.Store, res *batch.Result, stdout, stderr io.Writer) error {
	load := func(e report.BatchEntry) (*report.Report, error) {
		rep, _, err := batch.ReadTargetFile(filepath.Join(o.outDir, filepath.FromSlash(e.File)))
		if err == nil && rep == nil {
			err = fmt.Errorf("%s is not a report", e.File)
		}
		return rep, err
	}
	rows := make([]report.BatchRow, 0, len(targets))
	notes := map[string]bool{}
	var tally report.BatchTally
	for _, t := range targets {
		e, ok := store.Entry(t.Key())
		if !ok {
			why := "not scanned: the batch was interrupted first; run it again to go on"
			outcome := report.BatchCannotScan
			if res != nil && res.Interrupted {
				outcome = report.BatchUnfinished // not a failure of the target
			}
			e = report.NewBatchRecord(t.Kind, t.Name, outcome, why, time.Time{}, 0)
		}
		row := report.BatchRow{BatchEntry: e}
		if e.Outcome == report.BatchScanned {
			why, err := batchPolicy(&o.scan, e, load, notes, stderr)
			if err != nil {
				return &exitError{code: ExitUsage, msg: err.Error()}
			}
			row.Policy = why
		}
		tally.Add(&row)
		if o.scan.format != "html" {
			row.Statuses = nil
		}
		rows = append(rows, row)
	}
	sum := &report.BatchSummary{Rows: rows, Stats: tally.Stats()}
	if err := writeBatchSummary(o, sum, load, stdout); err != nil {
		return &exitError{code: ExitUsage, msg: err.Error()}
	}
	if res != nil && res.Interrupted {
		msg := fmt.Sprintf("interrupted: %d of %d targets have a result; run the same command again to go on", res.Total-res.Unfinished, res.Total)
		if n := len(sum.CannotScan()); n > 0 {
			msg += fmt.Sprintf(" (%s could not be scanned; see the summary)", count(n, "target", "targets"))
		}
		return &exitError{code: ExitCannotScan, msg: msg}
	}
	if bad := sum.CannotScan(); len(bad) > 0 {
		kept := ""
		if res != nil && res.Fresh > 0 {
			// A record younger than --max-age is kept too: say how to
			// try those again (after fixing a flag, say).
			n := 0
			for _, r := range bad {
				if !r.StartedAt.IsZero() && r.StartedAt.Before(res.Start) {
					n++
				}
			}
			if n > 0 {
				kept = fmt.Sprintf(" (%d kept from an earlier run; --retry-failed scans them again)", n)
			}
		}
		return &exitError{code: ExitCannotScan, msg: fmt.Sprintf("%s could not be scanned%s: %s", count(len(bad), "target", "targets"), kept, listRows(bad, func(r report.BatchRow) string { return r.Reason }))}
	}
	var below []report.BatchRow
	for _, r := range rows {
		if r.Policy != "" {
			below = append(below, r)
		}
	}
	if len(below) > 0 {
		return &exitError{code: ExitPolicy, msg: fmt.Sprintf("%s below the policy: %s", count(len(below), "target is", "targets are"), listRows(below, func(r report.BatchRow) string { return r.Policy }))}
	}
	return nil
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// listRows names the first rows with their reasons, on one line.
func listRows(rows []report.BatchRow, why func(report.BatchRow) string) string {
	var parts []string
	for i, r := range rows {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more (see the summary)", len(rows)-i))
			break
		}
		parts = append(parts, r.Key()+" ("+oneLine(report.Visible(why(r)))+")")
	}
	return strings.Join(parts, "; ")
}

// batchPolicy is why a scanned target fails --fail-under, --require or
// --policy ("" when it passes). A required criterion that does not apply
// to the target's kind is not asked of it.
func batchPolicy(o *scanOptions, e report.BatchEntry, load func(report.BatchEntry) (*report.Report, error), notes map[string]bool, stderr io.Writer) (string, error) {
	var why []string
	if o.failUnder != "" && report.GradeRank(e.Grade) > report.GradeRank(o.failUnder) {
		why = append(why, fmt.Sprintf("grade %s is below --fail-under %s", e.Grade, o.failUnder))
	}
	for _, id := range o.require {
		m, _ := criteria.Lookup(id)
		if len(m.Targets) > 0 && !slices.Contains(m.Targets, e.Kind) {
			continue
		}
		st, ok := e.Statuses[id]
		switch {
		case !ok:
			why = append(why, id+" does not apply to this scan")
		case st != report.Pass:
			why = append(why, fmt.Sprintf("%s is %s", id, st))
		}
	}
	if o.policy != nil {
		rep, err := load(e)
		if err != nil {
			return "", fmt.Errorf("reading %s for the policy: %v", e.File, err)
		}
		ns, perr := o.policy.Check(rep, time.Now())
		for _, n := range ns {
			if !notes[n] {
				notes[n] = true
				fmt.Fprintln(stderr, "imscore: "+n)
			}
		}
		if perr != nil {
			why = append(why, perr.Error())
		}
	}
	return strings.Join(why, "; "), nil
}

// writeBatchSummary writes the summary in --format to -o or stdout.
func writeBatchSummary(o *batchOptions, sum *report.BatchSummary, load func(report.BatchEntry) (*report.Report, error), stdout io.Writer) error {
	s := &o.scan
	if s.format == "html" {
		w := stdout
		if s.quiet {
			w = io.Discard
		}
		runs, err := batch.ReadRuns(o.outDir)
		if err != nil {
			return fmt.Errorf("cannot read the runs of %s: %v", o.outDir, err)
		}
		obs := web.Observatory{Summary: sum, Runs: runs, Reports: func(e report.BatchEntry) ([]*report.Report, error) {
			return batch.TargetReports(o.outDir, e)
		}}
		if err := web.RenderObservatory(s.out, obs, web.Options{}); err != nil {
			return fmt.Errorf("cannot write the site: %v", err)
		}
		fmt.Fprintln(w, filepath.Join(s.out, "index.html"))
		return nil
	}
	if s.quiet && s.out == "" {
		return nil
	}
	w := stdout
	var f *os.File
	if s.out != "" {
		var err error
		if f, err = os.Create(s.out); err != nil {
			return fmt.Errorf("cannot write the summary: %v", err)
		}
		w = f
	}
	var err error
	switch s.format {
	case "json":
		err = report.WriteBatchJSON(w, sum)
	case "junit":
		err = report.WriteBatchJUnit(w, sum, load)
	default:
		err = report.WriteBatchTable(w, sum, report.TableOptions{Color: s.out == "" && isTerminal(stdout) && os.Getenv("NO_COLOR") == "", Width: terminalWidth()})
	}
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// terminalWidth is $COLUMNS when set, else 100.
func terminalWidth() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("COLUMNS"), &n); err == nil && n >= report.MinWidth {
		return n
	}
	return 100
}
