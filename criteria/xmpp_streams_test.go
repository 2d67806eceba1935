package criteria

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/xmpp"
)

func feats(t *testing.T, inner string) *xmpp.Features {
	t.Helper()
	f, err := xmpp.ParseFeatures([]byte("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>" + inner + "</stream:features>"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mechs(ms ...string) string {
	s := "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
	for _, m := range ms {
		s += "<mechanism>" + m + "</mechanism>"
	}
	return s + "</mechanisms>"
}

func cb(types ...string) string {
	s := "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>"
	for _, x := range types {
		s += "<channel-binding type='" + x + "'/>"
	}
	return s + "</sasl-channel-binding>"
}

// ep builds one endpoint's stream observation.
func xep(addr string, pre, post *xmpp.Features, tlsVersion string) xmpp.EndpointStreams {
	return xmpp.EndpointStreams{Endpoint: probes.Endpoint{Addr: addr}, Status: probes.StatusOK, PreTLS: pre, PostTLS: post, TLSVersion: tlsVersion}
}

func streamsResults(id, epsID probes.ID, eps ...xmpp.EndpointStreams) probes.Results {
	return probes.Results{
		epsID: {Probe: epsID, Status: probes.StatusOK, Data: &tls.EndpointsData{}},
		id:    {Probe: id, Status: probes.StatusOK, Data: &xmpp.StreamsData{Endpoints: eps}},
	}
}

func TestXMPPStreamEvaluators(t *testing.T) {
	good := func(t *testing.T) xmpp.EndpointStreams {
		return xep("192.0.2.1:5222", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN")+cb("tls-exporter")), "TLSv1.3")
	}
	failed := xmpp.EndpointStreams{Endpoint: probes.Endpoint{Addr: "192.0.2.9:5222"}, Status: probes.StatusRefused, Reason: "connection refused"}
	cases := []struct {
		name string
		id   string
		eps  func(t *testing.T) []xmpp.EndpointStreams
		want report.Status
		sum  string
		cap  string
	}{
		{"starttls required", "xmpp.c2s.starttls-required", func(t *testing.T) []xmpp.EndpointStreams { return []xmpp.EndpointStreams{good(t)} }, report.Pass, "required", ""},
		{"starttls only feature", "xmpp.c2s.starttls-required", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsOpt), nil, "")}
		}, report.Pass, "mandatory-to-negotiate", ""},
		{"starttls optional on one endpoint", "xmpp.c2s.starttls-required", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{good(t), xep("192.0.2.2:5222", feats(t, tlsOpt+mechs("PLAIN")), nil, "")}
		}, report.Fail, "192.0.2.2:5222", ""},
		{"no starttls", "xmpp.c2s.starttls-required", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, mechs("PLAIN")), nil, "")}
		}, report.Fail, "not offered", "F"},
		{"unreachable endpoint is error", "xmpp.c2s.starttls-required", func(t *testing.T) []xmpp.EndpointStreams { return []xmpp.EndpointStreams{good(t), failed} }, report.Error, "refused", ""},
		{"PLAIN before TLS", "xmpp.c2s.no-auth-before-tls", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsOpt+mechs("PLAIN", "SCRAM-SHA-1")), nil, "")}
		}, report.Fail, "cleartext", "F"},
		{"SCRAM before TLS", "xmpp.c2s.no-auth-before-tls", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsOpt+mechs("SCRAM-SHA-1")), nil, "")}
		}, report.Fail, "SCRAM-SHA-1", ""},
		{"EXTERNAL before TLS is fine", "xmpp.c2s.no-auth-before-tls", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq+mechs("EXTERNAL")), nil, "")}
		}, report.Pass, "password-less", ""},
		{"no auth before TLS", "xmpp.c2s.no-auth-before-tls", func(t *testing.T) []xmpp.EndpointStreams { return []xmpp.EndpointStreams{good(t)} }, report.Pass, "", ""},
		{"SCRAM-SHA-256", "xmpp.c2s.sasl-scram", func(t *testing.T) []xmpp.EndpointStreams { return []xmpp.EndpointStreams{good(t)} }, report.Pass, "SHA-256", ""},
		{"SCRAM-SHA-1 only", "xmpp.c2s.sasl-scram", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("PLAIN", "SCRAM-SHA-1")), "TLSv1.3")}
		}, report.Warn, "SCRAM-SHA-1", ""},
		{"PLAIN only", "xmpp.c2s.sasl-scram", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("PLAIN")), "TLSv1.3")}
		}, report.Fail, "without SCRAM", ""},
		{"EXTERNAL only", "xmpp.c2s.sasl-scram", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("EXTERNAL")), "TLSv1.3")}
		}, report.Skip, "no password", ""},
		{"TLS failed after STARTTLS", "xmpp.c2s.sasl-scram", func(t *testing.T) []xmpp.EndpointStreams {
			e := xep("a", feats(t, tlsReq), nil, "")
			e.Status, e.Reason = probes.StatusTLSError, "TLS handshake: boom"
			return []xmpp.EndpointStreams{e}
		}, report.Error, "boom", ""},
		{"-PLUS with tls-exporter", "xmpp.c2s.channel-binding", func(t *testing.T) []xmpp.EndpointStreams { return []xmpp.EndpointStreams{good(t)} }, report.Pass, "tls-exporter", ""},
		{"no -PLUS", "xmpp.c2s.channel-binding", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1")), "TLSv1.3")}
		}, report.Warn, "no -PLUS", ""},
		{"-PLUS on 1.2 without 0440", "xmpp.c2s.channel-binding", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1-PLUS", "SCRAM-SHA-1")), "TLSv1.2")}
		}, report.Pass, "tls-unique", ""},
		{"-PLUS on 1.3 without 0440", "xmpp.c2s.channel-binding", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1-PLUS")), "TLSv1.3")}
		}, report.Warn, "guess", ""},
		{"tls-unique on 1.3", "xmpp.c2s.channel-binding", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1-PLUS")+cb("tls-unique")), "TLSv1.3")}
		}, report.Fail, "do not work", ""},
		{"registration closed", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			e := good(t)
			e.Registration = &xmpp.Registration{Sent: "<iq/>", Type: "error", Condition: "service-unavailable"}
			return []xmpp.EndpointStreams{e}
		}, report.Pass, "", ""},
		{"registration not advertised, form request unanswered", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams { return []xmpp.EndpointStreams{good(t)} }, report.Error, "could not be checked", ""},
		{"registration after TLS", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1")+registerFeat), "TLSv1.3")}
		}, report.Info, "not proven", ""},
		{"registration advertised, form refused", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			e := xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1")+registerFeat), "TLSv1.3")
			e.Registration = &xmpp.Registration{Sent: "<iq/>", Type: "error", Condition: "not-allowed"}
			return []xmpp.EndpointStreams{e}
		}, report.Pass, "<not-allowed/>", ""},
		{"registration open form", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			e := xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1")+registerFeat), "TLSv1.3")
			e.Registration = &xmpp.Registration{Sent: "<iq/>", Type: "result", Fields: []string{"username", "password"}}
			return []xmpp.EndpointStreams{e}
		}, report.Info, "not proven", ""},
		{"registration behind CAPTCHA", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			e := xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1")+registerFeat), "TLSv1.3")
			e.Registration = &xmpp.Registration{Sent: "<iq/>", Type: "result", FormFields: []string{"FORM_TYPE", "username", "password", "ocr"}, CAPTCHA: true}
			return []xmpp.EndpointStreams{e}
		}, report.Info, "CAPTCHA", ""},
		{"registration hidden but form served (ejabberd access: none)", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			e := good(t)
			e.Registration = &xmpp.Registration{Sent: "<iq/>", Type: "result", Fields: []string{"username", "password"}}
			return []xmpp.EndpointStreams{e}
		}, report.Pass, "access: none", ""},
		{"registration redirected", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			e := xep("a", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-1")+registerFeat), "TLSv1.3")
			e.Registration = &xmpp.Registration{Sent: "<iq/>", Type: "result", RedirectURL: "https://example.org/register"}
			return []xmpp.EndpointStreams{e}
		}, report.Pass, "https://example.org/register", ""},
		{"registration before TLS", "xmpp.registration.open", func(t *testing.T) []xmpp.EndpointStreams {
			return []xmpp.EndpointStreams{xep("a", feats(t, tlsOpt+registerFeat), feats(t, registerFeat), "TLSv1.3")}
		}, report.Fail, "before TLS", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLS.Endpoints.ID, c.eps(t)...)
			v := mustEval(c.id)(Input{Kind: "xmpp", Results: res})
			if v.Status != c.want || !strings.Contains(v.Summary, c.sum) || v.Cap != c.cap {
				t.Fatalf("got %s %q cap %q, want %s containing %q cap %q", v.Status, v.Summary, v.Cap, c.want, c.sum, c.cap)
			}
			if v.Status != report.Skip && len(v.Evidence) == 0 {
				t.Fatal("no evidence")
			}
		})
	}
}

