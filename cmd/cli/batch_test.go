package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan/batch"
)

func writeText(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Bad command lines and bad lists: exit 2 and one line that says where.
func TestBatchUsage(t *testing.T) {
	out := t.TempDir()
	list := writeText(t, "l.txt", "xmpp:example.test\n")
	bad := writeText(t, "bad.txt", "xmpp:a.test\n\nxmpp:b.test\nirc:c.test\n")
	badJSON := writeText(t, "p.json", "[\n{\"jid\": \"a.test\"},\n{\"jid\": 42}\n]\n")
	creds := writeText(t, "c.yaml", "- target: xmpp:example.test\n  account: x@other.test\n  password: hunter2-secret\n")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"batch", list}, "batch needs --out DIR"},
		{[]string{"batch", "--out", out}, "batch needs a list"},
		{[]string{"batch", list, "--out", out, "--format", "sarif"}, `unknown --format "sarif"`},
		{[]string{"batch", list, "--out", out, "--format", "html"}, "-o DIR"},
		{[]string{"batch", list, "--out", out, "--shard", "4/3"}, "--shard \"4/3\""},
		{[]string{"batch", list, "--out", out, "--concurrency", "0"}, "--concurrency must be between"},
		{[]string{"batch", list, "--out", out, "--per-address", "100"}, "--per-address must be between"},
		{[]string{"batch", list, "--out", out, "--fail-under", "Q"}, "unknown --fail-under grade"},
		{[]string{"batch", list, "--out", out, "--require", "no.such.criterion"}, "unknown criterion"},
		{[]string{"batch", "--merge", "--out", out}, "--merge needs the shards' output directories"},
		{[]string{"batch", "--merge", out, "--out", out, "--shard", "1/2"}, "--merge joins directories"},
		{[]string{"batch", bad, "--out", out}, bad + `:4: unknown kind "irc"`},
		{[]string{"batch", "--xmpp-providers", badJSON, "--out", out}, badJSON + `:3: provider without a "jid"`},
		{[]string{"batch", filepath.Join(out, "missing.txt"), "--out", out}, "no such file"},
		{[]string{"batch", list, "--out", out, "--credentials", creds}, "--credentials: " + creds + ":1: "},
		{[]string{"batch", list, "--out", out, "--resolver", "dns.example"}, "--resolver"},
		{[]string{"batch", list, "--out", out, "--rate", "1e-12"}, "--rate 1e-12 is below the least rate"},
		// Flags are checked before any list is read: with a broken list,
		// the flag's error.
		{[]string{"batch", bad, "--out", out, "--shard", "4/3"}, "--shard \"4/3\""},
		{[]string{"batch", bad, "--out", out, "--credentials", creds}, "--credentials: " + creds + ":1: "},
		{[]string{"batch", bad, "--out", out, "--resolver", "dns.example"}, "--resolver"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q, want 2 and %q", c.args, code, stderr, c.want)
		}
		if strings.Contains(stderr, "hunter2-secret") {
			t.Errorf("%v: the password is on stderr", c.args)
		}
		if lines := strings.Count(strings.TrimSuffix(stderr, "Run 'imscore --help' for usage.\n"), "\n"); lines != 1 {
			t.Errorf("%v: %d lines on stderr: %q", c.args, lines, stderr)
		}
	}
}

