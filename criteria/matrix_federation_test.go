package criteria

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

var checked = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func keysEP(addr string, status int, k *matrix.ServerKeys) matrix.EndpointKeys {
	return matrix.EndpointKeys{Endpoint: probes.Endpoint{Addr: addr}, Status: probes.StatusOK, Exchange: matrix.Exchange{Addr: addr, Status: status}, Keys: k}
}

func goodKeys(fp string, until time.Time) *matrix.ServerKeys {
	return &matrix.ServerKeys{ServerName: "example.org", ValidUntilTS: until.UnixMilli(), Fingerprint: fp,
		VerifyKeys: []matrix.VerifyKey{{ID: "ed25519:a", Algorithm: "ed25519", KeyOK: true, Signed: true, SignatureOK: true}}}
}

func keysResults(eps ...matrix.EndpointKeys) probes.Results {
	return probes.Results{matrix.Keys.ID: {Probe: matrix.Keys.ID, Status: probes.StatusOK,
		Data: &matrix.KeysData{Expected: "example.org", CheckedAtMS: checked.UnixMilli(), Endpoints: eps}}}
}

func TestMatrixKeysEvaluator(t *testing.T) {
	day := 24 * time.Hour
	bad := goodKeys("x", checked.Add(day))
	bad.VerifyKeys[0].SignatureOK, bad.VerifyKeys[0].Error = false, "signature does not verify"
	other := goodKeys("x", checked.Add(day))
	other.ServerName = "evil.example"
	cases := []struct {
		name string
		eps  []matrix.EndpointKeys
		want report.Status
		in   string
	}{
		{"good", []matrix.EndpointKeys{keysEP("a:1", 200, goodKeys("x", checked.Add(day)))}, report.Pass, "self-signed"},
		{"expired", []matrix.EndpointKeys{keysEP("a:1", 200, goodKeys("x", checked.Add(-time.Minute)))}, report.Fail, "expired"},
		{"absurd", []matrix.EndpointKeys{keysEP("a:1", 200, goodKeys("x", checked.Add(3*365*day)))}, report.Warn, "never to rotate"},
		{"bad signature", []matrix.EndpointKeys{keysEP("a:1", 200, bad)}, report.Fail, "does not verify"},
		{"server_name", []matrix.EndpointKeys{keysEP("a:1", 200, other)}, report.Fail, "evil.example"},
		{"404", []matrix.EndpointKeys{keysEP("a:1", 404, nil)}, report.Fail, "HTTP 404"},
		{"split brain", []matrix.EndpointKeys{keysEP("a:1", 200, goodKeys("x", checked.Add(day))), keysEP("b:1", 200, goodKeys("y", checked.Add(day)))}, report.Warn, "split brain"},
		{"one bad endpoint decides", []matrix.EndpointKeys{keysEP("a:1", 200, goodKeys("x", checked.Add(day))), keysEP("b:1", 200, other)}, report.Fail, "b:1"},
		{"unreachable", []matrix.EndpointKeys{{Endpoint: probes.Endpoint{Addr: "a:1"}, Status: probes.StatusRefused, Reason: "connection refused"}}, report.Error, "refused"},
	}
	for _, c := range cases {
		v := evalMatrixKeys(Input{Kind: "matrix", Results: keysResults(c.eps...)})
		if v.Status != c.want || !strings.Contains(v.Summary, c.in) {
			t.Errorf("%s: %s %q, want %s containing %q", c.name, v.Status, v.Summary, c.want, c.in)
		}
	}
}

func TestMatrixDiscoveryEvaluator(t *testing.T) {
	ep := probes.Endpoint{Name: "matrix.example.org", Addr: "192.0.2.1:8448", Via: "dns"}
	disc := func(notes ...matrix.Note) *probes.Observation {
		return &probes.Observation{Probe: matrix.Discovery.ID, Status: probes.StatusOK, Data: &matrix.DiscoveryData{ServerName: "example.org", Step: matrix.StepSRV,
			SRV: []matrix.SRVLookup{{Name: "_matrix-fed._tcp.example.org."}}, CertName: "example.org", Endpoints: []probes.Endpoint{ep}, Notes: notes}}
	}
	reached := keysResults(keysEP(ep.Addr, 200, goodKeys("x", checked.Add(time.Hour))))
	cases := []struct {
		name string
		res  probes.Results
		want report.Status
	}{
		{"srv, reachable", probes.Results{matrix.Discovery.ID: disc(), matrix.Keys.ID: reached[matrix.Keys.ID]}, report.Pass},
		{"legacy srv", probes.Results{matrix.Discovery.ID: disc(matrix.Note{Kind: matrix.NoteLegacySRV, Text: "only the deprecated _matrix._tcp.example.org. record exists"}), matrix.Keys.ID: reached[matrix.Keys.ID]}, report.Warn},
		{"unreachable", probes.Results{matrix.Discovery.ID: disc(), matrix.Keys.ID: keysResults(matrix.EndpointKeys{Endpoint: ep, Status: probes.StatusRefused, Reason: "connection refused"})[matrix.Keys.ID]}, report.Fail},
		{"no address", probes.Results{matrix.Discovery.ID: {Probe: matrix.Discovery.ID, Status: probes.StatusDNSError, Reason: "unknown host", Data: &matrix.DiscoveryData{}}}, report.Fail},
		{"SERVFAIL", probes.Results{matrix.Discovery.ID: {Probe: matrix.Discovery.ID, Status: probes.StatusDNSError, Reason: "SERVFAIL", Data: &matrix.DiscoveryData{SRV: []matrix.SRVLookup{{Error: "SERVFAIL"}}}}}, report.Error},
		{"not run", probes.Results{}, report.Error},
	}
	for _, c := range cases {
		if v := evalMatrixDiscoveryServer(Input{Kind: "matrix", Results: c.res}); v.Status != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, v.Status, v.Summary, c.want)
		}
	}
}

