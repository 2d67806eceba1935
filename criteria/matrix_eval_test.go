package criteria

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

var contractMatrix = []string{
	"matrix.discovery.server", "matrix.discovery.client", "matrix.federation.keys", "matrix.federation.tls",
	"matrix.metadata.version-disclosed", "matrix.registration.open", "matrix.registration.guest",
	"matrix.directory.public-unauthenticated", "matrix.directory.federation-exposed", "matrix.profile.unauthenticated",
	"matrix.media.unauthenticated", "matrix.e2ee.default", "matrix.room-versions.default", "matrix.metadata.user-enumeration",
	"matrix.login.flows", "matrix.ratelimit.login",
}

func TestMatrixContract(t *testing.T) {
	for _, id := range contractMatrix {
		m, ok := Lookup(id)
		if !ok {
			t.Errorf("%s: no metadata", id)
			continue
		}
		if m.Remediation["synapse"] == "" || m.Remediation["dendrite"] == "" {
			t.Errorf("%s: remediation for synapse and dendrite required", id)
		}
		if _, ok := evaluators[id]; !ok {
			t.Errorf("%s: no evaluator", id)
		}
		if !contains(m.Targets, "matrix") {
			t.Errorf("%s: not a matrix criterion", id)
		}
	}
}

var checked = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func keysEP(addr string, status int, k *matrix.ServerKeys) matrix.EndpointKeys {
	return matrix.EndpointKeys{Endpoint: probes.Endpoint{Addr: addr}, Status: probes.StatusOK, Exchange: matrix.Exchange{Addr: addr, Status: status}, Keys: k}
}

func goodKeys(fp string, until time.Time) *matrix.ServerKeys {
	return &matrix.ServerKeys{ServerName: "example.org", ValidUntilTS: until.UnixMilli(), Fingerprint: fp,
		VerifyKeys: []matrix.VerifyKey{{ID: "ed25519:a", Algorithm: "ed25519", KeyOK: true, Signed: true, SignatureOK: true}}}
}

