package cli

// Real-server tests of `imscore scan xmpp --account`: Prosody with every
// module XEP-0479 asks for (and host-meta served for it), and a bare
// Prosody; each asserts every criterion, that nothing the scan created is
// left behind (checked with a client of our own) and that the password
// appears nowhere.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/web"
	"github.com/imscore/imscore/xmpp"
)

const testPassword = "Pa55-w0rd-never-in-reports"

// prosodyAccount creates user@domain on a running Prosody with prosodyctl.
func prosodyAccount(t testing.TB, x *testenv.Server, user, password string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "prosodyctl", "--config", x.ConfigFile, "register", user, x.Domain, password)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("prosodyctl register: %v\n%s", err, out)
	}
}

// passwordFile writes a password file for --password-file.
func passwordFile(t testing.TB, pw string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// fullProsody is Prosody 0.12 with every module XEP-0479 asks of a server
// that Debian ships (no push: mod_cloud_notify is not in 0.12).
func fullProsody(cert, key string) testenv.ProsodyOptions {
	return testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true,
		HTTPS: true, DirectTLS: true,
		Modules: []string{"roster", "mam", "carbons", "smacks", "csi_simple", "blocklist", "pep", "vcard_legacy", "bookmarks",
			"private", "offline", "version", "server_contact_info", "external_services", "http", "bosh", "websocket"},
		ExtraGlobal: `hide_os_type = true
cross_domain_bosh = true
cross_domain_websocket = true
contact_info = { abuse = { "mailto:abuse@example.test" }; admin = { "xmpp:admin@example.test" }; security = { "mailto:security@example.test" } }
external_services = { { type = "stun", transport = "udp", host = "turn.example.test", port = 3478 }, { type = "turn", transport = "udp", host = "turn.example.test", port = 3478, secret = "turn-secret-not-in-reports" } }
`,
		ExtraHost: `
Component "conference.example.test" "muc"
	modules_enabled = { "muc_mam" }
Component "upload.example.test" "http_file_share"
Component "proxy.example.test" "proxy65"
`}
}

