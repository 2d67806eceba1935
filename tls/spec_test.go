package tls

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
)

func TestParseHostPort(t *testing.T) {
	for _, tc := range []struct {
		in, host string
		port     int
		err      string
	}{
		{"example.org", "example.org", 443, ""},
		{"example.org.:8443", "example.org", 8443, ""},
		{"[2001:db8::1]:5223", "2001:db8::1", 5223, ""},
		{"[2001:db8::1]", "2001:db8::1", 443, ""},
		{"2001:db8::1", "", 0, "want HOST:PORT"},
		{"example.org:0", "", 0, "bad port"},
		{"example.org:https", "", 0, "bad port"},
		{"a b:443", "", 0, "bad host name"},
		{":443", "", 0, "bad host name"},
	} {
		host, port, err := ParseHostPort(tc.in, 443)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || host != tc.host || port != tc.port {
			t.Errorf("%q: %q %d %v, want %q %d", tc.in, host, port, err, tc.host, tc.port)
		}
	}
}

func TestScanSpec(t *testing.T) {
	s := ScanSpec("xmpp.example.org:5222", Target{Host: "xmpp.example.org", Port: 5222, SNI: "example.org"})
	want := probes.Target{Kind: "tls", Name: "xmpp.example.org:5222", Host: "xmpp.example.org", Port: 5222, SNI: "example.org"}
	if s.Kind() != "tls" || s.Target.Name != want.Name || s.Target.Host != want.Host || s.Target.Port != want.Port || s.Target.SNI != want.SNI {
		t.Errorf("target %+v, want %+v", s.Target, want)
	}
	if ip := ScanSpec("[::1]:443", Target{Host: "::1", Port: 443}); ip.Target.SNI != "" {
		t.Errorf("SNI %q for an IP literal", ip.Target.SNI)
	}
	if len(s.Probes) == 0 || s.Scannable == nil || s.Endpoints == nil {
		t.Fatal("incomplete spec")
	}
	// Nothing resolved: not scannable, with the endpoint probe's reason.
	res := probes.Results{DefaultKeys.Endpoints.ID: {Probe: DefaultKeys.Endpoints.ID, Status: probes.StatusDNSError, Reason: "no such host"}}
	if err := s.Scannable(res); err == nil || err.Error() != "no such host" {
		t.Errorf("unresolved: %v", err)
	}
	// Both the handshake and the enumeration failed: the handshake's
	// reason, unless only it was a TLS error and the other a timeout.
	res[DefaultKeys.Endpoints.ID] = &probes.Observation{Status: probes.StatusOK, Data: &EndpointsData{Endpoints: []probes.Endpoint{{Addr: "127.0.0.1:5222"}}}}
	res[DefaultKeys.Handshake.ID] = &probes.Observation{Status: probes.StatusRefused, Reason: "connection refused"}
	res[DefaultKeys.Versions.ID] = &probes.Observation{Status: probes.StatusRefused, Reason: "refused too"}
	if err := s.Scannable(res); err == nil || err.Error() != "connection refused" {
		t.Errorf("refused: %v", err)
	}
	res[DefaultKeys.Versions.ID] = &probes.Observation{Status: probes.StatusOK}
	if err := s.Scannable(res); err != nil {
		t.Errorf("versions answered: %v", err)
	}
	if eps := s.Endpoints(res); len(eps) != 1 || eps[0].Addr != "127.0.0.1:5222" {
		t.Errorf("endpoints %v", eps)
	}
}
