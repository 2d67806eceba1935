package batch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/scan"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/xmpp"
)

// Config is one run of a batch.
type Config struct {
	// Targets are the list's targets (after --shard), in its order.
	Targets []Target
	// Store is the output directory.
	Store *Store
	// Access is the logged-in and active checks per target key
	// (--credentials); a target without an entry gets the anonymous scan.
	Access map[string]Access
	// Concurrency bounds the scans at once (default 4).
	Concurrency int
	// Pool is the per-address politeness shared by every
	// scan (default NewPool(2)).
	Pool *Pool
	// DomainGap is the least time between the end of one scan of a domain
	// and the start of the next (see Target.Domain).
	DomainGap time.Duration
	// Rate bounds scan starts per second (0: no bound).
	Rate float64
	// MaxAge: a target whose file is younger is not scanned again (0:
	// every target is scanned). RetryFailed scans targets that could not
	// be scanned last time whatever their age.
	MaxAge      time.Duration
	RetryFailed bool
	// Timeout bounds each scan (required).
	Timeout time.Duration
	// ProbeConcurrency bounds the probes at once within one scan (0: the
	// runner's default).
	ProbeConcurrency int
	// NewEnv returns a fresh Env for one scan, built from the scan flags
	// (--resolver, --ca-file, --connect, -4/-6, --allow-private in its
	// Scope); nil: the real defaults. Run marks its Scope Listed (the
	// list's targets are not the user's own: the guard refuses their
	// internal addresses too, unless --allow-private) and puts the Pool
	// between the guard and its dialer.
	NewEnv func() *probes.Env
	// Tool names the program in reports and records.
	Tool report.Tool
	// Observer hears the run's progress (optional).
	Observer Observer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Scan runs one scan (default scan.Run; tests replace it).
	Scan func(context.Context, probes.Spec, scan.Options) (*report.Report, error)
	// Shard names the shard in runs.jsonl ("" for the whole list).
	Shard string
}

// Observer hears a run's progress. Run calls it from one goroutine.
type Observer interface {
	// Planned: total targets, of which fresh are kept from an earlier run
	// and will not be scanned; every other one is Started and Finished
	// (unless the run is interrupted).
	Planned(total, fresh int)
	// Started: a scan of t begins.
	Started(t Target)
	// Finished: t's scan ended with entry e (its outcome and grade).
	Finished(t Target, e report.BatchEntry)
}

// Result sums a run up.
type Result struct {
	Total int
	// Fresh targets were kept from an earlier run; Scanned were scanned
	// (or recorded as skipped) by this one.
	Fresh, Scanned int
	// Unfinished targets have no result: the run was interrupted first.
	Unfinished  int
	Interrupted bool
	// Peak is the most connections open to one address at once.
	Peak int
	// Start is when the run began: an entry that started before was
	// kept from an earlier run.
	Start time.Time
}

