package cli

import (
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

// hostileText is what a hostile XMPP server puts in a stream error: C1 CSI
// (U+009B) sequences that clear the screen and move the cursor, a
// right-to-left override, line and paragraph separators, a new line and a
// line that forges imscore's own voice.
const hostileText = "\u009b2J\u009b1;1H\u202ePWNED\u202c\u2028\nimscore: all good, grade A+\u2029\r\n\u0085imscore: all good, grade A+"

// streamErrorServer answers every stream with a stream error carrying text.
func streamErrorServer(t *testing.T, text string) string {
	return fakeServer(t, func(c net.Conn) {
		fmt.Fprintf(c, "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='x' from='evil.test' version='1.0'>"+
			"<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>%s</text></stream:error></stream:stream>", text)
		_, _ = io.Copy(io.Discard, c)
	})
}

// checkSafeLine asserts that stderr is one bounded line with every
// character a terminal would obey shown as an escape.
func checkSafeLine(t *testing.T, stderr string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "imscore: cannot scan ") {
		t.Errorf("stderr is not one line starting with the scan's own words: %q", stderr)
	}
	for _, bad := range []string{"\u009b", "\u202e", "\u202c", "\u2028", "\u2029", "\r", "\x1b", "\u0085"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr carries %q raw: %q", bad, stderr)
		}
	}
	if !strings.Contains(stderr, `\u009b2J`) || !strings.Contains(stderr, `\u202ePWNED`) {
		t.Errorf("the peer's text is not shown escaped: %q", stderr)
	}
	if len(stderr) > len("imscore: ")+report.MaxLine+1 {
		t.Errorf("stderr line of %d bytes: not bounded", len(stderr))
	}
}

// TestHostileStreamErrorOnStderr: the control characters of a stream error
// reach the one-line error of `scan xmpp` and `scan tls --starttls`
// escaped, on one line, bounded; a long text is cut.
func TestHostileStreamErrorOnStderr(t *testing.T) {
	addr := streamErrorServer(t, hostileText)
	_, port, _ := net.SplitHostPort(addr)
	d := testenv.StartDNS(t, fmt.Sprintf("_xmpp-client._tcp.evil.test. 60 IN SRV 0 0 %s xmpp.evil.test.\nxmpp.evil.test. 60 IN A 127.0.0.1\nevil.test. 60 IN A 127.0.0.1\n", port), false)

	code, _, stderr := run(t, "scan", "xmpp", "evil.test", "--resolver", d.Addr, "--timeout", "30s")
	t.Logf("scan xmpp: exit %d, stderr %q", code, stderr)
	if code != ExitCannotScan {
		t.Errorf("scan xmpp: exit %d", code)
	}
	checkSafeLine(t, stderr)

	code, _, stderr = run(t, "scan", "tls", addr, "--starttls", "xmpp-client", "--xmpp-domain", "evil.test", "--timeout", "30s")
	t.Logf("scan tls --starttls: exit %d, stderr %q", code, stderr)
	if code != ExitCannotScan {
		t.Errorf("scan tls --starttls: exit %d", code)
	}
	checkSafeLine(t, stderr)

	long := streamErrorServer(t, strings.Repeat(hostileText, 100))
	code, _, stderr = run(t, "scan", "tls", long, "--starttls", "xmpp-client", "--xmpp-domain", "evil.test", "--timeout", "30s")
	t.Logf("long text: exit %d, %d bytes on stderr", code, len(stderr))
	checkSafeLine(t, stderr)
	if !strings.Contains(stderr, "bytes in all)") {
		t.Errorf("a cut line does not say so: %q", stderr)
	}
}

// TestAllowPrivate: a domain on 127.0.0.1 whose SRV target is another
// loopback address (a pointer to another internal address) is not
// followed; with --allow-private it is.
func TestAllowPrivate(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("127.0.0.2 is not usable here: %v", err)
	}
	l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	d := testenv.StartDNS(t, fmt.Sprintf("_xmpp-client._tcp.lan.example.net. 60 IN SRV 0 0 %s xmpp.lan.example.net.\nxmpp.lan.example.net. 60 IN A 127.0.0.2\nlan.example.net. 60 IN A 127.0.0.1\n", port), false)
	code, r, stderr := scanXMPP(t, "lan.example.net", "--resolver", d.Addr, "--timeout", "30s")
	if code != ExitCannotScan || !strings.Contains(stderr, "xmpp.lan.example.net → 127.0.0.2: internal address, not contacted") {
		t.Errorf("without --allow-private: exit %d, %q", code, stderr)
	}
	if f := findingNamed(r, "xmpp.dns.srv-client"); f == nil || !strings.Contains(f.Summary, "internal address, not contacted") {
		t.Errorf("xmpp.dns.srv-client: %+v", f)
	}
	code, _, stderr = scanXMPP(t, "lan.example.net", "--resolver", d.Addr, "--timeout", "30s", "--allow-private")
	if code != ExitCannotScan || !strings.Contains(stderr, "connection refused") {
		t.Errorf("with --allow-private: exit %d, %q, want the closed port's refusal", code, stderr)
	}
}

