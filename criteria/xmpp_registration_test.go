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
		return streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLSIDs.Endpoints, e)
	}
	form := &xmpp.Registration{Type: "result", Fields: []string{"username", "password"}}
	return []evalCase{
		{ID: "xmpp.registration.open", Name: "refused", Res: reg(tlsReq, mechs("SCRAM-SHA-256"), &xmpp.Registration{Type: "error", Condition: "not-allowed"}), Want: report.Pass, Has: "<not-allowed/>"},
		{ID: "xmpp.registration.open", Name: "form offered", Res: reg(tlsReq, mechs("SCRAM-SHA-256")+registerFeat, form), Want: report.Warn, Has: "looks open"},
		{ID: "xmpp.registration.open", Name: "before tls", Res: reg(tlsOpt+registerFeat, registerFeat, form), Want: report.Fail, Has: "before TLS"},
		{ID: "xmpp.registration.open", Name: "no answer, not advertised", Res: reg(tlsReq, mechs("SCRAM-SHA-256"), &xmpp.Registration{Error: "timeout"}), Want: report.Error},
	}
}
