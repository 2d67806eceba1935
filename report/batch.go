package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Batch model (`imscore batch`): many targets scanned in one run. Each
// target is one BatchEntry — a line of the output directory's index.jsonl
// and a row of the summary — built from its report (NewBatchEntry) or from
// the reason it was not scanned. Entries hold what the summary, the
// statistics and the observatory pages show, a few hundred bytes each, so
// a summary of thousands of targets never holds their reports: renderers
// that need a whole report (JUnit) load one at a time.

// BatchSchemaVersion is the version of the index.jsonl line format (and of
// the summary JSON). New fields are added without a bump.
const BatchSchemaVersion = 1

// Outcomes of a target in a batch.
const (
	// BatchScanned: the target was scanned and graded.
	BatchScanned = "scanned"
	// BatchCannotScan: the scan did not reach the target (unknown name,
	// refused, timed out, not TLS) or could not be run; no grade.
	BatchCannotScan = "cannot-scan"
	// BatchSkipped: not scanned on purpose (the list records that the
	// provider does not consent to testing).
	BatchSkipped = "skipped"
	// BatchUnfinished: in a summary only (never in an index), a target
	// an interrupted run had not started or finished, with no result.
	BatchUnfinished = "unfinished"
)

// BatchEntry is one target of a batch.
type BatchEntry struct {
	SchemaVersion int    `json:"schema_version"`
	Kind          string `json:"kind"`
	Name          string `json:"name"`
	// Source is where the target came from: "FILE:LINE" of the list.
	Source string `json:"source,omitempty"`
	// File is the target's JSON file (its report, or the record of why it
	// was not scanned), relative to the output directory.
	File string `json:"file"`
	// WrittenAt is when the file was written (its modification time), so
	// that a file written after its index line was lost is noticed.
	WrittenAt time.Time `json:"written_at"`
	Outcome   string    `json:"outcome"`
	// Reason says why the target was not scanned (one line).
	Reason     string    `json:"reason,omitempty"`
	StartedAt  time.Time `json:"started_at"`
	DurationMS int64     `json:"duration_ms"`
	Grade      string    `json:"grade,omitempty"`
	Score      int       `json:"score"`
	// Areas are the area scores, in the report's order.
	Areas []BatchArea `json:"areas,omitempty"`
	// Failures are the worst failed criteria (at most MaxBatchFailures);
	// FailCount counts all of them.
	Failures  []BatchFailure `json:"failures,omitempty"`
	FailCount int            `json:"fail_count,omitempty"`
	// Statuses is every criterion's status (for the statistics).
	Statuses map[string]Status `json:"statuses,omitempty"`
	// Software is the server software and version the scan saw disclosed
	// ("" when none was).
	Software string `json:"software,omitempty"`
	// Claims compare what the target's list states with what the scan
	// measured.
	Claims []BatchClaim `json:"claims,omitempty"`
}

// Key identifies a target: "kind:name".
func (e *BatchEntry) Key() string { return e.Kind + ":" + e.Name }

// BatchArea is one area's score.
type BatchArea struct {
	ID    string `json:"id"`
	Score int    `json:"score"`
	Grade string `json:"grade"`
}

// BatchFailure is one failed criterion.
type BatchFailure struct {
	Criterion string `json:"criterion"`
	Severity  string `json:"severity,omitempty"`
	Summary   string `json:"summary,omitempty"`
}

// MaxBatchFailures bounds the failures an entry lists.
const MaxBatchFailures = 3

// Agreement of a claim with the measurement.
const (
	ClaimAgrees      = "agrees"
	ClaimContradicts = "contradicts"
	// ClaimUnclear: measured, but the measurement cannot settle the claim
	// (an offered registration form that was not submitted).
	ClaimUnclear = "unclear"
	// ClaimNotMeasured: this scan does not measure it (an upload limit
	// without --account).
	ClaimNotMeasured = "not-measured"
)

// BatchClaim is one statement of a list (the XMPP Providers data,
// joinmatrix's servers list) beside what imscore measured.
type BatchClaim struct {
	// Claim names what is stated: registration, software, upload-size,
	// captcha, email, tls-c2s, tls-s2s.
	Claim string `json:"claim"`
	// Listed is the list's statement, Measured imscore's, as short text.
	Listed   string `json:"listed"`
	Measured string `json:"measured,omitempty"`
	// Agreement is agrees, contradicts, unclear or not-measured.
	Agreement string `json:"agreement"`
	// Criterion is the criterion whose finding measured it.
	Criterion string `json:"criterion,omitempty"`
	// Source is the list's source for the statement, when it names one.
	Source string `json:"source,omitempty"`
}

