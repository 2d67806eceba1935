package xmpp

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

// streamsAt is the c2s streams observation of one endpoint that showed
// features after TLS.
func streamsAt(addr string) probes.Results {
	return probes.Results{C2SStreams.ID: {Probe: C2SStreams.ID, Status: probes.StatusOK, Data: &StreamsData{
		Endpoints: []EndpointStreams{{Endpoint: probes.Endpoint{Addr: addr}, Status: probes.StatusOK, PostTLS: &Features{}}}}}}
}

// A scan cancelled while the server is still answering the registration
// (the account already exists) removes the account all the same: the
// removal runs on a context of its own.
func TestRegistrationProofCancelled(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	s := testenv.StartScriptedXMPP(t, testenv.ScriptedXMPPOptions{Cert: cert, Key: key, Registration: "open", RegisterDelay: 3 * time.Second,
		Mechanisms: []string{"SCRAM-SHA-256"}})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		for len(s.Passwords()) == 0 && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		cancel() // the scan is cancelled once the account exists
	}()
	obs := registrationProbe(ctx, scriptedEnv(t, pki), streamsAt(s.Addr), "example.test")
	p, _ := obs.Data.(*RegistrationProof)
	if p == nil || p.Outcome != RegAccepted || !p.Existed || !p.Gone {
		t.Fatalf("status %s (%s), proof %+v: want the account found, removed and gone", obs.Status, obs.Reason, p)
	}
	if len(p.Steps) < 2 || !p.Steps[1].NoAnswer {
		t.Errorf("the submission should have been cut short by the cancel: %+v", p.Steps)
	}
	if u := s.Users(); len(u) != 0 {
		t.Errorf("accounts left on the server: %v (log %v)", u, s.Log())
	}
}

// The real servers (Prosody, ejabberd) are in cmd/cli's tests; the
// scripted server does what they will not do on request: drop the
// connection right after creating the account.
func TestRegistrationProof(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	cases := []struct {
		name      string
		opts      testenv.ScriptedXMPPOptions
		outcome   string
		submitted bool
		existed   bool
	}{
		{"open", testenv.ScriptedXMPPOptions{Registration: "open"}, RegAccepted, true, true},
		{"form sent, refused at submission", testenv.ScriptedXMPPOptions{Registration: "closed"}, RegRefused, true, false},
		{"form refused", testenv.ScriptedXMPPOptions{}, RegRefused, false, false},
		{"connection dropped after the account was created", testenv.ScriptedXMPPOptions{Registration: "open", DropAfterRegister: true}, RegAccepted, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			o.Cert, o.Key = cert, key
			o.Mechanisms = []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}
			s := testenv.StartScriptedXMPP(t, o)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			obs := registrationProbe(ctx, scriptedEnv(t, pki), streamsAt(s.Addr), "example.test")
			p, _ := obs.Data.(*RegistrationProof)
			if obs.Status != probes.StatusOK || p == nil {
				t.Fatalf("status %s (%s)", obs.Status, obs.Reason)
			}
			if p.Outcome != c.outcome || (p.NotSubmitted == "") != c.submitted || p.Existed != c.existed {
				t.Errorf("proof %+v, want outcome %s, submitted %v, existed %v", p, c.outcome, c.submitted, c.existed)
			}
			if c.existed && (!p.Gone || p.LeftBehind != "") {
				t.Errorf("the account was not checked gone: %+v", p)
			}
			if u := s.Users(); len(u) != 0 {
				t.Errorf("accounts left on the server: %v (log %v)", u, s.Log())
			}
			// The password was sent (and echoed nowhere): never in the data
			// or the evidence.
			b, _ := json.Marshal(obs)
			if c.submitted && !strings.Contains(string(b), "[redacted]") {
				t.Errorf("the submission is not in the evidence, redacted: %s", b)
			}
			for _, pw := range s.Passwords() {
				if len(pw) < 32 || strings.Contains(string(b), pw) {
					t.Errorf("weak password %q, or in the output: %s", pw, b)
				}
			}
			if c.existed && len(s.Passwords()) != 1 {
				t.Errorf("%d registrations, want exactly one", len(s.Passwords()))
			}
		})
	}
}
