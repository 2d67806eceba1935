package tls

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
	// rawHandshakeTimeout caps one raw handshake (connect, ClientHello,
	// reading the reply), on top of the caller's ctx deadline.
	rawHandshakeTimeout = 5 * time.Second
	// rawMaxParallel bounds the handshakes one scan runs at once.
	rawMaxParallel = 4
)

// rawMaxAttempts bounds the evidence kept per scan.
const rawMaxAttempts = 64

// rawProber runs raw handshakes against one endpoint.
type rawProber struct {
	dial       Connector
	sni        string
	handshakes atomic.Int64
	connected  atomic.Int64 // handshakes that got past connect
}

// exchange opens a fresh connection, sends hello and reads the reply.
func (p *rawProber) exchange(ctx context.Context, hello []byte, opts rawReadOpts) rawReply {
	if err := rawCtxErr(ctx); err != nil {
		return rawReply{kind: rawReplyDialError, err: err}
	}
	hctx, cancel := context.WithTimeout(ctx, rawHandshakeTimeout)
	defer cancel()
	conn, err := p.dial(hctx)
	if err != nil {
		return rawReply{kind: rawReplyDialError, err: err}
	}
	defer conn.Close()
	p.handshakes.Add(1)
	p.connected.Add(1)
	if d, ok := hctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	// A cancelled ctx unblocks the read at once.
	stop := context.AfterFunc(hctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	var r rawReply
	if _, err := conn.Write(hello); err != nil {
		r = rawReply{kind: rawReplyError, err: err}
	} else {
		r = rawReadReply(conn, opts)
	}
	if err := rawCtxErr(ctx); r.kind == rawReplyError && err != nil {
		r.err = err
	}
	return r
}

// rawCtxErr is ctx.Err(), also when the deadline has passed but the
// context's timer has not fired yet (a connection deadline set from it can
// expire first).
func rawCtxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// rawErrString classifies an I/O error for evidence: "timeout", "reset",
// "truncated reply", or the error text.
func rawErrString(err error) string {
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

// rawParallel runs f(0..n-1) with at most rawMaxParallel at once.
func rawParallel(n int, f func(i int)) { probes.Parallel(n, rawMaxParallel, f) }

// rawChunks splits the suites offered for v into ClientHello-sized pieces.
// SSLv3 ClientHellos have no extensions to pad with (see
// rawBuildClientHello), so their chunks stay under 256 bytes instead.
func rawChunks(v Version, ids []uint16) [][]uint16 {
	size := rawMaxSuitesPerHello
	if v == VersionSSL3 {
		size = 100
	}
	var out [][]uint16
	for len(ids) > 0 {
		n := min(len(ids), size)
		out = append(out, ids[:n:n])
		ids = ids[n:]
	}
	return out
}

// rawSuitesFor returns the suites we offer for version v, in offer order.
// Every TLS <= 1.2 suite is offered for every TLS version up to 1.2: a
// server that picks a suite its version does not allow is a finding, not
// noise. SSLv3 gets only the suites it can express (SHA-1 or MD5 MAC, no
// AEAD), which keeps its extension-less ClientHellos small.
func rawSuitesFor(v Version) []uint16 {
	switch v {
	case VersionTLS13:
		return rawTls13IDs
	case VersionSSL3:
		return rawSSL3Filter(rawOfferOrder)
	}
	return rawOfferOrder
}

func rawSSL3Filter(ids []uint16) []uint16 {
	var out []uint16
	for _, id := range ids {
		if s := rawSuiteIndex[id]; !s.AEAD && (s.MAC == "SHA1" || s.MAC == "MD5") {
			out = append(out, id)
		}
	}
	return out
}

// helloFor builds the standard enumeration ClientHello for v and suites.
func (p *rawProber) helloFor(v Version, suites []uint16) ([]byte, error) {
	spec := rawHelloSpec{version: v, suites: suites, sni: p.sni}
	if v == VersionTLS13 {
		spec.groups = rawGroupsTLS13()
		spec.shares = []uint16{0x001d}
	} else {
		spec.groups = rawGroupsTLS12()
	}
	return rawBuildClientHello(spec)
}

func rawDescribeOffer(v Version, suites []uint16, groups []uint16) string {
	var sb strings.Builder
	sb.WriteString(v.String())
	switch {
	case len(suites) == 0:
	case len(suites) <= 3:
		names := make([]string, len(suites))
		for i, s := range suites {
			names[i] = rawSuiteName(s)
		}
		sb.WriteString(" suites " + strings.Join(names, ","))
	default:
		fmt.Fprintf(&sb, " %d suites from %s", len(suites), rawSuiteName(suites[0]))
	}
	if len(groups) > 0 && len(groups) <= 3 {
		names := make([]string, len(groups))
		for i, g := range groups {
			names[i] = rawGroupName(g)
		}
		sb.WriteString(" groups " + strings.Join(names, ","))
	} else if len(groups) > 3 {
		fmt.Fprintf(&sb, " %d groups", len(groups))
	}
	return sb.String()
}

// rawEvidence collects attempts. Concurrent jobs add under their own key;
// list returns them ordered by key (then in the order each job added them)
// so that the evidence does not depend on scheduling, bounded to
// rawMaxAttempts.
type rawEvidence struct {
	mu       sync.Mutex
	attempts []rawKeyedAttempt
}

type rawKeyedAttempt struct {
	key int
	a   Attempt
}

func (e *rawEvidence) add(key int, offered string, r rawReply) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.attempts = append(e.attempts, rawKeyedAttempt{key, Attempt{Offered: offered, Answer: r.describe()}})
}

func (e *rawEvidence) list() []Attempt {
	e.mu.Lock()
	defer e.mu.Unlock()
	sorted := append([]rawKeyedAttempt(nil), e.attempts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].key < sorted[j].key })
	var out []Attempt
	for i, k := range sorted {
		if i == rawMaxAttempts {
			out = append(out, Attempt{Offered: fmt.Sprintf("%d more attempts", len(sorted)-i), Answer: "not kept"})
			break
		}
		out = append(out, k.a)
	}
	return out
}