// Run scans cfg.Targets into cfg.Store. It returns when every target has a
// result or ctx is cancelled (then the scans under way are abandoned and
// their targets stay unfinished, to be scanned by the next run). The error
// is for a store that cannot be written; targets that cannot be scanned
// are results, not errors.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Timeout <= 0 {
		return Result{}, errors.New("batch: no timeout")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Pool == nil {
		cfg.Pool = NewPool(2)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Scan == nil {
		cfg.Scan = scan.Run
	}
	if cfg.NewEnv == nil {
		cfg.NewEnv = func() *probes.Env { return &probes.Env{} }
	}
	start := cfg.Now()
	res := Result{Total: len(cfg.Targets), Start: start}
	sched := newSchedule(cfg.DomainGap, cfg.Rate)
	var skips []int
	for i, t := range cfg.Targets {
		if t.Skip != "" {
			skips = append(skips, i)
			continue
		}
		fresh, err := cfg.fresh(t)
		if err != nil {
			return res, err
		}
		if fresh {
			res.Fresh++
			continue
		}
		sched.push(i, t.Domain())
	}
	if cfg.Observer != nil {
		cfg.Observer.Planned(res.Total, res.Fresh)
	}
	// Targets without consent are not contacted at all: recorded at once,
	// outside the schedule.
	for _, i := range skips {
		t := cfg.Targets[i]
		if cfg.Observer != nil {
			cfg.Observer.Started(t)
		}
		e, _, err := cfg.record(t, report.BatchSkipped, t.Skip, cfg.Now())
		if err != nil {
			return res, err
		}
		res.Scanned++
		if cfg.Observer != nil {
			cfg.Observer.Finished(t, e)
		}
	}

	type outcome struct {
		i     int
		entry report.BatchEntry
		kept  bool
		err   error
	}
	results := make(chan outcome, cfg.Concurrency)
	running := 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	cancelled := ctx.Done()
	var storeErr error
	for sched.pending() > 0 || running > 0 {
		var wait time.Duration
		for ctx.Err() == nil && storeErr == nil && running < cfg.Concurrency {
			i, ok, w := sched.next(cfg.Now())
			if !ok {
				wait = w
				break
			}
			running++
			t := cfg.Targets[i]
			if cfg.Observer != nil {
				cfg.Observer.Started(t)
			}
			go func() {
				e, kept, err := cfg.one(ctx, t)
				results <- outcome{i, e, kept, err}
			}()
		}
		if running == 0 && (ctx.Err() != nil || storeErr != nil || wait == 0) {
			break
		}
		if wait > 0 {
			timer.Reset(wait)
		}
		select {
		case o := <-results:
			running--
			t := cfg.Targets[o.i]
			sched.done(t.Domain(), cfg.Now())
			switch {
			case o.err != nil:
				if storeErr == nil {
					storeErr = o.err
				}
			case o.kept:
				res.Scanned++
				if cfg.Observer != nil {
					cfg.Observer.Finished(t, o.entry)
				}
			}
		case <-timer.C:
		case <-cancelled:
			cancelled = nil
		}
		if wait > 0 && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
	res.Unfinished = res.Total - res.Fresh - res.Scanned
	res.Interrupted = ctx.Err() != nil
	res.Peak = cfg.Pool.Peak()
	if storeErr != nil {
		return res, storeErr
	}
	order := make([]string, len(cfg.Targets))
	var tally report.BatchTally
	for i, t := range cfg.Targets {
		order[i] = t.Key()
		if e, ok := cfg.Store.Entry(t.Key()); ok {
			tally.Add(&report.BatchRow{BatchEntry: e})
		}
	}
	if err := cfg.Store.Compact(order); err != nil {
		return res, err
	}
	rec := report.BatchRun{At: start.UTC(), Finished: cfg.Now().UTC(), What: "run", Shard: cfg.Shard, Scanned: res.Scanned,
		Stats: tally.Stats()}
	return res, cfg.Store.AppendRun(rec)
}

// fresh reports whether t's file may stand (younger than MaxAge, and not a
// failure to retry or a skip the list no longer asks for). A fresh file
// whose index line was lost gets it back.
func (cfg *Config) fresh(t Target) (bool, error) {
	fi, err := cfg.Store.Stat(t.Kind, t.Name)
	if err != nil || cfg.MaxAge <= 0 || cfg.Now().Sub(fi.ModTime()) >= cfg.MaxAge {
		return false, nil
	}
	m, ok := cfg.Store.Meta(t.Key())
	outcome := m.Outcome
	if !ok || !m.WrittenAt.Equal(fi.ModTime().UTC()) || m.File != FileName(t.Kind, t.Name) {
		// Written, but the run ended before its index line: read it.
		rep, rec, err := cfg.Store.ReadTarget(FileName(t.Kind, t.Name))
		if err != nil {
			return false, nil // unreadable: scan it again
		}
		var e report.BatchEntry
		if rec != nil {
			e = rec.BatchEntry
		} else {
			e = entryOf(t, rep)
		}
		if e.Key() != t.Key() {
			return false, nil // another target's file: scan it again
		}
		e.Source = t.Source
		if err := cfg.Store.Reindex(e, fi.ModTime()); err != nil {
			return false, err
		}
		outcome = e.Outcome
	}
	switch {
	case outcome == report.BatchSkipped:
		return false, nil
	case outcome == report.BatchCannotScan && cfg.RetryFailed:
		return false, nil
	}
	return true, nil
}

// entryOf is the index entry of t's report.
func entryOf(t Target, rep *report.Report) report.BatchEntry {
	e := report.NewBatchEntry(rep)
	e.Source = t.Source
	e.Software = Software(rep)
	e.Claims = Compare(t.Claims, rep)
	return e
}

// one scans t and stores the result. kept is false when the batch was
// interrupted before t's scan ended (nothing is stored); err is a store
// failure.
func (cfg *Config) one(ctx context.Context, t Target) (report.BatchEntry, bool, error) {
	begin := cfg.Now()
	spec, err := SpecFor(t, cfg.Access[t.Key()])
	if err != nil {
		return cfg.record(t, report.BatchCannotScan, err.Error(), begin)
	}
	env := cfg.NewEnv()
	// One rule for internal addresses, the scan's guard: Filled puts it
	// in front of whatever Dialer is set, so it decides on each address
	// dialled before the Pool waits for that address's slot.
	env.Scope.Listed = true
	sctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	dialer := cfg.Pool.Dialer(sctx, env.Dialer)
	env.Dialer = dialer
	env.Filled()
	if tr, ok := env.HTTP.Transport.(*http.Transport); ok {
		// An idle kept-alive connection holds a slot of its address:
		// give it back soon.
		tr.IdleConnTimeout = time.Second
	}
	rep, err := cfg.Scan(ctx, spec, scan.Options{Env: env, Timeout: cfg.Timeout, Concurrency: cfg.ProbeConcurrency, Tool: cfg.Tool})
	dialer.Close()
	env.HTTP.CloseIdleConnections()
	if ctx.Err() != nil {
		return report.BatchEntry{}, false, nil
	}
	var cs *scan.CannotScanError
	switch {
	case errors.As(err, &cs):
		return cfg.record(t, report.BatchCannotScan, cs.Reason, begin)
	case err != nil:
		return cfg.record(t, report.BatchCannotScan, "the scan could not run: "+err.Error(), begin)
	}
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, rep); err != nil {
		return report.BatchEntry{}, false, fmt.Errorf("batch: %s: %v", t, err)
	}
	e, err := cfg.Store.Put(entryOf(t, rep), buf.Bytes())
	return e, err == nil, err
}

