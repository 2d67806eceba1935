package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/imscore/imscore/criteria/catalogue"
)

func TestComparePersonaView(t *testing.T) {
	c := testComparison(t, "telegram", "signal", "briar", "threema")
	p, err := c.Persona("State-Adversary")
	if err != nil {
		t.Fatal(err)
	}
	v := c.PersonaView(p, nil)
	want := p.Rank(c.Messengers)
	if len(v.Messengers) != 4 || len(v.Scores) != 4 {
		t.Fatalf("%d messengers, %d scores", len(v.Messengers), len(v.Scores))
	}
	for i, s := range want {
		if v.Messengers[i].ID != s.Messenger || v.Scores[i].Messenger != s.Messenger {
			t.Errorf("place %d: %s (score of %s), want %s", i+1, v.Messengers[i].ID, v.Scores[i].Messenger, s.Messenger)
		}
	}
	if c.Messengers[0].ID != "telegram" {
		t.Error("PersonaView reordered the comparison's messengers")
	}
	weighed := 0
	for _, r := range v.Rows {
		w := personaWeight(p, r.Criterion.ID)
		if r.Weight != w || r.Weighted() != (w.Weight > 0) || r.Key() != p.Key(r.Criterion.ID) {
			t.Errorf("%s: row weight %+v key %v, persona %+v", r.Criterion.ID, r.Weight, r.Key(), w)
		}
		if r.Weighted() {
			weighed++
		}
		for i, cell := range r.Cells {
			if got, _ := v.Messengers[i].Claim(r.Criterion.ID); cell.Claim.Value != got.Value {
				t.Errorf("%s of %s: cell %s, claim %s", r.Criterion.ID, v.Messengers[i].ID, cell.Claim.Value, got.Value)
			}
		}
	}
	if weighed != len(p.Weights) {
		t.Errorf("%d rows weighed, persona has %d weights", weighed, len(p.Weights))
	}

	// A group filter narrows the rows, not the score.
	g := c.PersonaView(p, []string{"keys"})
	for i := range g.Scores {
		if a, b := g.Scores[i], v.Scores[i]; a.Messenger != b.Messenger || a.Score != b.Score || a.UnknownWeight != b.UnknownWeight || len(a.Unsuitable) != len(b.Unsuitable) {
			t.Errorf("keys only: score %+v, all groups %+v", a, b)
		}
	}
	for _, r := range g.Rows {
		if r.Criterion.Group != "keys" {
			t.Errorf("keys only: row %s", r.Criterion.ID)
		}
	}

	// A plain view weighs nothing.
	for _, r := range c.View(nil, "").Rows {
		if r.Weighted() || r.Key() || r.WeightLabel() != "" {
			t.Errorf("plain view: %s weighed", r.Criterion.ID)
		}
	}
}

func TestComparePersonaUnknown(t *testing.T) {
	c := testComparison(t, "signal")
	_, err := c.Persona("tinfoil\x1b[2J")
	if err == nil || err.Error() != `unknown persona "tinfoil\\x1b[2J" (known: state-adversary, everyday, no-smartphone, free-software)` {
		t.Errorf("got %v", err)
	}
	cat := *c.Catalogue // Load shares its catalogue: change a copy
	cat.Personas = nil
	c.Catalogue = &cat
	if _, err := c.Persona("everyday"); err == nil || !strings.Contains(err.Error(), "has none") {
		t.Errorf("no personas: %v", err)
	}
}

func TestComparePersonaLabels(t *testing.T) {
	for _, tc := range []struct {
		row  CompareRow
		want string
		key  bool
	}{
		{CompareRow{}, "", false},
		{CompareRow{Weight: catalogue.Weight{Weight: 3}}, "[3]", false},
		{CompareRow{Weight: catalogue.Weight{Weight: 4}}, "[4]", true},
		{CompareRow{Weight: catalogue.Weight{Weight: 2, Required: true}}, "[2, required]", true},
	} {
		if got := tc.row.WeightLabel(); got != tc.want || tc.row.Key() != tc.key {
			t.Errorf("%+v: %q key %v, want %q %v", tc.row.Weight, got, tc.row.Key(), tc.want, tc.key)
		}
	}
	s := catalogue.PersonaScore{Score: 72, UnknownWeight: 12, Unsuitable: []string{"a", "b"}}
	if ScoreLabel(s) != "72/100" || SuitableLabel(s) != "✗ no (2)" || UnknownLabel(s) != "12 %" || SuitableLabel(catalogue.PersonaScore{}) != "✓ yes" {
		t.Errorf("labels %q %q %q", ScoreLabel(s), SuitableLabel(s), UnknownLabel(s))
	}
}

// The table and the JSON of a persona view carry its order, scores and
// weights; an unsuitable messenger is named with what it fails.
func TestComparePersonaRender(t *testing.T) {
	c := testComparison(t, "signal", "skype", "briar")
	p, err := c.Persona("everyday")
	if err != nil {
		t.Fatal(err)
	}
	v := c.PersonaView(p, nil)
	var tb bytes.Buffer
	if err := WriteCompareTable(&tb, v, 100); err != nil {
		t.Fatal(err)
	}
	table := tb.String()
	for _, want := range []string{"View: Everyday privacy (--persona everyday)", "SCORE FOR THIS VIEW", "Score (0–100)",
		"Meets the required criteria", "▶ Provider cannot read messages", "[5, required]", "Works without a smartphone [1]",
		"This view, Everyday privacy:", PersonaMethod[:40]} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	for i, s := range v.Scores {
		if len(s.Unsuitable) > 0 && !strings.Contains(table, v.Messengers[i].Name+": unsuitable for this view, ✗ no on") {
			t.Errorf("table does not say why %s is unsuitable", v.Messengers[i].Name)
		}
	}
	var jb bytes.Buffer
	if err := WriteCompareJSON(&jb, v); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Persona    *catalogue.Persona
		Messengers []struct {
			ID           string
			PersonaScore struct{ Rank, Score int } `json:"persona_score"`
		}
	}
	if err := json.Unmarshal(jb.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Persona == nil || doc.Persona.ID != "everyday" || len(doc.Persona.Weights) != len(p.Weights) {
		t.Fatalf("persona %+v", doc.Persona)
	}
	for i, m := range doc.Messengers {
		if m.ID != v.Messengers[i].ID || m.PersonaScore.Rank != i+1 || m.PersonaScore.Score != v.Scores[i].Score {
			t.Errorf("place %d: %s %+v", i+1, m.ID, m.PersonaScore)
		}
	}
}
