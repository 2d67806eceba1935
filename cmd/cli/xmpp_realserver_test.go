package cli

// Real-server tests of `imscore scan xmpp`: Prosody on loopback in a good
// and a bad configuration, its SRV and A records served by our own DNS
// server (the SRV records carry the test ports, so no --connect is needed).
// Each asserts the exact status of every xmpp.* and tls.* criterion and the
// grade.

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// scanXMPP runs `imscore scan xmpp` in-process (see scanKind).
func scanXMPP(t *testing.T, args ...string) (int, *report.Report, string) {
	t.Helper()
	return scanKind(t, "xmpp", args...)
}

// checkAll asserts the status of every criterion of the report (xmpp.* and
// tls.*) and the grade.
//
// The zones of these tests are served with the AD bit and only A records:
// unless a case says otherwise, dns.dnssec passes and net.dual-stack is
// info (one family).
func checkAll(t *testing.T, r *report.Report, want expect, grade string) {
	t.Helper()
	for id, st := range map[string]report.Status{"dns.dnssec": P, "net.dual-stack": I} {
		if _, ok := want[id]; !ok {
			want = want.with(id, st)
		}
	}
	checkVerdicts(t, r, want, "")
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

// accountCriteria are the criteria that need --account.
var accountCriteria = []string{
	"xmpp.compliance.core", "xmpp.compliance.web", "xmpp.compliance.im", "xmpp.compliance.mobile", "xmpp.compliance.av",
	"xmpp.contact-addresses", "xmpp.metadata.version-disclosed",
	"xmpp.feature.mam", "xmpp.feature.carbons", "xmpp.feature.push", "xmpp.feature.blocking", "xmpp.feature.vcard",
	"xmpp.feature.bookmarks2", "xmpp.feature.pep", "xmpp.feature.omemo-ready", "xmpp.feature.upload", "xmpp.feature.muc",
	"xmpp.feature.extdisco", "xmpp.feature.offline", "xmpp.feature.proxy65",
}

// anonymous adds what a scan without --account shows for the logged-in
// criteria (skip), for the stream features Prosody and ejabberd show only
// after login (skip) and for host-meta when nothing serves it (info).
func anonymous(e expect) expect {
	out := e.with("xmpp.feature.sm", S, "xmpp.feature.csi", S, "xmpp.feature.rosterver", S, "xmpp.feature.caps", S)
	for _, id := range accountCriteria {
		if _, ok := out[id]; !ok {
			out[id] = S
		}
	}
	if _, ok := out["xmpp.web.host-meta"]; !ok {
		out["xmpp.web.host-meta"] = I
	}
	// XEP-0092 and the SCRAM exchange need a login.
	for _, id := range []string{"software.advisories", "xmpp.c2s.scram-downgrade-protection"} {
		if _, ok := out[id]; !ok {
			out[id] = S
		}
	}
	return out
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
	if x.S2SDirectTLSAddr != "" {
		_, d, _ := net.SplitHostPort(x.S2SDirectTLSAddr)
		z += fmt.Sprintf("_xmpps-server._tcp.example.test. 60 IN SRV 5 0 %s xmpp.example.test.\n", d)
	}
	return z
}

// xmppLeaf issues the XMPP test servers' certificate: example.test and
// xmpp.example.test as DNS-IDs, example.test as XmppAddr, ECDSA P-256,
// optionally under an intermediate CA.
func xmppLeaf(t testing.TB, pki *testenv.PKI, intermediate bool) (cert, key string) {
	t.Helper()
	return pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test", "xmpp.example.test"},
		XMPPAddrs: []string{"example.test"}, KeyType: "ecdsa256", Intermediate: intermediate})
}

// prosodyTLS is what Prosody 0.12 (Mozilla intermediate profile, OpenSSL
// 3.0, our test CA) gets on c2s and s2s alike.
func prosodyTLS() expect { return base() }

