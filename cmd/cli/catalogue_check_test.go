package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyCatalogue copies criteria/catalogue (taxonomy.yaml, data/*.yaml) into
// a temporary directory and returns it.
func copyCatalogue(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "criteria", "catalogue")
	dst := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dst, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(src, "data", "*.yaml"))
	cross, _ := filepath.Glob(filepath.Join(src, "crosscheck", "*.yaml"))
	files = append(files, cross...)
	files = append(files, filepath.Join(src, "taxonomy.yaml"), filepath.Join(src, "personas.yaml"))
	if err := os.MkdirAll(filepath.Join(dst, "crosscheck"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(src, f)
		if err := os.WriteFile(filepath.Join(dst, rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

func edit(t *testing.T, file, from, to string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(from)) {
		t.Fatalf("%s lacks %q", file, from)
	}
	if err := os.WriteFile(file, bytes.Replace(b, []byte(from), []byte(to), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCatalogueCheckReal(t *testing.T) {
	for _, args := range [][]string{
		{"catalogue", "check"},
		{"catalogue", "check", "--dir", filepath.Join("..", "..", "criteria", "catalogue")},
	} {
		code, out, errs := runMain(t, args...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
		if strings.Contains(out, "error:") || !strings.Contains(out, "41 messengers") || !strings.Contains(out, " 0 problems") {
			t.Errorf("%v:\n%s", args, out)
		}
		// The agreement rate per cross-checked dataset and the unknown share.
		for _, w := range []string{"cross-check eylenburg: ", "cross-check securemessagingapps: ", "cross-check kuketz: ", "% agree (", "unknown: "} {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q:\n%s", args, w, out)
			}
		}
	}
	// Stale claims are warnings: exit 0, unless --strict.
	code, out, _ := runMain(t, "catalogue", "check", "--as-of", "2030-01-01")
	if code != ExitOK || !strings.Contains(out, "warning: data/signal.yaml: signal keys.forward-secrecy: stale, checked 2025-12-08") {
		t.Errorf("stale: exit %d\n%s", code, out)
	}
	code, _, errs := runMain(t, "catalogue", "check", "--as-of", "2030-01-01", "--strict")
	if code != ExitPolicy || !strings.Contains(errs, "--strict") {
		t.Errorf("--strict: exit %d, %s", code, errs)
	}
}

func TestCatalogueCheckBroken(t *testing.T) {
	for _, tc := range []struct {
		name, file, from, to string
		want                 []string
	}{
		{"no source", "data/threema.yaml", "    sources:\n      - https://github.com/bkil/secuchart/blob/7e01d44ee5ead110426c265173ed9164d73b64f6/data/threema.csv\n      - https://threema.ch/en/faq/why_secure\n", "    sources: []\n",
			[]string{"error: data/threema.yaml: threema encryption.in-transit: value \"yes\" has no source"}},
		{"relative URL", "data/signal.yaml", "https://www.signal.org/docs/specifications/x3dh/", "/docs/specifications/x3dh/",
			[]string{"error: data/signal.yaml: signal keys.forward-secrecy: malformed URL \"/docs/specifications/x3dh/\""}},
		{"value out of range", "data/briar.yaml", "value: \"yes\"", "value: mostly",
			[]string{"error: data/briar.yaml: briar encryption.in-transit: bad value \"mostly\""}},
		{"missing criterion", "data/signal.yaml", "  - criterion: keys.post-quantum\n", "  - criterion: keys.post-quantumx\n",
			[]string{"unknown criterion \"keys.post-quantumx\"", "signal: no claim for criterion keys.post-quantum"}},
		{"bad date", "data/wire.yaml", "checked: \"2025-12-08\"", "checked: \"2025-13-08\"",
			[]string{"error: data/wire.yaml: wire keys.deniability: checked: bad date \"2025-13-08\""}},
		{"future date", "data/wire.yaml", "checked: \"2025-12-08\"", "checked: \"2999-01-01\"",
			[]string{"error: data/wire.yaml: wire keys.deniability: checked 2999-01-01 is in the future"}},
		{"future end", "data/skype.yaml", "ended: \"2025-05-05\"", "ended: \"2999-05-05\"",
			[]string{"error: data/skype.yaml: skype: ended 2999-05-05 is in the future"}},
		{"not YAML", "data/tox.yaml", "claims:", "claims: [",
			[]string{"error: data/tox.yaml: yaml:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyCatalogue(t)
			edit(t, filepath.Join(dir, filepath.FromSlash(tc.file)), tc.from, tc.to)
			code, out, errs := runMain(t, "catalogue", "check", "--dir", dir)
			if code != ExitPolicy || !strings.Contains(errs, "catalogue check failed") {
				t.Fatalf("exit %d (%s), want %d\n%s", code, errs, ExitPolicy, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
				if !strings.HasPrefix(l, "error: data/") && !strings.HasPrefix(l, "warning: ") && !strings.HasPrefix(l, dir+":") &&
					!strings.HasPrefix(l, "cross-check ") && !strings.HasPrefix(l, "unknown: ") && !strings.HasPrefix(l, "error: crosscheck/") {
					t.Errorf("unexpected line %q", l)
				}
			}
		})
	}
}

func TestCatalogueCheckUsage(t *testing.T) {
	for _, args := range [][]string{
		{"catalogue"},
		{"catalogue", "nosuch"},
		{"catalogue", "check", "--max-age", "0"},
		{"catalogue", "check", "--as-of", "tomorrow"},
		{"catalogue", "check", "--dir", "/nonexistent/catalogue"},
		{"catalogue", "check", "extra"},
	} {
		if code, _, errs := runMain(t, args...); code != ExitUsage || errs == "" {
			t.Errorf("%v: exit %d (%q), want %d", args, code, errs, ExitUsage)
		}
	}
}
