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
	SchemaVersion int                   `json:"schema_version"`
	AsOf          string                `json:"as_of"`
	MaxAgeDays    int                   `json:"max_age_days"`
	Licence       string                `json:"licence"`
	Attribution   string                `json:"attribution"`
	Groups        []catalogue.Group     `json:"groups"`
	Criteria      []catalogue.Criterion `json:"criteria"`
	Messengers    []messengerJSON       `json:"messengers"`
	// Live are the --server scans, measured at one server on one date.
	Live []LiveServer `json:"live,omitempty"`
}

type messengerJSON struct {
	catalogue.Messenger
	Claims []claimJSON `json:"claims"`
}

type claimJSON struct {
	catalogue.Claim
	Stale bool `json:"stale"`
}

// WriteCompareJSON writes v as JSON: the groups and criteria shown, every
// messenger with its claims for them (sources, check date, dissent, and
// whether the claim is stale), and the live scans with every finding.
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
		Live:          c.Live,
	}
	for _, r := range v.Rows {
		out.Criteria = append(out.Criteria, r.Criterion)
	}
	for i, m := range v.Messengers {
		mj := messengerJSON{Messenger: *m}
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