func TestRealProsodyXMPP(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, true)

	cases := []struct {
		name  string
		opts  testenv.ProsodyOptions
		want  expect
		grade string
	}{
		{"good: encryption required, registration closed, direct TLS",
			testenv.ProsodyOptions{RequireTLS: true, S2SRequireTLS: true, DirectTLS: true, S2SDirectTLS: true},
			prosodyTLS().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", P,
				"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P, "xmpp.s2s.authentication", W,
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", W, // Prosody 0.12: SCRAM-SHA-1 only
				"xmpp.c2s.channel-binding", W, // tls-unique only, none on TLS 1.3
				"xmpp.registration.open", P),
			"A"}, // four warns (no SASL2, no FAST in Prosody 0.12): score 94
		{"bad: no encryption required, open registration",
			testenv.ProsodyOptions{RequireTLS: false, S2SRequireTLS: false, OpenRegistration: true},
			prosodyTLS().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
				"xmpp.c2s.starttls-required", F, "xmpp.s2s.starttls-required", F, "xmpp.s2s.authentication", F,
				"xmpp.c2s.no-auth-before-tls", F, // SCRAM-SHA-1 before TLS (PLAIN hidden by Prosody)
				"xmpp.c2s.sasl-scram", W,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", F), // offered before TLS
			"C"},
		{"direct TLS weaker than STARTTLS: TLS 1.2 only on the XEP-0368 port",
			testenv.ProsodyOptions{RequireTLS: true, S2SRequireTLS: true, DirectTLS: true,
				ExtraGlobal: fmt.Sprintf("c2s_direct_tls_ssl = { certificate = %q; key = %q; protocol = \"tlsv1_2\"; }", cert, key)},
			prosodyTLS().with(
				"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", P,
				"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P, "xmpp.s2s.authentication", W,
				"xmpp.c2s.no-auth-before-tls", P,
				"xmpp.c2s.sasl-scram", W,
				"xmpp.c2s.channel-binding", W,
				"xmpp.registration.open", P,
				"tls.protocol.tls13", W), // only on the direct-TLS endpoint
			"A"}, // four warns: score 93
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
			checkAll(t, r, anonymous(prosodyAuth(c.want)), c.grade)
			checkDirectTLSGraded(t, r, x.DirectTLSAddr)
			if x.S2SDirectTLSAddr != "" {
				// XEP-0368 for s2s: graded as its own set (ALPN xmpp-server).
				if f := finding(r, "tls.dane"); f == nil || !strings.Contains(f.Summary, "s2s-tls") {
					t.Errorf("the s2s direct-TLS endpoint %s was not graded: %+v", x.S2SDirectTLSAddr, f)
				}
			}
			if c.want["tls.protocol.tls13"] == W {
				if f := finding(r, "tls.protocol.tls13"); f == nil || !strings.Contains(f.Summary, "c2s-tls "+x.DirectTLSAddr) || strings.Contains(f.Summary, "c2s "+x.Addr) {
					t.Errorf("tls.protocol.tls13 should name the direct-TLS endpoint c2s-tls %s alone: %+v", x.DirectTLSAddr, f)
				}
			}
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

