package criteria

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

func dnsResults(svcs ...*xmpp.Service) probes.Results {
	return probes.Results{xmpp.DNS.ID: {Status: probes.StatusOK, Data: &xmpp.DNSData{Domain: "example.org", Services: svcs}}}
}

func TestXMPPDNSEvaluators(t *testing.T) {
	addr := []probes.Endpoint{{Addr: "192.0.2.1:5222"}}
	srv := func(service string, recs ...xmpp.SRVTarget) *xmpp.Service {
		return &xmpp.Service{Service: service, Name: "_" + service + "._tcp.example.org.", Rcode: "NOERROR", Records: recs,
			Evidence: probes.Evidence{Kind: "dns", Sent: "_" + service + "._tcp.example.org. SRV"}}
	}
	cases := []struct {
		name string
		id   string
		svc  *xmpp.Service
		want report.Status
		sum  string
	}{
		{"client published", "xmpp.dns.srv-client", srv("xmpp-client", xmpp.SRVTarget{Port: 5222, Target: "xmpp.example.org.", Endpoints: addr}), report.Pass, "xmpp.example.org:5222"},
		{"client target without address", "xmpp.dns.srv-client", srv("xmpp-client", xmpp.SRVTarget{Port: 5222, Target: "gone.example.org.", Error: "unknown host gone.example.org (NXDOMAIN)"}), report.Fail, "NXDOMAIN"},
		{"client fallback", "xmpp.dns.srv-client", func() *xmpp.Service {
			s := srv("xmpp-client", xmpp.SRVTarget{Port: 5222, Target: "example.org.", Endpoints: addr})
			s.Fallback = true
			return s
		}(), report.Warn, "fall back"},
		{"client disabled", "xmpp.dns.srv-client", func() *xmpp.Service {
			s := srv("xmpp-client", xmpp.SRVTarget{Target: "."})
			s.Disabled = true
			return s
		}(), report.Fail, "no client service"},
		{"server disabled is info", "xmpp.dns.srv-server", func() *xmpp.Service {
			s := srv("xmpp-server", xmpp.SRVTarget{Target: "."})
			s.Disabled = true
			return s
		}(), report.Info, "federation"},
		{"resolver failure", "xmpp.dns.srv-server", &xmpp.Service{Service: "xmpp-server", Error: "SERVFAIL"}, report.Error, "SERVFAIL"},
		{"direct TLS absent", "xmpp.dns.direct-tls", srv("xmpps-client"), report.Info, "not published"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := mustEval(c.id)(Input{Kind: "xmpp", Results: dnsResults(c.svc)})
			if v.Status != c.want || !strings.Contains(v.Summary, c.sum) {
				t.Fatalf("got %s %q, want %s containing %q", v.Status, v.Summary, c.want, c.sum)
			}
		})
	}
	// Direct TLS: the SRV answer and what the direct-TLS probe saw.
	direct := srv("xmpps-client", xmpp.SRVTarget{Port: 5223, Target: "xmpp.example.org.", Endpoints: addr})
	for _, c := range []struct {
		name string
		obs  *probes.Observation
		want report.Status
		sum  string
	}{
		{"direct TLS works", &probes.Observation{Status: probes.StatusOK, Data: &xmpp.DirectTLSData{Endpoints: []xmpp.DirectTLSEndpoint{
			{Endpoint: addr[0], Target: "xmpp.example.org:5223", Status: probes.StatusOK, TLSVersion: "TLSv1.3", ALPN: "xmpp-client"}}}},
			report.Pass, "5223"},
		{"direct TLS published but refused", &probes.Observation{Status: probes.StatusOK, Data: &xmpp.DirectTLSData{Endpoints: []xmpp.DirectTLSEndpoint{
			{Endpoint: addr[0], Target: "xmpp.example.org:5223", Status: probes.StatusRefused, Reason: "connection refused"}}}},
			report.Fail, "does not work"},
		{"direct TLS not measured", nil, report.Error, "not measured"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := dnsResults(direct)
			if c.obs != nil {
				res[xmpp.DirectTLS.ID] = c.obs
			}
			v := evalDirectTLS(Input{Kind: "xmpp", Results: res})
			if v.Status != c.want || !strings.Contains(v.Summary, c.sum) || len(v.Evidence) == 0 {
				t.Fatalf("got %s %q (%d evidence), want %s containing %q", v.Status, v.Summary, len(v.Evidence), c.want, c.sum)
			}
		})
	}
	if v := evalSRVClient(Input{Kind: "xmpp", Results: probes.Results{}}); v.Status != report.Error {
		t.Fatalf("no DNS probe: %+v", v)
	}
}

func xmppDNSCases(t *testing.T) []evalCase {
	addr := []probes.Endpoint{{Addr: "192.0.2.1:5222"}}
	srv := func(service string, change func(*xmpp.Service), recs ...xmpp.SRVTarget) probes.Results {
		s := &xmpp.Service{Service: service, Name: "_" + service + "._tcp.example.org.", Rcode: "NOERROR", Records: recs,
			Evidence: probes.Evidence{Kind: "dns", Sent: "_" + service + "._tcp.example.org. SRV"}}
		if change != nil {
			change(s)
		}
		return dnsResults(s)
	}
	target := xmpp.SRVTarget{Port: 5269, Target: "xmpp.example.org.", Endpoints: addr}
	direct := srv("xmpps-client", nil, xmpp.SRVTarget{Port: 5223, Target: "xmpp.example.org.", Endpoints: addr})
	direct[xmpp.DirectTLS.ID] = &probes.Observation{Status: probes.StatusOK, Data: &xmpp.DirectTLSData{Endpoints: []xmpp.DirectTLSEndpoint{
		{Endpoint: addr[0], Target: "xmpp.example.org:5223", Status: probes.StatusRefused, Reason: "connection refused"}}}}
	return []evalCase{
		{ID: "xmpp.dns.srv-client", Name: "published", Res: srv("xmpp-client", nil, xmpp.SRVTarget{Port: 5222, Target: "xmpp.example.org.", Endpoints: addr}), Want: report.Pass, Has: "xmpp.example.org:5222"},
		{ID: "xmpp.dns.srv-client", Name: "fallback", Res: srv("xmpp-client", func(s *xmpp.Service) { s.Fallback = true }, xmpp.SRVTarget{Port: 5222, Target: "example.org.", Endpoints: addr}), Want: report.Warn, Has: "fall back"},
		{ID: "xmpp.dns.srv-server", Name: "published", Res: srv("xmpp-server", nil, target), Want: report.Pass},
		{ID: "xmpp.dns.srv-server", Name: "target without address", Res: srv("xmpp-server", nil, xmpp.SRVTarget{Port: 5269, Target: "gone.example.org.", Error: "NXDOMAIN"}), Want: report.Fail, Has: "NXDOMAIN"},
		{ID: "xmpp.dns.srv-server", Name: "resolver failure", Res: dnsResults(&xmpp.Service{Service: "xmpp-server", Error: "SERVFAIL"}), Want: report.Error, Has: "SERVFAIL"},
		{ID: "xmpp.dns.direct-tls", Name: "not published", Res: srv("xmpps-client", nil), Want: report.Info},
		{ID: "xmpp.dns.direct-tls", Name: "published but refused", Res: direct, Want: report.Fail, Has: "does not work"},
	}
}
