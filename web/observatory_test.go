package web

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/report"
)

const obsGoldenDir = "../fixtures/golden/observatory"

// testObservatory is a batch of the golden site's reports: the strong TLS
// server with two earlier scans, the weak one, the report package's
// sample, the hostile XMPP report with claims whose source is a
// javascript: URL, a target that could not be scanned and one skipped for
// want of consent; two runs.
func testObservatory(t *testing.T) (Observatory, *int) {
	t.Helper()
	reps := testReports(t) // strong, weak, sample, older (strong), hostile, oldest (strong)
	byKey := map[string][]*report.Report{}
	for _, i := range []int{5, 3, 0, 1, 2, 4} {
		r := reps[i]
		k := r.Target.Kind + ":" + r.Target.Name
		byKey[k] = append(byKey[k], r)
	}
	var rows []report.BatchRow
	for _, i := range []int{0, 1, 2, 4} {
		e := report.NewBatchEntry(reps[i])
		e.File = e.Kind + "/" + e.Name + ".json"
		rows = append(rows, report.BatchRow{BatchEntry: e})
	}
	rows[1].Policy = "grade B is below --fail-under A"
	rows[3].Software = "Evil<script>alert(1)</script> 6.6.6"
	rows[3].Claims = []report.BatchClaim{
		{Claim: "registration", Listed: "yes", Measured: "closed", Agreement: report.ClaimContradicts, Criterion: "xmpp.c2s.starttls-required", Source: "javascript:alert(1)"},
		{Claim: "tls-c2s", Listed: "A", Measured: "TLS area F (all endpoints)", Agreement: report.ClaimContradicts},
		{Claim: "upload-size", Listed: "100 MB", Measured: "not measured (needs an account)", Agreement: report.ClaimNotMeasured, Source: "https://evil.example/provider.json"},
		{Claim: "captcha", Listed: "no", Measured: "not asked for at registration", Agreement: report.ClaimAgrees},
	}
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	rows = append(rows,
		report.BatchRow{BatchEntry: report.NewBatchRecord("xmpp", "down.example", report.BatchCannotScan, "DNS: unknown host down.example (NXDOMAIN) <b>", at, 0)},
		report.BatchRow{BatchEntry: report.NewBatchRecord("xmpp", "private.example", report.BatchSkipped, "the provider does not allow tests of its server (serverTesting is false in providers.json)", at, 0)})
	sum := report.NewBatchSummary(rows)
	first := report.NewBatchSummary(rows[:2]).Stats
	runs := []report.BatchRun{
		{At: at.Add(-7 * 24 * time.Hour), Finished: at.Add(-7*24*time.Hour + time.Minute), What: "run", Scanned: 2, Stats: first},
		{At: at, Finished: at.Add(2 * time.Minute), What: "merge", Scanned: 6, Stats: sum.Stats},
	}
	loads := 0
	return Observatory{Summary: sum, Runs: runs, Reports: func(e report.BatchEntry) ([]*report.Report, error) {
		loads++
		r, ok := byKey[e.Key()]
		if !ok && e.Outcome == report.BatchCannotScan {
			return nil, nil // no earlier scans kept
		}
		if !ok {
			return nil, errors.New("no report for " + e.Key())
		}
		return r, nil
	}}, &loads
}