// severityRank orders severities, worst first.
var severityRank = map[string]int{"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

// NewBatchEntry is the entry of a scanned target: rep's grade, score,
// areas, statuses and worst failures. The caller adds Source, File,
// Software and Claims.
func NewBatchEntry(rep *Report) BatchEntry {
	e := BatchEntry{
		SchemaVersion: BatchSchemaVersion, Kind: rep.Target.Kind, Name: rep.Target.Name, Outcome: BatchScanned,
		StartedAt: rep.StartedAt.UTC(), DurationMS: rep.DurationMS, Grade: rep.Grade, Score: rep.Score,
		Statuses: map[string]Status{},
	}
	for _, a := range rep.Areas {
		e.Areas = append(e.Areas, BatchArea{ID: a.ID, Score: a.Score, Grade: a.Grade})
	}
	var fails []Finding
	for _, f := range rep.Findings {
		e.Statuses[f.Criterion] = f.Status
		if f.Status == Fail {
			fails = append(fails, f)
		}
	}
	slices.SortStableFunc(fails, func(a, b Finding) int {
		ra, oka := severityRank[a.Severity]
		rb, okb := severityRank[b.Severity]
		if !oka {
			ra = len(severityRank)
		}
		if !okb {
			rb = len(severityRank)
		}
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(b.Weight, a.Weight), strings.Compare(a.Criterion, b.Criterion))
	})
	e.FailCount = len(fails)
	for _, f := range fails[:min(len(fails), MaxBatchFailures)] {
		e.Failures = append(e.Failures, BatchFailure{Criterion: f.Criterion, Severity: f.Severity, Summary: batchLine(f.Summary, 200)})
	}
	return e
}

// NewBatchRecord is the entry of a target that was not scanned: outcome
// BatchCannotScan or BatchSkipped, with the reason.
func NewBatchRecord(kind, name, outcome, reason string, at time.Time, dur time.Duration) BatchEntry {
	return BatchEntry{SchemaVersion: BatchSchemaVersion, Kind: kind, Name: name, Outcome: outcome,
		Reason: batchLine(reason, 300), StartedAt: at.UTC(), DurationMS: dur.Milliseconds()}
}

