package probes

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// oversizedUDPServer answers every UDP question with a datagram far larger
// than the 4096 bytes the client asked for, and without the TC bit (a
// broken or hostile server: the client's read is cut and the message does
// not parse, "overflowing header size"); over TCP it answers the same
// message properly.
func oversizedUDPServer(t *testing.T, records int) string {
	t.Helper()
	answer := func(req *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(req)
		for i := 0; i < records; i++ {
			ip := netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)})
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: req.Question[0].Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60}, A: ip.AsSlice()})
		}
		return m
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		t.Skipf("no TCP twin of the UDP port: %v", err)
	}
	t.Cleanup(func() { pc.Close(); l.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			req := new(dns.Msg)
			if req.Unpack(buf[:n]) != nil || len(req.Question) != 1 {
				continue
			}
			b, _ := answer(req).Pack()
			_, _ = pc.WriteTo(b, from)
		}
	}()
	tcp := &dns.Server{Listener: l, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) { _ = w.WriteMsg(answer(req)) })}
	go func() { _ = tcp.ActivateAndServe() }()
	t.Cleanup(func() { _ = tcp.Shutdown() })
	return pc.LocalAddr().String()
}

// TestOversizedUDPAnswerRetriedOverTCP: an answer that does not fit the
// UDP buffer is asked again over TCP instead of failing the lookup.
func TestOversizedUDPAnswerRetriedOverTCP(t *testing.T) {
	addr := oversizedUDPServer(t, 1500) // about 44 KB
	r := NewDNSResolver(addr)
	r.Timeout = 2 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := r.Query(ctx, "big.example.net", dns.TypeA)
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	if len(a.Records) != 1500 {
		t.Fatalf("%d records, want 1500", len(a.Records))
	}
	if ev := a.Evidence(); !strings.Contains(ev.Received, "… and 1,480 more") {
		t.Errorf("evidence %q", ev.Received)
	}
}
