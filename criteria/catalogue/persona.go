package catalogue

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Persona is a threat-model view of the comparison: a named weighting of
// criteria ("activist facing a state adversary", "everyday privacy"), as
// no single messenger fits every threat model. Personas live in
// personas.yaml; the comparison orders messengers by a persona's score and
// marks the criteria it weighs most.
type Persona struct {
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Description string `yaml:"description" json:"description"`
	// Origin says where the view comes from (a SecuChart persona, a
	// guide's threat model), with References to read.
	Origin     string      `yaml:"origin" json:"origin"`
	References []Reference `yaml:"references" json:"references"`
	Weights    []Weight    `yaml:"weights" json:"weights"`
}

// Weight is how much one criterion counts for a persona.
type Weight struct {
	Criterion string `yaml:"criterion" json:"criterion"`
	// Weight is 1 (nice to have) to 5 (essential).
	Weight int `yaml:"weight" json:"weight"`
	// Required marks a criterion the persona cannot do without: a
	// messenger that answers "no" is unsuitable for this view, whatever its
	// score.
	Required bool `yaml:"required,omitempty" json:"required,omitempty"`
	// Why says in a sentence why this persona cares.
	Why string `yaml:"why" json:"why"`
}

// MinWeight and MaxWeight bound a persona's weights; KeyWeight is the
// weight from which a criterion is a key criterion of the persona (marked
// in the comparison).
const (
	MinWeight = 1
	MaxWeight = 5
	KeyWeight = 4
)

// Points of a value in a persona's score: yes counts fully, partial half,
// no nothing; unknown also earns nothing but is counted apart (Unknown
// weight), and n/a leaves the criterion out.
func points(v Value) (earned, possible int, known bool) {
	switch v {
	case Yes:
		return 2, 2, true
	case Partial:
		return 1, 2, true
	case No:
		return 0, 2, true
	case NA:
		return 0, 0, true
	}
	return 0, 2, false
}

// PersonaScore is one messenger's standing in one persona's view.
type PersonaScore struct {
	Messenger string `json:"messenger"`
	// Score is earned × 100 / possible over the weighted criteria (n/a
	// left out, unknown counted as earning nothing), 0–100.
	Score int `json:"score"`
	// UnknownWeight is the share of the possible points (percent) on
	// criteria we do not know for this messenger: a high share means the
	// score says little.
	UnknownWeight int `json:"unknown_weight"`
	// Unsuitable lists the required criteria the messenger answers "no".
	Unsuitable []string `json:"unsuitable,omitempty"`
}

// Score rates m for persona p.
func (p *Persona) Score(m *Messenger) PersonaScore {
	s := PersonaScore{Messenger: m.ID}
	earned, possible, unknown := 0, 0, 0
	for _, w := range p.Weights {
		v := Unknown
		if cl, ok := m.Claim(w.Criterion); ok {
			v = cl.Value
		}
		e, pos, known := points(v)
		earned += e * w.Weight
		possible += pos * w.Weight
		if !known {
			unknown += pos * w.Weight
		}
		if w.Required && v == No {
			s.Unsuitable = append(s.Unsuitable, w.Criterion)
		}
	}
	if possible > 0 {
		s.Score = earned * 100 / possible
		s.UnknownWeight = unknown * 100 / possible
	}
	return s
}

// Rank orders ms for persona p: suitable messengers first, then by score
// (highest first), then by how much of the score is known, then by ID.
func (p *Persona) Rank(ms []*Messenger) []PersonaScore {
	out := make([]PersonaScore, 0, len(ms))
	for _, m := range ms {
		out = append(out, p.Score(m))
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (len(a.Unsuitable) == 0) != (len(b.Unsuitable) == 0) {
			return len(a.Unsuitable) == 0
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.UnknownWeight != b.UnknownWeight {
			return a.UnknownWeight < b.UnknownWeight
		}
		return a.Messenger < b.Messenger
	})
	return out
}

// Key reports whether criterion id is a key criterion of p (weight at
// least KeyWeight, or required).
func (p *Persona) Key(id string) bool {
	for _, w := range p.Weights {
		if w.Criterion == id {
			return w.Weight >= KeyWeight || w.Required
		}
	}
	return false
}

// Persona returns the persona id (case-insensitive, as Find folds names).
func (c *Catalogue) Persona(id string) (*Persona, bool) {
	for i := range c.Personas {
		if fold(c.Personas[i].ID) == fold(id) {
			return &c.Personas[i], true
		}
	}
	return nil, false
}

// loadPersonas reads personas.yaml (absent is fine: no personas) and checks
// it against the taxonomy.
func loadPersonas(fsys fs.FS, tax *Taxonomy) ([]Persona, []error) {
	b, err := fs.ReadFile(fsys, "personas.yaml")
	if err != nil {
		if errorsIsNotExist(err) {
			return nil, nil
		}
		return nil, []error{err}
	}
	var doc struct {
		Personas []Persona `yaml:"personas"`
	}
	if err := decodeStrict(b, &doc); err != nil {
		return nil, []error{fmt.Errorf("personas.yaml: %s", oneLine(err.Error()))}
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("personas.yaml: "+format, a...))
	}
	seen := map[string]bool{}
	for _, p := range doc.Personas {
		if !idRE.MatchString(p.ID) || seen[p.ID] {
			bad("bad or duplicate persona id %q", p.ID)
		}
		seen[p.ID] = true
		if p.Name == "" || strings.TrimSpace(p.Description) == "" || p.Origin == "" {
			bad("%s: name, description and origin are required", p.ID)
		}
		if len(p.References) == 0 {
			bad("%s: at least one reference is required", p.ID)
		}
		for _, r := range p.References {
			if r.Title == "" || CheckURL(r.URL) != nil {
				bad("%s: bad reference %q %q", p.ID, r.Title, r.URL)
			}
		}
		if len(p.Weights) == 0 {
			bad("%s: no weights", p.ID)
		}
		crit := map[string]bool{}
		for _, w := range p.Weights {
			if _, ok := tax.Criterion(w.Criterion); !ok {
				bad("%s: unknown criterion %q", p.ID, w.Criterion)
			}
			if crit[w.Criterion] {
				bad("%s: %s weighted twice", p.ID, w.Criterion)
			}
			crit[w.Criterion] = true
			if w.Weight < MinWeight || w.Weight > MaxWeight {
				bad("%s: %s: weight %d out of %d..%d", p.ID, w.Criterion, w.Weight, MinWeight, MaxWeight)
			}
			if strings.TrimSpace(w.Why) == "" {
				bad("%s: %s: why is required", p.ID, w.Criterion)
			}
		}
	}
	return doc.Personas, errs
}