func TestRealProsodyAccount(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "xmpp", testenv.LeafOptions{DNSNames: []string{"example.test", "xmpp.example.test", "upload.example.test"},
		XMPPAddrs: []string{"example.test"}, KeyType: "ecdsa256"})

	full := func(x *testenv.Server) []string {
		// host-meta on https://example.test/ (a separate HTTPS server, as
		// Prosody 0.12 has no host-meta module), linking to Prosody's
		// WebSocket and BOSH endpoints.
		_, port, _ := strings.Cut(x.HTTPSAddr, ":")
		xrd := fmt.Sprintf(`<?xml version='1.0' encoding='utf-8'?>
<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>
  <Link rel="urn:xmpp:alt-connections:websocket" href="wss://example.test:%s/xmpp-websocket"/>
  <Link rel="urn:xmpp:alt-connections:xbosh" href="https://example.test:%s/http-bind"/>
</XRD>`, port, port)
		js := fmt.Sprintf(`{"links":[{"rel":"urn:xmpp:alt-connections:websocket","href":"wss://example.test:%s/xmpp-websocket"},{"rel":"urn:xmpp:alt-connections:xbosh","href":"https://example.test:%s/http-bind"}]}`, port, port)
		cors := map[string]string{"Access-Control-Allow-Origin": "*"}
		wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: cert, Key: key, Files: map[string]testenv.WellKnownFile{
			"/.well-known/host-meta":      {Body: xrd, ContentType: "application/xrd+xml", Header: cors},
			"/.well-known/host-meta.json": {Body: js, Header: cors},
		}})
		return []string{"--connect", "example.test:443=" + wk.Addr}
	}
	cases := []struct {
		name  string
		opts  testenv.ProsodyOptions
		extra func(*testenv.Server) []string
		want  expect
	}{
		{"every module Debian's Prosody has, host-meta served", fullProsody(cert, key), full, expect{
			"xmpp.compliance.core": P, "xmpp.compliance.im": P, "xmpp.compliance.web": P, "xmpp.compliance.av": P,
			"xmpp.compliance.mobile": W, // no push in Prosody 0.12
			"xmpp.contact-addresses": P, "xmpp.metadata.version-disclosed": W, "xmpp.web.host-meta": P,
			"xmpp.feature.mam": P, "xmpp.feature.carbons": P, "xmpp.feature.push": W, "xmpp.feature.blocking": P,
			"xmpp.feature.vcard": P, "xmpp.feature.bookmarks2": P, "xmpp.feature.pep": P, "xmpp.feature.omemo-ready": P,
			"xmpp.feature.upload": P, "xmpp.feature.muc": P, "xmpp.feature.extdisco": P,
			"xmpp.feature.sm": P, "xmpp.feature.csi": P, "xmpp.feature.rosterver": P, "xmpp.feature.caps": P,
			"xmpp.feature.offline": P, "xmpp.feature.proxy65": P,
		}},
		{"bare: roster only, no version module",
			testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true, Modules: []string{"roster"}},
			nil, expect{
				"xmpp.compliance.core": W, // no direct TLS, no PEP
				"xmpp.compliance.im":   F, "xmpp.compliance.web": S, "xmpp.compliance.av": F, "xmpp.compliance.mobile": F,
				"xmpp.contact-addresses": W, "xmpp.metadata.version-disclosed": P, "xmpp.web.host-meta": I,
				"xmpp.feature.mam": W, "xmpp.feature.carbons": W, "xmpp.feature.push": W, "xmpp.feature.blocking": W,
				"xmpp.feature.vcard": W, "xmpp.feature.bookmarks2": W, "xmpp.feature.pep": W, "xmpp.feature.omemo-ready": F,
				"xmpp.feature.upload": W, "xmpp.feature.muc": W, "xmpp.feature.extdisco": W,
				"xmpp.feature.sm": W, "xmpp.feature.csi": W, "xmpp.feature.rosterver": P, "xmpp.feature.caps": P,
				"xmpp.feature.offline": P, // Prosody always loads mod_offline
				"xmpp.feature.proxy65": I,
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := testenv.StartProsody(t, c.opts)
			prosodyAccount(t, x, "alice", testPassword)
			dns := testenv.StartDNS(t, xmppZone(x)+"upload.example.test. 60 IN A 127.0.0.1\n", false)
			args := []string{"example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
				"--account", "alice@example.test", "--password-file", passwordFile(t, testPassword)}
			if c.extra != nil {
				args = append(args, c.extra(x)...)
			}
			begin := time.Now()
			code, r, stderr := scanXMPP(t, args...)
			t.Logf("logged-in scan took %v", time.Since(begin).Round(time.Millisecond))
			if code != 0 || r == nil {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, id := range []string{"xmpp.compliance.core", "xmpp.compliance.im", "xmpp.compliance.mobile", "xmpp.compliance.web", "xmpp.compliance.av"} {
				t.Logf("%s: %s", id, summaryOf(r, id))
			}
			got := statuses(r)
			for id, st := range c.want {
				if got[id] != st {
					t.Errorf("%s: got %s (%s), want %s", id, got[id], summaryOf(r, id), st)
				}
			}
			for _, f := range r.Findings {
				if strings.HasPrefix(f.Criterion, "xmpp.") && f.Status != report.Skip && len(f.Evidence) == 0 {
					t.Errorf("%s (%s) cites no evidence", f.Criterion, f.Status)
				}
				if (f.Status == report.Fail || f.Status == report.Warn) && f.Remediation["prosody"] == "" && strings.HasPrefix(f.Criterion, "xmpp.") {
					t.Errorf("%s is %s without a Prosody fix", f.Criterion, f.Status)
				}
			}
			noSecrets(t, r, stderr)
			noLeftovers(t, x, dns.Addr, pki.CAFile, r)
			if c.extra != nil {
				browseRealReport(t, r)
			}
		})
	}
}

// browseRealReport renders the static site from a real-server report and
// loads it in headless Chromium, as a person would see it: the key facts of
// the logged-in scan must be on the page, with no console message; the
// screenshots are kept (IMSCORE_SCREENSHOTS).
func browseRealReport(t *testing.T, r *report.Report) {
	t.Helper()
	if testing.Short() {
		return
	}
	bin := testenv.Chromium(t)
	dir := filepath.Join(t.TempDir(), "site")
	if err := web.Render(dir, []*report.Report{r}, web.Options{}); err != nil {
		t.Fatal(err)
	}
	shots := testenv.ScreenshotDir(t)
	for name, p := range map[string]struct {
		file string
		want []string
	}{
		"real-index":  {"index.html", []string{"example.test", r.Grade}},
		"real-target": {"targets/xmpp-example.test/index.html", []string{"example.test", "XEP-0479 IM suite: Advanced Server", "xmpp.feature.omemo-ready", "How to fix", "Prosody", "disco#info"}},
	} {
		file := filepath.Join(dir, filepath.FromSlash(p.file))
		dom := testenv.RunChromium(t, bin, file, "--dump-dom")
		for _, w := range p.want {
			if !strings.Contains(dom, w) && !strings.Contains(dom, html.EscapeString(w)) {
				t.Errorf("%s: DOM lacks %q", p.file, w)
			}
		}
		shot := filepath.Join(shots, name+".png")
		testenv.RunChromium(t, bin, file, "--window-size=1280,2400", "--screenshot="+shot)
		testenv.CheckPNG(t, shot)
	}
}

