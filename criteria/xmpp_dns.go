package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// xmppDNSCriteria binds the XMPP DNS criteria of xmpp_dns.yaml.
var xmppDNSCriteria = []binding{
	{"xmpp.dns.srv-client", evalSRVClient},
	{"xmpp.dns.srv-server", evalSRVServer},
	{"xmpp.dns.direct-tls", evalDirectTLS},
}

func dnsService(in Input, service, what string) (*xmpp.Service, *Verdict) {
	d, ok := xmpp.DNS.OK(in.Results)
	if !ok {
		v := notMeasured(in, xmpp.DNS.ID, what)
		return nil, &v
	}
	s := d.Service(service)
	if s == nil {
		return nil, &Verdict{Status: report.Error, Summary: what + ": no answer recorded for " + service + " (bug)"}
	}
	if s.Error != "" {
		return nil, &Verdict{Status: report.Error, Summary: what + " could not be measured: " + s.Error, Evidence: []probes.Evidence{s.Evidence}}
	}
	return s, nil
}

func dnssec(s *xmpp.Service) string {
	if s.AD {
		return "DNSSEC-authenticated (AD=1)"
	}
	return "not DNSSEC-authenticated (AD=0)"
}

func srvTargets(s *xmpp.Service) (ok, bad []string) {
	for _, r := range s.Records {
		t := fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port)
		if len(r.Endpoints) == 0 {
			bad = append(bad, t+" ("+r.Error+")")
		} else {
			ok = append(ok, t)
		}
	}
	return ok, bad
}

func srvEval(in Input, service string, defPort int, disabled report.Status, disabledWhy string) Verdict {
	s, v := dnsService(in, service, "SRV records of "+service)
	if v != nil {
		return *v
	}
	ev := dnsEvidence(s)
	ok, bad := srvTargets(s)
	switch {
	case s.Disabled:
		return Verdict{Status: disabled, Summary: s.Name + " has the target \".\": " + disabledWhy, Evidence: ev}
	case s.Fallback && len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: fmt.Sprintf("no %s SRV record and the domain itself has no address (%s)", service, strings.Join(bad, "; ")), Evidence: ev}
	case s.Fallback:
		return Verdict{Status: report.Warn, Summary: fmt.Sprintf("no %s SRV record: peers fall back to the domain on port %d", service, defPort), Evidence: ev}
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: "SRV target without an address: " + strings.Join(bad, "; "), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%s SRV: %s (%s)", service, strings.Join(ok, ", "), dnssec(s)), Evidence: ev}
}

func dnsEvidence(s *xmpp.Service) []probes.Evidence {
	ev := []probes.Evidence{s.Evidence}
	var lines []string
	for _, r := range s.Records {
		var addrs []string
		for _, e := range r.Endpoints {
			addrs = append(addrs, e.Addr)
		}
		t := fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port)
		if r.Error != "" {
			lines = append(lines, t+" -> "+r.Error)
		} else {
			lines = append(lines, t+" -> "+strings.Join(addrs, ", "))
		}
	}
	if len(lines) > 0 {
		what := "targets"
		if s.Fallback {
			what = "fallback (no SRV record)"
		}
		ev = append(ev, probes.Evidence{Kind: "note", Detail: what + ":\n" + strings.Join(lines, "\n")})
	}
	return ev
}

func evalSRVClient(in Input) Verdict {
	v := srvEval(in, xmpp.ServiceClient, xmpp.DefaultClientPort, report.Fail, "the domain says it offers no client service")
	if v.Status != report.Fail {
		return v
	}
	// "." for STARTTLS while _xmpps-client is published: clients are sent
	// to direct TLS only (XEP-0368), which leaves no STARTTLS to strip.
	if d, ok := xmpp.DNS.OK(in.Results); ok {
		if st := d.Service(xmpp.ServiceClient); st != nil && st.Disabled {
			if dt := d.Service(xmpp.ServiceClientTLS); dt != nil && dt.Published() {
				return Verdict{Status: report.Pass, Summary: "STARTTLS for clients is switched off (\".\"): clients use direct TLS only, published by _xmpps-client (XEP-0368)", Evidence: v.Evidence}
			}
		}
	}
	return v
}

func evalSRVServer(in Input) Verdict {
	return srvEval(in, xmpp.ServiceServer, xmpp.DefaultServerPort, report.Info, "federation is switched off explicitly")
}

func evalDirectTLS(in Input) Verdict {
	s, v := dnsService(in, xmpp.ServiceClientTLS, "XEP-0368 SRV records")
	if v != nil {
		return *v
	}
	ev := dnsEvidence(s)
	ok, bad := srvTargets(s)
	switch {
	case s.Disabled:
		return Verdict{Status: report.Info, Summary: s.Name + " has the target \".\": direct TLS explicitly not offered", Evidence: ev}
	case len(s.Records) == 0:
		return Verdict{Status: report.Info, Summary: "no " + s.Name + " record: clients use STARTTLS only (direct TLS not published)", Evidence: ev}
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Summary: "direct-TLS SRV target without an address: " + strings.Join(bad, "; "), Evidence: ev}
	}
	d, _ := xmpp.DirectTLS.Of(in.Results)
	if d == nil || len(d.Endpoints) == 0 {
		nm := notMeasured(in, xmpp.DirectTLS.ID, "Direct TLS")
		nm.Evidence = append(ev, nm.Evidence...)
		return nm
	}
	var vs []epVerdict
	for _, e := range d.Endpoints {
		epv := epVerdict{Endpoint: e.Endpoint.Addr, Evidence: []probes.Evidence{xmpp.DirectTLSEvidence(e)}}
		switch {
		case e.Status == probes.StatusOK:
			alpn := "the server chose no ALPN protocol"
			if e.ALPN != "" {
				alpn = "ALPN " + e.ALPN
			}
			epv.Status, epv.Summary = report.Pass, fmt.Sprintf("direct TLS works on %s (%s, %s)", e.Target, e.TLSVersion, alpn)
		case e.Status == probes.StatusError:
			epv.Status, epv.Summary = report.Error, "direct TLS could not be measured on "+e.Target+": "+e.Reason
		default:
			epv.Status, epv.Summary = report.Fail, fmt.Sprintf("published direct-TLS endpoint %s does not work (%s): %s", e.Target, e.Status, e.Reason)
		}
		vs = append(vs, epv)
	}
	res := combine(vs)
	if res.Status == report.Pass {
		res.Summary = fmt.Sprintf("direct TLS published (%s, %s) and working: %s", strings.Join(ok, ", "), dnssec(s), res.Summary)
	}
	res.Evidence = append(ev, res.Evidence...)
	return res
}
