package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"
)

// WriteBatchTable writes a batch's summary for a terminal: a line of
// totals; a table of the scanned targets (target, kind, grade, score, the
// worst failures); the targets that could not be scanned, were skipped or
// fail the policy, each with its reason; the grade histogram; the share of
// targets passing each criterion; and the claims that the scans
// contradict. No line is wider than o.Width; text from lists and servers is
// made visible-safe.
func WriteBatchTable(w io.Writer, s *BatchSummary, o TableOptions) error {
	if o.Width <= 0 {
		o.Width = DefaultWidth
	}
	o.Width = max(o.Width, MinWidth)
	p := &printer{w: o.Width, color: o.Color}
	st := s.Stats
	head := fmt.Sprintf("imscore batch: %s — %d scanned, %d could not be scanned, %d skipped",
		count(st.Targets, "target", "targets"), st.Scanned, st.CannotScan, st.Skipped)
	if st.Unfinished > 0 {
		head += fmt.Sprintf(", %d unfinished (interrupted)", st.Unfinished)
	}
	if st.BelowPolicy > 0 {
		head += fmt.Sprintf("; %d below the policy", st.BelowPolicy)
	}
	p.emit("", "", head+".")
	p.blank()
	if err := p.batchTargets(s.Rows); err != nil {
		return err
	}
	p.batchList(s.Rows, BatchCannotScan, "Could not be scanned:", func(r BatchRow) string { return r.Reason })
	p.batchList(s.Rows, BatchSkipped, "Skipped:", func(r BatchRow) string { return r.Reason })
	p.batchList(s.Rows, "policy", "Below the policy:", func(r BatchRow) string { return r.Policy })
	if st.Scanned > 0 {
		p.blank()
		p.gradeHistogram(st)
		p.blank()
		p.criterionStats(st)
	}
	p.claimsSummary(s.Rows)
	_, err := w.Write(p.buf.Bytes())
	return err
}

// count is n and the noun: "1 target", "3 targets".
func count(n int, one, many string) string { return strconv.Itoa(n) + " " + plural(n, one, many) }

