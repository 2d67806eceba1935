package cli

// The client tester proven on the XMPP clients from Debian (go-sendxmpp,
// Profanity, mcabber, Poezio), driven without a person through
// 'imscore test-client xmpp --exec' (fixtures/clients). Each client plays
// every scenario; its verdicts are the table in debianClientVerdicts (and in
// the README), and they are checked against what the same client does
// where imscore's tester is not involved: a plain socket that offers no
// STARTTLS, a real Prosody with TLS optional (behind a recording proxy), and
// real Prosodys with a self-signed, a wrongly named and an expired
// certificate — once with the client's certificate checks on and once
// switched off, which must turn the certificate verdicts to fail.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/fixtures/clients"
	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
)

const clientDomain = "test.example"

// realServers are the Prosodys of the independent checks, shared by the
// clients (each has its own account on each).
type realServers struct {
	pki                                   *testenv.PKI
	valid, optional, self, wrong, expired *testenv.Server
}

func startRealServers(t *testing.T) *realServers {
	t.Helper()
	testenv.Need(t, "prosody", "prosodyctl")
	pki := testenv.NewPKI(t)
	now := time.Now()
	cert := func(name string, o testenv.LeafOptions) (string, string) {
		o.KeyType = "ecdsa256"
		return pki.Leaf(t, name, o)
	}
	vc, vk := cert("valid", testenv.LeafOptions{DNSNames: []string{clientDomain}})
	sc, sk := cert("self", testenv.LeafOptions{DNSNames: []string{clientDomain}, SelfSigned: true})
	wc, wk := cert("wrong", testenv.LeafOptions{DNSNames: []string{"other.example"}})
	ec, ek := cert("expired", testenv.LeafOptions{DNSNames: []string{clientDomain}, NotBefore: now.AddDate(0, 0, -60), NotAfter: now.AddDate(0, 0, -30)})
	start := func(c, k string, requireTLS bool) *testenv.Server {
		return testenv.StartProsody(t, testenv.ProsodyOptions{Domain: clientDomain, Cert: c, Key: k, RequireTLS: requireTLS, AllowErrors: true})
	}
	s := &realServers{pki: pki, valid: start(vc, vk, true), optional: start(vc, vk, false), self: start(sc, sk, true), wrong: start(wc, wk, true), expired: start(ec, ek, true)}
	for _, x := range []*testenv.Server{s.valid, s.optional, s.self, s.wrong, s.expired} {
		for _, c := range clients.All {
			prosodyAccount(t, x, accountOf(c), testPassword)
		}
	}
	return s
}

// accountOf is the client's account on the real servers (each client its
// own, so that their logins can be told apart in Prosody's log).
func accountOf(c clients.Client) string { return strings.ReplaceAll(c.Name, "-", "") }

// loggedIn reports whether Prosody's log says the client's account
// authenticated.
func loggedIn(x *testenv.Server, c clients.Client) bool {
	return strings.Contains(x.Logs(100000), "Authenticated as "+accountOf(c)+"@"+clientDomain)
}

func serverOf(x *testenv.Server, c clients.Client, ca string) clients.Server {
	host, port, _ := net.SplitHostPort(x.Addr)
	return clients.Server{Host: host, Port: port, Domain: clientDomain, JID: accountOf(c) + "@" + clientDomain, Password: testPassword, CAFile: ca}
}

// runTester runs imscore test-client xmpp in-process against client h and
// returns the report.
func runTester(t *testing.T, h *clients.Harness, certOff bool, scenarios ...string) *report.Report {
	t.Helper()
	return runTesterCmd(t, h, h.Exec(certOff), map[bool]string{false: "", true: "-certs-off"}[certOff], scenarios...)
}

