package criteria

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
)

func TestCertCriteria(t *testing.T) {
	ids := tls.DefaultKeys
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	leaf := tls.CertInfo{Subject: "CN=test.example", Issuer: "CN=Test CA", KeyType: "RSA", KeyBits: 2048, SignatureAlg: "SHA256-RSA",
		NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(0, 2, 0), DNSNames: []string{"test.example"}}
	good := tls.EndpointHandshake{EndpointResult: okHead("127.0.0.1:443"), Version: wire.VersionTLS13, Chain: []tls.CertInfo{leaf},
		Trusted: true, VerifiedChain: []string{"CN=test.example", "CN=Test CA"}, NameMatch: true, MatchedName: "test.example", MatchedBy: "dNSName",
		ValidNow: true, DaysLeft: 61}
	mk := func(h tls.EndpointHandshake) probes.Results {
		return results(okObs(ids.Handshake.ID, &tls.HandshakeData{Names: []string{"test.example"}, Endpoints: []tls.EndpointHandshake{h}}))
	}
	for _, id := range []string{"tls.cert.trusted", "tls.cert.valid-now", "tls.cert.name-match", "tls.cert.key-strength", "tls.cert.signature"} {
		if v := eval(t, id, mk(good)); v.Status != report.Pass {
			t.Errorf("good %s: %+v", id, v)
		}
	}
	if v := eval(t, "tls.ocsp-stapling", mk(good)); v.Status != report.Skip {
		t.Errorf("no OCSP URL: %+v", v)
	}
	bad := good
	bad.Trusted, bad.TrustError = false, "self-signed certificate"
	bad.NameMatch = false
	bad.ValidNow, bad.ValidityError, bad.DaysLeft = false, "CN=test.example expired on 2026-01-01T00:00:00Z", -327
	bad.Chain = []tls.CertInfo{leaf}
	bad.Chain[0].KeyBits = 1024
	bad.Chain[0].SignatureAlg = "SHA1-RSA"
	bad.Chain[0].OCSPServers = []string{"http://ocsp.test"}
	want := map[string]report.Status{"tls.cert.trusted": report.Fail, "tls.cert.valid-now": report.Fail, "tls.cert.name-match": report.Fail,
		"tls.cert.key-strength": report.Fail, "tls.cert.signature": report.Fail, "tls.ocsp-stapling": report.Warn}
	for id, st := range want {
		v := eval(t, id, mk(bad))
		if v.Status != st {
			t.Errorf("bad %s: %+v", id, v)
		}
	}
	if v := eval(t, "tls.cert.name-match", mk(bad)); !strings.Contains(v.Summary, "test.example") {
		t.Errorf("name-match summary does not list names: %q", v.Summary)
	}
	soon := good
	soon.DaysLeft = 3
	if v := eval(t, "tls.cert.valid-now", mk(soon)); v.Status != report.Warn {
		t.Errorf("expiring soon: %+v", v)
	}
}

func TestDANECriterion(t *testing.T) {
	id := tls.DefaultKeys.DANE
	mk := func(d *tls.DANEData) probes.Results { return results(okObs(id.ID, d)) }
	if v := eval(t, "tls.dane", mk(&tls.DANEData{Name: "_443._tcp.test.example."})); v.Status != report.Info {
		t.Errorf("none: %+v", v)
	}
	rec := []tls.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: "00", Matched: true}}
	matched := []tls.EndpointDANE{{EndpointResult: okHead("127.0.0.1:443"), Matched: true}}
	if v := eval(t, "tls.dane", mk(&tls.DANEData{AD: true, Records: rec, Endpoints: matched})); v.Status != report.Pass {
		t.Errorf("ok: %+v", v)
	}
	if v := eval(t, "tls.dane", mk(&tls.DANEData{AD: false, Records: rec, Endpoints: matched})); v.Status != report.Warn {
		t.Errorf("no AD: %+v", v)
	}
	un := []tls.EndpointDANE{{EndpointResult: okHead("127.0.0.1:443")}}
	if v := eval(t, "tls.dane", mk(&tls.DANEData{AD: true, Records: rec, Endpoints: un})); v.Status != report.Fail {
		t.Errorf("mismatch: %+v", v)
	}
	na := results(&probes.Observation{Probe: id.ID, Status: probes.StatusNotApplicable, Reason: "target is an IP address"})
	if v := eval(t, "tls.dane", na); v.Status != report.Skip {
		t.Errorf("n/a: %+v", v)
	}
}

