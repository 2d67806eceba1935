package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/report"
)

func writePolicy(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "imscore.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPolicyRefusesBadFiles(t *testing.T) {
	cases := map[string]string{
		"unknown criterion": "ignore:\n  - criterion: tls.no.such\n    reason: x\n    expires: 2027-01-01\n",
		"malformed expiry":  "ignore:\n  - criterion: tls.dane\n    reason: x\n    expires: next spring\n",
		"missing reason":    "ignore:\n  - criterion: tls.dane\n    expires: 2027-01-01\n",
		"unknown key":       "min_grade: B\nmax_grade: A\n",
		"bad grade":         "min_grade: Q\n",
		"unknown required":  "require: [tls.nope]\n",
		"not yaml":          "{{{",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadPolicy(writePolicy(t, body)); err == nil {
				t.Fatal("accepted")
			}
			code, _, stderr := run(t, "scan", "tls", "127.0.0.1:1", "--policy", writePolicy(t, body))
			if code != ExitUsage || !strings.Contains(stderr, "--policy") || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr)
			}
		})
	}
}

func TestPolicyCheck(t *testing.T) {
	rep := &report.Report{Grade: "B", Findings: []report.Finding{
		{Criterion: "tls.protocol.no-tls10-11", Area: "tls", Status: report.Fail, Weight: 6, Severity: "high"},
		{Criterion: "tls.cert.trusted", Area: "tls", Status: report.Pass, Weight: 10, Severity: "critical"},
	}, Caps: []report.Cap{{Criterion: "tls.protocol.no-tls10-11", Grade: "B"}}}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	p, err := LoadPolicy(writePolicy(t, "min_grade: A\nrequire: [tls.cert.trusted]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Check(rep, now); err == nil || !strings.Contains(err.Error(), "below the policy's min_grade A") {
		t.Fatalf("min grade not enforced: %v", err)
	}
	p, _ = LoadPolicy(writePolicy(t, "min_grade: A\nignore:\n  - criterion: tls.protocol.no-tls10-11\n    reason: legacy clients\n    expires: 2026-11-24\n"))
	if notes, err := p.Check(rep, now); err != nil || len(notes) != 0 {
		t.Fatalf("ignore on its last day: %v %v", notes, err)
	}
	if notes, err := p.Check(rep, now.AddDate(0, 0, 1)); err == nil || len(notes) != 1 || !strings.Contains(notes[0], "expired") {
		t.Fatalf("expired ignore still applied: %v %v", notes, err)
	}
	p, _ = LoadPolicy(writePolicy(t, "require: [tls.protocol.no-tls10-11]\n"))
	if _, err := p.Check(rep, now); err == nil || !strings.Contains(err.Error(), "tls.protocol.no-tls10-11 is fail") {
		t.Fatalf("require not enforced: %v", err)
	}
}
