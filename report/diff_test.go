package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// laterReport is sampleReport scanned a day later, after changes: the
// certificate is no longer trusted (worse), TLS 1.0 is gone (better), the
// cipher enumeration finished (error → pass, better), DANE went from skip
// to info (changed), OCSP stapling is no longer judged (removed) and a new
// criterion appeared (added). The grade drops from B to T.
func laterReport() *Report {
	r := sampleReport()
	r.StartedAt = r.StartedAt.Add(24 * time.Hour)
	r.Grade, r.Score = "T", 64
	r.Caps = []Cap{{Criterion: "tls.cert.trusted", Grade: "T", Reason: "the certificate is not trusted"}}
	r.Areas[0] = Area{ID: "tls", Score: 58, Grade: "C", Earned: 47, Possible: 80}
	var fs []Finding
	for _, f := range r.Findings {
		switch f.Criterion {
		case "tls.cert.trusted":
			f.Status, f.Summary = Fail, "The chain ends in Other Root CA, which is not trusted."
		case "tls.protocol.no-tls10-11":
			f.Status, f.Summary = Pass, "Both endpoints refuse TLS 1.0 and TLS 1.1."
		case "tls.cipher.no-weak":
			f.Status, f.Summary = Pass, "No weak suite is offered on either endpoint."
		case "tls.dane":
			f.Status, f.Summary = Info, "TLSA records exist but DNSSEC is not validated."
		case "tls.ocsp-stapling":
			continue
		}
		fs = append(fs, f)
	}
	fs = append(fs, Finding{Criterion: "tls.kex.strength", Area: "tls", Status: Pass, Severity: "high", Weight: 10,
		Title: "Key exchange is strong", Summary: "X25519 and P-256 only."})
	r.Findings = fs
	return r
}

