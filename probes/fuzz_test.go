package probes

import (
	"context"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// msgResolver answers A and AAAA questions for pointer.example.net with
// the records of one DNS message, and scan.example.net with a public
// address.
type msgResolver struct{ msg *dns.Msg }

func (m msgResolver) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	a := &Answer{Name: dns.Fqdn(name), Type: qtype, Server: "fuzz"}
	if dns.Fqdn(name) == "scan.example.net." {
		if qtype == dns.TypeA {
			a.Records = []dns.RR{&dns.A{Hdr: dns.RR_Header{Name: a.Name, Rrtype: dns.TypeA, Class: dns.ClassINET}, A: netip.MustParseAddr("192.0.2.1").AsSlice()}}
		}
		return a, nil
	}
	return answerOf(name, qtype, "fuzz", m.msg), nil
}

// FuzzDNSAnswer unpacks arbitrary bytes as a DNS response, turns it into
// an Answer as the resolver does (RRSIGs counted, EDE text kept), and
// checks what the scan makes of it: the evidence is bounded, SRV ordering keeps its
// bound, and — the SSRF guard — resolving a name a public target pointed
// to never yields an internal address to connect to.
func FuzzDNSAnswer(f *testing.F) {
	seed := func(rrs ...string) {
		m := new(dns.Msg)
		m.SetQuestion("pointer.example.net.", dns.TypeA)
		for _, s := range rrs {
			rr, err := dns.NewRR(s)
			if err != nil {
				f.Fatal(err)
			}
			m.Answer = append(m.Answer, rr)
		}
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed("pointer.example.net. 60 IN A 10.0.0.1", "pointer.example.net. 60 IN A 192.0.2.7")
	seed("pointer.example.net. 60 IN AAAA ::ffff:169.254.169.254", "pointer.example.net. 60 IN AAAA 64:ff9b::a00:1", "pointer.example.net. 60 IN AAAA 2001:db8::1")
	seed("_xmpp-client._tcp.example.net. 60 IN SRV 5 0 5222 xmpp.example.net.", "_xmpp-client._tcp.example.net. 60 IN SRV 0 0 0 .")
	seed("pointer.example.net. 60 IN TXT \"v=spf1 -all\"", "pointer.example.net. 60 IN CNAME other.example.net.")
	f.Fuzz(func(t *testing.T, b []byte) {
		m := new(dns.Msg)
		if m.Unpack(b) != nil {
			return
		}
		a := answerOf("pointer.example.net", dns.TypeA, "fuzz", m)
		if ev := a.Evidence(); len(ev.Received) > (MaxListed+2)*(maxListedLine+4) {
			t.Fatalf("evidence of %d bytes for %d records", len(ev.Received), len(m.Answer))
		}
		var srv []*dns.SRV
		for _, rr := range m.Answer {
			if s, ok := rr.(*dns.SRV); ok {
				srv = append(srv, s)
			}
		}
		if got := OrderSRV(srv, 8, func(s *dns.SRV) (uint16, uint16, string) { return s.Priority, s.Weight, s.Target }); len(got) > 8 {
			t.Fatalf("%d SRV targets kept", len(got))
		}
		env := (&Env{Resolver: msgResolver{m}, Scope: Scope{Targets: []string{"scan.example.net"}}}).Filled()
		eps, _, _, err := env.ResolveEndpoints(context.Background(), "pointer.example.net", 443)
		if err == nil && len(eps) == 0 {
			t.Fatal("no endpoint and no error")
		}
		if len(eps) > MaxEndpoints {
			t.Fatalf("%d endpoints", len(eps))
		}
		for _, ep := range eps {
			ap, perr := netip.ParseAddrPort(ep.Addr)
			if perr != nil || InternalAddr(ap.Addr()) {
				t.Fatalf("a public target's pointer resolved to %s, to be dialled", ep.Addr)
			}
			if err := env.guard.checkDial(context.Background(), ep.Addr); err != nil {
				t.Fatalf("the dialer refuses what the resolution allowed: %v", err)
			}
		}
	})
}