// TestRealProsodyAccountRefused: a wrong password is an error of every
// logged-in criterion (never a skip or a pass), and the password does not
// leak into the report.
func TestRealProsodyAccountRefused(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, Modules: []string{"roster"}})
	prosodyAccount(t, x, "alice", "the-real-one")
	dns := testenv.StartDNS(t, xmppZone(x), false)
	t.Setenv("IMSCORE_PASSWORD", testPassword)
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--account", "alice@example.test")
	if r == nil {
		t.Fatalf("exit %d, no report: %s", code, stderr)
	}
	for _, id := range accountCriteria {
		if st := statuses(r)[id]; st != report.Error {
			t.Errorf("%s: %s (%s), want error", id, st, summaryOf(r, id))
		}
	}
	if s := summaryOf(r, "xmpp.compliance.core"); !strings.Contains(s, "not-authorized") {
		t.Errorf("summary does not say why: %s", s)
	}
	noSecrets(t, r, stderr)
}

func summaryOf(r *report.Report, id string) string {
	for _, f := range r.Findings {
		if f.Criterion == id {
			return f.Summary
		}
	}
	return ""
}

// noSecrets: neither the account password nor the TURN secret appears in
// any rendering of the report or on stderr.
func noSecrets(t *testing.T, r *report.Report, stderr string) {
	t.Helper()
	for _, format := range []string{"json", "table", "junit", "sarif"} {
		var b bytes.Buffer
		if err := render(&b, r, format, false); err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{testPassword, "turn-secret-not-in-reports"} {
			if strings.Contains(b.String(), secret) || strings.Contains(stderr, secret) {
				t.Errorf("secret %q in the %s report or stderr", secret, format)
			}
		}
	}
}

// noLeftovers logs in with our own client and checks the rooms and PEP
// nodes the scan created are gone.
func noLeftovers(t *testing.T, x *testenv.Server, resolver, caFile string, r *report.Report) {
	t.Helper()
	var data *xmpp.AccountData
	for _, o := range r.Observations {
		if o.Probe == xmpp.Account.ID {
			data = accountDataOf(t, o)
		}
	}
	if data == nil {
		t.Fatal("no xmpp.account observation")
	}
	if len(data.NotRemoved) > 0 {
		t.Errorf("the scan says it left behind: %v", data.NotRemoved)
	}
	env := testEnv(t, resolver, caFile)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := xmpp.Login(ctx, env, probes.Endpoint{Name: x.Domain, Addr: x.Addr}, x.Domain, false, &probes.Credentials{Account: "alice@" + x.Domain, Password: testPassword})
	if err != nil {
		t.Fatalf("checking leftovers: %v", err)
	}
	defer c.Close(ctx)
	for _, created := range data.Created {
		kind, name, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(created, "PEP "), "MUC "), " ")
		var res *xmpp.IQResult
		switch kind {
		case "node":
			res, err = c.IQ(ctx, "get", "", "<pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='"+name+"'/></pubsub>")
		case "room":
			res, err = c.IQ(ctx, "get", name, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
		default:
			t.Fatalf("unknown created thing %q", created)
		}
		if err != nil {
			t.Fatalf("%s: %v", created, err)
		}
		if res.Type != "error" || res.Condition != "item-not-found" {
			t.Errorf("%s still there after the scan: %s", created, res.XML)
		}
	}
	if n := len(data.Created); n == 0 && statuses(r)["xmpp.feature.muc"] == report.Pass {
		t.Error("the scan created nothing, but says it tested a room")
	}
}