func findingNamed(r *report.Report, id string) *report.Finding {
	if r == nil {
		return nil
	}
	for i := range r.Findings {
		if r.Findings[i].Criterion == id {
			return &r.Findings[i]
		}
	}
	return nil
}

// TestScanOfHostileDomainSaysWhatItRefused: what a user sees when a
// public-looking domain points its SRV records at an internal address, and
// a Matrix server name delegates to the metadata service. It runs in a
// network namespace with only loopback (the domain's own public address
// is dialled there and fails locally).
func TestScanOfHostileDomainSaysWhatItRefused(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	d := testenv.StartDNS(t, `hostile.example.net. 60 IN A 192.0.2.10
_xmpp-client._tcp.hostile.example.net. 60 IN SRV 0 0 5222 xmpp.hostile.example.net.
_xmpp-server._tcp.hostile.example.net. 60 IN SRV 0 0 5269 xmpp.hostile.example.net.
xmpp.hostile.example.net. 60 IN A 10.0.0.1
_matrix-fed._tcp.hostile.example.net. 60 IN SRV 10 5 8448 meta.hostile.example.net.
meta.hostile.example.net. 60 IN A 169.254.169.254
`, false)
	code, r, stderr := scanXMPP(t, "hostile.example.net", "--resolver", d.Addr, "--timeout", "30s")
	t.Logf("scan xmpp: exit %d, %s", code, stderr)
	if code != ExitCannotScan || !strings.Contains(stderr, "xmpp.hostile.example.net → 10.0.0.1: internal address, not contacted") {
		t.Errorf("scan xmpp: exit %d, %q", code, stderr)
	}
	if f := findingNamed(r, "xmpp.dns.srv-client"); f == nil || f.Status != report.Fail || !strings.Contains(f.Summary, "xmpp.hostile.example.net → 10.0.0.1: internal address, not contacted") {
		t.Errorf("xmpp.dns.srv-client: %+v", f)
	}
	code, r, stderr = scanKind(t, "matrix", "hostile.example.net", "--resolver", d.Addr, "--timeout", "30s")
	t.Logf("scan matrix: exit %d, %s", code, stderr)
	if code != ExitCannotScan || !strings.Contains(stderr, "meta.hostile.example.net → 169.254.169.254: internal address, not contacted") {
		t.Errorf("scan matrix: exit %d, %q", code, stderr)
	}
	if f := findingNamed(r, "matrix.discovery.server"); f == nil || f.Status != report.Fail {
		t.Errorf("matrix.discovery.server: %+v", f)
	}
}

// --untrusted-target: a target someone else named gets no exemption, so a
// name (or IP literal) pointing at loopback is not contacted; without the
// flag the same target is the user's own and is scanned.
func TestUntrustedTarget(t *testing.T) {
	srv := testenv.StartCountingProxy(t, "127.0.0.6", "")
	_, port, _ := strings.Cut(srv.Addr, ":")
	dns := testenv.StartDNS(t, fmt.Sprintf("_xmpp-client._tcp.inside.example.net. 60 IN SRV 0 0 %s xmpp.inside.example.net.\nxmpp.inside.example.net. 60 IN A 127.0.0.6\ninside.example.net. 60 IN A 127.0.0.6\n", port), false)
	code, _, stderr := run(t, "scan", "xmpp", "inside.example.net", "--untrusted-target", "--resolver", dns.Addr, "--timeout", "20s", "-q")
	if code != ExitCannotScan || !strings.Contains(stderr, "127.0.0.6: internal address, not contacted") {
		t.Errorf("scan xmpp --untrusted-target: exit %d, %q", code, stderr)
	}
	code, _, stderr = run(t, "scan", "tls", srv.Addr, "--untrusted-target", "--timeout", "20s", "-q")
	if code != ExitCannotScan || !strings.Contains(stderr, "internal address, not contacted") {
		t.Errorf("scan tls --untrusted-target: exit %d, %q", code, stderr)
	}
	if _, total := srv.Peak(); total != 0 {
		t.Fatalf("an untrusted target on loopback got %d connections", total)
	}
	// The same IP literal, given as the user's own, is contacted (the
	// proxy says nothing, so the scan cannot finish: exit 3 again).
	run(t, "scan", "tls", srv.Addr, "--timeout", "5s", "-q")
	if _, total := srv.Peak(); total == 0 {
		t.Error("without --untrusted-target the target's own address was not contacted")
	}
}
