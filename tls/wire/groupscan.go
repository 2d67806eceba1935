package wire

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// ScanGroups enumerates the key-exchange groups the server accepts. With
// TLS 1.3 among versions, each group g is offered alone with an empty
// key_share list (RFC 8446 §4.2.8): a HelloRetryRequest (or ServerHello)
// for g means supported. Otherwise, with the highest TLS <= 1.2 version,
// each elliptic curve is offered alone with only ECDHE suites and the
// curve in the ServerKeyExchange is checked. DHBits comes from DHE
// handshakes with the highest TLS <= 1.2 version.
func ScanGroups(ctx context.Context, dial Connector, sni string, versions []Version) (GroupScan, error) {
	p := &prober{dial: dial, sni: sni}
	ev := &evidence{}
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
	for _, g := range groupTable {
		switch {
		case has13 && groupValidTLS13(g):
			candidates, via12 = append(candidates, g), append(via12, false)
		case legacy >= VersionTLS10 && groupValidTLS12(g):
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
	parallel(jobs+dhJobs, func(i int) {
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
	if err := ctxErr(ctx); err != nil {
		return out, err
	}
	if p.connected.Load() == 0 {
		return out, fmt.Errorf("endpoint unreachable: %s", out.Error)
	}
	return out, nil
}

// group13 tests one group with TLS 1.3.
func (p *prober) group13(ctx context.Context, g Group, ev *evidence, key int) (int, string) {
	try := func(shares []uint16) (reply, error) {
		hello, err := buildClientHello(helloSpec{
			version: VersionTLS13, suites: tls13IDs, groups: []uint16{g.ID}, shares: shares, sni: p.sni,
		})
		if err != nil {
			return reply{}, err
		}
		r := p.exchange(ctx, hello, readOpts{})
		offered := describeOffer(VersionTLS13, nil, []uint16{g.ID})
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
	if canShare(g.ID) && (r.kind == replyClosed || r.kind == replyAlert && r.alert.desc != alertHandshakeFailure &&
		r.alert.desc != 71 /* insufficient_security */) {
		if r2, err := try([]uint16{g.ID}); err == nil && judgeable(r2) {
			r = r2
		}
	}
	switch r.kind {
	case replyServerHello:
		if r.hello.version == VersionTLS13 && r.hello.group == g.ID {
			return 1, ""
		}
		return -1, ""
	case replyAlert, replyClosed:
		return -1, ""
	}
	return 0, r.describe()
}

// group12 tests one elliptic curve with TLS <= 1.2.
func (p *prober) group12(ctx context.Context, v Version, g Group, ev *evidence, key int) (int, string) {
	hello, err := buildClientHello(helloSpec{version: v, suites: ecdheSuites(v), groups: []uint16{g.ID}, sni: p.sni})
	if err != nil {
		return 0, err.Error()
	}
	r := p.exchange(ctx, hello, readOpts{ske: true})
	ev.add(key, describeOffer(v, nil, []uint16{g.ID})+" ECDHE suites", r)
	switch r.kind {
	case replyServerHello:
		s, _ := SuiteByID(r.hello.suite)
		if r.ske != nil && s.Kex == "ECDHE" && r.ske.curveType == 3 && r.ske.curve == g.ID {
			return 1, ""
		}
		if r.ske != nil && s.Kex == "ECDHE" && r.ske.curveType == 3 {
			return -1, "server used " + groupName(r.ske.curve) + " instead"
		}
		return -1, ""
	case replyAlert, replyClosed:
		return -1, ""
	}
	return 0, r.describe()
}

// dhProbe runs one DHE handshake and returns the DH modulus size, or 0.
// withFFDHE offers the RFC 7919 groups in supported_groups (a server that
// implements RFC 7919 then uses one of them); without, the server uses its
// own parameters, which is what legacy clients get.
func (p *prober) dhProbe(ctx context.Context, v Version, withFFDHE bool, ev *evidence, key int) (int, string) {
	groups := groupsTLS12()
	if withFFDHE {
		groups = ffdheGroups()
	}
	hello, err := buildClientHello(helloSpec{version: v, suites: dheSuites(v), groups: groups, sni: p.sni})
	if err != nil {
		return 0, err.Error()
	}
	r := p.exchange(ctx, hello, readOpts{ske: true})
	offered := describeOffer(v, nil, nil) + " DHE suites"
	if withFFDHE {
		offered += " with ffdhe groups"
	}
	ev.add(key, offered, r)
	if r.kind == replyServerHello && r.ske != nil {
		return r.ske.dhBits, ""
	}
	if !judgeable(r) {
		// Silence or garbage: a weak DH group may have gone unseen.
		return 0, "DHE probe: " + r.describe()
	}
	return 0, ""
}
