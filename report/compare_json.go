package report

import (
	"encoding/json"
	"io"

	"github.com/imscore/imscore/criteria/catalogue"
)

// CompareAttribution credits the catalogue's sources.
const CompareAttribution = "Derived from SecuChart (https://github.com/bkil/secuchart, CC BY-SA 3.0) and imscore's research; see each messenger's attribution."

// compareJSON is the JSON of a comparison view (schema_version 1).
type compareJSON struct {
	SchemaVersion int               `json:"schema_version"`
	AsOf          string            `json:"as_of"`
	MaxAgeDays    int               `json:"max_age_days"`
	Licence       string            `json:"licence"`
	Attribution   string            `json:"attribution"`
	Groups        []catalogue.Group `json:"groups"`
	// Persona is the threat-model view the messengers are ordered by
	// (--persona), with every weight and why.
	Persona    *catalogue.Persona `json:"persona,omitempty"`
	Criteria   []criterionJSON    `json:"criteria"`
	Messengers []messengerJSON    `json:"messengers"`
	// Live are the --server scans, measured at one server on one date.
	Live []LiveServer `json:"live,omitempty"`
}

// criterionJSON is a criterion shown; in a persona view with the
// persona's weight of it, whether it is required, and whether it is a key
// criterion of the view.
type criterionJSON struct {
	catalogue.Criterion
	Weight   int  `json:"weight,omitempty"`
	Required bool `json:"required,omitempty"`
	Key      bool `json:"key,omitempty"`
}

type messengerJSON struct {
	catalogue.Messenger
	// PersonaScore is the messenger's standing in the persona view.
	PersonaScore *personaScoreJSON `json:"persona_score,omitempty"`
	Claims       []claimJSON       `json:"claims"`
}

// personaScoreJSON is one messenger's standing in a persona view: its
// place (1 = best), score (0–100), the share of the possible points on
// unknown cells, and the required criteria it answers "no".
type personaScoreJSON struct {
	Rank          int      `json:"rank"`
	Score         int      `json:"score"`
	UnknownWeight int      `json:"unknown_weight"`
	Suitable      bool     `json:"suitable"`
	Unsuitable    []string `json:"unsuitable,omitempty"`
}

type claimJSON struct {
	catalogue.Claim
	Stale bool `json:"stale"`
}

// WriteCompareJSON writes v as JSON: the groups and criteria shown, every
// messenger with its claims for them (sources, check date, dissent, and
// whether the claim is stale), and the live scans with every finding; a
// persona view adds the persona, its weight on each criterion and each
// messenger's score, in the order of the view.
func WriteCompareJSON(w io.Writer, v CompareView) error {
	c := v.Comparison
	out := compareJSON{
		SchemaVersion: 1,
		AsOf:          c.AsOfDate(),
		MaxAgeDays:    c.MaxAgeDays(),
		Licence:       "CC-BY-SA-3.0",
		Attribution:   CompareAttribution,
		Groups:        v.RowGroups(),
		Messengers:    []messengerJSON{},
		Persona:       v.Persona,
		Live:          c.Live,
	}
	for _, r := range v.Rows {
		out.Criteria = append(out.Criteria, criterionJSON{Criterion: r.Criterion, Weight: r.Weight.Weight, Required: r.Weight.Required, Key: r.Key()})
	}
	for i, m := range v.Messengers {
		mj := messengerJSON{Messenger: *m}
		if v.Persona != nil {
			s := v.Scores[i]
			mj.PersonaScore = &personaScoreJSON{Rank: i + 1, Score: s.Score, UnknownWeight: s.UnknownWeight, Suitable: len(s.Unsuitable) == 0, Unsuitable: s.Unsuitable}
		}
		mj.Messenger.Claims = nil
		for _, r := range v.Rows {
			cl := r.Cells[i].Claim
			if cl.Sources == nil {
				cl.Sources = []string{}
			}
			mj.Claims = append(mj.Claims, claimJSON{Claim: cl, Stale: r.Cells[i].Stale})
		}
		out.Messengers = append(out.Messengers, mj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
