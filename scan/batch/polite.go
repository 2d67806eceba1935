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
// life of its connection. It also keeps the batch out of internal networks
// (see refused).
type Pool struct {
	perAddress   int
	allowPrivate bool

	mu       sync.Mutex
	slots    map[netip.Addr]*slot
	allowed  map[netip.Addr]bool
	peak     int // most connections open to one address at once
	dials    int
	nRefused int
}

type slot struct {
	ch   chan struct{} // one token per open connection
	refs int           // holders and waiters; the slot is dropped at 0
	open int
}

// NewPool allows perAddress connections to one address at a time;
// allowPrivate (--allow-private) lets scans connect to internal addresses.
func NewPool(perAddress int, allowPrivate bool) *Pool {
	return &Pool{perAddress: max(perAddress, 1), allowPrivate: allowPrivate,
		slots: map[netip.Addr]*slot{}, allowed: map[netip.Addr]bool{}}
}

// Allow lets scans connect to addrs even when they are internal: the
// destinations the user gave with --connect.
func (p *Pool) Allow(addrs ...netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range addrs {
		p.allowed[a.Unmap().WithZone("")] = true
	}
}

// AllowConnect allows every destination of a --connect map (host:port
// values): IP literals as they are, names as resolver resolves them.
func (p *Pool) AllowConnect(ctx context.Context, resolver probes.Resolver, connect map[string]string) error {
	for _, to := range connect {
		h, _, err := net.SplitHostPort(to)
		if err != nil {
			return fmt.Errorf("--connect destination %q: %v", to, err)
		}
		if a, err := netip.ParseAddr(h); err == nil {
			p.Allow(a)
			continue
		}
		addrs, _, err := probes.LookupAddrs(ctx, resolver, h)
		if err != nil {
			return fmt.Errorf("--connect destination %s: %v", h, err)
		}
		p.Allow(addrs...)
	}
	return nil
}

// Peak is the most connections that were open to one address at once.
func (p *Pool) Peak() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.peak
}

// Stats are the connections made and refused.
func (p *Pool) Stats() (dials, refused int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dials, p.nRefused
}

// RefusedError is a connection the batch did not make: to an internal
// address (loopback, private, link-local, CGNAT…) that a list entry or a
// scanned server pointed to, without --allow-private.
type RefusedError struct{ Addr netip.Addr }

func (e *RefusedError) Error() string {
	return e.Addr.String() + ": internal address, not contacted (a batch scans public addresses only; --allow-private allows it)"
}

// refuses decides whether a may not be contacted (and counts it). A batch's list is
// untrusted, so unlike a single scan not even the target's own addresses
// may be internal; only --connect destinations and --allow-private open
// the way.
func (p *Pool) refuses(a netip.Addr) bool {
	if p.allowPrivate || !probes.InternalAddr(a) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.allowed[a] {
		return false
	}
	p.nRefused++
	return true
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
// with the scan's resolver first.
func (d *ScanDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("refusing to dial %q: not an IP address and port", addr)}
	}
	a := ap.Addr().Unmap().WithZone("")
	if d.pool.refuses(a) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &RefusedError{Addr: a}}
	}
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
