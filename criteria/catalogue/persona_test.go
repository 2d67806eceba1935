package catalogue

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestPersonaScore(t *testing.T) {
	p := Persona{ID: "p", Weights: []Weight{
		{Criterion: "a", Weight: 5, Required: true},
		{Criterion: "b", Weight: 2},
		{Criterion: "c", Weight: 1},
		{Criterion: "d", Weight: 4},
	}}
	m := func(id string, a, b, c, d Value) *Messenger {
		return &Messenger{ID: id, Claims: []Claim{{Criterion: "a", Value: a}, {Criterion: "b", Value: b}, {Criterion: "c", Value: c}, {Criterion: "d", Value: d}}}
	}
	// yes 2 points, partial 1, no 0, unknown 0 (counted apart), n/a left out.
	s := p.Score(m("x", Yes, Partial, No, NA))
	if s.Score != (5*2+2*1)*100/((5+2+1)*2) || s.UnknownWeight != 0 || len(s.Unsuitable) != 0 {
		t.Errorf("score: %+v", s)
	}
	s = p.Score(m("y", Yes, Unknown, Yes, Yes))
	if s.Score != (5*2+1*2+4*2)*100/(12*2) || s.UnknownWeight != 2*2*100/(12*2) {
		t.Errorf("unknown: %+v", s)
	}
	// A required criterion answered no makes the messenger unsuitable and
	// ranks it last, whatever its score.
	bad := m("bad", No, Yes, Yes, Yes)
	good := m("good", Yes, No, No, No)
	mid := m("mid", Yes, Yes, No, No)
	r := p.Rank([]*Messenger{bad, good, mid})
	if r[0].Messenger != "mid" || r[1].Messenger != "good" || r[2].Messenger != "bad" || len(r[2].Unsuitable) != 1 {
		t.Errorf("rank: %+v", r)
	}
	if !p.Key("a") || !p.Key("d") || p.Key("b") || p.Key("nope") {
		t.Error("Key")
	}
}

func TestPersonasEmbedded(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"state-adversary", "everyday", "no-smartphone", "free-software"} {
		p, ok := c.Persona(id)
		if !ok {
			t.Fatalf("persona %s missing", id)
		}
		var ms []*Messenger
		for i := range c.Messengers {
			ms = append(ms, &c.Messengers[i])
		}
		r := p.Rank(ms)
		if len(r) != len(c.Messengers) {
			t.Fatalf("%s: ranked %d of %d", id, len(r), len(c.Messengers))
		}
		if len(r[0].Unsuitable) != 0 {
			t.Errorf("%s: every messenger unsuitable", id)
		}
	}
	// The views differ where they should: without a smartphone, Signal
	// (a phone is the primary device) is not a fit, Delta Chat is.
	ns, _ := c.Persona("no-smartphone")
	sig, _ := c.Find("signal")
	dc, _ := c.Find("delta chat")
	if len(ns.Score(sig).Unsuitable) == 0 && ns.Score(sig).Score >= ns.Score(dc).Score {
		t.Errorf("no-smartphone: signal %+v, delta chat %+v", ns.Score(sig), ns.Score(dc))
	}
	fs, _ := c.Persona("free-software")
	wa, _ := c.Find("whatsapp")
	if len(fs.Score(wa).Unsuitable) == 0 {
		t.Errorf("free-software: whatsapp %+v, want unsuitable (proprietary)", fs.Score(wa))
	}
}

func TestPersonaValidation(t *testing.T) {
	good := `personas:
  - id: demo
    name: Demo
    description: A view.
    origin: test
    references: [{title: EFF, url: "https://www.eff.org/node/82654"}]
    weights:
      - {criterion: enc.e2ee, weight: 5, required: true, why: "Must."}
`
	load := func(p string) error {
		_, err := LoadFS(fstest.MapFS{
			"taxonomy.yaml":  {Data: []byte(testTaxonomy)},
			"data/demo.yaml": {Data: []byte(messengerYAML(goodClaims))},
			"personas.yaml":  {Data: []byte(p)},
		})
		return err
	}
	if err := load(good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"criterion: enc.e2ee", "criterion: enc.nope", "unknown criterion"},
		{"weight: 5", "weight: 9", "out of"},
		{`why: "Must."`, `why: ""`, "why is required"},
		{"origin: test", "origin: \"\"", "origin are required"},
		{`url: "https://www.eff.org/node/82654"`, `url: "eff.org"`, "bad reference"},
		{"id: demo", "id: Demo!", "bad or duplicate"},
		{"    weights:\n", "    colour: red\n    weights:\n", "not found"},
	} {
		if err := load(strings.Replace(good, tc.from, tc.to, 1)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}
