package probes_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

func TestInternalAddr(t *testing.T) {
	internal := []string{
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "169.254.0.1", "100.64.0.1", "100.100.100.200", "0.0.0.0", "0.1.2.3",
		"224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1", "192.0.0.170", "198.18.0.1",
		"168.63.129.16",
		"::", "::1", "fd00::1", "fd00:ec2::254", "fc00::1", "fe80::1", "fe80::1%eth0", "fec0::1",
		"ff02::1", "ff05::2", "100::1", "64:ff9b:1::1",
		"::ffff:10.0.0.1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
		"::10.0.0.1",                                              // IPv4-compatible
		"::ffff:0:10.0.0.1",                                       // IPv4-translated
		"64:ff9b::a00:1", "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1", // NAT64 of 10.0.0.1, 169.254.169.254, 127.0.0.1
		"2002:a00:1::1", "2002:a9fe:a9fe::1", "2002:7f00:1::", // 6to4 of 10.0.0.1, 169.254.169.254, 127.0.0.1
		"2001:0:4136:e378:8000:63bf:f5ff:fffe", // Teredo, client 10.0.0.1
	}
	public := []string{
		"8.8.8.8", "1.1.1.1", "192.0.2.10", "203.0.113.5", "100.128.0.1", "172.32.0.1", "169.255.0.1",
		"2001:4860:4860::8888", "2a00:1450::1", "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8",
	}
	for _, s := range internal {
		if !probes.InternalAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s: not internal", s)
		}
	}
	for _, s := range public {
		if probes.InternalAddr(netip.MustParseAddr(s)) {
			t.Errorf("%s: internal", s)
		}
	}
	if !probes.InternalAddr(netip.Addr{}) {
		t.Error("the zero Addr is not internal")
	}
}

// flipResolver answers A questions from a table that a test can change
// between two lookups (DNS rebinding).
type flipResolver struct {
	mu sync.Mutex
	a  map[string][]string
}

func (f *flipResolver) set(name string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.a == nil {
		f.a = map[string][]string{}
	}
	f.a[dns.Fqdn(name)] = addrs
}

func (f *flipResolver) Query(ctx context.Context, name string, qtype uint16) (*probes.Answer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ans := &probes.Answer{Name: dns.Fqdn(name), Type: qtype, Server: "test"}
	addrs, ok := f.a[dns.Fqdn(name)]
	if !ok {
		ans.Rcode = dns.RcodeNameError
		return ans, nil
	}
	for _, s := range addrs {
		a := netip.MustParseAddr(s)
		hdr := dns.RR_Header{Name: dns.Fqdn(name), Rrtype: qtype, Class: dns.ClassINET, Ttl: 60}
		switch {
		case qtype == dns.TypeA && a.Is4():
			ans.Records = append(ans.Records, &dns.A{Hdr: hdr, A: a.AsSlice()})
		case qtype == dns.TypeAAAA && a.Is6():
			ans.Records = append(ans.Records, &dns.AAAA{Hdr: hdr, AAAA: a.AsSlice()})
		}
	}
	return ans, nil
}

