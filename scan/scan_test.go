package scan

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

func okProbe(id probes.ID) probes.Probe {
	return probes.Func{Name: id, Fn: func(context.Context, *probes.Env, probes.Results) probes.Observation {
		return probes.Observation{Status: probes.StatusOK, Data: 1}
	}}
}

// seen is an Observer that lists the probes that ended.
type seen struct {
	mu   sync.Mutex
	done []probes.ID
}

func (s *seen) ProbeStarted(probes.ID) {}
func (s *seen) ProbeDone(id probes.ID, _ *probes.Observation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = append(s.done, id)
}

var start = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func options() Options {
	return Options{Env: &probes.Env{Clock: probes.FixedClock{T: start}}, Timeout: 10 * time.Second, Tool: report.Tool{Name: "imscore", Version: "test"}}
}

func TestRunReport(t *testing.T) {
	eps := []probes.Endpoint{{Name: "example.test", Addr: "127.0.0.1:443", Via: "literal"}}
	spec := probes.Spec{
		Target:    probes.Target{Kind: "tls", Name: "example.test:443", Host: "example.test", Port: 443},
		Probes:    []probes.Probe{okProbe("b"), okProbe("a")},
		Scannable: func(res probes.Results) error { return nil },
		Endpoints: func(res probes.Results) []probes.Endpoint {
			if res.Get("a") == nil {
				return nil
			}
			return eps
		},
	}
	o := options()
	obs := &seen{}
	o.Observer = obs
	rep, err := Run(context.Background(), spec, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Target.Kind != "tls" || rep.Target.Name != "example.test:443" || !slices.Equal(rep.Target.Endpoints, eps) {
		t.Errorf("target %+v", rep.Target)
	}
	if !rep.StartedAt.Equal(start) || rep.Tool.Version != "test" || rep.Grade == "" || len(rep.Findings) == 0 {
		t.Errorf("report: started %s, tool %+v, grade %q, %d findings", rep.StartedAt, rep.Tool, rep.Grade, len(rep.Findings))
	}
	// The spec's probes, and net.vantage, which every scan adds.
	if len(rep.Observations) != 3 || rep.Observations[0].Probe != "a" || rep.Observations[2].Probe != probes.Vantage.ID {
		t.Errorf("observations %+v", rep.Observations)
	}
	slices.Sort(obs.done)
	if !slices.Equal(obs.done, []probes.ID{"a", "b", probes.Vantage.ID}) {
		t.Errorf("observer saw %v", obs.done)
	}
	if spec.Target.Endpoints != nil {
		t.Error("Run changed the caller's spec")
	}
}

// A scan that did not reach the service: the report all the same (for a
// caller that keeps it) and a CannotScanError with the spec's reason.
func TestRunNotReached(t *testing.T) {
	spec := probes.Spec{
		Target:    probes.Target{Kind: "xmpp", Name: "example.test"},
		Probes:    []probes.Probe{okProbe("a")},
		Scannable: func(res probes.Results) error { return errors.New("DNS: no such domain") },
	}
	rep, err := Run(context.Background(), spec, options())
	var cs *CannotScanError
	if !errors.As(err, &cs) || err.Error() != "cannot scan example.test: DNS: no such domain" {
		t.Fatalf("error %v, want a CannotScanError", err)
	}
	if rep == nil || rep.Target.Name != "example.test" || rep.Target.Endpoints == nil {
		t.Errorf("report %+v", rep)
	}
}

// A scan cut short gives no report: it would grade on missing data.
func TestRunCutShort(t *testing.T) {
	blocks := probes.Func{Name: "slow", Limit: time.Minute, Fn: func(ctx context.Context, _ *probes.Env, _ probes.Results) probes.Observation {
		<-ctx.Done()
		return probes.Observation{Status: probes.StatusTimeout, Reason: ctx.Err().Error()}
	}}
	spec := probes.Spec{Target: probes.Target{Kind: "tls", Name: "slow.test:443"}, Probes: []probes.Probe{blocks},
		Scannable: func(probes.Results) error { return nil }}

	o := options()
	o.Timeout = 50 * time.Millisecond
	rep, err := Run(context.Background(), spec, o)
	var cs *CannotScanError
	if rep != nil || !errors.As(err, &cs) || err.Error() != "cannot scan slow.test:443: timed out after 50ms (see --timeout)" {
		t.Errorf("timed out: report %v, error %v", rep != nil, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	rep, err = Run(ctx, spec, options())
	if rep != nil || !errors.As(err, &cs) || err.Error() != "cannot scan slow.test:443: interrupted" {
		t.Errorf("interrupted: report %v, error %v", rep != nil, err)
	}
}

// A spec whose probes cannot be run is a bug, not a target that could not
// be scanned.
func TestRunBadSpec(t *testing.T) {
	spec := probes.Spec{Target: probes.Target{Kind: "tls", Name: "x"}, Probes: []probes.Probe{okProbe("a"), okProbe("a")}}
	_, err := Run(context.Background(), spec, options())
	var cs *CannotScanError
	if err == nil || errors.As(err, &cs) || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate probes: %v", err)
	}
	o := options()
	o.Timeout = 0
	if _, err := Run(context.Background(), probes.Spec{Target: probes.Target{Kind: "tls"}}, o); err == nil {
		t.Error("a scan without a timeout ran")
	}
}