// rawJudgeable reports whether a reply is a measured answer (a ServerHello,
// an alert, a clean close), as opposed to an error.
func rawJudgeable(r rawReply) bool {
	switch r.kind {
	case rawReplyServerHello, rawReplyAlert, rawReplyClosed, rawReplySSL2:
		return true
	case rawReplyError:
		// A TCP reset in answer to our ClientHello is a refusal, as
		// many load balancers and older stacks answer an unsupported
		// version; only silence (timeout) and garbage stay unjudged.
		return rawErrString(r.err) == "reset"
	}
	return false
}

// ScanVersions offers each of AllVersions alone and records whether the
// server accepts it. It returns an error only when no connection at all
// could be made.
func ScanVersions(ctx context.Context, dial Connector, sni string) (VersionScan, error) {
	p := &rawProber{dial: dial, sni: sni}
	out := VersionScan{Versions: make([]VersionSupport, len(AllVersions))}
	var dialErr atomic.Value
	rawParallel(len(AllVersions), func(i int) {
		vs, r := p.versionProbe(ctx, AllVersions[i])
		if r.kind == rawReplyDialError {
			dialErr.Store(rawErrString(r.err))
		}
		out.Versions[i] = vs
	})
	out.Handshakes = int(p.handshakes.Load())
	if err := rawCtxErr(ctx); err != nil {
		return out, err
	}
	if p.connected.Load() == 0 {
		msg, _ := dialErr.Load().(string)
		return out, fmt.Errorf("endpoint unreachable: %s", msg)
	}
	return out, nil
}

