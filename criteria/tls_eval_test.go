package criteria

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

func ep(addr string) probes.Endpoint {
	return probes.Endpoint{Name: "test.example", Addr: addr, Via: "dns"}
}

func okHead(addr string) tls.EndpointResult {
	return tls.EndpointResult{Endpoint: ep(addr), Status: probes.StatusOK}
}

func versions(addr string, on ...tls.Version) tls.EndpointVersions {
	e := tls.EndpointVersions{EndpointResult: okHead(addr)}
	for _, v := range tls.AllVersions {
		s := tls.VersionSupport{Version: v, Answer: "alert handshake_failure"}
		for _, o := range on {
			if o == v {
				s.Supported, s.Answer = true, "ServerHello "+v.String()
			}
		}
		e.Versions = append(e.Versions, s)
	}
	return e
}

func suite(t *testing.T, id uint16) tls.Suite {
	s, ok := tls.SuiteByID(id)
	if !ok {
		t.Fatalf("suite %04x unknown", id)
	}
	return s
}

func results(obs ...*probes.Observation) probes.Results {
	r := probes.Results{}
	for _, o := range obs {
		r[o.Probe] = o
	}
	return r
}

func okObs(id probes.ID, data any) *probes.Observation {
	return &probes.Observation{Probe: id, Status: probes.StatusOK, Data: data}
}

func eval(t *testing.T, id string, res probes.Results) Verdict {
	t.Helper()
	v := safeEval(evaluators[id], Input{Kind: "tls", Results: res})
	if v.Status == "" {
		t.Fatalf("%s: no status", id)
	}
	return v
}

func TestVersionCriteriaWorstEndpoint(t *testing.T) {
	ids := tls.DefaultIDs
	res := results(okObs(ids.Versions, &tls.VersionsData{Endpoints: []tls.EndpointVersions{
		versions("127.0.0.1:443", tls.VersionTLS12, tls.VersionTLS13),
		versions("[::1]:443", tls.VersionTLS10, tls.VersionTLS12),
	}}))
	if v := eval(t, "tls.protocol.no-tls10-11", res); v.Status != report.Fail || !strings.Contains(v.Summary, "[::1]:443") || !strings.Contains(v.Summary, "TLSv1.0") {
		t.Errorf("no-tls10-11: %+v", v)
	}
	if v := eval(t, "tls.protocol.tls13", res); v.Status != report.Warn {
		t.Errorf("tls13: %+v", v)
	}
	if v := eval(t, "tls.protocol.no-ssl", res); v.Status != report.Pass {
		t.Errorf("no-ssl: %+v", v)
	}
	// An unjudged SSLv3 attempt never becomes a pass.
	e := versions("127.0.0.1:443", tls.VersionTLS12)
	e.Versions[1].Error = "timeout"
	res = results(okObs(ids.Versions, &tls.VersionsData{Endpoints: []tls.EndpointVersions{e}}))
	if v := eval(t, "tls.protocol.no-ssl", res); v.Status != report.Error {
		t.Errorf("unjudged SSLv3: %+v", v)
	}
	// A failed probe is an error verdict with the reason.
	res = results(&probes.Observation{Probe: ids.Versions, Status: probes.StatusRefused, Reason: "connection refused"})
	if v := eval(t, "tls.protocol.no-ssl", res); v.Status != report.Error || !strings.Contains(v.Summary, "refused") {
		t.Errorf("refused: %+v", v)
	}
}

