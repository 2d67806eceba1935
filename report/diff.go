package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Change is the direction of a change between two scans.
type Change string

// Changes.
const (
	Same    Change = "same"
	Better  Change = "better"
	Worse   Change = "worse"
	Changed Change = "changed" // different, but neither better nor worse
)

// DiffResult is what changed between two reports of (normally) the same
// target: the grade, the score, each area, and each criterion.
type DiffResult struct {
	Old DiffSide `json:"old"`
	New DiffSide `json:"new"`
	// TargetMismatch is set when the two reports are of different
	// targets (kind or name); the diff is computed all the same.
	TargetMismatch bool   `json:"target_mismatch"`
	Grade          Change `json:"grade"`
	ScoreDelta     int    `json:"score_delta"`
	// Areas lists every area of either report whose score or grade
	// changed, in the new report's order (then the old report's).
	Areas []AreaChange `json:"areas"`
	// Criteria lists every criterion in both reports whose status changed,
	// sorted by criterion ID.
	Criteria []CriterionChange `json:"criteria"`
	// Added and Removed list criteria found in only one of the reports.
	Added   []CriterionStatus `json:"added"`
	Removed []CriterionStatus `json:"removed"`
	// Unchanged counts criteria in both reports with the same status.
	Unchanged int `json:"unchanged"`
	// Regression: the grade got worse or any criterion got worse.
	Regression bool `json:"regression"`
}

// DiffSide identifies one of the two reports.
type DiffSide struct {
	Target    string    `json:"target"`
	StartedAt time.Time `json:"started_at"`
	Grade     string    `json:"grade"`
	Score     int       `json:"score"`
}

// AreaChange is one area's score and grade before and after.
type AreaChange struct {
	ID       string `json:"id"`
	OldScore int    `json:"old_score"`
	NewScore int    `json:"new_score"`
	OldGrade string `json:"old_grade"`
	NewGrade string `json:"new_grade"`
	// Change is the direction of the area's grade (or, when the grade is
	// the same, of its score); an area in only one report is "changed".
	Change Change `json:"change"`
	// InOld and InNew say which reports have the area.
	InOld bool `json:"in_old"`
	InNew bool `json:"in_new"`
}

// CriterionChange is a criterion whose status changed.
type CriterionChange struct {
	Criterion  string `json:"criterion"`
	Area       string `json:"area"`
	Old        Status `json:"old"`
	New        Status `json:"new"`
	Change     Change `json:"change"`
	OldSummary string `json:"old_summary"`
	NewSummary string `json:"new_summary"`
}

// CriterionStatus is a criterion found in only one report.
type CriterionStatus struct {
	Criterion string `json:"criterion"`
	Area      string `json:"area"`
	Status    Status `json:"status"`
	Summary   string `json:"summary"`
}

// statusRank orders the statuses that carry a verdict, worst first. It is
// the order the scanner uses to pick the worst endpoint (README: fail, then
// warn, then error, then pass): an error (could not be measured) is worse
// than a pass, because the assurance is gone (and an unmeasured critical
// criterion makes the grade "?"), but better than a warn or fail, because
// nothing bad was seen. info (no verdict, weight 0) and skip (not
// applicable) are not ranked: a change to or from them is "changed",
// neither better nor worse, and never a regression by itself; if it moves
// the score, the grade comparison sees it. Statuses this build does not
// know are not ranked either.
var statusRank = map[Status]int{Fail: 0, Warn: 1, Error: 2, Pass: 3}

// CompareStatus says whether going from old to new is better, worse, the
// same, or merely changed (see statusRank).
func CompareStatus(old, new Status) Change {
	if old == new {
		return Same
	}
	o, ok1 := statusRank[old]
	n, ok2 := statusRank[new]
	switch {
	case !ok1 || !ok2:
		return Changed
	case n > o:
		return Better
	default:
		return Worse
	}
}

// CompareGrade says whether going from grade old to new is better or worse
// (GradeOrder: A+ best, then A … E, T, F, and ? last). An unknown grade
// makes any difference "changed".
func CompareGrade(old, new string) Change {
	if old == new {
		return Same
	}
	o, n := GradeRank(old), GradeRank(new)
	switch {
	case o < 0 || n < 0:
		return Changed
	case n < o:
		return Better
	default:
		return Worse
	}
}

