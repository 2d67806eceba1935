package xmpp

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

func TestParseDomain(t *testing.T) {
	for in, want := range map[string]string{
		"Example.ORG.": "example.org", " example.org ": "example.org", "[::1]": "::1", "127.0.0.1": "127.0.0.1",
	} {
		if got, err := ParseDomain(in); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "user@example.org", "example.org:5222", "a b", strings.Repeat("a", 254)} {
		if _, err := ParseDomain(in); err == nil || !strings.Contains(err.Error(), "want an XMPP domain") {
			t.Errorf("%q: %v, want an error", in, err)
		}
	}
}

func TestScanSpecAccount(t *testing.T) {
	s, err := ScanSpec("Example.Test")
	if err != nil || s.Kind() != "xmpp" || s.Target.Name != "example.test" || s.Target.XMPPDomain != "example.test" || s.Scannable == nil || s.Endpoints == nil {
		t.Fatalf("spec %+v, %v", s.Target, err)
	}
	n := len(s.Probes)
	if _, err := WithAccount(s, &probes.Credentials{Account: "alice@other.test", Password: "x"}); err == nil || !strings.Contains(err.Error(), "not an account of example.test") {
		t.Errorf("account of another domain: %v", err)
	}
	a, err := WithAccount(s, &probes.Credentials{Account: "alice@example.test", Password: "x"})
	if err != nil || len(a.Probes) != n+1 || a.Probes[n].ID() != Account.ID || len(s.Probes) != n {
		t.Errorf("with account: %d probes (%v), anonymous %d", len(a.Probes), err, len(s.Probes))
	}
	// No DNS answer: the scan did not reach the domain.
	if err := s.Scannable(probes.Results{DNS.ID: {Status: probes.StatusDNSError, Reason: "NXDOMAIN"}}); err == nil || err.Error() != "DNS: NXDOMAIN" {
		t.Errorf("scannable without DNS: %v", err)
	}
}

func TestTLSScanSpec(t *testing.T) {
	s := TLSScanSpec("xmpp.example.org:5269", tls.Target{Host: "xmpp.example.org", Port: 5269}, StartTLSServer, "example.org")
	if s.Kind() != "tls" || s.Target.StartTLS != "xmpp-server" || s.Target.XMPPDomain != "example.org" || s.Target.SNI != "example.org" || s.Target.Host != "xmpp.example.org" {
		t.Errorf("target %+v", s.Target)
	}
	// Direct TLS with a domain: no STARTTLS, the SNI as given.
	s = TLSScanSpec("xmpp.example.org:5223", tls.Target{Host: "xmpp.example.org", Port: 5223}, "", "example.org")
	if s.Target.StartTLS != "" || s.Target.XMPPDomain != "example.org" || s.Target.SNI != "xmpp.example.org" {
		t.Errorf("direct TLS target %+v", s.Target)
	}
}
