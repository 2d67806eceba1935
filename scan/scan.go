// Package scan runs scans: a spec (probes.Spec, from tls.ScanSpec,
// xmpp.ScanSpec or matrix.ScanSpec) becomes a report. It runs the spec's
// probes under one deadline, refuses to grade a scan that was cut short,
// assembles the report with the criteria, and says when the scan did not
// reach the service at all.
//
// `imscore scan` and `imscore compare --server` share it; `imscore batch`
// runs it once per target (package scan/batch). Flags, the Env built from
// them, writing the report and exit codes stay in cmd/.
package scan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imscore/imscore/criteria"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
)

// Options tune one scan.
type Options struct {
	// Env holds every side effect (dialer, resolver, roots, --connect);
	// nil means the real ones. Run fills in what is missing.
	Env *probes.Env
	// Timeout bounds the whole scan (required: a scan without a deadline
	// could wait forever on a silent peer).
	Timeout time.Duration
	// Concurrency bounds how many probes run at once (0: the runner's
	// default).
	Concurrency int
	// Tool names the program in the report.
	Tool report.Tool
	// Observer, when set, hears every probe start and end (progress).
	Observer probes.Observer
}

// CannotScanError says a scan did not reach its target (unknown name,
// refused, not TLS) or was cut short (interrupted, timed out): no grade
// may be given. Its message is one line, "cannot scan NAME: REASON".
type CannotScanError struct {
	Target string // the target's name
	Reason string
}

func (e *CannotScanError) Error() string {
	return fmt.Sprintf("cannot scan %s: %s", e.Target, e.Reason)
}

// Run runs spec's probes under o and assembles the report.
//
// When the probes ran but did not reach the service, Run returns the
// report (mostly errors, for a caller that keeps it as an artefact) and a
// *CannotScanError. A scan cut short by ctx or o.Timeout returns no report
// (a partial scan would grade on missing data) and a *CannotScanError. Any
// other error is a bug in the spec (probes that cannot be ordered).
func Run(ctx context.Context, spec probes.Spec, o Options) (*report.Report, error) {
	if o.Timeout <= 0 {
		return nil, errors.New("scan: no timeout")
	}
	// net.vantage reports, after every other probe, what this machine
	// could not test (no route, -4/-6).
	ps := append(spec.Probes[:len(spec.Probes):len(spec.Probes)], probes.VantageProbe())
	reg, err := probes.NewRegistry(ps...)
	if err != nil {
		return nil, err
	}
	env := o.Env
	if env == nil {
		env = &probes.Env{}
	}
	// The guard: the target's own addresses may be internal, what it
	// points to may not (probes.Scope).
	if len(env.Scope.Targets) == 0 {
		host := spec.Target.Host
		if host == "" {
			host = spec.Target.Name
		}
		env.Scope.Targets = []string{host}
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	env.Filled()
	start := env.Clock.Now()
	res, err := probes.Run(ctx, env, reg, probes.RunOptions{Concurrency: o.Concurrency, Observer: o.Observer})
	if err != nil {
		return nil, err
	}
	dur := env.Clock.Now().Sub(start)
	target := spec.Target
	if err := ctx.Err(); err != nil {
		why := "interrupted"
		if errors.Is(err, context.DeadlineExceeded) {
			why = fmt.Sprintf("timed out after %s (see --timeout)", o.Timeout)
		}
		return nil, &CannotScanError{Target: target.Name, Reason: why}
	}
	if spec.Endpoints != nil {
		target.Endpoints = spec.Endpoints(res)
	}
	rep, err := criteria.Assemble(spec.Kind(), target, res, o.Tool, start, dur)
	if err != nil {
		return nil, err
	}
	if spec.Scannable == nil {
		return rep, nil
	}
	if serr := spec.Scannable(res); serr != nil {
		return rep, &CannotScanError{Target: target.Name, Reason: serr.Error()}
	}
	return rep, nil
}
