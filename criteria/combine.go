package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// epVerdict is a criterion's verdict for one endpoint.
type epVerdict struct {
	Endpoint  string
	Status    report.Status
	Summary   string
	Evidence  []probes.Evidence
	Cap       string
	CapReason string
	// Seen marks a verdict that rests on something observed (e.g. a weak
	// suite was accepted), so it holds even when the enumeration was
	// incomplete. Verdicts that rest on absence ("no weak suite") need a
	// complete enumeration and become errors otherwise.
	Seen bool
}

// statusRank orders statuses from worst to best when combining endpoints: a
// measured failure on any endpoint decides the criterion; an endpoint that
// could not be measured keeps the criterion from passing.
var statusRank = map[report.Status]int{
	report.Fail: 0, report.Warn: 1, report.Error: 2, report.Pass: 3, report.Info: 4, report.Skip: 5,
}

// combine takes the worst endpoint's verdict (DESIGN: "a criterion takes
// the worst endpoint and cites its evidence"). When several endpoints share
// the worst status, their summaries are joined, prefixed by endpoint when
// they differ.
func combine(vs []epVerdict) Verdict {
	if len(vs) == 0 {
		return Verdict{Status: report.Error, Summary: "no endpoint was measured"}
	}
	worst := vs[0].Status
	for _, v := range vs[1:] {
		if statusRank[v.Status] < statusRank[worst] {
			worst = v.Status
		}
	}
	var sel []epVerdict
	for _, v := range vs {
		if v.Status == worst {
			sel = append(sel, v)
		}
	}
	out := Verdict{Status: worst}
	same := true
	for _, v := range sel[1:] {
		if v.Summary != sel[0].Summary {
			same = false
		}
	}
	if same {
		out.Summary = sel[0].Summary
		if len(vs) > 1 && len(sel) < len(vs) {
			out.Summary = fmt.Sprintf("%s (on %s)", sel[0].Summary, endpointList(sel))
		}
	} else {
		var parts []string
		for _, v := range sel {
			parts = append(parts, v.Endpoint+": "+v.Summary)
		}
		out.Summary = strings.Join(parts, "; ")
	}
	for _, v := range sel {
		out.Evidence = append(out.Evidence, v.Evidence...)
		if v.Cap != "" && (out.Cap == "" || worse(out.Cap, v.Cap) == v.Cap) {
			out.Cap, out.CapReason = v.Cap, v.CapReason
		}
	}
	return out
}

func endpointList(vs []epVerdict) string {
	var eps []string
	for _, v := range vs {
		eps = append(eps, v.Endpoint)
	}
	return strings.Join(eps, ", ")
}

// notMeasured is the verdict when a probe's observation is missing or failed.
func notMeasured(in Input, id probes.ID, what string) Verdict {
	o := in.Results.Get(id)
	if o == nil {
		return Verdict{Status: report.Error, Summary: what + " not measured (probe " + string(id) + " did not run)"}
	}
	switch o.Status {
	case probes.StatusNotApplicable:
		return Verdict{Status: report.Skip, Summary: what + ": not applicable (" + o.Reason + ")"}
	case probes.StatusNoTLS:
		return Verdict{Status: report.Skip, Summary: what + ": no TLS offered (" + o.Reason + ")", Evidence: o.Evidence}
	}
	reason := o.Reason
	if reason == "" {
		reason = string(o.Status)
	}
	return Verdict{Status: report.Error, Summary: fmt.Sprintf("%s could not be measured: %s", what, reason), Evidence: o.Evidence}
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// list joins up to n items and says how many more there are.
func list(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(xs[:n], ", "), len(xs)-n)
}

// worseStatus returns the worse of two statuses (combine.go's order).
func worseStatus(a, b report.Status) report.Status {
	if statusRank[b] < statusRank[a] {
		return b
	}
	return a
}

func nonEmpty(xs []string) []string {
	var out []string
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}
