package batch

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imscore/imscore/fixtures/testenv"
)

// The cap holds at the server, across the dialers of several scans; with
// no cap the same load opens many more at once (the count can fail).
func TestPoolPerAddressCap(t *testing.T) {
	load := func(perAddress int) (peak, total int, failed int32) {
		srv := testenv.StartCountingProxy(t, "127.0.0.1", "")
		pool := NewPool(perAddress, true)
		var wg sync.WaitGroup
		var fails atomic.Int32
		for scan := 0; scan < 6; scan++ {
			d := pool.Dialer(nil)
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

// Internal addresses are refused before the dialer is asked, unless
// --allow-private or --connect allows them.
func TestPoolRefusesInternal(t *testing.T) {
	rec := &recordingDialer{}
	pool := NewPool(2, false)
	pool.Allow(netip.MustParseAddr("10.9.9.9"))
	d := pool.Dialer(rec)
	ctx := context.Background()
	for _, addr := range []string{"127.0.0.1:5222", "10.0.0.1:5269", "169.254.169.254:80", "[::1]:443", "[::ffff:10.0.0.1]:443", "100.64.0.1:443", "[fd00::1]:443", "[fe80::1%eth0]:443"} {
		_, err := d.DialContext(ctx, "tcp", addr)
		var re *RefusedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), "internal address, not contacted") {
			t.Errorf("%s: %v, want a refusal", addr, err)
		}
	}
	if _, err := d.DialContext(ctx, "tcp", "example.org:443"); err == nil || !strings.Contains(err.Error(), "not an IP address and port") {
		t.Errorf("a name: %v", err)
	}
	for _, addr := range []string{"192.0.2.7:5222", "10.9.9.9:443", "[2001:db8::7]:5222"} {
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			t.Errorf("%s: %v", addr, err)
			continue
		}
		c.Close()
	}
	if got := strings.Join(rec.addrs, " "); got != "192.0.2.7:5222 10.9.9.9:443 [2001:db8::7]:5222" {
		t.Errorf("the dialer was asked for %s", got)
	}
	if _, refused := pool.Stats(); refused != 8 {
		t.Errorf("%d refusals counted, want 8", refused)
	}
	open := NewPool(1, true).Dialer(rec)
	c, err := open.DialContext(ctx, "tcp", "127.0.0.1:5222")
	if err != nil {
		t.Fatalf("--allow-private: %v", err)
	}
	c.Close()
}

// A connection a scan leaves open is closed with the scan's dialer, and a
// wait for a slot ends with its context.
func TestPoolSlotsEndWithTheScan(t *testing.T) {
	srv := testenv.StartCountingProxy(t, "127.0.0.1", "")
	pool := NewPool(1, true)
	first := pool.Dialer(nil)
	if _, err := first.DialContext(context.Background(), "tcp", srv.Addr); err != nil {
		t.Fatal(err)
	}
	second := pool.Dialer(nil)
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