// batchLine is s on one line, made visible-safe and cut to at most max
// bytes, with "…" where it was cut.
func batchLine(s string, max int) string {
	s = fold(Visible(s))
	if max > 0 && len(s) > max {
		cut := max
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// ReadBatchEntry parses one index.jsonl line.
func ReadBatchEntry(line []byte) (BatchEntry, error) {
	var e BatchEntry
	if err := json.Unmarshal(line, &e); err != nil {
		return e, err
	}
	if e.SchemaVersion != BatchSchemaVersion {
		return e, fmt.Errorf("index entry schema_version %d, want %d", e.SchemaVersion, BatchSchemaVersion)
	}
	if e.Kind == "" || e.Name == "" || e.Outcome == "" {
		return e, fmt.Errorf("index entry without kind, name or outcome")
	}
	return e, nil
}

// BatchRow is an entry as a summary shows it: with Policy, why the target
// fails the run's policy (--fail-under, --require, --policy; "" when it
// passes or was not scanned).
type BatchRow struct {
	BatchEntry
	Policy string `json:"policy,omitempty"`
}

// BatchSummary is a batch as the summary renderers show it: every target of
// the run (in the list's order) and the statistics over them.
type BatchSummary struct {
	Rows  []BatchRow
	Stats BatchStats
}

// BatchStats are statistics over the targets of a batch.
type BatchStats struct {
	Targets    int `json:"targets"`
	Scanned    int `json:"scanned"`
	CannotScan int `json:"cannot_scan"`
	Skipped    int `json:"skipped"`
	// Unfinished counts targets an interrupted run left without a result.
	Unfinished int `json:"unfinished,omitempty"`
	// BelowPolicy counts scanned targets that fail the run's policy.
	BelowPolicy int `json:"below_policy"`
	// MeanScore is the mean score of the scanned targets (rounded).
	MeanScore int `json:"mean_score"`
	// Grades is the histogram of grades of the scanned targets, in
	// GradeOrder (every grade, also those no target got).
	Grades []GradeCount `json:"grades"`
	// Criteria are the statuses per criterion over the scanned targets,
	// by criterion ID.
	Criteria []CriterionStat `json:"criteria"`
}

// GradeCount is one bar of the grade histogram.
type GradeCount struct {
	Grade string `json:"grade"`
	Count int    `json:"count"`
}

// CriterionStat counts one criterion's statuses over the scanned targets.
type CriterionStat struct {
	Criterion string `json:"criterion"`
	Pass      int    `json:"pass"`
	Warn      int    `json:"warn"`
	Fail      int    `json:"fail"`
	Info      int    `json:"info"`
	Skip      int    `json:"skip"`
	Error     int    `json:"error"`
}

// Judged is how many targets got a verdict that counts (pass, warn or
// fail): the denominator of the percentages.
func (c CriterionStat) Judged() int { return c.Pass + c.Warn + c.Fail }

// Percent is n as a whole percentage of the judged targets (0 when none
// was judged).
func (c CriterionStat) Percent(n int) int {
	if c.Judged() == 0 {
		return 0
	}
	return (n*100 + c.Judged()/2) / c.Judged()
}

// NewBatchSummary computes the statistics over rows.
func NewBatchSummary(rows []BatchRow) *BatchSummary {
	var t BatchTally
	for i := range rows {
		t.Add(&rows[i])
	}
	return &BatchSummary{Rows: rows, Stats: t.Stats()}
}

// BatchTally counts rows into statistics one at a time, so that a caller
// can drop what it no longer needs of each row (its statuses) as it goes.
type BatchTally struct {
	st       BatchStats
	grades   map[string]int
	other    []string
	crit     map[string]*CriterionStat
	scoreSum int
}

// Add counts r.
func (t *BatchTally) Add(r *BatchRow) {
	if t.grades == nil {
		t.grades, t.crit = map[string]int{}, map[string]*CriterionStat{}
	}
	st := &t.st
	st.Targets++
	switch r.Outcome {
	case BatchScanned:
		st.Scanned++
		if r.Policy != "" {
			st.BelowPolicy++
		}
	case BatchSkipped:
		st.Skipped++
		return
	case BatchUnfinished:
		st.Unfinished++
		return
	default:
		st.CannotScan++
		return
	}
	t.scoreSum += r.Score
	if GradeRank(r.Grade) < 0 && t.grades[r.Grade] == 0 {
		t.other = append(t.other, r.Grade)
	}
	t.grades[r.Grade]++
	for id, status := range r.Statuses {
		c := t.crit[id]
		if c == nil {
			c = &CriterionStat{Criterion: id}
			t.crit[id] = c
		}
		switch status {
		case Pass:
			c.Pass++
		case Warn:
			c.Warn++
		case Fail:
			c.Fail++
		case Info:
			c.Info++
		case Skip:
			c.Skip++
		default:
			c.Error++
		}
	}
}

// Stats are the statistics of the rows added so far.
func (t *BatchTally) Stats() BatchStats {
	st := t.st
	if st.Scanned > 0 {
		st.MeanScore = (t.scoreSum + st.Scanned/2) / st.Scanned
	}
	st.Grades = nil
	for _, g := range GradeOrder {
		st.Grades = append(st.Grades, GradeCount{Grade: g, Count: t.grades[g]})
	}
	other := slices.Clone(t.other)
	slices.Sort(other)
	for _, g := range other {
		st.Grades = append(st.Grades, GradeCount{Grade: g, Count: t.grades[g]})
	}
	st.Criteria = nil
	for _, c := range t.crit {
		st.Criteria = append(st.Criteria, *c)
	}
	slices.SortFunc(st.Criteria, func(a, b CriterionStat) int { return strings.Compare(a.Criterion, b.Criterion) })
	return st
}

// CannotScan are the rows of targets that could not be scanned.
func (s *BatchSummary) CannotScan() []BatchRow {
	var out []BatchRow
	for _, r := range s.Rows {
		if r.Outcome == BatchCannotScan {
			out = append(out, r)
		}
	}
	return out
}

// BatchRun is one line of a batch directory's runs.jsonl: a run of the
// batch (or a merge of shards) and the statistics over the run's targets
// after it — the observatory's history across runs.
type BatchRun struct {
	At       time.Time  `json:"at"`
	Finished time.Time  `json:"finished"`
	What     string     `json:"what"` // "run" or "merge"
	Shard    string     `json:"shard,omitempty"`
	Scanned  int        `json:"scanned_now"` // targets scanned (or merged) by it
	Stats    BatchStats `json:"stats"`
}
