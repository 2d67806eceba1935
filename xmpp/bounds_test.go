package xmpp_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// hugeAnswersZone is big.test: eight SRV targets for each of the four
// services, each target with a 64 KB A answer (2,200 records) and a 61 KB
// AAAA answer (1,500 records), all on loopback port 1 (closed).
func hugeAnswersZone() string {
	var b strings.Builder
	b.WriteString("big.test. 60 IN A 127.0.0.1\n")
	for _, svc := range []string{"_xmpp-client", "_xmpp-server", "_xmpps-client", "_xmpps-server"} {
		for t := 0; t < 8; t++ {
			fmt.Fprintf(&b, "%s._tcp.big.test. 60 IN SRV 0 0 1 t%d.big.test.\n", svc, t)
		}
	}
	for t := 0; t < 8; t++ {
		for i := 0; i < 2200; i++ {
			fmt.Fprintf(&b, "t%d.big.test. 60 IN A 127.%d.%d.%d\n", t, t, i>>8, i&255)
		}
		for i := 0; i < 1500; i++ {
			fmt.Fprintf(&b, "t%d.big.test. 60 IN AAAA ::ffff:127.%d.%d.%d\n", t, 100+t, i>>8, i&255)
		}
	}
	return b.String()
}

// TestHugeDNSAnswersGiveABoundedReport: 64 KB DNS answers for every SRV
// target used to be copied whole into several probes' evidence and data (a
// 12.9 MB JSON report, 90 MB RSS). Now each answer is its first records
// and a count, each service is scanned on at most probes.MaxEndpoints
// addresses, and the report stays well under a megabyte.
func TestHugeDNSAnswersGiveABoundedReport(t *testing.T) {
	dns := testenv.StartDNS(t, hugeAnswersZone(), false)
	env := &probes.Env{Resolver: probes.NewDNSResolver(dns.Addr), IOTimeout: time.Second,
		Scope: probes.Scope{Targets: []string{"big.test"}}}
	rep := scanXMPP(t, env, "big.test")
	var b bytes.Buffer
	if err := report.WriteJSON(&b, rep); err != nil {
		t.Fatal(err)
	}
	t.Logf("JSON report: %d bytes", b.Len())
	if b.Len() > 1<<20 {
		t.Errorf("JSON report of %d bytes for 64 KB DNS answers", b.Len())
	}
	text := evidenceText(rep)
	for _, want := range []string{"… and 2,180 more", "… and 1,480 more", "128 addresses for xmpp-client: only the first 16 are scanned"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
	if n := len(rep.Target.Endpoints); n > 4*probes.MaxEndpoints {
		t.Errorf("%d endpoints scanned", n)
	}
	for _, f := range rep.Findings {
		if len(f.Summary) > report.MaxSummary || len(f.Evidence) > probes.MaxEvidence {
			t.Errorf("%s: summary of %d bytes, %d evidence items", f.Criterion, len(f.Summary), len(f.Evidence))
		}
	}
}
