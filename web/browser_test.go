package web

import (
	"path/filepath"
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
	shots := testenv.ScreenshotDir(t)

	pages := []testenv.BrowserPage{
		{Name: "index", File: "index.html", Want: []string{
			"Scanned targets", "demo.test at 127.0.0.1:33958", "demo.test at 127.0.0.1:30563", "test.example:443", "evil.example",
			"Transport security (TLS)", "3 scans: history",
		}},
		{Name: "target-weak", File: "targets/tls-demo.test-at-127.0.0.1-30563/index.html", Want: []string{
			"127.0.0.1:30563", ">B<", "79/100", "Grade caps", "tls.protocol.no-tls10-11",
			"Fail", "Warning", "Pass", "Skipped", "Evidence", "How to fix", "nginx", "Prosody",
			"<details", "<svg class=\"bar\"",
		}, AllViews: true},
		{Name: "target-sample", File: "targets/tls-test.example-443/index.html", Want: []string{
			"test.example:443", "Not measured", "Info", "Weight 10 of this area could not be measured",
		}},
		{Name: "history", File: "targets/tls-demo.test-at-127.0.0.1-33958/history.html", Want: []string{
			"History of demo.test at 127.0.0.1:33958", "3 scans", "Score over time", "What changed",
			"better", "tls.protocol.no-tls10-11",
		}, AllViews: true},
		{Name: "hostile", File: "targets/xmpp-evil.example/index.html", Want: []string{
			"evil.example", "&lt;script&gt;alert", `\u202e`, "Evil link",
		}, AllViews: true},
		{Name: "criterion", File: "criteria/tls.protocol.no-tls10-11.html", Want: []string{
			"Why it matters", "How imscore measures it", "Verdicts", "Grade caps", "References",
			"Results in this report",
		}},
	}
	testenv.CheckPages(t, bin, dir, shots, pages)
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
	if err := RenderCompare(dir, c, Options{}); err != nil {
		t.Fatal(err)
	}
	shots := testenv.ScreenshotDir(t)
	pages := []testenv.BrowserPage{
		{Name: "compare", File: "compare/index.html", Want: []string{
			"Messenger comparison", "5 messengers compared on 26 criteria", "Signal", "Matrix/Element", "Threema",
			"discontinued 2025-05-05", "✓ yes", "✗ no", "◐ partial", "? unknown", "Legend", "stale",
			"Provider cannot read messages", "CC BY-SA 3.0", "SecuChart",
			"XMPP server example.test: measured live", "not a claim about the messenger",
		}, AllViews: true},
		{Name: "compare-sorted", File: "compare/group-account-sort-account.no-phone-number.html", Want: []string{
			"Account and devices, sorted by Usable without a phone number", "sorted ↓", "back to the order given",
		}},
		{Name: "compare-criteria", File: "compare/criteria.html", Want: []string{
			"Comparison criteria", "Post-quantum key exchange", "Compare messengers by this criterion", "CC BY-SA 3.0",
		}},
		{Name: "compare-persona", File: "compare/persona-state-adversary.html", Want: []string{
			"Messenger comparison for one threat model: Activist facing a state adversary", "This threat model",
			"Weights of this threat model", "5 of 5", "yes: a “no” makes a messenger unsuitable", "[5, required]",
			"by score for this threat model, best first", "unsuitable", "CC BY-SA 3.0",
		}, AllViews: true},
	}
	testenv.CheckPages(t, bin, dir, shots, pages)
	t.Cleanup(func() { t.Logf("screenshots in %s", shots) })
}

// TestBrowserObservatory loads the observatory of a batch in headless
// Chromium: the key facts in the DOM, no console message, screenshots
// (desktop, phone, dark) kept as artefacts.
func TestBrowserObservatory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the browser test")
	}
	bin := testenv.Chromium(t)
	dir := filepath.Join(t.TempDir(), "site")
	o, _ := testObservatory(t)
	if err := RenderObservatory(dir, o, Options{}); err != nil {
		t.Fatal(err)
	}
	shots := testenv.ScreenshotDir(t)
	pages := []testenv.BrowserPage{
		{Name: "observatory", File: "index.html", Want: []string{
			"Observatory", "6 targets: 4 scanned, 1 could not be scanned, 1 skipped", "127.0.0.1:33958", "evil.example",
			"Not scanned", "down.example", "serverTesting is false", "Order by:", "sorted",
		}, AllViews: true},
		{Name: "observatory-by-grade", File: "sort-grade.html", Want: []string{"Observatory, by grade", `aria-sort="descending"`}},
		{Name: "observatory-stats", File: "stats.html", Want: []string{
			"Statistics", "Targets per grade", "Per criterion", "tls.protocol.no-tls10-11", "Not measured",
		}, AllViews: true},
		{Name: "observatory-claims", File: "claims.html", Want: []string{
			"Claims against measurements", "✗ contradicts", "✓ agrees", "– not measured", "IM Observatory",
		}, AllViews: true},
		{Name: "observatory-runs", File: "runs.html", Want: []string{"Across runs", "merge", "2026-03-14"}},
		{Name: "observatory-target", File: "targets/tls-127.0.0.1-33958/history.html", Want: []string{"3 scans", "Statistics"}},
	}
	testenv.CheckPages(t, bin, dir, shots, pages)
	t.Cleanup(func() { t.Logf("screenshots in %s", shots) })
}