func tlsCertCases(t *testing.T) []evalCase {
	ids := tls.DefaultKeys
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	leaf := tls.CertInfo{Subject: "CN=test.example", Issuer: "CN=Test CA", KeyType: "ECDSA", KeyBits: 256, SignatureAlg: "ECDSA-SHA256",
		NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(0, 2, 0), DNSNames: []string{"test.example"}}
	good := tls.EndpointHandshake{EndpointResult: okHead("127.0.0.1:443"), Version: wire.VersionTLS13, Chain: []tls.CertInfo{leaf},
		Trusted: true, VerifiedChain: []string{"CN=test.example", "CN=Test CA"}, NameMatch: true, MatchedName: "test.example", MatchedBy: "dNSName",
		ValidNow: true, DaysLeft: 61}
	hs := func(change func(h *tls.EndpointHandshake)) probes.Results {
		h := good
		h.Chain = []tls.CertInfo{leaf}
		if change != nil {
			change(&h)
		}
		return results(okObs(ids.Handshake.ID, &tls.HandshakeData{Names: []string{"test.example"}, Endpoints: []tls.EndpointHandshake{h}}))
	}
	dane := func(d *tls.DANEData) probes.Results { return results(okObs(ids.DANE.ID, d)) }
	rec := []tls.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: "00", Matched: true}}
	matched := []tls.EndpointDANE{{EndpointResult: okHead("127.0.0.1:443"), Matched: true}}
	return []evalCase{
		{ID: "tls.cert.trusted", Name: "trusted", Res: hs(nil), Want: report.Pass, Has: "CN=Test CA"},
		{ID: "tls.cert.trusted", Name: "self-signed", Res: hs(func(h *tls.EndpointHandshake) { h.Trusted, h.TrustError = false, "self-signed certificate" }), Want: report.Fail, Has: "self-signed"},
		{ID: "tls.cert.valid-now", Name: "valid", Res: hs(nil), Want: report.Pass, Has: "61 days"},
		{ID: "tls.cert.valid-now", Name: "expired", Res: hs(func(h *tls.EndpointHandshake) { h.ValidNow, h.ValidityError = false, "expired" }), Want: report.Fail},
		{ID: "tls.cert.valid-now", Name: "expiring", Res: hs(func(h *tls.EndpointHandshake) { h.DaysLeft = 3 }), Want: report.Warn},
		{ID: "tls.cert.name-match", Name: "match", Res: hs(nil), Want: report.Pass, Has: "dNSName"},
		{ID: "tls.cert.name-match", Name: "other name", Res: hs(func(h *tls.EndpointHandshake) { h.NameMatch = false; h.Chain[0].DNSNames = []string{"other.example"} }), Want: report.Fail, Has: "other.example"},
		{ID: "tls.cert.name-match", Name: "cn only", Res: hs(func(h *tls.EndpointHandshake) { h.MatchedBy = "CN" }), Want: report.Warn},
		{ID: "tls.cert.key-strength", Name: "p256", Res: hs(nil), Want: report.Pass},
		{ID: "tls.cert.key-strength", Name: "rsa1024", Res: hs(func(h *tls.EndpointHandshake) { h.Chain[0].KeyType, h.Chain[0].KeyBits = "RSA", 1024 }), Want: report.Fail, Has: "2048"},
		{ID: "tls.cert.key-strength", Name: "rsa512", Res: hs(func(h *tls.EndpointHandshake) { h.Chain[0].KeyType, h.Chain[0].KeyBits = "RSA", 512 }), Want: report.Fail, Cap: "F"},
		{ID: "tls.cert.signature", Name: "sha256", Res: hs(nil), Want: report.Pass},
		{ID: "tls.cert.signature", Name: "sha1", Res: hs(func(h *tls.EndpointHandshake) { h.Chain[0].SignatureAlg = "SHA1-RSA" }), Want: report.Fail, Has: "SHA1"},
		{ID: "tls.ocsp-stapling", Name: "no responder", Res: hs(nil), Want: report.Skip},
		{ID: "tls.ocsp-stapling", Name: "not stapled", Res: hs(func(h *tls.EndpointHandshake) { h.Chain[0].OCSPServers = []string{"http://ocsp.test"} }), Want: report.Warn},
		{ID: "tls.ocsp-stapling", Name: "good", Res: hs(func(h *tls.EndpointHandshake) {
			h.Chain[0].OCSPServers = []string{"http://ocsp.test"}
			h.OCSPStapled, h.OCSPStatus = true, "good"
		}), Want: report.Pass},
		{ID: "tls.ocsp-stapling", Name: "revoked", Res: hs(func(h *tls.EndpointHandshake) { h.OCSPStapled, h.OCSPStatus = true, "revoked" }), Want: report.Fail, Has: "REVOKED"},
		{ID: "tls.dane", Name: "none", Res: dane(&tls.DANEData{Name: "_443._tcp.test.example."}), Want: report.Info},
		{ID: "tls.dane", Name: "authenticated match", Res: dane(&tls.DANEData{AD: true, Records: rec, Endpoints: matched}), Want: report.Pass},
		{ID: "tls.dane", Name: "not authenticated", Res: dane(&tls.DANEData{Records: rec, Endpoints: matched}), Want: report.Warn, Has: "AD=0"},
		{ID: "tls.dane", Name: "mismatch", Res: dane(&tls.DANEData{AD: true, Records: rec, Endpoints: []tls.EndpointDANE{{EndpointResult: okHead("127.0.0.1:443")}}}), Want: report.Fail},
		{ID: "tls.dane", Name: "authenticated TLSA behind an unsigned SRV", Kind: "tls", Res: dane(&tls.DANEData{AD: true, Records: rec, Endpoints: matched,
			SRV: &probes.DNSSEC{Name: "_xmpp-client._tcp.example.org.", Type: "SRV", State: probes.DNSSECInsecure}}), Want: report.Warn, Has: "DANE not usable"},
		{ID: "tls.dane", Name: "authenticated TLSA behind a secure SRV", Kind: "tls", Res: dane(&tls.DANEData{AD: true, Records: rec, Endpoints: matched,
			SRV: &probes.DNSSEC{Name: "_xmpp-client._tcp.example.org.", Type: "SRV", State: probes.DNSSECSecure}}), Want: report.Pass},
		{ID: "tls.dane", Name: "bogus TLSA", Kind: "tls", Res: results(&probes.Observation{Probe: ids.DANE.ID, Status: probes.StatusDNSError,
			Reason: "TLSA query _443._tcp.test.example. answered SERVFAIL: DNSSEC validation failed (bogus signatures; ...)"}), Want: report.Error, Has: "bogus"},
	}
}
