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

func (p *Pool) acquire(ctx context.Context, a netip.Addr) (*slot, error) {
	p.mu.Lock()
	s := p.slots[a]
	if s == nil {
		s = &slot{ch: make(chan struct{}, p.perAddress)}
		p.slots[a] = s
	}
	s.refs++
	p.mu.Unlock()
	select {
	case s.ch <- struct{}{}:
		p.mu.Lock()
		s.open++
		p.peak = max(p.peak, s.open)
		p.dials++
		p.mu.Unlock()
		return s, nil
	case <-ctx.Done():
		p.drop(a, s)
		return nil, ctx.Err()
	}
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

// Dialer wraps one scan's dialer. Close it when the scan ends: every
// connection the scan left open is closed then, so no slot outlives its
// scan.
func (p *Pool) Dialer(inner probes.Dialer) *ScanDialer {
	if inner == nil {
		inner = &net.Dialer{Timeout: 5 * time.Second}
	}
	return &ScanDialer{pool: p, inner: inner, conns: map[*politeConn]struct{}{}}
}

// ScanDialer is a probes.Dialer for one scan of a batch.
type ScanDialer struct {
	pool  *Pool
	inner probes.Dialer

	mu     sync.Mutex
	conns  map[*politeConn]struct{}
	closed bool
}

// DialContext waits for a slot of the address (bounded by ctx), then
// dials. addr must be an IP address and port: every probe resolves names
// with the scan's resolver first, and the scan's guard, in front of this
// dialer, has already allowed the address.
func (d *ScanDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("refusing to dial %q: not an IP address and port", addr)}
	}
	a := ap.Addr().Unmap().WithZone("")
	s, err := d.pool.acquire(ctx, a)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("waiting for a connection slot of %s (--per-address): %w", a, err)}
	}
	c, err := d.inner.DialContext(ctx, network, addr)
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