func TestMatrixVersionEvaluator(t *testing.T) {
	res := func(eps ...matrix.EndpointVersion) probes.Results {
		return probes.Results{matrix.Version.ID: {Probe: matrix.Version.ID, Status: probes.StatusOK, Data: &matrix.VersionData{Endpoints: eps}}}
	}
	ok := probes.StatusOK
	for _, c := range []struct {
		ep   matrix.EndpointVersion
		want report.Status
	}{
		{matrix.EndpointVersion{Status: ok, Name: "Synapse", Version: "1.99.0"}, report.Warn},
		{matrix.EndpointVersion{Status: ok, Name: "Synapse"}, report.Pass},
		{matrix.EndpointVersion{Status: ok, Name: "X", ServerHeader: "Synapse/1.99.0"}, report.Warn},
		{matrix.EndpointVersion{Status: ok, Reason: "HTTP 404", Exchange: matrix.Exchange{Status: 404}}, report.Pass},
		{matrix.EndpointVersion{Status: ok, Reason: "HTTP 502", Exchange: matrix.Exchange{Status: 502}}, report.Error},
		{matrix.EndpointVersion{Status: ok, Reason: "unparsable answer: EOF", Exchange: matrix.Exchange{Status: 200}}, report.Error},
	} {
		if v := evalMatrixVersionDisclosed(Input{Kind: "matrix", Results: res(c.ep)}); v.Status != c.want {
			t.Errorf("%+v: %s, want %s", c.ep, v.Status, c.want)
		}
	}
}

func matrixFederationCases(t *testing.T) []evalCase {
	ep := probes.Endpoint{Name: "matrix.example.org", Addr: "192.0.2.1:8448", Via: "dns"}
	disc := &probes.Observation{Probe: matrix.Discovery.ID, Status: probes.StatusOK, Data: &matrix.DiscoveryData{ServerName: "example.org", Step: matrix.StepSRV,
		SRV: []matrix.SRVLookup{{Name: "_matrix-fed._tcp.example.org."}}, CertName: "example.org", Endpoints: []probes.Endpoint{ep}}}
	keys := keysResults(keysEP(ep.Addr, 200, goodKeys("x", checked.Add(time.Hour))))[matrix.Keys.ID]
	expired := keysResults(keysEP(ep.Addr, 200, goodKeys("x", checked.Add(-time.Minute))))[matrix.Keys.ID]
	hs := func(trusted bool) *probes.Observation {
		h := tls.EndpointHandshake{EndpointResult: tls.EndpointResult{Endpoint: ep, Status: probes.StatusOK}, Trusted: trusted, TrustError: "self-signed certificate",
			ValidNow: true, NameMatch: true, MatchedName: "example.org", MatchedBy: "dNSName", DaysLeft: 30}
		return &probes.Observation{Probe: matrix.FederationTLS.Handshake.ID, Status: probes.StatusOK,
			Data:     &tls.HandshakeData{Names: []string{"example.org"}, Endpoints: []tls.EndpointHandshake{h}},
			Evidence: []probes.Evidence{{Endpoint: ep.Addr, Kind: "tls-handshake", Received: "TLSv1.3"}}}
	}
	all := func(k, h *probes.Observation) probes.Results {
		return probes.Results{matrix.Discovery.ID: disc, matrix.Keys.ID: k, matrix.FederationTLS.Handshake.ID: h}
	}
	version := func(e matrix.EndpointVersion) probes.Results {
		e.Endpoint, e.Status = ep, probes.StatusOK
		return probes.Results{matrix.Version.ID: {Probe: matrix.Version.ID, Status: probes.StatusOK, Data: &matrix.VersionData{Endpoints: []matrix.EndpointVersion{e}}}}
	}
	return []evalCase{
		{ID: "matrix.discovery.server", Name: "srv, reachable", Res: all(keys, hs(true)), Want: report.Pass},
		{ID: "matrix.discovery.server", Name: "unreachable", Res: all(keysResults(matrix.EndpointKeys{Endpoint: ep, Status: probes.StatusRefused, Reason: "connection refused"})[matrix.Keys.ID], hs(true)), Want: report.Fail},
		{ID: "matrix.federation.keys", Name: "good", Res: all(keys, hs(true)), Want: report.Pass, Has: "self-signed"},
		{ID: "matrix.federation.keys", Name: "expired", Res: all(expired, hs(true)), Want: report.Fail, Has: "expired"},
		{ID: "matrix.federation.tls", Name: "trusted", Res: all(keys, hs(true)), Want: report.Pass, Has: "example.org"},
		{ID: "matrix.federation.tls", Name: "untrusted", Res: all(keys, hs(false)), Want: report.Fail, Has: "self-signed"},
		{ID: "matrix.federation.ok", Name: "ok", Res: all(keys, hs(true)), Want: report.Pass},
		{ID: "matrix.federation.ok", Name: "bad certificate", Res: all(keys, hs(false)), Want: report.Fail, Has: "matrix.federation.tls fail"},
		{ID: "matrix.metadata.version-disclosed", Name: "disclosed", Res: version(matrix.EndpointVersion{Name: "Synapse", Version: "1.99.0"}), Want: report.Warn, Has: "1.99.0"},
		{ID: "matrix.metadata.version-disclosed", Name: "name only", Res: version(matrix.EndpointVersion{Name: "Synapse"}), Want: report.Pass},
	}
}

