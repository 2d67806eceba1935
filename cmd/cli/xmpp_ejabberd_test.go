package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

// TestRealEjabberdXMPP: Debian's ejabberd 23.01 in a good, a bad and a
// CAPTCHA-registration configuration.
func TestRealEjabberdXMPP(t *testing.T) {
	testenv.Need(t, "ejabberdctl")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, true)

	cases := []struct {
		name  string
		opts  testenv.EjabberdOptions
		want  expect
		grade string
	}{
		{"good: TLS required, TLS 1.2+, SCRAM-SHA-256, registration closed, direct TLS",
			testenv.EjabberdOptions{RequireTLS: true, S2SRequireTLS: true, DirectTLS: true,
				TLSProtocolOptions: ejabberdTLSOptions, Ciphers: ejabberdCiphers,
				PasswordFormat: "scram", SCRAMHash: "sha256"},
			base().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", P,
				"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P,
				"xmpp.s2s.authentication", P, // no mod_s2s_dialback: SASL EXTERNAL only
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", P,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", P),
			"A+"}, // four warns (channel binding, no SASL2, no FAST, -PLUS without a list): score 95
		{"bad: defaults, TLS optional, open registration",
			testenv.EjabberdOptions{OpenRegistration: true},
			base().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
				"xmpp.c2s.starttls-required", F, "xmpp.s2s.starttls-required", F,
				"xmpp.s2s.authentication", P, // EXTERNAL only (needs TLS), no dialback
				"xmpp.c2s.no-auth-before-tls", F, // PLAIN before TLS: cap F
				"xmpp.c2s.sasl-scram", P, // plaintext storage: every SCRAM variant
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", F, // advertised before TLS
				"tls.cipher.no-weak", W), // CBC suites by default
			"F"},
		{"registration open behind CAPTCHA, loopback only; s2s dialback",
			testenv.EjabberdOptions{RequireTLS: true, S2SRequireTLS: true,
				TLSProtocolOptions: ejabberdTLSOptions, Ciphers: ejabberdCiphers,
				PasswordFormat: "scram", SCRAMHash: "sha256",
				OpenRegistration: true, CAPTCHA: true, IPAccess: "trusted_network",
				ExtraModules: "  mod_s2s_dialback: {}"},
			base().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
				"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P, "xmpp.s2s.authentication", W,
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", P,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", I), // a CAPTCHA form: offered, not proven
			"A+"}, // five warns still score 96
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			o.Domain, o.Cert, o.Key = "example.test", cert, key
			x := testenv.StartEjabberd(t, o)
			if o.CAPTCHA {
				// The form request must not have created anything.
				defer func() {
					if out := testenv.EjabberdCtl(t, x, "registered_users", "example.test"); strings.TrimSpace(out) != "" {
						t.Errorf("accounts after the scan: %q", out)
					}
				}()
			}
			t.Logf("ejabberd started in %s", x.StartupTime.Round(time.Millisecond))
			d := testenv.StartDNS(t, xmppZone(x), true)
			start := time.Now()
			code, r, stderr := scanXMPP(t, "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile)
			t.Logf("scan took %s", time.Since(start).Round(time.Millisecond))
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkAll(t, r, anonymous(ejabberdAuth(c.want)), c.grade)
			checkDirectTLSGraded(t, r, x.DirectTLSAddr)
			if t.Failed() {
				for _, f := range r.Findings {
					t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
				}
				for _, f := range r.Findings {
					if f.Criterion == "xmpp.registration.open" || f.Criterion == "xmpp.dns.direct-tls" {
						for _, e := range f.Evidence {
							t.Logf("evidence %+v", e)
						}
					}
				}
			}
		})
	}
}

// TestRealEjabberdNoTLS: a server that offers no TLS at all (no STARTTLS on
// c2s or s2s; PLAIN before TLS) grades F, not "?": the measured failure of
// xmpp.c2s.starttls-required caps at F, and the TLS criteria say there is
// no TLS instead of "could not be measured".
func TestRealEjabberdNoTLS(t *testing.T) {
	testenv.Need(t, "ejabberdctl")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, true)
	x := testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: "example.test", Cert: cert, Key: key, NoTLS: true})
	d := testenv.StartDNS(t, xmppZone(x), true)
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile)
	if code != ExitOK || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if r.Grade != "F" {
		t.Errorf("grade %s (score %d, caps %+v), want F", r.Grade, r.Score, r.Caps)
	}
	if f := finding(r, "xmpp.c2s.starttls-required"); f == nil || f.Status != report.Fail {
		t.Errorf("xmpp.c2s.starttls-required: %+v", f)
	}
	for _, f := range r.Findings {
		if !strings.HasPrefix(f.Criterion, "tls.") {
			continue
		}
		if f.Status != report.Skip || !strings.Contains(f.Summary, "no TLS offered") {
			t.Errorf("%s: %s %q, want skip saying no TLS is offered", f.Criterion, f.Status, f.Summary)
		}
	}
	if t.Failed() {
		for _, f := range r.Findings {
			t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
		}
	}
}
