package cli

// Authentication hardening (xmpp.c2s.sasl2, xmpp.c2s.fast,
// xmpp.c2s.channel-binding-types, xmpp.c2s.scram-downgrade-protection):
// Debian's Prosody 0.12 and ejabberd 23.01 show the negative cases in the
// real-server tests (prosodyAuth, ejabberdAuth); a scripted server shows
// the positive ones, which those versions cannot.

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

// prosodyAuth adds what Debian's Prosody 0.12 shows without an account: no
// SASL2 (so no Bind2, no FAST) and neither -PLUS nor a XEP-0440 list over
// TLS 1.3 (nothing to check: xmpp.c2s.channel-binding warns).
func prosodyAuth(e expect) expect {
	return e.with("xmpp.c2s.sasl2", W, "xmpp.c2s.fast", W, "xmpp.c2s.channel-binding-types", S)
}

// ejabberdAuth: Debian's ejabberd 23.01 has no SASL2 either and offers
// SCRAM-SHA-*-PLUS over TLS 1.3 without a XEP-0440 list.
func ejabberdAuth(e expect) expect {
	return e.with("xmpp.c2s.sasl2", W, "xmpp.c2s.fast", W, "xmpp.c2s.channel-binding-types", W)
}

// scriptedZone publishes the scripted server as example.test's client
// service and no server-to-server service (target ".").
func scriptedZone(addr string) string {
	_, port, _ := strings.Cut(addr, ":")
	return "_xmpp-client._tcp.example.test. 60 IN SRV 5 0 " + port + " xmpp.example.test.\n" +
		"_xmpp-server._tcp.example.test. 60 IN SRV 0 0 0 .\nxmpp.example.test. 60 IN A 127.0.0.1\nexample.test. 60 IN A 127.0.0.1\n"
}

func TestScriptedAuthHardening(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	const pw = "scripted-account-pw-7"
	modern := testenv.ScriptedXMPPOptions{Cert: cert, Key: key, Users: map[string]string{"alice": pw},
		Mechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}, ChannelBindings: []string{"tls-exporter", "tls-server-end-point"},
		ExtraFeatures: "<authentication xmlns='urn:xmpp:sasl:2'><mechanism>SCRAM-SHA-256-PLUS</mechanism><mechanism>SCRAM-SHA-256</mechanism>" +
			"<inline><bind xmlns='urn:xmpp:bind:0'/><fast xmlns='urn:xmpp:fast:0'><mechanism>HT-SHA-256-EXPR</mechanism><mechanism>HT-SHA-256-NONE</mechanism></fast></inline></authentication>",
		SSDP: "h", TDP: true}
	cases := []struct {
		name string
		mod  func(o *testenv.ScriptedXMPPOptions)
		want expect
		has  map[string]string
	}{
		{"SASL2, Bind2, FAST, XEP-0440, XEP-0474 and XEP-0515", func(o *testenv.ScriptedXMPPOptions) {}, expect{
			"xmpp.c2s.sasl2": P, "xmpp.c2s.fast": P, "xmpp.c2s.channel-binding-types": P, "xmpp.c2s.scram-downgrade-protection": P,
		}, map[string]string{"xmpp.c2s.scram-downgrade-protection": "t=0304 matches"}},
		{"tls-unique advertised on TLS 1.3, hash over another list", func(o *testenv.ScriptedXMPPOptions) {
			o.ChannelBindings = []string{"tls-unique", "tls-server-end-point"}
			o.SSDPMechanisms = []string{"SCRAM-SHA-256"} // what a stripped list would hash to
		}, expect{
			"xmpp.c2s.channel-binding-types": F, "xmpp.c2s.scram-downgrade-protection": F,
		}, map[string]string{"xmpp.c2s.channel-binding-types": "not defined", "xmpp.c2s.scram-downgrade-protection": "aborted the login"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := modern
			c.mod(&o)
			s := testenv.StartScriptedXMPP(t, o)
			d := testenv.StartDNS(t, scriptedZone(s.Addr), true)
			code, r, stderr := scanXMPP(t, "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile,
				"--account", "alice@example.test", "--password-file", passwordFile(t, pw))
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := statuses(r)
			for id, st := range c.want {
				if got[id] != st {
					t.Errorf("%s: %s (%s), want %s", id, got[id], summaryOf(r, id), st)
				}
			}
			for id, sub := range c.has {
				if !strings.Contains(summaryOf(r, id), sub) {
					t.Errorf("%s: %q lacks %q", id, summaryOf(r, id), sub)
				}
			}
			if f := finding(r, "xmpp.c2s.scram-downgrade-protection"); f == nil || len(f.Evidence) == 0 || f.Status == report.Skip {
				t.Errorf("no evidence of the server-first attributes: %+v", f)
			}
		})
	}
}

// With --account, Debian's servers show the logged-in negatives: no
// XEP-0474 hash in the SCRAM server-first message, and a disclosed version
// that is affected upstream by advisories — which Debian's packages may
// have fixed (Prosody 0.12.3-1+deb12u1 carries CVE-2026-43506/43507's fix),
// so a warning naming the caveat, never a failure.
func TestRealAuthHardeningLoggedIn(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	cases := []struct {
		name  string
		start func(t *testing.T) *testenv.Server
		want  expect
		has   map[string][]string
	}{
		{"Prosody 0.12", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "prosody")
			x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, Modules: []string{"version"}})
			prosodyAccount(t, x, "alice", testPassword)
			return x
		}, prosodyAuth(expect{"xmpp.c2s.scram-downgrade-protection": W, "software.advisories": W}), map[string][]string{
			"xmpp.c2s.scram-downgrade-protection": {"SCRAM-SHA-1 server-first message carries no XEP-0474 hash"},
			"software.advisories":                 {"Prosody 0.12.3", "CVE-2026-43506 (medium, fixed in 0.12.6)", "distribution builds may carry the fix", "advisory table reviewed"},
		}},
		{"ejabberd 23.01", func(t *testing.T) *testenv.Server {
			testenv.Need(t, "ejabberdctl")
			x := testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true,
				PasswordFormat: "scram", SCRAMHash: "sha256", ExtraModules: "  mod_version: {}"})
			testenv.EjabberdCtl(t, x, "register", "alice", "example.test", testPassword)
			return x
		}, ejabberdAuth(expect{"xmpp.c2s.scram-downgrade-protection": W, "software.advisories": W}), map[string][]string{
			"xmpp.c2s.scram-downgrade-protection": {"no XEP-0474 hash"},
			"software.advisories":                 {"ejabberd 23.01-1", "ejabberd-26.07-security-release", "names a distribution build"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := c.start(t)
			d := testenv.StartDNS(t, xmppZone(x), true)
			code, r, stderr := scanXMPP(t, "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile,
				"--account", "alice@example.test", "--password-file", passwordFile(t, testPassword))
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := statuses(r)
			for id, st := range c.want {
				if got[id] != st {
					t.Errorf("%s: %s (%s), want %s", id, got[id], summaryOf(r, id), st)
				}
			}
			for id, subs := range c.has {
				for _, sub := range subs {
					if !strings.Contains(summaryOf(r, id), sub) {
						t.Errorf("%s: %q lacks %q", id, summaryOf(r, id), sub)
					}
				}
			}
		})
	}
}
