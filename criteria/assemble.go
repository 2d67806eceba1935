package criteria

import (
	"sort"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// Assemble evaluates the observations of one scan and builds the report:
// findings sorted by criterion, area scores, caps, grade, and the
// observations sorted by probe ID. It is deterministic for given inputs.
func Assemble(kind string, target report.Target, res probes.Results, tool report.Tool, started time.Time, duration time.Duration) (*report.Report, error) {
	findings, caps, err := Evaluate(kind, res)
	if err != nil {
		return nil, err
	}
	sc := Score(findings, caps)
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          tool,
		Target:        target,
		StartedAt:     started.UTC(),
		DurationMS:    duration.Milliseconds(),
		Grade:         sc.Grade,
		UncappedGrade: sc.Uncapped,
		Score:         sc.Score,
		Caps:          sc.Caps,
		Areas:         sc.Areas,
		Findings:      findings,
	}
	if d, ok := probes.Vantage.OK(res); ok && len(d.Unreached) > 0 {
		r.Target.Unreached = d.Unreached
	}
	if r.Target.Endpoints == nil {
		r.Target.Endpoints = []probes.Endpoint{}
	}
	if r.Areas == nil {
		r.Areas = []report.Area{}
	}
	var ids []string
	for id := range res {
		ids = append(ids, string(id))
	}
	sort.Strings(ids)
	for _, id := range ids {
		r.Observations = append(r.Observations, *res[probes.ID(id)])
	}
	if r.Observations == nil {
		r.Observations = []probes.Observation{}
	}
	report.Bound(r)
	return r, nil
}
