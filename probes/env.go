package probes

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Dialer opens connections. *net.Dialer satisfies it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Handshaker runs a TLS client handshake over an established connection.
type Handshaker interface {
	Handshake(ctx context.Context, conn net.Conn, cfg *stdtls.Config) (*stdtls.Conn, error)
}

// Clock tells the time. Criteria never read it; probes and the report do.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock always returns T (for tests and golden files).
type FixedClock struct{ T time.Time }

func (c FixedClock) Now() time.Time { return c.T }

// StdHandshaker uses crypto/tls.
type StdHandshaker struct{}

func (StdHandshaker) Handshake(ctx context.Context, conn net.Conn, cfg *stdtls.Config) (*stdtls.Conn, error) {
	c := stdtls.Client(conn, cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Env holds every side effect a probe may have. Build one per scan; the
// zero value is filled with real implementations by the runner.
type Env struct {
	// Dialer opens every connection of the scan. Whatever is set here is
	// put behind the scan's guard (see guard.go), which gets the last word
	// on every address dialled.
	Dialer     Dialer
	Resolver   Resolver
	Handshaker Handshaker
	// HTTP is the client of every HTTP request. The default dials through
	// DialHost and follows no redirect; a client set here must do the same,
	// or the guard does not see its connections.
	HTTP   *http.Client
	Clock  Clock
	Logger *slog.Logger
	// Roots are the trust anchors for certificate verification: the system
	// pool plus --ca-file. Nil means the system pool only.
	Roots *x509.CertPool
	// Connect maps "name:port" to "host:port": where to dial instead
	// (--connect, like curl's --connect-to).
	Connect map[string]string
	// MaxRead bounds the bytes read from any one peer connection
	// (default 1 MiB).
	MaxRead int64
	// IOTimeout bounds a single network exchange (default 5s).
	IOTimeout time.Duration
	// Family restricts the scan to IPv4 (-4) or IPv6 (-6); the addresses
	// of the other family are left out and reported (net.vantage).
	Family Family
	// Routes says which addresses this machine can send to at all. An
	// address without a local route is left out of the scan and reported
	// as not reachable from this vantage point. Nil means the system's
	// routing table when Dialer is nil too, else AllRoutes: a caller's own
	// Dialer decides what it reaches.
	Routes Router

	// Scope is what the scan may connect to (see guard.go): the zero
	// value lets it contact public addresses and --connect destinations
	// only.
	Scope Scope

	vantage *vantage
	guard   *guard
}

func (e *Env) fill() {
	if e.Routes == nil {
		if e.Dialer == nil {
			e.Routes = SystemRouter{}
		} else {
			e.Routes = AllRoutes{}
		}
	}
	if e.vantage == nil {
		e.vantage = &vantage{}
	}
	if e.Dialer == nil {
		e.Dialer = &net.Dialer{Timeout: 5 * time.Second}
	}
	if e.guard == nil {
		e.guard = newGuard(e)
	}
	// Every connection goes through the guard, whoever made the Dialer.
	if gd, ok := e.Dialer.(guardedDialer); !ok || gd.g != e.guard {
		e.Dialer = guardedDialer{g: e.guard, d: e.Dialer}
	}
	if e.Resolver == nil {
		e.Resolver = NewSystemResolver()
	}
	if e.Handshaker == nil {
		e.Handshaker = StdHandshaker{}
	}
	if e.Clock == nil {
		e.Clock = SystemClock{}
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if e.MaxRead <= 0 {
		e.MaxRead = 1 << 20
	}
	if e.IOTimeout <= 0 {
		e.IOTimeout = 5 * time.Second
	}
	if e.HTTP == nil {
		e.HTTP = &http.Client{
			Timeout: 10 * time.Second,
			Transport: &http.Transport{
				DialContext:            e.DialHost,
				TLSClientConfig:        &stdtls.Config{RootCAs: e.Roots},
				TLSHandshakeTimeout:    5 * time.Second,
				ResponseHeaderTimeout:  5 * time.Second,
				MaxResponseHeaderBytes: 64 << 10,
			},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
}

// Filled returns e with every unset field given its real default. Use it
// when calling probe code outside the runner.
func (e *Env) Filled() *Env { e.fill(); return e }

// MaxEndpoints bounds how many addresses of one name are scanned, so a
// hostile zone cannot make a scan dial thousands of hosts.
const MaxEndpoints = 16

// Endpoint is one network address that serves a name.
type Endpoint struct {
	// Name is the host name the endpoint serves (for SNI and certificate
	// checks); Addr is the "ip:port" we dial.
	Name string `json:"name"`
	Addr string `json:"addr"`
	// Via says how Addr was found: "literal", "dns", "connect-override".
	Via string `json:"via"`
}

// ResolveEndpoints returns every address that serves host:port: the
// --connect override if one matches, the literal IP, or every A and AAAA
// record. Evidence records the DNS answers. An error means no endpoint.
//
// Addresses this machine has no route to, and those of a family -4/-6
// leaves out, are not returned: the scan cannot test them, so they must not
// count against the server. They are noted in the evidence and recorded for
// the net.vantage probe; when no address is left the status is
// StatusNoRoute.
//
// It is where names become addresses, so the guard decides here: an
// internal address the scan may not contact is dropped with an evidence
// note ("xmpp.example.net → 10.0.0.1: internal address, not contacted");
// when nothing is left the error is a *RefusedError (StatusUnreachable).
func (e *Env) ResolveEndpoints(ctx context.Context, host string, port int) ([]Endpoint, []Evidence, Status, error) {
	eps, ev, st, err := e.resolveEndpoints(ctx, host, port)
	if err != nil || len(eps) == 0 {
		return eps, ev, st, err
	}
	keep, out := e.reachable(eps)
	for _, u := range out {
		ev = append(ev, Evidence{Endpoint: u.Endpoint.Addr, Kind: "note", Detail: u.Family + " address not tested: " + u.Reason})
	}
	if len(keep) == 0 {
		return nil, ev, StatusNoRoute, unreachedError(host, out)
	}
	return keep, ev, StatusOK, nil
}

func (e *Env) resolveEndpoints(ctx context.Context, host string, port int) ([]Endpoint, []Evidence, Status, error) {
	e.fill()
	key := net.JoinHostPort(strings.ToLower(strings.TrimSuffix(host, ".")), strconv.Itoa(port))
	if to, ok := e.Connect[key]; ok {
		ev := []Evidence{{Kind: "note", Detail: fmt.Sprintf("--connect %s=%s", key, to)}}
		h, p, err := net.SplitHostPort(to)
		if err != nil {
			return nil, ev, StatusError, fmt.Errorf("bad --connect target %q: %v", to, err)
		}
		// The user chose this destination: the guard allows it.
		if a, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
			e.guard.vouch(a)
			return []Endpoint{{Name: host, Addr: to, Via: "connect-override"}}, ev, StatusOK, nil
		}
		pn, _ := strconv.Atoi(p)
		eps, ev2, st, err := e.lookupAddrs(ctx, h, pn, true)
		for i := range eps {
			eps[i].Name = host
			eps[i].Via = "connect-override"
		}
		return eps, append(ev, ev2...), st, err
	}
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if _, refused := e.guard.filter(ctx, host, []netip.Addr{a}); refused != nil {
			return nil, []Evidence{refusalNote(refused)}, StatusUnreachable, refused
		}
		return []Endpoint{{Name: host, Addr: net.JoinHostPort(a.String(), strconv.Itoa(port)), Via: "literal"}}, nil, StatusOK, nil
	}
	return e.lookupAddrs(ctx, host, port, false)
}

// lookupAddrs resolves host; chosen says the user named it (--connect),
// so the guard does not filter its addresses.
func (e *Env) lookupAddrs(ctx context.Context, host string, port int, chosen bool) ([]Endpoint, []Evidence, Status, error) {
	addrs, ev, err := LookupAddrs(ctx, e.Resolver, host)
	if err != nil {
		return nil, ev, StatusDNSError, err
	}
	if chosen {
		e.guard.vouch(addrs...)
	} else {
		var refused *RefusedError
		addrs, refused = e.guard.filter(ctx, host, addrs)
		if refused != nil {
			ev = append(ev, refusalNote(refused))
			if len(addrs) == 0 {
				return nil, ev, StatusUnreachable, refused
			}
		}
	}
	var eps []Endpoint
	seen := map[netip.Addr]bool{}
	for _, a := range addrs {
		if seen[a] {
			continue
		}
		seen[a] = true
		if len(eps) == MaxEndpoints {
			ev = append(ev, Evidence{Kind: "note", Detail: fmt.Sprintf("%s has more than %d addresses: only the first %d are scanned", host, MaxEndpoints, MaxEndpoints)})
			break
		}
		eps = append(eps, Endpoint{Name: host, Addr: net.JoinHostPort(a.String(), strconv.Itoa(port)), Via: "dns"})
	}
	return eps, ev, StatusOK, nil
}

// DialHost dials "host:port" the way every probe does: the --connect
// override, an IP literal, or the addresses our Resolver gives (never the
// system resolver behind the Env's back), trying each in turn. It is the
// default HTTP client's dialer.
func (e *Env) DialHost(ctx context.Context, network, hostport string) (net.Conn, error) {
	e.fill()
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	pn, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("bad port in %q", hostport)
	}
	eps, _, _, err := e.ResolveEndpoints(ctx, host, pn)
	if err != nil {
		return nil, err
	}
	var last error
	for _, ep := range eps {
		c, _, err := e.Dial(ctx, ep.Addr)
		if err == nil {
			return c, nil
		}
		last = err
	}
	if last == nil {
		last = fmt.Errorf("%s: no address", host)
	}
	return nil, last
}

// Dial opens a TCP connection to addr, bounded by ctx and IOTimeout.
func (e *Env) Dial(ctx context.Context, addr string) (net.Conn, Status, error) {
	e.fill()
	dctx, cancel := context.WithTimeout(ctx, e.IOTimeout)
	defer cancel()
	c, err := e.Dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		st := ClassifyNetError(err)
		if NoRouteError(err) {
			// From the local stack (no packet left) or from an ICMP
			// error on the way? The route table tells.
			if ap, perr := netip.ParseAddrPort(addr); perr == nil && e.Routes.Route(ap.Addr().Unmap()) != nil {
				st = StatusNoRoute
			}
		}
		return nil, st, err
	}
	return c, StatusOK, nil
}
