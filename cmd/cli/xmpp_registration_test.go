package cli

// Real-server tests of `imscore scan xmpp --active`: the registration
// proof against Prosody and ejabberd, open and closed — ejabberd with an
// access rule that denies still advertises registration and sends the
// form, which without --active is only "form offered, not proven". After
// each scan the test checks on its own (the server's account store,
// ejabberdctl) that no account is left behind.

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// prosodyAccounts lists the accounts of example.test in a Prosody started
// by testenv (internal storage: data/example%2etest/accounts/USER.dat).
func prosodyAccounts(t *testing.T, x *testenv.Server) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(x.Dir, "data", "example%2etest", "accounts", "*.dat"))
	var out []string
	for _, f := range files {
		out = append(out, strings.TrimSuffix(filepath.Base(f), ".dat"))
	}
	return out
}

func ejabberdAccounts(t *testing.T, x *testenv.Server) []string {
	t.Helper()
	return strings.Fields(testenv.EjabberdCtl(t, x, "registered_users", "example.test"))
}

// registrationFinding runs the scan and returns xmpp.registration.open.
func registrationFinding(t *testing.T, dns, ca string, extra ...string) (*report.Report, *report.Finding) {
	t.Helper()
	args := append([]string{"example.test", "--resolver", dns, "--ca-file", ca}, extra...)
	code, r, stderr := scanXMPP(t, args...)
	if code != ExitOK || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f := finding(r, "xmpp.registration.open")
	if f == nil {
		t.Fatal("no xmpp.registration.open finding")
	}
	return r, f
}

func TestRealRegistrationProof(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	type verdict struct {
		status report.Status
		has    string
	}
	cases := []struct {
		name      string
		start     func(t *testing.T) *testenv.Server
		accounts  func(t *testing.T, x *testenv.Server) []string
		anonymous verdict
		active    verdict
	}{
		{"Prosody, registration open", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "prosody")
			return testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, OpenRegistration: true})
		}, prosodyAccounts, verdict{I, "not proven"}, verdict{F, "checked it is gone"}},
		{"Prosody, registration closed", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "prosody")
			return testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true})
		}, prosodyAccounts, verdict{P, "<service-unavailable/>"}, verdict{P, "nothing to submit"}},
		{"ejabberd, registration open", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "ejabberdctl")
			return testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
				PasswordFormat: "scram", SCRAMHash: "sha256", OpenRegistration: true})
		}, ejabberdAccounts, verdict{I, "not proven"}, verdict{F, "checked it is gone"}},
		{"ejabberd, mod_register with an access rule that denies", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "ejabberdctl")
			return testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
				PasswordFormat: "scram", SCRAMHash: "sha256", DenyRegistration: true})
		}, ejabberdAccounts, verdict{I, "not proven"}, verdict{P, "refused it with <"}},
		{"ejabberd, access: none", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "ejabberdctl")
			return testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
				PasswordFormat: "scram", SCRAMHash: "sha256"})
		}, ejabberdAccounts, verdict{P, "not advertised"}, verdict{P, "refused it with <"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.start(t)
			d := testenv.StartDNS(t, xmppZone(x), true)
			before := c.accounts(t, x)
			_, f := registrationFinding(t, d.Addr, pki.CAFile)
			if f.Status != c.anonymous.status || !strings.Contains(f.Summary, c.anonymous.has) {
				t.Errorf("without --active: %s %q, want %s containing %q", f.Status, f.Summary, c.anonymous.status, c.anonymous.has)
			}
			start := time.Now()
			r, f := registrationFinding(t, d.Addr, pki.CAFile, "--active")
			t.Logf("--active scan took %s: %s", time.Since(start).Round(time.Millisecond), f.Summary)
			if f.Status != c.active.status || !strings.Contains(f.Summary, c.active.has) {
				t.Errorf("with --active: %s %q, want %s containing %q", f.Status, f.Summary, c.active.status, c.active.has)
				for _, e := range f.Evidence {
					t.Logf("evidence %+v", e)
				}
			}
			if f.Status == F && len(f.Remediation) == 0 {
				t.Error("a failed registration proof without a fix")
			}
			// Checked on the server's side: nothing left behind.
			if after := c.accounts(t, x); len(after) != len(before) {
				t.Errorf("accounts before the scan %v, after %v", before, after)
			}
			// The password imscore chose never appears: the submission is
			// shown redacted.
			for _, e := range f.Evidence {
				if strings.Contains(e.Sent, "<password>") && !strings.Contains(e.Sent, "<password>[redacted]</password>") {
					t.Errorf("a password in the evidence: %q", e.Sent)
				}
			}
			checkProofObservation(t, r, c.active.status == F)
		})
	}
}

// checkProofObservation: the proof's data says what happened, consistently.
func checkProofObservation(t *testing.T, r *report.Report, created bool) {
	t.Helper()
	for _, o := range r.Observations {
		if o.Probe != xmpp.ActiveRegistration.ID {
			continue
		}
		raw, _ := json.Marshal(o.Data)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		if created && (m["existed"] != true || m["gone"] != true || m["removed"] != true) {
			t.Errorf("proof data %v: want existed, removed and gone", m)
		}
		return
	}
	t.Error("no xmpp.registration.proof observation in the report")
}

// A scan that fails half-way still removes what it created: the scripted
// server creates the account and drops the connection without answering,
// as no real server does on request. The password appears in no output.
func TestRegistrationProofHalfWay(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	s := testenv.StartScriptedXMPP(t, testenv.ScriptedXMPPOptions{Cert: cert, Key: key, Registration: "open", DropAfterRegister: true,
		Mechanisms: []string{"SCRAM-SHA-256"}})
	_, port, _ := strings.Cut(s.Addr, ":")
	d := testenv.StartDNS(t, "_xmpp-client._tcp.example.test. 60 IN SRV 5 0 "+port+" xmpp.example.test.\n"+
		"_xmpp-server._tcp.example.test. 60 IN SRV 0 0 0 .\nxmpp.example.test. 60 IN A 127.0.0.1\nexample.test. 60 IN A 127.0.0.1\n", true)
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"scan", "xmpp", "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile, "--active", "-o", out, "--format", "json"}, &stdout, &stderr)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, _ := os.ReadFile(out)
	var table bytes.Buffer
	if Main(context.Background(), []string{"render", out, "--format", "table"}, &table, &stderr) != ExitOK || table.Len() == 0 {
		t.Fatalf("render: %s", stderr.String())
	}
	if u := s.Users(); len(u) != 0 {
		t.Errorf("accounts left on the server: %v (log %v)", u, s.Log())
	}
	pws := s.Passwords()
	if len(pws) != 1 {
		t.Fatalf("%d registrations, want 1 (log %v)", len(pws), s.Log())
	}
	for _, o := range []string{string(raw), stdout.String(), stderr.String(), table.String()} {
		if strings.Contains(o, pws[0]) {
			t.Errorf("the password appears in the output")
		}
	}
	if !strings.Contains(string(raw), "checked it is gone") || !strings.Contains(strings.Join(s.Log(), "\n"), "removed imscore-") {
		t.Errorf("the account was not removed and checked gone: log %v\n%s", s.Log(), raw)
	}
}
