package cli

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
