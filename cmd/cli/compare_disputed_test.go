package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dissent is a disagreeing source added to Signal's forward-secrecy claim
// in a copy of the catalogue (the example is made up for the test; the
// URL is well-formed but only rendered, never fetched).
const dissent = `    via: 'secuchart: Perfect forward secrecy'
    disputed:
      - value: partial
        explanation: Test dissent, another source says only partly.
        sources:
          - https://example.org/dissent
        checked: "2025-12-01"
  - criterion: keys.post-compromise`

func TestCompareDisputedClaim(t *testing.T) {
	dir := copyCatalogue(t)
	edit(t, filepath.Join(dir, "data", "signal.yaml"), "    via: 'secuchart: Perfect forward secrecy'\n  - criterion: keys.post-compromise", dissent)
	if code, out, errs := runMain(t, "catalogue", "check", "--dir", dir); code != ExitOK {
		t.Fatalf("a well-formed dissent is refused: exit %d\n%s%s", code, out, errs)
	}
	// Table: the cell is marked and the legend says what † means.
	code, out, errs := runMain(t, "compare", "signal", "threema", "--dir", dir, "--as-of", "2026-01-01")
	if code != ExitOK || !strings.Contains(out, "✓ yes†") || !strings.Contains(out, "† disputed: other sources say otherwise (") {
		t.Errorf("table: exit %d %s\n%s", code, errs, out)
	}
	// JSON carries both sides.
	code, out, _ = runMain(t, "compare", "signal", "--dir", dir, "--format", "json")
	var doc struct {
		Messengers []struct {
			Claims []struct {
				Criterion string `json:"criterion"`
				Disputed  []struct {
					Value   string   `json:"value"`
					Sources []string `json:"sources"`
				} `json:"disputed"`
			} `json:"claims"`
		} `json:"messengers"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != ExitOK {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	found := false
	for _, c := range doc.Messengers[0].Claims {
		if c.Criterion == "keys.forward-secrecy" && len(c.Disputed) == 1 && c.Disputed[0].Value == "partial" && c.Disputed[0].Sources[0] == "https://example.org/dissent" {
			found = true
		}
	}
	if !found {
		t.Errorf("json lacks the dissent:\n%.2000s", out)
	}
	// HTML: the cell says disputed and links the dissenting source.
	site := t.TempDir()
	if code, _, errs := runMain(t, "compare", "signal", "threema", "--dir", dir, "--format", "html", "-o", site); code != ExitOK {
		t.Fatalf("html: exit %d %s", code, errs)
	}
	page, err := os.ReadFile(filepath.Join(site, "compare", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `class="cv-disputed"`) || !strings.Contains(string(page), `href="https://example.org/dissent"`) ||
		!strings.Contains(string(page), "Disputed: another source says partial") {
		t.Errorf("html lacks the dissent")
	}
}

func TestCatalogueCheckBadDissent(t *testing.T) {
	for _, tc := range []struct{ name, from, to, want string }{
		{"same value", "      - value: partial", `      - value: "yes"`, "same value as the claim"},
		{"no source", "        sources:\n          - https://example.org/dissent\n", "        sources: []\n", "a dissent needs a source"},
		{"unknown", "      - value: partial", "      - value: unknown", "a dissent must say"},
		{"no date", `        checked: "2025-12-01"`, `        checked: ""`, "disputed[0]: checked"},
		{"future date", `        checked: "2025-12-01"`, `        checked: "2999-12-01"`, "disputed[0]: checked 2999-12-01 is in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCatalogue(t)
			f := filepath.Join(dir, "data", "signal.yaml")
			edit(t, f, "    via: 'secuchart: Perfect forward secrecy'\n  - criterion: keys.post-compromise", dissent)
			edit(t, f, tc.from, tc.to)
			code, out, _ := runMain(t, "catalogue", "check", "--dir", dir)
			if code != ExitPolicy || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, ExitPolicy, tc.want, out)
			}
		})
	}
}

// A stale and disputed "partial" is the widest cell ("◐ partial*†"): the
// table must fit it whatever the column's name (this used to panic).
func TestCompareWidestCell(t *testing.T) {
	code, out, errs := runMain(t, "compare", "telegram", "--max-age", "1", "--as-of", "2026-11-26")
	if code != ExitOK || !strings.Contains(out, "◐ partial*†") {
		t.Fatalf("exit %d %s\n%s", code, errs, out)
	}
	code, _, errs = runMain(t, "compare", "signal", "telegram", "--group", "encryption", "--sort", "keys.forward-secrecy")
	if code != ExitUsage || !strings.Contains(errs, "hidden row") {
		t.Errorf("--sort outside --group: exit %d %s, want a usage error", code, errs)
	}
	code, _, errs = runMain(t, "compare", "telegram", "--max-age", "99999999")
	if code != ExitUsage {
		t.Errorf("--max-age 99999999: exit %d %s, want a usage error", code, errs)
	}
}
