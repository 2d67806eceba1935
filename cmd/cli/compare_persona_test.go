package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// The threat-model views: `compare --persona NAME` orders the table and
// the JSON by the persona's score and marks its weights; the golden files
// hold one view of each format.
func TestComparePersonaGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		args []string
	}{
		{"compare-persona.txt", []string{"signal", "telegram", "threema", "briar", "skype", "--persona", "state-adversary", "--width", "100"}},
		{"compare-persona.json", []string{"signal", "threema", "telegram", "--persona", "everyday", "--group", "encryption", "--format", "json"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			code, out, msg := runCompareCmd(t, append(tc.args, "--as-of", "2026-03-14")...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, msg)
			}
			golden(t, tc.file, out)
		})
	}
}

func TestComparePersonaJSON(t *testing.T) {
	_, out, msg := runCompareCmd(t, "--all", "--persona", "free-software", "--format", "json", "--as-of", "2026-03-14")
	if msg != "" {
		t.Fatal(msg)
	}
	var doc struct {
		Persona struct {
			ID      string
			Weights []struct {
				Criterion string
				Weight    int
				Required  bool
			}
		}
		Criteria []struct {
			ID       string
			Weight   int
			Required bool
			Key      bool
		}
		Messengers []struct {
			ID           string
			PersonaScore *struct {
				Rank, Score int
				Suitable    bool
				Unsuitable  []string
			} `json:"persona_score"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Persona.ID != "free-software" || len(doc.Persona.Weights) == 0 {
		t.Fatalf("persona %q with %d weights", doc.Persona.ID, len(doc.Persona.Weights))
	}
	weights := map[string]int{}
	required := map[string]bool{}
	for _, w := range doc.Persona.Weights {
		weights[w.Criterion], required[w.Criterion] = w.Weight, w.Required
	}
	for _, c := range doc.Criteria {
		if c.Weight != weights[c.ID] || c.Required != required[c.ID] || c.Key != (c.Weight >= 4 || c.Required) {
			t.Errorf("%s: weight %d required %v key %v, persona says %d %v", c.ID, c.Weight, c.Required, c.Key, weights[c.ID], required[c.ID])
		}
	}
	// Ranked 1, 2, …: suitable messengers first, then by score.
	seenUnsuitable := false
	for i, m := range doc.Messengers {
		s := m.PersonaScore
		if s == nil || s.Rank != i+1 || s.Suitable != (len(s.Unsuitable) == 0) {
			t.Fatalf("%s: persona_score %+v at place %d", m.ID, s, i+1)
		}
		if !s.Suitable {
			seenUnsuitable = true
		} else if seenUnsuitable {
			t.Errorf("%s is suitable but ranked after an unsuitable messenger", m.ID)
		}
		if i > 0 && s.Suitable == doc.Messengers[i-1].PersonaScore.Suitable && s.Score > doc.Messengers[i-1].PersonaScore.Score {
			t.Errorf("%s (%d) ranked after %s (%d)", m.ID, s.Score, doc.Messengers[i-1].ID, doc.Messengers[i-1].PersonaScore.Score)
		}
	}
	if !seenUnsuitable {
		t.Error("no messenger of the whole catalogue fails the free-software view's requirements")
	}
	// Without --persona there is no persona and no score.
	_, out, _ = runCompareCmd(t, "signal", "--format", "json", "--as-of", "2026-03-14")
	if strings.Contains(out, `"persona`) || strings.Contains(out, `"weight"`) {
		t.Error("plain comparison carries persona fields")
	}
}

func TestComparePersonaUsage(t *testing.T) {
	code, _, msg := runCompareCmd(t, "signal", "--persona", "tinfoil")
	if code != ExitUsage || msg != `unknown persona "tinfoil" (known: state-adversary, everyday, no-smartphone, free-software)` {
		t.Errorf("unknown persona: exit %d, %q", code, msg)
	}
	if code, _, msg := runCompareCmd(t, "signal", "--persona", "everyday", "--sort", "keys.verifiable"); code != ExitUsage || !strings.Contains(msg, "--sort and --persona") {
		t.Errorf("--sort with --persona: exit %d, %q", code, msg)
	}
	// Names fold like messenger names.
	if code, _, msg := runCompareCmd(t, "signal", "--persona", "Everyday"); code != ExitOK {
		t.Errorf("--persona Everyday: exit %d, %q", code, msg)
	}
}

func TestComparePersonaHTML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	code, out, msg := runCompareCmd(t, "signal", "briar", "--persona", "state-adversary", "--format", "html", "-o", dir, "--as-of", "2026-03-14")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if strings.TrimSpace(out) != filepath.Join(dir, "compare", "persona-state-adversary.html") {
		t.Errorf("printed %q", out)
	}
}
