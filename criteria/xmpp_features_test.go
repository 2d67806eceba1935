package criteria

import (
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func TestFeatureVerdictsNeedAnswers(t *testing.T) {
	d := fullAccount()
	d.ItemsEx = xmpp.Exchange{Sent: "<iq/>", Error: "timeout"}
	for _, id := range []string{"xmpp.feature.upload", "xmpp.feature.muc"} {
		if v := mustEval(id)(accountInput(d, nil)); v.Status != report.Error {
			t.Errorf("%s with disco#items unanswered: %s (%s), want error", id, v.Status, v.Summary)
		}
	}
	d = fullAccount()
	d.Server = &xmpp.DiscoInfo{JID: "x", Status: "no answer: timeout"}
	for _, id := range []string{"xmpp.feature.extdisco", "xmpp.contact-addresses", "xmpp.feature.mam"} {
		if v := mustEval(id)(accountInput(d, nil)); v.Status != report.Error {
			t.Errorf("%s with the domain's disco#info unanswered: %s (%s), want error", id, v.Status, v.Summary)
		}
	}
	d = fullAccount()
	d.Account = &xmpp.DiscoInfo{JID: "a@x", Status: "no answer: timeout"}
	if v := mustEval("xmpp.feature.omemo-ready")(accountInput(d, nil)); v.Status != report.Error {
		t.Errorf("omemo-ready with the account's disco#info unanswered: %s (%s), want error", v.Status, v.Summary)
	}
	d = fullAccount()
	d.PEP = &xmpp.PEPTest{Node: "n", Steps: []xmpp.Step{{NoAnswer: true, Detail: "timeout"}}}
	if v := mustEval("xmpp.feature.omemo-ready")(accountInput(d, nil)); v.Status != report.Error {
		t.Errorf("omemo-ready with the publish unanswered: %s (%s), want error", v.Status, v.Summary)
	}
}

func xmppFeatureCases(t *testing.T) []evalCase {
	acc := func(change func(d *xmpp.AccountData)) probes.Results {
		d := fullAccount()
		if change != nil {
			change(d)
		}
		return accountInput(d, nil).Results
	}
	none := probes.Results{xmpp.C2SStreams.ID: {Probe: xmpp.C2SStreams.ID, Status: probes.StatusOK, Data: &xmpp.StreamsData{}}}
	withServer := func(vars ...string) probes.Results {
		return acc(func(d *xmpp.AccountData) { d.Server.Features = append(d.Server.Features, vars...) })
	}
	muc := &xmpp.DiscoInfo{JID: "conference.x", Status: "result", Identities: []xmpp.Identity{{Category: "conference", Type: "text"}}}
	up := &xmpp.DiscoInfo{JID: "upload.x", Status: "result", Features: []string{xmpp.NSUpload}}
	proxy := &xmpp.DiscoInfo{JID: "proxy.x", Status: "result", Identities: []xmpp.Identity{{Category: "proxy", Type: "bytestreams"}}}
	var cases []evalCase
	for _, f := range discoFeatures {
		cases = append(cases,
			evalCase{ID: f.id, Name: "advertised", Res: withServer(f.vars...), Want: report.Pass, Has: f.vars[0]},
			evalCase{ID: f.id, Name: "not advertised", Res: acc(func(d *xmpp.AccountData) { d.Server.Features = nil }), Want: report.Warn},
			evalCase{ID: f.id, Name: "no account", Res: probes.Results{}, Want: report.Skip, Has: "needs --account"})
	}
	for _, f := range streamFeatures {
		cases = append(cases,
			evalCase{ID: f.id, Name: "missing after login", Res: acc(func(d *xmpp.AccountData) { d.Login.PostAuth = &xmpp.Features{} }), Want: report.Warn},
			evalCase{ID: f.id, Name: "not seen before login", Res: none, Want: report.Skip, Has: "needs --account"})
	}
	cases = append(cases,
		evalCase{ID: "xmpp.feature.sm", Name: "offered after login", Res: acc(nil), Want: report.Pass},
		evalCase{ID: "xmpp.feature.pep", Name: "pep identity", Res: acc(nil), Want: report.Pass},
		evalCase{ID: "xmpp.feature.pep", Name: "no pep", Res: acc(func(d *xmpp.AccountData) { d.Account.Identities = nil }), Want: report.Warn},
		evalCase{ID: "xmpp.feature.omemo-ready", Name: "open node", Res: acc(func(d *xmpp.AccountData) {
			d.Account.Features = []string{"http://jabber.org/protocol/pubsub#publish-options"}
			d.PEP = &xmpp.PEPTest{Node: "n", Published: true, AccessModel: "open", Deleted: true, Steps: []xmpp.Step{{What: "publish", OK: true}}}
		}), Want: report.Pass},
		evalCase{ID: "xmpp.feature.omemo-ready", Name: "publish-options ignored", Res: acc(func(d *xmpp.AccountData) {
			d.PEP = &xmpp.PEPTest{Node: "n", Published: true, AccessModel: "presence", Deleted: true, Steps: []xmpp.Step{{What: "publish", OK: true}}}
		}), Want: report.Fail, Has: "access_model=presence"},
		evalCase{ID: "xmpp.feature.upload", Name: "no service", Res: acc(nil), Want: report.Warn},
		evalCase{ID: "xmpp.feature.upload", Name: "slot and cors", Res: acc(func(d *xmpp.AccountData) {
			d.Items = []*xmpp.DiscoInfo{up}
			d.Upload = []xmpp.UploadService{{Info: up, Slot: xmpp.Step{What: "slot", OK: true}, PutURL: "https://upload.x",
				CORS: &xmpp.CORSInfo{Status: "200 OK", AllowOrigin: "*", AllowMethods: "GET, PUT"}}}
		}), Want: report.Pass, Has: "upload.x"},
		evalCase{ID: "xmpp.feature.upload", Name: "slot refused", Res: acc(func(d *xmpp.AccountData) {
			d.Items = []*xmpp.DiscoInfo{up}
			d.Upload = []xmpp.UploadService{{Info: up, Slot: xmpp.Step{What: "slot", Detail: "not-allowed"}}}
		}), Want: report.Fail, Has: "slot refused"},
		evalCase{ID: "xmpp.feature.muc", Name: "room created and destroyed", Res: acc(func(d *xmpp.AccountData) {
			d.Items = []*xmpp.DiscoInfo{muc}
			d.MUC = []xmpp.MUCService{{Info: muc, Room: &xmpp.RoomTest{Room: "r@conference.x", Created: true, Destroyed: true, Gone: true,
				Info: &xmpp.DiscoInfo{JID: "r@conference.x", Status: "result", Features: []string{"urn:xmpp:mam:2"}}}}}
		}), Want: report.Pass, Has: "MUC MAM"},
		evalCase{ID: "xmpp.feature.muc", Name: "no service", Res: acc(nil), Want: report.Warn},
		evalCase{ID: "xmpp.feature.extdisco", Name: "not advertised", Res: acc(nil), Want: report.Warn},
		evalCase{ID: "xmpp.feature.extdisco", Name: "stun and turn", Res: acc(func(d *xmpp.AccountData) {
			d.ExtDisco = &xmpp.ExtDiscoInfo{Status: "result", Services: []xmpp.ExtService{{Type: "stun", Host: "turn.x"}, {Type: "turn", Host: "turn.x"}}}
		}), Want: report.Pass},
		evalCase{ID: "xmpp.feature.extdisco", Name: "stun only", Res: acc(func(d *xmpp.AccountData) {
			d.ExtDisco = &xmpp.ExtDiscoInfo{Status: "result", Services: []xmpp.ExtService{{Type: "stun", Host: "turn.x"}}}
		}), Want: report.Warn, Has: "no TURN"},
		evalCase{ID: "xmpp.feature.proxy65", Name: "proxy", Res: acc(func(d *xmpp.AccountData) { d.Items = []*xmpp.DiscoInfo{proxy} }), Want: report.Pass, Has: "proxy.x"},
		evalCase{ID: "xmpp.feature.proxy65", Name: "none", Res: acc(nil), Want: report.Info},
	)
	return cases
}