func renderDiff(t *testing.T, d DiffResult) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteDiff(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func renderDiffJSON(t *testing.T, d DiffResult) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteDiffJSON(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGoldenDiff(t *testing.T) {
	d := Diff(sampleReport(), laterReport())
	golden(t, "diff.txt", renderDiff(t, d))
	golden(t, "diff.json", renderDiffJSON(t, d))
	same := Diff(sampleReport(), sampleReport())
	golden(t, "diff-same.txt", renderDiff(t, same))
	golden(t, "diff-same.json", renderDiffJSON(t, same))
	// The reverse diff is the improvement.
	golden(t, "diff-better.txt", renderDiff(t, Diff(laterReport(), sampleReport())))
}

func TestDiff(t *testing.T) {
	old, new := sampleReport(), laterReport()
	d := Diff(old, new)
	if !d.Regression || d.Grade != Worse || d.ScoreDelta != -14 || d.TargetMismatch {
		t.Errorf("summary: regression %v grade %s delta %d mismatch %v", d.Regression, d.Grade, d.ScoreDelta, d.TargetMismatch)
	}
	got := map[string]Change{}
	for _, c := range d.Criteria {
		got[c.Criterion] = c.Change
	}
	want := map[string]Change{
		"tls.cert.trusted":         Worse,
		"tls.protocol.no-tls10-11": Better,
		"tls.cipher.no-weak":       Better,
		"tls.dane":                 Changed,
	}
	if len(got) != len(want) {
		t.Errorf("criteria: %v", got)
	}
	for id, c := range want {
		if got[id] != c {
			t.Errorf("%s: %s, want %s", id, got[id], c)
		}
	}
	if len(d.Added) != 1 || d.Added[0].Criterion != "tls.kex.strength" || len(d.Removed) != 1 || d.Removed[0].Criterion != "tls.ocsp-stapling" {
		t.Errorf("added %v removed %v", d.Added, d.Removed)
	}
	if d.Unchanged != 2 {
		t.Errorf("unchanged = %d, want 2 (tls13 warn, forward-secrecy pass)", d.Unchanged)
	}
	if len(d.Areas) != 1 || d.Areas[0].ID != "tls" || d.Areas[0].Change != Worse {
		t.Errorf("areas: %+v", d.Areas)
	}
	if r := d.Reason(); r != "regression: grade B → T; 1 criterion worse (tls.cert.trusted pass → fail)" {
		t.Errorf("reason: %s", r)
	}
	// Diff must not touch its arguments.
	if old.Findings[0].Criterion != "tls.protocol.no-tls10-11" || new.Grade != "T" {
		t.Error("Diff modified its arguments")
	}

	// Backwards the grade improves, but TLS 1.0 comes back: still a
	// regression (any criterion worse is one).
	if back := Diff(new, old); !back.Regression || back.Grade != Better || len(back.Worse()) != 2 {
		t.Errorf("reverse diff: regression %v grade %s worse %v", back.Regression, back.Grade, back.Worse())
	}
	if same := Diff(old, sampleReport()); same.Regression || same.Grade != Same || len(same.Criteria) != 0 || same.Unchanged != 7 {
		t.Errorf("identical reports: %+v", same)
	}
}

func TestDiffRegressionRules(t *testing.T) {
	base := func() *Report {
		return &Report{Target: Target{Kind: "tls", Name: "x:443"}, Grade: "A", Score: 90,
			Findings: []Finding{{Criterion: "a", Status: Pass}, {Criterion: "b", Status: Warn}}}
	}
	for name, tc := range map[string]struct {
		mutate     func(r *Report)
		regression bool
	}{
		"nothing":                     {func(r *Report) {}, false},
		"criterion worse, same grade": {func(r *Report) { r.Findings[1].Status = Fail }, true},
		"grade worse only":            {func(r *Report) { r.Grade = "B" }, true},
		"grade to ?":                  {func(r *Report) { r.Grade = "?" }, true},
		"score down, same grade":      {func(r *Report) { r.Score = 86 }, false},
		"pass to error":               {func(r *Report) { r.Findings[0].Status = Error }, true},
		"pass to skip":                {func(r *Report) { r.Findings[0].Status = Skip }, false},
		"pass to info":                {func(r *Report) { r.Findings[0].Status = Info }, false},
		"added failing criterion":     {func(r *Report) { r.Findings = append(r.Findings, Finding{Criterion: "c", Status: Fail}) }, false},
		"removed criterion":           {func(r *Report) { r.Findings = r.Findings[:1] }, false},
		"better":                      {func(r *Report) { r.Findings[1].Status = Pass; r.Grade = "A+" }, false},
		"other target, same content":  {func(r *Report) { r.Target.Name = "y:443" }, false},
	} {
		t.Run(name, func(t *testing.T) {
			n := base()
			tc.mutate(n)
			d := Diff(base(), n)
			if d.Regression != tc.regression {
				t.Errorf("regression = %v, want %v (%+v)", d.Regression, tc.regression, d)
			}
			if (d.Reason() != "") != tc.regression {
				t.Errorf("reason %q", d.Reason())
			}
		})
	}
}

func TestCompareStatus(t *testing.T) {
	// fail < warn < error < pass; info and skip are unranked.
	order := []Status{Fail, Warn, Error, Pass}
	for i, a := range order {
		for j, b := range order {
			want := Same
			switch {
			case j > i:
				want = Better
			case j < i:
				want = Worse
			}
			if got := CompareStatus(a, b); got != want {
				t.Errorf("%s → %s: %s, want %s", a, b, got, want)
			}
		}
	}
	for _, u := range []Status{Info, Skip, "future"} {
		for _, s := range order {
			if CompareStatus(u, s) != Changed || CompareStatus(s, u) != Changed {
				t.Errorf("%s ↔ %s must be changed", u, s)
			}
		}
	}
	if CompareStatus(Info, Skip) != Changed || CompareStatus(Skip, Skip) != Same {
		t.Error("info/skip")
	}
}

func TestCompareGrade(t *testing.T) {
	for _, tc := range []struct {
		old, new string
		want     Change
	}{
		{"A", "A", Same}, {"B", "A", Better}, {"A", "B", Worse}, {"A+", "T", Worse},
		{"T", "F", Worse}, {"F", "?", Worse}, {"?", "C", Better}, {"A", "Z", Changed},
	} {
		if got := CompareGrade(tc.old, tc.new); got != tc.want {
			t.Errorf("%s → %s: %s, want %s", tc.old, tc.new, got, tc.want)
		}
	}
}

func TestDiffJSONShape(t *testing.T) {
	out := renderDiffJSON(t, Diff(sampleReport(), sampleReport()))
	if bytes.Contains(out, []byte("null")) {
		t.Errorf("null in diff JSON:\n%s", out)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"old", "new", "grade", "score_delta", "areas", "criteria", "added", "removed", "unchanged", "regression", "target_mismatch"} {
		if _, ok := m[k]; !ok {
			t.Errorf("diff JSON lacks %q", k)
		}
	}
}

func TestDiffTextHostile(t *testing.T) {
	n := laterReport()
	n.Findings[0].Summary = "evil\x1b[2J\nsecond line"
	out := string(renderDiff(t, Diff(sampleReport(), n)))
	if strings.ContainsRune(out, '\x1b') || strings.Contains(out, "evil\x1b") {
		t.Errorf("escape reached the output:\n%q", out)
	}
}
