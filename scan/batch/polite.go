package batch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/imscore/imscore/probes"
)

// Pool is the politeness shared by every scan of a batch: at most
// PerAddress connections to one IP address at a time, counted across all
// targets (several domains often share one server), each slot held for the
// life of its connection.
//
// It decides nothing about where a scan may connect: each scan's Env puts
// the dialer the Pool wraps behind the scan's guard (probes.Scope, Listed
// for a batch), so the guard refuses an internal address before the Pool
// waits for a slot, and the slot is taken for the address actually
// dialled.
type Pool struct {
	perAddress int

	mu    sync.Mutex
	slots map[netip.Addr]*slot
	peak  int // most connections open to one address at once
	dials int
}

type slot struct {
	ch   chan struct{} // one token per open connection
	refs int           // holders and waiters; the slot is dropped at 0
	open int
}

// NewPool allows perAddress connections to one address at a time.
func NewPool(perAddress int) *Pool {
	return &Pool{perAddress: max(perAddress, 1), slots: map[netip.Addr]*slot{}}
}

// Peak is the most connections that were open to one address at once.
func (p *Pool) Peak() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Dials are the connections the pool let through to the dialer.
func (p *Pool) Dials() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dials
}

// errOwnSlots ends the wait of a dial whose own scan holds every slot of
// the address (see acquire).
type errOwnSlots struct {
	perAddress int
	addr       netip.Addr
}

func (e errOwnSlots) Error() string {
	return fmt.Sprintf("--per-address %d: this scan's own connections hold every slot to %s; raise --per-address", e.perAddress, e.addr)
}

// acquire waits for a slot of a. The wait ends with scan; ctx's
// cancellation ends it too, but not ctx's deadline when scan is set: that
// is the dial's own time (see ScanDialer.DialContext) — unless held (the
// number of a's slots the dialling scan holds now) says the scan itself
// holds slots of a: then only the scan's own connections may free the
// slot it waits for (a dial nested in an open connection can wait for
// ever), so ctx's deadline ends the wait, and when the scan holds every
// slot then, the error says so. waited says the slot was not free at
// once.
func (p *Pool) acquire(ctx, scan context.Context, a netip.Addr, held func() int) (s *slot, waited bool, err error) {
	p.mu.Lock()
	s = p.slots[a]
	if s == nil {
		s = &slot{ch: make(chan struct{}, p.perAddress)}
		p.slots[a] = s
	}
	s.refs++
	p.mu.Unlock()
	var scanDone <-chan struct{}
	if scan != nil {
		scanDone = scan.Done()
	}
	ctxDone := ctx.Done()
	select {
	case s.ch <- struct{}{}:
	default:
		waited = true
	wait:
		for {
			select {
			case s.ch <- struct{}{}:
				break wait
			case <-scanDone:
				p.drop(a, s)
				return nil, true, scan.Err()
			case <-ctxDone:
				own := 0
				if held != nil {
					own = held()
				}
				if scan != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && own == 0 {
					ctxDone = nil // the dial's time: it starts with the slot
					continue
				}
				p.drop(a, s)
				if own >= p.perAddress {
					return nil, true, errOwnSlots{p.perAddress, a}
				}
				return nil, true, ctx.Err()
			}
		}
	}
	p.mu.Lock()
	s.open++
	p.peak = max(p.peak, s.open)
	p.dials++
	p.mu.Unlock()
	return s, waited, nil
}

func (p *Pool) release(a netip.Addr, s *slot) {
	p.mu.Lock()
	s.open--
	p.mu.Unlock()
	<-s.ch
	p.drop(a, s)
}

func (p *Pool) drop(a netip.Addr, s *slot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s.refs--
	if s.refs == 0 && p.slots[a] == s {
		delete(p.slots, a)
	}
}

// Dialer wraps the dialer of one scan, whose context is scan (nil: each
// dial's context only). Close it when the scan ends: every connection the
// scan left open is closed then, so no slot outlives its scan.
func (p *Pool) Dialer(scan context.Context, inner probes.Dialer) *ScanDialer {
	if inner == nil {
		inner = &net.Dialer{Timeout: 5 * time.Second}
	}
	return &ScanDialer{pool: p, scan: scan, inner: inner, conns: map[*politeConn]struct{}{}}
}

// ScanDialer is a probes.Dialer for one scan of a batch.
type ScanDialer struct {
	pool  *Pool
	scan  context.Context
	inner probes.Dialer

	mu     sync.Mutex
	conns  map[*politeConn]struct{}
	closed bool
}

// DialContext waits for a slot of the address, then dials. addr must be
// an IP address and port: every probe resolves names with the scan's
// resolver first, and the scan's guard, in front of this dialer, has
// already allowed the address.
//
// Waiting for a slot is politeness, not the server's slowness: the wait is
// bounded by the scan (and ctx's cancellation), and a dial that had to
// wait gets, from the moment it has its slot, the time ctx's deadline gave
// it — so that a server the cap makes imscore queue for is not judged to
// time out where a scan of it alone would not.
func (d *ScanDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("refusing to dial %q: not an IP address and port", addr)}
	}
	a := ap.Addr().Unmap().WithZone("")
	dl, hasDeadline := ctx.Deadline()
	budget := time.Until(dl)
	s, waited, err := d.pool.acquire(ctx, d.scan, a, func() int { return d.held(a) })
	if err != nil {
		var own errOwnSlots
		if errors.As(err, &own) {
			return nil, &net.OpError{Op: "dial", Net: network, Err: err}
		}
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("waiting for a connection slot of %s (--per-address): %w", a, err)}
	}
	dctx := ctx
	if waited && hasDeadline && d.scan != nil {
		var cancel context.CancelFunc
		dctx, cancel = context.WithTimeout(d.scan, budget)
		defer cancel()
	}
	c, err := d.inner.DialContext(dctx, network, addr)
	if err != nil {
		d.pool.release(a, s)
		return nil, err
	}
	pc := &politeConn{Conn: c, d: d, addr: a, slot: s}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		pc.Close()
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("the scan has ended")}
	}
	d.conns[pc] = struct{}{}
	d.mu.Unlock()
	return pc, nil
}

// held is the number of slots of a the scan's connections hold.
func (d *ScanDialer) held(a netip.Addr) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for c := range d.conns {
		if c.addr == a {
			n++
		}
	}
	return n
}

// Close closes every connection of the scan still open and refuses new
// ones.
func (d *ScanDialer) Close() {
	d.mu.Lock()
	d.closed = true
	conns := make([]*politeConn, 0, len(d.conns))
	for c := range d.conns {
		conns = append(conns, c)
	}
	d.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// politeConn gives its slot back when closed (once).
type politeConn struct {
	net.Conn
	d    *ScanDialer
	addr netip.Addr
	slot *slot
	once sync.Once
}

func (c *politeConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.d.mu.Lock()
		delete(c.d.conns, c)
		c.d.mu.Unlock()
		c.d.pool.release(c.addr, c.slot)
	})
	return err
}
