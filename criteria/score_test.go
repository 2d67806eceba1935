package criteria

import (
	"testing"

	"github.com/imscore/imscore/report"
)

func f(id, area string, st report.Status, w int) report.Finding {
	return report.Finding{Criterion: id, Area: area, Status: st, Weight: w}
}

func TestScore(t *testing.T) {
	cases := []struct {
		name      string
		findings  []report.Finding
		caps      []report.Cap
		wantScore int
		wantGrade string
	}{
		{"all pass", []report.Finding{f("a", "tls", report.Pass, 10), f("b", "tls", report.Pass, 5)}, nil, 100, "A+"},
		{"info and skip leave the denominator", []report.Finding{f("a", "tls", report.Pass, 10), f("b", "tls", report.Info, 5), f("c", "tls", report.Skip, 5)}, nil, 100, "A+"},
		{"warn is half", []report.Finding{f("a", "tls", report.Pass, 10), f("b", "tls", report.Warn, 10)}, nil, 75, "B"},
		{"fail is zero, no A+ with a fail", []report.Finding{f("a", "tls", report.Pass, 99), f("b", "tls", report.Fail, 1)}, nil, 99, "A"},
		{"cap B", []report.Finding{f("a", "tls", report.Pass, 10), f("b", "tls", report.Fail, 1)}, []report.Cap{{Criterion: "b", Grade: "B"}}, 90, "B"},
		{"cap T beats B", []report.Finding{f("a", "tls", report.Pass, 10)}, []report.Cap{{Criterion: "x", Grade: "B"}, {Criterion: "y", Grade: "T"}}, 100, "T"},
		{"cap F beats T", []report.Finding{f("a", "tls", report.Pass, 10)}, []report.Cap{{Criterion: "x", Grade: "F"}, {Criterion: "y", Grade: "T"}}, 100, "F"},
		{"too much error", []report.Finding{f("a", "tls", report.Pass, 10), f("b", "tls", report.Error, 6)}, nil, 100, "?"},
		{"some error: no A+", []report.Finding{f("a", "tls", report.Pass, 10), f("b", "tls", report.Error, 4)}, nil, 100, "A"},
		{"critical error: no grade", []report.Finding{f("a", "tls", report.Pass, 30), {Criterion: "b", Area: "tls", Status: report.Error, Weight: 1, Severity: "critical"}}, nil, 100, "?"},
		{"nothing measured", []report.Finding{f("a", "tls", report.Skip, 10)}, nil, 0, "?"},
		{"all fail", []report.Finding{f("a", "tls", report.Fail, 10)}, nil, 0, "F"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Score(c.findings, c.caps)
			if s.Score != c.wantScore || s.Grade != c.wantGrade {
				t.Fatalf("got %d %s, want %d %s", s.Score, s.Grade, c.wantScore, c.wantGrade)
			}
			// An area in which nothing applied (all skip) has no score.
			wantAreas := 1
			if c.name == "nothing measured" {
				wantAreas = 0
			}
			if len(s.Areas) != wantAreas || (wantAreas == 1 && s.Areas[0].ID != "tls") {
				t.Fatalf("areas %+v", s.Areas)
			}
		})
	}
}

func TestGradeThresholds(t *testing.T) {
	for score, want := range map[int]string{100: "A+", 95: "A+", 94: "A", 85: "A", 84: "B", 70: "B", 69: "C", 55: "C", 54: "D", 40: "D", 39: "E", 25: "E", 24: "F", 0: "F"} {
		if g := gradeFor(score, false); g != want {
			t.Errorf("score %d: %s, want %s", score, g, want)
		}
	}
}

// A measured failure that caps at F settles the grade even when too much
// could not be measured (a server without TLS is F, not "?"); any other
// cap does not.
func TestCapAtFBeatsUnmeasured(t *testing.T) {
	fs := []report.Finding{
		{Criterion: "xmpp.c2s.starttls-required", Area: "federation", Status: report.Fail, Weight: 10, Severity: "critical"},
		{Criterion: "tls.cert.trusted", Area: "tls", Status: report.Error, Weight: 10, Severity: "critical"},
		{Criterion: "tls.protocol.no-ssl", Area: "tls", Status: report.Error, Weight: 10, Severity: "critical"},
	}
	f := []report.Cap{{Criterion: "xmpp.c2s.starttls-required", Grade: "F", Reason: "no TLS"}}
	if s := Score(fs, f); s.Grade != "F" {
		t.Errorf("cap F with unmeasured criteria: grade %s, want F", s.Grade)
	}
	if s := Score(fs, []report.Cap{{Criterion: "xmpp.c2s.starttls-required", Grade: "B", Reason: "x"}}); s.Grade != "?" {
		t.Errorf("cap B with unmeasured criteria: grade %s, want ?", s.Grade)
	}
	if s := Score(fs, nil); s.Grade != "?" {
		t.Errorf("no cap: grade %s, want ?", s.Grade)
	}
}

// A capped grade keeps the grade the score gives without the caps ("T,
// would be A"), and only then.
func TestUncappedGrade(t *testing.T) {
	fs := []report.Finding{f("a", "tls", report.Pass, 90), f("b", "tls", report.Fail, 10)}
	if s := Score(fs, []report.Cap{{Criterion: "b", Grade: "T"}}); s.Grade != "T" || s.Uncapped != "A" || s.Score != 90 {
		t.Errorf("T cap: %+v", s)
	}
	if s := Score(fs, nil); s.Uncapped != "" {
		t.Errorf("no cap: uncapped %q", s.Uncapped)
	}
	if s := Score(fs, []report.Cap{{Criterion: "b", Grade: "A"}}); s.Uncapped != "" {
		t.Errorf("a cap that lowers nothing: uncapped %q", s.Uncapped)
	}
}