// TestMatrixDiscoveryRedirects: a well-known request whose redirects lead
// nowhere (a loop, more hops than allowed, a redirect into an internal
// network) is a warning, never "pass … reached after N redirects".
func TestMatrixDiscoveryRedirects(t *testing.T) {
	ep := probes.Endpoint{Name: "example.org", Addr: "192.0.2.1:8448", Via: "dns"}
	keys := keysResults(keysEP(ep.Addr, 200, goodKeys("x", checked.Add(time.Hour))))[matrix.Keys.ID]
	disc := func(w *matrix.WellKnown) probes.Results {
		d := &matrix.DiscoveryData{ServerName: "example.org", Step: matrix.StepFallback, WellKnown: w,
			SRV: []matrix.SRVLookup{{Name: "_matrix-fed._tcp.example.org."}}, CertName: "example.org", Endpoints: []probes.Endpoint{ep}}
		return probes.Results{matrix.Discovery.ID: {Probe: matrix.Discovery.ID, Status: probes.StatusOK, Data: d}, matrix.Keys.ID: keys}
	}
	cases := []struct {
		name    string
		w       *matrix.WellKnown
		want    report.Status
		in, not string
	}{
		{"followed to a 404", &matrix.WellKnown{Result: matrix.WKNotFound, Reason: "HTTP 404", Redirects: 2}, report.Pass, "reached after 2 redirect(s)", ""},
		{"loop", &matrix.WellKnown{Result: matrix.WKRedirectLoop, Reason: "redirect loop: https://example.org/x was already requested", Redirects: 3},
			report.Warn, "never answered (redirect loop", "reached after"},
		{"too many hops", &matrix.WellKnown{Result: matrix.WKTooManyHops, Reason: "more than 5 redirects", Redirects: 5},
			report.Warn, "never answered (more than 5 redirects)", "reached after"},
		{"into an internal network", &matrix.WellKnown{Result: matrix.WKBadRedirect, Reason: "redirect to https://169.254.169.254/: 169.254.169.254: internal address, not contacted", Redirects: 1},
			report.Warn, "internal address, not contacted", "reached after"},
	}
	for _, c := range cases {
		v := evalMatrixDiscoveryServer(Input{Kind: "matrix", Results: disc(c.w)})
		if v.Status != c.want || !strings.Contains(v.Summary, c.in) || (c.not != "" && strings.Contains(v.Summary, c.not)) {
			t.Errorf("%s: %s %q, want %s with %q and without %q", c.name, v.Status, v.Summary, c.want, c.in, c.not)
		}
	}
}

// TestMatrixKeysUnjudged: a document with more keys than imscore checks
// is a warning that says so, in a short summary.
func TestMatrixKeysUnjudged(t *testing.T) {
	k := goodKeys("x", checked.Add(time.Hour))
	k.VerifyKeyCount = 1500
	k.Notes = []string{"1500 verify keys: only the first 16 (by key ID) were checked"}
	v := evalMatrixKeys(Input{Kind: "matrix", Results: keysResults(keysEP("a:1", 200, k))})
	if v.Status != report.Warn || !strings.Contains(v.Summary, "only the first 16 (by key ID) were checked") {
		t.Errorf("%s %q, want a warning naming the unjudged keys", v.Status, v.Summary)
	}
}
