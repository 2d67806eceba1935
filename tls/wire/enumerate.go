package wire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/imscore/imscore/probes"
)

// Engine limits. Variables, not constants, so tests can shorten them.
var (
	// handshakeTimeout caps the connect of one raw handshake, and then,
	// counted from the connect, the handshake (ClientHello, reading the
	// reply), on top of the caller's ctx deadline.
	handshakeTimeout = 5 * time.Second
	// maxParallel bounds the handshakes one scan runs at once.
	maxParallel = 4
)

// maxAttempts bounds the evidence kept per scan.
const maxAttempts = 64

// prober runs raw handshakes against one endpoint.
type prober struct {
	dial       Connector
	sni        string
	handshakes atomic.Int64
	connected  atomic.Int64 // handshakes that got past connect
}

// exchange opens a fresh connection, sends hello and reads the reply.
func (p *prober) exchange(ctx context.Context, hello []byte, opts readOpts) reply {
	if err := ctxErr(ctx); err != nil {
		return reply{kind: replyDialError, err: err}
	}
	// The connect has its own time; the handshake's starts when the
	// connection is there, so that a dial that waited (a batch's
	// --per-address slot) does not leave the handshake no time at all.
	dctx, dcancel := context.WithTimeout(ctx, handshakeTimeout)
	conn, err := p.dial(dctx)
	dcancel()
	if err != nil {
		return reply{kind: replyDialError, err: err}
	}
	defer conn.Close()
	p.handshakes.Add(1)
	p.connected.Add(1)
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	defer cancel()
	if d, ok := hctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	// A cancelled ctx unblocks the read at once.
	stop := context.AfterFunc(hctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var r reply
	if _, err := conn.Write(hello); err != nil {
		r = reply{kind: replyError, err: err}
	} else {
		r = readReply(conn, opts)
	}
	if err := ctxErr(ctx); r.kind == replyError && err != nil {
		r.err = err
	}
	return r
}

// ctxErr is ctx.Err(), also when the deadline has passed but the
// context's timer has not fired yet (a connection deadline set from it can
// expire first).
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// errString classifies an I/O error for evidence: "timeout", "reset",
// "truncated reply", or the error text.
// unreachable says no connection could be made; it keeps the connector's
// error, so that a status the connector gave (e.g. an upgrade that found
// no TLS offered) reaches the probe.
type unreachable struct {
	msg string
	err error
}

func (u unreachable) Error() string { return "endpoint unreachable: " + u.msg }
func (u unreachable) Unwrap() error { return u.err }

func errString(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "error"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		return "reset"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated reply"
	}
	s := err.Error()
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// parallel runs f(0..n-1) with at most maxParallel at once.
func parallel(n int, f func(i int)) { probes.Parallel(n, maxParallel, f) }

// helloFor builds the standard enumeration ClientHello for v and suites.
func (p *prober) helloFor(v Version, suites []uint16) ([]byte, error) {
	spec := helloSpec{version: v, suites: suites, sni: p.sni}
	if v == VersionTLS13 {
		spec.groups = groupsTLS13()
		spec.shares = []uint16{0x001d}
	} else {
		spec.groups = groupsTLS12()
	}
	return buildClientHello(spec)
}

func describeOffer(v Version, suites []uint16, groups []uint16) string {
	var sb strings.Builder
	sb.WriteString(v.String())
	switch {
	case len(suites) == 0:
	case len(suites) <= 3:
		names := make([]string, len(suites))
		for i, s := range suites {
			names[i] = suiteName(s)
		}
		sb.WriteString(" suites " + strings.Join(names, ","))
	default:
		fmt.Fprintf(&sb, " %d suites from %s", len(suites), suiteName(suites[0]))
	}
	if len(groups) > 0 && len(groups) <= 3 {
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = groupName(g)
		}
		sb.WriteString(" groups " + strings.Join(names, ","))
	} else if len(groups) > 3 {
		fmt.Fprintf(&sb, " %d groups", len(groups))
	}
	return sb.String()
}

// evidence collects attempts. Concurrent jobs add under their own key;
// list returns them ordered by key (then in the order each job added them)
// so that the evidence does not depend on scheduling, bounded to
// maxAttempts.
type evidence struct {
	mu       sync.Mutex
	attempts []keyedAttempt
}

type keyedAttempt struct {
	key int
	a   Attempt
}

func (e *evidence) add(key int, offered string, r reply) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.attempts = append(e.attempts, keyedAttempt{key, Attempt{Offered: offered, Answer: r.describe()}})
}

