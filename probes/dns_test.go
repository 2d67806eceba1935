package probes

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/miekg/dns"
)

// startDNS serves rrs (master-file lines) on 127.0.0.1 UDP+TCP.
func startDNS(t *testing.T, ad bool, lines ...string) string {
	t.Helper()
	return testenv.StartDNS(t, strings.Join(lines, "\n"), ad).Addr
}

func TestDNSResolverAndEndpoints(t *testing.T) {
	addr := startDNS(t, true,
		"multi.test. 60 IN A 127.0.0.2",
		"multi.test. 60 IN A 127.0.0.1",
		"multi.test. 60 IN AAAA ::1",
		"_443._tcp.multi.test. 60 IN TLSA 3 1 1 aabbcc",
	)
	env := (&Env{Resolver: NewDNSResolver(addr), Scope: Scope{Targets: []string{"multi.test"}}}).Filled()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	eps, ev, st, err := env.ResolveEndpoints(ctx, "multi.test", 443)
	if err != nil || st != StatusOK {
		t.Fatal(st, err)
	}
	var got []string
	for _, e := range eps {
		got = append(got, e.Addr)
	}
	want := "127.0.0.1:443 127.0.0.2:443 [::1]:443"
	if strings.Join(got, " ") != want {
		t.Fatalf("endpoints %v, want %s", got, want)
	}
	if len(ev) != 2 || !strings.Contains(ev[0].Received, "ad=true") {
		t.Fatalf("evidence %+v", ev)
	}

	a, err := env.Resolver.Query(ctx, "_443._tcp.multi.test", dns.TypeTLSA)
	if err != nil || !a.AD || len(a.Records) != 1 {
		t.Fatalf("TLSA: %+v %v", a, err)
	}

	_, _, st, err = env.ResolveEndpoints(ctx, "nope.test", 443)
	if st != StatusDNSError || err == nil || !strings.Contains(err.Error(), "NXDOMAIN") {
		t.Fatalf("unknown host: %s %v", st, err)
	}

	env.Connect = map[string]string{"multi.test:443": "127.0.0.9:8443"}
	eps, _, _, err = env.ResolveEndpoints(ctx, "Multi.Test.", 443)
	if err != nil || len(eps) != 1 || eps[0].Addr != "127.0.0.9:8443" || eps[0].Via != "connect-override" {
		t.Fatalf("override: %+v %v", eps, err)
	}
	eps, _, _, _ = env.ResolveEndpoints(ctx, "::1", 5222)
	if len(eps) != 1 || eps[0].Addr != "[::1]:5222" {
		t.Fatalf("literal: %+v", eps)
	}
}

func TestResolverDeadServer(t *testing.T) {
	pc, _ := net.ListenPacket("udp", "127.0.0.1:0") // answers nothing
	defer pc.Close()
	r := NewDNSResolver(pc.LocalAddr().String())
	r.Timeout = 200 * time.Millisecond
	start := time.Now()
	_, err := r.Query(context.Background(), "x.test", dns.TypeA)
	if err == nil {
		t.Fatal("no error from a silent server")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("query not bounded")
	}
}

func TestClassify(t *testing.T) {
	env := (&Env{IOTimeout: 2 * time.Second, Scope: Scope{Targets: []string{"127.0.0.1"}}}).Filled()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	_, st, err := env.Dial(context.Background(), addr)
	if err == nil || st != StatusRefused {
		t.Fatalf("closed port: %s %v", st, err)
	}
}

func TestLookupAddrsFailsOnPartialServfail(t *testing.T) {
	addr := startDNS(t, false, "half.test. 60 IN A 127.0.0.1")
	// Wrap: answer SERVFAIL for AAAA.
	r := &servfailAAAA{inner: NewDNSResolver(addr)}
	_, _, err := LookupAddrs(context.Background(), r, "half.test")
	if err == nil || !strings.Contains(err.Error(), "SERVFAIL") {
		t.Fatalf("a SERVFAIL on AAAA was ignored: %v", err)
	}
}

type servfailAAAA struct{ inner Resolver }

func (s *servfailAAAA) Query(ctx context.Context, name string, qtype uint16) (*Answer, error) {
	if qtype == dns.TypeAAAA {
		return &Answer{Name: dns.Fqdn(name), Type: qtype, Server: "test", Rcode: dns.RcodeServerFailure}, nil
	}
	return s.inner.Query(ctx, name, qtype)
}
