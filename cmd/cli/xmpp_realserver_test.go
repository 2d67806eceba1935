package cli

// Real-server tests of `imscore scan xmpp`: Prosody on loopback in a good
// and a bad configuration, its SRV and A records served by our own DNS
// server (the SRV records carry the test ports, so no --connect is needed).
// Each asserts the exact status of every xmpp.* and tls.* criterion and the
// grade.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

// scanXMPP runs `imscore scan xmpp` in-process and returns the exit code,
// the parsed report (nil when none was written) and stderr.
func scanXMPP(t *testing.T, args ...string) (int, *report.Report, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	var stdout, stderr bytes.Buffer
	all := append([]string{"scan", "xmpp"}, args...)
	all = append(all, "--format", "json", "-o", out)
	code := Main(context.Background(), all, &stdout, &stderr)
	raw, err := os.ReadFile(out)
	if err != nil {
		return code, nil, stderr.String()
	}
	validateSchema(t, raw)
	rep, err := report.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("report unreadable: %v", err)
	}
	return code, rep, stderr.String()
}

// checkAll asserts the status of every criterion of the report (xmpp.* and
// tls.*) and the grade.
func checkAll(t *testing.T, r *report.Report, want expect, grade string) {
	t.Helper()
	got := statuses(r)
	var bad []string
	for id, st := range want {
		if got[id] != st {
			summary := ""
			for _, f := range r.Findings {
				if f.Criterion == id {
					summary = f.Summary
				}
			}
			bad = append(bad, fmt.Sprintf("%s: got %q (%s), want %q", id, got[id], summary, st))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			bad = append(bad, "unexpected criterion "+id)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("verdicts:\n  %s", strings.Join(bad, "\n  "))
	}
	if r.Grade != grade {
		t.Errorf("grade %s (score %d, caps %+v), want %s", r.Grade, r.Score, r.Caps, grade)
	}
	for _, f := range r.Findings {
		if (f.Status == report.Fail || f.Status == report.Warn) && (len(f.Evidence) == 0 || f.Remediation["general"] == "") {
			t.Errorf("%s is %s without evidence or fix", f.Criterion, f.Status)
		}
		if strings.HasPrefix(f.Criterion, "xmpp.") && f.Status != report.Skip && len(f.Evidence) == 0 {
			t.Errorf("%s (%s) cites no evidence", f.Criterion, f.Status)
		}
	}
}

// xmppZone serves example.test's SRV records with the Prosody ports.
func xmppZone(x *testenv.Server) string {
	_, c2s, _ := net.SplitHostPort(x.Addr)
	_, s2s, _ := net.SplitHostPort(x.S2SAddr)
	z := fmt.Sprintf(`_xmpp-client._tcp.example.test. 60 IN SRV 5 0 %s xmpp.example.test.
_xmpp-server._tcp.example.test. 60 IN SRV 5 0 %s xmpp.example.test.
xmpp.example.test. 60 IN A 127.0.0.1
example.test. 60 IN A 127.0.0.1
`, c2s, s2s)
	if x.DirectTLSAddr != "" {
		_, d, _ := net.SplitHostPort(x.DirectTLSAddr)
		z += fmt.Sprintf("_xmpps-client._tcp.example.test. 60 IN SRV 5 0 %s xmpp.example.test.\n", d)
	}
	return z
}

// prosodyTLS is what Prosody 0.12 (Mozilla intermediate profile, OpenSSL
// 3.0, our test CA) gets on c2s and s2s alike.
func prosodyTLS() expect { return base() }

func TestRealProsodyXMPP(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test", "xmpp.example.test"},
		XMPPAddrs: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})

	cases := []struct {
		name  string
		opts  testenv.ProsodyOptions
		want  expect
		grade string
	}{
		{"good: encryption required, registration closed, direct TLS",
			testenv.ProsodyOptions{RequireTLS: true, S2SRequireTLS: true, DirectTLS: true},
			prosodyTLS().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", P,
				"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P,
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", W, // Prosody 0.12: SCRAM-SHA-1 only
				"xmpp.c2s.channel-binding", W, // tls-unique only, none on TLS 1.3
				"xmpp.registration.open", P),
			"A+"}, // two warns still score 96
		{"bad: no encryption required, open registration",
			testenv.ProsodyOptions{RequireTLS: false, S2SRequireTLS: false, OpenRegistration: true},
			prosodyTLS().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
				"xmpp.c2s.starttls-required", F, "xmpp.s2s.starttls-required", F,
				"xmpp.c2s.no-auth-before-tls", F, // SCRAM-SHA-1 before TLS (PLAIN hidden by Prosody)
				"xmpp.c2s.sasl-scram", W,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", F), // offered before TLS
			"C"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			o.Domain, o.Cert, o.Key = "example.test", cert, key
			x := testenv.StartProsody(t, o)
			d := testenv.StartDNS(t, xmppZone(x), true)
			start := time.Now()
			code, r, stderr := scanXMPP(t, "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile)
			t.Logf("scan took %s", time.Since(start).Round(time.Millisecond))
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkAll(t, r, c.want, c.grade)
			if t.Failed() {
				for _, f := range r.Findings {
					t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
				}
				for _, f := range r.Findings {
					if f.Criterion == "xmpp.c2s.starttls-required" {
						for _, e := range f.Evidence {
							t.Logf("evidence %+v", e)
						}
					}
				}
			}
		})
	}
}

