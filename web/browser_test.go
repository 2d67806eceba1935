package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imscore/imscore/fixtures/testenv"
)

// TestBrowser renders the site and loads its pages in headless Chromium:
// the key facts must be in the DOM, no console message may appear, and
// screenshots (desktop, phone, dark) are kept in the test's temporary
// directory (paths logged; set IMSCORE_SCREENSHOTS=DIR to keep them).
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the browser test")
	}
	bin := testenv.Chromium(t)
	dir := filepath.Join(t.TempDir(), "site")
	if err := Render(dir, testReports(t), Options{}); err != nil {
		t.Fatal(err)
	}
	shots := t.TempDir()
	if d := os.Getenv("IMSCORE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		shots = d
	}

	pages := []struct {
		name string
		file string
		want []string
	}{
		{"index", "index.html", []string{
			"Scanned targets", "127.0.0.1:33958", "127.0.0.1:30563", "test.example:443", "evil.example",
			"Transport security (TLS)", "3 scans: history",
		}},
		{"target-weak", "targets/tls-127.0.0.1-30563/index.html", []string{
			"127.0.0.1:30563", ">B<", "79/100", "Grade caps", "tls.protocol.no-tls10-11",
			"Fail", "Warning", "Pass", "Skipped", "Evidence", "How to fix", "nginx", "Prosody",
			"<details", "<svg class=\"bar\"",
		}},
		{"target-sample", "targets/tls-test.example-443/index.html", []string{
			"test.example:443", "Not measured", "Info", "Weight 10 of this area could not be measured",
		}},
		{"history", "targets/tls-127.0.0.1-33958/history.html", []string{
			"History of 127.0.0.1:33958", "3 scans", "Score over time", "What changed",
			"better", "tls.protocol.no-tls10-11",
		}},
		{"hostile", "targets/xmpp-evil.example/index.html", []string{
			"evil.example", "&lt;script&gt;alert", `\u202e`, "Evil link",
		}},
		{"criterion", "criteria/tls.protocol.no-tls10-11.html", []string{
			"Why it matters", "How imscore measures it", "Verdicts", "Grade caps", "References",
			"Results in this report",
		}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, filepath.FromSlash(p.file))
			dom := testenv.RunChromium(t, bin, file, "--dump-dom")
			if !strings.Contains(dom, "</html>") {
				t.Fatalf("no DOM dumped: %.300s", dom)
			}
			for _, w := range p.want {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM lacks %q", w)
				}
			}
			if strings.Contains(dom, "<script") {
				t.Error("DOM has a script element")
			}
			shot := filepath.Join(shots, p.name+".png")
			testenv.RunChromium(t, bin, file, "--window-size=1280,2000", "--screenshot="+shot)
			testenv.CheckPNG(t, shot)
			if p.name == "target-weak" || p.name == "hostile" || p.name == "history" {
				phone := filepath.Join(shots, p.name+"-phone.png")
				testenv.RunChromium(t, bin, file, "--window-size=390,2400", "--screenshot="+phone)
				testenv.CheckPNG(t, phone)
				dark := filepath.Join(shots, p.name+"-dark.png")
				testenv.RunChromium(t, bin, file, "--window-size=1280,2000", "--force-dark-mode", "--blink-settings=preferredColorScheme=0", "--screenshot="+dark)
				testenv.CheckPNG(t, dark)
			}
		})
	}
	t.Cleanup(func() { t.Logf("screenshots in %s", shots) })
}

// TestBrowserCompare loads the messenger comparison pages in headless
// Chromium like TestBrowser: key facts in the DOM, no console message,
// screenshots (desktop, phone, dark) kept as artefacts.
func TestBrowserCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the browser test")
	}
	bin := testenv.Chromium(t)
	dir := filepath.Join(t.TempDir(), "site")
	c := testCompare(t)
	c.Live = testLive()
	if err := RenderCompare(dir, c); err != nil {
		t.Fatal(err)
	}
	shots := t.TempDir()
	if d := os.Getenv("IMSCORE_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		shots = d
	}
	pages := []struct {
		name, file string
		want       []string
	}{
		{"compare", "compare/index.html", []string{
			"Messenger comparison", "5 messengers compared on 22 criteria", "Signal", "Matrix/Element", "Threema",
			"discontinued 2025-05-05", "✓ yes", "✗ no", "◐ partial", "? unknown", "Legend", "stale",
			"Provider cannot read messages", "CC BY-SA 3.0", "SecuChart",
			"XMPP server example.test: measured live", "not a claim about the messenger",
		}},
		{"compare-sorted", "compare/group-account-sort-account.no-phone-number.html", []string{
			"Account and devices, sorted by Usable without a phone number", "sorted ↓", "back to the order given",
		}},
		{"compare-criteria", "compare/criteria.html", []string{
			"Comparison criteria", "Post-quantum key exchange", "Compare messengers by this criterion", "CC BY-SA 3.0",
		}},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join(dir, filepath.FromSlash(p.file))
			dom := testenv.RunChromium(t, bin, file, "--dump-dom")
			if !strings.Contains(dom, "</html>") {
				t.Fatalf("no DOM dumped: %.300s", dom)
			}
			for _, w := range p.want {
				if !strings.Contains(dom, w) {
					t.Errorf("DOM lacks %q", w)
				}
			}
			if strings.Contains(dom, "<script") {
				t.Error("DOM has a script element")
			}
			shot := filepath.Join(shots, p.name+".png")
			testenv.RunChromium(t, bin, file, "--window-size=1280,2000", "--screenshot="+shot)
			testenv.CheckPNG(t, shot)
			if p.name == "compare" {
				phone := filepath.Join(shots, p.name+"-phone.png")
				testenv.RunChromium(t, bin, file, "--window-size=390,2400", "--screenshot="+phone)
				testenv.CheckPNG(t, phone)
				dark := filepath.Join(shots, p.name+"-dark.png")
				testenv.RunChromium(t, bin, file, "--window-size=1280,2000", "--force-dark-mode", "--blink-settings=preferredColorScheme=0", "--screenshot="+dark)
				testenv.CheckPNG(t, dark)
			}
		})
	}
	t.Cleanup(func() { t.Logf("screenshots in %s", shots) })
}
