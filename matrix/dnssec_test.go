package matrix

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

// TestDiscoveryDNSSECReal: the _matrix-fed SRV answer as a validating
// resolver (Debian's unbound, trusting the signed zones' anchors) gives it:
// authenticated from a signed zone, insecure from an unsigned one, and a
// bogus signature is a discovery failure that says so, not "no SRV record"
// (which would send discovery on to port 8448 of the wrong host).
func TestDiscoveryDNSSECReal(t *testing.T) {
	testenv.Need(t, "nsd", "unbound", "ldns-signzone")
	srv := "_matrix-fed._tcp SRV 0 0 8448 hs\nhs A 127.0.0.1\n"
	n := testenv.StartNSD(t,
		testenv.Zone{Origin: "fed.test.", Records: srv, Sign: true},
		testenv.Zone{Origin: "open.test.", Records: srv},
		testenv.Zone{Origin: "bad.test.", Records: srv, Sign: true, Tamper: func(s string) string {
			return strings.Replace(s, "SRV\t0 0 8448", "SRV\t0 0 8449", 1)
		}},
	)
	u := testenv.StartUnbound(t, n)
	env := (&probes.Env{Resolver: probes.NewDNSResolver(u.Addr), IOTimeout: time.Second, Scope: probes.Scope{Targets: []string{"fed.test", "open.test", "bad.test"}}}).Filled()
	for _, c := range []struct {
		name, state string
		ok          bool
	}{
		{"fed.test", probes.DNSSECSecure, true},
		{"open.test", probes.DNSSECInsecure, true},
		{"bad.test", probes.DNSSECBogus, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			o := discoveryProbe(ctx, env, c.name)
			d, _ := o.Data.(*DiscoveryData)
			if d == nil || len(d.SRV) == 0 || d.SRV[0].DNSSEC == nil {
				t.Fatalf("no SRV lookup: %+v", o)
			}
			got := d.SRV[0].DNSSEC
			t.Logf("%s: %s %s (%s); discovery %s %s", got.Name, got.State, got.Resolver, got.Detail, o.Status, o.Reason)
			if got.State != c.state || got.Resolver != u.Addr {
				t.Errorf("state %s from %s, want %s from %s", got.State, got.Resolver, c.state, u.Addr)
			}
			if c.ok != (o.Status == probes.StatusOK) {
				t.Errorf("discovery %s: %s", o.Status, o.Reason)
			}
			if c.ok && d.srvDNSSEC() != got {
				t.Errorf("the deciding SRV answer is not recorded for DANE")
			}
			if !c.ok && (o.Status != probes.StatusDNSError || !strings.Contains(o.Reason, "bogus") || d.Step == StepFallback) {
				t.Errorf("bogus SRV: %s %q (step %s)", o.Status, o.Reason, d.Step)
			}
		})
	}
}
