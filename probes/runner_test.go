package probes

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func fn(id ID, needs []ID, f func(ctx context.Context, in Results) Observation) Probe {
	return Func{Name: id, Needs: needs, Fn: func(ctx context.Context, _ *Env, in Results) Observation { return f(ctx, in) }}
}

func ok(ctx context.Context, in Results) Observation { return Observation{Status: StatusOK} }

func TestOrderAndMissingAndCycle(t *testing.T) {
	r, err := NewRegistry(fn("c", []ID{"b"}, ok), fn("b", []ID{"a"}, ok), fn("a", nil, ok), fn("d", nil, ok))
	if err != nil {
		t.Fatal(err)
	}
	order, err := r.Order()
	if err != nil {
		t.Fatal(err)
	}
	pos := map[ID]int{}
	for i, id := range order {
		pos[id] = i
	}
	if !(pos["a"] < pos["b"] && pos["b"] < pos["c"]) {
		t.Fatalf("bad order %v", order)
	}
	if _, err := NewRegistry(fn("a", nil, ok), fn("a", nil, ok)); err == nil {
		t.Fatal("duplicate accepted")
	}
	r, _ = NewRegistry(fn("a", []ID{"zz"}, ok))
	if _, err := r.Order(); err == nil || !strings.Contains(err.Error(), "zz") {
		t.Fatalf("missing dependency not reported: %v", err)
	}
	r, _ = NewRegistry(fn("a", []ID{"b"}, ok), fn("b", []ID{"a"}, ok))
	if _, err := r.Order(); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("cycle not reported: %v", err)
	}
}

