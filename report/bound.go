package report

import (
	"fmt"

	"github.com/imscore/imscore/probes"
)

// Bounds of one report. Each observation's evidence is bounded when the
// probe returns (probes.BoundEvidence); these bound what the findings copy
// of it and the report as a whole, so that a hostile peer cannot make a
// report of megabytes nor a summary of pages.
const (
	// MaxSummary bounds a finding's summary (one readable line).
	MaxSummary = 1024
	// MaxReportEvidence bounds the evidence text of a whole report
	// (findings first, in criterion order, then observations); evidence
	// past it is replaced by a note.
	MaxReportEvidence = 2 << 20
)

// Bound applies the report's bounds to r in place: every summary at most
// MaxSummary bytes, every finding's evidence at most probes.MaxEvidence
// items, and all evidence together at most MaxReportEvidence bytes. The
// result depends only on r, so the same scan bounds the same way.
func Bound(r *Report) {
	budget := MaxReportEvidence
	spend := func(ev []probes.Evidence) []probes.Evidence {
		if ev == nil {
			return nil
		}
		ev = probes.BoundEvidence(ev, probes.MaxEvidence)
		size := 0
		for _, e := range ev {
			size += len(e.Endpoint) + len(e.Kind) + len(e.Sent) + len(e.Received) + len(e.Detail)
		}
		if size > budget {
			budget = 0
			return []probes.Evidence{{Kind: "note", Detail: fmt.Sprintf("%d evidence items not kept: the report's evidence reached %d MiB", len(ev), MaxReportEvidence>>20)}}
		}
		budget -= size
		return ev
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Summary = probes.Cut(f.Summary, MaxSummary)
		f.Evidence = spend(f.Evidence)
	}
	for i := range r.Observations {
		r.Observations[i].Evidence = spend(r.Observations[i].Evidence)
	}
}