// Diff compares two reports. A criterion's status change is ranked by
// CompareStatus, the grade by CompareGrade; criteria in only one report
// are listed as added or removed and are neither better nor worse (a new
// imscore version may judge more). Regression is set when the grade got
// worse or any criterion in both reports got worse. Diff does not modify
// its arguments.
func Diff(old, new *Report) DiffResult {
	if old == nil {
		old = &Report{}
	}
	if new == nil {
		new = &Report{}
	}
	d := DiffResult{
		Old:            diffSide(old),
		New:            diffSide(new),
		TargetMismatch: old.Target.Kind != new.Target.Kind || old.Target.Name != new.Target.Name,
		Grade:          CompareGrade(old.Grade, new.Grade),
		ScoreDelta:     new.Score - old.Score,
		Areas:          []AreaChange{},
		Criteria:       []CriterionChange{},
		Added:          []CriterionStatus{},
		Removed:        []CriterionStatus{},
	}

	// Areas.
	oldAreas := map[string]Area{}
	for _, a := range old.Areas {
		oldAreas[a.ID] = a
	}
	newAreas := map[string]bool{}
	for _, a := range new.Areas {
		newAreas[a.ID] = true
		o, ok := oldAreas[a.ID]
		if !ok {
			d.Areas = append(d.Areas, AreaChange{ID: a.ID, NewScore: a.Score, NewGrade: a.Grade, Change: Changed, InNew: true})
			continue
		}
		if o.Score == a.Score && o.Grade == a.Grade {
			continue
		}
		c := CompareGrade(o.Grade, a.Grade)
		if c == Same {
			c = Better
			if a.Score < o.Score {
				c = Worse
			}
		}
		d.Areas = append(d.Areas, AreaChange{ID: a.ID, OldScore: o.Score, NewScore: a.Score, OldGrade: o.Grade, NewGrade: a.Grade, Change: c, InOld: true, InNew: true})
	}
	for _, a := range old.Areas {
		if !newAreas[a.ID] {
			d.Areas = append(d.Areas, AreaChange{ID: a.ID, OldScore: a.Score, OldGrade: a.Grade, Change: Changed, InOld: true})
		}
	}

	// Criteria. A criterion listed twice in one report (it should not be)
	// counts with its first finding.
	oldF := firstFindings(old.Findings)
	newF := firstFindings(new.Findings)
	for _, id := range sortedIDs(oldF, newF) {
		o, inOld := oldF[id]
		n, inNew := newF[id]
		switch {
		case !inOld:
			d.Added = append(d.Added, CriterionStatus{Criterion: id, Area: n.Area, Status: n.Status, Summary: n.Summary})
		case !inNew:
			d.Removed = append(d.Removed, CriterionStatus{Criterion: id, Area: o.Area, Status: o.Status, Summary: o.Summary})
		default:
			c := CompareStatus(o.Status, n.Status)
			if c == Same {
				d.Unchanged++
				continue
			}
			area := n.Area
			if area == "" {
				area = o.Area
			}
			d.Criteria = append(d.Criteria, CriterionChange{
				Criterion: id, Area: area, Old: o.Status, New: n.Status, Change: c,
				OldSummary: o.Summary, NewSummary: n.Summary,
			})
			if c == Worse {
				d.Regression = true
			}
		}
	}
	if d.Grade == Worse {
		d.Regression = true
	}
	return d
}

func diffSide(r *Report) DiffSide {
	return DiffSide{Target: strings.TrimSpace(r.Target.Kind + " " + r.Target.Name), StartedAt: r.StartedAt, Grade: r.Grade, Score: r.Score}
}

func firstFindings(fs []Finding) map[string]Finding {
	m := map[string]Finding{}
	for _, f := range fs {
		if _, ok := m[f.Criterion]; !ok {
			m[f.Criterion] = f
		}
	}
	return m
}