func runTesterCmd(t *testing.T, h *clients.Harness, command, variant string, scenarios ...string) *report.Report {
	t.Helper()
	out := filepath.Join(t.TempDir(), "client.json")
	args := []string{"test-client", "xmpp", "--domain", clientDomain, "--listen", "127.0.0.1:0", "--exec", command,
		"--scenario-timeout", h.Client.ScenarioTimeout.String(), "-q", "--format", "json", "-o", out}
	if len(scenarios) > 0 {
		args = append(args, "--scenario", strings.Join(scenarios, ","))
	}
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), args, &stdout, &stderr); code != ExitOK {
		t.Fatalf("%s: test-client exit %d: %s%s", h.Client.Name, code, stderr.String(), h.Screens())
	}
	// Every client process ended with its scenario: none may be left to
	// connect into a later one.
	if pids := h.Strays(); len(pids) > 0 {
		t.Errorf("%s: processes outlived test-client: %s", h.Client.Name, clients.DescribePIDs(pids))
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// IMSCORE_CLIENT_REPORTS=DIR keeps the reports (for the README and
	// for looking into a failure).
	if dir := os.Getenv("IMSCORE_CLIENT_REPORTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, h.Client.Name+variant+".json"), b, 0o644)
	}
	rep, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func clientStatuses(rep *report.Report) map[string]report.Status {
	m := map[string]report.Status{}
	for _, f := range rep.Findings {
		m[f.Criterion] = f.Status
	}
	return m
}

func clientFinding(rep *report.Report, id string) report.Finding {
	for _, f := range rep.Findings {
		if f.Criterion == id {
			return f
		}
	}
	return report.Finding{}
}

// measured collects every client's verdicts for the table printed at the
// end (and compared with the README).
var (
	measuredMu     sync.Mutex
	measured       = map[string]map[string]report.Status{}
	measuredGrades = map[string]string{}
)

func TestDebianClients(t *testing.T) {
	if testing.Short() {
		t.Skip("real clients: not in -short")
	}
	srv := startRealServers(t)
	t.Run("clients", func(t *testing.T) {
		only := os.Getenv("IMSCORE_CLIENTS") // e.g. "poezio,mcabber" while working on one
		for _, c := range clients.All {
			c := c
			if only != "" && !strings.Contains(","+only+",", ","+c.Name+",") {
				continue
			}
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				testDebianClient(t, c, srv)
			})
		}
	})
	measuredMu.Lock()
	defer measuredMu.Unlock()
	if len(measured) > 0 {
		t.Logf("measured verdicts:\n%s", verdictTable(measuredGrades, measured))
	}
}

func testDebianClient(t *testing.T, c clients.Client, srv *realServers) {
	h := clients.New(t, c)
	rep := runTester(t, h, false)
	got := clientStatuses(rep)
	measuredMu.Lock()
	measured[c.Name], measuredGrades[c.Name] = got, rep.Grade
	measuredMu.Unlock()
	if want := debianClientGrades[c.Name]; rep.Grade != want {
		t.Errorf("grade %s (score %d), want %s", rep.Grade, rep.Score, want)
	}
	for _, f := range rep.Findings {
		t.Logf("%-5s %s: %s", f.Status, f.Criterion, f.Summary)
	}
	if rep.Target.Kind != "xmpp-client" || rep.Target.Name == "unnamed client" {
		t.Errorf("target %+v", rep.Target)
	}
	// The verdicts are the table (README, debianClientVerdicts).
	for id, want := range debianClientVerdicts[c.Name] {
		if got[id] != want {
			t.Errorf("%s: %s, want %s — %s", id, got[id], want, clientFinding(rep, id).Summary)
		}
	}
	// Every warn and fail says how to fix it in this client or its library.
	for _, f := range rep.Findings {
		if f.Status != report.Warn && f.Status != report.Fail {
			continue
		}
		if f.Remediation[c.Name] == "" && f.Remediation[c.Library] == "" {
			t.Errorf("%s is %s for %s, but names no fix for %s or %s", f.Criterion, f.Status, c.Name, c.Name, c.Library)
		}
	}

	// With its certificate checks switched off, the certificate verdicts
	// turn to fail.
	// (An option that does not switch the chain checks off leaves them
	// as they were.)
	off := clientStatuses(runTester(t, h, true, "xmpp.client.cert-untrusted", "xmpp.client.cert-wrong-name", "xmpp.client.cert-expired"))
	for _, id := range []string{"xmpp.client.cert-untrusted", "xmpp.client.cert-wrong-name", "xmpp.client.cert-expired"} {
		want := report.Fail
		if !c.CertOffSwitches {
			want = got[id]
		}
		if off[id] != want {
			t.Errorf("with %s, %s is %s, want %s", c.CertOff, id, off[id], want)
		}
	}
	if c.Name == "go-sendxmpp" {
		// Direct TLS (XEP-0368, go-sendxmpp -t): the STARTTLS scenarios do
		// not apply, ALPN does.
		dt := clientStatuses(runTesterCmd(t, h, h.ExecDirectTLS(), "-direct-tls", "xmpp.client.cert-untrusted", "xmpp.client.starttls-stripped", "xmpp.client.tls-alpn"))
		for id, want := range map[string]report.Status{"xmpp.client.tls-alpn": report.Pass, "xmpp.client.starttls-stripped": report.Skip, "xmpp.client.cert-untrusted": report.Pass} {
			if dt[id] != want {
				t.Errorf("direct TLS: %s is %s, want %s", id, dt[id], want)
			}
		}
	}
	crossCheck(t, h, srv, got)
	screens(t, h, got)
}