func TestXMPPS2SAuthentication(t *testing.T) {
	const dialback = "<dialback xmlns='urn:xmpp:features:dialback'/>"
	refused := func(cond string) xmpp.EndpointStreams {
		e := xep("192.0.2.1:5269", feats(t, tlsReq+dialback), nil, "TLSv1.3")
		e.PostTLSRefused = &xmpp.StreamError{Condition: cond, Text: "Your server's certificate is invalid"}
		return e
	}
	cases := []struct {
		name string
		eps  []xmpp.EndpointStreams
		want report.Status
		sum  string
	}{
		{"secure auth: refused without certificate", []xmpp.EndpointStreams{refused("not-authorized")}, report.Pass, "<not-authorized/>"},
		{"policy-violation counts too", []xmpp.EndpointStreams{refused("policy-violation")}, report.Pass, "valid certificate"},
		{"other stream error is not measured", []xmpp.EndpointStreams{refused("host-unknown")}, report.Error, "host-unknown"},
		{"EXTERNAL only", []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, mechs("EXTERNAL")), "TLSv1.3")}, report.Pass, "SASL EXTERNAL"},
		{"dialback after TLS", []xmpp.EndpointStreams{xep("a", feats(t, tlsReq+dialback), feats(t, dialback), "TLSv1.3")}, report.Warn, "DNS-based dialback"},
		{"dialback and EXTERNAL", []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, dialback+mechs("EXTERNAL")), "TLSv1.3")}, report.Warn, "still authenticate by dialback"},
		{"nothing offered", []xmpp.EndpointStreams{xep("a", feats(t, tlsReq), feats(t, ""), "TLSv1.3")}, report.Info, "cannot be told"},
		{"dialback before optional TLS", []xmpp.EndpointStreams{xep("a", feats(t, tlsOpt+dialback), feats(t, dialback), "TLSv1.3")}, report.Fail, "before TLS"},
		{"no TLS, dialback", []xmpp.EndpointStreams{xep("a", feats(t, dialback), nil, "")}, report.Fail, "cleartext"},
		{"worst endpoint decides", []xmpp.EndpointStreams{refused("not-authorized"), xep("192.0.2.2:5269", feats(t, tlsReq+dialback), feats(t, dialback), "TLSv1.3")}, report.Warn, "192.0.2.2:5269"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := streamsResults(xmpp.S2SStreams.ID, xmpp.S2STLS.Endpoints.ID, c.eps...)
			v := mustEval("xmpp.s2s.authentication")(Input{Kind: "xmpp", Results: res})
			if v.Status != c.want || !strings.Contains(v.Summary, c.sum) {
				t.Fatalf("got %s %q, want %s containing %q", v.Status, v.Summary, c.want, c.sum)
			}
			if len(v.Evidence) == 0 {
				t.Fatal("no evidence")
			}
		})
	}
	if v := evalS2SAuthentication(Input{Kind: "xmpp", Results: probes.Results{
		xmpp.S2STLS.Endpoints.ID: {Status: probes.StatusNotApplicable, Reason: "target \".\""},
		xmpp.S2SStreams.ID:       {Status: probes.StatusDepFailed},
	}}); v.Status != report.Skip {
		t.Fatalf("no federation: %+v", v)
	}
}