func sortedIDs(a, b map[string]Finding) []string {
	seen := map[string]bool{}
	var ids []string
	for _, m := range []map[string]Finding{a, b} {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return ids
}

// Worse returns the criteria that got worse.
func (d DiffResult) Worse() []CriterionChange { return d.criteriaBy(Worse) }

// Better returns the criteria that got better.
func (d DiffResult) Better() []CriterionChange { return d.criteriaBy(Better) }

func (d DiffResult) criteriaBy(c Change) []CriterionChange {
	var out []CriterionChange
	for _, x := range d.Criteria {
		if x.Change == c {
			out = append(out, x)
		}
	}
	return out
}

// Reason is a one-line description of the regression ("" when there is
// none), for an exit message.
func (d DiffResult) Reason() string {
	if !d.Regression {
		return ""
	}
	var parts []string
	if d.Grade == Worse {
		parts = append(parts, fmt.Sprintf("grade %s → %s", d.Old.Grade, d.New.Grade))
	}
	if w := d.Worse(); len(w) > 0 {
		ids := make([]string, len(w))
		for i, c := range w {
			ids[i] = fmt.Sprintf("%s %s → %s", c.Criterion, c.Old, c.New)
		}
		parts = append(parts, fmt.Sprintf("%d %s worse (%s)", len(w), plural(len(w), "criterion", "criteria"), strings.Join(ids, ", ")))
	}
	return "regression: " + strings.Join(parts, "; ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WriteDiffJSON writes d as indented JSON (two spaces, trailing newline;
// empty lists as []).
func WriteDiffJSON(w io.Writer, d DiffResult) error {
	d.Areas = nonNil(d.Areas)
	d.Criteria = nonNil(d.Criteria)
	d.Added = nonNil(d.Added)
	d.Removed = nonNil(d.Removed)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("report: encoding diff: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// WriteDiff writes d for a human: both scans, the grade and score change,
// the areas that changed, the criteria that got worse, better or changed
// (with the new summary), the criteria added and removed, and a verdict
// line ("Regression: …" or "No regression."). Text from the reports is
// cleaned as in the table.
func WriteDiff(w io.Writer, d DiffResult) error {
	var b strings.Builder
	side := func(label string, s DiffSide) {
		when := "time unknown"
		if !s.StartedAt.IsZero() {
			when = s.StartedAt.UTC().Format("2006-01-02 15:04:05 UTC")
		}
		fmt.Fprintf(&b, "%-4s %s  %s  grade %s  score %d\n", label, oneLine(s.Target), when, oneLine(s.Grade), s.Score)
	}
	side("Old", d.Old)
	side("New", d.New)
	if d.TargetMismatch {
		b.WriteString("Note: the reports are of different targets.\n")
	}
	b.WriteByte('\n')

	grade := fmt.Sprintf("Grade %s → %s (%s)", oneLine(d.Old.Grade), oneLine(d.New.Grade), d.Grade)
	if d.Grade == Same {
		grade = fmt.Sprintf("Grade %s (same)", oneLine(d.New.Grade))
	}
	fmt.Fprintf(&b, "%s, score %d → %d (%s)\n", grade, d.Old.Score, d.New.Score, signed(d.ScoreDelta))

	if len(d.Areas) > 0 {
		b.WriteString("\nAreas\n")
		idW := 0
		for _, a := range d.Areas {
			idW = max(idW, len(oneLine(a.ID)))
		}
		for _, a := range d.Areas {
			id := oneLine(a.ID)
			pad := strings.Repeat(" ", idW-len(id))
			switch {
			case !a.InOld:
				fmt.Fprintf(&b, "  %s%s  new: %d %s\n", id, pad, a.NewScore, oneLine(a.NewGrade))
			case !a.InNew:
				fmt.Fprintf(&b, "  %s%s  gone (was %d %s)\n", id, pad, a.OldScore, oneLine(a.OldGrade))
			default:
				fmt.Fprintf(&b, "  %s%s  %d %s → %d %s (%s, %s)\n", id, pad, a.OldScore, oneLine(a.OldGrade),
					a.NewScore, oneLine(a.NewGrade), signed(a.NewScore-a.OldScore), a.Change)
			}
		}
	}

	for _, g := range []struct {
		title string
		c     Change
	}{{"Worse", Worse}, {"Better", Better}, {"Changed", Changed}} {
		cs := d.criteriaBy(g.c)
		if len(cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", g.title, len(cs))
		for _, c := range cs {
			fmt.Fprintf(&b, "  %s  %s → %s\n", oneLine(c.Criterion), oneLine(string(c.Old)), oneLine(string(c.New)))
			if s := oneLine(c.NewSummary); s != "" {
				b.WriteString("      now: " + s + "\n")
			}
		}
	}
	for _, g := range []struct {
		title string
		cs    []CriterionStatus
	}{{"Added", d.Added}, {"Removed", d.Removed}} {
		if len(g.cs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s (%d)\n", g.title, len(g.cs))
		for _, c := range g.cs {
			fmt.Fprintf(&b, "  %s  %s\n", oneLine(c.Criterion), oneLine(string(c.Status)))
		}
	}

	fmt.Fprintf(&b, "\n%d %s unchanged.\n", d.Unchanged, plural(d.Unchanged, "criterion", "criteria"))
	if d.Regression {
		b.WriteString("Regression: " + strings.TrimPrefix(d.Reason(), "regression: ") + ".\n")
	} else {
		b.WriteString("No regression.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func signed(n int) string {
	if n > 0 {
		return "+" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