// crossCheck compares the verdicts with what the client does where
// imscore's tester is not involved.
func crossCheck(t *testing.T, h *clients.Harness, srv *realServers, got map[string]report.Status) {
	c := h.Client
	ca := srv.pki.CAFile
	window := c.ScenarioTimeout
	jid := accountOf(c) + "@" + clientDomain

	// No STARTTLS at all: a plain socket.
	plain := clients.StartPlainServer(t, clientDomain)
	ph, pp, _ := net.SplitHostPort(plain.Addr)
	h.Run(t, clients.Server{Host: ph, Port: pp, Domain: clientDomain, JID: jid, Password: testPassword, CAFile: ca}, "cross-stripped", false, window,
		func() bool { return strings.Contains(plain.Received(), "<auth") || plain.Closed() > 0 })
	sawAuth := strings.Contains(plain.Received(), "<auth")
	if (got["xmpp.client.starttls-stripped"] == report.Pass) != !sawAuth {
		t.Errorf("starttls-stripped is %s, but against a plain socket the client sent <auth/>: %v\n%s", got["xmpp.client.starttls-stripped"], sawAuth, plain.Received())
	}

	// A real Prosody with a valid certificate: the control.
	count := func(x *testenv.Server) int { return strings.Count(x.Logs(100000), "Authenticated as "+jid) }
	login := func(x *testenv.Server, target, label string, certOff bool) bool {
		before := count(x)
		host, port, _ := net.SplitHostPort(target)
		_, ok := h.Run(t, clients.Server{Host: host, Port: port, Domain: clientDomain, JID: jid, Password: testPassword, CAFile: ca}, label, certOff, window,
			func() bool { return count(x) > before })
		return ok
	}
	if !login(srv.valid, srv.valid.Addr, "cross-valid", false) {
		t.Fatalf("%s did not log in to a real Prosody with a valid certificate: the independent checks prove nothing", c.Name)
	}

	// A real Prosody with TLS optional, behind a proxy that records the
	// plaintext part of the connection.
	px := clients.StartProxy(t, srv.optional.Addr)
	in := login(srv.optional, px.Addr, "cross-optional", false)
	upgraded := px.StartedTLS() && !strings.Contains(px.Plaintext(), "<auth")
	if (got["xmpp.client.starttls-optional"] == report.Pass) != (upgraded && in) {
		t.Errorf("starttls-optional is %s, but against Prosody with TLS optional the client upgraded: %v, logged in: %v; plaintext:\n%s",
			got["xmpp.client.starttls-optional"], upgraded, in, px.Plaintext())
	}

	// Real Prosodys with bad certificates: the verdict fails exactly when
	// the client logs in there, and with its checks off it does log in.
	for _, bad := range []struct {
		x        *testenv.Server
		label    string
		criteria string
	}{
		{srv.self, "self-signed", "xmpp.client.cert-untrusted"},
		{srv.wrong, "wrong-name", "xmpp.client.cert-wrong-name"},
		{srv.expired, "expired", "xmpp.client.cert-expired"},
	} {
		in := login(bad.x, bad.x.Addr, "cross-"+bad.label, false)
		if (got[bad.criteria] == report.Fail) != in {
			t.Errorf("%s is %s, but the client logged in to Prosody with a %s certificate: %v", bad.criteria, got[bad.criteria], bad.label, in)
		}
		if inOff := login(bad.x, bad.x.Addr, "cross-"+bad.label+"-off", true); inOff != (c.CertOffSwitches || in) {
			t.Errorf("with %s the client logged in to Prosody with a %s certificate: %v, want %v", c.CertOff, bad.label, inOff, c.CertOffSwitches || in)
		}
	}
}