func (p *printer) batchTargets(rows []BatchRow) error {
	var scanned []BatchRow
	for _, r := range rows {
		if r.Outcome == BatchScanned {
			scanned = append(scanned, r)
		}
	}
	if len(scanned) == 0 {
		p.emit("", "", "No target was scanned.")
		return nil
	}
	// "│ TARGET │ KIND │ GRADE │ SCORE │ WORST FAILURES │": borders and
	// padding take 16 columns; kind 6, grade 5, score 5.
	avail := p.w - 16 - 6 - 5 - 5
	nameW := width("TARGET")
	for _, r := range scanned {
		nameW = max(nameW, width(oneLine(r.Name)))
	}
	nameW = min(nameW, avail/2)
	failW := avail - nameW
	t := p.newTable([]tw.Align{tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignLeft})
	t.Header("Target", "Kind", "Grade", "Score", "Worst failures")
	for _, r := range scanned {
		var fails []string
		for _, f := range r.Failures {
			fails = append(fails, wrapID(oneLine(f.Criterion), failW)...)
		}
		if more := r.FailCount - len(r.Failures); more > 0 {
			fails = append(fails, fmt.Sprintf("… and %d more", more))
		}
		if len(fails) == 0 {
			fails = []string{"none"}
		}
		if r.Policy != "" {
			fails = append(fails, wrap("below the policy", failW)...)
		}
		err := t.Append(
			strings.Join(wrap(oneLine(r.Name), nameW), "\n"),
			oneLine(r.Kind),
			p.grade(r.Grade),
			strconv.Itoa(r.Score),
			strings.Join(fails, "\n"),
		)
		if err != nil {
			return fmt.Errorf("report: batch table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("report: batch table: %w", err)
	}
	return nil
}

// batchList lists the rows of one outcome ("policy": those below the
// policy) with their reasons.
func (p *printer) batchList(rows []BatchRow, outcome, title string, reason func(BatchRow) string) {
	first := true
	for _, r := range rows {
		if (outcome == "policy" && r.Policy == "") || (outcome != "policy" && r.Outcome != outcome) {
			continue
		}
		if first {
			p.blank()
			p.emit("", "", title)
			first = false
		}
		p.emit("  ", "      ", oneLine(r.Kind)+":"+oneLine(r.Name)+" — "+oneLine(reason(r)))
	}
}

// gradeHistogram draws the grades as bars of '#', scaled to the width.
func (p *printer) gradeHistogram(st BatchStats) {
	p.emit("", "", "Grades of the scanned targets:")
	top := 0
	for _, g := range st.Grades {
		top = max(top, g.Count)
	}
	barW := p.w - 16
	for _, g := range st.Grades {
		n := 0
		if top > 0 {
			n = (g.Count*barW + top - 1) / top
		}
		p.buf.WriteString(strings.TrimRight(fmt.Sprintf("  %-3s %5d  %s", oneLine(g.Grade), g.Count, p.paint(gradeColor(g.Grade), strings.Repeat("#", n))), " "))
		p.buf.WriteByte('\n')
	}
}

func gradeColor(g string) string {
	switch g {
	case "A+", "A":
		return ansiBold + ansiGreen
	case "B":
		return ansiGreen
	case "C", "D":
		return ansiYellow
	case "E", "F", "T":
		return ansiBold + ansiRed
	}
	return ansiMagenta
}

// criterionStats lists, per criterion judged on some target, the share
// that pass and the counts of each verdict.
func (p *printer) criterionStats(st BatchStats) {
	p.emit("", "", "Criteria (share of the targets judged that pass; pass/warn/fail, and how many were not measured):")
	idW := 0
	for _, c := range st.Criteria {
		if c.Judged() > 0 || c.Error > 0 {
			idW = max(idW, width(oneLine(c.Criterion)))
		}
	}
	idW = min(idW, p.w/2)
	for _, c := range st.Criteria {
		if c.Judged() == 0 && c.Error == 0 {
			continue
		}
		text := "not judged"
		if c.Judged() > 0 {
			text = fmt.Sprintf("%3d %% pass (%d/%d/%d)", c.Percent(c.Pass), c.Pass, c.Warn, c.Fail)
		}
		if c.Error > 0 {
			text += fmt.Sprintf(", %d not measured", c.Error)
		}
		ids := wrapID(oneLine(c.Criterion), idW)
		for i, id := range ids {
			if i < len(ids)-1 {
				p.buf.WriteString("  " + id + "\n")
				continue
			}
			p.emit("  "+id+strings.Repeat(" ", idW-width(id))+"  ", strings.Repeat(" ", idW+4), text)
		}
	}
}

// claimsSummary counts the claims by agreement and lists the
// contradictions.
func (p *printer) claimsSummary(rows []BatchRow) {
	counts := map[string]int{}
	total := 0
	for _, r := range rows {
		for _, c := range r.Claims {
			counts[c.Agreement]++
			total++
		}
	}
	if total == 0 {
		return
	}
	p.blank()
	p.emit("", "", fmt.Sprintf("Claims of the lists against the measurements: %d agree, %d contradict, %d unclear, %d not measured.",
		counts[ClaimAgrees], counts[ClaimContradicts], counts[ClaimUnclear], counts[ClaimNotMeasured]))
	for _, r := range rows {
		for _, c := range r.Claims {
			if c.Agreement != ClaimContradicts {
				continue
			}
			p.emit("  ", "      ", fmt.Sprintf("%s:%s — %s: listed %s, measured %s", oneLine(r.Kind), oneLine(r.Name),
				oneLine(c.Claim), oneLine(c.Listed), oneLine(c.Measured)))
		}
	}
}
