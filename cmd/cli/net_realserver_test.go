package cli

// Real-server tests of what the network between imscore and the server does
// to a verdict (issue 11, points 2 and 3): an IPv4-only vantage point, a
// dead AAAA address, a name from /etc/hosts. The no-route cases run in a
// network namespace with only loopback (testenv.Isolated), where the
// documentation prefix 2001:db8::/32 has no route and no packet leaves.

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
)

// TestRealIPv4OnlyVantage: nginx on 127.0.0.1, the name also has an AAAA
// record this machine has no route to. The IPv6 endpoint is not tested,
// listed as not reachable from this vantage point, and not graded: the
// grade is nginx's own (A+), net.dual-stack is skip naming the address.
func TestRealIPv4OnlyVantage(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	testenv.Need(t, "nginx")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "v4only", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256"})
	srv := testenv.StartNginx(t, testenv.NginxOptions{Cert: cert, Key: key, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
	_, port, _ := net.SplitHostPort(srv.Addr)
	d := testenv.StartDNS(t, "test.example. 60 IN A 127.0.0.1\ntest.example. 60 IN AAAA 2001:db8::1", true)
	common := []string{"test.example:" + port, "--resolver", d.Addr, "--ca-file", pki.CAFile}

	code, r, stderr := scanJSON(t, common...)
	if code != ExitOK || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("grade %s, net.dual-stack %s: %s", r.Grade, statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	checkReport(t, r, base(), "A+")
	ds := finding(r, "net.dual-stack")
	if ds == nil || ds.Status != S || !strings.Contains(ds.Summary, "[2001:db8::1]:"+port) || !strings.Contains(ds.Summary, "not reachable from this vantage point") {
		t.Errorf("net.dual-stack %s: %s", statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	}
	if len(r.Target.Endpoints) != 1 || r.Target.Endpoints[0].Addr != "127.0.0.1:"+port {
		t.Errorf("scanned endpoints %+v", r.Target.Endpoints)
	}
	if len(r.Target.Unreached) != 1 || r.Target.Unreached[0].Endpoint.Addr != "[2001:db8::1]:"+port || r.Target.Unreached[0].Cause != "no-route" {
		t.Errorf("unreached %+v", r.Target.Unreached)
	}

	// The table says so too.
	var out, errb bytes.Buffer
	if c := Main(context.Background(), append([]string{"scan", "tls"}, common...), &out, &errb); c != ExitOK {
		t.Fatalf("table: exit %d: %s", c, errb.String())
	}
	if !strings.Contains(out.String(), "Not tested") || !strings.Contains(out.String(), "[2001:db8::1]:"+port+" (test.example): not reachable from this vantage point") {
		t.Errorf("table lacks the unreached endpoint:\n%s", out.String())
	}

	// -4: the same scan, IPv6 left out on purpose.
	code, r, stderr = scanJSON(t, append(common, "-4")...)
	if code != ExitOK || r == nil || r.Grade != "A+" || statuses(r)["net.dual-stack"] != S || !strings.Contains(summaryOf(r, "net.dual-stack"), "restricted to ipv4") {
		t.Fatalf("-4: exit %d %s: %v", code, stderr, r != nil && true)
	}
	// -6: nothing this machine can test.
	code, _, stderr = scanJSON(t, append(common, "-6")...)
	if code != ExitCannotScan || !strings.Contains(stderr, "[2001:db8::1]:"+port) {
		t.Fatalf("-6: exit %d: %s", code, stderr)
	}
	// --require-all-families: CI insists on both families.
	code, _, stderr = scanJSON(t, append(common, "--require-all-families")...)
	if code != ExitPolicy || !strings.Contains(stderr, "net.dual-stack is skip") || !strings.Contains(stderr, "not reachable from this vantage point") {
		t.Fatalf("--require-all-families: exit %d: %s", code, stderr)
	}
}

// TestRealDeadAAAA: the name has an AAAA record (::1) on which nothing
// listens, while nginx answers on 127.0.0.1: the server's fault.
// net.dual-stack fails naming the address, the TLS criteria grade what
// answers, and the fail caps the grade at B.
func TestRealDeadAAAA(t *testing.T) {
	testenv.Need(t, "nginx")
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		l.Close()
	}
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "deadaaaa", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256"})
	srv := testenv.StartNginx(t, testenv.NginxOptions{Cert: cert, Key: key, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
	_, port, _ := net.SplitHostPort(srv.Addr)
	if c, err := net.Dial("tcp", "[::1]:"+port); err == nil {
		c.Close()
		t.Skipf("something listens on [::1]:%s", port)
	}
	d := testenv.StartDNS(t, "test.example. 60 IN A 127.0.0.1\ntest.example. 60 IN AAAA ::1", true)
	code, r, stderr := scanJSON(t, "test.example:"+port, "--resolver", d.Addr, "--ca-file", pki.CAFile)
	if code != ExitOK || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("grade %s, net.dual-stack %s: %s", r.Grade, statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	checkReport(t, r, base(), "B")
	ds := finding(r, "net.dual-stack")
	if ds == nil || ds.Status != F || !strings.Contains(ds.Summary, "[::1]:"+port) || !strings.Contains(ds.Summary, "connection refused") || len(ds.Evidence) == 0 {
		t.Errorf("net.dual-stack %s: %s", statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	}
	if len(r.Target.Unreached) != 0 {
		t.Errorf("a routable address is not 'unreached': %+v", r.Target.Unreached)
	}
}

// TestRealHostsFileName: a staging name that only /etc/hosts knows, with
// an IPv4 address only, scanned with the system resolver.
func TestRealHostsFileName(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{Hosts: "127.0.0.1 localhost\n127.0.0.1 staging.imscore.test"}) {
		return
	}
	testenv.Need(t, "nginx")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "staging", testenv.LeafOptions{DNSNames: []string{"staging.imscore.test"}, KeyType: "ecdsa256"})
	srv := testenv.StartNginx(t, testenv.NginxOptions{Cert: cert, Key: key, Protocols: "TLSv1.2 TLSv1.3", Ciphers: mozillaIntermediate})
	_, port, _ := net.SplitHostPort(srv.Addr)
	code, r, stderr := scanJSON(t, "staging.imscore.test:"+port, "--ca-file", pki.CAFile)
	if code != ExitOK || r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("grade %s, endpoints %+v", r.Grade, r.Target.Endpoints)
	// DANE asks TLSA through resolv.conf's server, which has no route in
	// the namespace: that is the one thing not measured (A, not A+).
	checkReport(t, r, base().with("tls.dane", E), "A")
	if statuses(r)["net.dual-stack"] != I {
		t.Errorf("net.dual-stack %s: %s", statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	}
	if len(r.Target.Endpoints) != 1 || r.Target.Endpoints[0].Addr != "127.0.0.1:"+port {
		t.Errorf("endpoints %+v", r.Target.Endpoints)
	}
}

// TestRealIPv4OnlyVantageXMPP: Prosody behind SRV records whose target also
// has an AAAA record this machine has no route to. The scan grades what it
// could test exactly as it grades the same server without the AAAA record,
// and says what it left out.
func TestRealIPv4OnlyVantageXMPP(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, true)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true})
	v4 := testenv.StartDNS(t, xmppZone(x), true)
	dual := testenv.StartDNS(t, xmppZone(x)+"xmpp.example.test. 60 IN AAAA 2001:db8::5\n", true)

	code, want, stderr := scanXMPP(t, "example.test", "--resolver", v4.Addr, "--ca-file", pki.CAFile)
	if code != ExitOK || want == nil {
		t.Fatalf("IPv4 only: exit %d: %s", code, stderr)
	}
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dual.Addr, "--ca-file", pki.CAFile)
	if code != ExitOK || r == nil {
		t.Fatalf("with AAAA: exit %d: %s", code, stderr)
	}
	t.Logf("grade %s (without the AAAA record: %s); net.dual-stack %s: %s", r.Grade, want.Grade, statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	if r.Grade != want.Grade || r.Score != want.Score {
		t.Errorf("grade %s %d, the same server without the AAAA record: %s %d", r.Grade, r.Score, want.Grade, want.Score)
	}
	got := statuses(r)
	for id, st := range statuses(want) {
		if id != "net.dual-stack" && got[id] != st {
			t.Errorf("%s: %s (%s), without the AAAA record %s", id, got[id], summaryOf(r, id), st)
		}
	}
	if got["net.dual-stack"] != S || !strings.Contains(summaryOf(r, "net.dual-stack"), "[2001:db8::5]:") {
		t.Errorf("net.dual-stack %s: %s", got["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	}
	if len(r.Target.Unreached) != 2 { // c2s and s2s ports
		t.Errorf("unreached %+v", r.Target.Unreached)
	}
}

// TestRealDeadAAAAXMPP: Prosody listens on 127.0.0.1 only, its SRV target
// also has the AAAA record ::1. net.dual-stack fails naming both ports;
// the TLS and stream criteria judge the IPv4 endpoints as they would
// without the record, and the fail caps the grade at B.
func TestRealDeadAAAAXMPP(t *testing.T) {
	testenv.Need(t, "prosody")
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	} else {
		l.Close()
	}
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, true)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true})
	v4 := testenv.StartDNS(t, xmppZone(x), true)
	dual := testenv.StartDNS(t, xmppZone(x)+"xmpp.example.test. 60 IN AAAA ::1\n", true)
	code, want, stderr := scanXMPP(t, "example.test", "--resolver", v4.Addr, "--ca-file", pki.CAFile)
	if code != ExitOK || want == nil {
		t.Fatalf("IPv4 only: exit %d: %s", code, stderr)
	}
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dual.Addr, "--ca-file", pki.CAFile)
	if code != ExitOK || r == nil {
		t.Fatalf("with AAAA: exit %d: %s", code, stderr)
	}
	t.Logf("grade %s (without the AAAA record: %s); net.dual-stack %s: %s", r.Grade, want.Grade, statuses(r)["net.dual-stack"], summaryOf(r, "net.dual-stack"))
	got := statuses(r)
	for id, st := range statuses(want) {
		if id != "net.dual-stack" && got[id] != st {
			t.Errorf("%s: %s (%s), without the AAAA record %s", id, got[id], summaryOf(r, id), st)
		}
	}
	_, c2s, _ := net.SplitHostPort(x.Addr)
	_, s2s, _ := net.SplitHostPort(x.S2SAddr)
	ds := summaryOf(r, "net.dual-stack")
	if got["net.dual-stack"] != F || !strings.Contains(ds, "[::1]:"+c2s) || !strings.Contains(ds, "[::1]:"+s2s) {
		t.Errorf("net.dual-stack %s: %s", got["net.dual-stack"], ds)
	}
	if r.Grade != "B" {
		t.Errorf("grade %s (score %d, caps %+v), want B", r.Grade, r.Score, r.Caps)
	}
}
