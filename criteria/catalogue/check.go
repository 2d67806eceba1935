package catalogue

import (
	"fmt"
	"io/fs"
	"time"
)

// DefaultCheckMaxAge is the age after which `imscore catalogue check` lists
// a claim as stale: two years, long enough that the imported SecuChart
// snapshot is not flagged at once, short enough that nothing rots
// unnoticed.
const DefaultCheckMaxAge = 2 * 365 * 24 * time.Hour

// CheckResult is what Check found: problems make the catalogue invalid;
// warnings (stale claims, a discontinued messenger without a sourced end
// date) do not, unless the caller is strict.
type CheckResult struct {
	// Catalogue is what could be read (nil when the taxonomy is unusable).
	Catalogue *Catalogue
	Problems  []string
	Warnings  []string
	// Stale are the claims older than the maximum age (also in Warnings).
	Stale []ClaimRef
	// Agreement is how each cross-checked dataset compares with the
	// claims (crosscheck/*.yaml).
	Agreement []Agreement
	// Coverage counts the unknown cells.
	Coverage Coverage
}

// OK reports whether the catalogue has no problems (and, when strict, no
// warnings either).
func (r *CheckResult) OK(strict bool) bool {
	return len(r.Problems) == 0 && (!strict || len(r.Warnings) == 0)
}

// Check validates the catalogue in fsys as Load does (every claim has a
// valid value, sources with well-formed absolute http(s) URLs, a
// well-formed checked date; every messenger has every criterion) and also
// that no date lies after now; it lists claims checked more than maxAge
// before now and discontinued messengers without an end date as warnings.
// Each problem and warning is one line, prefixed with its file.
func Check(fsys fs.FS, now time.Time, maxAge time.Duration) CheckResult {
	c, errs := load(fsys)
	r := CheckResult{Catalogue: c}
	for _, e := range errs {
		r.Problems = append(r.Problems, oneLine(e.Error()))
	}
	if c == nil {
		return r
	}
	today := now.UTC().Format(DateLayout)
	future := func(d string) bool {
		// YYYY-MM-DD compares as a string; malformed dates are
		// reported by load already.
		return CheckDate(d) == nil && d > today
	}
	for _, m := range c.Messengers {
		f := "data/" + m.ID + ".yaml"
		if future(m.Ended) {
			r.Problems = append(r.Problems, fmt.Sprintf("%s: %s: ended %s is in the future (today is %s)", f, m.ID, m.Ended, today))
		}
		if m.Status == StatusDiscontinued && m.Ended == "" {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %s: discontinued but no end date (none sourced yet)", f, m.ID))
		}
		for _, cr := range c.Taxonomy.Criteria {
			cl, ok := m.Claim(cr.ID)
			if !ok {
				continue
			}
			if future(cl.Checked) {
				r.Problems = append(r.Problems, fmt.Sprintf("%s: %s %s: checked %s is in the future (today is %s)", f, m.ID, cr.ID, cl.Checked, today))
			}
			for i, d := range cl.Disputed {
				if future(d.Checked) {
					r.Problems = append(r.Problems, fmt.Sprintf("%s: %s %s: disputed[%d]: checked %s is in the future (today is %s)", f, m.ID, cr.ID, i, d.Checked, today))
				}
			}
		}
	}
	r.Agreement, _ = c.CrossCheck() // its problems came with load
	r.Coverage = c.Coverage()
	r.Stale = c.Stale(now, maxAge)
	for _, s := range r.Stale {
		r.Warnings = append(r.Warnings, fmt.Sprintf("data/%s.yaml: %s %s: stale, checked %s (more than %d days before %s)",
			s.Messenger, s.Messenger, s.Criterion, s.Checked, int(maxAge/(24*time.Hour)), today))
	}
	return r
}

// CheckEmbedded runs Check on the embedded catalogue.
func CheckEmbedded(now time.Time, maxAge time.Duration) CheckResult {
	return Check(embedded, now, maxAge)
}