func buildObs(t *testing.T) map[string][]byte {
	t.Helper()
	o, _ := testObservatory(t)
	files, err := BuildObservatory(o, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestObservatoryGolden(t *testing.T) {
	files := buildObs(t)
	if *update {
		if err := os.RemoveAll(obsGoldenDir); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range sortedNames(files) {
		if !goldenFile(name) {
			continue
		}
		p := filepath.Join(obsGoldenDir, filepath.FromSlash(name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("%s: no golden file (run go test ./web -update)", name)
			continue
		}
		if !bytes.Equal(files[name], want) {
			t.Errorf("%s differs from its golden file (run go test ./web -update and review the diff)", name)
		}
	}
	// Same input, same bytes.
	again := buildObs(t)
	for name, b := range files {
		if !bytes.Equal(b, again[name]) {
			t.Errorf("%s is not deterministic", name)
		}
	}
}

func TestObservatoryLinks(t *testing.T) {
	checkLinks(t, buildObs(t), 300)
}

func TestObservatoryPages(t *testing.T) {
	files := buildObs(t)
	for _, name := range []string{"index.html", "sort-grade.html", "sort-score.html", "sort-area-tls.html", "sort-software.html",
		"stats.html", "claims.html", "runs.html", "targets/tls-127.0.0.1-33958/history.html", "criteria/index.html"} {
		if files[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	for name, b := range files {
		for _, bad := range []string{"<script", `href="javascript`, "\u202e", "\x1b", "<b>"} {
			if bytes.Contains(b, []byte(bad)) {
				t.Errorf("%s carries %q", name, bad)
			}
		}
	}
	idx := string(files["index.html"])
	for _, want := range []string{"6 targets: 4 scanned, 1 could not be scanned, 1 skipped", "Not scanned", "down.example",
		"DNS: unknown host down.example (NXDOMAIN) &lt;b&gt;", "serverTesting is false", `aria-sort="ascending"`,
		`href="sort-grade.html"`, "Evil&lt;script&gt;alert(1)&lt;/script&gt; 6.6.6", `href="targets/tls-127.0.0.1-33958/index.html"`} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	// The grade ordering puts the best first.
	byGrade := string(files["sort-grade.html"])
	if a, f := strings.Index(byGrade, "127.0.0.1:33958"), strings.Index(byGrade, "evil.example"); a < 0 || f < 0 || a > f {
		t.Errorf("sort-grade.html: the A+ target does not come before the F one")
	}
	if !strings.Contains(byGrade, `aria-sort="descending"`) {
		t.Error("sort-grade.html does not mark its sorted column")
	}
	stats := string(files["stats.html"])
	for _, want := range []string{`role="img"`, "Targets per grade", "<desc id=\"hist-desc\">Targets per grade.", "tls.protocol.no-tls10-11", "Per criterion"} {
		if !strings.Contains(stats, want) {
			t.Errorf("stats.html lacks %q", want)
		}
	}
	claims := string(files["claims.html"])
	for _, want := range []string{"✗ contradicts", "– not measured", "✓ agrees", `href="https://evil.example/provider.json"`,
		"TLS grade, client to server (IM Observatory)", "Agree: 1", "contradict: 2"} {
		if !strings.Contains(claims, want) {
			t.Errorf("claims.html lacks %q", want)
		}
	}
	runs := string(files["runs.html"])
	if !strings.Contains(runs, "merge") || strings.Index(runs, "2026-03-14") > strings.Index(runs, "2026-03-07") {
		t.Errorf("runs.html: newest first, with the merge")
	}
	crit := string(files["criteria/tls.protocol.no-tls10-11.html"])
	for _, want := range []string{"In this observatory", "Results in this observatory", "targets judged pass ("} {
		if !strings.Contains(crit, want) {
			t.Errorf("criterion page lacks %q", want)
		}
	}
	// The target pages carry the observatory's navigation.
	if !strings.Contains(string(files["targets/tls-127.0.0.1-33958/index.html"]), `href="../../stats.html"`) {
		t.Error("a target page lacks the observatory's navigation")
	}
}

// Each scanned target's reports are read once, and a failure to read one
// stops the site with its name.
func TestObservatoryLoadsEachTargetOnce(t *testing.T) {
	o, loads := testObservatory(t)
	dir := t.TempDir()
	if err := RenderObservatory(dir, o, Options{}); err != nil {
		t.Fatal(err)
	}
	if *loads != 5 {
		t.Errorf("reports read %d times, want 5 (once per target not skipped)", *loads)
	}
	if _, err := os.Stat(filepath.Join(dir, "targets", "xmpp-evil.example", "index.html")); err != nil {
		t.Error(err)
	}
	o.Reports = func(report.BatchEntry) ([]*report.Report, error) { return nil, errors.New("disk on fire") }
	if err := RenderObservatory(t.TempDir(), o, Options{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("a failed read: %v", err)
	}
	if _, err := BuildObservatory(Observatory{Summary: report.NewBatchSummary(nil)}, Options{}); err == nil {
		t.Error("an empty observatory was built")
	}
}

// A target that could not be scanned this time but has earlier reports
// kept keeps its pages, and its row in "Not scanned" links them.
func TestObservatoryFailedRescanKeepsPages(t *testing.T) {
	o, _ := testObservatory(t)
	old := *testReports(t)[1]
	old.Target.Name = "down.example"
	inner := o.Reports
	o.Reports = func(e report.BatchEntry) ([]*report.Report, error) {
		if e.Key() == "xmpp:down.example" {
			return []*report.Report{&old}, nil
		}
		return inner(e)
	}
	files, err := BuildObservatory(o, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var slug string
	for name := range files {
		if strings.HasPrefix(name, "targets/") && strings.Contains(name, "down.example") && strings.HasSuffix(name, "/index.html") {
			slug = strings.TrimSuffix(strings.TrimPrefix(name, "targets/"), "/index.html")
		}
	}
	if slug == "" {
		t.Fatal("no pages for the target whose rescan failed")
	}
	if !bytes.Contains(files["index.html"], []byte(`href="targets/`+slug+`/index.html">earlier reports</a>`)) {
		t.Error("the not-scanned row does not link the earlier reports")
	}
	// Without history: no link.
	o2, _ := testObservatory(t)
	files2, err := BuildObservatory(o2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(files2["index.html"], []byte("earlier reports")) {
		t.Error("a link to earlier reports that do not exist")
	}
}