func keysResults(eps ...matrix.EndpointKeys) probes.Results {
	return probes.Results{matrix.IDKeys: {Probe: matrix.IDKeys, Status: probes.StatusOK,
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
	disc := func(notes ...string) *probes.Observation {
		return &probes.Observation{Probe: matrix.IDDiscovery, Status: probes.StatusOK, Data: &matrix.DiscoveryData{ServerName: "example.org", Step: matrix.StepSRV,
			SRV: []matrix.SRVLookup{{Name: "_matrix-fed._tcp.example.org."}}, CertName: "example.org", Endpoints: []probes.Endpoint{ep}, Notes: notes}}
	}
	reached := keysResults(keysEP(ep.Addr, 200, goodKeys("x", checked.Add(time.Hour))))
	cases := []struct {
		name string
		res  probes.Results
		want report.Status
	}{
		{"srv, reachable", probes.Results{matrix.IDDiscovery: disc(), matrix.IDKeys: reached[matrix.IDKeys]}, report.Pass},
		{"legacy srv", probes.Results{matrix.IDDiscovery: disc("only the deprecated _matrix._tcp.example.org. record exists"), matrix.IDKeys: reached[matrix.IDKeys]}, report.Warn},
		{"unreachable", probes.Results{matrix.IDDiscovery: disc(), matrix.IDKeys: keysResults(matrix.EndpointKeys{Endpoint: ep, Status: probes.StatusRefused, Reason: "connection refused"})[matrix.IDKeys]}, report.Fail},
		{"no address", probes.Results{matrix.IDDiscovery: {Probe: matrix.IDDiscovery, Status: probes.StatusDNSError, Reason: "unknown host", Data: &matrix.DiscoveryData{}}}, report.Fail},
		{"SERVFAIL", probes.Results{matrix.IDDiscovery: {Probe: matrix.IDDiscovery, Status: probes.StatusDNSError, Reason: "SERVFAIL", Data: &matrix.DiscoveryData{SRV: []matrix.SRVLookup{{Error: "SERVFAIL"}}}}}, report.Error},
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
		return probes.Results{matrix.IDVersion: {Probe: matrix.IDVersion, Status: probes.StatusOK, Data: &matrix.VersionData{Endpoints: eps}}}
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

func att(status int, errcode string) matrix.Attempt {
	return matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", URL: "https://x/", Status: status}, ErrCode: errcode}
}

func accessRes(e matrix.AccessEndpoint) probes.Results {
	e.Endpoint = probes.Endpoint{Addr: "192.0.2.1:443"}
	if e.Register.Exchange.Status == 0 {
		e.Register = att(403, "M_FORBIDDEN")
	}
	return probes.Results{matrix.IDAccess: {Probe: matrix.IDAccess, Status: probes.StatusOK,
		Data: &matrix.AccessData{ServerName: "example.org", LocalName: "example.org", KnownUsers: []string{"@admin:example.org"}, Endpoints: []matrix.AccessEndpoint{e}}}}
}

func TestMatrixAccessEvaluators(t *testing.T) {
	flows := func(fs ...[]string) matrix.AccessEndpoint {
		e := matrix.AccessEndpoint{Register: att(401, "")}
		for _, f := range fs {
			e.RegisterFlows = append(e.RegisterFlows, matrix.RegisterFlow{Stages: f})
		}
		return e
	}
	made := func(v3, r0, auth matrix.Attempt, real ...matrix.MediaTry) matrix.AccessEndpoint {
		return matrix.AccessEndpoint{Media: append([]matrix.MediaTry{{Source: "made-up", Legacy: v3, LegacyR0: &r0, Authenticated: &auth}}, real...)}
	}
	nf, mt := att(404, "M_NOT_FOUND"), att(401, "M_MISSING_TOKEN")
	cases := []struct {
		name string
		eval Evaluator
		e    matrix.AccessEndpoint
		want report.Status
	}{
		{"registration disabled", evalMatrixRegistrationOpen, matrix.AccessEndpoint{}, report.Pass},
		{"dummy only", evalMatrixRegistrationOpen, flows([]string{"m.login.dummy"}), report.Fail},
		{"terms only is no verification", evalMatrixRegistrationOpen, flows([]string{"m.login.recaptcha"}, []string{"m.login.terms"}), report.Fail},
		{"captcha", evalMatrixRegistrationOpen, flows([]string{"m.login.recaptcha", "m.login.terms"}), report.Warn},
		{"token everywhere", evalMatrixRegistrationOpen, flows([]string{"m.login.registration_token"}, []string{"m.login.recaptcha", "m.login.registration_token"}), report.Pass},
		{"401 without flows", evalMatrixRegistrationOpen, flows(), report.Error},
		{"no registration route", evalMatrixRegistrationOpen, matrix.AccessEndpoint{Register: att(404, "M_UNRECOGNIZED")}, report.Pass},
		{"rate limited", evalMatrixRegistrationOpen, matrix.AccessEndpoint{Register: att(429, "M_LIMIT_EXCEEDED")}, report.Error},
		{"guest created", evalMatrixRegistrationGuest, matrix.AccessEndpoint{Guest: att(200, "")}, report.Warn},
		{"guest refused", evalMatrixRegistrationGuest, matrix.AccessEndpoint{Guest: att(403, "M_FORBIDDEN")}, report.Pass},
		{"directory open", evalMatrixDirectoryClient, matrix.AccessEndpoint{Directory: att(200, "")}, report.Warn},
		{"directory needs token", evalMatrixDirectoryClient, matrix.AccessEndpoint{Directory: mt}, report.Pass},
		{"profile open", evalMatrixProfile, matrix.AccessEndpoint{Profile: nf}, report.Warn},
		{"profile needs token", evalMatrixProfile, matrix.AccessEndpoint{Profile: mt}, report.Pass},
		{"enumeration by profile", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: nf, Available: att(403, "M_FORBIDDEN")}, report.Warn},
		{"available with open registration", evalMatrixUserEnumeration, matrix.AccessEndpoint{Register: att(401, ""), Profile: mt, Available: att(200, "")}, report.Info},
		{"available while closed", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: mt, Available: att(200, "")}, report.Warn},
		{"no oracle", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: mt, Available: att(403, "M_FORBIDDEN")}, report.Pass},
		{"real media served", evalMatrixMedia, made(nf, nf, mt, matrix.MediaTry{MXC: "mxc://example.org/a", Source: "room directory", Legacy: att(200, "")}), report.Fail},
		{"frozen", evalMatrixMedia, made(nf, nf, mt, matrix.MediaTry{MXC: "mxc://example.org/a", Source: "room directory", Legacy: nf}), report.Pass},
		{"real media, legacy answer unusable", evalMatrixMedia, made(nf, nf, mt, matrix.MediaTry{MXC: "mxc://example.org/a", Source: "room directory", Legacy: att(502, "")}), report.Warn},
		{"enumeration unmeasured", evalMatrixUserEnumeration, matrix.AccessEndpoint{Profile: mt, Available: att(502, "")}, report.Error},
		{"legacy only", evalMatrixMedia, made(nf, nf, att(404, "M_UNRECOGNIZED")), report.Fail},
		{"legacy and authenticated", evalMatrixMedia, made(nf, nf, mt), report.Warn},
		{"legacy blocked", evalMatrixMedia, made(att(404, ""), att(404, "M_UNRECOGNIZED"), mt), report.Pass},
	}
	for _, c := range cases {
		if v := c.eval(Input{Kind: "matrix", Results: accessRes(c.e)}); v.Status != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, v.Status, v.Summary, c.want)
		}
	}
	if v := evalMatrixRegistrationOpen(Input{Kind: "matrix", Results: probes.Results{}}); v.Status != report.Error {
		t.Errorf("not run: %s", v.Status)
	}
}