func TestCipherCriteria(t *testing.T) {
	ids := tls.DefaultIDs
	modern := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []tls.CipherScan{
		{Version: tls.VersionTLS13, ServerOrder: "client", Suites: []tls.Suite{suite(t, 0x1301), suite(t, 0x1302), suite(t, 0x1303)}},
		{Version: tls.VersionTLS12, ServerOrder: "server", Suites: []tls.Suite{suite(t, 0xc02f), suite(t, 0xc030)}},
	}}
	legacy := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []tls.CipherScan{
		{Version: tls.VersionTLS10, ServerOrder: "server", Suites: []tls.Suite{suite(t, 0x002f), suite(t, 0x000a)}},
	}}
	cbcFS := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []tls.CipherScan{
		{Version: tls.VersionTLS12, ServerOrder: "client", Suites: []tls.Suite{suite(t, 0xc02f), suite(t, 0xc013), suite(t, 0x009c)}},
	}}
	anon := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []tls.CipherScan{
		{Version: tls.VersionTLS12, ServerOrder: "unknown", Suites: []tls.Suite{suite(t, 0x0034)}},
	}}
	cases := []struct {
		name string
		e    tls.EndpointCiphers
		want map[string]report.Status
		cap  string
	}{
		{"modern", modern, map[string]report.Status{"tls.cipher.no-weak": report.Pass, "tls.cipher.forward-secrecy": report.Pass, "tls.cipher.server-order": report.Pass}, ""},
		{"legacy", legacy, map[string]report.Status{"tls.cipher.no-weak": report.Fail, "tls.cipher.forward-secrecy": report.Fail, "tls.cipher.server-order": report.Pass}, ""},
		{"cbc+static rsa, client order", cbcFS, map[string]report.Status{"tls.cipher.no-weak": report.Warn, "tls.cipher.forward-secrecy": report.Warn, "tls.cipher.server-order": report.Warn}, ""},
		{"anon", anon, map[string]report.Status{"tls.cipher.no-weak": report.Fail, "tls.cipher.server-order": report.Skip}, "F"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := results(okObs(ids.Ciphers, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{c.e}}))
			for id, want := range c.want {
				v := eval(t, id, res)
				if v.Status != want {
					t.Errorf("%s: %s (%s), want %s", id, v.Status, v.Summary, want)
				}
				if id == "tls.cipher.no-weak" && v.Cap != c.cap {
					t.Errorf("%s cap %q, want %q", id, v.Cap, c.cap)
				}
				if (v.Status == report.Fail || v.Status == report.Warn) && len(v.Evidence) == 0 {
					t.Errorf("%s: %s without evidence", id, v.Status)
				}
			}
		})
	}
}

func TestGroupCriteria(t *testing.T) {
	ids := tls.DefaultIDs
	g := func(name, kind string, bits int) tls.Group { return tls.Group{Name: name, Kind: kind, Bits: bits} }
	mk := func(v tls.Version, dh []int, gs ...tls.Group) probes.Results {
		return results(okObs(ids.Groups, &tls.GroupsData{Endpoints: []tls.EndpointGroups{{EndpointResult: okHead("127.0.0.1:443"),
			GroupScan: tls.GroupScan{Version: v, Supported: gs, DHBits: dh}}}}))
	}
	pq := mk(tls.VersionTLS13, nil, g("X25519MLKEM768", "hybrid-pq", 256), g("x25519", "ecdhe", 256))
	if v := eval(t, "tls.kex.post-quantum", pq); v.Status != report.Info {
		t.Errorf("pq: %+v", v)
	}
	classic := mk(tls.VersionTLS13, nil, g("x25519", "ecdhe", 256))
	if v := eval(t, "tls.kex.post-quantum", classic); v.Status != report.Warn {
		t.Errorf("no pq: %+v", v)
	}
	if v := eval(t, "tls.kex.strength", classic); v.Status != report.Pass {
		t.Errorf("strength: %+v", v)
	}
	if v := eval(t, "tls.kex.strength", mk(tls.VersionTLS12, []int{1024}, g("secp256r1", "ecdhe", 256))); v.Status != report.Warn {
		t.Errorf("dh1024: %+v", v)
	}
	if v := eval(t, "tls.kex.strength", mk(tls.VersionTLS12, []int{512})); v.Status != report.Fail || v.Cap != "F" {
		t.Errorf("dh512: %+v", v)
	}
}

