package matrix

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

func TestParseUserID(t *testing.T) {
	for s, want := range map[string]string{"@alice:example.org": "example.org", "@a.b_c=d/e:example.org:8448": "example.org:8448", "@x:[::1]": "[::1]"} {
		if _, sn, err := ParseUserID(s); err != nil || sn.String() != want {
			t.Errorf("%s: %v %v", s, sn, err)
		}
	}
	for _, s := range []string{"alice:example.org", "@alice", "@:example.org", "@al ice:example.org", "@alice:https://x"} {
		if _, _, err := ParseUserID(s); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
}

func TestParseRoomVersions(t *testing.T) {
	rv, err := ParseRoomVersions([]byte(`{"capabilities":{"m.room_versions":{"default":"10","available":{"1":"stable","10":"stable","org.x":"unstable"}}}}`))
	if err != nil || rv.Default != "10" || rv.Available["org.x"] != "unstable" || len(rv.Available) != 3 {
		t.Fatalf("%+v %v", rv, err)
	}
	if rv, err := ParseRoomVersions([]byte(`{"capabilities":{}}`)); rv != nil || err != nil {
		t.Errorf("absent capability: %+v %v", rv, err)
	}
	for _, b := range []string{`[]`, `{}`, `{"capabilities":{"m.room_versions":[]}}`, `{"capabilities":{"m.room_versions":{"available":{}}}}`} {
		if _, err := ParseRoomVersions([]byte(b)); err == nil {
			t.Errorf("%s accepted", b)
		}
	}
	vs := []string{"11", "2", "org.b", "10", "1", "org.a"}
	SortRoomVersions(vs)
	if strings.Join(vs, ",") != "1,2,10,11,org.a,org.b" {
		t.Errorf("sorted %v", vs)
	}
}

func TestParseLoginFlows(t *testing.T) {
	fs := ParseLoginFlows([]byte(`{"flows":[{"type":"m.login.password"},{"type":"m.login.sso","identity_providers":[{"id":"gh","name":"GitHub"},{"id":"oidc"}]},{"type":"m.login.token"}]}`))
	if len(fs) != 3 || fs[1].Type != "m.login.sso" || strings.Join(fs[1].IdentityProviders, ",") != "GitHub,oidc" {
		t.Fatalf("%+v", fs)
	}
	if ParseLoginFlows([]byte(`not json`)) != nil {
		t.Error("garbage parsed")
	}
}

func TestPlainHTTPRefused(t *testing.T) {
	cases := map[[2]string]bool{
		{"https://matrix.example.org", "192.0.2.1:443"}: false,
		{"http://matrix.example.org", "192.0.2.1:80"}:   true,
		{"http://localhost:8008", "127.0.0.1:8008"}:     false,
		{"http://localhost:8008", "[::1]:8008"}:         false,
		{"ftp://x", "127.0.0.1:21"}:                     true,
	}
	for c, refused := range cases {
		if got := plainHTTPRefused(c[0], probes.Endpoint{Addr: c[1]}) != ""; got != refused {
			t.Errorf("%v: refused %v, want %v", c, got, refused)
		}
	}
}

// A homeserver that logs the account in, then fails /capabilities with an
// answer that echoes the password: imscore still logs out, and the password
// appears nowhere in the observation.
func TestAccountLogoutAfterFailureAndRedaction(t *testing.T) {
	const password = "correct horse battery staple 7f3a"
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "hs", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	hs := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: map[string]testenv.WellKnownFile{
		// GET and POST /login share the path: flows for the one, a session
		// for the other.
		"/_matrix/client/v3/login":        {Body: `{"flows":[{"type":"m.login.password"}],"access_token":"syt_secret_token","user_id":"@alice:example.test","device_id":"DEV1"}`},
		"/_matrix/client/v3/capabilities": {Status: 500, Body: `{"errcode":"M_UNKNOWN","error":"bad password ` + password + `"}`},
		"/_matrix/client/v3/logout":       {Body: `{}`},
	}})
	env := (&probes.Env{Roots: pki.Pool(), IOTimeout: 2 * time.Second, Scope: probes.Scope{Targets: []string{"127.0.0.1"}}}).Filled()
	ep := probes.Endpoint{Name: "example.test", Addr: hs.Addr, Via: "literal"}
	d := &DiscoveryData{ServerName: "example.test", CertName: "example.test", HostHeader: "example.test", Endpoints: []probes.Endpoint{ep}}
	in := probes.Results{Discovery.ID: {Probe: Discovery.ID, Status: probes.StatusOK, Data: d}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lo := loginFlowsProbe(ctx, env, in)
	if lo.Status != probes.StatusOK {
		t.Fatalf("login flows: %+v", lo)
	}
	in[LoginFlows.ID] = &lo
	cred := &probes.Credentials{Account: "@alice:example.test", Password: password}
	o := accountProbe(ctx, env, in, cred)
	ad := o.Data.(*AccountData)
	if len(ad.Endpoints) != 1 {
		t.Fatalf("%+v", o)
	}
	e := ad.Endpoints[0]
	if e.Capabilities == nil || e.Capabilities.Exchange.Status != 500 || e.Logout == nil || !e.LoggedOut {
		t.Fatalf("capabilities %+v logout %+v", e.Capabilities, e.Logout)
	}
	if n := hs.Count("/_matrix/client/v3/logout"); n != 1 {
		t.Errorf("%d logouts", n)
	}
	raw, _ := json.Marshal(o)
	for _, secret := range []string{password, "syt_secret_token"} {
		if strings.Contains(string(raw), secret) || strings.Contains(o.Reason, secret) {
			t.Errorf("%q leaked into the observation", secret)
		}
	}
	for _, ev := range o.Evidence {
		if strings.Contains(ev.Sent+ev.Received+ev.Detail, password) {
			t.Errorf("password in evidence %+v", ev)
		}
	}

	// A server claiming, in its keys document, to be the account's home is
	// still not the account's home: only the scanned name counts.
	before := len(hs.Requests())
	in[Keys.ID] = &probes.Observation{Probe: Keys.ID, Status: probes.StatusOK, Data: &KeysData{Endpoints: []EndpointKeys{{Keys: &ServerKeys{ServerName: "elsewhere.test"}}}}}
	o = accountProbe(ctx, env, in, &probes.Credentials{Account: "@alice:elsewhere.test", Password: password})
	if o.Status != probes.StatusError || !strings.Contains(o.Reason, "own server") || len(hs.Requests()) != before {
		t.Errorf("a server claiming another name got the password: %+v, %d requests", o, len(hs.Requests())-before)
	}
	delete(in, Keys.ID)

	// Another server's account: the password is not sent at all.
	before = len(hs.Requests())
	o = accountProbe(ctx, env, in, &probes.Credentials{Account: "@alice:elsewhere.test", Password: password})
	if o.Status != probes.StatusError || !strings.Contains(o.Reason, "own server") || len(hs.Requests()) != before {
		t.Errorf("foreign account: %+v, %d requests", o, len(hs.Requests())-before)
	}
}

