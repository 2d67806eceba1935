package probes

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// The guard keeps a scan out of the networks imscore runs in. A scanned
// server names the hosts imscore connects to next — SRV targets,
// .well-known delegations and redirects, host-meta links, base URLs, upload
// slots — and a hostile one would name 10.0.0.1 or 169.254.169.254 to turn
// the scanner into a port scanner of its own network (SSRF). So every
// connection of a scan goes through one decision, made on the address
// actually dialled:
//
//   - a public address: allowed;
//   - an internal address (InternalAddr): allowed only when it belongs to
//     what the user asked to scan — an IP literal target, an address the
//     target's name resolves to, a --connect destination — or, for a target
//     under a special-use domain that has no public address of its own
//     (.test, .example, .invalid, .localhost, .internal, home.arpa, which
//     no public zone can delegate), an address of a name under the target;
//   - everything else: refused before any packet is sent (RefusedError),
//     unless Scope.AllowPrivate (--allow-private) says the user scans their
//     own network.
//
// A target named by a list (Scope.Listed, `imscore batch`) is not the
// user's own: its internal addresses are refused too.
//
// Names are resolved by the Env's Resolver only (ResolveEndpoints), which
// drops refused addresses with an evidence note; the Env's Dialer is
// wrapped so that a dial to an address no decision allowed fails too (a
// name that resolved public a moment ago and internal now — DNS rebinding —
// or a dial that bypassed the resolution).

// Scope is what a scan may connect to: the guard's configuration.
type Scope struct {
	// Targets are the names or IP literals the user asked to scan: the
	// XMPP domain, the host of the Matrix server name, the host of
	// `scan tls`. Their own addresses may be internal.
	Targets []string
	// AllowPrivate (--allow-private) lets the scan connect to internal
	// addresses that the scanned servers point to (an admin scanning
	// their own LAN).
	AllowPrivate bool
	// Listed says the targets were named by a list others wrote
	// (`imscore batch`): they get no exemption. An internal address of a
	// target itself is refused like one a server points to, so a hostile
	// list cannot aim the scan at the network it runs in; only --connect
	// destinations and AllowPrivate open internal addresses then.
	Listed bool
}

// RefusedError is returned instead of a connection to an internal address
// the scan may not contact.
type RefusedError struct {
	// Name is the host name that led to the addresses ("" for a literal).
	Name  string
	Addrs []netip.Addr
}

func (e *RefusedError) Error() string {
	var as []string
	for i, a := range e.Addrs {
		if i == 4 {
			as = append(as, fmt.Sprintf("… and %d more", len(e.Addrs)-i))
			break
		}
		as = append(as, a.String())
	}
	what := "internal address"
	if len(e.Addrs) > 1 {
		what = "internal addresses"
	}
	s := strings.Join(as, ", ") + ": " + what + ", not contacted"
	if e.Name != "" && !isLiteralOf(e.Name, e.Addrs) {
		s = e.Name + " → " + s
	}
	return s
}

func isLiteralOf(name string, addrs []netip.Addr) bool {
	a, err := netip.ParseAddr(strings.Trim(name, "[]"))
	return err == nil && len(addrs) == 1 && a == addrs[0]
}

// refusalNote is the evidence of a refusal.
func refusalNote(err *RefusedError) Evidence {
	return Evidence{Kind: "note", Detail: err.Error() + " (imscore does not follow a scanned server into internal networks; --allow-private allows it)"}
}

// guard decides, for one scan, which internal addresses may be contacted.
type guard struct {
	env *Env // its Scope, Resolver and Connect

	mu    sync.Mutex
	ready bool
	// own are the addresses of the targets and --connect destinations.
	own map[netip.Addr]bool
	// subtrees are special-use targets without a public address: names
	// under them are the target's own.
	subtrees []string
	// vouched are internal addresses a decision allowed (own names under
	// a subtree, --connect destinations).
	vouched map[netip.Addr]bool
}

func newGuard(e *Env) *guard {
	return &guard{env: e, own: map[netip.Addr]bool{}, vouched: map[netip.Addr]bool{}}
}

// init resolves the targets and --connect destinations once. A lookup cut
// short by ctx is not cached (the next decision tries again); until then
// the target has no address of its own, the safe side.
func (g *guard) init(ctx context.Context) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ready {
		return
	}
	own := map[netip.Addr]bool{}
	var subtrees []string
	resolve := func(host string) []netip.Addr {
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h // a target given as host:port
		}
		host = strings.Trim(strings.TrimSuffix(host, "."), "[]")
		if a, err := netip.ParseAddr(host); err == nil {
			return []netip.Addr{a}
		}
		addrs, _, _ := LookupAddrs(ctx, g.env.Resolver, host)
		return addrs
	}
	var targets []string
	if !g.env.Scope.Listed {
		targets = g.env.Scope.Targets
	}
	for _, t := range targets {
		addrs := resolve(t)
		public := len(addrs) > 0
		for _, a := range addrs {
			own[a] = true
			public = public && !InternalAddr(a)
		}
		if h, _, err := net.SplitHostPort(t); err == nil {
			t = h
		}
		if !public && specialUse(t) {
			subtrees = append(subtrees, normName(t))
		}
	}
	for _, to := range g.env.Connect {
		if h, _, err := net.SplitHostPort(to); err == nil {
			for _, a := range resolve(h) {
				own[a] = true
			}
		}
	}
	if ctx.Err() != nil {
		return
	}
	g.own, g.subtrees, g.ready = own, subtrees, true
}

