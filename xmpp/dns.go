package xmpp

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/imscore/imscore/probes"
)

// Service names of the SRV records of an XMPP domain.
const (
	ServiceClient       = "xmpp-client"  // RFC 6120 §3.2.1
	ServiceClientTLS    = "xmpps-client" // XEP-0368
	ServiceServer       = "xmpp-server"  // RFC 6120 §3.2.1
	ServiceServerTLS    = "xmpps-server" // XEP-0368
	DefaultClientPort   = 5222
	DefaultServerPort   = 5269
	maxTargetsPerLookup = 8
)

// Services are asked in this order.
var Services = []string{ServiceClient, ServiceClientTLS, ServiceServer, ServiceServerTLS}

// SRVTarget is one SRV record and the addresses its target resolved to.
type SRVTarget struct {
	Priority uint16 `json:"priority"`
	Weight   uint16 `json:"weight"`
	Port     uint16 `json:"port"`
	Target   string `json:"target"`
	// Endpoints are the addresses of Target (or the --connect override).
	Endpoints []probes.Endpoint `json:"endpoints"`
	// Error says why Target gave no address.
	Error string `json:"error,omitempty"`
	// Evidence is the A/AAAA answers (or the --connect note).
	Evidence []probes.Evidence `json:"evidence,omitempty"`
}

// Service is what DNS says about one service of the domain.
type Service struct {
	Service string `json:"service"`
	// Name is the SRV owner name, e.g. _xmpp-client._tcp.example.org.
	Name  string `json:"name"`
	Rcode string `json:"rcode,omitempty"`
	AD    bool   `json:"ad"`
	// Records are the SRV records (sorted by priority, then weight
	// descending), each with its addresses.
	Records []SRVTarget `json:"records,omitempty"`
	// Disabled: a single SRV record with target "." says the service is
	// decidedly not available (RFC 2782, RFC 6120 §3.2.1).
	Disabled bool `json:"disabled,omitempty"`
	// Fallback: no SRV record, so the domain itself on the default port is
	// used (RFC 6120 §3.2.2); only for xmpp-client and xmpp-server.
	Fallback bool `json:"fallback,omitempty"`
	// Error says why the SRV question got no answer (resolver failure).
	Error string `json:"error,omitempty"`
	// DNSSEC is what the SRV answer says about its authenticity.
	DNSSEC *probes.DNSSEC `json:"dnssec,omitempty"`
	// Evidence is the SRV answer as seen.
	Evidence probes.Evidence `json:"evidence"`
}

