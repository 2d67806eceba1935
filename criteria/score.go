package criteria

import (
	"github.com/imscore/imscore/report"
)

// Grade thresholds on the 0..100 score. See README "How the grade is
// computed".
var thresholds = []struct {
	Min   int
	Grade string
}{
	{95, "A+"}, {85, "A"}, {70, "B"}, {55, "C"}, {40, "D"}, {25, "E"}, {0, "F"},
}

// Points: a pass earns 2 points per unit of weight, a warn 1, a fail 0, out
// of 2 per unit. info, skip and error findings leave the denominator.
const (
	passPoints = 2
	warnPoints = 1
)

// Scored is the outcome of scoring.
type Scored struct {
	Grade string
	// Uncapped is the grade the score gives before the caps, when a cap
	// lowered it ("T, would be A"); empty otherwise.
	Uncapped string
	Score    int
	Areas    []report.Area
	Caps     []report.Cap
}

// gradeFor maps a score to a grade before caps. A+ needs every scored
// criterion measured and none failed.
func gradeFor(score int, blemish bool) string {
	for _, t := range thresholds {
		if score >= t.Min {
			if t.Grade == "A+" && blemish {
				return "A"
			}
			return t.Grade
		}
	}
	return "F"
}

// worse returns the worse of two grades (by report.GradeOrder).
func worse(a, b string) string {
	if report.GradeRank(b) > report.GradeRank(a) {
		return b
	}
	return a
}

// unmeasured reports whether too much could not be measured to grade:
// more than a third of the applicable weight ended in error, or nothing was
// scored at all.
func unmeasured(errW, measuredW int) bool {
	return measuredW == 0 || errW*3 > errW+measuredW
}

type tally struct {
	earned, possible, errW, measuredW int
	anyFail, anyError                 bool
	// criticalError: a critical criterion could not be measured, so no
	// grade can be given.
	criticalError bool
}

func (t *tally) add(f report.Finding) {
	w := f.Weight
	switch f.Status {
	case report.Pass:
		t.earned += passPoints * w
	case report.Warn:
		t.earned += warnPoints * w
	case report.Fail:
		t.anyFail = true
	case report.Error:
		t.errW += w
		t.anyError = true
		t.criticalError = t.criticalError || f.Severity == "critical"
		return
	default: // info, skip
		return
	}
	t.possible += passPoints * w
	t.measuredW += w
}

func (t *tally) score() int {
	if t.possible == 0 {
		return 0
	}
	return t.earned * 100 / t.possible
}

// Score computes area scores, the overall score and the grade from findings
// and caps, deterministically with integer arithmetic. Areas appear in the
// order of the criteria data files.
func Score(findings []report.Finding, caps []report.Cap) Scored {
	byArea := map[string]*tally{}
	var total tally
	for _, f := range findings {
		t := byArea[f.Area]
		if t == nil {
			t = &tally{}
			byArea[f.Area] = t
		}
		t.add(f)
		total.add(f)
	}
	areaOf := map[string]string{}
	for _, f := range findings {
		areaOf[f.Criterion] = f.Area
	}
	var out Scored
	for _, a := range Areas() {
		t := byArea[a.ID]
		if t == nil || (t.possible == 0 && t.errW == 0) {
			continue // no criterion of this area applied (all skip or info)
		}
		g := gradeFor(t.score(), t.anyFail || t.anyError)
		var areaCaps []report.Cap
		for _, c := range caps {
			if areaOf[c.Criterion] == a.ID {
				g = worse(g, c.Grade)
				areaCaps = append(areaCaps, c)
			}
		}
		if (unmeasured(t.errW, t.measuredW) || t.criticalError) && !cappedAtF(areaCaps) {
			g = "?"
		}
		out.Areas = append(out.Areas, report.Area{
			ID: a.ID, Score: t.score(), Grade: g,
			Earned: t.earned, Possible: t.possible, ErrorWeight: t.errW,
		})
	}
	out.Score = total.score()
	uncapped := gradeFor(out.Score, total.anyFail || total.anyError)
	out.Grade = uncapped
	for _, c := range caps {
		out.Grade = worse(out.Grade, c.Grade)
	}
	if out.Grade != uncapped {
		out.Uncapped = uncapped
	}
	out.Caps = caps
	if out.Caps == nil {
		out.Caps = []report.Cap{}
	}
	// Too much unmeasured means no grade can be given — unless a measured
	// failure already caps it at F, the worst there is: nothing left
	// unmeasured could make it better (a server without any TLS is F, not
	// "?").
	if (unmeasured(total.errW, total.measuredW) || total.criticalError) && !cappedAtF(caps) {
		out.Grade, out.Uncapped = "?", ""
	}
	return out
}

// cappedAtF reports whether a measured failure caps the grade at F.
func cappedAtF(caps []report.Cap) bool {
	for _, c := range caps {
		if c.Grade == "F" {
			return true
		}
	}
	return false
}
