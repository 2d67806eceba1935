package scripts

// The README's first command is the main job: run it as a user would and
// check what it promises — every scan graded, the site written, and every
// process it started gone afterwards.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	for _, bin := range []string{"nginx", "prosody", "openssl"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed (scripts/install-test-deps)", bin)
			}
			t.Skipf("%s is not installed", bin)
		}
	}
	dir := t.TempDir()
	out, site := filepath.Join(dir, "out"), filepath.Join(dir, "site")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "demo", "--out", out, "--site", site)
	cmd.Stdin = nil
	// The demo's own temporary directory (servers' configs, data) lands
	// under dir too, so the leftover check below sees every process.
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	begin := time.Now()
	b, err := cmd.CombinedOutput()
	t.Logf("demo took %v", time.Since(begin).Round(100*time.Millisecond))
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, b)
	}
	log := string(b)
	for _, want := range []string{"tls  www.strong.demo.test:443", "xmpp strong.demo.test", "xmpp weak.demo.test",
		"tls  www.weak.demo.test:443 (fixed) A+", "No regression", "Site:    " + site + "/index.html"} {
		if !strings.Contains(log, want) {
			t.Errorf("demo output lacks %q:\n%s", want, log)
		}
	}
	// The batch: every demo server scanned once, then kept by the second
	// run (--max-age), the observatory written.
	for _, want := range []string{"0 to scan", "0 could not be scanned", "│ weak.demo.test ", "Observatory of the batch: " + site + "/observatory/index.html"} {
		if !strings.Contains(log, want) {
			t.Errorf("demo output lacks %q:\n%s", want, log)
		}
	}
	// The client tester, when go-sendxmpp is there (install-test-deps
	// installs it).
	if _, err := exec.LookPath("go-sendxmpp"); err == nil && !strings.Contains(log, "client go-sendxmpp ") {
		t.Errorf("demo output lacks the go-sendxmpp client's grade:\n%s", log)
	}
	for _, f := range []string{"index.html", "observatory/index.html"} {
		if _, err := os.Stat(filepath.Join(site, f)); err != nil {
			t.Errorf("no site: %v", err)
		}
	}
	reports, _ := filepath.Glob(filepath.Join(out, "reports", "*.json"))
	if len(reports) < 5 {
		t.Errorf("%d reports, want at least 5", len(reports))
	}
	// Nothing the demo started may outlive it: no process whose command
	// line names the demo's directories.
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		c, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(c), dir) {
			t.Errorf("still running after the demo: %s (%s)", strings.ReplaceAll(string(c), "\x00", " "), p)
		}
	}
}