// Endpoints returns the addresses of the targets, in record order, at most
// probes.MaxEndpoints of them: a hostile zone of eight targets with sixteen
// addresses each must not make every probe dial 128 hosts. Addresses
// counts them all.
func (s *Service) Endpoints() []probes.Endpoint {
	var out []probes.Endpoint
	seen := map[string]bool{}
	for _, r := range s.Records {
		for _, e := range r.Endpoints {
			if !seen[e.Addr] && len(out) < probes.MaxEndpoints {
				seen[e.Addr] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// Addresses is how many distinct addresses the targets have.
func (s *Service) Addresses() int {
	seen := map[string]bool{}
	for _, r := range s.Records {
		for _, e := range r.Endpoints {
			seen[e.Addr] = true
		}
	}
	return len(seen)
}

// Published reports whether SRV records (other than ".") exist.
func (s *Service) Published() bool { return !s.Fallback && !s.Disabled && len(s.Records) > 0 }

// DNSData is the data of the xmpp.dns probe.
type DNSData struct {
	Domain   string     `json:"domain"`
	Services []*Service `json:"services"`
}

// DNS is the observation of the xmpp.dns probe.
var DNS = probes.Key[*DNSData]{ID: "xmpp.dns"}

// Service returns the named service (nil if absent).
func (d *DNSData) Service(name string) *Service {
	if d == nil {
		return nil
	}
	for _, s := range d.Services {
		if s.Service == name {
			return s
		}
	}
	return nil
}

func dnsProbe(ctx context.Context, env *probes.Env, domain string) probes.Observation {
	d := &DNSData{Domain: domain}
	var wg sync.WaitGroup
	for _, name := range Services {
		s := &Service{Service: name}
		d.Services = append(d.Services, s)
		wg.Add(1)
		go func() {
			defer wg.Done()
			lookupService(ctx, env, domain, s)
		}()
	}
	wg.Wait()
	var ev []probes.Evidence
	failed := 0
	var reasons []string
	for _, s := range d.Services {
		ev = append(ev, s.Evidence)
		if s.Error != "" {
			failed++
			reasons = append(reasons, s.Error)
		}
	}
	if failed == len(d.Services) {
		return probes.Observation{Status: probes.StatusDNSError, Reason: reasons[0], Evidence: ev, Data: d}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: d}
}

func lookupService(ctx context.Context, env *probes.Env, domain string, s *Service) {
	s.Name = "_" + s.Service + "._tcp." + dns.Fqdn(domain)
	ans, err := env.Resolver.Query(ctx, s.Name, dns.TypeSRV)
	if err != nil {
		s.Error = err.Error()
		s.DNSSEC = probes.NoAnswerDNSSEC(s.Name, dns.TypeSRV, err)
		s.Evidence = probes.Evidence{Kind: "dns", Sent: s.Name + " SRV", Detail: "no answer: " + err.Error()}
		return
	}
	s.Rcode, s.AD, s.Evidence, s.DNSSEC = ans.RcodeString(), ans.AD, ans.Evidence(), ans.DNSSEC()
	if ans.Rcode != dns.RcodeSuccess && ans.Rcode != dns.RcodeNameError {
		s.Error = fmt.Sprintf("SRV question %s answered %s", s.Name, ans.Problem())
		return
	}
	for _, rr := range ans.Records {
		if srv, ok := rr.(*dns.SRV); ok && strings.EqualFold(srv.Hdr.Name, s.Name) {
			s.Records = append(s.Records, SRVTarget{Priority: srv.Priority, Weight: srv.Weight, Port: srv.Port, Target: srv.Target})
		}
	}
	if len(s.Records) == 1 && s.Records[0].Target == "." {
		s.Disabled = true
		return
	}
	// Drop "." among other records (malformed), sort, bound.
	recs := probes.OrderSRV(s.Records, maxTargetsPerLookup, func(r SRVTarget) (uint16, uint16, string) { return r.Priority, r.Weight, r.Target })
	s.Records = recs
	if len(recs) == 0 {
		switch s.Service {
		case ServiceClient:
			s.Fallback = true
			s.Records = []SRVTarget{{Port: DefaultClientPort, Target: dns.Fqdn(domain)}}
		case ServiceServer:
			s.Fallback = true
			s.Records = []SRVTarget{{Port: DefaultServerPort, Target: dns.Fqdn(domain)}}
		default:
			return
		}
	}
	var wg sync.WaitGroup
	for i := range s.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &s.Records[i]
			host := strings.TrimSuffix(r.Target, ".")
			eps, ev, _, err := env.ResolveEndpoints(ctx, host, int(r.Port))
			if err != nil {
				r.Error = err.Error()
			}
			r.Endpoints, r.Evidence = eps, ev
		}()
	}
	wg.Wait()
}

// serviceEvidence renders a service's SRV answer and the addresses found.
func serviceEvidence(s *Service) []probes.Evidence {
	ev := []probes.Evidence{s.Evidence}
	var lines []string
	for _, r := range s.Records {
		var addrs []string
		for _, e := range r.Endpoints {
			a := e.Addr
			if e.Via == "connect-override" {
				a += " (--connect)"
			}
			addrs = append(addrs, a)
		}
		l := fmt.Sprintf("%s:%d -> %s", strings.TrimSuffix(r.Target, "."), r.Port, strings.Join(addrs, ", "))
		if r.Error != "" {
			l = fmt.Sprintf("%s:%d -> %s", strings.TrimSuffix(r.Target, "."), r.Port, r.Error)
		}
		lines = append(lines, l)
	}
	if len(lines) > 0 {
		what := "SRV targets"
		if s.Fallback {
			what = "no SRV record: fallback to the domain (RFC 6120 §3.2.2)"
		}
		ev = append(ev, probes.Evidence{Kind: "note", Detail: what + ":\n" + strings.Join(lines, "\n")})
	}
	return ev
}