func TestMatrixFederationDirectoryEvaluator(t *testing.T) {
	for _, c := range []struct {
		a    matrix.Attempt
		want report.Status
	}{{att(200, ""), report.Fail}, {att(401, "M_UNAUTHORIZED"), report.Pass}, {att(404, "M_UNRECOGNIZED"), report.Pass}, {att(500, ""), report.Error}} {
		res := probes.Results{matrix.IDFederationDirectory: {Probe: matrix.IDFederationDirectory, Status: probes.StatusOK,
			Data: &matrix.FederationDirectoryData{Endpoints: []matrix.FederationDirectoryEndpoint{{Endpoint: probes.Endpoint{Addr: "a:1"}, Attempt: c.a}}}}}
		if v := evalMatrixDirectoryFederation(Input{Kind: "matrix", Results: res}); v.Status != c.want {
			t.Errorf("HTTP %d: %s, want %s", c.a.Exchange.Status, v.Status, c.want)
		}
	}
}

func TestMatrixE2EEDefaultEvaluator(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want report.Status
	}{{"", report.Pass}, {`{"default":true}`, report.Pass}, {`{"default":false}`, report.Warn}, {`{"force_disable":true}`, report.Fail}, {`"yes"`, report.Warn}} {
		cd := &matrix.ClientData{WellKnown: &matrix.WellKnown{Result: matrix.WKValid}, Parsed: &matrix.ClientWellKnown{E2EE: []byte(c.raw)}}
		res := probes.Results{matrix.IDClient: {Probe: matrix.IDClient, Status: probes.StatusOK, Data: cd}}
		if v := evalMatrixE2EEDefault(Input{Kind: "matrix", Results: res}); v.Status != c.want {
			t.Errorf("%q: %s (%s), want %s", c.raw, v.Status, v.Summary, c.want)
		}
	}
	if v := evalMatrixRoomVersions(Input{Kind: "matrix"}); v.Status != report.Skip || !strings.Contains(v.Summary, "needs --account") {
		t.Errorf("room versions: %s %s", v.Status, v.Summary)
	}
}

func TestMatrixRoomVersionsJudge(t *testing.T) {
	avail := func(def string, kv ...string) *matrix.RoomVersions {
		rv := &matrix.RoomVersions{Default: def, Available: map[string]string{}}
		for i := 0; i+1 < len(kv); i += 2 {
			rv.Available[kv[i]] = kv[i+1]
		}
		return rv
	}
	dendrite := []string{"1", "stable", "2", "stable", "3", "stable", "4", "stable", "5", "stable", "6", "stable", "7", "stable",
		"8", "stable", "9", "stable", "10", "stable", "11", "stable"}
	cases := []struct {
		name string
		rv   *matrix.RoomVersions
		want report.Status
		has  string
	}{
		{"v12 default", avail("12", append(dendrite, "12", "stable")...), report.Pass, "default room version 12"},
		{"v11 default with v12", avail("11", append(dendrite, "12", "stable", "org.matrix.hydra.11", "unstable")...), report.Pass, "unstable org.matrix.hydra.11"},
		{"dendrite 0.13.8", avail("10", dendrite...), report.Warn, "no room version 12"},
		{"dendrite v11 default", avail("11", dendrite...), report.Warn, "no room version 12"},
		{"v9 default", avail("9", append(dendrite, "12", "stable")...), report.Warn, "older than room version 11"},
		{"unstable default", avail("org.matrix.msc1", append(dendrite, "org.matrix.msc1", "unstable")...), report.Fail, "unstable room version"},
		{"unlisted default", avail("13", dendrite...), report.Fail, "not among"},
		{"v1 default", avail("1", dendrite...), report.Fail, "older than 6"},
	}
	for _, c := range cases {
		v := judgeRoomVersions(c.rv)
		if v.Status != c.want || !strings.Contains(v.Summary, c.has) {
			t.Errorf("%s: %s %q, want %s containing %q", c.name, v.Status, v.Summary, c.want, c.has)
		}
	}
	// Without --account: skip; a failed login: error, never pass.
	if v := evalMatrixRoomVersions(Input{Results: probes.Results{}}); v.Status != report.Skip {
		t.Errorf("no account: %s", v.Status)
	}
	bad := matrix.Attempt{Exchange: matrix.Exchange{Method: "POST", Status: 403}, ErrCode: "M_FORBIDDEN"}
	res := probes.Results{matrix.IDAccount: {Probe: matrix.IDAccount, Status: probes.StatusError, Reason: "login failed",
		Data: &matrix.AccountData{Endpoints: []matrix.AccountEndpoint{{Endpoint: probes.Endpoint{Addr: "127.0.0.1:1"}, Login: &bad}}}}}
	if v := evalMatrixRoomVersions(Input{Results: res}); v.Status != report.Error || !strings.Contains(v.Summary, "wrong user or password") {
		t.Errorf("failed login: %s %q", v.Status, v.Summary)
	}
}

