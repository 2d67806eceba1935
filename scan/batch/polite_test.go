package batch

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
	"github.com/imscore/imscore/probes"
)

// The cap holds at the server, across the dialers of several scans; with
// no cap the same load opens many more at once (the count can fail).
func TestPoolPerAddressCap(t *testing.T) {
	load := func(perAddress int) (peak, total int, failed int32) {
		srv := testenv.StartCountingProxy(t, "127.0.0.1", "")
		pool := NewPool(perAddress)
		var wg sync.WaitGroup
		var fails atomic.Int32
		for scan := 0; scan < 6; scan++ {
			d := pool.Dialer(nil, nil)
			for i := 0; i < 5; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					c, err := d.DialContext(ctx, "tcp", srv.Addr)
					if err != nil {
						fails.Add(1)
						return
					}
					time.Sleep(15 * time.Millisecond)
					c.Close()
				}()
			}
		}
		wg.Wait()
		if perAddress < 64 && (pool.Peak() > perAddress || len(pool.slots) != 0) {
			t.Errorf("pool: peak %d, %d slots left", pool.Peak(), len(pool.slots))
		}
		peak, total = srv.Peak()
		return peak, total, fails.Load()
	}
	peak, total, failed := load(3)
	if failed != 0 || total != 30 {
		t.Fatalf("%d dials failed, %d connections arrived", failed, total)
	}
	if peak > 3 || peak < 2 {
		t.Errorf("the server saw %d connections at once, want at most 3 (and the load reaching the cap)", peak)
	}
	if peak, _, _ := load(64); peak <= 3 {
		t.Errorf("without the cap the server saw only %d at once: the count proves nothing", peak)
	}
}

// recordingDialer records what it was asked to dial and connects nowhere.
type recordingDialer struct {
	mu    sync.Mutex
	addrs []string
}

func (r *recordingDialer) DialContext(_ context.Context, _, addr string) (net.Conn, error) {
	r.mu.Lock()
	r.addrs = append(r.addrs, addr)
	r.mu.Unlock()
	a, b := net.Pipe()
	go func() { <-time.After(time.Second); b.Close() }()
	return a, nil
}

// The pool sits behind each scan's guard (probes.Env puts the guard in
// front of whatever Dialer is set): an internal address is refused by the
// guard, with its wording, before the pool takes a slot or the dialer is
// asked — also a listed target's own address — unless --allow-private or
// --connect allows it; what the guard allows takes the slot of the address
// actually dialled.
func TestPoolBehindTheGuard(t *testing.T) {
	rec := &recordingDialer{}
	pool := NewPool(2)
	env := func(scope probes.Scope, connect map[string]string) *probes.Env {
		scope.Listed = true // as Run does
		return (&probes.Env{Dialer: pool.Dialer(nil, rec), Scope: scope, Connect: connect, Routes: probes.AllRoutes{}, IOTimeout: time.Second}).Filled()
	}
	ctx := context.Background()
	e := env(probes.Scope{Targets: []string{"127.0.0.1"}}, map[string]string{"x.example:5222": "10.9.9.9:5222"})
	for _, addr := range []string{"127.0.0.1:5222", "10.0.0.1:5269", "169.254.169.254:80", "[::1]:443", "[::ffff:10.0.0.1]:443", "100.64.0.1:443", "[fd00::1]:443", "[fe80::1%eth0]:443"} {
		_, _, err := e.Dial(ctx, addr)
		var re *probes.RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "internal address, not contacted") {
			t.Errorf("%s: %v, want the guard's refusal", addr, err)
		}
	}
	if _, _, err := e.Dial(ctx, "example.org:443"); err == nil || !strings.Contains(err.Error(), "not an IP address and port") {
		t.Errorf("a name: %v", err)
	}
	if n := pool.Dials(); n != 0 || len(rec.addrs) != 0 {
		t.Fatalf("refused dials reached the pool (%d) or the dialer (%v)", n, rec.addrs)
	}
	// --connect: the destination the user chose.
	if eps, _, _, err := e.ResolveEndpoints(ctx, "x.example", 5222); err != nil || len(eps) != 1 {
		t.Fatalf("--connect: %v %v", eps, err)
	}
	for _, addr := range []string{"192.0.2.7:5222", "10.9.9.9:5222", "[2001:db8::7]:5222"} {
		c, _, err := e.Dial(ctx, addr)
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			continue
		}
		c.Close()
	}
	if got := strings.Join(rec.addrs, " "); got != "192.0.2.7:5222 10.9.9.9:5222 [2001:db8::7]:5222" {
		t.Errorf("the dialer was asked for %s", got)
	}
	if n := pool.Dials(); n != 3 {
		t.Errorf("the pool counted %d dials, want 3", n)
	}
	open := env(probes.Scope{AllowPrivate: true}, nil)
	c, _, err := open.Dial(ctx, "127.0.0.1:5222")
	if err != nil {
		t.Fatalf("--allow-private: %v", err)
	}
	c.Close()
	if n := pool.Dials(); n != 4 {
		t.Errorf("--allow-private: the pool counted %d dials, want 4", n)
	}
}