// checkDirectTLSGraded asserts that the tls.* verdicts cover the direct-TLS
// endpoint (XEP-0368) when one is published, and that the direct-TLS TLS set
// is cleanly not applicable when none is.
func checkDirectTLSGraded(t *testing.T, r *report.Report, directAddr string) {
	t.Helper()
	obs := map[string]string{}
	for _, o := range r.Observations {
		obs[string(o.Probe)] = string(o.Status)
	}
	if directAddr == "" {
		if st := obs["xmpp.c2s-direct.tls.endpoints"]; st != "not-applicable" {
			t.Errorf("xmpp.c2s-direct.tls.endpoints is %q without _xmpps-client records, want not-applicable", st)
		}
		for _, f := range r.Findings {
			if strings.HasPrefix(f.Criterion, "tls.") && strings.Contains(f.Summary, "c2s-tls") {
				t.Errorf("%s mentions c2s-tls without direct TLS: %s", f.Criterion, f.Summary)
			}
		}
		return
	}
	for _, id := range []string{"endpoints", "handshake", "versions", "ciphers", "groups"} {
		if st := obs["xmpp.c2s-direct.tls."+id]; st != "ok" {
			t.Errorf("xmpp.c2s-direct.tls.%s is %q, want ok", id, st)
		}
	}
	listed := false
	for _, e := range r.Target.Endpoints {
		listed = listed || e.Addr == directAddr
	}
	if !listed {
		t.Errorf("report target endpoints %+v lack the direct-TLS endpoint %s", r.Target.Endpoints, directAddr)
	}
	// Every measured tls.* finding that passes cites the evidence of every
	// endpoint, the direct-TLS one included.
	for _, id := range []string{"tls.protocol.no-tls10-11", "tls.cert.trusted", "tls.cert.name-match", "tls.cipher.forward-secrecy"} {
		cited := false
		for _, f := range r.Findings {
			if f.Criterion != id {
				continue
			}
			for _, e := range f.Evidence {
				cited = cited || e.Endpoint == directAddr
			}
			if f.Status == report.Pass && !cited {
				t.Errorf("%s (pass) cites no evidence from the direct-TLS endpoint %s", id, directAddr)
			}
		}
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

// finding returns the report's finding for id (nil if absent).
func finding(r *report.Report, id string) *report.Finding {
	for i := range r.Findings {
		if r.Findings[i].Criterion == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// TestRealProsodyS2S: federation between real servers. Three Prosody
// domains on three loopback addresses, each dialling the others at fixed
// addresses (testenv's mod_imscore_test; Prosody never asks DNS):
//
//	a.test  127.0.0.1  s2s_secure_auth = true   (peers need a valid certificate)
//	b.test  127.0.0.2  s2s_secure_auth = false  (dialback accepted without one)
//	c.test  127.0.0.3  a self-signed certificate (a peer that only dialback can admit)
//
// a and b trust the test CA, so between them Prosody authenticates with SASL
// EXTERNAL both ways; c reaches b by dialback and is refused by a. imscore's
// s2s verdicts for a.test and b.test must say exactly that.
func TestRealProsodyS2S(t *testing.T) {
	testenv.Need(t, "prosody", "prosodyctl")
	pki := testenv.NewPKI(t)
	leaf := func(domain string, self bool) (string, string) {
		return pki.Leaf(t, domain, testenv.LeafOptions{DNSNames: []string{domain, "xmpp." + domain},
			XMPPAddrs: []string{domain}, KeyType: "ecdsa256", Intermediate: !self, SelfSigned: self})
	}
	ips := map[string]string{"a.test": "127.0.0.1", "b.test": "127.0.0.2", "c.test": "127.0.0.3"}
	ports := map[string]int{}
	for d, ip := range ips {
		ports[d] = testenv.FreePortOn(t, ip)
	}
	routes := func(self string) map[string]string {
		m := map[string]string{}
		for d, ip := range ips {
			if d != self {
				m[d] = net.JoinHostPort(ip, fmt.Sprint(ports[d]))
			}
		}
		return m
	}
	start := func(domain string, secure bool) *testenv.Server {
		cert, key := leaf(domain, domain == "c.test")
		return testenv.StartProsody(t, testenv.ProsodyOptions{Domain: domain, Cert: cert, Key: key, IP: ips[domain],
			S2SPort: ports[domain], CAFile: pki.CAFile, RequireTLS: true, S2SRequireTLS: true, S2SSecureAuth: secure,
			S2SRoutes: routes(domain), AdminShell: true})
	}
	a, b, c := start("a.test", true), start("b.test", false), start("c.test", false)
	shell := func(s *testenv.Server, cmd string) string {
		out, err := testenv.ProsodyShell(t, s, 30*time.Second, cmd)
		t.Logf("%s> %s\n%s", s.Domain, cmd, out)
		if err != nil && !strings.Contains(out, "Error") {
			t.Fatalf("prosodyctl shell on %s: %v", s.Domain, err)
		}
		return out
	}

	// The servers federate for real: a <-> b with certificates (SASL
	// EXTERNAL both ways, no dialback); c -> b by dialback; c -> a refused.
	if out := shell(a, `xmpp:ping("a.test", "b.test", 10)`); !strings.Contains(out, "pong from b.test") {
		t.Fatalf("a.test cannot reach b.test over s2s:\n%s\n%s", out, a.Logs(40))
	}
	for _, s := range []*testenv.Server{a, b} {
		out := shell(s, `s2s:show()`)
		if n := strings.Count(out, "| Succeeded  | Not used"); n != 2 {
			t.Errorf("%s: want 2 s2s sessions authenticated by SASL EXTERNAL without dialback, got %d:\n%s", s.Domain, n, out)
		}
	}
	if out := shell(c, `xmpp:ping("c.test", "b.test", 10)`); !strings.Contains(out, "pong from b.test") {
		t.Errorf("b.test (no secure auth) should admit c.test by dialback:\n%s\n%s", out, b.Logs(40))
	}
	// The incoming session from c.test carries no SASL result: b admitted
	// it by dialback (Prosody's Dialback column only tracks the keys of
	// outgoing sessions, so it says "Not used" there).
	if out := shell(b, `s2s:show("c.test")`); !regexp.MustCompile(`(?m)<--\s+\|\s+c\.test\s+\|\s+IPv4\s+\|\s+TLSv1\.[23]\s+\|\s+\|`).MatchString(out) {
		t.Errorf("b.test: want an incoming session from c.test without SASL (dialback):\n%s", out)
	}
	if out := shell(c, `xmpp:ping("c.test", "a.test", 5)`); strings.Contains(out, "pong from a.test") {
		t.Errorf("a.test (s2s_secure_auth) admitted c.test with a self-signed certificate:\n%s", out)
	}

	zone := ""
	for _, s := range []*testenv.Server{a, b} {
		_, c2s, _ := net.SplitHostPort(s.Addr)
		zone += fmt.Sprintf(`_xmpp-client._tcp.%[1]s. 60 IN SRV 5 0 %[2]s xmpp.%[1]s.
_xmpp-server._tcp.%[1]s. 60 IN SRV 5 0 %[3]d xmpp.%[1]s.
xmpp.%[1]s. 60 IN A %[4]s
%[1]s. 60 IN A %[4]s
`, s.Domain, c2s, ports[s.Domain], ips[s.Domain])
	}
	d := testenv.StartDNS(t, zone, true)
	common := prosodyTLS().with(
		"xmpp.dns.srv-client", P, "xmpp.dns.srv-server", P, "xmpp.dns.direct-tls", I,
		"xmpp.c2s.starttls-required", P, "xmpp.s2s.starttls-required", P,
		"xmpp.c2s.no-auth-before-tls", P, "xmpp.c2s.sasl-scram", W, "xmpp.c2s.channel-binding", W,
		"xmpp.registration.open", P)
	for _, tc := range []struct {
		s         *testenv.Server
		auth      report.Status
		summary   string
		grade     string
		refused   bool
		dialback  bool
		s2sTLSCnt int
	}{
		{a, P, "closed the stream of imscore, which presented none, with <not-authorized/>", "A+", true, false, 1},
		{b, W, "dialback (XEP-0220) is offered after TLS", "A", false, true, 1}, // and no SASL2/FAST: 94
	} {
		t.Run(tc.s.Domain, func(t *testing.T) {
			code, r, stderr := scanXMPP(t, tc.s.Domain, "--resolver", d.Addr, "--ca-file", pki.CAFile)
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			checkAll(t, r, anonymous(prosodyAuth(common.with("xmpp.s2s.authentication", tc.auth))), tc.grade)
			if f := finding(r, "xmpp.s2s.authentication"); f == nil || !strings.Contains(f.Summary, tc.summary) {
				t.Errorf("xmpp.s2s.authentication: %+v, want a summary with %q", f, tc.summary)
			}
			// Every s2s endpoint is the server's own loopback address.
			var s2s []string
			for _, o := range r.Observations {
				if o.Probe != "xmpp.s2s.streams" {
					continue
				}
				raw, _ := json.Marshal(o.Data)
				var sd xmpp.StreamsData
				if err := json.Unmarshal(raw, &sd); err != nil {
					t.Fatal(err)
				}
				for _, e := range sd.Endpoints {
					s2s = append(s2s, e.Endpoint.Addr)
					if e.PreTLS == nil || !e.PreTLS.StartTLSRequired {
						t.Errorf("%s: STARTTLS not required before TLS: %+v", e.Endpoint.Addr, e.PreTLS)
					}
					if got := e.PostTLSRefused != nil && e.PostTLSRefused.Condition == "not-authorized"; got != tc.refused {
						t.Errorf("%s: refused after STARTTLS = %v (%+v), want %v", e.Endpoint.Addr, got, e.PostTLSRefused, tc.refused)
					}
					if got := e.PostTLS != nil && e.PostTLS.Dialback; got != tc.dialback {
						t.Errorf("%s: dialback after TLS = %v, want %v", e.Endpoint.Addr, got, tc.dialback)
					}
					if e.PostTLS != nil && e.PostTLS.HasMechanism("EXTERNAL") {
						t.Errorf("%s: SASL EXTERNAL offered to a peer without a certificate", e.Endpoint.Addr)
					}
				}
			}
			if want := []string{tc.s.S2SAddr}; !reflect.DeepEqual(s2s, want) {
				t.Errorf("s2s endpoints %v, want %v", s2s, want)
			}
			if t.Failed() {
				for _, f := range r.Findings {
					t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
				}
			}
		})
	}
}

// TestRealProsodyDANETargets: a domain with two SRV targets has TLSA
// records per target (RFC 7673 §3); each is matched against the chain its
// addresses serve, and a bad one is named.
func TestRealProsodyDANETargets(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test", "xmpp.example.test", "xmpp2.example.test"},
		XMPPAddrs: []string{"example.test"}, KeyType: "ecdsa256"})
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true})
	pemBytes, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	good := hex.EncodeToString(spki[:])
	bad := strings.Repeat("ab", 32)
	tlsa2 := func(hash string) string {
		_, p, _ := net.SplitHostPort(x.Addr)
		return fmt.Sprintf("_%s._tcp.xmpp2.example.test. 60 IN TLSA 3 1 1 %s\n", p, hash)
	}
	_, c2s, _ := net.SplitHostPort(x.Addr)
	_, s2s, _ := net.SplitHostPort(x.S2SAddr)
	// second is the TLSA record line of the second target ("" = none).
	zone := func(second string) string {
		return fmt.Sprintf(`_xmpp-client._tcp.example.test. 60 IN SRV 5 0 %[1]s xmpp.example.test.
_xmpp-client._tcp.example.test. 60 IN SRV 10 0 %[1]s xmpp2.example.test.
_xmpp-server._tcp.example.test. 60 IN SRV 5 0 %[2]s xmpp.example.test.
xmpp.example.test. 60 IN A 127.0.0.1
xmpp2.example.test. 60 IN A 127.0.0.1
example.test. 60 IN A 127.0.0.1
_%[1]s._tcp.xmpp.example.test. 60 IN TLSA 3 1 1 %[3]s
_%[2]s._tcp.xmpp.example.test. 60 IN TLSA 3 1 1 %[3]s
`, c2s, s2s, good) + second
	}
	for _, c := range []struct {
		name, second string
		want         report.Status
		names        string
	}{
		{"both targets match", tlsa2(good), P, ""},
		{"second target's TLSA is wrong", tlsa2(bad), F, "_" + c2s + "._tcp.xmpp2.example.test."},
		{"second target has no TLSA", "", W, "_" + c2s + "._tcp.xmpp2.example.test."},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := testenv.StartDNS(t, zone(c.second), true)
			code, r, stderr := scanXMPP(t, "example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile)
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			f := finding(r, "tls.dane")
			if f == nil || f.Status != c.want || !strings.Contains(f.Summary, c.names) {
				t.Fatalf("tls.dane = %+v, want %s naming %q", f, c.want, c.names)
			}
			t.Logf("%s: %s", f.Status, f.Summary)
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
