package criteria

import (
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// sasl2 is a SASL2 feature with the given inline children.
func sasl2(inline string, ms ...string) string {
	s := "<authentication xmlns='urn:xmpp:sasl:2'>"
	for _, m := range ms {
		s += "<mechanism>" + m + "</mechanism>"
	}
	return s + "<inline>" + inline + "</inline></authentication>"
}

const bind2 = "<bind xmlns='urn:xmpp:bind:0'/>"

func fast(attrs string, ms ...string) string {
	s := "<fast xmlns='urn:xmpp:fast:0'" + attrs + ">"
	for _, m := range ms {
		s += "<mechanism>" + m + "</mechanism>"
	}
	return s + "</fast>"
}

func accountLogin(status probes.Status, l xmpp.LoginInfo) probes.Results {
	return probes.Results{xmpp.Account.ID: {Probe: xmpp.Account.ID, Status: status, Data: &xmpp.AccountData{Login: l}}}
}

func xmppAuthCases(t *testing.T) []evalCase {
	c2s := func(pre, post string, v string) probes.Results {
		return streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLS.Endpoints.ID, xep("192.0.2.1:5222", feats(t, pre), feats(t, post), v))
	}
	plain := func(pre string) probes.Results { // no TLS at all
		return streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLS.Endpoints.ID, xep("192.0.2.1:5222", feats(t, pre), nil, ""))
	}
	modern := mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256") + cb("tls-server-end-point", "tls-exporter") +
		sasl2(bind2+fast("", "HT-SHA-256-EXPR", "HT-SHA-256-NONE"), "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256")
	old := mechs("SCRAM-SHA-1", "PLAIN")
	login := func(dc *xmpp.DowngradeCheck) xmpp.LoginInfo {
		return xmpp.LoginInfo{Endpoint: probes.Endpoint{Addr: "192.0.2.1:5222"}, TLSVersion: "TLSv1.3", Mechanism: "SCRAM-SHA-256", Downgrade: dc}
	}
	h := &xmpp.DowngradeCheck{Mechanism: "SCRAM-SHA-256", SSDPAttr: "h", SSDP: "abc=", SSDPWant: "abc=", SSDPMatch: true, TDP: "0304", TDPWant: "0304", TDPMatch: true}
	return []evalCase{
		{ID: "xmpp.c2s.sasl2", Name: "sasl2 and bind2", Res: c2s(tlsReq, modern, "TLSv1.3"), Want: report.Pass, Has: "Bind2"},
		{ID: "xmpp.c2s.sasl2", Name: "sasl1 only (Prosody 0.12)", Res: c2s(tlsReq, old, "TLSv1.3"), Want: report.Warn, Has: "not offered"},
		{ID: "xmpp.c2s.sasl2", Name: "without bind2", Res: c2s(tlsReq, sasl2("", "SCRAM-SHA-256"), "TLSv1.3"), Want: report.Warn, Has: "without Bind2"},
		{ID: "xmpp.c2s.sasl2", Name: "before tls", Res: c2s(tlsOpt+sasl2(bind2, "SCRAM-SHA-1"), modern, "TLSv1.3"), Want: report.Fail, Has: "before TLS"},
		{ID: "xmpp.c2s.sasl2", Name: "no tls at all", Res: plain(sasl2(bind2, "PLAIN")), Want: report.Fail, Has: "without TLS"},

		{ID: "xmpp.c2s.fast", Name: "fast with binding", Res: c2s(tlsReq, modern, "TLSv1.3"), Want: report.Pass, Has: "HT-SHA-256-EXPR"},
		{ID: "xmpp.c2s.fast", Name: "no sasl2", Res: c2s(tlsReq, old, "TLSv1.3"), Want: report.Warn, Has: "no SASL2"},
		{ID: "xmpp.c2s.fast", Name: "sasl2 without fast", Res: c2s(tlsReq, sasl2(bind2, "SCRAM-SHA-256"), "TLSv1.3"), Want: report.Warn, Has: "not offered inside SASL2"},
		{ID: "xmpp.c2s.fast", Name: "only -NONE", Res: c2s(tlsReq, sasl2(fast("", "HT-SHA-256-NONE"), "SCRAM-SHA-256"), "TLSv1.3"), Want: report.Warn, Has: "replayed"},
		{ID: "xmpp.c2s.fast", Name: "0-rtt", Res: c2s(tlsReq, sasl2(fast(" tls-0rtt='true'", "HT-SHA-256-ENDP"), "SCRAM-SHA-256"), "TLSv1.3"), Want: report.Warn, Has: "0-RTT"},
		{ID: "xmpp.c2s.fast", Name: "empty fast", Res: c2s(tlsReq, sasl2(fast(""), "SCRAM-SHA-256"), "TLSv1.3"), Want: report.Fail, Has: "no mechanism"},

		{ID: "xmpp.c2s.channel-binding-types", Name: "consistent", Res: c2s(tlsReq, modern, "TLSv1.3"), Want: report.Pass, Has: "tls-exporter"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "nothing to bind (Prosody 0.12)", Res: c2s(tlsReq, old, "TLSv1.3"), Want: report.Skip},
		{ID: "xmpp.c2s.channel-binding-types", Name: "plus without list (ejabberd 23.01)", Res: c2s(tlsReq, mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"), "TLSv1.3"), Want: report.Warn, Has: "tls-unique"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "tls-unique on 1.3", Res: c2s(tlsReq, mechs("SCRAM-SHA-1-PLUS")+cb("tls-unique", "tls-server-end-point"), "TLSv1.3"), Want: report.Fail, Has: "not defined"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "tls-unique on 1.2 is fine", Res: c2s(tlsReq, mechs("SCRAM-SHA-1-PLUS")+cb("tls-unique", "tls-server-end-point"), "TLSv1.2"), Want: report.Pass},
		{ID: "xmpp.c2s.channel-binding-types", Name: "types without plus", Res: c2s(tlsReq, mechs("SCRAM-SHA-256")+cb("tls-exporter"), "TLSv1.3"), Want: report.Fail, Has: "no -PLUS"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "sasl2 plus without list", Res: c2s(tlsReq, sasl2(bind2, "SCRAM-SHA-256-PLUS"), "TLSv1.3"), Want: report.Fail, Has: "SASL2"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "no end-point", Res: c2s(tlsReq, mechs("SCRAM-SHA-256-PLUS")+cb("tls-exporter"), "TLSv1.3"), Want: report.Warn, Has: "tls-server-end-point"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "1.3 without exporter", Res: c2s(tlsReq, mechs("SCRAM-SHA-256-PLUS")+cb("tls-server-end-point"), "TLSv1.3"), Want: report.Warn, Has: "tls-exporter"},
		{ID: "xmpp.c2s.channel-binding-types", Name: "no tls", Res: plain(mechs("PLAIN")), Want: report.Skip},

		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "no account", Res: probes.Results{}, Want: report.Skip, Has: "--account"},
		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "h and t match", Res: accountLogin(probes.StatusOK, login(h)), Want: report.Pass, Has: "t=0304"},
		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "no attributes (Prosody 0.12, ejabberd 23.01)",
			Res: accountLogin(probes.StatusOK, login(&xmpp.DowngradeCheck{Mechanism: "SCRAM-SHA-256"})), Want: report.Warn, Has: "no XEP-0474"},
		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "0.3 d", Res: accountLogin(probes.StatusOK, login(&xmpp.DowngradeCheck{Mechanism: "SCRAM-SHA-256", SSDPAttr: "d", SSDP: "x", SSDPWant: "x", SSDPMatch: true})),
			Want: report.Pass, Has: "'d'"},
		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "mismatch aborts",
			Res: accountLogin(probes.StatusProtocolError, login(&xmpp.DowngradeCheck{Mechanism: "SCRAM-SHA-256", SSDPAttr: "h", SSDP: "x", SSDPWant: "y"})), Want: report.Fail, Has: "aborted"},
		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "PLAIN login", Res: accountLogin(probes.StatusOK, xmpp.LoginInfo{Mechanism: "PLAIN"}), Want: report.Skip, Has: "PLAIN"},
		{ID: "xmpp.c2s.scram-downgrade-protection", Name: "login failed", Res: probes.Results{xmpp.Account.ID: {Probe: xmpp.Account.ID, Status: probes.StatusError, Reason: "not-authorized"}},
			Want: report.Error, Has: "not-authorized"},
	}
}
