package main

import (
	"regexp"
	"strings"

	"github.com/imscore/imscore/criteria/catalogue"
)

// fiveEyes are the countries of the Five Eyes intelligence alliance, as
// SecuChart's "Vendor jurisdiction" details name them.
var fiveEyes = regexp.MustCompile(`(?i)\b(USA|US|United States|UK|United Kingdom|Canada|Australia|New Zealand)\b`)

// countries outside the Five Eyes that SecuChart's details name.
var otherCountry = regexp.MustCompile(`(?i)\b(Switzerland|Germany|France|Japan|Luxembourg|Netherlands|Sweden|Finland|Austria|Estonia|UAE|Israel|South Korea)\b`)

// deriveJurisdiction fills operator.jurisdiction when nothing else did: a
// network anyone can extend has no single operator (yes, sourced like
// network.decentralised); otherwise the vendor's country from SecuChart's
// "Vendor jurisdiction" decides (Five Eyes no, elsewhere partial). The
// first country named counts: "UK with subsidiaries in France & US" is the
// UK.
func deriveJurisdiction(m *catalogue.Messenger, rows map[string]row, fileURL string, snap Snapshot) {
	i := claimIndex(m, "operator.jurisdiction")
	if i < 0 || m.Claims[i].Value != catalogue.Unknown {
		return
	}
	if d, ok := m.Claim("network.decentralised"); ok && d.Value == catalogue.Yes {
		m.Claims[i] = catalogue.Claim{
			Criterion:   "operator.jurisdiction",
			Value:       catalogue.Yes,
			Explanation: "There is no single operator: anyone can run a server or peer, so the user chooses whose jurisdiction applies (see network.decentralised).",
			Sources:     d.Sources,
			Checked:     d.Checked,
			Via:         "derived from network.decentralised (" + d.Via + ")",
		}
		return
	}
	r, ok := rows["Vendor jurisdiction"]
	if !ok {
		return
	}
	text := strings.TrimSpace(r.details + " " + r.notes)
	first := func(re *regexp.Regexp) (string, int) {
		loc := re.FindStringIndex(text)
		if loc == nil {
			return "", -1
		}
		return text[loc[0]:loc[1]], loc[0]
	}
	fe, at := first(fiveEyes)
	other, ot := first(otherCountry)
	c := catalogue.Claim{
		Criterion: "operator.jurisdiction",
		Sources:   append([]string{fileURL}, URLs(text)...),
		Checked:   snap.Date,
		Via:       "secuchart: Vendor jurisdiction",
	}
	switch {
	case at >= 0 && (ot < 0 || at < ot):
		c.Value = catalogue.No
		c.Explanation = "The vendor is established in " + fe + ", a Five Eyes country (SecuChart: \"" + oneLine(r.details) + "\")."
	case ot >= 0:
		c.Value = catalogue.Partial
		c.Explanation = "One vendor runs the service, established in " + other + ", outside the Five Eyes (SecuChart: \"" + oneLine(r.details) + "\")."
	default:
		return // "anonymous", "various countries": not a country
	}
	m.Claims[i] = c
}

func claimIndex(m *catalogue.Messenger, id string) int {
	for i := range m.Claims {
		if m.Claims[i].Criterion == id {
			return i
		}
	}
	return -1
}

func oneLine(s string) string {
	s = urlRE.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(s), " ")
}

// deriveInTransit fills encryption.in-transit when nothing else did: a
// message end-to-end encrypted with keys the operator does not have is
// encrypted on every link it crosses (the rule SecuChart's "End-to-end
// encryption: yes" follows above).
func deriveInTransit(m *catalogue.Messenger) {
	i := claimIndex(m, "encryption.in-transit")
	p, ok := m.Claim("encryption.provider-cannot-read")
	if i < 0 || m.Claims[i].Value != catalogue.Unknown || !ok || p.Value != catalogue.Yes {
		return
	}
	m.Claims[i] = catalogue.Claim{
		Criterion:   "encryption.in-transit",
		Value:       catalogue.Yes,
		Explanation: "Messages are end-to-end encrypted with keys the operator does not hold (see encryption.provider-cannot-read), so they are encrypted on every link they cross.",
		Sources:     p.Sources,
		Checked:     p.Checked,
		Via:         "derived from encryption.provider-cannot-read (" + p.Via + ")",
	}
}

// fdroidNoGoogle are pages saying that F-Droid's main repository does not
// accept apps that depend on Google Play Services or Firebase.
var fdroidNoGoogle = []string{
	"https://github.com/Wiqaytna-app/wiqaytna_android/issues/26",
	"https://github.com/NaNa2509/SVG/issues/1",
}

// deriveNoGoogleServices fills distribution.no-google-services when
// nothing else did and F-Droid's main repository ships the app: its
// F-Droid build cannot depend on Google Play Services, so at least that
// build works without them (partial: whether the Play Store build does too
// is not established by this).
func deriveNoGoogleServices(m *catalogue.Messenger) {
	i := claimIndex(m, "distribution.no-google-services")
	o, ok := m.Claim("distribution.outside-app-stores")
	if i < 0 || m.Claims[i].Value != catalogue.Unknown || !ok || o.Value != catalogue.Yes {
		return
	}
	m.Claims[i] = catalogue.Claim{
		Criterion: "distribution.no-google-services",
		Value:     catalogue.Partial,
		Explanation: "F-Droid's main repository ships the app, and F-Droid accepts no app that depends on Google Play Services or Firebase, " +
			"so at least that build works without them; whether the Play Store build does too, and how timely its notifications are, is not established here.",
		Sources: append(append([]string{}, o.Sources...), fdroidNoGoogle...),
		Checked: "2026-12-02",
		Via:     "derived from distribution.outside-app-stores (" + o.Via + ")",
	}
}
