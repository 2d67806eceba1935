package criteria

import (
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func xmppRegistrationCases(t *testing.T) []evalCase {
	reg := func(pre, post string, r *xmpp.Registration) probes.Results {
		e := xep("192.0.2.1:5222", feats(t, pre), feats(t, post), "TLSv1.3")
		e.Registration = r
		return streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLS.Endpoints.ID, e)
	}
	form := &xmpp.Registration{Type: "result", Fields: []string{"username", "password"}}
	offered := func() probes.Results { return reg(tlsReq, mechs("SCRAM-SHA-256")+registerFeat, form) }
	// proof adds the --active registration test to the anonymous form offer.
	proof := func(p *xmpp.RegistrationProof) probes.Results {
		r := offered()
		p.Endpoint = probes.Endpoint{Addr: "192.0.2.1:5222"}
		p.Account = "imscore-0123456789ab@example.test"
		r[xmpp.ActiveRegistration.ID] = &probes.Observation{Probe: xmpp.ActiveRegistration.ID, Status: probes.StatusOK, Data: p, Evidence: p.Evidence()}
		return r
	}
	submitted := func(outcome, cond string) *xmpp.RegistrationProof {
		return &xmpp.RegistrationProof{Outcome: outcome, Condition: cond, Steps: []xmpp.Step{{What: "registration submission", Exchange: xmpp.Exchange{Sent: "<iq type='set'>…[redacted]…</iq>"}}}}
	}
	removed := submitted(xmpp.RegAccepted, "")
	removed.Existed, removed.Removed, removed.Gone = true, true, true
	stuck := submitted(xmpp.RegAccepted, "")
	stuck.Existed, stuck.LeftBehind = true, "imscore-0123456789ab@example.test still accepts a login after <remove/>"
	lost := submitted(xmpp.RegUnknown, "")
	lost.Gone = true
	return []evalCase{
		{ID: "xmpp.registration.open", Name: "refused", Res: reg(tlsReq, mechs("SCRAM-SHA-256"), &xmpp.Registration{Type: "error", Condition: "not-allowed"}), Want: report.Pass, Has: "<not-allowed/>"},
		{ID: "xmpp.registration.open", Name: "form offered, not proven", Res: offered(), Want: report.Info, Has: "not proven"},
		{ID: "xmpp.registration.open", Name: "captcha form, not proven", Res: reg(tlsReq, mechs("SCRAM-SHA-256")+registerFeat, &xmpp.Registration{Type: "result", Fields: []string{"username", "password"}, CAPTCHA: true}),
			Want: report.Info, Has: "CAPTCHA"},
		{ID: "xmpp.registration.open", Name: "before tls", Res: reg(tlsOpt+registerFeat, registerFeat, form), Want: report.Fail, Has: "before TLS"},
		{ID: "xmpp.registration.open", Name: "no answer, not advertised", Res: reg(tlsReq, mechs("SCRAM-SHA-256"), &xmpp.Registration{Error: "timeout"}), Want: report.Error},
		{ID: "xmpp.registration.open", Name: "one endpoint offers the form", Res: func() probes.Results {
			a := xep("192.0.2.1:5222", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-256")), "TLSv1.3")
			a.Registration = &xmpp.Registration{Type: "error", Condition: "not-allowed"}
			b := xep("192.0.2.2:5222", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-256")+registerFeat), "TLSv1.3")
			b.Registration = form
			return streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLS.Endpoints.ID, a, b)
		}(), Want: report.Info, Has: "not proven"},

		{ID: "xmpp.registration.open", Name: "active: accepted and removed", Res: proof(removed), Want: report.Fail, Has: "checked it is gone"},
		{ID: "xmpp.registration.open", Name: "active: accepted, not removed", Res: proof(stuck), Want: report.Fail, Has: "could NOT be removed"},
		{ID: "xmpp.registration.open", Name: "active: refused (ejabberd access rule)", Res: proof(submitted(xmpp.RegRefused, "not-allowed")), Want: report.Pass, Has: "refused it with <not-allowed/>"},
		{ID: "xmpp.registration.open", Name: "active: rate limited", Res: proof(submitted(xmpp.RegRefused, "resource-constraint")), Want: report.Info, Has: "without proving"},
		{ID: "xmpp.registration.open", Name: "active: no answer, nothing created", Res: proof(lost), Want: report.Error, Has: "no account was created"},
		{ID: "xmpp.registration.open", Name: "active: captcha not submitted", Res: proof(&xmpp.RegistrationProof{NotSubmitted: "the form carries a CAPTCHA (XEP-0158), which imscore does not solve"}),
			Want: report.Info, Has: "not submitted"},
		{ID: "xmpp.registration.open", Name: "active: did not run", Res: func() probes.Results {
			r := offered()
			r[xmpp.ActiveRegistration.ID] = &probes.Observation{Probe: xmpp.ActiveRegistration.ID, Status: probes.StatusError, Reason: "certificate not trusted"}
			return r
		}(), Want: report.Info, Has: "did not run: certificate not trusted"},
	}
}
