package criteria

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

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
	res := probes.Results{matrix.Account.ID: {Probe: matrix.Account.ID, Status: probes.StatusError, Reason: "login failed",
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

func matrixAccountCases(t *testing.T) []evalCase {
	ep := probes.Endpoint{Addr: "192.0.2.1:443"}
	ok := matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", URL: "https://x/", Status: 200}}
	account := func(rv *matrix.RoomVersions) probes.Results {
		login := matrix.Attempt{Exchange: matrix.Exchange{Method: "POST", URL: "https://x/_matrix/client/v3/login", Status: 200}}
		return probes.Results{matrix.Account.ID: {Probe: matrix.Account.ID, Status: probes.StatusOK,
			Data: &matrix.AccountData{Endpoints: []matrix.AccountEndpoint{{Endpoint: ep, Login: &login, Capabilities: &ok, RoomVersions: rv}}}}}
	}
	stable := map[string]string{"10": "stable", "11": "stable", "12": "stable"}
	logins := func(e matrix.LoginEndpoint) probes.Results {
		e.Endpoint = ep
		return probes.Results{matrix.LoginFlows.ID: {Probe: matrix.LoginFlows.ID, Status: probes.StatusOK, Data: &matrix.LoginData{Endpoints: []matrix.LoginEndpoint{e}}}}
	}
	rate := func(one, news matrix.RateLimitPhase) probes.Results {
		return probes.Results{matrix.RateLimit.ID: {Probe: matrix.RateLimit.ID, Status: probes.StatusOK,
			Data: &matrix.RateLimitData{User: "@imscore-test:x", Endpoints: []matrix.RateLimitEndpoint{{Endpoint: ep, OneConnection: one, NewConns: news}}}}}
	}
	ph := func(budget, sent int, st map[int]int, after, limit int) matrix.RateLimitPhase {
		sample := matrix.Attempt{Exchange: matrix.Exchange{Method: "POST", URL: "https://x/_matrix/client/v3/login", Status: 403}, ErrCode: "M_FORBIDDEN"}
		return matrix.RateLimitPhase{Budget: budget, Sent: sent, Statuses: st, LimitedAfter: after, LimitStatus: limit, Samples: []matrix.Attempt{sample}}
	}
	return []evalCase{
		{ID: "matrix.room-versions.default", Name: "v12", Res: account(&matrix.RoomVersions{Default: "12", Available: stable}), Want: report.Pass},
		{ID: "matrix.room-versions.default", Name: "v10 without v12", Res: account(&matrix.RoomVersions{Default: "10", Available: map[string]string{"10": "stable"}}), Want: report.Warn},
		{ID: "matrix.room-versions.default", Name: "no account", Res: probes.Results{}, Want: report.Skip, Has: "needs --account"},
		{ID: "matrix.login.flows", Name: "password", Res: logins(matrix.LoginEndpoint{Login: ok, Flows: []matrix.LoginFlow{{Type: "m.login.password"}}, AuthMetadata: matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", Status: 404}}}), Want: report.Info, Has: "m.login.password"},
		{ID: "matrix.login.flows", Name: "no answer", Res: logins(matrix.LoginEndpoint{Login: matrix.Attempt{Exchange: matrix.Exchange{Method: "GET", Error: "refused"}}}), Want: report.Error},
		{ID: "matrix.ratelimit.login", Name: "per address", Res: rate(ph(12, 5, map[int]int{403: 4, 429: 1}, 4, 429), ph(18, 1, map[int]int{429: 1}, 0, 429)), Want: report.Pass},
		{ID: "matrix.ratelimit.login", Name: "per connection", Res: rate(ph(12, 6, map[int]int{403: 5, 429: 1}, 5, 429), ph(18, 18, map[int]int{403: 18}, 0, 0)), Want: report.Fail},
		{ID: "matrix.ratelimit.login", Name: "not active", Res: probes.Results{}, Want: report.Skip, Has: "--active"},
	}
}