// screens checks what only the screen (or the client's own log) shows,
// for the terminal clients: whether a forged message was displayed, and
// the client's own account of a finding.
func screens(t *testing.T, h *clients.Harness, got map[string]report.Status) {
	c := h.Client
	if !c.Terminal {
		return
	}
	for _, id := range []string{"carbon-forged", "mam-forged"} {
		shown := strings.Contains(h.Screen(id), "boss@"+clientDomain)
		if want := debianClientScreens[c.Name][id]; shown != want {
			t.Errorf("%s: the screen shows the forged message from boss@%s: %v, want %v\n%s", id, clientDomain, shown, want, h.Screen(id))
		}
	}
	if c.Name == "profanity" && got["xmpp.client.scram-server-signature"] == report.Fail {
		// libstrophe's own log: it took the wrong signature as a success.
		if l := h.Log("scram-wrong-signature"); !strings.Contains(l, "auth successful") {
			t.Errorf("scram-server-signature fails, but libstrophe's log does not say the authentication succeeded:\n%s", l)
		}
	}
}

// clientRows is the order of the README table: the scenarios' order.
var clientRows = strings.Fields(`starttls-stripped starttls-optional starttls-failure starttls-injection
	cert-untrusted cert-wrong-name cert-expired tls-versions tls-ciphers tls-post-quantum tls-sni tls-alpn
	sasl-choice sasl-downgrade scram-server-signature scram-iterations xml-hardening carbon-spoofing mam-spoofing metadata`)