// An OAuth 2.0-only server (MSC3861): no /login flows, metadata only on the
// unstable MSC2965 path; the account probe then does not send the password.
func TestLoginFlowsOAuthOnly(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "hs", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	hs := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: map[string]testenv.WellKnownFile{
		"/_matrix/client/v3/login":                                  {Status: 200, Body: `{"flows":[{"type":"m.login.sso","identity_providers":[{"id":"oidc-mas","name":"MAS"}]}]}`},
		"/_matrix/client/unstable/org.matrix.msc2965/auth_metadata": {Body: `{"issuer":"https://auth.example.test/","authorization_endpoint":"https://auth.example.test/authorize"}`},
	}})
	env := (&probes.Env{Roots: pki.Pool(), IOTimeout: 2 * time.Second, Scope: probes.Scope{Targets: []string{"127.0.0.1"}}}).Filled()
	ep := probes.Endpoint{Name: "example.test", Addr: hs.Addr, Via: "literal"}
	d := &DiscoveryData{ServerName: "example.test", CertName: "example.test", HostHeader: "example.test", Endpoints: []probes.Endpoint{ep}}
	in := probes.Results{Discovery.ID: {Probe: Discovery.ID, Status: probes.StatusOK, Data: d}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lo := loginFlowsProbe(ctx, env, in)
	ld, _ := lo.Data.(*LoginData)
	if lo.Status != probes.StatusOK || ld == nil || len(ld.Endpoints) != 1 {
		t.Fatalf("%+v", lo)
	}
	e := ld.Endpoints[0]
	if e.Issuer != "https://auth.example.test/" || e.AuthMetadata.Exchange.Status != 404 || e.AuthMetadataUnstable == nil || e.HasFlow("m.login.password") {
		t.Fatalf("%+v", e)
	}
	in[LoginFlows.ID] = &lo
	o := accountProbe(ctx, env, in, &probes.Credentials{Account: "@alice:example.test", Password: "pw-7f3a"})
	ad := o.Data.(*AccountData)
	if o.Status != probes.StatusError || ad.Endpoints[0].Refused == "" || ad.Endpoints[0].Login != nil || hs.Count("/_matrix/client/v3/login") != 1 {
		t.Fatalf("password sent to an SSO/OAuth-only server: %+v", o)
	}
}

func TestRedactValue(t *testing.T) {
	for in, want := range map[string]string{
		`{"accessToken":"syt_abcdef123"}`:   `{"accessToken":"[redacted]"}`,
		`{"access_token":"syt_abcdef`:       `{"access_token":"[redacted]`,
		`{"x":"syt_ab`:                      `{"x":"[redacted]`,
		`{"x":"sy`:                          `{"x":"sy`, // too short a prefix to mean anything
		`{"user_id":"@alice:example.test"}`: `{"user_id":"@alice:example.test"}`,
	} {
		if got := redactValue(in, "syt_abcdef123"); got != want {
			t.Errorf("redactValue(%q) = %q, want %q", in, got, want)
		}
	}
}
