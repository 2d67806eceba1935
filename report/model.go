package report

import (
	"time"

	"github.com/imscore/imscore/probes"
)

// SchemaVersion is the version of the JSON report format. It changes only
// when a field is renamed or removed or its meaning changes; new fields are
// added without a bump.
const SchemaVersion = 1

// Status of a finding.
type Status string

// Finding statuses.
const (
	Pass  Status = "pass"
	Warn  Status = "warn"
	Fail  Status = "fail"
	Info  Status = "info"
	Skip  Status = "skip"  // not applicable, or no credentials
	Error Status = "error" // could not be measured
)

// Report is one scan of one target.
type Report struct {
	SchemaVersion int       `json:"schema_version"`
	Tool          Tool      `json:"tool"`
	Target        Target    `json:"target"`
	StartedAt     time.Time `json:"started_at"`
	DurationMS    int64     `json:"duration_ms"`
	// Grade: A+, A, B, C, D, E, F, T (untrusted certificate) or ? (too
	// much could not be measured).
	Grade string `json:"grade"`
	// UncappedGrade is the grade the score would give without the caps,
	// when a cap lowered it (a T that would be an A); empty otherwise.
	UncappedGrade string `json:"uncapped_grade,omitempty"`
	// Score: 0..100, weighted over areas.
	Score int `json:"score"`
	// Caps lists the grade caps that applied, with their reasons.
	Caps     []Cap     `json:"caps"`
	Areas    []Area    `json:"areas"`
	Findings []Finding `json:"findings"`
	// Observations are the probes' raw results (sorted by probe ID).
	Observations []probes.Observation `json:"observations"`
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
}

// Target is what was scanned (kind, name, host, port, STARTTLS, SNI,
// XMPP domain and every endpoint probed). Protocol packages build it in
// their scan spec, so the type lives in probes.
type Target = probes.Target

// Cap is a grade cap that applied.
type Cap struct {
	Criterion string `json:"criterion"`
	Grade     string `json:"grade"`
	Reason    string `json:"reason"`
}

// Area is the score of one area (tls, e2ee, forward-secrecy, metadata,
// federation, compliance).
type Area struct {
	ID    string `json:"id"`
	Score int    `json:"score"`
	Grade string `json:"grade"`
	// Points earned and possible (integer arithmetic; skip and error
	// findings leave the denominator).
	Earned   int `json:"earned"`
	Possible int `json:"possible"`
	// ErrorWeight is the weight of criteria that could not be measured.
	ErrorWeight int `json:"error_weight"`
}

// Finding is one criterion's verdict.
type Finding struct {
	Criterion string `json:"criterion"`
	Area      string `json:"area"`
	Status    Status `json:"status"`
	// Severity of a failure of this criterion: critical, high, medium, low, info.
	Severity string `json:"severity"`
	Weight   int    `json:"weight"`
	Title    string `json:"title"`
	// Summary is one line saying what was found.
	Summary  string            `json:"summary"`
	Evidence []probes.Evidence `json:"evidence"`
	// Remediation is the fix, by server software ("general", "nginx",
	// "prosody", "ejabberd", "synapse", "dendrite") or, for a client test,
	// by client and library ("go-sendxmpp", "profanity", "libstrophe", …);
	// only on warn/fail.
	Remediation map[string]string `json:"remediation,omitempty"`
	References  []Reference       `json:"references"`
}

// Reference is a standard or document backing a criterion.
type Reference struct {
	Title string `json:"title"`
	URL   string `json:"url,omitempty"`
}

// GradeOrder ranks grades from best to worst; "?" ranks last so that an
// unmeasured server never passes --fail-under.
var GradeOrder = []string{"A+", "A", "B", "C", "D", "E", "T", "F", "?"}

// GradeRank returns the rank of g (0 best), or -1 for an unknown grade.
func GradeRank(g string) int {
	for i, x := range GradeOrder {
		if x == g {
			return i
		}
	}
	return -1
}
