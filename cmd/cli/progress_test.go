package cli

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// goTLSServer runs Go's crypto/tls server on loopback (no external binary)
// with a certificate for test.example from a fresh test CA; it returns the
// address and the CA file.
func goTLSServer(t *testing.T) (addr, caFile string) {
	t.Helper()
	pki := testenv.NewPKI(t)
	certFile, keyFile := pki.Leaf(t, "go", testenv.LeafOptions{DNSNames: []string{"test.example"}, KeyType: "ecdsa256", Intermediate: true})
	pair, err := stdtls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	l, err := stdtls.Listen("tcp", "127.0.0.1:0", &stdtls.Config{Certificates: []stdtls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				_ = c.(*stdtls.Conn).Handshake()
			}()
		}
	}()
	return l.Addr().String(), pki.CAFile
}

func runScanTLS(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), append([]string{"scan", "tls"}, args...), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// fakeTerminal makes runScan treat stderr as a terminal for one test.
func fakeTerminal(t *testing.T, yes bool) {
	old := progressIsTerminal
	progressIsTerminal = func(io.Writer) bool { return yes }
	t.Cleanup(func() { progressIsTerminal = old })
}

func TestQuiet(t *testing.T) {
	addr, ca := goTLSServer(t)
	base := []string{addr, "--sni", "test.example", "--ca-file", ca, "--quiet"}
	fakeTerminal(t, true) // --quiet means no progress even on a terminal

	code, stdout, stderr := runScanTLS(t, base...)
	if code != ExitOK || stdout != "" || stderr != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q; want 0 and nothing", code, stdout, stderr)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "r.json")
	code, stdout, stderr = runScanTLS(t, append(base, "--format", "json", "-o", file)...)
	if code != ExitOK || stdout != "" || stderr != "" {
		t.Errorf("--quiet -o: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("--quiet -o wrote no report: %v", err)
	}
	if rep, err := report.ReadJSON(bytes.NewReader(raw)); err != nil || rep.Grade == "" {
		t.Errorf("--quiet -o: report unreadable (%v)", err)
	}

	site := filepath.Join(dir, "site")
	code, stdout, stderr = runScanTLS(t, append(base, "--format", "html", "-o", site)...)
	if code != ExitOK || stdout != "" || stderr != "" {
		t.Errorf("--quiet --format html: exit %d, stdout %q (not even the index path), stderr %q", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(site, "index.html")); err != nil {
		t.Errorf("--quiet --format html wrote no site: %v", err)
	}

	// A failed requirement: exit 1 and its one-line reason, still no report.
	code, stdout, stderr = runScanTLS(t, append(base, "--require", "tls.dane")...)
	if code != ExitPolicy || stdout != "" || !strings.HasPrefix(stderr, "imscore: required criteria did not pass") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("--quiet --require: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// Cannot scan: exit 3 and one line.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	code, stdout, stderr = runScanTLS(t, closed, "--quiet")
	if code != ExitCannotScan || stdout != "" || !strings.HasPrefix(stderr, "imscore: cannot scan") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("--quiet, closed port: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestProgressOnlyOnTerminal(t *testing.T) {
	addr, ca := goTLSServer(t)
	args := []string{addr, "--sni", "test.example", "--ca-file", ca}

	// A bytes.Buffer is no terminal: the real check says so, and nothing
	// but the report is written.
	if isTerminal(&bytes.Buffer{}) {
		t.Fatal("a buffer counts as a terminal")
	}
	code, stdout, stderr := runScanTLS(t, args...)
	if code != ExitOK || stderr != "" || !strings.Contains(stdout, "Grade") {
		t.Errorf("stderr not a terminal: exit %d, stderr %q (want none), stdout %.80q", code, stderr, stdout)
	}
	// A file is no terminal either.
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	if code := Main(context.Background(), append([]string{"scan", "tls"}, args...), &out, f); code != ExitOK {
		t.Errorf("exit %d", code)
	}
	if fi, _ := f.Stat(); fi.Size() != 0 {
		b, _ := os.ReadFile(f.Name())
		t.Errorf("stderr redirected to a file got %q", b)
	}

	// On a terminal: a progress line, erased at the end; the report on
	// stdout is unchanged.
	fakeTerminal(t, true)
	code, stdout2, stderr := runScanTLS(t, append(args, "--format", "json")...)
	if code != ExitOK || !strings.HasPrefix(stdout2, "{") {
		t.Fatalf("terminal: exit %d, stdout %.80q", code, stdout2)
	}
	if !strings.Contains(stderr, "imscore: scanning "+addr) || !strings.Contains(stderr, "probes") || !strings.HasSuffix(stderr, "\r\x1b[K") {
		t.Errorf("terminal: progress %q", stderr)
	}
	if strings.Contains(stderr, "\n") {
		t.Errorf("progress must stay on one line: %q", stderr)
	}
}

func TestProgressLine(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := newProgress(io.Discard, "example.org", 3)
	p.width = 60
	p.start, p.now = now, func() time.Time { return now }
	// As the runner's observer: a probe that ran is counted, one that
	// never started (dep-failed) is not.
	reg, err := probes.NewRegistry(
		probes.Func{Name: "a", Limit: time.Second, Fn: func(context.Context, *probes.Env, probes.Results) probes.Observation {
			return probes.Observation{Status: probes.StatusRefused}
		}},
		probes.Func{Name: "b", Needs: []probes.ID{"a"}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := probes.Run(context.Background(), nil, reg, probes.RunOptions{Observer: p}); err != nil || res["a"].Status != probes.StatusRefused || p.done != 1 || len(p.running) != 0 {
		t.Errorf("after a run: %v %v, done %d, running %v", res, err, p.done, p.running)
	}
	p.started("xmpp.c2s.streams")
	now = now.Add(1500 * time.Millisecond)
	p.started("tls.versions")
	p.width = 200
	if got, want := p.line(), "imscore: scanning example.org  1/3 probes  running xmpp.c2s.streams, tls.versions  1.5s"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	p.width = 60
	if got := p.line(); len([]rune(got)) > p.width || !strings.Contains(got, "…") || !strings.HasSuffix(got, "1.5s") {
		t.Errorf("line %q: longer than %d or not shortened", got, p.width)
	}
	var buf bytes.Buffer
	p.w = &buf
	p.end()
	p.finished("tls.versions") // a probe the runner gave up on
	if buf.String() != "\r\x1b[K" {
		t.Errorf("after end: %q", buf.String())
	}
}
