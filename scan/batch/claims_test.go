package batch

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func agreements(cs []report.BatchClaim) string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s:%s[%s]", c.Claim, c.Agreement, c.Measured))
	}
	return strings.Join(out, " ")
}

// roundTrip is rep as read back from its JSON file.
func roundTrip(t *testing.T, rep *report.Report) *report.Report {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadJSON(&b)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func TestCompareXMPP(t *testing.T) {
	rep := &report.Report{Target: report.Target{Kind: "xmpp", Name: "example.org"},
		Areas: []report.Area{{ID: "tls", Score: 80, Grade: "B"}},
		Findings: []report.Finding{
			{Criterion: "xmpp.registration.open", Status: report.Info, Summary: "a registration form is offered (not proven)"},
		},
		Observations: []probes.Observation{
			{Probe: "xmpp.c2s.streams", Status: probes.StatusOK, Data: &xmpp.StreamsData{Endpoints: []xmpp.EndpointStreams{
				{Registration: &xmpp.Registration{Type: "result", Fields: []string{"username", "password", "email"}, CAPTCHA: true}},
			}}},
			{Probe: "xmpp.account", Status: probes.StatusOK, Data: &xmpp.AccountData{
				Version: &xmpp.VersionInfo{Name: "Prosody", Version: "0.12.3"},
				Upload:  []xmpp.UploadService{{MaxFileSize: 104857600}},
			}},
		}}
	claims := []Claim{
		{Key: "registration", Value: true},
		{Key: "captcha", Value: false},
		{Key: "email", Value: true},
		{Key: "software", Value: "prosody 0.12.3"},
		{Key: "upload-size", Value: 100},
		{Key: "tls-c2s", Value: "A"},
		{Key: "tls-s2s", Value: "B"},
	}
	want := "registration:unclear[form offered, not submitted (only --active proves it)] captcha:contradicts[asked for at registration] " +
		"email:agrees[asked for at registration] software:agrees[Prosody 0.12.3] upload-size:agrees[105 MB] " +
		"tls-c2s:contradicts[TLS area B (all endpoints)] tls-s2s:agrees[TLS area B (all endpoints)]"
	if got := agreements(Compare(claims, rep)); got != want {
		t.Errorf("claims\n got %s\nwant %s", got, want)
	}
	// The report read back from its file compares the same.
	if got := agreements(Compare(claims, roundTrip(t, rep))); got != want {
		t.Errorf("read back\n got %s\nwant %s", got, want)
	}
	if Software(rep) != "Prosody 0.12.3" {
		t.Errorf("software %q", Software(rep))
	}
	// Without an account: software and upload size are not measured.
	anon := &report.Report{Target: rep.Target, Findings: []report.Finding{{Criterion: "xmpp.registration.open", Status: report.Pass}}}
	want = "registration:contradicts[closed] software:not-measured[not disclosed to this scan] upload-size:not-measured[not measured (needs an account)] captcha:not-measured[no registration form or flows seen]"
	if got := agreements(Compare([]Claim{claims[0], claims[3], claims[4], claims[1]}, anon)); got != want {
		t.Errorf("anonymous\n got %s\nwant %s", got, want)
	}
}

func TestCompareMatrix(t *testing.T) {
	rep := &report.Report{Target: report.Target{Kind: "matrix", Name: "example.org"},
		Findings: []report.Finding{{Criterion: "matrix.registration.open", Status: report.Warn, Summary: "open behind verification"}},
		Observations: []probes.Observation{
			{Probe: "matrix.client.access", Status: probes.StatusOK, Data: &matrix.AccessData{Endpoints: []matrix.AccessEndpoint{
				{RegisterFlows: []matrix.RegisterFlow{{Stages: []string{"m.login.recaptcha", "m.login.terms"}}}},
			}}},
			{Probe: "matrix.federation.version", Status: probes.StatusOK, Data: &matrix.VersionData{Endpoints: []matrix.EndpointVersion{
				{Name: "Synapse", Version: "1.99.0"},
			}}},
		}}
	claims := []Claim{{Key: "registration", Value: true}, {Key: "captcha", Value: true}, {Key: "email", Value: true},
		{Key: "software", Value: "Synapse 1.74.0"}}
	want := "registration:agrees[open] captcha:agrees[asked for at registration] email:contradicts[not asked for at registration] software:contradicts[Synapse 1.99.0]"
	for _, r := range []*report.Report{rep, roundTrip(t, rep)} {
		if got := agreements(Compare(claims, r)); got != want {
			t.Errorf("claims\n got %s\nwant %s", got, want)
		}
	}
	if got := agreements(Compare([]Claim{{Key: "software", Value: "Dendrite"}}, rep)); got != "software:contradicts[Synapse 1.99.0]" {
		t.Errorf("another software: %s", got)
	}
	if got := agreements(Compare([]Claim{{Key: "software", Value: "Synapse"}}, rep)); got != "software:agrees[Synapse 1.99.0]" {
		t.Errorf("name only: %s", got)
	}
}
