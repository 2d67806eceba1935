package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/report"
)

// runDiff runs `imscore diff ARGS...` in-process through Main.
func runDiff(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return run(t, append([]string{"diff"}, args...)...)
}

func diffReport(grade string, score int, statuses map[string]report.Status) *report.Report {
	r := &report.Report{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "imscore", Version: "test"},
		Target:        report.Target{Kind: "tls", Name: "test.example:443", Host: "test.example", Port: 443},
		StartedAt:     time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC),
		DurationMS:    1000,
		Grade:         grade,
		Score:         score,
		Areas:         []report.Area{{ID: "tls", Score: score, Grade: grade}},
	}
	for id, st := range statuses {
		r.Findings = append(r.Findings, report.Finding{Criterion: id, Area: "tls", Status: st, Severity: "high", Weight: 10, Title: id, Summary: id + " is " + string(st)})
	}
	return r
}

func writeReportFile(t *testing.T, dir, name string, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDiffExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := writeReportFile(t, dir, "good.json", diffReport("A", 90, map[string]report.Status{
		"tls.protocol.no-tls10-11": report.Pass, "tls.protocol.tls13": report.Warn, "tls.dane": report.Skip,
	}))
	same := writeReportFile(t, dir, "same.json", diffReport("A", 90, map[string]report.Status{
		"tls.protocol.no-tls10-11": report.Pass, "tls.protocol.tls13": report.Warn, "tls.dane": report.Skip,
	}))
	worseCrit := writeReportFile(t, dir, "worse-criterion.json", diffReport("A", 88, map[string]report.Status{
		"tls.protocol.no-tls10-11": report.Pass, "tls.protocol.tls13": report.Fail, "tls.dane": report.Skip,
	}))
	worseGrade := writeReportFile(t, dir, "worse-grade.json", diffReport("B", 80, map[string]report.Status{
		"tls.protocol.no-tls10-11": report.Pass, "tls.protocol.tls13": report.Warn, "tls.dane": report.Skip,
	}))
	better := writeReportFile(t, dir, "better.json", diffReport("A+", 100, map[string]report.Status{
		"tls.protocol.no-tls10-11": report.Pass, "tls.protocol.tls13": report.Pass, "tls.dane": report.Info,
	}))
	other := diffReport("A", 90, map[string]report.Status{
		"tls.protocol.no-tls10-11": report.Pass, "tls.protocol.tls13": report.Warn, "tls.dane": report.Skip,
	})
	other.Target.Name = "other.example:443"
	otherTarget := writeReportFile(t, dir, "other.json", other)
	notJSON := filepath.Join(dir, "not.json")
	if err := os.WriteFile(notJSON, []byte("<html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	newer := filepath.Join(dir, "newer.json")
	if err := os.WriteFile(newer, []byte(`{"schema_version": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name      string
		args      []string
		code      int
		stdout    string // substring of stdout
		stderr    string // substring of stderr
		noStderr  bool
		jsonCheck func(t *testing.T, m map[string]any)
	}{
		{name: "identical", args: []string{good, same}, code: 0, stdout: "No regression.", noStderr: true},
		{name: "better", args: []string{good, better}, code: 0, stdout: "Better (1)", noStderr: true},
		{name: "criterion worse", args: []string{good, worseCrit}, code: 1, stdout: "tls.protocol.tls13  warn → fail",
			stderr: "imscore: regression: 1 criterion worse (tls.protocol.tls13 warn → fail)"},
		{name: "grade worse", args: []string{good, worseGrade}, code: 1, stdout: "Grade A → B (worse)", stderr: "regression: grade A → B"},
		{name: "json", args: []string{good, worseCrit, "--format", "json"}, code: 1, stderr: "regression",
			jsonCheck: func(t *testing.T, m map[string]any) {
				if m["regression"] != true || m["grade"] != "same" {
					t.Errorf("json: %v", m)
				}
			}},
		{name: "json no change", args: []string{good, same, "--format=json"}, code: 0, noStderr: true,
			jsonCheck: func(t *testing.T, m map[string]any) {
				if m["regression"] != false || m["unchanged"] != float64(3) {
					t.Errorf("json: %v", m)
				}
			}},
		{name: "different targets", args: []string{good, otherTarget}, code: 0, stdout: "different targets",
			stderr: "warning: comparing reports of different targets (tls test.example:443 and tls other.example:443)"},
		{name: "one argument", args: []string{good}, code: 2, stderr: "diff needs two reports"},
		{name: "three arguments", args: []string{good, same, better}, code: 2, stderr: "diff needs two reports"},
		{name: "missing file", args: []string{good, filepath.Join(dir, "nope.json")}, code: 2, stderr: "nope.json"},
		{name: "not a report", args: []string{notJSON, good}, code: 2, stderr: "not.json: report: not a JSON report"},
		{name: "newer schema", args: []string{good, newer}, code: 2, stderr: "unsupported report schema_version 2"},
		{name: "bad format", args: []string{good, same, "--format", "xml"}, code: 2, stderr: `unknown --format "xml"`},
		{name: "bad flag", args: []string{good, same, "--frobnicate"}, code: 2, stderr: "frobnicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDiff(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stdout, tc.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tc.stdout, stdout)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tc.stderr, stderr)
			}
			if tc.noStderr && stderr != "" {
				t.Errorf("unexpected stderr: %s", stderr)
			}
			if tc.code == 2 && stdout != "" {
				t.Errorf("a usage error must print no diff:\n%s", stdout)
			}
			if tc.jsonCheck != nil {
				var m map[string]any
				if err := json.Unmarshal([]byte(stdout), &m); err != nil {
					t.Fatalf("not JSON: %v\n%s", err, stdout)
				}
				tc.jsonCheck(t, m)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") > 0 && tc.code != 0 {
				t.Errorf("stderr must be one line:\n%s", stderr)
			}
		})
	}
}

// The diff of two golden-style reports through the CLI is what the report
// package renders (its golden files hold the layout).
func TestDiffMatchesRenderer(t *testing.T) {
	dir := t.TempDir()
	a := diffReport("A", 90, map[string]report.Status{"tls.protocol.tls13": report.Pass})
	b := diffReport("C", 60, map[string]report.Status{"tls.protocol.tls13": report.Fail})
	code, stdout, _ := runDiff(t, writeReportFile(t, dir, "a.json", a), writeReportFile(t, dir, "b.json", b))
	if code != ExitPolicy {
		t.Fatalf("exit %d", code)
	}
	var want bytes.Buffer
	// Round-trip like the CLI does, so both sides read the same data.
	if err := report.WriteDiff(&want, report.Diff(a, b)); err != nil {
		t.Fatal(err)
	}
	if stdout != want.String() {
		t.Errorf("CLI output differs from report.WriteDiff:\n%s\nwant:\n%s", stdout, want.String())
	}
}
