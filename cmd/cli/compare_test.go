package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/spf13/cobra"
)

var updateCompare = flag.Bool("update-compare", false, "rewrite fixtures/golden/compare* from the current output")

// runCompareCmd runs `imscore compare ARGS...` in-process and returns the
// exit code Main would return, stdout and the error message.
func runCompareCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out bytes.Buffer
	cmd := newCompareCmd(&out)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr("%v", err) })
	err := cmd.Execute()
	if err == nil {
		return ExitOK, out.String(), ""
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code, out.String(), ee.msg
	}
	return ExitUsage, out.String(), err.Error()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("..", "..", "fixtures", "golden", name)
	if *updateCompare {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/cli -run Compare -update-compare)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from its golden file (run go test ./cmd/cli -run Compare -update-compare and review the diff)\n%s", name, got)
	}
}

func TestCompareGolden(t *testing.T) {
	for _, tc := range []struct {
		file string
		args []string
	}{
		{"compare.txt", []string{"signal", "matrix", "conversations", "threema", "--width", "100"}},
		{"compare-narrow.txt", []string{"signal", "matrix", "conversations", "threema", "skype", "--width", "60"}},
		{"compare-group-sort.txt", []string{"signal", "Delta Chat", "telegram", "threema", "--group", "encryption,account", "--sort", "account.no-phone-number"}},
		{"compare-stale.txt", []string{"signal", "briar", "--group", "keys", "--as-of", "2027-06-01"}},
		{"compare.json", []string{"signal", "threema", "--group", "keys", "--format", "json"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			args := tc.args
			if !strings.Contains(tc.file, "stale") {
				args = append(args, "--as-of", "2026-03-14")
			}
			code, out, msg := runCompareCmd(t, args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, msg)
			}
			golden(t, tc.file, out)
		})
	}
}

func TestCompareFitsWidth(t *testing.T) {
	for _, w := range []int{40, 60, 80, 100, 160} {
		_, out, msg := runCompareCmd(t, "--all", "--width", strconv.Itoa(w), "--as-of", "2026-03-14")
		if msg != "" {
			t.Fatal(msg)
		}
		for _, line := range strings.Split(out, "\n") {
			if twwidth.Width(line) > w {
				t.Errorf("width %d: line of %d columns: %q", w, twwidth.Width(line), line)
			}
		}
	}
}

func TestCompareAllJSON(t *testing.T) {
	_, out, msg := runCompareCmd(t, "--all", "--format", "json", "--as-of", "2026-03-14")
	if msg != "" {
		t.Fatal(msg)
	}
	var doc struct {
		Licence    string `json:"licence"`
		Criteria   []struct{ ID string }
		Messengers []struct {
			ID     string
			Claims []struct {
				Criterion, Value string
				Sources          []string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Licence != "CC-BY-SA-3.0" || len(doc.Messengers) < 31 {
		t.Errorf("licence %q, %d messengers", doc.Licence, len(doc.Messengers))
	}
	for _, m := range doc.Messengers {
		if len(m.Claims) != len(doc.Criteria) {
			t.Errorf("%s: %d claims for %d criteria", m.ID, len(m.Claims), len(doc.Criteria))
		}
		for _, c := range m.Claims {
			if c.Value != "unknown" && len(c.Sources) == 0 {
				t.Errorf("%s %s: %s without a source", m.ID, c.Criterion, c.Value)
			}
		}
	}
}

func TestCompareUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"signal", "--all"},
		{"nosuchmessenger"},
		{"signal", "--group", "nosuchgroup"},
		{"signal", "--sort", "no.such.criterion"},
		{"signal", "--format", "xml"},
		{"signal", "--as-of", "yesterday"},
		{"signal", "--max-age", "0"},
		{"signal", "--no-such-flag"},
	} {
		code, _, msg := runCompareCmd(t, args...)
		if code != ExitUsage || msg == "" {
			t.Errorf("%v: exit %d (%q), want %d with a message", args, code, msg, ExitUsage)
		}
	}
}

func TestCompareHTML(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	code, out, msg := runCompareCmd(t, "signal", "matrix", "conversations", "--format", "html", "-o", dir, "--as-of", "2026-03-14")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, msg)
	}
	if strings.TrimSpace(out) != filepath.Join(dir, "compare", "index.html") {
		t.Errorf("printed %q", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "compare", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 messengers compared on 26 criteria", "Signal", "Matrix/Element", "Conversations", "CC BY-SA 3.0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, f := range []string{"style.css", "compare/criteria.html", "compare/group-keys.html", "compare/sort-keys.forward-secrecy.html"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Error(err)
		}
	}
	// --group and --sort choose the page whose path is printed.
	_, out, _ = runCompareCmd(t, "--all", "--format", "html", "-o", dir, "--group", "keys", "--sort", "keys.post-quantum")
	if strings.TrimSpace(out) != filepath.Join(dir, "compare", "group-keys-sort-keys.post-quantum.html") {
		t.Errorf("printed %q", out)
	}
	if code, _, _ := runCompareCmd(t, "signal", "--format", "html"); code != ExitUsage {
		t.Errorf("html without -o: exit %d", code)
	}
}