// TestGuard checks the guard's decisions through ResolveEndpoints and the
// Env's dialer, for every way a scan can be aimed. It runs in a network
// namespace with only loopback, and the recording dialer under the guard
// makes no connection beyond loopback anyway: it fails when an internal
// address reaches it that the guard should have refused.
func TestGuard(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	r := &flipResolver{}
	r.set("public.example.net", "192.0.2.10")
	r.set("www.public.example.net", "192.0.2.11")
	r.set("evil.example.net", "10.0.0.1", "fd00::1")
	r.set("mixed.example.net", "192.0.2.12", "169.254.169.254")
	r.set("lan.example.org", "10.1.1.1")
	r.set("xmpp.lan.example.org", "10.1.1.2")
	r.set("same.lan.example.org", "10.1.1.1")
	r.set("local.test", "127.0.0.1")
	r.set("xmpp.nodata.test", "127.0.0.1")
	r.set("other.test", "127.0.0.2")
	r.set("public.test", "192.0.2.13")
	r.set("hs.public.test", "127.0.0.1")
	r.set("dest.example.net", "10.9.9.9")

	cases := []struct {
		name    string
		scope   probes.Scope
		connect map[string]string
		steps   []step
	}{
		{"public target: nothing internal", probes.Scope{Targets: []string{"public.example.net"}}, nil, []step{
			{"public.example.net", 443, "192.0.2.10:443"},
			{"www.public.example.net", 443, "192.0.2.11:443"},
			{"evil.example.net", 5222, "evil.example.net → 10.0.0.1, fd00::1: internal addresses, not contacted"},
			{"169.254.169.254", 443, "169.254.169.254: internal address, not contacted"},
			{"::ffff:10.0.0.1", 443, "::ffff:10.0.0.1: internal address, not contacted"},
			{"mixed.example.net", 443, "192.0.2.12:443"}, // the internal one dropped
		}},
		{"IP literal target: its own address only", probes.Scope{Targets: []string{"10.1.1.1"}}, nil, []step{
			{"10.1.1.1", 5222, "10.1.1.1:5222"},
			{"same.lan.example.org", 5269, "10.1.1.1:5269"},
			{"::ffff:10.1.1.1", 5222, "[::ffff:10.1.1.1]:5222"},
			{"10.1.1.2", 5222, "10.1.1.2: internal address, not contacted"},
			{"evil.example.net", 5222, "evil.example.net → 10.0.0.1, fd00::1: internal addresses, not contacted"},
		}},
		{"name resolving internal: its own addresses, not its pointers", probes.Scope{Targets: []string{"lan.example.org"}}, nil, []step{
			{"lan.example.org", 5222, "10.1.1.1:5222"},
			{"same.lan.example.org", 5223, "10.1.1.1:5223"},
			{"xmpp.lan.example.org", 5222, "xmpp.lan.example.org → 10.1.1.2: internal address, not contacted"},
		}},
		{"target given as host:port", probes.Scope{Targets: []string{"lan.example.org:5222", "[fd00::5]:443"}}, nil, []step{
			{"same.lan.example.org", 5223, "10.1.1.1:5223"},
			{"fd00::5", 8448, "[fd00::5]:8448"},
			{"xmpp.lan.example.org", 5222, "xmpp.lan.example.org → 10.1.1.2: internal address, not contacted"},
		}},
		{"--allow-private", probes.Scope{Targets: []string{"lan.example.org"}, AllowPrivate: true}, nil, []step{
			{"xmpp.lan.example.org", 5222, "10.1.1.2:5222"},
			{"evil.example.net", 5222, "10.0.0.1:5222 [fd00::1]:5222"},
		}},
		{"--connect: the destination, not everything", probes.Scope{Targets: []string{"public.example.net"}},
			map[string]string{"public.example.net:5222": "10.5.5.5:5222", "www.public.example.net:443": "dest.example.net:8443"}, []step{
				{"public.example.net", 5222, "10.5.5.5:5222"},
				{"www.public.example.net", 443, "10.9.9.9:8443"},
				{"public.example.net", 5269, "192.0.2.10:5269"},
				{"evil.example.net", 5222, "evil.example.net → 10.0.0.1, fd00::1: internal addresses, not contacted"},
				{"10.0.0.1", 5222, "10.0.0.1: internal address, not contacted"},
			}},
		{"special-use target without an address: names under it", probes.Scope{Targets: []string{"nodata.test"}}, nil, []step{
			{"xmpp.nodata.test", 5222, "127.0.0.1:5222"},
			{"other.test", 5222, "other.test → 127.0.0.2: internal address, not contacted"},
			{"evil.example.net", 5222, "evil.example.net → 10.0.0.1, fd00::1: internal addresses, not contacted"},
		}},
		{"special-use target on loopback: own address and names under it", probes.Scope{Targets: []string{"local.test"}}, nil, []step{
			{"local.test", 5222, "127.0.0.1:5222"},
			{"xmpp.nodata.test", 5222, "127.0.0.1:5222"}, // the target's address
			{"other.test", 5222, "other.test → 127.0.0.2: internal address, not contacted"},
		}},
		{"special-use target with a public address: no subtree", probes.Scope{Targets: []string{"public.test"}}, nil, []step{
			{"hs.public.test", 443, "hs.public.test → 127.0.0.1: internal address, not contacted"},
		}},
		{"listed targets (a batch): not even their own addresses", probes.Scope{Targets: []string{"lan.example.org", "local.test", "10.1.1.1"}, Listed: true}, nil, []step{
			{"lan.example.org", 5222, "lan.example.org → 10.1.1.1: internal address, not contacted"},
			{"10.1.1.1", 5222, "10.1.1.1: internal address, not contacted"},
			{"local.test", 5222, "local.test → 127.0.0.1: internal address, not contacted"},
			{"xmpp.nodata.test", 5222, "xmpp.nodata.test → 127.0.0.1: internal address, not contacted"},
			{"public.example.net", 443, "192.0.2.10:443"},
		}},
		{"listed targets: a --connect destination", probes.Scope{Targets: []string{"lan.example.org"}, Listed: true},
			map[string]string{"public.example.net:5222": "dest.example.net:5222"}, []step{
				{"public.example.net", 5222, "10.9.9.9:5222"},
				{"lan.example.org", 5222, "lan.example.org → 10.1.1.1: internal address, not contacted"},
			}},
		{"listed targets, --allow-private", probes.Scope{Targets: []string{"lan.example.org"}, Listed: true, AllowPrivate: true}, nil, []step{
			{"lan.example.org", 5222, "10.1.1.1:5222"},
			{"xmpp.lan.example.org", 5222, "10.1.1.2:5222"},
		}},
		{"no target declared: public only", probes.Scope{}, nil, []step{
			{"public.example.net", 443, "192.0.2.10:443"},
			{"127.0.0.1", 443, "127.0.0.1: internal address, not contacted"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rd := &testenv.RecordingDialer{}
			env := (&probes.Env{Resolver: r, Dialer: rd, Scope: c.scope, Connect: c.connect, IOTimeout: time.Second}).Filled()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, s := range c.steps {
				eps, ev, st, err := env.ResolveEndpoints(ctx, s.host, s.port)
				var got string
				if err != nil {
					got = err.Error()
					var re *probes.RefusedError
					if !errors.As(err, &re) || st != probes.StatusUnreachable {
						t.Errorf("%s: %s %v, want a RefusedError with status unreachable", s.host, st, err)
					}
				} else {
					var as []string
					for _, e := range eps {
						as = append(as, e.Addr)
					}
					got = strings.Join(as, " ")
				}
				if got != s.want {
					t.Errorf("%s:%d: got %q, want %q", s.host, s.port, got, s.want)
				}
				refusedNote := false
				for _, e := range ev {
					refusedNote = refusedNote || strings.Contains(e.Detail, "not contacted")
				}
				if strings.Contains(s.want, "not contacted") != refusedNote && s.host != "mixed.example.net" {
					t.Errorf("%s: evidence %+v: a refusal note expected: %v", s.host, ev, strings.Contains(s.want, "not contacted"))
				}
				// Whatever the resolution allowed, the dialer allows.
				for _, e := range eps {
					if _, _, err := env.Dial(ctx, e.Addr); err != nil && strings.Contains(err.Error(), "not contacted") {
						t.Errorf("dial %s after it was allowed: %v", e.Addr, err)
					}
				}
			}
			// Dialling around the resolution gets no further.
			before := len(rd.Attempts())
			for _, a := range []string{"10.0.0.1:22", "[fd00::1]:80", "169.254.169.254:80", "[::ffff:127.0.0.2]:6379", "evil.example.net:80"} {
				if c.scope.AllowPrivate {
					break
				}
				if _, _, err := env.Dial(ctx, a); err == nil || !strings.Contains(err.Error(), "not") {
					t.Errorf("dial %s: %v, want a refusal", a, err)
				}
			}
			if n := len(rd.Attempts()) - before; n != 0 && !c.scope.AllowPrivate {
				t.Errorf("%d refused dials reached the dialer: %v", n, rd.Attempts()[before:])
			}
			for _, a := range rd.Attempts() {
				ap, err := netip.ParseAddrPort(a)
				if err != nil {
					t.Errorf("the dialer got a name: %q", a)
					continue
				}
				if probes.InternalAddr(ap.Addr()) && !c.scope.AllowPrivate && !allowedIn(c.steps, a) {
					t.Errorf("dial attempt to internal %s", a)
				}
			}
		})
	}
}

// step is one resolution and what it must give: the endpoints' addresses,
// or the refusal's text.
type step struct {
	host string
	port int
	want string
}

func allowedIn(steps []step, addr string) bool {
	for _, s := range steps {
		for _, w := range strings.Fields(s.want) {
			if w == addr {
				return true
			}
		}
	}
	return false
}

// TestGuardRebinding: a name that resolved to a public address for an
// earlier check and to an internal one when the connection is made is
// refused when it is made — the decision is on the address dialled.
func TestGuardRebinding(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	r := &flipResolver{}
	r.set("public.example.net", "192.0.2.10")
	r.set("rebind.example.net", "192.0.2.20")
	rd := &testenv.RecordingDialer{}
	env := (&probes.Env{Resolver: r, Dialer: rd, Scope: probes.Scope{Targets: []string{"public.example.net"}}, IOTimeout: time.Second}).Filled()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if eps, _, _, err := env.ResolveEndpoints(ctx, "rebind.example.net", 443); err != nil || len(eps) != 1 {
		t.Fatalf("first lookup: %v %v", eps, err)
	}
	r.set("rebind.example.net", "169.254.169.254")
	// The HTTP client resolves again when it dials: now internal.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://rebind.example.net/", nil)
	_, err := env.HTTP.Do(req)
	var re *probes.RefusedError
	if err == nil || !errors.As(err, &re) || !strings.Contains(err.Error(), "rebind.example.net → 169.254.169.254: internal address, not contacted") {
		t.Fatalf("HTTP request after rebinding: %v, want a refusal", err)
	}
	// A literal internal URL, and a redirect to one, are not followed.
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://[fd00:ec2::254]/latest/meta-data/", nil)
	if _, err := env.HTTP.Do(req); err == nil || !errors.As(err, &re) {
		t.Fatalf("HTTP request to the metadata service: %v, want a refusal", err)
	}
	for _, a := range rd.Attempts() {
		if ap, err := netip.ParseAddrPort(a); err != nil || probes.InternalAddr(ap.Addr()) {
			t.Errorf("dial attempt reached the dialer: %s", a)
		}
	}
	if probes.ClassifyNetError(err) != probes.StatusUnreachable {
		t.Errorf("a refusal classifies as %s", probes.ClassifyNetError(err))
	}
	var ne net.Error
	if !errors.As(err, &ne) {
		t.Errorf("a refusal is not a net.Error: %T", err)
	}
}
