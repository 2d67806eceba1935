package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestServesZone(t *testing.T) {
	z, err := parseZone(strings.NewReader(`
_xmpp-client._tcp.strong.demo.test. 60 IN SRV 0 5 25222 xmpp.strong.demo.test.
xmpp.strong.demo.test. 60 IN A 127.0.0.1
`), "test")
	if err != nil {
		t.Fatal(err)
	}
	z.ad = true
	if _, _, err := serve("192.0.2.1:53", z); err == nil {
		t.Fatal("served on a non-loopback address")
	}
	udp, tcp, err := serve("127.0.0.1:0", z)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = udp.ShutdownContext(ctx)
		_ = tcp.ShutdownContext(ctx)
	})
	addr := udp.PacketConn.LocalAddr().String()
	ask := func(net, name string, qtype uint16) *dns.Msg {
		t.Helper()
		c := &dns.Client{Net: net, Timeout: 2 * time.Second}
		m := new(dns.Msg)
		m.SetQuestion(name, qtype)
		r, _, err := c.Exchange(m, addr)
		if err != nil {
			t.Fatalf("%s %s: %v", net, name, err)
		}
		return r
	}
	r := ask("udp", "_XMPP-client._tcp.strong.demo.test.", dns.TypeSRV)
	if len(r.Answer) != 1 || !r.AuthenticatedData || r.Answer[0].(*dns.SRV).Port != 25222 {
		t.Errorf("SRV: %v", r)
	}
	if r := ask("tcp", "xmpp.strong.demo.test.", dns.TypeA); len(r.Answer) != 1 {
		t.Errorf("A over TCP: %v", r)
	}
	if r := ask("udp", "xmpp.strong.demo.test.", dns.TypeAAAA); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
		t.Errorf("AAAA: %v", r)
	}
	if r := ask("udp", "nope.demo.test.", dns.TypeA); r.Rcode != dns.RcodeNameError {
		t.Errorf("unknown name: %v", r)
	}
}
