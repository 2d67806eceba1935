package web

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/report"
)

// A capped grade's page says what the score alone would earn.
func TestUncappedGradeOnTargetPage(t *testing.T) {
	r := &report.Report{SchemaVersion: report.SchemaVersion, Tool: report.Tool{Name: "imscore", Version: "test"},
		Target:    report.Target{Kind: "tls", Name: "example.test:443", Host: "example.test", Port: 443},
		StartedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Grade: "T", UncappedGrade: "A", Score: 92,
		Caps: []report.Cap{{Criterion: "tls.cert.trusted", Grade: "T", Reason: "untrusted"}}}
	files, err := Build([]*report.Report{r}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := string(files["targets/tls-example.test-443/index.html"])
	if !strings.Contains(page, "Without the caps below it would be A (92).") {
		t.Errorf("target page lacks the uncapped grade:\n%s", page)
	}
}
