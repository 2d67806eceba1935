package criteria

import (
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// accountInput builds the observations of a logged-in scan by hand.
func accountInput(d *xmpp.AccountData, hm *xmpp.HostMetaData) Input {
	res := probes.Results{
		xmpp.Account.ID:   {Probe: xmpp.Account.ID, Status: probes.StatusOK, Data: d},
		xmpp.DirectTLS.ID: {Probe: xmpp.DirectTLS.ID, Status: probes.StatusNotApplicable, Reason: "no SRV"},
	}
	if hm != nil {
		res[xmpp.HostMeta.ID] = &probes.Observation{Probe: xmpp.HostMeta.ID, Status: probes.StatusOK, Data: hm}
	}
	return Input{Kind: "xmpp", Results: res}
}

func fullAccount() *xmpp.AccountData {
	feats := &xmpp.Features{SM: []string{"3"}, CSI: true, Caps: &xmpp.Caps{Node: "n"}}
	return &xmpp.AccountData{
		Login:   xmpp.LoginInfo{JID: "a@x/r", TLSVersion: "TLSv1.3", PostAuth: feats},
		Server:  &xmpp.DiscoInfo{JID: "x", Status: "result", Features: []string{"vcard-temp", "urn:xmpp:carbons:2", "urn:xmpp:blocking"}},
		Account: &xmpp.DiscoInfo{JID: "a@x", Status: "result", Identities: []xmpp.Identity{{Category: "pubsub", Type: "pep"}}},
		Roster:  xmpp.Step{OK: true},
		Private: xmpp.Step{OK: true},
	}
}

func TestComplianceStates(t *testing.T) {
	served := &xmpp.HostMetaData{XRD: xmpp.HostMetaDoc{OK: true}, Links: []xmpp.HostMetaLink{{Rel: xmpp.RelBOSH, Href: "https://x/bosh", Answered: true}}}
	for _, c := range []struct {
		name  string
		suite string
		edit  func(d *xmpp.AccountData)
		hm    *xmpp.HostMetaData
		want  report.Status
	}{
		{"core: server level, advanced lacks direct TLS", "core", nil, nil, report.Warn},
		{"core: domain disco#info unanswered is not a missing feature", "core", func(d *xmpp.AccountData) {
			d.Server = &xmpp.DiscoInfo{JID: "x", Status: "no answer: timeout"}
		}, nil, report.Error},
		{"core: refused disco#info is missing", "core", func(d *xmpp.AccountData) {
			d.Server = &xmpp.DiscoInfo{JID: "x", Status: "service-unavailable"}
		}, nil, report.Fail},
		{"core: account disco#info unanswered keeps Advanced unmeasured, but direct TLS is missing", "core", func(d *xmpp.AccountData) {
			d.Account = &xmpp.DiscoInfo{JID: "a@x", Status: "no answer: timeout"}
		}, nil, report.Warn},
		{"web: no host-meta is not judged", "web", nil, &xmpp.HostMetaData{}, report.Skip},
		{"web: host-meta with a working BOSH", "web", nil, served, report.Warn},
		{"web: host-meta not measured", "web", nil, nil, report.Error},
		{"im: every Server row met but the roster unanswered", "im", func(d *xmpp.AccountData) {
			muc := &xmpp.DiscoInfo{JID: "c.x", Status: "result", Identities: []xmpp.Identity{{Category: "conference", Type: "text"}}, Features: []string{xmpp.NSMUC}}
			up := &xmpp.DiscoInfo{JID: "u.x", Status: "result", Features: []string{xmpp.NSUpload}}
			d.Items = []*xmpp.DiscoInfo{muc, up}
			d.MUC = []xmpp.MUCService{{Info: muc}}
			d.Roster = xmpp.Step{NoAnswer: true, Detail: "timeout"}
		}, nil, report.Error},
		{"im: a missing Server row (no MUC, no upload) decides even with unknowns", "im", func(d *xmpp.AccountData) {
			d.Roster = xmpp.Step{NoAnswer: true, Detail: "timeout"}
		}, nil, report.Fail},
		{"mobile: server level", "mobile", nil, nil, report.Warn},
		{"av: extdisco unanswered", "av", func(d *xmpp.AccountData) {
			d.Server.Features = append(d.Server.Features, xmpp.NSExtDisco)
			d.ExtDisco = &xmpp.ExtDiscoInfo{Status: "no answer: timeout"}
		}, nil, report.Error},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := fullAccount()
			if c.edit != nil {
				c.edit(d)
			}
			v := complianceEval(c.suite)(accountInput(d, c.hm))
			if v.Status != c.want {
				t.Errorf("%s: %s, want %s", v.Summary, v.Status, c.want)
			}
		})
	}
}

func xmppComplianceCases(t *testing.T) []evalCase {
	res := func(change func(d *xmpp.AccountData), hm *xmpp.HostMetaData) probes.Results {
		d := fullAccount()
		if change != nil {
			change(d)
		}
		return accountInput(d, hm).Results
	}
	hm := func(d *xmpp.HostMetaData) probes.Results {
		return probes.Results{xmpp.HostMeta.ID: {Probe: xmpp.HostMeta.ID, Status: probes.StatusOK, Data: d, Evidence: []probes.Evidence{{Kind: "http", Sent: "GET /.well-known/host-meta"}}}}
	}
	served := &xmpp.HostMetaData{XRD: xmpp.HostMetaDoc{URL: "https://x/.well-known/host-meta", OK: true, CORS: "*"}, JSON: xmpp.HostMetaDoc{URL: "https://x/.well-known/host-meta.json", OK: true, CORS: "*"},
		Links: []xmpp.HostMetaLink{{Rel: xmpp.RelBOSH, Href: "https://x/bosh", Answered: true}}}
	return []evalCase{
		{ID: "xmpp.compliance.core", Name: "server level", Res: res(nil, nil), Want: report.Warn},
		{ID: "xmpp.compliance.core", Name: "refused disco", Res: res(func(d *xmpp.AccountData) { d.Server = &xmpp.DiscoInfo{JID: "x", Status: "service-unavailable"} }, nil), Want: report.Fail},
		{ID: "xmpp.compliance.im", Name: "no muc, no upload", Res: res(nil, nil), Want: report.Fail},
		{ID: "xmpp.compliance.mobile", Name: "server level", Res: res(nil, nil), Want: report.Warn},
		{ID: "xmpp.compliance.web", Name: "no host-meta", Res: res(nil, &xmpp.HostMetaData{}), Want: report.Skip},
		{ID: "xmpp.compliance.web", Name: "not measured", Res: res(nil, nil), Want: report.Error},
		{ID: "xmpp.compliance.av", Name: "extdisco unanswered", Res: res(func(d *xmpp.AccountData) {
			d.Server.Features = append(d.Server.Features, xmpp.NSExtDisco)
			d.ExtDisco = &xmpp.ExtDiscoInfo{Status: "no answer: timeout"}
		}, nil), Want: report.Error},
		{ID: "xmpp.compliance.core", Name: "no account", Res: probes.Results{}, Want: report.Skip},
		{ID: "xmpp.web.host-meta", Name: "working", Res: hm(served), Want: report.Pass, Has: "https://x/bosh"},
		{ID: "xmpp.web.host-meta", Name: "not served", Res: hm(&xmpp.HostMetaData{}), Want: report.Info},
		{ID: "xmpp.web.host-meta", Name: "no links", Res: hm(&xmpp.HostMetaData{XRD: served.XRD, JSON: served.JSON}), Want: report.Fail},
	}
}