func TestCertCriteria(t *testing.T) {
	ids := tls.DefaultIDs
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	leaf := tls.CertInfo{Subject: "CN=test.example", Issuer: "CN=Test CA", KeyType: "RSA", KeyBits: 2048, SignatureAlg: "SHA256-RSA",
		NotBefore: now.AddDate(0, -1, 0), NotAfter: now.AddDate(0, 2, 0), DNSNames: []string{"test.example"}}
	good := tls.EndpointHandshake{EndpointResult: okHead("127.0.0.1:443"), Version: tls.VersionTLS13, Chain: []tls.CertInfo{leaf},
		Trusted: true, VerifiedChain: []string{"CN=test.example", "CN=Test CA"}, NameMatch: true, MatchedName: "test.example", MatchedBy: "dNSName",
		ValidNow: true, DaysLeft: 61}
	mk := func(h tls.EndpointHandshake) probes.Results {
		return results(okObs(ids.Handshake, &tls.HandshakeData{Names: []string{"test.example"}, Endpoints: []tls.EndpointHandshake{h}}))
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
	id := tls.DefaultIDs.DANE
	mk := func(d *tls.DANEData) probes.Results { return results(okObs(id, d)) }
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
	na := results(&probes.Observation{Probe: id, Status: probes.StatusNotApplicable, Reason: "target is an IP address"})
	if v := eval(t, "tls.dane", na); v.Status != report.Skip {
		t.Errorf("n/a: %+v", v)
	}
}

// An incomplete enumeration never yields a verdict that rests on absence.
func TestIncompleteEnumeration(t *testing.T) {
	ids := tls.DefaultIDs
	nothing := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []tls.CipherScan{
		{Version: tls.VersionTLS12, ServerOrder: "unknown", Error: "timeout"},
	}}
	res := results(okObs(ids.Ciphers, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{nothing}}))
	for _, id := range []string{"tls.cipher.no-weak", "tls.cipher.forward-secrecy", "tls.cipher.server-order"} {
		if v := eval(t, id, res); v.Status != report.Error {
			t.Errorf("%s on a failed enumeration: %s (%s)", id, v.Status, v.Summary)
		}
	}
	rc4 := tls.EndpointCiphers{EndpointResult: okHead("127.0.0.1:443"), Scans: []tls.CipherScan{
		{Version: tls.VersionTLS12, ServerOrder: "unknown", Suites: []tls.Suite{suite(t, 0x0005)}, Error: "timeout"},
	}}
	res = results(okObs(ids.Ciphers, &tls.CiphersData{Endpoints: []tls.EndpointCiphers{rc4}}))
	if v := eval(t, "tls.cipher.no-weak", res); v.Status != report.Fail {
		t.Errorf("RC4 seen before the enumeration broke off: %s", v.Status)
	}
	g := tls.EndpointGroups{EndpointResult: okHead("127.0.0.1:443"), GroupScan: tls.GroupScan{Version: tls.VersionTLS13, Error: "timeout; timeout"}}
	res = results(okObs(ids.Groups, &tls.GroupsData{Endpoints: []tls.EndpointGroups{g}}))
	for _, id := range []string{"tls.kex.strength", "tls.kex.post-quantum"} {
		if v := eval(t, id, res); v.Status != report.Error {
			t.Errorf("%s on a failed group scan: %s (%s)", id, v.Status, v.Summary)
		}
	}
	g.Supported = []tls.Group{{Name: "X25519MLKEM768", Kind: "hybrid-pq", Bits: 256}}
	res = results(okObs(ids.Groups, &tls.GroupsData{Endpoints: []tls.EndpointGroups{g}}))
	if v := eval(t, "tls.kex.post-quantum", res); v.Status != report.Info {
		t.Errorf("PQ group seen: %s", v.Status)
	}
}
