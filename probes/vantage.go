package probes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"sync"
	"syscall"
)

// Family restricts a scan to one IP address family (-4, -6).
type Family int

// Address families a scan may be restricted to.
const (
	AnyFamily Family = iota // both IPv4 and IPv6 (the default)
	IPv4Only                // -4
	IPv6Only                // -6
)

// String is "any", "ipv4" or "ipv6".
func (f Family) String() string {
	switch f {
	case IPv4Only:
		return "ipv4"
	case IPv6Only:
		return "ipv6"
	}
	return "any"
}

// Allows reports whether a is of a family the scan may test.
func (f Family) Allows(a netip.Addr) bool {
	switch f {
	case IPv4Only:
		return a.Unmap().Is4()
	case IPv6Only:
		return !a.Unmap().Is4()
	}
	return true
}

// FamilyOf names a's family: "IPv4" or "IPv6".
func FamilyOf(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "IPv4"
	}
	return "IPv6"
}

// Router tells whether this machine can send to an address at all.
type Router interface {
	// Route returns nil when the local stack has a route (and a source
	// address) for a, else the local error (ENETUNREACH, EHOSTUNREACH,
	// EADDRNOTAVAIL). It must not send anything.
	Route(a netip.Addr) error
}

// SystemRouter asks the kernel: it connects a UDP socket to the address,
// which makes the stack choose a route and a source address but sends no
// packet, and closes it.
type SystemRouter struct{}

// Route implements Router.
func (SystemRouter) Route(a netip.Addr) error {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, 9)))
	if err != nil {
		if NoRouteError(err) {
			return err
		}
		return nil // another local error says nothing about routes
	}
	return c.Close()
}

// AllRoutes says every address is routable: the router of an Env whose
// Dialer is not the system's (a test's fake dialer decides itself).
type AllRoutes struct{}

// Route implements Router.
func (AllRoutes) Route(netip.Addr) error { return nil }

// NoRouteError reports whether err is one of the errors a connect gets from
// the local stack when the machine has no way to reach the address.
func NoRouteError(err error) bool {
	return errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.EADDRNOTAVAIL)
}

// Unreached is an endpoint a scan did not test because of where it runs:
// this machine has no route to it, or -4/-6 left its family out.
type Unreached struct {
	Endpoint Endpoint `json:"endpoint"`
	// Family is IPv4 or IPv6.
	Family string `json:"family"`
	// Cause is "no-route" (not reachable from this vantage point) or
	// "family-excluded" (-4 or -6).
	Cause string `json:"cause"`
	// Reason is the local error or the flag.
	Reason string `json:"reason"`
}

// Causes of Unreached.
const (
	CauseNoRoute        = "no-route"
	CauseFamilyExcluded = "family-excluded"
)

// vantage records the endpoints left out during a scan.
type vantage struct {
	mu   sync.Mutex
	seen map[string]Unreached
}

func (v *vantage) add(u Unreached) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.seen == nil {
		v.seen = map[string]Unreached{}
	}
	if _, ok := v.seen[u.Endpoint.Addr]; !ok {
		v.seen[u.Endpoint.Addr] = u
	}
}

func (v *vantage) list() []Unreached {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := make([]Unreached, 0, len(v.seen))
	for _, u := range v.seen {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Endpoint.Addr < out[j].Endpoint.Addr })
	return out
}

// Unreached lists the endpoints this scan left out so far (sorted by
// address): a name's addresses that this machine has no route to, or
// whose family -4/-6 excluded.
func (e *Env) Unreached() []Unreached {
	e.fill()
	return e.vantage.list()
}

// reachable splits eps into those the scan may test and those it leaves
// out (recorded for net.vantage).
func (e *Env) reachable(eps []Endpoint) ([]Endpoint, []Unreached) {
	var keep []Endpoint
	var out []Unreached
	for _, ep := range eps {
		ap, err := netip.ParseAddrPort(ep.Addr)
		if err != nil {
			keep = append(keep, ep)
			continue
		}
		a := ap.Addr().Unmap()
		u := Unreached{Endpoint: ep, Family: FamilyOf(a)}
		switch {
		case !e.Family.Allows(a):
			u.Cause, u.Reason = CauseFamilyExcluded, "scan restricted to "+familyFlag(e.Family)
		default:
			if rerr := e.Routes.Route(a); rerr != nil {
				u.Cause, u.Reason = CauseNoRoute, "not reachable from this vantage point ("+ShortNetError(rerr)+")"
			}
		}
		if u.Cause == "" {
			keep = append(keep, ep)
			continue
		}
		e.vantage.add(u)
		out = append(out, u)
	}
	return keep, out
}

func familyFlag(f Family) string {
	if f == IPv6Only {
		return "IPv6 (-6)"
	}
	return "IPv4 (-4)"
}

// unreachedError is the reason when no endpoint of host is left.
func unreachedError(host string, us []Unreached) error {
	var parts []string
	for _, u := range us {
		parts = append(parts, u.Endpoint.Addr+": "+u.Reason)
	}
	return fmt.Errorf("no address of %s can be tested from here: %s", host, strings.Join(parts, "; "))
}

// Vantage is the observation of net.vantage, the probe that reports the
// endpoints a scan left out.
var Vantage = Key[*VantageData]{ID: "net.vantage"}

// VantageData is the data of net.vantage.
type VantageData struct {
	// Family is what the scan was restricted to: any, ipv4, ipv6.
	Family string `json:"family"`
	// Unreached are the endpoints left out, sorted by address.
	Unreached []Unreached `json:"unreached"`
}

// VantageProbe reports, after every other probe of the scan, which
// endpoints were not tested because of where imscore runs: addresses this
// machine has no route to (an IPv4-only vantage point and a server that
// publishes AAAA records) and the family -4/-6 left out. The criterion
// net.dual-stack and the report's endpoint list read it.
func VantageProbe() Probe {
	return Func{Name: Vantage.ID, Last: true, Fn: func(_ context.Context, env *Env, _ Results) Observation {
		d := &VantageData{Family: env.Family.String(), Unreached: env.Unreached()}
		var ev []Evidence
		for _, u := range d.Unreached {
			ev = append(ev, Evidence{Endpoint: u.Endpoint.Addr, Kind: "note", Detail: u.Endpoint.Name + " " + u.Family + " address not tested: " + u.Reason})
		}
		return Observation{Status: StatusOK, Evidence: ev, Data: d}
	}}
}