func accountDataOf(t *testing.T, o probes.Observation) *xmpp.AccountData {
	t.Helper()
	raw, ok := o.Data.(json.RawMessage)
	if !ok {
		t.Fatalf("observation data is %T", o.Data)
	}
	var d xmpp.AccountData
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// testEnv is an Env that asks only our DNS server and trusts the test CA.
func testEnv(t *testing.T, resolver, caFile string) *probes.Env {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return (&probes.Env{Resolver: probes.NewDNSResolver(resolver), Roots: pool, Scope: probes.Scope{Targets: []string{"example.test"}}}).Filled()
}

// TestAccountUsage: a bad --account or a missing password is a usage
// error (exit 2) with one line, before any network traffic.
func TestAccountUsage(t *testing.T) {
	pw := passwordFile(t, "x")
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{[]string{"scan", "xmpp", "example.test", "--account", "alice@example.test"}, "", "needs a password"},
		{[]string{"scan", "xmpp", "example.test", "--password-file", pw}, "", "--password-file without --account"},
		{[]string{"scan", "xmpp", "example.test", "--account", "alice@other.test", "--password-file", pw}, "", "not an account of example.test"},
		{[]string{"scan", "xmpp", "example.test", "--account", "alice@example.test/phone"}, "x", "want a bare JID"},
		{[]string{"scan", "xmpp", "example.test", "--account", "al ice@example.test"}, "x", "not a valid JID"},
		{[]string{"scan", "matrix", "example.test", "--account", "alice@example.test"}, "x", "want a Matrix user ID"},
	} {
		t.Run(strings.Join(c.args[3:], " "), func(t *testing.T) {
			t.Setenv("IMSCORE_PASSWORD", c.env)
			code, _, stderr := runMain(t, c.args...)
			if code != ExitUsage || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want exit 2 with %q on one line", code, stderr, c.want)
			}
		})
	}
}

// TestRealProsodyNonASCIIPassword: a password with non-ASCII letters, a
// no-break space and a full-width letter logs in (SASLprep on both sides).
func TestRealProsodyNonASCIIPassword(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, Modules: []string{"roster"}})
	pw := "pässwörd\u00a0ｘ"
	prosodyAccount(t, x, "bob", pw)
	dns := testenv.StartDNS(t, xmppZone(x), false)
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile, "--account", "bob@example.test", "--password-file", passwordFile(t, pw))
	if r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if st := statuses(r)["xmpp.compliance.core"]; st == report.Error {
		t.Errorf("login failed: %s", summaryOf(r, "xmpp.compliance.core"))
	}
}

// TestRealProsodyAccountDirectTLSOnly: a domain that publishes only
// XEP-0368 direct TLS for clients (_xmpp-client is "."): the login goes
// over direct TLS (ALPN xmpp-client), with the same certificate checks.
func TestRealProsodyAccountDirectTLSOnly(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key, RequireTLS: true, DirectTLS: true, Modules: []string{"roster", "pep"}})
	prosodyAccount(t, x, "alice", testPassword)
	_, s2s, _ := net.SplitHostPort(x.S2SAddr)
	_, direct, _ := net.SplitHostPort(x.DirectTLSAddr)
	zone := fmt.Sprintf(`_xmpp-client._tcp.example.test. 60 IN SRV 0 0 0 .
_xmpps-client._tcp.example.test. 60 IN SRV 5 0 %s xmpp.example.test.
_xmpp-server._tcp.example.test. 60 IN SRV 5 0 %s xmpp.example.test.
xmpp.example.test. 60 IN A 127.0.0.1
example.test. 60 IN A 127.0.0.1
`, direct, s2s)
	dns := testenv.StartDNS(t, zone, false)
	code, r, stderr := scanXMPP(t, "example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
		"--account", "alice@example.test", "--password-file", passwordFile(t, testPassword))
	if r == nil {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d *xmpp.AccountData
	for _, o := range r.Observations {
		if o.Probe == xmpp.Account.ID && o.Status == "ok" {
			d = accountDataOf(t, o)
		}
	}
	if d == nil || !d.Login.DirectTLS || d.Login.Endpoint.Addr != x.DirectTLSAddr || d.Login.JID == "" {
		t.Fatalf("no login over direct TLS: %+v (exit %d, %s)", d, code, stderr)
	}
	// STARTTLS switched off, direct TLS published: a valid set-up, and the
	// STARTTLS criteria do not apply.
	for id, want := range map[string]report.Status{"xmpp.dns.srv-client": P, "xmpp.dns.direct-tls": P,
		"xmpp.c2s.starttls-required": S, "xmpp.c2s.no-auth-before-tls": S,
		// judged from the direct-TLS stream's features (Prosody 0.12: SCRAM-SHA-1 only)
		"xmpp.c2s.sasl-scram": W} {
		if got := statuses(r)[id]; got != want {
			t.Errorf("%s: %s (%s), want %s", id, got, summaryOf(r, id), want)
		}
	}
	if st := statuses(r)["xmpp.feature.omemo-ready"]; st != report.Pass {
		t.Errorf("omemo-ready %s: %s", st, summaryOf(r, "xmpp.feature.omemo-ready"))
	}
	noSecrets(t, r, stderr)
	noLeftovers(t, x, dns.Addr, pki.CAFile, r)
}
