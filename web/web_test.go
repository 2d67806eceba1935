package web

import (
	"bytes"
	"flag"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in fixtures/golden/site")

const goldenDir = "../fixtures/golden/site"

func readReport(t *testing.T, name string) *report.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// testReports is the fixed report set of the golden site:
//   - the strong and weak TLS servers of scripts/demo (real scans), the
//     weak one also renamed as an older scan of the strong target and the
//     report package's sample as an even older one, so the strong target
//     has a history of three scans (B → B → A+);
//   - the report package's sample report (every status);
//   - a hostile XMPP report: markup, bidi controls, control characters,
//     long tokens and javascript: URLs in every text a server controls;
//   - a client test (kind xmpp-client, the report package's client sample)
//     and an older scan of the same client.
func testReports(t *testing.T) []*report.Report {
	t.Helper()
	strong := readReport(t, "tls-strong.json")
	weak := readReport(t, "tls-weak.json")
	sample := readReport(t, "tls-sample.json")

	older := readReport(t, "tls-weak.json")
	older.Target = strong.Target
	older.StartedAt = strong.StartedAt.Add(-7 * 24 * time.Hour)
	oldest := readReport(t, "tls-sample.json")
	oldest.Target = strong.Target
	oldest.StartedAt = strong.StartedAt.Add(-30 * 24 * time.Hour)

	// A client test (imscore test-client xmpp) scanned twice: the kind's
	// labels, badge and history.
	client := readReport(t, "xmpp-client-sample.json")
	clientOld := readReport(t, "xmpp-client-sample.json")
	clientOld.StartedAt = client.StartedAt.Add(-24 * time.Hour)
	clientOld.Grade, clientOld.Score = "C", 61

	return []*report.Report{strong, weak, sample, older, hostileReport(), oldest, client, clientOld}
}

const longToken = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

func hostileReport() *report.Report {
	evil := `<script>alert("x")</script>`
	return &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "imscore", Version: "0.1.0"},
		Target: report.Target{
			Kind: "xmpp", Name: "evil.example",
			Endpoints: []probes.Endpoint{{Name: "xmpp.evil.example" + evil, Addr: "192.0.2.66:5222", Via: "dns"}},
		},
		StartedAt:  time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		DurationMS: 1500,
		Grade:      "F",
		Score:      20,
		Caps:       []report.Cap{{Criterion: "tls.cert.valid-now", Grade: "F", Reason: "expired " + evil}},
		Areas: []report.Area{
			{ID: "tls", Score: 20, Grade: "F", Earned: 4, Possible: 20},
			{ID: "compliance", Score: 0, Grade: "F", Earned: 0, Possible: 10},
		},
		Findings: []report.Finding{
			{
				Criterion: "tls.cert.valid-now", Area: "tls", Status: report.Fail, Severity: "critical", Weight: 10,
				Title:   "Certificate " + evil,
				Summary: "The server says \u202egnp.exe\u202c and \x1b[2J " + longToken,
				Evidence: []probes.Evidence{{
					Endpoint: "192.0.2.66:5222", Kind: "stream",
					Sent:     `<stream:stream to="evil.example" xmlns="jabber:client">`,
					Received: `<stream:features><mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><mechanism>` + longToken + `</mechanism></mechanisms></stream:features>` + "\n" + evil + "\n</pre></details></article><h1>owned</h1>",
				}},
				Remediation: map[string]string{"general": "Renew it. " + evil, "prosody": "-- " + evil + "\n" + longToken},
				References: []report.Reference{
					{Title: "Evil link", URL: "javascript:alert(1)"},
					{Title: "RFC 5280", URL: "https://www.rfc-editor.org/rfc/rfc5280"},
				},
			},
			{
				Criterion: "xmpp.c2s.starttls-required", Area: "compliance", Status: report.Status("weird<b>"), Severity: "high", Weight: 10,
				Title: "STARTTLS required", Summary: "A status this build does not know.",
			},
			{
				Criterion: "evil.<script>", Area: "metadata\"><x", Status: report.Warn, Weight: 1,
				Title: "Unknown criterion and area",
			},
		},
	}
}

