package catalogue

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestLoadEmbedded(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	// The issue-6 list: every one of them is in the catalogue.
	for _, id := range []string{"signal", "molly", "wire", "matrix", "conversations", "gajim", "dino", "monal",
		"siskin", "chatsecure", "coyim", "kontalk", "pidgin", "jami", "tox", "briar", "simplex", "threema",
		"telegram", "delta-chat", "keybase", "wickr", "session", "bitmessage", "retroshare", "cryptocat",
		"whatsapp", "imessage", "skype", "bridgefy", "jitsi",
		// issue 15: the messengers the classic comparisons discuss.
		"textsecure", "redphone", "silent-phone", "facebook-messenger", "google-hangouts", "google-allo",
		"google-messages", "viber", "line", "kakaotalk"} {
		if _, ok := c.Find(id); !ok {
			t.Errorf("messenger %s missing", id)
		}
	}
	if m, _ := c.Find("Skype"); m.Status != StatusDiscontinued || m.Ended != "2025-05-05" {
		t.Errorf("skype: status %s ended %s", m.Status, m.Ended)
	}
	if m, _ := c.Find("delta chat"); m == nil || m.ID != "delta-chat" {
		t.Errorf("Find(delta chat) = %v", m)
	}
}

const testTaxonomy = `
groups:
  - id: enc
    title: Encryption
criteria:
  - id: enc.e2ee
    group: enc
    title: E2EE
    explanation: Only the ends read.
    origins: [eff]
    references:
      - title: EFF
        url: https://www.eff.org/node/82654
  - id: enc.fs
    group: enc
    title: Forward secrecy
    explanation: Old messages stay secret.
    origins: [eff]
    references:
      - title: EFF
        url: https://www.eff.org/node/82654
`

func messengerYAML(claims string) string {
	return `id: demo
name: Demo
kind: service
status: current
licence: CC-BY-SA-3.0
attribution: test
claims:
` + claims
}

const goodClaims = `  - criterion: enc.e2ee
    value: "yes"
    explanation: It is.
    sources: [https://example.org/e2ee]
    checked: "2025-01-01"
  - criterion: enc.fs
    value: unknown
    explanation: Not researched.
`

func loadOne(t *testing.T, m string) error {
	t.Helper()
	_, err := LoadFS(fstest.MapFS{
		"taxonomy.yaml":  {Data: []byte(testTaxonomy)},
		"data/demo.yaml": {Data: []byte(m)},
	})
	return err
}

