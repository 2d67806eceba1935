package criteria

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

// netCriteria binds the reachability criteria of net.yaml.
var netCriteria = []binding{
	{"net.dual-stack", evalDualStack},
}

// reach is what one TLS set's handshakes showed per address family.
type reach struct {
	// answered: families with an endpoint that accepted the TCP connection.
	answered map[string]bool
	// dead are endpoints that refused, timed out or were unreachable while
	// the other family answered: the server's fault (net.dual-stack).
	dead []tls.EndpointResult
	// families seen among the endpoints.
	families map[string]bool
}

// connected reports whether the endpoint's TCP connection was accepted (the
// peer spoke, even if TLS or the protocol then failed).
func connected(st probes.Status) bool {
	switch st {
	case probes.StatusOK, probes.StatusTLSError, probes.StatusNoTLS, probes.StatusProtocolError:
		return true
	}
	return false
}

// silent reports whether a routable address gave no service: refused,
// no answer, or unreachable on the way.
func silent(st probes.Status) bool {
	switch st {
	case probes.StatusRefused, probes.StatusTimeout, probes.StatusUnreachable:
		return true
	}
	return false
}

func familyOfAddr(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return ""
	}
	return probes.FamilyOf(ap.Addr())
}

// reachOf judges one set from its handshake data (nil when missing).
func reachOf(in Input, set tlsSet) *reach {
	// A set that offers no TLS at all still shows which addresses answered.
	d, o := set.Keys.Handshake.Of(in.Results)
	if d == nil || (o.Status != probes.StatusOK && o.Status != probes.StatusNoTLS) {
		return nil
	}
	r := &reach{answered: map[string]bool{}, families: map[string]bool{}}
	for _, h := range d.Endpoints {
		f := familyOfAddr(h.Endpoint.Addr)
		r.families[f] = true
		if connected(h.Status) {
			r.answered[f] = true
		}
	}
	for _, h := range d.Endpoints {
		f := familyOfAddr(h.Endpoint.Addr)
		if !silent(h.Status) || f == "" {
			continue
		}
		for g := range r.answered {
			if g != f {
				r.dead = append(r.dead, h.EndpointResult)
				break
			}
		}
	}
	return r
}

// deadElsewhere reports whether addr is an endpoint of set that
// net.dual-stack judges (silent while the other family answers), so the
// TLS criteria leave it out instead of calling it unmeasured.
func deadElsewhere(in Input, set tlsSet, addr string) bool {
	r := reachOf(in, set)
	if r == nil {
		return false
	}
	for _, e := range r.dead {
		if e.Endpoint.Addr == addr {
			return true
		}
	}
	return false
}

// deadInService is deadElsewhere for the TLS set whose endpoints probe is
// epsID (the XMPP streams probes share their endpoints with a TLS set).
func deadInService(in Input, epsID probes.ID, addr string) bool {
	for _, set := range tlsSets(in) {
		if set.Keys.Endpoints.ID == epsID {
			return deadElsewhere(in, set, addr)
		}
	}
	return false
}

func evalDualStack(in Input) Verdict {
	vd, vo := probes.Vantage.Of(in.Results)
	var vev []probes.Evidence
	if vo != nil {
		vev = vo.Evidence
	}
	answered := map[string]bool{}
	families := map[string]bool{}
	var dead []string
	var ev []probes.Evidence
	measured := false
	for _, set := range tlsSets(in) {
		r := reachOf(in, set)
		if r == nil {
			continue
		}
		measured = true
		for f := range r.answered {
			answered[f] = true
		}
		for f := range r.families {
			families[f] = true
		}
		for _, e := range r.dead {
			why := strings.TrimPrefix(e.Reason, e.Endpoint.Addr+": ")
			dead = append(dead, fmt.Sprintf("%s (%s: %s)", set.name(e.Endpoint.Addr), familyOfAddr(e.Endpoint.Addr), why))
			ev = append(ev, probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "tcp", Sent: "connect to " + e.Endpoint.Addr + " (" + e.Endpoint.Name + ")", Detail: string(e.Status) + ": " + e.Reason})
		}
	}
	var noRoute, excluded []string
	if vd != nil {
		for _, u := range vd.Unreached {
			families[u.Family] = true
			if u.Cause == probes.CauseNoRoute {
				noRoute = append(noRoute, u.Endpoint.Addr)
			} else {
				excluded = append(excluded, u.Endpoint.Addr)
			}
		}
	}
	noRoute, excluded, dead = uniq(noRoute), uniq(excluded), uniq(dead)
	sort.Strings(dead)
	both := answered["IPv4"] && answered["IPv6"]
	switch {
	case len(dead) > 0:
		other := "IPv4"
		if !answered["IPv4"] {
			other = "IPv6"
		}
		if both {
			other = "the other family"
		}
		return Verdict{Status: report.Fail, Summary: fmt.Sprintf("published in DNS but nothing answers: %s, while %s answers (clients without Happy Eyeballs fail there)", list(dead, 4), other), Evidence: ev}
	case len(noRoute) > 0:
		return Verdict{Status: report.Skip, Summary: fmt.Sprintf("%s not reachable from this vantage point (this machine has no route): %s not tested and not graded", familiesOf(noRoute), list(noRoute, 4)), Evidence: vev}
	case len(excluded) > 0:
		return Verdict{Status: report.Skip, Summary: fmt.Sprintf("scan restricted to %s: %s not tested and not graded", vd.Family, list(excluded, 4)), Evidence: vev}
	case !measured:
		return Verdict{Status: report.Error, Summary: "no TLS handshake data: reachability per address family not measured"}
	case both:
		return Verdict{Status: report.Pass, Summary: "IPv4 and IPv6 both answer"}
	case len(answered) == 0:
		return Verdict{Status: report.Error, Summary: "no endpoint answered: reachability per address family not measured"}
	case len(families) == 1:
		for f := range answered {
			return Verdict{Status: report.Info, Summary: "only " + f + " addresses are published; clients on the other family cannot connect"}
		}
	}
	return Verdict{Status: report.Error, Summary: "reachability per address family could not be judged"}
}

// familiesOf names the families of addrs ("IPv6", "IPv4 and IPv6").
func familiesOf(addrs []string) string {
	seen := map[string]bool{}
	for _, a := range addrs {
		seen[familyOfAddr(a)] = true
	}
	var fs []string
	for _, f := range []string{"IPv4", "IPv6"} {
		if seen[f] {
			fs = append(fs, f)
		}
	}
	return strings.Join(fs, " and ")
}
