package matrix

import (
	"strings"
	"testing"

	"github.com/imscore/imscore/probes"
)

func TestScanSpec(t *testing.T) {
	s, err := ScanSpec(" example.org:8448 ", Options{})
	if err != nil || s.Kind() != "matrix" || s.Target.Name != "example.org:8448" || s.Target.Host != "example.org" || s.Target.Port != 8448 {
		t.Fatalf("spec %+v, %v", s.Target, err)
	}
	for _, in := range []string{"https://example.org", "@user:example.org", ""} {
		if _, err := ScanSpec(in, Options{}); err == nil || !strings.Contains(err.Error(), "want a Matrix server name") {
			t.Errorf("%q: %v", in, err)
		}
	}
	res := probes.Results{Discovery.ID: {Status: probes.StatusDNSError, Reason: "no SRV record"}}
	if err := s.Scannable(res); err == nil || err.Error() != "federation discovery: no SRV record" {
		t.Errorf("scannable: %v", err)
	}
	if eps := s.Endpoints(res); eps != nil {
		t.Errorf("endpoints of a failed discovery: %v", eps)
	}
}