func (e *evidence) list() []Attempt {
	e.mu.Lock()
	defer e.mu.Unlock()
	sorted := append([]keyedAttempt(nil), e.attempts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
	var out []Attempt
	for i, k := range sorted {
		if i == maxAttempts {
			out = append(out, Attempt{Offered: fmt.Sprintf("%d more attempts", len(sorted)-i), Answer: "not kept"})
			break
		}
		out = append(out, k.a)
	}
	return out
}

// judgeable reports whether a reply is a measured answer (a ServerHello,
// an alert, a clean close), as opposed to an error.
func judgeable(r reply) bool {
	switch r.kind {
	case replyServerHello, replyAlert, replyClosed, replySSL2:
		return true
	case replyError:
		// A TCP reset in answer to our ClientHello is a refusal, as
		// many load balancers and older stacks answer an unsupported
		// version; only silence (timeout) and garbage stay unjudged.
		return errString(r.err) == "reset"
	}
	return false
}

// ScanVersions offers each of AllVersions alone and records whether the
// server accepts it. It returns an error only when no connection at all
// could be made.
func ScanVersions(ctx context.Context, dial Connector, sni string) (VersionScan, error) {
	p := &prober{dial: dial, sni: sni}
	out := VersionScan{Versions: make([]VersionSupport, len(AllVersions))}
	var dialErr atomic.Value
	parallel(len(AllVersions), func(i int) {
		vs, r := p.versionProbe(ctx, AllVersions[i])
		if r.kind == replyDialError {
			dialErr.Store(unreachable{msg: errString(r.err), err: r.err})
		}
		out.Versions[i] = vs
	})
	out.Handshakes = int(p.handshakes.Load())
	if err := ctxErr(ctx); err != nil {
		return out, err
	}
	if p.connected.Load() == 0 {
		u, _ := dialErr.Load().(unreachable)
		return out, u
	}
	return out, nil
}

// versionProbe offers v alone. For TLS <= 1.2 the suites are offered in
// chunks; later chunks are tried only when the server refused the first
// with an alert other than protocol_version or internal_error (that is,
// maybe for lack of a common suite in the first chunk).
func (p *prober) versionProbe(ctx context.Context, v Version) (VersionSupport, reply) {
	vs := VersionSupport{Version: v}
	var r reply
	switch v {
	case VersionSSL2:
		r = p.exchange(ctx, buildSSL2ClientHello(), readOpts{ssl2: true})
		vs.Supported = r.kind == replySSL2 && r.ssl2.version == 0x0002 && len(r.ssl2.ciphers) > 0
	case VersionTLS13:
		hello, err := p.helloFor(v, tls13IDs)
		if err != nil {
			vs.Error = err.Error()
			return vs, reply{kind: replyError, err: err}
		}
		r = p.exchange(ctx, hello, readOpts{})
		vs.Supported = r.kind == replyServerHello && r.hello.version == VersionTLS13
	default:
		var firstRefusal *reply
		for _, chunk := range chunks(v, suitesFor(v)) {
			hello, err := p.helloFor(v, chunk)
			if err != nil {
				vs.Error = err.Error()
				return vs, reply{kind: replyError, err: err}
			}
			r = p.exchange(ctx, hello, readOpts{})
			if r.kind == replyAlert && r.hello == nil && r.alert.desc != alertProtocolVersion &&
				r.alert.desc != alertInternalError {
				if firstRefusal == nil {
					rc := r
					firstRefusal = &rc
				}
				continue
			}
			break
		}
		if r.kind == replyAlert && firstRefusal != nil {
			r = *firstRefusal
		}
		vs.Supported = r.kind == replyServerHello && r.hello.version == v
	}
	vs.Answer = r.describe()
	if !judgeable(r) {
		vs.Error = r.describe()
		vs.Answer = ""
	}
	return vs, r
}

// cipherRun is the outcome of one remove-and-retry discovery.
type cipherRun struct {
	accepted []uint16
	err      string
}

// discover offers suites, removes the one the server picks and retries
// until the server refuses: the sslscan / IM Observatory method.
func (p *prober) discover(ctx context.Context, v Version, suites []uint16, ev *evidence, key int) cipherRun {
	var run cipherRun
	remaining := append([]uint16(nil), suites...)
	for iter := 0; len(remaining) > 0 && iter <= len(suites); iter++ {
		hello, err := p.helloFor(v, remaining)
		if err != nil {
			run.err = err.Error()
			return run
		}
		r := p.exchange(ctx, hello, readOpts{})
		ev.add(key, describeOffer(v, remaining, nil), r)
		switch r.kind {
		case replyServerHello:
		case replyAlert, replyClosed:
			return run
		default:
			if judgeable(r) { // a reset: the remaining suites are refused
				return run
			}
			run.err = r.describe()
			return run
		}
		if r.hello.version != v {
			// The server does not do v (it answered another version).
			return run
		}
		i := indexOf(remaining, r.hello.suite)
		if i < 0 {
			run.err = "server chose a suite that was not offered: " + suiteName(r.hello.suite)
			return run
		}
		run.accepted = append(run.accepted, r.hello.suite)
		remaining = append(remaining[:i:i], remaining[i+1:]...)
	}
	return run
}

func indexOf(ids []uint16, id uint16) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// pick offers suites once and returns the suite chosen, or ok=false.
func (p *prober) pick(ctx context.Context, v Version, suites []uint16, ev *evidence, key int) (uint16, bool) {
	hello, err := p.helloFor(v, suites)
	if err != nil {
		return 0, false
	}
	r := p.exchange(ctx, hello, readOpts{})
	ev.add(key, describeOffer(v, suites, nil), r)
	if r.kind != replyServerHello || r.hello.version != v || indexOf(suites, r.hello.suite) < 0 {
		return 0, false
	}
	return r.hello.suite, true
}

// ScanCiphers enumerates the suites the server accepts with version v and
// whether it enforces its own order.
func ScanCiphers(ctx context.Context, dial Connector, sni string, v Version) (CipherScan, error) {
	p := &prober{dial: dial, sni: sni}
	ev := &evidence{}
	out := CipherScan{Version: v, ServerOrder: "unknown"}
	finish := func(err error) (CipherScan, error) {
		out.Handshakes = int(p.handshakes.Load())
		out.Attempts = ev.list()
		if cerr := ctxErr(ctx); err == nil && cerr != nil {
			err = cerr
		}
		if err == nil && p.connected.Load() == 0 {
			err = fmt.Errorf("endpoint unreachable: %s", out.Error)
		}
		return out, err
	}
	switch v {
	case VersionSSL2:
		r := p.exchange(ctx, buildSSL2ClientHello(), readOpts{ssl2: true})
		ev.add(0, "SSLv2 all cipher kinds", r)
		if !judgeable(r) {
			out.Error = r.describe()
		} else if r.kind == replySSL2 && r.ssl2.version == 0x0002 {
			// The SSLv2 server lists every kind it shares with us at once.
			for _, c := range r.ssl2.ciphers {
				out.Suites = append(out.Suites, ssl2Suite(c))
			}
		}
		return finish(nil)
	case VersionSSL3, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13:
	default:
		return finish(fmt.Errorf("unknown version %v", v))
	}

	parts := chunks(v, suitesFor(v))
	runs := make([]cipherRun, len(parts))
	parallel(len(parts), func(i int) { runs[i] = p.discover(ctx, v, parts[i], ev, i) })
	orderKey := len(parts)
	var accepted []uint16
	contributing := 0
	var errs []string
	for _, run := range runs {
		accepted = append(accepted, run.accepted...)
		if len(run.accepted) > 0 {
			contributing++
		}
		if run.err != "" {
			errs = append(errs, run.err)
		}
	}
	out.Error = strings.Join(errs, "; ")

	if len(accepted) >= 2 && len(accepted) <= maxSuitesPerHello {
		// Order test. Offer the accepted suites forward and reversed: a
		// server that follows the client picks the first of each, one that
		// enforces its order picks the same suite both times. With a single
		// contributing chunk the forward pick is the first discovery
		// handshake (it offered a superset in the same order).
		fwd, fok := accepted[0], true
		if contributing > 1 {
			fwd, fok = p.pick(ctx, v, accepted, ev, orderKey)
		}
		rev := orderTestList(accepted)
		rpick, rok := p.pick(ctx, v, rev, ev, orderKey)
		switch {
		case !fok || !rok:
		case fwd == rpick:
			out.ServerOrder = "server"
		case fwd == accepted[0] && rpick == rev[0]:
			out.ServerOrder = "client"
		}
		if out.ServerOrder == "server" && contributing > 1 {
			// Discovery ran per chunk, so it ordered each chunk but not
			// the chunks among themselves: rank the accepted suites by
			// offering the remaining ones until one is left.
			ordered := []uint16{fwd}
			rest := removeID(accepted, fwd)
			for len(rest) > 1 {
				s, ok := p.pick(ctx, v, rest, ev, orderKey)
				if !ok {
					break
				}
				ordered = append(ordered, s)
				rest = removeID(rest, s)
			}
			if len(ordered)+len(rest) == len(accepted) {
				accepted = append(ordered, rest...)
			}
		}
	}
	for _, id := range accepted {
		s, _ := SuiteByID(id)
		out.Suites = append(out.Suites, s)
	}
	return finish(nil)
}

// orderTestList is the accepted suites reversed, except for the first
// one: some servers that enforce their own order switch between an
// AES-GCM-first and a ChaCha20-first order by the family of the client's
// first suite (Go's crypto/tls server; OpenSSL with PRIORITIZE_CHACHA).
// The reversed offer therefore starts with a suite of the same family as
// the forward one (another suite where possible, so a server that follows
// the client still picks differently), or else an enforced order would look
// like "unknown" or "client".
func orderTestList(accepted []uint16) []uint16 {
	rev := make([]uint16, len(accepted))
	for i, s := range accepted {
		rev[len(rev)-1-i] = s
	}
	family := func(id uint16) int {
		c := suiteIndex[id].Cipher
		switch {
		case strings.HasPrefix(c, "CHACHA20"):
			return 1
		case strings.HasPrefix(c, "AES_") && strings.HasSuffix(c, "_GCM"):
			return 2
		}
		return 0
	}
	f0 := family(accepted[0])
	if len(rev) > 2 && family(rev[0]) != f0 {
		for i := 1; i < len(rev); i++ {
			if family(rev[i]) == f0 && rev[i] != accepted[0] {
				x := rev[i]
				copy(rev[1:i+1], rev[:i])
				rev[0] = x
				break
			}
		}
	}
	return rev
}

func removeID(ids []uint16, id uint16) []uint16 {
	out := make([]uint16, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}