// versionProbe offers v alone. For TLS <= 1.2 the suites are offered in
// chunks; later chunks are tried only when the server refused the first
// with an alert other than protocol_version or internal_error (that is,
// maybe for lack of a common suite in the first chunk).
func (p *rawProber) versionProbe(ctx context.Context, v Version) (VersionSupport, rawReply) {
	vs := VersionSupport{Version: v}
	var r rawReply
	switch v {
	case VersionSSL2:
		r = p.exchange(ctx, rawBuildSSL2ClientHello(), rawReadOpts{ssl2: true})
		vs.Supported = r.kind == rawReplySSL2 && r.ssl2.version == 0x0002 && len(r.ssl2.ciphers) > 0
	case VersionTLS13:
		hello, err := p.helloFor(v, rawTls13IDs)
		if err != nil {
			vs.Error = err.Error()
			return vs, rawReply{kind: rawReplyError, err: err}
		}
		r = p.exchange(ctx, hello, rawReadOpts{})
		vs.Supported = r.kind == rawReplyServerHello && r.hello.version == VersionTLS13
	default:
		var firstRefusal *rawReply
		for _, chunk := range rawChunks(v, rawSuitesFor(v)) {
			hello, err := p.helloFor(v, chunk)
			if err != nil {
				vs.Error = err.Error()
				return vs, rawReply{kind: rawReplyError, err: err}
			}
			r = p.exchange(ctx, hello, rawReadOpts{})
			if r.kind == rawReplyAlert && r.hello == nil && r.alert.desc != rawAlertProtocolVersion &&
				r.alert.desc != rawAlertInternalError {
				if firstRefusal == nil {
					rc := r
					firstRefusal = &rc
				}
				continue
			}
			break
		}
		if r.kind == rawReplyAlert && firstRefusal != nil {
			r = *firstRefusal
		}
		vs.Supported = r.kind == rawReplyServerHello && r.hello.version == v
	}
	vs.Answer = r.describe()
	if !rawJudgeable(r) {
		vs.Error = r.describe()
		vs.Answer = ""
	}
	return vs, r
}

// rawCipherRun is the outcome of one remove-and-retry discovery.
type rawCipherRun struct {
	accepted []uint16
	err      string
}

// discover offers suites, removes the one the server picks and retries
// until the server refuses: the sslscan / IM Observatory method.
func (p *rawProber) discover(ctx context.Context, v Version, suites []uint16, ev *rawEvidence, key int) rawCipherRun {
	var run rawCipherRun
	remaining := append([]uint16(nil), suites...)
	for iter := 0; len(remaining) > 0 && iter <= len(suites); iter++ {
		hello, err := p.helloFor(v, remaining)
		if err != nil {
			run.err = err.Error()
			return run
		}
		r := p.exchange(ctx, hello, rawReadOpts{})
		ev.add(key, rawDescribeOffer(v, remaining, nil), r)
		switch r.kind {
		case rawReplyServerHello:
		case rawReplyAlert, rawReplyClosed:
			return run
		default:
			if rawJudgeable(r) { // a reset: the remaining suites are refused
				return run
			}
			run.err = r.describe()
			return run
		}
		if r.hello.version != v {
			// The server does not do v (it answered another version).
			return run
		}
		i := rawIndexOf(remaining, r.hello.suite)
		if i < 0 {
			run.err = "server chose a suite that was not offered: " + rawSuiteName(r.hello.suite)
			return run
		}
		run.accepted = append(run.accepted, r.hello.suite)
		remaining = append(remaining[:i:i], remaining[i+1:]...)
	}
	return run
}

func rawIndexOf(ids []uint16, id uint16) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// pick offers suites once and returns the suite chosen, or ok=false.
func (p *rawProber) pick(ctx context.Context, v Version, suites []uint16, ev *rawEvidence, key int) (uint16, bool) {
	hello, err := p.helloFor(v, suites)
	if err != nil {
		return 0, false
	}
	r := p.exchange(ctx, hello, rawReadOpts{})
	ev.add(key, rawDescribeOffer(v, suites, nil), r)
	if r.kind != rawReplyServerHello || r.hello.version != v || rawIndexOf(suites, r.hello.suite) < 0 {
		return 0, false
	}
	return r.hello.suite, true
}