// record stores a target that was not scanned.
func (cfg *Config) record(t Target, outcome, reason string, begin time.Time) (report.BatchEntry, bool, error) {
	e := report.NewBatchRecord(t.Kind, t.Name, outcome, reason, begin, cfg.Now().Sub(begin))
	e.Source = t.Source
	e.File = FileName(t.Kind, t.Name)
	// The record says when it was written (its index line has the file's
	// own time, set by Put).
	e.WrittenAt = cfg.Now().UTC()
	var buf bytes.Buffer
	rec := Record{Record: RecordMarker, BatchEntry: e, Tool: cfg.Tool}
	if err := writeJSON(&buf, rec); err != nil {
		return e, false, err
	}
	e, err := cfg.Store.Put(e, buf.Bytes())
	return e, err == nil, err
}

// SpecFor is t's scan: its protocol package's scan spec, with the account
// and the active tests of acc.
func SpecFor(t Target, acc Access) (probes.Spec, error) {
	switch t.Kind {
	case KindXMPP:
		s, err := xmpp.ScanSpec(t.Name)
		if err != nil {
			return s, err
		}
		if acc.Creds != nil {
			if s, err = xmpp.WithAccount(s, acc.Creds); err != nil {
				return s, err
			}
		}
		if acc.Active {
			s = xmpp.WithRegistrationProof(s)
		}
		return s, nil
	case KindMatrix:
		return matrix.ScanSpec(t.Name, matrix.Options{Account: acc.Creds, Active: acc.Active})
	case KindTLS:
		h, p, err := tls.ParseHostPort(t.Name, 443)
		if err != nil {
			return probes.Spec{}, err
		}
		return tls.ScanSpec(t.Name, tls.Target{Host: h, Port: p}), nil
	}
	return probes.Spec{}, fmt.Errorf("unknown kind %q", t.Kind)
}
