package web

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// TestUnreachedEndpointsShown: the addresses a scan could not test from
// where it ran are on the target's page, with the reason, apart from the
// scanned ones.
func TestUnreachedEndpointsShown(t *testing.T) {
	r := readReport(t, "tls-strong.json")
	r.Target.Unreached = []probes.Unreached{{Endpoint: probes.Endpoint{Name: r.Target.Host, Addr: "[2001:db8::1]:443", Via: "dns"},
		Family: "IPv6", Cause: probes.CauseNoRoute, Reason: "not reachable from this vantage point (network is unreachable)"}}
	files, err := Build([]*report.Report{r}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for name, b := range files {
		if strings.HasPrefix(name, "targets/") && strings.HasSuffix(name, "index.html") {
			s := string(b)
			if strings.Contains(s, "[2001:db8::1]:443") && strings.Contains(s, "not reachable from this vantage point (network is unreachable)") &&
				strings.Contains(s, "Not tested from this vantage point (1)") {
				found = true
			}
		}
	}
	if !found {
		t.Fatal("no target page lists the unreached endpoint")
	}
}