// A connection a scan leaves open is closed with the scan's dialer, and a
// wait for a slot ends with its context.
func TestPoolSlotsEndWithTheScan(t *testing.T) {
	srv := testenv.StartCountingProxy(t, "127.0.0.1", "")
	pool := NewPool(1)
	first := pool.Dialer(nil, nil)
	if _, err := first.DialContext(context.Background(), "tcp", srv.Addr); err != nil {
		t.Fatal(err)
	}
	second := pool.Dialer(nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := second.DialContext(ctx, "tcp", srv.Addr)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "--per-address") {
		t.Fatalf("a dial past the cap: %v", err)
	}
	first.Close() // the scan ends with its connection still open
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := second.DialContext(ctx, "tcp", srv.Addr)
	if err != nil {
		t.Fatalf("the slot was not given back: %v", err)
	}
	c.Close()
	c.Close() // twice: one release only
	if _, err := first.DialContext(ctx, "tcp", srv.Addr); err == nil {
		t.Error("a closed scan dialer still dials")
	}
	second.Close()
	if len(pool.slots) != 0 {
		t.Errorf("%d slots left", len(pool.slots))
	}
}

// Waiting for a slot is not the server's time: a dial whose own deadline
// passes while it waits still gets its connection, with that much time
// from when the slot is free; the wait ends with the scan.
func TestPoolWaitIsNotTheDialsTime(t *testing.T) {
	srv := testenv.StartCountingProxy(t, "127.0.0.1", "")
	pool := NewPool(1)
	scanCtx, endScan := context.WithTimeout(context.Background(), 10*time.Second)
	defer endScan()
	holder := pool.Dialer(scanCtx, nil)
	c, err := holder.DialContext(context.Background(), "tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(300 * time.Millisecond); c.Close() }()
	waiter := pool.Dialer(scanCtx, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond) // the dial's IOTimeout
	defer cancel()
	start := time.Now()
	c2, err := waiter.DialContext(ctx, "tcp", srv.Addr)
	if err != nil {
		t.Fatalf("a dial that waited past its deadline for a slot: %v", err)
	}
	c2.Close()
	if w := time.Since(start); w < 250*time.Millisecond {
		t.Errorf("connected after %s: the cap did not hold", w)
	}
	// The wait ends with the scan, or with ctx's cancellation.
	holder2 := pool.Dialer(scanCtx, nil)
	c3, err := holder2.DialContext(context.Background(), "tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c3.Close()
	short, endShort := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer endShort()
	if _, err := pool.Dialer(short, nil).DialContext(context.Background(), "tcp", srv.Addr); err == nil || !strings.Contains(err.Error(), "--per-address") {
		t.Errorf("a wait past the scan's end: %v", err)
	}
	gone, stop := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, stop)
	if _, err := waiter.DialContext(gone, "tcp", srv.Addr); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled wait: %v", err)
	}
}

// A dial nested in a scan's open connection cannot wait for a slot only
// the scan itself would free: when the scan holds every slot of the
// address, the dial's own deadline ends the wait with an error that says
// so; when it holds some, the dial's deadline ends the wait too. A slot a
// sibling connection of the scan gives back in time is still taken.
func TestPoolOwnSlots(t *testing.T) {
	srv := testenv.StartCountingProxy(t, "127.0.0.1", "")
	scanCtx, endScan := context.WithTimeout(context.Background(), 30*time.Second)
	defer endScan()
	dialIn := func(d *ScanDialer, timeout time.Duration) (net.Conn, error, time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		start := time.Now()
		c, err := d.DialContext(ctx, "tcp", srv.Addr)
		return c, err, time.Since(start)
	}

	// Holds every slot (--per-address 2, two open connections).
	pool := NewPool(2)
	scan := pool.Dialer(scanCtx, nil)
	defer scan.Close()
	for range 2 {
		if _, err, _ := dialIn(scan, time.Second); err != nil {
			t.Fatal(err)
		}
	}
	_, err, took := dialIn(scan, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "--per-address 2: this scan's own connections hold every slot to 127.0.0.1; raise --per-address") {
		t.Errorf("a nested dial: %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("the nested dial waited %s, past its own deadline", took)
	}

	// Holds some: the other slot is another scan's.
	pool = NewPool(2)
	other := pool.Dialer(scanCtx, nil)
	defer other.Close()
	mine := pool.Dialer(scanCtx, nil)
	defer mine.Close()
	if _, err, _ := dialIn(other, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err, _ := dialIn(mine, time.Second); err != nil {
		t.Fatal(err)
	}
	_, err, took = dialIn(mine, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "raise") {
		t.Errorf("a dial of a scan holding one of two slots: %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("waited %s, past the dial's own deadline", took)
	}
	// A scan that does not hold a slot still waits past its dial's
	// deadline (TestPoolWaitIsNotTheDialsTime); one whose sibling
	// connection closes in time gets the slot.
	c, err, _ := dialIn(mine, time.Second)
	if err == nil {
		t.Fatalf("a third connection past the cap: %v", c)
	}
	sib, err, _ := dialIn(scan, time.Second) // scan: first pool, 2 held
	if err == nil {
		sib.Close()
		t.Fatal("a third connection past the cap of the first pool")
	}
	scan.mu.Lock()
	var one net.Conn
	for c := range scan.conns {
		one = c
		break
	}
	scan.mu.Unlock()
	time.AfterFunc(100*time.Millisecond, func() { one.Close() })
	c, err, _ = dialIn(scan, 3*time.Second)
	if err != nil {
		t.Fatalf("a slot the scan gave back in time: %v", err)
	}
	c.Close()
}