// A hostile list cannot aim the batch at the network it runs in: domains
// whose records point to a loopback server get no connection at all
// without --allow-private (counted at the server), and one with it.
func TestBatchHostileListLoopback(t *testing.T) {
	srv := testenv.StartCountingProxy(t, "127.0.0.5", "")
	_, port, _ := strings.Cut(srv.Addr, ":")
	var zone, list strings.Builder
	for i := range 4 {
		d := fmt.Sprintf("inside%d.example.net", i)
		fmt.Fprintf(&zone, "_xmpp-client._tcp.%s. 60 IN SRV 0 0 %s xmpp.%s.\nxmpp.%s. 60 IN A 127.0.0.5\n%s. 60 IN A 127.0.0.5\n", d, port, d, d, d)
		fmt.Fprintf(&list, "xmpp:%s\n", d)
	}
	fmt.Fprintf(&list, "tls:127.0.0.5:%s\nmatrix:127.0.0.5:%s\n", port, port)
	dns := testenv.StartDNS(t, zone.String(), false)
	lf := writeText(t, "hostile.txt", list.String())
	code, stdout, stderr := run(t, "batch", lf, "--out", t.TempDir(), "--resolver", dns.Addr, "--timeout", "20s", "--format", "json")
	if code != ExitCannotScan {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, total := srv.Peak(); total != 0 {
		t.Errorf("the loopback server got %d connections from a hostile list", total)
	}
	var sum struct {
		Targets []report.BatchRow `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || len(sum.Targets) != 6 {
		t.Fatalf("summary: %v, %d targets", err, len(sum.Targets))
	}
	for _, r := range sum.Targets {
		if r.Outcome != report.BatchCannotScan || !strings.Contains(r.Reason, "127.0.0.5: internal address, not contacted") {
			t.Errorf("%s: %s %q", r.Key(), r.Outcome, r.Reason)
		}
	}
	// With --allow-private the same list reaches the server (which says
	// nothing, so the scans time out quickly).
	one := writeText(t, "one.txt", "xmpp:inside0.example.net\n")
	code, _, stderr = run(t, "batch", one, "--out", t.TempDir(), "--resolver", dns.Addr, "--timeout", "8s", "--allow-private", "-q")
	if _, total := srv.Peak(); total == 0 || code != ExitCannotScan {
		t.Errorf("--allow-private: exit %d, %d connections: %s", code, total, stderr)
	}
}

// Names that point into private, link-local and CGNAT ranges are not
// contacted either. This runs in a network namespace with loopback only,
// so that even a bug could not send a packet anywhere.
func TestBatchHostileListPrivateRanges(t *testing.T) {
	if !testenv.Isolated(t, testenv.IsolatedOptions{}) {
		return
	}
	// Routes into those ranges over lo, in this namespace only: imscore
	// sees them as reachable (no "no route" short cut), so what stops it
	// is the batch's refusal — and were it to fail, the packet would still
	// go nowhere but lo.
	for _, r := range [][]string{{"10.0.0.0/8"}, {"169.254.0.0/16"}, {"100.64.0.0/10"}, {"192.168.0.0/16"}, {"-6", "fd00::/8"}, {"-6", "::ffff:0:0/96"}} {
		args := append(append([]string{}, r[:len(r)-1]...), "route", "add", r[len(r)-1], "dev", "lo")
		if out, err := exec.Command(testenv.LookBinary("ip"), args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v %s", args, err, out)
		}
	}
	zone := `a.example.net. 60 IN A 10.0.0.1
_xmpp-client._tcp.b.example.net. 60 IN SRV 0 0 5222 meta.b.example.net.
meta.b.example.net. 60 IN A 169.254.169.254
c.example.net. 60 IN AAAA fd00::1
_matrix-fed._tcp.d.example.net. 60 IN SRV 10 5 8448 cgnat.d.example.net.
cgnat.d.example.net. 60 IN A 100.64.0.1
`
	dns := testenv.StartDNS(t, zone, false)
	lf := writeText(t, "hostile.txt", "xmpp:a.example.net\nxmpp:b.example.net\nxmpp:c.example.net\nmatrix:d.example.net\ntls:192.168.1.1:443\ntls:[::ffff:10.1.1.1]:443\n")
	code, stdout, stderr := run(t, "batch", lf, "--out", t.TempDir(), "--resolver", dns.Addr, "--timeout", "20s", "--format", "json")
	var sum struct {
		Targets []report.BatchRow `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != ExitCannotScan {
		t.Fatalf("exit %d, %v: %s", code, err, stderr)
	}
	for _, r := range sum.Targets {
		if !strings.Contains(r.Reason, "internal address, not contacted") {
			t.Errorf("%s: %q, want a refusal", r.Key(), r.Reason)
		}
	}
}

// --shard splits a list into parts that --merge joins again: every target
// once.
func TestBatchShardAndMerge(t *testing.T) {
	dns := testenv.StartDNS(t, "lab.test. 60 IN A 127.0.0.1\n", false)
	var b strings.Builder
	for i := range 24 {
		fmt.Fprintf(&b, "xmpp:gone%02d.test\n", i)
	}
	lf := writeText(t, "l.txt", b.String())
	root := t.TempDir()
	var dirs []string
	seen := 0
	for i := 1; i <= 3; i++ {
		dir := filepath.Join(root, fmt.Sprintf("shard%d", i))
		code, stdout, stderr := run(t, "batch", lf, "--out", dir, "--shard", fmt.Sprintf("%d/3", i), "--resolver", dns.Addr, "--format", "json")
		var sum struct {
			Stats report.BatchStats `json:"stats"`
		}
		if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != ExitCannotScan {
			t.Fatalf("shard %d: exit %d, %v: %s", i, code, err, stderr)
		}
		seen += sum.Stats.Targets
		dirs = append(dirs, dir)
	}
	if seen != 24 {
		t.Errorf("the shards hold %d targets, want 24", seen)
	}
	code, stdout, stderr := run(t, append([]string{"batch", "--merge", "--out", filepath.Join(root, "all"), "--format", "json"}, dirs...)...)
	var sum struct {
		Stats   report.BatchStats `json:"stats"`
		Targets []report.BatchRow `json:"targets"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || code != ExitCannotScan || sum.Stats.Targets != 24 || sum.Stats.CannotScan != 24 {
		t.Fatalf("merge: exit %d, %v, %+v: %s", code, err, sum.Stats, stderr)
	}
	raw, _ := os.ReadFile(filepath.Join(root, "all", "index.jsonl"))
	if n := bytes.Count(raw, []byte("\n")); n != 24 {
		t.Errorf("merged index of %d lines", n)
	}
	runs, err := batch.ReadRuns(filepath.Join(root, "all"))
	if err != nil || len(runs) != 1 || runs[0].What != "merge" {
		t.Errorf("runs %+v %v", runs, err)
	}
}

// The progress: one redrawn line on a terminal, plain lines in a log.
func TestBatchProgress(t *testing.T) {
	var b bytes.Buffer
	p := newBatchProgress(&b, false, time.Hour)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	p.width = 119
	p.start()
	p.Planned(10, 4)
	x := batch.Target{Kind: "xmpp", Name: "a.test"}
	p.Started(x)
	p.Started(batch.Target{Kind: "matrix", Name: "b.test"})
	now = now.Add(10 * time.Second)
	p.Finished(x, report.BatchEntry{Outcome: report.BatchCannotScan})
	if got := p.line(true); got != "imscore: batch [##########          ] 5/10 done · 1 running · 1 failed · ETA 50s  matrix:b.test" {
		t.Errorf("line %q", got)
	}
	p.end(batch.Result{Total: 10, Fresh: 4, Scanned: 1, Unfinished: 5, Peak: 2})
	log := b.String()
	if !strings.HasPrefix(log, "imscore: batch of 10 targets: 4 kept from an earlier run (--max-age), 6 to scan\n") ||
		!strings.Contains(log, "imscore: batch ended after 10s: 1 done (1 could not be scanned, 0.1 targets/s), 4 kept, 5 unfinished; at most 2 connections to one address at once\n") ||
		strings.Contains(log, "\r") {
		t.Errorf("log:\n%s", log)
	}
	b.Reset()
	term := newBatchProgress(&b, true, time.Hour)
	term.start()
	term.Planned(3, 0)
	term.Started(x)
	term.end(batch.Result{})
	if s := b.String(); !strings.HasPrefix(s, "\r\x1b[Kimscore: batch [                    ] 0/3 done · 1 running") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("terminal: %q", s)
	}
}