func TestRunDepFailedPanicTimeout(t *testing.T) {
	var ran atomic.Int32
	r, _ := NewRegistry(
		fn("root", nil, func(ctx context.Context, in Results) Observation {
			return Observation{Status: StatusRefused, Reason: "connection refused"}
		}),
		fn("child", []ID{"root"}, func(ctx context.Context, in Results) Observation { ran.Add(1); return Observation{Status: StatusOK} }),
		fn("grandchild", []ID{"child"}, func(ctx context.Context, in Results) Observation { ran.Add(1); return Observation{Status: StatusOK} }),
		fn("panics", nil, func(ctx context.Context, in Results) Observation { panic("boom") }),
		Func{Name: "slow", Limit: 50 * time.Millisecond, Fn: func(ctx context.Context, _ *Env, _ Results) Observation {
			<-ctx.Done()
			return Observation{Status: StatusTimeout, Reason: "gave up"}
		}},
		Func{Name: "stubborn", Limit: 20 * time.Millisecond, Fn: func(ctx context.Context, _ *Env, _ Results) Observation {
			time.Sleep(5 * time.Second) // ignores its context
			return Observation{Status: StatusOK}
		}},
		fn("reader", []ID{"ok1"}, func(ctx context.Context, in Results) Observation {
			if in.Get("ok1") == nil || in.Get("ok1").Data != 42 {
				return Observation{Status: StatusError, Reason: "input missing"}
			}
			return Observation{Status: StatusOK}
		}),
		fn("ok1", nil, func(ctx context.Context, in Results) Observation { return Observation{Status: StatusOK, Data: 42} }),
	)
	start := time.Now()
	res, err := Run(context.Background(), &Env{}, r, RunOptions{Grace: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("runner waited for a probe that ignores its context")
	}
	want := map[ID]Status{"root": StatusRefused, "child": StatusDepFailed, "grandchild": StatusDepFailed,
		"panics": StatusError, "slow": StatusTimeout, "stubborn": StatusTimeout, "reader": StatusOK, "ok1": StatusOK}
	for id, st := range want {
		if res[id] == nil || res[id].Status != st {
			t.Errorf("%s: got %+v, want %s", id, res[id], st)
		}
		if res[id] != nil && res[id].Probe != id {
			t.Errorf("%s: Probe field %q", id, res[id].Probe)
		}
	}
	if ran.Load() != 0 {
		t.Errorf("dependent probes ran after their input failed")
	}
	if !strings.Contains(res["panics"].Reason, "boom") {
		t.Errorf("panic reason lost: %q", res["panics"].Reason)
	}
	if !strings.Contains(res["child"].Reason, "root: refused") {
		t.Errorf("dep-failed reason: %q", res["child"].Reason)
	}
}

func TestRunConcurrencyBound(t *testing.T) {
	var cur, peak atomic.Int32
	var ps []Probe
	for i := 0; i < 20; i++ {
		ps = append(ps, Func{Name: ID("p" + string(rune('a'+i))), Fn: func(ctx context.Context, _ *Env, _ Results) Observation {
			n := cur.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(10 * time.Millisecond)
			cur.Add(-1)
			return Observation{Status: StatusOK}
		}})
	}
	r, _ := NewRegistry(ps...)
	if _, err := Run(context.Background(), nil, r, RunOptions{Concurrency: 3}); err != nil {
		t.Fatal(err)
	}
	if peak.Load() > 3 {
		t.Fatalf("peak concurrency %d > 3", peak.Load())
	}
	if peak.Load() < 2 {
		t.Fatalf("probes did not run concurrently (peak %d)", peak.Load())
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, _ := NewRegistry(Func{Name: "a", Fn: func(ctx context.Context, _ *Env, _ Results) Observation {
		if ctx.Err() != nil {
			return Observation{Status: StatusError, Reason: ctx.Err().Error()}
		}
		return Observation{Status: StatusOK}
	}})
	res, _ := Run(ctx, nil, r, RunOptions{})
	if res["a"].Status != StatusError {
		t.Fatalf("cancelled scan: %+v", res["a"])
	}
}

func BenchmarkRunner(b *testing.B) {
	var ps []Probe
	for i := 0; i < 50; i++ {
		var needs []ID
		if i > 0 {
			needs = []ID{ID(rune('A'+(i-1)%26)) + ID(rune('0'+(i-1)/26))}
		}
		ps = append(ps, fn(ID(rune('A'+i%26))+ID(rune('0'+i/26)), needs, ok))
	}
	r, err := NewRegistry(ps...)
	if err != nil {
		b.Fatal(err)
	}
	env := (&Env{}).Filled()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), env, r, RunOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParallelBoundAndOrder(t *testing.T) {
	var cur, peak atomic.Int32
	eps := make([]Endpoint, 12)
	for i := range eps {
		eps[i].Addr = string(rune('a' + i))
	}
	out := ForEndpoints(context.Background(), eps, func(_ context.Context, ep Endpoint) string {
		n := cur.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1)
		return ep.Addr
	})
	for i, s := range out {
		if s != eps[i].Addr {
			t.Fatalf("result %d is %q, want %q", i, s, eps[i].Addr)
		}
	}
	if p := peak.Load(); p > EndpointConcurrency || p < 2 {
		t.Fatalf("peak concurrency %d, want 2..%d", p, EndpointConcurrency)
	}
	Parallel(0, 0, func(int) { t.Fatal("ran with n=0") })
}

// Optional inputs: the probe runs after them and sees them whatever their
// status; an unregistered optional input is ignored.
func TestRunOptionalInputs(t *testing.T) {
	var order []ID
	var mu atomic.Int32
	r, err := NewRegistry(
		fn("fails", nil, func(ctx context.Context, in Results) Observation {
			time.Sleep(20 * time.Millisecond)
			mu.Add(1)
			return Observation{Status: StatusRefused, Reason: "refused"}
		}),
		Func{Name: "reader", Wants: []ID{"fails", "not-registered"}, Fn: func(ctx context.Context, _ *Env, in Results) Observation {
			if mu.Load() != 1 || in.Get("fails") == nil || in.Get("fails").Status != StatusRefused {
				return Observation{Status: StatusError, Reason: "optional input not awaited or not passed"}
			}
			return Observation{Status: StatusOK}
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if order, err = r.Order(); err != nil || order[0] != "fails" {
		t.Fatalf("order %v %v", order, err)
	}
	res, err := Run(context.Background(), &Env{}, r, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o := res["reader"]; o.Status != StatusOK {
		t.Fatalf("reader: %+v", o)
	}
}

func TestParallelPanicReachesTheRunner(t *testing.T) {
	reg, err := NewRegistry(Func{Name: "fanout", Fn: func(ctx context.Context, _ *Env, _ Results) Observation {
		Parallel(4, 2, func(i int) {
			if i == 2 {
				panic("boom in a worker")
			}
		})
		return Observation{Status: StatusOK}
	}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), (&Env{}).Filled(), reg, RunOptions{Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	if o := res.Get("fanout"); o == nil || o.Status != StatusError || !strings.Contains(o.Reason, "boom in a worker") {
		t.Fatalf("observation %+v, want an error naming the panic", o)
	}
}

func TestKey(t *testing.T) {
	type data struct{ N int }
	k := Key[*data]{ID: "x"}
	other := Key[*struct{}]{ID: "x"}
	res := Results{"x": {Probe: "x", Status: StatusTimeout, Data: &data{N: 1}}}
	if d, o := k.Of(res); d == nil || d.N != 1 || o == nil {
		t.Fatalf("Of on a failed probe: %v %v", d, o)
	}
	if _, ok := k.OK(res); ok {
		t.Fatal("OK on a failed probe")
	}
	res["x"].Status = StatusOK
	if d, ok := k.OK(res); !ok || d.N != 1 {
		t.Fatalf("OK: %v %v", d, ok)
	}
	if d, o := other.Of(res); d != nil || o == nil {
		t.Fatalf("wrong type: %v %v", d, o)
	}
	if _, ok := other.OK(res); ok {
		t.Fatal("OK with the wrong type")
	}
	if d, o := (Key[*data]{ID: "y"}).Of(res); d != nil || o != nil {
		t.Fatalf("absent: %v %v", d, o)
	}
}

// recorder is an Observer that keeps every call.
type recorder struct {
	mu      sync.Mutex
	calls   []string
	done    map[ID]*Observation
	started map[ID]bool
	closed  bool // set when Run returned: no call may come after
	late    []string
}

func (r *recorder) ProbeStarted(id ID) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.late = append(r.late, "start "+string(id))
	}
	r.started[id] = true
	r.calls = append(r.calls, "start "+string(id))
}

func (r *recorder) ProbeDone(id ID, o *Observation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.late = append(r.late, "done "+string(id))
	}
	if _, dup := r.done[id]; dup {
		r.calls = append(r.calls, "done twice "+string(id))
	}
	r.done[id] = o
	r.calls = append(r.calls, "done "+string(id))
}

// The observer hears every probe start (when its Run is called) and end
// (when its observation is recorded, also for a probe that never ran or
// that the runner gave up on), and nothing after Run returns.
func TestRunObserver(t *testing.T) {
	release := make(chan struct{})
	r, err := NewRegistry(
		fn("root", nil, func(ctx context.Context, in Results) Observation {
			return Observation{Status: StatusRefused, Reason: "connection refused"}
		}),
		fn("child", []ID{"root"}, ok),
		fn("a", nil, ok),
		fn("b", []ID{"a"}, ok),
		Func{Name: "stubborn", Limit: 20 * time.Millisecond, Fn: func(ctx context.Context, _ *Env, _ Results) Observation {
			<-release // ignores its context
			return Observation{Status: StatusOK}
		}},
	)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{done: map[ID]*Observation{}, started: map[ID]bool{}}
	res, err := Run(context.Background(), &Env{}, r, RunOptions{Grace: 20 * time.Millisecond, Observer: rec})
	rec.mu.Lock()
	rec.closed = true
	rec.mu.Unlock()
	close(release) // the stubborn probe returns now, after Run
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.late) > 0 {
		t.Errorf("calls after Run returned: %v", rec.late)
	}
	for id, o := range res {
		if rec.done[id] != o {
			t.Errorf("%s: ProbeDone got %p, want the recorded observation %p", id, rec.done[id], o)
		}
	}
	if len(rec.done) != len(res) {
		t.Errorf("ProbeDone for %d probes, want %d: %v", len(rec.done), len(res), rec.calls)
	}
	for _, id := range []ID{"root", "a", "b", "stubborn"} {
		if !rec.started[id] {
			t.Errorf("%s ran but ProbeStarted was not called: %v", id, rec.calls)
		}
	}
	if rec.started["child"] {
		t.Errorf("child never ran (dep-failed) but ProbeStarted was called")
	}
	if res["stubborn"].Status != StatusTimeout || res["child"].Status != StatusDepFailed {
		t.Errorf("stubborn %s, child %s", res["stubborn"].Status, res["child"].Status)
	}
	pos := map[string]int{}
	for i, c := range rec.calls {
		pos[c] = i
	}
	for _, c := range [][2]string{{"start a", "done a"}, {"done a", "start b"}, {"start root", "done root"}, {"done root", "done child"}, {"start stubborn", "done stubborn"}} {
		if pos[c[0]] >= pos[c[1]] {
			t.Errorf("%q after %q: %v", c[0], c[1], rec.calls)
		}
	}
}

func TestTargetLabel(t *testing.T) {
	for _, c := range []struct {
		t    Target
		want string
	}{
		{Target{Kind: "tls", Name: "127.0.0.1:8443", Host: "127.0.0.1", Port: 8443, SNI: "test.example"}, "test.example at 127.0.0.1:8443"},
		{Target{Kind: "tls", Name: "test.example:443", Host: "test.example", Port: 443, SNI: "test.example"}, "test.example:443"},
		{Target{Kind: "tls", Name: "xmpp.example:5222", Host: "xmpp.example", SNI: "example.org", StartTLS: "xmpp-client"}, "example.org at xmpp.example:5222"},
		{Target{Kind: "xmpp", Name: "example.org", SNI: "other"}, "example.org"},
	} {
		if got := c.t.Label(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.t, got, c.want)
		}
	}
}
