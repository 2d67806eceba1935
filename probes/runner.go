package probes

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// RunOptions tune the runner.
type RunOptions struct {
	// Concurrency bounds how many probes run at once (default 8).
	Concurrency int
	// DefaultTimeout applies to probes whose Timeout is zero (default 10s).
	DefaultTimeout time.Duration
	// Grace is how long the runner waits past a probe's deadline for it to
	// return before recording a timeout and moving on (default 2s). A probe
	// that ignores its context cannot hang the scan.
	Grace time.Duration
	// Observer, when set, is told as probes start and end (for a progress
	// display).
	Observer Observer
}

// Observer watches a run. The runner calls it from its goroutines, so
// several calls may happen at once; an implementation synchronises itself
// and returns quickly. No call comes after Run returns.
type Observer interface {
	// ProbeStarted: the probe's Run is called now (its inputs are done and
	// it has a concurrency slot).
	ProbeStarted(id ID)
	// ProbeDone: the runner recorded the probe's observation, which the
	// observer must not modify. Every probe ends with one call, also one
	// that never started (dep-failed, or the scan was cancelled before
	// its turn) and one the runner gave up on past its deadline.
	ProbeDone(id ID, o *Observation)
}

func (o RunOptions) withDefaults() RunOptions {
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.DefaultTimeout <= 0 {
		o.DefaultTimeout = 10 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = 2 * time.Second
	}
	return o
}

// Run executes every probe of reg as a DAG: a probe starts when all the
// probes it requires are done; if one of them did not end StatusOK, the probe
// is not run and gets StatusDepFailed. Independent probes run concurrently,
// at most opts.Concurrency at a time, each under its own deadline derived
// from ctx. Run always returns one observation per probe; its error is only
// for a registry that cannot be ordered.
func Run(ctx context.Context, env *Env, reg *Registry, opts RunOptions) (Results, error) {
	order, err := reg.Order()
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	if env == nil {
		env = &Env{}
	}
	env.fill()

	var mu sync.Mutex
	results := Results{}
	done := map[ID]chan struct{}{}
	for _, id := range order {
		done[id] = make(chan struct{})
	}
	sem := make(chan struct{}, opts.Concurrency)
	var wg sync.WaitGroup
	for _, id := range order {
		p, _ := reg.Probe(id)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[id])
			wanted := reg.optional(id)
			for _, d := range append(append([]ID(nil), p.Requires()...), wanted...) {
				<-done[d]
			}
			mu.Lock()
			var failed []string
			in := Results{}
			for _, d := range wanted {
				in[d] = results[d]
			}
			for _, d := range p.Requires() {
				o := results[d]
				in[d] = o
				if o.Status != StatusOK {
					failed = append(failed, fmt.Sprintf("%s: %s", d, o.Status))
				}
			}
			mu.Unlock()
			var obs Observation
			if len(failed) > 0 {
				obs = Observation{Status: StatusDepFailed, Reason: "needs " + strings.Join(failed, ", ")}
			} else {
				select {
				case sem <- struct{}{}:
					obs = runOne(ctx, env, p, in, opts)
					<-sem
				case <-ctx.Done():
					obs = Observation{Status: StatusError, Reason: "scan cancelled before probe started: " + ctx.Err().Error()}
				}
			}
			obs.Probe = id
			mu.Lock()
			results[id] = &obs
			mu.Unlock()
			if opts.Observer != nil {
				opts.Observer.ProbeDone(id, &obs)
			}
		}()
	}
	wg.Wait()
	return results, nil
}

func runOne(ctx context.Context, env *Env, p Probe, in Results, opts RunOptions) Observation {
	limit := p.Timeout()
	if limit <= 0 {
		limit = opts.DefaultTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start := env.Clock.Now()
	if opts.Observer != nil {
		opts.Observer.ProbeStarted(p.ID())
	}
	ch := make(chan Observation, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				why := Cut(fmt.Sprint(r), 1024)
				env.Logger.Error("probe panicked", "probe", p.ID(), "panic", why, "stack", string(debug.Stack()))
				ch <- Observation{Status: StatusError, Reason: "probe panicked: " + why}
			}
		}()
		ch <- p.Run(pctx, env, in)
	}()
	var obs Observation
	select {
	case obs = <-ch:
	case <-pctx.Done():
		t := time.NewTimer(opts.Grace)
		select {
		case obs = <-ch:
		case <-t.C:
			if errors.Is(pctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				obs = Observation{Status: StatusTimeout, Reason: fmt.Sprintf("probe did not finish within %s", limit)}
			} else {
				obs = Observation{Status: StatusError, Reason: "scan cancelled: " + ctx.Err().Error()}
			}
		}
		t.Stop()
	}
	if obs.Status == "" {
		obs.Status = StatusError
		obs.Reason = "probe returned no status (bug)"
	}
	obs.DurationMS = env.Clock.Now().Sub(start).Milliseconds()
	// Whatever a peer sent, an observation keeps a bounded part of it.
	obs.Evidence = BoundEvidence(obs.Evidence, MaxEvidence)
	obs.Reason = Cut(obs.Reason, MaxEvidenceText)
	return obs
}