func TestValidation(t *testing.T) {
	if err := loadOne(t, messengerYAML(goodClaims)); err != nil {
		t.Fatalf("good catalogue refused: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"no source", "    sources: [https://example.org/e2ee]\n", "", "has no source"},
		{"bad value", `value: "yes"`, `value: maybe`, "bad value"},
		{"malformed URL", "https://example.org/e2ee", "example.org/e2ee", "malformed URL"},
		{"URL with space", "https://example.org/e2ee", "https://example.org/a b", "malformed URL"},
		{"unknown criterion", "criterion: enc.e2ee", "criterion: enc.nope", "unknown criterion"},
		{"missing criterion", "  - criterion: enc.fs\n    value: unknown\n    explanation: Not researched.\n", "", "no claim for criterion enc.fs"},
		{"bad date", `checked: "2025-01-01"`, `checked: "01/01/2025"`, "bad date"},
		{"no date", "    checked: \"2025-01-01\"\n", "", "checked date"},
		{"unknown field", "    checked:", "    colour: red\n    checked:", "not found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := messengerYAML(strings.Replace(goodClaims, tc.from, tc.to, 1))
			err := loadOne(t, m)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"bad kind", "kind: service", "kind: app", "bad kind"},
		{"discontinued without source", "status: current", "status: discontinued\nended: \"2020-01-01\"", "status_sources"},
		{"no licence", "licence: CC-BY-SA-3.0\n", "", "licence"},
		{"id not file name", "id: demo", "id: other", "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := loadOne(t, strings.Replace(messengerYAML(goodClaims), tc.from, tc.to, 1))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestStale(t *testing.T) {
	c, err := LoadFS(fstest.MapFS{
		"taxonomy.yaml":  {Data: []byte(testTaxonomy)},
		"data/demo.yaml": {Data: []byte(messengerYAML(goodClaims))},
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if s := c.Stale(checked.Add(300*24*time.Hour), DefaultMaxAge); len(s) != 0 {
		t.Errorf("fresh claim flagged stale: %v", s)
	}
	s := c.Stale(checked.Add(400*24*time.Hour), DefaultMaxAge)
	if len(s) != 1 || s[0] != (ClaimRef{Messenger: "demo", Criterion: "enc.e2ee", Checked: "2025-01-01"}) {
		t.Errorf("Stale after 400 days = %v", s)
	}
	// The age is configurable.
	if s := c.Stale(checked.Add(40*24*time.Hour), 30*24*time.Hour); len(s) != 1 {
		t.Errorf("Stale with a 30-day limit = %v", s)
	}
}

func TestCheckURL(t *testing.T) {
	for _, u := range []string{"https://signal.org/docs/", "http://kontalk.org", "https://a.b/c?d=e#f"} {
		if err := CheckURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"", "signal.org", "ftp://x.org/", "https://", "https://localhost/", "javascript:alert(1)", "https://x.org/a\nb"} {
		if CheckURL(u) == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestCheck(t *testing.T) {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	check := func(m string) CheckResult {
		return Check(fstest.MapFS{
			"taxonomy.yaml":  {Data: []byte(testTaxonomy)},
			"data/demo.yaml": {Data: []byte(m)},
		}, now, DefaultCheckMaxAge)
	}
	r := check(messengerYAML(goodClaims))
	if !r.OK(true) || r.Catalogue == nil {
		t.Fatalf("good catalogue: problems %v warnings %v", r.Problems, r.Warnings)
	}
	// Every problem is its own line, prefixed with the file.
	bad := strings.Replace(messengerYAML(goodClaims), `value: "yes"`, `value: maybe`, 1)
	bad = strings.Replace(bad, "https://example.org/e2ee", "example.org", 1)
	r = check(bad)
	if len(r.Problems) != 2 || r.OK(false) {
		t.Fatalf("want 2 problems, got %q", r.Problems)
	}
	for _, p := range r.Problems {
		if strings.Contains(p, "\n") || !strings.HasPrefix(p, "data/demo.yaml: ") {
			t.Errorf("problem %q: want one line starting with the file", p)
		}
	}
	// Dates in the future.
	r = check(strings.Replace(messengerYAML(goodClaims), `"2025-01-01"`, `"2025-06-02"`, 1))
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "in the future") {
		t.Errorf("future checked date: %q", r.Problems)
	}
	disc := strings.Replace(messengerYAML(goodClaims), "status: current", "status: discontinued\nstatus_sources: [https://example.org/end]", 1)
	r = check(strings.Replace(disc, "status_sources", "ended: \"2030-01-01\"\nstatus_sources", 1))
	if len(r.Problems) != 1 || !strings.Contains(r.Problems[0], "ended 2030-01-01 is in the future") {
		t.Errorf("future end date: %q", r.Problems)
	}
	// A discontinued messenger without an end date is a warning.
	r = check(disc)
	if !r.OK(false) || r.OK(true) || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "no end date") {
		t.Errorf("no end date: problems %q warnings %q", r.Problems, r.Warnings)
	}
	// Stale claims are warnings.
	r = Check(fstest.MapFS{
		"taxonomy.yaml":  {Data: []byte(testTaxonomy)},
		"data/demo.yaml": {Data: []byte(messengerYAML(goodClaims))},
	}, now, 30*24*time.Hour)
	if !r.OK(false) || r.OK(true) || len(r.Stale) != 1 || !strings.Contains(r.Warnings[0], "demo enc.e2ee: stale, checked 2025-01-01") {
		t.Errorf("stale: %q %v", r.Warnings, r.Stale)
	}
	// An unusable taxonomy or no data is one problem, not a panic.
	if r := Check(fstest.MapFS{"taxonomy.yaml": {Data: []byte("groups: [")}}, now, DefaultCheckMaxAge); len(r.Problems) != 1 || r.Catalogue != nil {
		t.Errorf("broken taxonomy: %q", r.Problems)
	}
	if r := Check(fstest.MapFS{"taxonomy.yaml": {Data: []byte(testTaxonomy)}}, now, DefaultCheckMaxAge); len(r.Problems) != 1 {
		t.Errorf("no data: %q", r.Problems)
	}
}

func TestCheckEmbeddedAndDir(t *testing.T) {
	now := time.Now()
	r := CheckEmbedded(now, DefaultCheckMaxAge)
	if len(r.Problems) > 0 {
		t.Fatalf("the embedded catalogue has problems:\n%s", strings.Join(r.Problems, "\n"))
	}
	c, err := LoadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := Load()
	if len(c.Messengers) != len(e.Messengers) {
		t.Errorf("LoadDir: %d messengers, embedded %d", len(c.Messengers), len(e.Messengers))
	}
}
