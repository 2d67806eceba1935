package web

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/criteria/catalogue"
	"github.com/imscore/imscore/report"
)

const compareGoldenDir = "../fixtures/golden/compare-site"

// testCompare is the fixed selection of the golden comparison pages.
func testCompare(t *testing.T) *report.Comparison {
	t.Helper()
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ms []*catalogue.Messenger
	for _, id := range []string{"signal", "matrix", "conversations", "threema", "skype"} {
		m, ok := cat.Find(id)
		if !ok {
			t.Fatalf("no messenger %s", id)
		}
		ms = append(ms, m)
	}
	return &report.Comparison{Catalogue: cat, Messengers: ms, AsOf: time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC), MaxAge: 365 * 24 * time.Hour}
}

// compareGolden are the pages compared with golden copies: the others are
// the same template with another filter or order.
var compareGolden = []string{
	"compare/index.html",
	"compare/group-keys.html",
	"compare/sort-account.no-phone-number.html",
	"compare/group-account-sort-account.no-phone-number.html",
	"compare/criteria.html",
	"compare/persona-state-adversary.html",
}

func TestCompareGolden(t *testing.T) {
	files, err := BuildCompare(testCompare(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range compareGolden {
		p := filepath.Join(compareGoldenDir, filepath.FromSlash(name))
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
			t.Fatalf("%v (run go test ./web -run Compare -update)", err)
		}
		if !bytes.Equal(want, files[name]) {
			t.Errorf("%s differs from its golden file (run go test ./web -run Compare -update and review the diff)", name)
		}
	}
}

func TestComparePages(t *testing.T) {
	c := testCompare(t)
	files, err := BuildCompare(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tax := c.Catalogue.Taxonomy
	// Bounded: index, one per group, two per criterion, one per persona,
	// criteria.html, style.css.
	if want := 1 + len(tax.Groups) + 2*len(tax.Criteria) + len(c.Catalogue.Personas) + 2; len(files) != want {
		t.Errorf("%d files, want %d", len(files), want)
	}
	idx := string(files["compare/index.html"])
	for _, want := range []string{
		"Messenger comparison", "5 messengers compared on 26 criteria", "Signal", "Matrix/Element", "Conversations", "Threema", "Skype",
		"discontinued 2025-05-05", "✓ yes", "✗ no", "? unknown", "◐ partial",
		`class="cv cv-yes stale"`, "stale: checked more than 365 days before 2027-03-14",
		"Checked 2025-12-08.", `href="criteria.html#keys.forward-secrecy"`, `href="sort-keys.forward-secrecy.html"`,
		`href="group-encryption.html"`, "CC BY-SA 3.0", `href="https://github.com/bkil/secuchart"`,
		`href="https://github.com/bkil/secuchart/blob/7e01d44ee5ead110426c265173ed9164d73b64f6/data/signal.csv"`,
	} {
		if !strings.Contains(idx, htmlEscapeText(want)) {
			t.Errorf("index lacks %q", want)
		}
	}
	// A group page shows only that group.
	g := string(files["compare/group-keys.html"])
	if !strings.Contains(g, "Forward secrecy") || strings.Contains(g, "Usable without a phone number") {
		t.Error("group-keys.html: wrong rows")
	}
	// Sorted: Signal needs a phone number, so it comes after the others.
	s := string(files["compare/sort-account.no-phone-number.html"])
	if i, j := strings.Index(s, ">Signal<"), strings.Index(s, ">Matrix/Element<"); i < 0 || j < 0 || i < j {
		t.Errorf("sort by phone number: Signal at %d, Matrix at %d", i, j)
	}
	if !strings.Contains(s, "sorted ↓") || !strings.Contains(s, `href="index.html">back to the order given`) {
		t.Error("sorted page lacks its sort marker or the way back")
	}
	crit := string(files["compare/criteria.html"])
	for _, cr := range tax.Criteria {
		if !strings.Contains(crit, `id="`+cr.ID+`"`) || !strings.Contains(crit, htmlEscapeText(cr.Title)) {
			t.Errorf("criteria.html lacks %s", cr.ID)
		}
	}
	for name, b := range files {
		if bytes.Contains(b, []byte("<script")) {
			t.Errorf("%s has a script", name)
		}
	}
	if _, err := BuildCompare(&report.Comparison{Catalogue: c.Catalogue}, Options{}); err == nil {
		t.Error("nothing to compare accepted")
	}
}

// htmlEscapeText escapes what templ escapes in text.
func htmlEscapeText(s string) string {
	if strings.HasPrefix(s, "href=") || strings.HasPrefix(s, "class=") {
		return s
	}
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestCompareLinksResolve(t *testing.T) {
	files, err := BuildCompare(testCompare(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]bool{}
	for name, b := range files {
		ids[name] = map[string]bool{}
		for _, m := range idRe.FindAllSubmatch(b, -1) {
			ids[name][string(m[1])] = true
		}
	}
	seen := map[string]bool{"compare/index.html": true}
	queue := []string{"compare/index.html"}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, m := range linkRe.FindAllSubmatch(files[name], -1) {
			link := htmlUnescape(string(m[1]))
			if strings.HasPrefix(link, "https://") || strings.HasPrefix(link, "http://") {
				if catalogue.CheckURL(link) != nil {
					t.Errorf("%s: bad external link %q", name, link)
				}
				continue
			}
			if strings.Contains(link, ":") || strings.HasPrefix(link, "/") {
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
				t.Errorf("%s: link %q: no id %q", name, link, frag)
			}
			if !seen[target] {
				seen[target] = true
				if strings.HasSuffix(target, ".html") {
					queue = append(queue, target)
				}
			}
		}
	}
	for name := range files {
		if !seen[name] {
			t.Errorf("%s is not reachable from compare/index.html", name)
		}
	}
}

// testLive is a live scan as `imscore compare --server` passes it (test
// data, not a measurement).
func testLive() []report.LiveServer {
	return []report.LiveServer{{
		Kind: "xmpp", Server: "example.test", MeasuredAt: time.Date(2027, 3, 14, 9, 30, 0, 0, time.UTC),
		Grade: "C", Score: 86, Note: "Measured live by an anonymous imscore scan of this one server; not a claim about the messenger.",
		Shown: []report.LiveFinding{
			{Criterion: "xmpp.c2s.starttls-required", Title: "Clients must use TLS", Status: report.Pass, Summary: "STARTTLS required on every c2s endpoint."},
			{Criterion: "xmpp.s2s.starttls-required", Title: "Servers must use TLS", Status: report.Fail, Summary: `<script>alert(1)</script> said the server ` + "\u202e"},
		},
	}}
}

func TestCompareLive(t *testing.T) {
	c := testCompare(t)
	c.Live = testLive()
	files, err := BuildCompare(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"compare/index.html", "compare/group-keys.html", "compare/sort-keys.post-quantum.html"} {
		s := string(files[name])
		for _, want := range []string{"XMPP server example.test: measured live", `datetime="2027-03-14T09:30:00Z"`, "2027-03-14 09:30 UTC",
			"not a claim about the messenger", "st-pass", "st-fail", "Servers must use TLS", "&lt;script&gt;", `\u202e`} {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		if strings.Contains(s, "<script") || strings.Contains(s, "\u202e") {
			t.Errorf("%s: server text reached the page unescaped", name)
		}
	}
}

// colRe finds the messengers' column heads of a comparison page.
var colRe = regexp.MustCompile(`<th scope="col" class="cmp-m">(?:<a href="[^"]*">)?([^<]*?)(?:</a>)? <span`)

// TestComparePersonaPages: a page per threat-model persona, linked from
// the index, its messengers ordered by the persona's score, its weights
// shown with their reasons and marked on the rows.
func TestComparePersonaPages(t *testing.T) {
	c := testCompare(t)
	files, err := BuildCompare(c, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Catalogue.Personas) < 4 {
		t.Fatalf("%d personas", len(c.Catalogue.Personas))
	}
	idx := string(files["compare/index.html"])
	for i := range c.Catalogue.Personas {
		p := &c.Catalogue.Personas[i]
		name := "compare/" + PersonaFile(p.ID)
		page := string(files[name])
		if page == "" {
			t.Fatalf("no %s", name)
		}
		if !strings.Contains(idx, `href="`+PersonaFile(p.ID)+`"`) {
			t.Errorf("index does not link %s", name)
		}
		for _, want := range []string{"Messenger comparison for one threat model: " + p.Name, p.Description[:30], "Weights of this threat model",
			"by score for this threat model, best first", `href="index.html">back to the order given`, report.PersonaMethod[:60]} {
			if !strings.Contains(page, htmlEscapeText(want)) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
		for _, w := range p.Weights {
			if !strings.Contains(page, htmlEscapeText(w.Why)) || !strings.Contains(page, `href="criteria.html#`+w.Criterion+`"`) {
				t.Errorf("%s: weight of %s not shown with its reason", name, w.Criterion)
			}
		}
		// The columns follow the persona's ranking, each with its score.
		var heads []string
		for _, m := range colRe.FindAllStringSubmatch(page, -1) {
			heads = append(heads, htmlUnescape(strings.TrimSpace(m[1])))
		}
		ranked := p.Rank(c.Messengers)
		if len(heads) != len(ranked) {
			t.Fatalf("%s: columns %q", name, heads)
		}
		for i, s := range ranked {
			m, _ := c.Catalogue.Find(s.Messenger)
			if heads[i] != m.Name {
				t.Errorf("%s: column %d is %q, the persona ranks %s there", name, i+1, heads[i], m.Name)
			}
			if !strings.Contains(page, "score "+report.ScoreLabel(s)) {
				t.Errorf("%s: no score %s for %s", name, report.ScoreLabel(s), m.ID)
			}
			if bad := len(s.Unsuitable) > 0; bad != strings.Contains(page, htmlEscapeText(m.Name)+" is unsuitable for this threat model") {
				t.Errorf("%s: %s unsuitable %v, page says otherwise", name, m.ID, bad)
			}
		}
	}
	// The state adversary requires end-to-end encryption by default: a key
	// row, marked, with its weight.
	sa := string(files["compare/persona-state-adversary.html"])
	for _, want := range []string{`class="cmp-key"`, `>[5, required]</span>`, `aria-current="page">Activist facing a state adversary`} {
		if !strings.Contains(sa, want) {
			t.Errorf("state-adversary page lacks %q", want)
		}
	}
	if strings.Contains(idx, `class="cmp-weight"`) || strings.Contains(idx, "score ") && strings.Contains(idx, `class="cmp-score"`) {
		t.Error("index shows persona weights or scores")
	}
}