// verdictTable renders grades and verdicts as the README's Markdown table.
func verdictTable(grades map[string]string, v map[string]map[string]report.Status) string {
	var b strings.Builder
	b.WriteString("| `xmpp.client.…` |")
	for _, c := range clients.All {
		fmt.Fprintf(&b, " %s |", c.Name)
	}
	b.WriteString("\n|---|")
	for range clients.All {
		b.WriteString("---|")
	}
	b.WriteString("\n| **grade** |")
	for _, c := range clients.All {
		fmt.Fprintf(&b, " **%s** |", grades[c.Name])
	}
	b.WriteString("\n")
	for _, id := range clientRows {
		fmt.Fprintf(&b, "| `%s` |", id)
		for _, c := range clients.All {
			st := string(v[c.Name]["xmpp.client."+id])
			if st == "fail" || st == "warn" {
				st = "**" + st + "**"
			}
			fmt.Fprintf(&b, " %s |", st)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// debianClientVerdicts are the verdicts of the Debian 12 clients, as
// measured (the README's table is rendered from them and checked by
// TestReadmeClientTable).
var debianClientVerdicts = map[string]map[string]report.Status{
	"go-sendxmpp": verdicts(`
		starttls-stripped pass   starttls-optional pass   starttls-failure pass   starttls-injection pass
		cert-untrusted pass      cert-wrong-name warn     cert-expired pass
		tls-versions pass        tls-ciphers fail         tls-post-quantum warn   tls-sni pass   tls-alpn skip
		sasl-choice fail         sasl-downgrade skip      scram-server-signature skip   scram-iterations skip
		xml-hardening warn       carbon-spoofing error    mam-spoofing error      metadata pass`),
	"profanity": verdicts(`
		starttls-stripped pass   starttls-optional pass   starttls-failure pass   starttls-injection pass
		cert-untrusted pass      cert-wrong-name warn     cert-expired pass
		tls-versions warn        tls-ciphers warn         tls-post-quantum warn   tls-sni pass   tls-alpn skip
		sasl-choice warn         sasl-downgrade info      scram-server-signature fail   scram-iterations fail
		xml-hardening fail       carbon-spoofing info     mam-spoofing fail       metadata warn`),
	"mcabber": verdicts(`
		starttls-stripped pass   starttls-optional pass   starttls-failure pass   starttls-injection fail
		cert-untrusted pass      cert-wrong-name warn     cert-expired pass
		tls-versions fail        tls-ciphers warn         tls-post-quantum warn   tls-sni warn   tls-alpn skip
		sasl-choice fail         sasl-downgrade skip      scram-server-signature skip   scram-iterations skip
		xml-hardening fail       carbon-spoofing info     mam-spoofing info       metadata warn`),
	"poezio": verdicts(`
		starttls-stripped pass   starttls-optional pass   starttls-failure pass   starttls-injection pass
		cert-untrusted pass      cert-wrong-name fail     cert-expired pass
		tls-versions warn        tls-ciphers warn         tls-post-quantum warn   tls-sni warn   tls-alpn skip
		sasl-choice fail         sasl-downgrade info      scram-server-signature pass   scram-iterations fail
		xml-hardening warn       carbon-spoofing info     mam-spoofing info       metadata warn`),
}

// verdicts reads "name status" pairs (the name without "xmpp.client.").
func verdicts(s string) map[string]report.Status {
	f := strings.Fields(s)
	m := map[string]report.Status{}
	for i := 0; i+1 < len(f); i += 2 {
		m["xmpp.client."+f[i]] = report.Status(f[i+1])
	}
	return m
}

// debianClientGrades are their grades (they follow from the verdicts).
var debianClientGrades = map[string]string{"go-sendxmpp": "C", "profanity": "C", "mcabber": "C", "poezio": "F"}

// debianClientScreens: whether the forged carbon / archive message shows
// up on the terminal client's screen as a message from boss@test.example.
var debianClientScreens = map[string]map[string]bool{
	"profanity": {"carbon-forged": false, "mam-forged": true},
	"mcabber":   {"carbon-forged": false, "mam-forged": false},
	"poezio":    {"carbon-forged": false, "mam-forged": false},
}

// The README's table of the Debian clients is debianClientVerdicts, which
// TestDebianClients checks against the clients themselves.
func TestReadmeClientTable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- client-table:start -->\n", "<!-- client-table:end -->"
	s := string(b)
	i, j := strings.Index(s, start), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README has no %q … %q block", start, end)
	}
	want := verdictTable(debianClientGrades, debianClientVerdicts)
	if got := s[i+len(start) : j]; got != want {
		t.Errorf("the README's client table differs from the measured verdicts (debianClientVerdicts); it should read:\n%s", want)
	}
	for _, c := range clients.All {
		if len(debianClientVerdicts[c.Name]) == 0 {
			t.Errorf("no verdicts for %s", c.Name)
		}
		all, _ := criteria.All()
		for _, m := range all {
			if strings.HasPrefix(m.ID, "xmpp.client.") && (debianClientVerdicts[c.Name][m.ID] == "" || !slices.Contains(clientRows, strings.TrimPrefix(m.ID, "xmpp.client."))) {
				t.Errorf("%s: no verdict or table row for %s", c.Name, m.ID)
			}
		}
	}
}
