package report

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/criteria/catalogue"
)

func testComparison(t *testing.T, ids ...string) *Comparison {
	t.Helper()
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := &Comparison{Catalogue: cat, AsOf: time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC), MaxAge: catalogue.DefaultMaxAge}
	for _, id := range ids {
		m, ok := cat.Find(id)
		if !ok {
			t.Fatalf("no messenger %s", id)
		}
		c.Messengers = append(c.Messengers, m)
	}
	return c
}

func TestCompareView(t *testing.T) {
	c := testComparison(t, "signal", "matrix", "threema")
	tax := c.Catalogue.Taxonomy

	all := c.View(nil, "")
	if len(all.Rows) != len(tax.Criteria) || len(all.Sections()) != len(tax.Groups) || len(all.RowGroups()) != len(tax.Groups) {
		t.Errorf("all: %d rows, %d sections, %d groups", len(all.Rows), len(all.Sections()), len(all.RowGroups()))
	}
	for i, m := range all.Messengers {
		if m != c.Messengers[i] {
			t.Errorf("unsorted view reordered the messengers")
		}
	}
	for _, r := range all.Rows {
		if len(r.Cells) != 3 {
			t.Fatalf("%s: %d cells", r.Criterion.ID, len(r.Cells))
		}
		for i, cell := range r.Cells {
			if want, _ := all.Messengers[i].Claim(r.Criterion.ID); cell.Claim.Value != want.Value {
				t.Errorf("%s of %s: %s, want %s", r.Criterion.ID, all.Messengers[i].ID, cell.Claim.Value, want.Value)
			}
		}
	}

	// Signal needs a phone number: sorted by that criterion it comes last;
	// only the account group is shown, and the other groups have no
	// section.
	v := c.View([]string{"account"}, "account.no-phone-number")
	if v.Messengers[len(v.Messengers)-1].ID != "signal" {
		t.Errorf("sorted: %s last", v.Messengers[len(v.Messengers)-1].ID)
	}
	secs := v.Sections()
	if len(secs) != 1 || secs[0].Group.ID != "account" || len(secs[0].Rows) != len(v.Rows) || len(v.Rows) == 0 {
		t.Errorf("account view: %d sections, %d rows", len(secs), len(v.Rows))
	}
	for _, r := range v.Rows {
		if r.Criterion.Group != "account" {
			t.Errorf("row %s outside the group", r.Criterion.ID)
		}
	}
	if len(c.Messengers) != 3 || c.Messengers[0].ID != "signal" {
		t.Error("View reordered the comparison's messengers")
	}

	// Far in the future every dated claim is stale.
	c.AsOf = time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	if v := c.View(nil, ""); v.Stale == 0 || !strings.HasSuffix(v.Rows[0].Cells[0].Label(), "*") {
		t.Errorf("2040: %d stale, label %q", v.Stale, v.Rows[0].Cells[0].Label())
	}
}

func TestCellLabel(t *testing.T) {
	for _, tc := range []struct {
		cell CompareCell
		want string
	}{
		{CompareCell{Claim: catalogue.Claim{Value: catalogue.Yes}}, "✓ yes"},
		{CompareCell{Claim: catalogue.Claim{Value: catalogue.NA}, Stale: true}, "– n/a*"},
		{CompareCell{Claim: catalogue.Claim{Value: catalogue.Partial, Disputed: []catalogue.Dissent{{Value: catalogue.No}}}, Stale: true}, "◐ partial*†"},
	} {
		if got := tc.cell.Label(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}

func TestNewLiveServer(t *testing.T) {
	rep := &Report{Target: Target{Kind: "xmpp", Name: "example.test"}, Grade: "B", Score: 80,
		StartedAt: time.Date(2026, 3, 14, 10, 0, 0, 0, time.FixedZone("CET", 3600)),
		Findings: []Finding{
			{Criterion: "xmpp.registration.open", Status: Warn, Title: "Registration\nclosed", Summary: "open \x1b[2J"},
			{Criterion: "xmpp.c2s.starttls-required", Status: Pass, Title: "Clients must use TLS"},
			{Criterion: "xmpp.dns.direct-tls", Status: Skip, Title: "Direct TLS"},
			{Criterion: "xmpp.feature.mam", Status: Fail, Title: "MAM"},
		}}
	ls := NewLiveServer(rep)
	if ls.MeasuredAt.Location() != time.UTC || ls.MeasuredAt.Hour() != 9 || ls.Note != LiveNote {
		t.Errorf("measured %s, note %q", ls.MeasuredAt, ls.Note)
	}
	var shown, all []string
	for _, f := range ls.Shown {
		shown = append(shown, f.Criterion)
	}
	for _, f := range ls.Findings {
		all = append(all, f.Criterion)
	}
	// LiveCriteria's order, judged ones only; every finding, sorted, in
	// Findings.
	if !slices.Equal(shown, []string{"xmpp.c2s.starttls-required", "xmpp.registration.open"}) || !slices.IsSorted(all) || len(all) != 4 {
		t.Errorf("shown %v, all %v", shown, all)
	}
	if f := ls.Shown[1]; f.Title != "Registration closed" || f.Summary != `open \x1b[2J` {
		t.Errorf("text not made safe: %q %q", f.Title, f.Summary)
	}
	// None of the headline criteria judged: every finding is shown.
	rep.Target.Kind = "tls"
	if ls := NewLiveServer(rep); len(ls.Shown) != len(ls.Findings) {
		t.Errorf("fallback: %d shown of %d", len(ls.Shown), len(ls.Findings))
	}
}

func TestWrapWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		w    int
		want []string
	}{
		{"", 10, []string{""}},
		{"  a  b\tc\n", 10, []string{"a b c"}},
		{"one two three four", 9, []string{"one two", "three", "four"}},
		// A word wider than the column is cut at the width, not after a
		// separator as wrap prefers.
		{"x (matrix.directory:public,unauthenticated)", 12, []string{"x", "(matrix.dire", "ctory:public", ",unauthentic", "ated)"}},
	} {
		if got := wrapWords(tc.in, tc.w); !slices.Equal(got, tc.want) {
			t.Errorf("wrapWords(%q, %d) = %q, want %q", tc.in, tc.w, got, tc.want)
		}
	}
}

func TestStatusVocabulary(t *testing.T) {
	for _, s := range []Status{Pass, Warn, Fail, Info, Skip, Error} {
		if statusLabel(s) == "" || statusMark(s) == "" || StatusWord(s) == "" {
			t.Errorf("%s is not spelled out everywhere", s)
		}
		if !strings.Contains(statusMark(s), " ") {
			t.Errorf("%s: mark %q has no symbol", s, statusMark(s))
		}
	}
	if got := statusLabel("degraded"); got != "DEGRA" {
		t.Errorf("unknown status label %q", got)
	}
	if got := statusMark("a\x1bb"); got != `a\x1bb` {
		t.Errorf("unknown status mark %q", got)
	}
}