// ownAddr reports whether a is an address of what the user asked to scan.
func (g *guard) ownAddr(ctx context.Context, a netip.Addr) bool {
	g.init(ctx)
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.own[a] || g.own[a.Unmap()] || g.vouched[a] || g.vouched[a.Unmap()]
}

// ownName reports whether name lies under a special-use target without a
// public address.
func (g *guard) ownName(ctx context.Context, name string) bool {
	g.init(ctx)
	n := normName(name)
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, s := range g.subtrees {
		if n == s || strings.HasSuffix(n, "."+s) {
			return true
		}
	}
	return false
}

func (g *guard) vouch(addrs ...netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range addrs {
		if InternalAddr(a) {
			g.vouched[a] = true
		}
	}
}

// filter splits the addresses of name into those the scan may contact
// and those it may not (nil error when none was refused).
func (g *guard) filter(ctx context.Context, name string, addrs []netip.Addr) ([]netip.Addr, *RefusedError) {
	var keep, refused []netip.Addr
	for _, a := range addrs {
		switch {
		case !InternalAddr(a), g.env.Scope.AllowPrivate, g.ownAddr(ctx, a):
			keep = append(keep, a)
		case name != "" && g.ownName(ctx, name):
			g.vouch(a)
			keep = append(keep, a)
		default:
			refused = append(refused, a)
		}
	}
	if len(refused) == 0 {
		return keep, nil
	}
	return keep, &RefusedError{Name: name, Addrs: refused}
}

// checkDial is the last word before a connection: addr must be an IP
// address and port, and an internal address must have been allowed.
func (g *guard) checkDial(ctx context.Context, addr string) error {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return fmt.Errorf("refusing to dial %q: not an IP address and port (every name is resolved by the scan's resolver first)", addr)
	}
	a := ap.Addr().WithZone("")
	if !InternalAddr(a) || g.env.Scope.AllowPrivate || g.ownAddr(ctx, a) {
		return nil
	}
	return &RefusedError{Addrs: []netip.Addr{a}}
}

// guardedDialer is the Env's Dialer behind the guard.
type guardedDialer struct {
	g *guard
	d Dialer
}

func (gd guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := gd.g.checkDial(ctx, addr); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return gd.d.DialContext(ctx, network, addr)
}

// specialUseDomains cannot be delegated from the public DNS root: RFC 6761
// (test, example, invalid, localhost), RFC 8375 (home.arpa), and .internal
// (reserved by ICANN for private use, 2024).
var specialUseDomains = []string{"test", "example", "invalid", "localhost", "home.arpa", "internal"}

func specialUse(name string) bool {
	n := normName(name)
	for _, d := range specialUseDomains {
		if n == d || strings.HasSuffix(n, "."+d) {
			return true
		}
	}
	return false
}

func normName(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")) }

// Internal ranges beyond what netip classifies.
var (
	internalPrefixes = []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),        // "this network" (RFC 1122)
		netip.MustParsePrefix("100.64.0.0/10"),    // CGNAT (RFC 6598); Alibaba's metadata service
		netip.MustParsePrefix("192.0.0.0/24"),     // IETF protocol assignments (RFC 6890)
		netip.MustParsePrefix("198.18.0.0/15"),    // benchmarking (RFC 2544)
		netip.MustParsePrefix("240.0.0.0/4"),      // reserved, and 255.255.255.255
		netip.MustParsePrefix("168.63.129.16/32"), // Azure's platform endpoint (WireServer), reachable from every VM
		netip.MustParsePrefix("64:ff9b:1::/48"),   // local-use NAT64 (RFC 8215)
		netip.MustParsePrefix("100::/64"),         // discard-only (RFC 6666)
		netip.MustParsePrefix("fec0::/10"),        // deprecated site-local
	}
	nat64     = netip.MustParsePrefix("64:ff9b::/96")    // well-known NAT64 prefix (RFC 6052)
	compat    = netip.MustParsePrefix("::/96")           // IPv4-compatible (deprecated, RFC 4291)
	xlat      = netip.MustParsePrefix("::ffff:0:0:0/96") // IPv4-translated (RFC 2765)
	sixToFour = netip.MustParsePrefix("2002::/16")       // 6to4 (RFC 3056)
	teredo    = netip.MustParsePrefix("2001::/32")       // Teredo (RFC 4380)
)

// InternalAddr reports whether a is not a public unicast address: loopback,
// private (RFC 1918, RFC 4193 ULA), link-local (169.254/16 with the cloud
// metadata service, fe80::/10), unspecified, multicast, CGNAT, the other
// special-purpose IPv4 blocks that are not routed publicly, and IPv6 forms
// that carry such an IPv4 address: IPv4-mapped (::ffff:10.0.0.1),
// -compatible, -translated, NAT64 (64:ff9b::/96), 6to4 (2002::/16) and
// Teredo (the client address). The scan's guard refuses them unless they
// are the scanned target's own.
func InternalAddr(a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	if internal4or6(a) {
		return true
	}
	if a.Is6() {
		b := a.As16()
		var v4 [4]byte
		switch {
		case nat64.Contains(a), xlat.Contains(a):
			copy(v4[:], b[12:])
		case compat.Contains(a):
			copy(v4[:], b[12:])
		case sixToFour.Contains(a):
			copy(v4[:], b[2:6])
		case teredo.Contains(a):
			for i := range v4 {
				v4[i] = b[12+i] ^ 0xff
			}
		default:
			return false
		}
		return internal4or6(netip.AddrFrom4(v4))
	}
	return false
}

func internal4or6(a netip.Addr) bool {
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsUnspecified() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() {
		return true
	}
	for _, p := range internalPrefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