func TestMatrixRateLimitVerdict(t *testing.T) {
	ph := func(budget, sent int, st map[int]int, limitAfter, limit int) matrix.RateLimitPhase {
		return matrix.RateLimitPhase{Budget: budget, Sent: sent, Statuses: st, LimitedAfter: limitAfter, LimitStatus: limit}
	}
	clean12, clean18 := ph(12, 12, map[int]int{403: 12}, 0, 0), ph(18, 18, map[int]int{403: 18}, 0, 0)
	cases := []struct {
		name      string
		one, news matrix.RateLimitPhase
		want      report.Status
	}{
		{"per address (Synapse)", ph(12, 5, map[int]int{403: 4, 429: 1}, 4, 429), ph(18, 1, map[int]int{429: 1}, 0, 429), report.Pass},
		{"per connection (Dendrite 0.13.8)", ph(12, 6, map[int]int{403: 5, 429: 1}, 5, 429), clean18, report.Fail},
		{"503 from a proxy", clean12, ph(18, 3, map[int]int{403: 2, 503: 1}, 2, 503), report.Warn},
		{"no limit", clean12, clean18, report.Warn},
		{"timeouts", clean12, ph(18, 18, map[int]int{403: 8, 0: 10}, 0, 0), report.Error},
		{"cut short", ph(12, 3, map[int]int{403: 3}, 0, 0), clean18, report.Error},
		{"per connection, then timeouts", ph(12, 6, map[int]int{403: 5, 429: 1}, 5, 429), ph(18, 18, map[int]int{0: 18}, 0, 0), report.Error},
	}
	for _, c := range cases {
		if v := rateLimitVerdict(matrix.RateLimitEndpoint{OneConnection: c.one, NewConns: c.news}); v.Status != c.want {
			t.Errorf("%s: %s %q, want %s", c.name, v.Status, v.Summary, c.want)
		}
	}
	if v := evalMatrixRateLimitLogin(Input{Results: probes.Results{}}); v.Status != report.Skip || !strings.Contains(v.Summary, "--active") {
		t.Errorf("no --active: %s %q", v.Status, v.Summary)
	}
}

func TestMatrixLoginFlowsVerdict(t *testing.T) {
	ok := matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", Status: 200}}
	nf := matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", Status: 404}, ErrCode: "M_UNRECOGNIZED"}
	e := matrix.LoginEndpoint{Login: ok, Flows: []matrix.LoginFlow{{Type: "m.login.password"}, {Type: "m.login.sso", IdentityProviders: []string{"GitHub"}}}, AuthMetadata: nf}
	if v := loginFlowsVerdict(e); v.Status != report.Info || !strings.Contains(v.Summary, "m.login.sso (GitHub)") || !strings.Contains(v.Summary, "no OAuth 2.0") {
		t.Errorf("password+sso: %s %q", v.Status, v.Summary)
	}
	e = matrix.LoginEndpoint{Login: nf, AuthMetadata: ok, Issuer: "https://auth.example.org/"}
	if v := loginFlowsVerdict(e); v.Status != report.Info || !strings.Contains(v.Summary, "issuer https://auth.example.org/") {
		t.Errorf("oauth only: %s %q", v.Status, v.Summary)
	}
	if v := loginFlowsVerdict(matrix.LoginEndpoint{Login: matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", Error: "refused"}}}); v.Status != report.Error {
		t.Errorf("no answer: %s", v.Status)
	}
}