func TestXMPPS2SNotApplicable(t *testing.T) {
	res := probes.Results{
		xmpp.S2STLS.Endpoints.ID: {Status: probes.StatusNotApplicable, Reason: "target \".\""},
		xmpp.S2SStreams.ID:       {Status: probes.StatusDepFailed},
	}
	if v := evalS2SStartTLS(Input{Kind: "xmpp", Results: res}); v.Status != report.Skip {
		t.Fatalf("%+v", v)
	}
	if v := evalS2SStartTLS(Input{Kind: "xmpp", Results: probes.Results{}}); v.Status != report.Error {
		t.Fatalf("missing probe: %+v", v)
	}
}

const (
	tlsReq       = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
	tlsOpt       = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
	registerFeat = "<register xmlns='http://jabber.org/features/iq-register'/>"
)

func xmppStreamCases(t *testing.T) []evalCase {
	c2s := func(eps ...xmpp.EndpointStreams) probes.Results {
		return streamsResults(xmpp.C2SStreams.ID, xmpp.C2STLS.Endpoints.ID, eps...)
	}
	s2s := func(eps ...xmpp.EndpointStreams) probes.Results {
		return streamsResults(xmpp.S2SStreams.ID, xmpp.S2STLS.Endpoints.ID, eps...)
	}
	good := xep("192.0.2.1:5222", feats(t, tlsReq), feats(t, mechs("SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "PLAIN")+cb("tls-exporter")), "TLSv1.3")
	open := xep("192.0.2.2:5222", feats(t, tlsOpt+mechs("PLAIN")), feats(t, mechs("PLAIN")), "TLSv1.2")
	dialback := "<dialback xmlns='urn:xmpp:features:dialback'/>"
	return []evalCase{
		{ID: "xmpp.c2s.starttls-required", Name: "required", Res: c2s(good), Want: report.Pass, Has: "required"},
		{ID: "xmpp.c2s.starttls-required", Name: "optional", Res: c2s(good, open), Want: report.Fail, Has: "192.0.2.2:5222"},
		{ID: "xmpp.c2s.starttls-required", Name: "no tls", Res: c2s(xep("a", feats(t, mechs("PLAIN")), nil, "")), Want: report.Fail, Has: "not offered", Cap: "F"},
		{ID: "xmpp.c2s.no-auth-before-tls", Name: "none", Res: c2s(good), Want: report.Pass},
		{ID: "xmpp.c2s.no-auth-before-tls", Name: "plain in the clear", Res: c2s(open), Want: report.Fail, Has: "cleartext", Cap: "F"},
		{ID: "xmpp.c2s.sasl-scram", Name: "sha-256", Res: c2s(good), Want: report.Pass},
		{ID: "xmpp.c2s.sasl-scram", Name: "plain only", Res: c2s(open), Want: report.Fail, Has: "without SCRAM"},
		{ID: "xmpp.c2s.channel-binding", Name: "tls-exporter", Res: c2s(good), Want: report.Pass, Has: "tls-exporter"},
		{ID: "xmpp.c2s.channel-binding", Name: "no plus", Res: c2s(open), Want: report.Warn, Has: "no -PLUS"},
		{ID: "xmpp.s2s.starttls-required", Name: "required", Res: s2s(xep("192.0.2.1:5269", feats(t, tlsReq), feats(t, dialback), "TLSv1.3")), Want: report.Pass},
		{ID: "xmpp.s2s.starttls-required", Name: "optional", Res: s2s(xep("192.0.2.1:5269", feats(t, tlsOpt+dialback), feats(t, dialback), "TLSv1.3")), Want: report.Fail},
		{ID: "xmpp.s2s.authentication", Name: "external only", Res: s2s(xep("192.0.2.1:5269", feats(t, tlsReq), feats(t, mechs("EXTERNAL")), "TLSv1.3")), Want: report.Pass, Has: "SASL EXTERNAL"},
		{ID: "xmpp.s2s.authentication", Name: "dialback after tls", Res: s2s(xep("192.0.2.1:5269", feats(t, tlsReq), feats(t, dialback), "TLSv1.3")), Want: report.Warn, Has: "dialback"},
	}
}