// TestXMPPCannotScan: each ends in bounded time with exit 3 and one line.
func TestXMPPCannotScan(t *testing.T) {
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, p, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		return p
	}()
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, silentPort, _ := net.SplitHostPort(silent.Addr().String())
	d := testenv.StartDNS(t, fmt.Sprintf(`_xmpp-client._tcp.refused.test. 60 IN SRV 0 0 %s xmpp.refused.test.
xmpp.refused.test. 60 IN A 127.0.0.1
_xmpp-client._tcp.silent.test. 60 IN SRV 0 0 %s xmpp.silent.test.
xmpp.silent.test. 60 IN A 127.0.0.1
_xmpp-client._tcp.off.test. 60 IN SRV 0 0 0 .
off.test. 60 IN A 127.0.0.1
`, closed, silentPort), true)
	for _, c := range []struct{ domain, want string }{
		{"nope.test", "NXDOMAIN"},
		{"refused.test", "connection refused"},
		{"silent.test", "timeout"},
		{"off.test", "service not offered"},
	} {
		t.Run(c.domain, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := scanXMPP(t, c.domain, "--resolver", d.Addr, "--timeout", "20s")
			if code != ExitCannotScan || !strings.HasPrefix(stderr, "imscore: cannot scan "+c.domain) ||
				strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, stderr %q; want exit 3 and one line containing %q", code, stderr, c.want)
			}
			if el := time.Since(start); el > 20*time.Second {
				t.Fatalf("took %s", el)
			}
		})
	}
	t.Run("usage", func(t *testing.T) {
		for _, arg := range []string{"user@example.test", "example.test:5222", ""} {
			if code, _, stderr := scanXMPP(t, arg, "--resolver", d.Addr); code != ExitUsage {
				t.Errorf("%q: exit %d %s", arg, code, stderr)
			}
		}
	})
}

// ejabberdTLSOptions and ejabberdCiphers are the TLS settings of a good
// ejabberd 23.01 (TLS 1.2 and 1.3, AEAD suites with forward secrecy).
var (
	ejabberdTLSOptions = []string{"no_sslv3", "no_tlsv1", "no_tlsv1_1", "cipher_server_preference", "no_compression"}
	ejabberdCiphers    = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"
)

// TestRealEjabberdXMPP: Debian's ejabberd 23.01 in a good, a bad and a
// CAPTCHA-registration configuration.
func TestRealEjabberdXMPP(t *testing.T) {
	testenv.Need(t, "ejabberdctl")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test", "xmpp.example.test"},
		XMPPAddrs: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: true})

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
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", P,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", P),
			"A+"},
		{"bad: defaults, TLS optional, open registration",
			testenv.EjabberdOptions{OpenRegistration: true},
			base().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
				"xmpp.c2s.starttls-required", F, "xmpp.s2s.starttls-required", F,
				"xmpp.c2s.no-auth-before-tls", F, // PLAIN before TLS: cap F
				"xmpp.c2s.sasl-scram", P, // plaintext storage: every SCRAM variant
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", F, // advertised before TLS
				"tls.cipher.no-weak", W), // CBC suites by default
			"F"},
		{"registration open behind CAPTCHA, loopback only",
			testenv.EjabberdOptions{RequireTLS: true, S2SRequireTLS: true,
				TLSProtocolOptions: ejabberdTLSOptions, Ciphers: ejabberdCiphers,
				PasswordFormat: "scram", SCRAMHash: "sha256",
				OpenRegistration: true, CAPTCHA: true, IPAccess: "trusted_network"},
			base().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
				"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P,
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", P,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", W),
			"A+"}, // two warns still score 97
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
			checkAll(t, r, c.want, c.grade)
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
