package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/report"
)

// Policy is a CI policy file (imscore.yaml):
//
//	min_grade: B
//	require: [tls.cert.trusted, xmpp.c2s.starttls-required]
//	ignore:
//	  - criterion: tls.protocol.no-tls10-11
//	    reason: old Android clients until the spring migration
//	    expires: 2027-03-01
//
// An ignored criterion is judged as "skip" when the policy decides (the
// report itself is unchanged); an ignore past its expiry date no longer
// applies, and imscore says so.
type Policy struct {
	MinGrade string         `yaml:"min_grade"`
	Require  []string       `yaml:"require"`
	Ignore   []PolicyIgnore `yaml:"ignore"`
}

// PolicyIgnore is one accepted risk.
type PolicyIgnore struct {
	Criterion string `yaml:"criterion"`
	Reason    string `yaml:"reason"`
	Expires   string `yaml:"expires"` // YYYY-MM-DD, the last day it applies
	until     time.Time
}

// LoadPolicy reads and validates a policy file: unknown keys, unknown
// criterion IDs, a missing reason or a malformed expiry date are errors.
func LoadPolicy(path string) (*Policy, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, err
	}
	var p Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil && err != io.EOF {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if p.MinGrade != "" && (report.GradeRank(p.MinGrade) < 0 || p.MinGrade == "?") {
		return nil, fmt.Errorf("%s: min_grade %q is not a grade (A+, A, B, C, D, E, T, F)", path, p.MinGrade)
	}
	for _, id := range p.Require {
		if _, ok := criteria.Lookup(id); !ok {
			return nil, fmt.Errorf("%s: require: unknown criterion %q (see 'imscore criteria')", path, id)
		}
	}
	for i := range p.Ignore {
		ig := &p.Ignore[i]
		if _, ok := criteria.Lookup(ig.Criterion); !ok {
			return nil, fmt.Errorf("%s: ignore: unknown criterion %q (see 'imscore criteria')", path, ig.Criterion)
		}
		if strings.TrimSpace(ig.Reason) == "" {
			return nil, fmt.Errorf("%s: ignore %s: a reason is required", path, ig.Criterion)
		}
		t, err := time.Parse("2006-01-02", ig.Expires)
		if err != nil {
			return nil, fmt.Errorf("%s: ignore %s: expires %q is not a date (YYYY-MM-DD)", path, ig.Criterion, ig.Expires)
		}
		ig.until = t.AddDate(0, 0, 1) // the whole last day still applies
	}
	return &p, nil
}

// Check applies the policy to a report at time now. It returns notes for
// stderr (expired ignores) and the policy's verdict (nil when it holds).
func (p *Policy) Check(rep *report.Report, now time.Time) ([]string, error) {
	var notes []string
	ignored := map[string]string{}
	for _, ig := range p.Ignore {
		if now.Before(ig.until) {
			ignored[ig.Criterion] = ig.Reason
		} else {
			notes = append(notes, fmt.Sprintf("policy: the ignore of %s expired on %s and no longer applies", ig.Criterion, ig.Expires))
		}
	}
	findings := make([]report.Finding, len(rep.Findings))
	copy(findings, rep.Findings)
	for i, f := range findings {
		if _, ok := ignored[f.Criterion]; ok {
			findings[i].Status = report.Skip
		}
	}
	var caps []report.Cap
	for _, c := range rep.Caps {
		if _, ok := ignored[c.Criterion]; !ok {
			caps = append(caps, c)
		}
	}
	grade := rep.Grade
	if len(ignored) > 0 {
		grade = criteria.Score(findings, caps).Grade
	}
	var bad []string
	if p.MinGrade != "" && report.GradeRank(grade) > report.GradeRank(p.MinGrade) {
		s := fmt.Sprintf("grade %s is below the policy's min_grade %s", grade, p.MinGrade)
		if grade != rep.Grade {
			s += fmt.Sprintf(" (report grade %s, with %d ignored criteria)", rep.Grade, len(ignored))
		}
		bad = append(bad, s)
	}
	status := map[string]report.Status{}
	for _, f := range rep.Findings {
		status[f.Criterion] = f.Status
	}
	for _, id := range p.Require {
		if _, ok := ignored[id]; ok {
			continue
		}
		st, ok := status[id]
		switch {
		case !ok:
			bad = append(bad, id+" does not apply to this scan")
		case st != report.Pass:
			bad = append(bad, fmt.Sprintf("%s is %s", id, st))
		}
	}
	sort.Strings(notes)
	if len(bad) > 0 {
		return notes, fmt.Errorf("policy failed: %s", strings.Join(bad, "; "))
	}
	return notes, nil
}
