package probes

import (
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// noIPv6 is the router of an IPv4-only vantage point.
type noIPv6 struct{}

func (noIPv6) Route(a netip.Addr) error {
	if a.Unmap().Is4() {
		return nil
	}
	return syscall.ENETUNREACH
}

func addrsOf(eps []Endpoint) string {
	var s []string
	for _, e := range eps {
		s = append(s, e.Addr)
	}
	return strings.Join(s, " ")
}

// TestVantageLeavesOutWhatThisMachineCannotReach: addresses without a local
// route, and the family -4/-6 excludes, are not returned for scanning but
// recorded for net.vantage; a name with nothing left is StatusNoRoute.
func TestVantageLeavesOutWhatThisMachineCannotReach(t *testing.T) {
	addr := startDNS(t, true,
		"dual.test. 60 IN A 127.0.0.1",
		"dual.test. 60 IN AAAA 2001:db8::1",
		"v6only.test. 60 IN AAAA 2001:db8::2",
	)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	env := (&Env{Resolver: NewDNSResolver(addr), Routes: noIPv6{}, Scope: Scope{Targets: []string{"dual.test"}}}).Filled()
	eps, ev, st, err := env.ResolveEndpoints(ctx, "dual.test", 443)
	if err != nil || st != StatusOK || addrsOf(eps) != "127.0.0.1:443" {
		t.Fatalf("dual: %v %s %v", addrsOf(eps), st, err)
	}
	if last := ev[len(ev)-1]; last.Endpoint != "[2001:db8::1]:443" || !strings.Contains(last.Detail, "not reachable from this vantage point") {
		t.Fatalf("evidence %+v", ev)
	}
	_, _, st, err = env.ResolveEndpoints(ctx, "v6only.test", 5222)
	if st != StatusNoRoute || err == nil || !strings.Contains(err.Error(), "[2001:db8::2]:5222") {
		t.Fatalf("v6only: %s %v", st, err)
	}
	if _, _, st, _ := env.ResolveEndpoints(ctx, "2001:db8::3", 443); st != StatusNoRoute {
		t.Fatalf("literal: %s", st)
	}
	got := env.Unreached()
	if len(got) != 3 || got[0].Endpoint.Addr != "[2001:db8::1]:443" || got[0].Cause != CauseNoRoute || got[0].Family != "IPv6" {
		t.Fatalf("unreached %+v", got)
	}

	// -4 and -6.
	env4 := (&Env{Resolver: NewDNSResolver(addr), Routes: AllRoutes{}, Family: IPv4Only, Scope: Scope{Targets: []string{"dual.test"}}}).Filled()
	if eps, _, _, _ := env4.ResolveEndpoints(ctx, "dual.test", 443); addrsOf(eps) != "127.0.0.1:443" {
		t.Fatalf("-4: %v", addrsOf(eps))
	}
	if u := env4.Unreached(); len(u) != 1 || u[0].Cause != CauseFamilyExcluded || !strings.Contains(u[0].Reason, "-4") {
		t.Fatalf("-4 unreached %+v", u)
	}
	env6 := (&Env{Resolver: NewDNSResolver(addr), Routes: AllRoutes{}, Family: IPv6Only, Scope: Scope{Targets: []string{"dual.test"}}}).Filled()
	if eps, _, _, _ := env6.ResolveEndpoints(ctx, "dual.test", 443); addrsOf(eps) != "[2001:db8::1]:443" {
		t.Fatalf("-6: %v", addrsOf(eps))
	}
	if _, _, st, err := env6.ResolveEndpoints(ctx, "127.0.0.1", 443); st != StatusNoRoute || !strings.Contains(err.Error(), "-6") {
		t.Fatalf("-6 literal v4: %s %v", st, err)
	}

	// The vantage probe runs last and reports what was left out.
	probe := VantageProbe()
	o := probe.Run(ctx, env, nil)
	d, _ := o.Data.(*VantageData)
	if o.Status != StatusOK || d == nil || len(d.Unreached) != 3 || d.Family != "any" || len(o.Evidence) != 3 {
		t.Fatalf("vantage %+v", o)
	}
}

// TestDialNoRoute: a connect that fails in the local stack is StatusNoRoute
// only when the route table agrees; the same errno from the network (an
// ICMP error) stays unreachable.
func TestDialNoRoute(t *testing.T) {
	env := (&Env{Dialer: failDialer{}, Routes: noIPv6{}}).Filled()
	if _, st, _ := env.Dial(context.Background(), "[2001:db8::1]:443"); st != StatusNoRoute {
		t.Fatalf("local: %s", st)
	}
	if _, st, _ := env.Dial(context.Background(), "127.0.0.1:443"); st != StatusUnreachable {
		t.Fatalf("remote: %s", st)
	}
}

// failDialer fails every dial as the kernel does without a route.
type failDialer struct{}

func (failDialer) DialContext(_ context.Context, network, addr string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
}

// TestFinalProbeRunsLast: a Final probe starts after every other probe and
// sees all their observations.
func TestFinalProbeRunsLast(t *testing.T) {
	var order []ID
	rec := func(id ID) func(context.Context, *Env, Results) Observation {
		return func(context.Context, *Env, Results) Observation {
			order = append(order, id)
			return Observation{Status: StatusOK}
		}
	}
	var seen int
	last := Func{Name: "z-last", Last: true, Fn: func(_ context.Context, _ *Env, in Results) Observation {
		seen = len(in)
		order = append(order, "z-last")
		return Observation{Status: StatusOK}
	}}
	reg, err := NewRegistry(last, Func{Name: "b", Needs: []ID{"a"}, Fn: rec("b")}, Func{Name: "a", Fn: rec("a")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), &Env{}, reg, RunOptions{Concurrency: 1}); err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[2] != "z-last" || seen != 2 {
		t.Fatalf("order %v, final saw %d", order, seen)
	}
}