func buildSite(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := Build(testReports(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// goldenFile reports whether a file is compared with a golden copy. The
// criterion pages are generated from criteria/*.yaml and change with it;
// TestCriterionPages checks them instead.
func goldenFile(name string) bool { return !strings.HasPrefix(name, "criteria/") }

func TestGoldenSite(t *testing.T) {
	files := buildSite(t)
	if *update {
		if err := os.RemoveAll(goldenDir); err != nil {
			t.Fatal(err)
		}
		for _, name := range sortedNames(files) {
			if !goldenFile(name) {
				continue
			}
			p := filepath.Join(goldenDir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := map[string]bool{}
	err := filepath.WalkDir(goldenDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(goldenDir, p)
		want[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil {
		t.Fatalf("%v (run go test ./web -update)", err)
	}
	for _, name := range sortedNames(files) {
		if !goldenFile(name) {
			continue
		}
		if !want[name] {
			t.Errorf("%s: generated but has no golden file (run go test ./web -update)", name)
			continue
		}
		delete(want, name)
		g, err := os.ReadFile(filepath.Join(goldenDir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g, files[name]) {
			t.Errorf("%s differs from its golden file (run go test ./web -update and review the diff)", name)
		}
	}
	for name := range want {
		t.Errorf("%s: golden file no longer generated", name)
	}
}

func TestDeterministic(t *testing.T) {
	a := buildSite(t)
	rs := testReports(t)
	// Reverse input order: the output must not depend on it.
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	b, err := Build(rs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between runs", name)
		}
	}
}

var (
	linkRe = regexp.MustCompile(`\s(?:href|src)="([^"]*)"`)
	idRe   = regexp.MustCompile(`\sid="([^"]*)"`)
)

// TestLinksResolve checks every link in the site: relative links must name
// a generated file (and an existing id for #fragments); absolute links may
// only be http(s) references to the outside world, never a stylesheet,
// image or script.
func TestLinksResolve(t *testing.T) {
	checkLinks(t, buildSite(t), 100)
}

// checkLinks checks the links of a site's files (see TestLinksResolve)
// and that every file is reachable from index.html.
func checkLinks(t *testing.T, files map[string][]byte, min int) {
	t.Helper()
	ids := map[string]map[string]bool{}
	for name, b := range files {
		ids[name] = map[string]bool{}
		for _, m := range idRe.FindAllSubmatch(b, -1) {
			ids[name][string(m[1])] = true
		}
	}
	checked := 0
	for _, name := range sortedNames(files) {
		if !strings.HasSuffix(name, ".html") {
			continue
		}
		for _, m := range linkRe.FindAllSubmatch(files[name], -1) {
			link := htmlUnescape(string(m[1]))
			checked++
			switch {
			case strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://"):
				if strings.Contains(string(m[0]), "src=") {
					t.Errorf("%s: external resource %q", name, link)
				}
				continue
			case strings.Contains(link, ":"), strings.HasPrefix(link, "/"):
				t.Errorf("%s: link %q is neither relative nor http(s)", name, link)
				continue
			}
			file, frag, _ := strings.Cut(link, "#")
			target := name
			if file != "" {
				target = path.Join(path.Dir(name), file)
			}
			if _, ok := files[target]; !ok {
				t.Errorf("%s: link %q: no file %s", name, link, target)
				continue
			}
			if frag != "" && !ids[target][frag] {
				t.Errorf("%s: link %q: no id %q in %s", name, link, frag, target)
			}
		}
	}
	if checked < min {
		t.Errorf("only %d links checked", checked)
	}
	// Every generated page is reachable from the index.
	seen := map[string]bool{"index.html": true}
	queue := []string{"index.html"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, m := range linkRe.FindAllSubmatch(files[name], -1) {
			link := htmlUnescape(string(m[1]))
			file, _, _ := strings.Cut(link, "#")
			if file == "" || strings.Contains(file, ":") {
				continue
			}
			target := path.Join(path.Dir(name), file)
			if !seen[target] {
				seen[target] = true
				if strings.HasSuffix(target, ".html") {
					queue = append(queue, target)
				}
			}
		}
	}
	for _, name := range sortedNames(files) {
		if !seen[name] {
			t.Errorf("%s is not linked from anywhere", name)
		}
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

func TestHostileTextEscaped(t *testing.T) {
	files := buildSite(t)
	var page []byte
	for name, b := range files {
		if strings.HasPrefix(name, "targets/xmpp-evil.example/") && strings.HasSuffix(name, "index.html") {
			page = b
		}
	}
	if page == nil {
		t.Fatal("no page for the hostile target")
	}
	s := string(page)
	for _, bad := range []string{"<script", `href="javascript`, "\u202e", "\x1b", "<h1>owned", "weird<b>", `metadata"><x`} {
		if strings.Contains(s, bad) {
			t.Errorf("hostile text %q reached the page unescaped", bad)
		}
	}
	for _, want := range []string{`&lt;script&gt;`, `\u202e`, `\x1b`, "Evil link", longToken} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for name, b := range files {
		if bytes.Contains(b, []byte("<script")) {
			t.Errorf("%s contains a script element", name)
		}
	}
}

func TestHistoryAndBadges(t *testing.T) {
	files := buildSite(t)
	var hist, clientHist string
	for name, b := range files {
		switch {
		case strings.HasSuffix(name, "xmpp-client-sample-client-1.2/history.html"):
			clientHist = string(b)
		case strings.HasSuffix(name, "/history.html"):
			if hist != "" {
				t.Errorf("more than one TLS history page: %s", name)
			}
			hist = string(b)
		}
	}
	if !strings.Contains(clientHist, "2 scans") {
		t.Errorf("client history page lacks \"2 scans\"")
	}
	for _, page := range []string{"index.html", "targets/xmpp-client-sample-client-1.2/index.html"} {
		if !strings.Contains(string(files[page]), "XMPP client") {
			t.Errorf("%s does not name the kind \"XMPP client\"", page)
		}
	}
	for _, want := range []string{"3 scans", "tls.protocol.no-tls10-11", "better", "<svg class=\"chart\"", "Score over time"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history page lacks %q", want)
		}
	}
	badges := 0
	for name, b := range files {
		if !strings.HasSuffix(name, "badge.svg") {
			continue
		}
		badges++
		s := string(b)
		if !strings.HasPrefix(s, "<svg xmlns=\"http://www.w3.org/2000/svg\"") {
			t.Errorf("%s: not a standalone SVG: %.60s", name, s)
		}
		switch {
		case strings.Contains(name, "xmpp-evil"):
			if !strings.Contains(s, "XMPP security: F") || !strings.Contains(s, gradeColor("F")) {
				t.Errorf("%s: want XMPP security F in red: %s", name, s)
			}
		case strings.Contains(name, "xmpp-client-"):
			if !strings.Contains(s, "XMPP client security: F") {
				t.Errorf("%s: want XMPP client security F: %s", name, s)
			}
		case strings.Contains(name, "tls-test.example"):
			if !strings.Contains(s, "TLS: B") || !strings.Contains(s, gradeColor("B")) {
				t.Errorf("%s: want TLS B: %s", name, s)
			}
		}
	}
	if badges != 5 {
		t.Errorf("%d badges, want 5 (one per target)", badges)
	}
}

func TestCriterionPages(t *testing.T) {
	files := buildSite(t)
	metas, _ := buildMetas()
	if len(metas) == 0 {
		t.Fatal("no criteria")
	}
	for _, m := range metas {
		b, ok := files["criteria/"+m.ID+".html"]
		if !ok {
			t.Errorf("no page for %s", m.ID)
			continue
		}
		s := string(b)
		for _, want := range []string{"Why it matters", "How imscore measures it", "References", htmlEscape(m.Title)} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: page lacks %q", m.ID, want)
			}
		}
		if len(m.Caps) > 0 && !strings.Contains(s, "Grade caps") {
			t.Errorf("%s: caps not shown", m.ID)
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestRenderWritesFiles(t *testing.T) {
	dir := t.TempDir()
	if err := Render(dir, testReports(t), Options{Title: "Test"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"index.html", "style.css", "criteria/index.html"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	if err := Render(dir, nil, Options{}); err == nil {
		t.Error("Render of no reports succeeded")
	}
	if err := Render(dir, []*report.Report{nil}, Options{}); err == nil {
		t.Error("Render of a nil report succeeded")
	}
}

func buildMetas() ([]criteriaMeta, error) { return allCriteria() }
