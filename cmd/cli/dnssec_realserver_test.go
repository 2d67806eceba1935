package cli

// Real DNSSEC validation (issue 11, point 4): Prosody serves four XMPP
// domains whose records nsd serves — signed with ldns-signzone, unsigned,
// an unsigned SRV pointing into the signed zone, and a signed zone whose
// TLSA record was edited after signing — and Debian's unbound validates
// them with exactly the signed zones' trust anchors. imscore asks unbound.

import (
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

func TestRealDNSSEC(t *testing.T) {
	testenv.Need(t, "prosody", "nsd", "unbound", "ldns-signzone", "ldns-keygen")
	pki := testenv.NewPKI(t)
	domains := []string{"signed.test", "plain.test", "mixed.test", "bogus.test"}
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: domains, XMPPAddrs: domains, KeyType: "ecdsa256"})
	other, _ := pki.Leaf(t, "other", testenv.LeafOptions{DNSNames: domains, KeyType: "ecdsa256"})
	var hosts strings.Builder
	for _, d := range domains[1:] {
		fmt.Fprintf(&hosts, "VirtualHost %q\n\tssl = { certificate = %q; key = %q; }\n", d, cert, key)
	}
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: domains[0], Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true,
		ExtraGlobal: hosts.String()})
	_, c2s, _ := net.SplitHostPort(x.Addr)
	_, s2s, _ := net.SplitHostPort(x.S2SAddr)
	good := testenv.TLSA(testenv.ReadCert(t, cert), 3, 1, 1)
	bad := testenv.TLSA(testenv.ReadCert(t, other), 3, 1, 1)
	// records of one domain whose SRV records point at xmpp.TARGET.
	records := func(target string, withHost bool) string {
		z := fmt.Sprintf("_xmpp-client._tcp SRV 0 0 %s xmpp.%s.\n_xmpp-server._tcp SRV 0 0 %s xmpp.%s.\n", c2s, target, s2s, target)
		if withHost {
			z += fmt.Sprintf("xmpp A 127.0.0.1\n_%s._tcp.xmpp TLSA %s\n_%s._tcp.xmpp TLSA %s\n", c2s, good, s2s, good)
		}
		return z
	}
	n := testenv.StartNSD(t,
		testenv.Zone{Origin: "signed.test.", Records: records("signed.test", true), Sign: true},
		testenv.Zone{Origin: "plain.test.", Records: records("plain.test", true)},
		testenv.Zone{Origin: "mixed.test.", Records: records("signed.test", false)},
		testenv.Zone{Origin: "bogus.test.", Records: records("bogus.test", true), Sign: true, Tamper: func(s string) string {
			// The c2s TLSA record after signing: its RRSIG no longer fits.
			return strings.Replace(s, strings.TrimPrefix(good, "3 1 1 "), strings.TrimPrefix(bad, "3 1 1 "), 1)
		}},
	)
	u := testenv.StartUnbound(t, n)

	for _, c := range []struct {
		domain         string
		dnssec, dane   report.Status
		dnssecHas, has string // in the summaries
		grade          string
	}{
		// A, not A+: Debian's Prosody 0.12 offers neither SASL2 nor FAST
		// (xmpp.c2s.sasl2 and xmpp.c2s.fast warn).
		{"signed.test", P, P, "was trusted", "", "A"},
		{"plain.test", W, W, "not DNSSEC-signed", "DANE not usable", "A"},
		// The TLSA records are signed and match, but the SRV record
		// that leads to them is not: RFC 7673 says DANE is not usable.
		{"mixed.test", W, W, "partly", "SRV answer _xmpp-client._tcp.mixed.test. they hang off is insecure", "A"},
		// SERVFAIL from the validating resolver is an error that says
		// why, never "no TLSA records".
		{"bogus.test", F, E, "signature crypto failed", "bogus", "C"},
	} {
		t.Run(c.domain, func(t *testing.T) {
			args := []string{"--resolver", u.Addr, "--ca-file", pki.CAFile}
			if c.domain == "mixed.test" {
				// Its SRV targets are xmpp.signed.test: an internal address
				// under another name, which the guard refuses unless the
				// user scans their own network.
				args = append(args, "--allow-private")
			}
			code, r, stderr := scanXMPP(t, append([]string{c.domain}, args...)...)
			if code != ExitOK || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			ds, dane := finding(r, "dns.dnssec"), finding(r, "tls.dane")
			t.Logf("grade %s; dns.dnssec %s: %s", r.Grade, statuses(r)["dns.dnssec"], summaryOf(r, "dns.dnssec"))
			t.Logf("tls.dane %s: %s", statuses(r)["tls.dane"], summaryOf(r, "tls.dane"))
			if ds == nil || ds.Status != c.dnssec || !strings.Contains(ds.Summary, c.dnssecHas) || !strings.Contains(ds.Summary, u.Addr) {
				t.Errorf("dns.dnssec: want %s with %q and the resolver %s", c.dnssec, c.dnssecHas, u.Addr)
			}
			if dane == nil || dane.Status != c.dane || !strings.Contains(dane.Summary, c.has) {
				t.Errorf("tls.dane: want %s with %q", c.dane, c.has)
			}
			if r.Grade != c.grade {
				t.Errorf("grade %s (score %d, caps %+v), want %s", r.Grade, r.Score, r.Caps, c.grade)
			}
		})
	}
}
