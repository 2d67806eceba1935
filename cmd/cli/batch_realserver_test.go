package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan/batch"
)

// TestBatchRealServers: one batch over 34 targets of a loopback lab —
// Prosody hosting ten domains on 127.0.0.2 (encryption required) and eight
// on 127.0.0.3 (optional, registration open), ejabberd hosting six on
// 127.0.0.1, Dendrite under three server names (one its own, two that
// delegate to it and fail its key check), nginx with a good and an expired
// certificate — and five broken targets: two unknown names (NXDOMAIN), a
// refused port, a server that never answers (timeout) and a refused TLS
// port. Every target's verdicts must equal those of its single-target
// scan (imscore scan KIND NAME), every broken one must be a record with
// the single scan's reason, and the summary, JUnit and the observatory
// must name them all.
func TestBatchRealServers(t *testing.T) {
	testenv.Need(t, "prosody", "nginx")
	lab := newBatchLab(t)
	lab.prosody(t, "127.0.0.2", domains("good", 10), testenv.ProsodyOptions{RequireTLS: true, S2SRequireTLS: true})
	lab.prosody(t, "127.0.0.3", domains("weak", 8), testenv.ProsodyOptions{OpenRegistration: true})

	ej := domains("ej", 6)
	cert, key := lab.xmppCert(t, "ejabberd", ej, testenv.LeafOptions{})
	e := testenv.StartEjabberd(t, testenv.EjabberdOptions{Domain: ej[0], ExtraDomains: ej[1:], Cert: cert, Key: key, RequireTLS: true, S2SRequireTLS: true})
	lab.xmppDomains(t, ej, "127.0.0.1", e.Addr, e.S2SAddr)

	mx := []string{"mx.test", "alias1.test", "alias2.test"}
	var mxNames []string
	for _, n := range mx {
		mxNames = append(mxNames, n, "matrix."+n)
	}
	mcert, mkey := lab.pki.Leaf(t, "dendrite", testenv.LeafOptions{DNSNames: mxNames, KeyType: "ecdsa256", Intermediate: true})
	d := testenv.StartDendrite(t, testenv.DendriteOptions{ServerName: "mx.test", Cert: mcert, Key: mkey})
	_, dport, _ := net.SplitHostPort(d.Addr)
	for _, n := range mx {
		lab.dns.Add(t, fmt.Sprintf("_matrix-fed._tcp.%s. 60 IN SRV 10 5 %s matrix.%s.\nmatrix.%s. 60 IN A 127.0.0.1\n%s. 60 IN A 127.0.0.1\n", n, dport, n, n, n))
		lab.lines = append(lab.lines, "matrix:"+n)
	}

	wcert, wkey := lab.pki.Leaf(t, "web", testenv.LeafOptions{DNSNames: []string{"web.test"}, KeyType: "ecdsa256", Intermediate: true})
	web := testenv.StartNginx(t, testenv.NginxOptions{Cert: wcert, Key: wkey, Protocols: "TLSv1.2 TLSv1.3"})
	xcert, xkey := lab.pki.Leaf(t, "expired", testenv.LeafOptions{DNSNames: []string{"expired.test"}, KeyType: "ecdsa256", Intermediate: true,
		NotBefore: time.Now().Add(-90 * 24 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)})
	expired := testenv.StartNginx(t, testenv.NginxOptions{Cert: xcert, Key: xkey, Protocols: "TLSv1.2 TLSv1.3"})
	_, wport, _ := net.SplitHostPort(web.Addr)
	_, xport, _ := net.SplitHostPort(expired.Addr)
	lab.dns.Add(t, "web.test. 60 IN A 127.0.0.1\nexpired.test. 60 IN A 127.0.0.1\nrefused.test. 60 IN A 127.0.0.4\n")
	lab.lines = append(lab.lines, "tls:web.test:"+wport, "tls:expired.test:"+xport)

	// The broken ones.
	_, closed, _ := net.SplitHostPort(closedPort(t, "127.0.0.4"))
	_, silent, _ := net.SplitHostPort(silentListener(t, "127.0.0.4"))
	lab.dns.Add(t, fmt.Sprintf(`_xmpp-client._tcp.refused.test. 60 IN SRV 5 0 %[1]s xmpp.refused.test.
xmpp.refused.test. 60 IN A 127.0.0.4
_xmpp-client._tcp.silent.test. 60 IN SRV 5 0 %[2]s xmpp.silent.test.
xmpp.silent.test. 60 IN A 127.0.0.4
`, closed, silent))
	lab.lines = append(lab.lines, "xmpp:nx.test", "matrix:nowhere.test", "xmpp:refused.test", "xmpp:silent.test", "tls:refused.test:"+closed)
	list := lab.writeList(t)
	if n := len(lab.lines); n != 34 {
		t.Fatalf("the lab has %d targets, want 34", n)
	}

	out := filepath.Join(t.TempDir(), "out")
	junit := filepath.Join(t.TempDir(), "batch.junit.xml")
	start := time.Now()
	args := append([]string{"batch", list, "--out", out, "--allow-private", "--concurrency", "6", "--per-address", "3", "--domain-gap", "0",
		"--format", "junit", "-o", junit}, lab.args()...)
	code, stdout, stderr := run(t, args...)
	took := time.Since(start)
	t.Logf("batch of 34 targets: exit %d in %s\n%s%s", code, took.Round(time.Millisecond), stdout, stderr)
	if code != ExitCannotScan {
		t.Fatalf("exit %d, want 3 (five targets cannot be scanned)", code)
	}
	if !strings.Contains(stderr, "imscore: 5 targets could not be scanned: ") || strings.Count(stderr, "\n") > 8 {
		t.Errorf("stderr does not name the five: %s", stderr)
	}

	// Every target against its single scan.
	entries := map[string]report.BatchEntry{}
	raw, err := os.ReadFile(filepath.Join(out, "index.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(raw), []byte("\n")) {
		e, err := report.ReadBatchEntry(line)
		if err != nil {
			t.Fatal(err)
		}
		entries[e.Key()] = e
	}
	if len(entries) != 34 {
		t.Errorf("%d index entries, want 34", len(entries))
	}
	broken := map[string]bool{"xmpp:nx.test": true, "matrix:nowhere.test": true, "xmpp:refused.test": true, "xmpp:silent.test": true, "tls:refused.test:" + closed: true}
	for _, line := range lab.lines {
		kind, name, _ := strings.Cut(line, ":")
		e, ok := entries[line]
		if !ok {
			t.Errorf("%s: no result", line)
			continue
		}
		code, single, serr := scanKind(t, kind, append([]string{name}, lab.args()...)...)
		if broken[line] {
			reason := strings.TrimSpace(strings.TrimPrefix(serr, "imscore: cannot scan "+name+": "))
			if e.Outcome != report.BatchCannotScan || code != ExitCannotScan || e.Reason != reason {
				t.Errorf("%s: batch %s %q; single scan exit %d %q", line, e.Outcome, e.Reason, code, reason)
			}
			continue
		}
		if e.Outcome != report.BatchScanned || code != ExitOK || single == nil {
			t.Errorf("%s: batch %s (%s); single scan exit %d %s", line, e.Outcome, e.Reason, code, serr)
			continue
		}
		rep, _, err := batch.ReadTargetFile(filepath.Join(out, e.File))
		if err != nil {
			t.Fatal(err)
		}
		if diff := verdictDiff(rep, single); diff != "" {
			t.Errorf("%s: the batch's verdicts differ from the single scan's:\n%s", line, diff)
		}
		if rep.Grade != single.Grade || e.Grade != rep.Grade {
			t.Errorf("%s: grade %s in the batch, %s alone", line, rep.Grade, single.Grade)
		}
	}
	// The lab shows what it was built to show.
	want := map[string]string{"xmpp:good01.test": "A", "xmpp:weak01.test": "C", "tls:expired.test:" + xport: "F", "tls:web.test:" + wport: "A"}
	for k, g := range want {
		if entries[k].Grade != g {
			t.Errorf("%s: grade %s, want %s", k, entries[k].Grade, g)
		}
	}
	if st := entries["matrix:alias1.test"].Statuses["matrix.federation.keys"]; st != report.Fail {
		t.Errorf("a server name delegating to another homeserver: matrix.federation.keys %s", st)
	}
	if st := entries["matrix:mx.test"].Statuses["matrix.federation.keys"]; st != report.Pass {
		t.Errorf("mx.test: matrix.federation.keys %s", st)
	}

	// The JUnit file has a suite per target and validates.
	j, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(j, []byte("<testsuite ")); n != 34 {
		t.Errorf("%d test suites, want 34", n)
	}
	if msg := xmllintCLI(t, j); msg != "" {
		t.Errorf("the batch's JUnit does not validate: %s", msg)
	}

	// A second run keeps every result (nothing is scanned again) and
	// writes the observatory; a policy over the same directory says who is
	// below it.
	site := filepath.Join(t.TempDir(), "site")
	code, stdout, stderr = run(t, append([]string{"batch", list, "--out", out, "--allow-private", "--format", "html", "-o", site}, lab.args()...)...)
	if code != ExitCannotScan || !strings.Contains(stderr, "34 kept from an earlier run (--max-age), 0 to scan") || strings.TrimSpace(stdout) != filepath.Join(site, "index.html") {
		t.Errorf("second run: exit %d, %s%s", code, stdout, stderr)
	}
	for _, k := range lab.lines {
		if broken[k] {
			continue
		}
		e := entries[k]
		if _, err := os.Stat(filepath.Join(site, "targets", webSlug(e.Kind, e.Name), "index.html")); err != nil {
			t.Errorf("the observatory has no page for %s: %v", k, err)
		}
	}
	idx, _ := os.ReadFile(filepath.Join(site, "index.html"))
	for _, want := range []string{"34 targets: 29 scanned, 5 could not be scanned", "nowhere.test", "good10.test"} {
		if !bytes.Contains(idx, []byte(want)) {
			t.Errorf("the observatory's index lacks %q", want)
		}
	}
	good := lab.writeList(t)
	code, stdout, stderr = run(t, append([]string{"batch", good, "--out", out, "--allow-private", "--fail-under", "B", "--format", "json"}, lab.args()...)...)
	var sum struct {
		Stats   report.BatchStats `json:"stats"`
		Targets []report.BatchRow `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("summary JSON: %v", err)
	}
	var below []string
	for _, r := range sum.Targets {
		if r.Policy != "" {
			below = append(below, r.Key())
		}
	}
	sort.Strings(below)
	wantBelow := "matrix:alias1.test matrix:alias2.test tls:expired.test:" + xport + " xmpp:weak01.test xmpp:weak02.test xmpp:weak03.test xmpp:weak04.test xmpp:weak05.test xmpp:weak06.test xmpp:weak07.test xmpp:weak08.test"
	if got := strings.Join(below, " "); got != wantBelow || sum.Stats.BelowPolicy != 11 || code != ExitCannotScan {
		t.Errorf("--fail-under B: below %s\nwant %s\nexit %d: %s", got, wantBelow, code, stderr)
	}
	// Without the broken targets the policy decides the exit code.
	lab.lines = lab.lines[:29]
	code, _, stderr = run(t, append([]string{"batch", lab.writeList(t), "--out", out, "--allow-private", "--fail-under", "B", "-q"}, lab.args()...)...)
	if code != ExitPolicy || !strings.Contains(stderr, "imscore: 11 targets are below the policy: ") || !strings.Contains(stderr, "(grade C is below --fail-under B)") || !strings.Contains(stderr, "and 6 more (see the summary)") {
		t.Errorf("policy only: exit %d, %s", code, stderr)
	}
}

// verdictDiff lists the criteria whose status differs between a and b.
func verdictDiff(a, b *report.Report) string {
	sa, sb := statuses(a), statuses(b)
	var diff []string
	for id, st := range sa {
		if sb[id] != st {
			diff = append(diff, fmt.Sprintf("  %s: %s in the batch (%s), %s alone (%s)", id, st, summaryOf(a, id), sb[id], summaryOf(b, id)))
		}
	}
	for id, st := range sb {
		if _, ok := sa[id]; !ok {
			diff = append(diff, fmt.Sprintf("  %s: missing in the batch, %s alone", id, st))
		}
	}
	sort.Strings(diff)
	return strings.Join(diff, "\n")
}

// webSlug is the observatory's directory of a target.
func webSlug(kind, name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(kind + "-" + name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-.")
}
