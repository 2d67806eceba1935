package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
)

// TestCompareLiveProsody: `imscore compare xmpp --server xmpp:example.test`
// against a real Prosody on loopback, asking only our DNS server and
// trusting only the test CA (never the system resolver): the table, the
// JSON and the HTML page show the measured verdicts, marked as measured at
// that server on that date, next to the catalogue's claims.
func TestCompareLiveProsody(t *testing.T) {
	testenv.Need(t, "prosody")
	pki := testenv.NewPKI(t)
	cert, key := xmppLeaf(t, pki, false)
	x := testenv.StartProsody(t, testenv.ProsodyOptions{Domain: "example.test", Cert: cert, Key: key,
		RequireTLS: true, S2SRequireTLS: false, OpenRegistration: true})
	d := testenv.StartDNS(t, xmppZone(x), true)
	live := []string{"--server", "xmpp:example.test", "--resolver", d.Addr, "--ca-file", pki.CAFile, "--timeout", "90s", "--as-of", "2026-03-14"}

	start := time.Now()
	code, out, msg := runCompareCmd(t, append([]string{"xmpp", "--group", "encryption", "--width", "120"}, live...)...)
	t.Logf("compare with a live scan took %s", time.Since(start).Round(time.Millisecond))
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, msg, out)
	}
	today := time.Now().UTC().Format("2006-01-02")
	for _, want := range []string{
		"Conversations", "Gajim", "Dino", // "xmpp" selects the XMPP clients
		"Measured on " + today, "at XMPP server example.test (anonymous imscore scan, grade",
		"  ✓ pass  Clients must use TLS (STARTTLS required on c2s) (xmpp.c2s.starttls-required)",
		"  ✗ fail  Servers must use TLS (STARTTLS required on s2s) (xmpp.s2s.starttls-required)",
		"  i info  In-band registration closed (or protected) (xmpp.registration.open)", // a form after TLS: offered, not proven
		"not a claim about the messenger",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	code, out, msg = runCompareCmd(t, append([]string{"conversations", "--format", "json"}, live...)...)
	if code != ExitOK {
		t.Fatalf("json: exit %d: %s", code, msg)
	}
	var doc struct {
		Live []struct {
			Kind, Server, Grade string
			MeasuredAt          time.Time `json:"measured_at"`
			Findings            []struct{ Criterion, Status string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Live) != 1 || doc.Live[0].Kind != "xmpp" || doc.Live[0].Server != "example.test" || doc.Live[0].Grade == "" ||
		time.Since(doc.Live[0].MeasuredAt) > 10*time.Minute || len(doc.Live[0].Findings) < 10 {
		t.Fatalf("live JSON: %+v", doc.Live)
	}

	dir := filepath.Join(t.TempDir(), "site")
	code, _, msg = runCompareCmd(t, append([]string{"conversations", "matrix", "--format", "html", "-o", dir}, live...)...)
	if code != ExitOK {
		t.Fatalf("html: exit %d: %s", code, msg)
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"XMPP server example.test: measured live", "Measured on <time", "xmpp.registration.open", "st-fail", "Servers must use TLS", "not a claim about the messenger"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestCompareLiveUsage(t *testing.T) {
	for _, args := range [][]string{
		{"xmpp", "--server", "example.org"},
		{"xmpp", "--server", "irc:example.org"},
		{"xmpp", "--server", "xmpp:"},
		{"xmpp", "--server", "xmpp:user@example.org"},
		{"matrix", "--server", "matrix:https://example.org"},
		{"xmpp", "--server", "xmpp:example.test", "--resolver", "not-an-ip"},
		{"xmpp", "--server", "xmpp:example.test", "--connect", "nonsense"},
		{"xmpp", "--server", "xmpp:example.test", "--ca-file", "/nonexistent.pem"},
		{"xmpp", "--server", "xmpp:example.test", "--timeout", "0s"},
	} {
		if code, _, msg := runCompareCmd(t, args...); code != ExitUsage || msg == "" {
			t.Errorf("%v: exit %d (%q), want %d", args, code, msg, ExitUsage)
		}
	}
	// A server that cannot be reached: exit 3, like imscore scan. The DNS
	// server answers nothing, so no system resolver is asked.
	d := testenv.StartDNS(t, "", true)
	if code, _, msg := runCompareCmd(t, "xmpp", "--server", "xmpp:nowhere.test", "--resolver", d.Addr, "--timeout", "20s"); code != ExitCannotScan || !strings.Contains(msg, "cannot scan nowhere.test") {
		t.Errorf("unreachable server: exit %d (%q), want %d", code, msg, ExitCannotScan)
	}
}

// TestCompareLiveDendrite: the live overlay for a Matrix server, against a
// real (deliberately open) Dendrite delegated by .well-known.
func TestCompareLiveDendrite(t *testing.T) {
	pki := testenv.NewPKI(t)
	cert, key := pki.Leaf(t, "hs", testenv.LeafOptions{DNSNames: []string{"matrix.example.test"}, KeyType: "ecdsa256"})
	web, webKey := pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"example.test"}, KeyType: "ecdsa256"})
	d := testenv.StartDendrite(t, testenv.DendriteOptions{ServerName: "example.test", Cert: cert, Key: key, OpenRegistration: true})
	wk := testenv.StartWellKnown(t, testenv.WellKnownOptions{Cert: web, Key: webKey, Files: map[string]testenv.WellKnownFile{
		testenv.WellKnownMatrixClient: {Body: testenv.MatrixClientJSON(fmt.Sprintf("https://matrix.example.test:%d", d.Port), nil)},
		testenv.WellKnownMatrixServer: {Body: testenv.MatrixServerJSON(fmt.Sprintf("matrix.example.test:%d", d.Port))},
	}})
	dns := testenv.StartDNS(t, "example.test. 300 IN A 127.0.0.1\nmatrix.example.test. 300 IN A 127.0.0.1\n", false)
	code, out, msg := runCompareCmd(t, "matrix", "--server", "matrix:example.test", "--resolver", dns.Addr, "--ca-file", pki.CAFile,
		"--connect", "example.test:443="+wk.Addr, "--timeout", "90s", "--width", "120")
	if code != ExitOK {
		t.Fatalf("exit %d: %s\n%s", code, msg, out)
	}
	for _, want := range []string{
		"Matrix/Element", "at Matrix server example.test (anonymous imscore scan, grade",
		"(matrix.federation.ok)", "(matrix.registration.open)", "not a claim about the messenger",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "(matrix.registration.open)") && !strings.Contains(l, "✗ fail") {
			t.Errorf("open registration not shown as a failure: %q", l)
		}
		if strings.Contains(l, "(matrix.federation.ok)") && !strings.Contains(l, "✓ pass") {
			t.Errorf("federation of a well-delegated Dendrite not shown as OK: %q", l)
		}
	}
}
