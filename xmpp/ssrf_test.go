package xmpp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// internalAddrs are one address of every range a public domain must not
// lead imscore into: loopback, RFC 1918, link-local with the cloud
// metadata service, CGNAT, multicast, unspecified, ULA (with AWS's IPv6
// metadata address), IPv6 link-local, and IPv4-mapped, NAT64 and 6to4 forms
// of internal IPv4 addresses.
var internalAddrs = []string{
	"127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
	"224.0.0.1", "0.0.0.0", "::1", "fd00::1", "fd00:ec2::254", "fe80::1", "ff02::1", "::",
	"::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a00:1", "2002:a9fe:a9fe::1",
}

// hostileXMPPZone is hostile.example.net: public-looking (its own address
// is TEST-NET-1, 192.0.2.10), with the SRV targets of all four services
// resolving into every internal range.
func hostileXMPPZone() string {
	var b strings.Builder
	b.WriteString("hostile.example.net. 60 IN A 192.0.2.10\n")
	services := []struct {
		name string
		port int
	}{{"_xmpp-client", 5222}, {"_xmpp-server", 5269}, {"_xmpps-client", 5223}, {"_xmpps-server", 5270}}
	for i, a := range internalAddrs {
		svc := services[i%len(services)]
		target := fmt.Sprintf("t%d.hostile.example.net.", i)
		fmt.Fprintf(&b, "%s._tcp.hostile.example.net. 60 IN SRV 0 0 %d %s\n", svc.name, svc.port, target)
		rr := "A"
		if netip.MustParseAddr(a).Is6() {
			rr = "AAAA"
		}
		fmt.Fprintf(&b, "%s 60 IN %s %s\n", target, rr, a)
	}
	// A web name for host-meta links that resolves internal.
	b.WriteString("ws.hostile.example.net. 60 IN A 169.254.169.254\n")
	return b.String()
}

func hostileHostMeta() (xrd, js string) {
	links := []string{"wss://10.0.0.1/ws", "https://[fd00::1]/bosh", "wss://ws.hostile.example.net/ws", "https://[::ffff:127.0.0.1]:5281/http-bind"}
	xrd = "<?xml version='1.0'?><XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>"
	js = `{"links":[`
	for i, l := range links {
		rel := xmpp.RelWebSocket
		if strings.HasPrefix(l, "https") {
			rel = xmpp.RelBOSH
		}
		xrd += fmt.Sprintf(`<Link rel=%q href=%q/>`, rel, l)
		if i > 0 {
			js += ","
		}
		js += fmt.Sprintf(`{"rel":%q,"href":%q}`, rel, l)
	}
	return xrd + "</XRD>", js + "]}"
}

// TestHostileDomainCannotAimAtInternalNetworks scans a public-looking
// domain whose SRV targets and host-meta links point into every internal
// range, in a network namespace with only loopback, and checks that not one
// connection to an internal address was even attempted, and that the
// report says why.
func TestHostileDomainCannotAimAtInternalNetworks(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"hostile.example.net"}, KeyType: "ecdsa256"})
	xrd, js := hostileHostMeta()
	wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: map[string]testenv.WellKnownFile{
		"/.well-known/host-meta":      {Body: xrd, ContentType: "application/xrd+xml"},
		"/.well-known/host-meta.json": {Body: js},
	}})
	dns := testenv.StartDNS(t, hostileXMPPZone(), false)
	rd := &testenv.RecordingDialer{Map: map[string]string{"192.0.2.10:443": wk.Addr}}
	env := &probes.Env{Resolver: probes.NewDNSResolver(dns.Addr), Dialer: rd, Roots: pki.Pool(), IOTimeout: time.Second,
		Scope: probes.Scope{Targets: []string{"hostile.example.net"}}}
	rep := scanXMPP(t, env, "hostile.example.net")

	attempts := rd.Attempts()
	internal := rd.Count(probes.InternalAddr)
	t.Logf("dial attempts: %d in all, %d to internal addresses", len(attempts), internal)
	if internal != 0 {
		t.Errorf("%d connection attempts to internal addresses: %v", internal, attempts)
	}
	if wk.Count("/.well-known/host-meta") == 0 {
		t.Errorf("host-meta was not fetched: the public address was not dialled (attempts %v)", attempts)
	}
	for _, f := range rep.Findings {
		if testing.Verbose() && (strings.HasPrefix(f.Criterion, "xmpp.dns") || strings.HasPrefix(f.Criterion, "xmpp.web")) {
			t.Logf("%s %s: %s", f.Criterion, f.Status, f.Summary)
		}
	}
	// The report says what was refused, target by target.
	for _, id := range []string{"xmpp.dns.srv-client", "xmpp.dns.srv-server"} {
		f := findingOf(rep, id)
		if f == nil || !strings.Contains(f.Summary, "internal address, not contacted") {
			t.Errorf("%s: %+v, want a summary saying internal addresses were not contacted", id, f)
		}
	}
	ev := evidenceText(rep)
	for i, a := range internalAddrs {
		want := fmt.Sprintf("t%d.hostile.example.net → %s: internal address, not contacted", i, netip.MustParseAddr(a))
		if !strings.Contains(ev, want) {
			t.Errorf("no evidence line %q", want)
		}
	}
	for _, want := range []string{"10.0.0.1: internal address, not contacted", "fd00::1: internal address, not contacted",
		"ws.hostile.example.net → 169.254.169.254: internal address, not contacted"} {
		if !strings.Contains(ev, want) {
			t.Errorf("host-meta: no evidence line %q", want)
		}
	}
}

func scanXMPP(t *testing.T, env *probes.Env, domain string) *report.Report {
	t.Helper()
	reg, err := probes.NewRegistry(xmpp.Probes(domain)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := probes.Run(ctx, env, reg, probes.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := criteria.Assemble("xmpp", report.Target{Kind: "xmpp", Name: domain}, res, report.Tool{Name: "imscore"}, time.Unix(0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func findingOf(r *report.Report, id string) *report.Finding {
	for i := range r.Findings {
		if r.Findings[i].Criterion == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// evidenceText is every piece of evidence and data of the report as text.
func evidenceText(r *report.Report) string {
	var b strings.Builder
	for _, o := range r.Observations {
		fmt.Fprintf(&b, "%s %s %s\n", o.Probe, o.Status, o.Reason)
		for _, e := range o.Evidence {
			fmt.Fprintf(&b, "%s\n%s\n%s\n", e.Sent, e.Received, e.Detail)
		}
		raw, _ := json.Marshal(o.Data)
		fmt.Fprintf(&b, "%s\n", raw)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s %s\n", f.Criterion, f.Summary)
	}
	return b.String()
}
