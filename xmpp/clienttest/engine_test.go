package clienttest

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/xmpp"
)

// shortTimings makes the after-login part quick for engine tests.
func shortTimings(t *testing.T) {
	t.Helper()
	ia, ow, li, eg := injectAfter, observeWindow, linger, exitGrace
	injectAfter, observeWindow, linger, exitGrace = 100*time.Millisecond, 400*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond
	t.Cleanup(func() { injectAfter, observeWindow, linger, exitGrace = ia, ow, li, eg })
}

// newTester starts a tester on a free loopback port (tests listen on
// 127.0.0.1 only).
func newTester(t *testing.T, ids []string, exec string, timeout time.Duration) *Tester {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sel, err := Select(ids)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := New(Config{Domain: "test.example", Listener: l, Scenarios: sel, ScenarioTimeout: timeout, Exec: exec, Dir: t.TempDir()})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	return tt
}

// runOwnClient plays the scenarios against imscore's own careful client
// (xmpp.Login), one login per scenario, keeping each session open until
// the tester has done its after-login part.
func runOwnClient(t *testing.T, ids []string) probes.Results {
	t.Helper()
	shortTimings(t)
	tt := newTester(t, ids, "", 4*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	done := make(chan probes.Results, 1)
	go func() { done <- tt.Run(ctx) }()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(tt.CAPEM())
	env := (&probes.Env{Roots: pool, IOTimeout: 3 * time.Second, Scope: probes.Scope{Targets: []string{tt.Host()}}}).Filled()
	ep := probes.Endpoint{Name: "test.example", Addr: net.JoinHostPort(tt.Host(), tt.Port()), Via: "literal"}
	creds := &probes.Credentials{Account: tt.JID(), Password: tt.Password()}
	for range tt.Scenarios() {
		c, err := xmpp.Login(ctx, env, ep, "test.example", false, creds)
		if err != nil {
			t.Logf("login: %v", err)
			continue
		}
		time.Sleep(injectAfter + observeWindow + 300*time.Millisecond)
		c.Close(ctx)
	}
	select {
	case res := <-done:
		return res
	case <-time.After(time.Minute):
		t.Fatal("the tester did not finish")
	}
	return nil
}

func firstSession(t *testing.T, res probes.Results, id string) *Session {
	t.Helper()
	r, ok := Key(id).OK(res)
	if !ok || len(r.Sessions) == 0 {
		t.Fatalf("%s: no session (%+v)", id, res[ProbeID(id)])
	}
	return r.Sessions[0]
}

// imscore's own client (xmpp.Login: TLS verified, SCRAM-PLUS first, the
// server signature checked, restricted XML, bounded reads) against every
// scenario: what the engine records must be what that client is known to
// do.
func TestEngineAgainstImscoreClient(t *testing.T) {
	res := runOwnClient(t, nil)
	if len(res) != len(Scenarios) {
		t.Fatalf("%d observations for %d scenarios", len(res), len(Scenarios))
	}
	login := firstSession(t, res, "login")
	if login.Bound == "" || len(login.Auths) == 0 || login.Auths[0].Mechanism != "SCRAM-SHA-256" || !login.Auths[0].Valid {
		t.Fatalf("login: %+v %+v", login, login.Auths)
	}
	if login.TLS == nil || login.TLS.Hello == nil || login.TLS.Hello.SNI != "test.example" {
		t.Fatalf("login TLS: %+v", login.TLS)
	}
	plus := firstSession(t, res, "sasl-plus")
	if a := plus.Auths[0]; a.Mechanism != "SCRAM-SHA-256-PLUS" || a.CBType != "tls-exporter" || !a.CBValid || a.Outcome != "success" {
		t.Fatalf("sasl-plus: %+v", a)
	}
	for _, id := range []string{"starttls-stripped", "starttls-failure", "cert-unknown-ca", "cert-self-signed", "cert-wrong-name", "cert-expired", "cert-not-yet-valid"} {
		s := firstSession(t, res, id)
		for _, a := range s.Auths {
			if a.CredentialsSent {
				t.Errorf("%s: imscore's client sent credentials: %+v", id, a)
			}
		}
		if s.EndBy == EndDeadline {
			t.Errorf("%s: imscore's client did not hang up: %s", id, s.End)
		}
	}
	// imscore's scanner negotiates down to TLS 1.0 (it grades old servers
	// too) and logs in there as well: the engine must record exactly that.
	if s := firstSession(t, res, "tls-legacy"); s.TLS == nil || s.TLS.Version != "TLS 1.1" || s.Bound == "" {
		t.Errorf("tls-legacy: %+v", s.TLS)
	}
	if s := firstSession(t, res, "cert-xmpp-ids"); s.Bound == "" {
		t.Errorf("cert-xmpp-ids: imscore's client (SRV-ID and XmppAddr aware) did not log in: %s", s.End)
	}
	if s := firstSession(t, res, "starttls-injection"); len(s.ElementsBeforeFeatures) > 0 || s.Bound == "" {
		t.Errorf("starttls-injection: %+v", s)
	}
	for _, id := range []string{"scram-wrong-signature", "scram-no-signature"} {
		if s := firstSession(t, res, id); s.RestartedAfterSuccess || len(s.Auths) == 0 || s.Auths[0].Outcome != "success" {
			t.Errorf("%s: restarted %v, auths %+v", id, s.RestartedAfterSuccess, s.Auths)
		}
	}
	if s := firstSession(t, res, "scram-iterations"); len(s.Auths) == 0 || s.Auths[0].CredentialsSent || s.Auths[0].Iterations != hugeIterations {
		t.Errorf("scram-iterations: %+v", s.Auths)
	}
	for _, id := range []string{"xml-entity-bomb", "xml-oversized"} {
		if s := firstSession(t, res, id); s.StartTLS || s.EndBy == EndDeadline || !s.Header || !s.HostileSent {
			t.Errorf("%s: %s (starttls %v, header %v, payload sent %v)", id, s.End, s.StartTLS, s.Header, s.HostileSent)
		}
	}
	for _, id := range []string{"carbon-forged", "mam-forged"} {
		if s := firstSession(t, res, id); len(s.Injected) == 0 || len(s.Reactions) > 0 {
			t.Errorf("%s: injected %v, reactions %v", id, s.Injected, s.Reactions)
		}
	}
	// The password is in no observation, not even base64-encoded.
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "tester\\u0000") {
		t.Error("a PLAIN message is in the observations")
	}
}
