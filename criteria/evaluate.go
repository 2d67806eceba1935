package criteria

import (
	"fmt"
	"slices"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// Verdict is what an evaluator concludes.
type Verdict struct {
	Status   report.Status
	Summary  string
	Evidence []probes.Evidence
	// Cap, when set, overrides the metadata's cap grade for this verdict
	// (e.g. weak ciphers cap at C, but NULL or EXPORT suites at F).
	Cap       string
	CapReason string
}

// Evaluator is a pure function of the observations. It must not do I/O or
// read the clock.
type Evaluator func(in Input) Verdict

// Input is what an evaluator reads.
type Input struct {
	// Kind is the target kind (tls, xmpp, matrix).
	Kind    string
	Results probes.Results
}

// Evaluate runs every criterion that applies to kind and returns the
// findings, sorted by criterion ID, and the grade caps they trigger. A
// panicking evaluator yields an error finding, not a crash.
func Evaluate(kind string, res probes.Results) ([]report.Finding, []report.Cap, error) {
	all, err := All()
	if err != nil {
		return nil, nil, err
	}
	in := Input{Kind: kind, Results: res}
	var out []report.Finding
	var caps []report.Cap
	for _, m := range all {
		if !slices.Contains(m.Targets, kind) {
			continue
		}
		ev, ok := evaluatorFor(m.ID)
		if !ok {
			return nil, nil, fmt.Errorf("criterion %s has no evaluator", m.ID)
		}
		v := safeEval(ev, in)
		if v.Status == "" {
			v = Verdict{Status: report.Error, Summary: "evaluator returned no status (bug)"}
		}
		out = append(out, finding(m, v))
		if c, ok := capFor(m, v); ok {
			caps = append(caps, c)
		}
	}
	return out, caps, nil
}

func safeEval(ev Evaluator, in Input) (v Verdict) {
	defer func() {
		if r := recover(); r != nil {
			v = Verdict{Status: report.Error, Summary: fmt.Sprintf("evaluator failed: %v", r)}
		}
	}()
	return ev(in)
}

func finding(m Meta, v Verdict) report.Finding {
	f := report.Finding{
		Criterion:  m.ID,
		Area:       m.Area,
		Status:     v.Status,
		Severity:   m.Severity,
		Weight:     m.Weight,
		Title:      m.Title,
		Summary:    v.Summary,
		Evidence:   v.Evidence,
		References: m.References,
	}
	if f.Evidence == nil {
		f.Evidence = []probes.Evidence{}
	}
	if v.Status == report.Warn || v.Status == report.Fail {
		f.Remediation = m.Remediation
	}
	return f
}

// capFor returns the grade cap a finding triggers, if any.
func capFor(m Meta, v Verdict) (report.Cap, bool) {
	for _, c := range m.Caps {
		if c.On == v.Status {
			g, reason := c.Grade, c.Reason
			if v.Cap != "" {
				g = v.Cap
				if v.CapReason != "" {
					reason = v.CapReason
				}
			}
			return report.Cap{Criterion: m.ID, Grade: g, Reason: reason}, true
		}
	}
	if v.Cap != "" && (v.Status == report.Fail || v.Status == report.Warn) {
		return report.Cap{Criterion: m.ID, Grade: v.Cap, Reason: v.CapReason}, true
	}
	return report.Cap{}, false
}