// ScanCiphers enumerates the suites the server accepts with version v and
// whether it enforces its own order.
func ScanCiphers(ctx context.Context, dial Connector, sni string, v Version) (CipherScan, error) {
	p := &rawProber{dial: dial, sni: sni}
	ev := &rawEvidence{}
	out := CipherScan{Version: v, ServerOrder: "unknown"}
	finish := func(err error) (CipherScan, error) {
		out.Handshakes = int(p.handshakes.Load())
		out.Attempts = ev.list()
		if cerr := rawCtxErr(ctx); err == nil && cerr != nil {
			err = cerr
		}
		if err == nil && p.connected.Load() == 0 {
			err = fmt.Errorf("endpoint unreachable: %s", out.Error)
		}
		return out, err
	}
	switch v {
	case VersionSSL2:
		r := p.exchange(ctx, rawBuildSSL2ClientHello(), rawReadOpts{ssl2: true})
		ev.add(0, "SSLv2 all cipher kinds", r)
		if !rawJudgeable(r) {
			out.Error = r.describe()
		} else if r.kind == rawReplySSL2 && r.ssl2.version == 0x0002 {
			// The SSLv2 server lists every kind it shares with us at once.
			for _, c := range r.ssl2.ciphers {
				out.Suites = append(out.Suites, rawSsl2Suite(c))
			}
		}
		return finish(nil)
	case VersionSSL3, VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13:
	default:
		return finish(fmt.Errorf("unknown version %v", v))
	}

	parts := rawChunks(v, rawSuitesFor(v))
	runs := make([]rawCipherRun, len(parts))
	rawParallel(len(parts), func(i int) { runs[i] = p.discover(ctx, v, parts[i], ev, i) })
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

	if len(accepted) >= 2 && len(accepted) <= rawMaxSuitesPerHello {
		// Order test. Offer the accepted suites forward and reversed: a
		// server that follows the client picks the first of each, one that
		// enforces its order picks the same suite both times. With a single
		// contributing chunk the forward pick is the first discovery
		// handshake (it offered a superset in the same order).
		fwd, fok := accepted[0], true
		if contributing > 1 {
			fwd, fok = p.pick(ctx, v, accepted, ev, orderKey)
		}
		rev := rawOrderTestList(accepted)
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
			rest := rawRemoveID(accepted, fwd)
			for len(rest) > 1 {
				s, ok := p.pick(ctx, v, rest, ev, orderKey)
				if !ok {
					break
				}
				ordered = append(ordered, s)
				rest = rawRemoveID(rest, s)
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

// rawOrderTestList is the accepted suites reversed, except for the first
// one: some servers that enforce their own order switch between an
// AES-GCM-first and a ChaCha20-first order by the family of the client's
// first suite (Go's crypto/tls server; OpenSSL with PRIORITIZE_CHACHA).
// The reversed offer therefore starts with a suite of the same family as
// the forward one (another suite where possible, so a server that follows
// the client still picks differently), or else an enforced order would look
// like "unknown" or "client".
func rawOrderTestList(accepted []uint16) []uint16 {
	rev := make([]uint16, len(accepted))
	for i, s := range accepted {
		rev[len(rev)-1-i] = s
	}
	family := func(id uint16) int {
		c := rawSuiteIndex[id].Cipher
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

func rawRemoveID(ids []uint16, id uint16) []uint16 {
	out := make([]uint16, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// ScanGroups enumerates the key-exchange groups the server accepts. With
// TLS 1.3 among versions, each group g is offered alone with an empty
// key_share list (RFC 8446 §4.2.8): a HelloRetryRequest (or ServerHello)
// for g means supported. Otherwise, with the highest TLS <= 1.2 version,
// each elliptic curve is offered alone with only ECDHE suites and the
// curve in the ServerKeyExchange is checked. DHBits comes from DHE
// handshakes with the highest TLS <= 1.2 version.
func ScanGroups(ctx context.Context, dial Connector, sni string, versions []Version) (GroupScan, error) {
	p := &rawProber{dial: dial, sni: sni}
	ev := &rawEvidence{}
	var out GroupScan
	var legacy Version
	has13 := false
	for _, v := range versions {
		switch {
		case v == VersionTLS13:
			has13 = true
		case v >= VersionSSL3 && v <= VersionTLS12 && v > legacy:
			legacy = v
		}
	}
	if !has13 && legacy == 0 {
		out.Error = "no TLS version to test groups with"
		return out, nil
	}
	// SSLv3 ClientHellos carry no supported_groups, so curves are only
	// tested with TLS.
	var candidates []Group
	// via12 marks candidates tested with the legacy version: all of them
	// without TLS 1.3, and with it the curves TLS 1.3 cannot negotiate
	// (secp224r1, secp192r1, …) — the weak ones must not go unseen.
	var via12 []bool
	for _, g := range rawGroupTable {
		switch {
		case has13 && rawGroupValidTLS13(g):
			candidates, via12 = append(candidates, g), append(via12, false)
		case legacy >= VersionTLS10 && rawGroupValidTLS12(g):
			candidates, via12 = append(candidates, g), append(via12, true)
		}
	}
	out.Version = legacy
	if has13 {
		out.Version = VersionTLS13
	}
	type result struct {
		verdict int // 1 supported, -1 rejected, 0 unknown
		err     string
	}
	results := make([]result, len(candidates))
	var dh []int
	var dhMu sync.Mutex
	jobs := len(candidates)
	dhJobs := 0
	if legacy != 0 {
		dhJobs = 2
	}
	var dhErrs []string
	rawParallel(jobs+dhJobs, func(i int) {
		if i >= jobs {
			bits, e := p.dhProbe(ctx, legacy, i-jobs == 1, ev, i)
			dhMu.Lock()
			if bits > 0 {
				dh = append(dh, bits)
			}
			if e != "" {
				dhErrs = append(dhErrs, e)
			}
			dhMu.Unlock()
			return
		}
		g := candidates[i]
		var verdict int
		var errStr string
		if via12[i] {
			verdict, errStr = p.group12(ctx, legacy, g, ev, i)
		} else {
			verdict, errStr = p.group13(ctx, g, ev, i)
		}
		results[i] = result{verdict, errStr}
	})
	sort.Strings(dhErrs)
	errs := dhErrs
	for i, g := range candidates {
		switch results[i].verdict {
		case 1:
			out.Supported = append(out.Supported, g)
		case -1:
			out.Rejected = append(out.Rejected, g)
		}
		if results[i].err != "" {
			errs = append(errs, g.Name+": "+results[i].err)
		}
	}
	sort.Ints(dh)
	for i, b := range dh {
		if i == 0 || b != dh[i-1] {
			out.DHBits = append(out.DHBits, b)
		}
	}
	out.Error = strings.Join(errs, "; ")
	out.Handshakes = int(p.handshakes.Load())
	out.Attempts = ev.list()
	if err := rawCtxErr(ctx); err != nil {
		return out, err
	}
	if p.connected.Load() == 0 {
		return out, fmt.Errorf("endpoint unreachable: %s", out.Error)
	}
	return out, nil
}

// group13 tests one group with TLS 1.3.
func (p *rawProber) group13(ctx context.Context, g Group, ev *rawEvidence, key int) (int, string) {
	try := func(shares []uint16) (rawReply, error) {
		hello, err := rawBuildClientHello(rawHelloSpec{
			version: VersionTLS13, suites: rawTls13IDs, groups: []uint16{g.ID}, shares: shares, sni: p.sni,
		})
		if err != nil {
			return rawReply{}, err
		}
		r := p.exchange(ctx, hello, rawReadOpts{})
		offered := rawDescribeOffer(VersionTLS13, nil, []uint16{g.ID})
		if len(shares) > 0 {
			offered += " with key share"
		} else {
			offered += " empty key_share"
		}
		ev.add(key, offered, r)
		return r, nil
	}
	r, err := try(nil)
	if err != nil {
		return 0, err.Error()
	}
	// A server that chokes on an empty key_share list (it is legal, but
	// rare in the wild) gets a second chance with a real share.
	if rawCanShare(g.ID) && (r.kind == rawReplyClosed || r.kind == rawReplyAlert && r.alert.desc != rawAlertHandshakeFailure &&
		r.alert.desc != 71 /* insufficient_security */) {
		if r2, err := try([]uint16{g.ID}); err == nil && rawJudgeable(r2) {
			r = r2
		}
	}
	switch r.kind {
	case rawReplyServerHello:
		if r.hello.version == VersionTLS13 && r.hello.group == g.ID {
			return 1, ""
		}
		return -1, ""
	case rawReplyAlert, rawReplyClosed:
		return -1, ""
	}
	return 0, r.describe()
}

// rawEcdheSuites lists the ECDHE suites (RSA or ECDSA authenticated) we
// offer with v, in offer order, as one ClientHello's worth.
func rawEcdheSuites(v Version) []uint16 {
	return rawFirstChunk(v, func(s Suite) bool { return s.Kex == "ECDHE" && s.Auth != "anon" })
}

// rawDheSuites lists the finite-field DHE suites (including anonymous DH,
// which also sends ServerDHParams) we offer with v, as one ClientHello's
// worth.
func rawDheSuites(v Version) []uint16 {
	return rawFirstChunk(v, func(s Suite) bool { return s.Kex == "DHE" })
}

func rawFirstChunk(v Version, keep func(Suite) bool) []uint16 {
	var ids []uint16
	for _, id := range rawSuitesFor(v) {
		if keep(rawSuiteIndex[id]) {
			ids = append(ids, id)
		}
	}
	if c := rawChunks(v, ids); len(c) > 0 {
		return c[0]
	}
	return nil
}

// group12 tests one elliptic curve with TLS <= 1.2.
func (p *rawProber) group12(ctx context.Context, v Version, g Group, ev *rawEvidence, key int) (int, string) {
	hello, err := rawBuildClientHello(rawHelloSpec{version: v, suites: rawEcdheSuites(v), groups: []uint16{g.ID}, sni: p.sni})
	if err != nil {
		return 0, err.Error()
	}
	r := p.exchange(ctx, hello, rawReadOpts{ske: true})
	ev.add(key, rawDescribeOffer(v, nil, []uint16{g.ID})+" ECDHE suites", r)
	switch r.kind {
	case rawReplyServerHello:
		s, _ := SuiteByID(r.hello.suite)
		if r.ske != nil && s.Kex == "ECDHE" && r.ske.curveType == 3 && r.ske.curve == g.ID {
			return 1, ""
		}
		if r.ske != nil && s.Kex == "ECDHE" && r.ske.curveType == 3 {
			return -1, "server used " + rawGroupName(r.ske.curve) + " instead"
		}
		return -1, ""
	case rawReplyAlert, rawReplyClosed:
		return -1, ""
	}
	return 0, r.describe()
}

// dhProbe runs one DHE handshake and returns the DH modulus size, or 0.
// withFFDHE offers the RFC 7919 groups in supported_groups (a server that
// implements RFC 7919 then uses one of them); without, the server uses its
// own parameters, which is what legacy clients get.
func (p *rawProber) dhProbe(ctx context.Context, v Version, withFFDHE bool, ev *rawEvidence, key int) (int, string) {
	groups := rawGroupsTLS12()
	if withFFDHE {
		groups = rawFfdheGroups()
	}
	hello, err := rawBuildClientHello(rawHelloSpec{version: v, suites: rawDheSuites(v), groups: groups, sni: p.sni})
	if err != nil {
		return 0, err.Error()
	}
	r := p.exchange(ctx, hello, rawReadOpts{ske: true})
	offered := rawDescribeOffer(v, nil, nil) + " DHE suites"
	if withFFDHE {
		offered += " with ffdhe groups"
	}
	ev.add(key, offered, r)
	if r.kind == rawReplyServerHello && r.ske != nil {
		return r.ske.dhBits, ""
	}
	if !rawJudgeable(r) {
		// Silence or garbage: a weak DH group may have gone unseen.
		return 0, "DHE probe: " + r.describe()
	}
	return 0, ""
}
