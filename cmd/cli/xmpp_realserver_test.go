package cli

// Real-server tests of `imscore scan xmpp`: Prosody on loopback in a good
// and a bad configuration, its SRV and A records served by our own DNS
// server (the SRV records carry the test ports, so no --connect is needed).
// Each asserts the exact status of every xmpp.* and tls.* criterion and the
// grade.

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
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

// finding returns the report's finding for id (nil if absent).
func finding(r *report.Report, id string) *report.Finding {
	for i := range r.Findings {
		if r.Findings[i].Criterion == id {
			return &r.Findings[i]
		}
	}
	return nil
}
