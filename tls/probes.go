package tls

import (
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls/wire"
)

// Target is one TLS service to scan.
type Target struct {
	// Host is the name (or IP literal) the user gave; Port the TCP port.
	Host string
	Port int
	// SNI is the server_name sent (default: Host when it is a name; none
	// for an IP literal). Without References it is also the name the
	// certificate must match.
	SNI string
	// References are the identities the certificate must match (RFC 6125
	// §6). Zero means a DNS-ID of SNI, or of Host when SNI is empty.
	References ReferenceIDs
	// Upgrade, when set, runs on every fresh TCP connection before the
	// ClientHello: the protocol's own plaintext exchange that leads to TLS
	// (such as XMPP STARTTLS, see package xmpp). Its error is the
	// endpoint's failure; a *probes.Err in it gives the status.
	Upgrade func(ctx context.Context, conn net.Conn) error
	// ALPN protocols offered in the full handshake (e.g. xmpp-client).
	ALPN []string
	// Endpoints, when set, replaces the resolution of Host:Port: the
	// endpoints probe requires Endpoints.Needs and returns what
	// Endpoints.Find returns (Data must be *EndpointsData). An XMPP scan
	// uses it to scan every address of every SRV target as one service.
	Endpoints *EndpointSource
}

// EndpointSource finds a target's endpoints from other probes' results.
type EndpointSource struct {
	Needs []probes.ID
	Find  func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation
}

// ServerName is the SNI value to send ("" for IP literals).
func (t Target) ServerName() string {
	n := t.SNI
	if n == "" {
		n = t.Host
	}
	n = strings.TrimSuffix(strings.Trim(n, "[]"), ".")
	if net.ParseIP(n) != nil {
		return ""
	}
	return n
}

// referenceIDs are the identities the certificate must match: References,
// or else a DNS-ID of SNI or Host.
func (t Target) referenceIDs() ReferenceIDs {
	if !t.References.empty() {
		return t.References
	}
	if t.SNI != "" {
		return ReferenceIDs{DNS: []string{t.SNI}}
	}
	return ReferenceIDs{DNS: []string{strings.Trim(t.Host, "[]")}}
}

// Keys are the observations of one TLS target's probes, each with the type
// of its data. Their IDs share a prefix, so that several targets (c2s, s2s,
// federation) can be scanned in one run.
type Keys struct {
	Endpoints probes.Key[*EndpointsData]
	Handshake probes.Key[*HandshakeData]
	Versions  probes.Key[*VersionsData]
	Ciphers   probes.Key[*CiphersData]
	Groups    probes.Key[*GroupsData]
	DANE      probes.Key[*DANEData]
}

// DefaultKeys are the keys of a plain `scan tls`.
var DefaultKeys = PrefixKeys("tls.")

// PrefixKeys returns the keys of the probes under prefix (e.g.
// "xmpp.c2s.tls.").
func PrefixKeys(prefix string) Keys {
	return Keys{
		Endpoints: probes.Key[*EndpointsData]{ID: probes.ID(prefix + "endpoints")},
		Handshake: probes.Key[*HandshakeData]{ID: probes.ID(prefix + "handshake")},
		Versions:  probes.Key[*VersionsData]{ID: probes.ID(prefix + "versions")},
		Ciphers:   probes.Key[*CiphersData]{ID: probes.ID(prefix + "ciphers")},
		Groups:    probes.Key[*GroupsData]{ID: probes.ID(prefix + "groups")},
		DANE:      probes.Key[*DANEData]{ID: probes.ID(prefix + "dane")},
	}
}

// Probes returns the probes that scan t.
func Probes(t Target, ids Keys) []probes.Probe {
	endpoints := probes.Func{Name: ids.Endpoints.ID, Limit: 10 * time.Second, Fn: func(ctx context.Context, env *probes.Env, _ probes.Results) probes.Observation {
		return endpointsProbe(ctx, env, t)
	}}
	if t.Endpoints != nil {
		endpoints.Needs, endpoints.Fn = t.Endpoints.Needs, t.Endpoints.Find
	}
	return []probes.Probe{
		endpoints,
		probes.Func{Name: ids.Handshake.ID, Needs: []probes.ID{ids.Endpoints.ID}, Limit: 20 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return handshakeProbe(ctx, env, t, in, ids)
		}},
		probes.Func{Name: ids.Versions.ID, Needs: []probes.ID{ids.Endpoints.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return versionsProbe(ctx, env, t, in, ids)
		}},
		probes.Func{Name: ids.Ciphers.ID, Needs: []probes.ID{ids.Endpoints.ID, ids.Versions.ID}, Limit: 60 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return ciphersProbe(ctx, env, t, in, ids)
		}},
		probes.Func{Name: ids.Groups.ID, Needs: []probes.ID{ids.Endpoints.ID, ids.Versions.ID}, Limit: 60 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return groupsProbe(ctx, env, t, in, ids)
		}},
		probes.Func{Name: ids.DANE.ID, Needs: []probes.ID{ids.Handshake.ID}, Limit: 10 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return daneProbe(ctx, env, t, in, ids)
		}},
	}
}

func endpointsProbe(ctx context.Context, env *probes.Env, t Target) probes.Observation {
	eps, ev, st, err := env.ResolveEndpoints(ctx, t.Host, t.Port)
	if err != nil {
		return probes.Observation{Status: st, Reason: err.Error(), Evidence: ev}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: &EndpointsData{Host: t.Host, Port: t.Port, Endpoints: eps}}
}

// connector returns a wire.Connector for one endpoint: TCP, then the
// target's Upgrade when it has one.
func connector(env *probes.Env, t Target, ep probes.Endpoint) wire.Connector {
	return func(ctx context.Context) (net.Conn, error) {
		c, st, err := env.Dial(ctx, ep.Addr)
		if err != nil {
			return nil, probes.Errorf(st, "%s: %s", ep.Addr, probes.ShortNetError(err))
		}
		if t.Upgrade != nil {
			if err := t.Upgrade(ctx, c); err != nil {
				c.Close()
				return nil, err
			}
		}
		return c, nil
	}
}

// overall turns per-endpoint statuses into the probe's status: OK when at
// least one endpoint was measured, else the first endpoint's failure.
func overall(rs []EndpointResult) (probes.Status, string) {
	if len(rs) == 0 {
		return probes.StatusError, "no endpoints to scan (bug: endpoints input missing)"
	}
	for _, r := range rs {
		if r.Status == probes.StatusOK {
			return probes.StatusOK, ""
		}
	}
	var reasons []string
	for _, r := range rs {
		reasons = append(reasons, r.Reason)
	}
	return rs[0].Status, strings.Join(reasons, "; ")
}

func endpointsOf(in probes.Results, ids Keys) []probes.Endpoint {
	d, _ := ids.Endpoints.OK(in)
	if d == nil {
		return nil
	}
	return d.Endpoints
}

func failed(ep probes.Endpoint, err error) EndpointResult {
	return EndpointResult{Endpoint: ep, Status: probes.StatusOf(err), Reason: err.Error()}
}

// goSuites are every suite crypto/tls can negotiate, insecure ones
// included, so the full handshake reaches legacy servers.
func goSuites() []uint16 {
	var ids []uint16
	for _, s := range stdtls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	for _, s := range stdtls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

func handshakeProbe(ctx context.Context, env *probes.Env, t Target, in probes.Results, ids Keys) probes.Observation {
	refs := t.referenceIDs()
	now := env.Clock.Now()
	sni := t.ServerName()
	res := probes.ForEndpoints(ctx, endpointsOf(in, ids), func(ctx context.Context, ep probes.Endpoint) EndpointHandshake {
		h := EndpointHandshake{EndpointResult: EndpointResult{Endpoint: ep, Status: probes.StatusOK}, CheckedAt: now.UTC()}
		dial := connector(env, t, ep)
		conn, err := dial(ctx)
		if err != nil {
			h.EndpointResult = failed(ep, err)
			return h
		}
		defer conn.Close()
		if d, ok := ctx.Deadline(); ok {
			conn.SetDeadline(d)
		}
		cfg := &stdtls.Config{
			ServerName:         sni,
			InsecureSkipVerify: true, // verified below, separately for trust, validity and name
			MinVersion:         stdtls.VersionTLS10,
			MaxVersion:         stdtls.VersionTLS13,
			CipherSuites:       goSuites(),
			NextProtos:         t.ALPN,
		}
		hctx, cancel := context.WithTimeout(ctx, env.IOTimeout)
		defer cancel()
		var chain []*x509.Certificate
		var ocspRaw []byte
		tc, err := env.Handshaker.Handshake(hctx, conn, cfg)
		if err == nil {
			st := tc.ConnectionState()
			h.Version = wire.Version(st.Version)
			h.CipherSuite = stdtls.CipherSuiteName(st.CipherSuite)
			h.ALPN = st.NegotiatedProtocol
			h.ChainSource = "handshake"
			chain = st.PeerCertificates
			ocspRaw = st.OCSPResponse
			tc.Close()
		} else {
			// crypto/tls could not complete (e.g. only suites it lacks, or a
			// key it refuses): read the chain from a raw TLS <= 1.2 handshake.
			herr := err
			if probes.StatusOf(herr) == probes.StatusTimeout || errors.Is(herr, context.DeadlineExceeded) {
				h.EndpointResult = EndpointResult{Endpoint: ep, Status: probes.StatusTimeout, Reason: "TLS handshake: no answer (timeout)"}
				return h
			}
			for _, v := range []wire.Version{wire.VersionTLS12, wire.VersionTLS10} {
				ders, ferr := wire.FetchChain(ctx, dial, sni, v)
				if ferr != nil || len(ders) == 0 {
					continue
				}
				for _, d := range ders {
					if c, perr := x509.ParseCertificate(d); perr == nil {
						chain = append(chain, c)
					}
				}
				if len(chain) > 0 {
					h.ChainSource = "raw"
					h.Version = v
					h.Reason = "crypto/tls handshake failed (" + herr.Error() + "); chain read from a raw " + v.String() + " handshake"
					break
				}
			}
			if len(chain) == 0 {
				st := probes.StatusOf(herr)
				if st == probes.StatusProtocolError || st == probes.StatusUnreachable {
					st = probes.StatusTLSError
				}
				h.EndpointResult = EndpointResult{Endpoint: ep, Status: st, Reason: "TLS handshake failed: " + herr.Error()}
				return h
			}
		}
		for _, c := range chain {
			h.Chain = append(h.Chain, Describe(c))
		}
		v := Verify(chain, env.Roots, now)
		h.Trusted, h.TrustError, h.VerifiedChain = v.Trusted, v.TrustError, v.VerifiedChain
		h.ValidNow, h.ValidityError, h.DaysLeft = v.ValidNow, v.ValidityError, v.DaysLeft
		h.NameMatch, h.MatchedName, h.MatchedBy = MatchName(chain[0], refs)
		if len(ocspRaw) > 0 {
			h.OCSPStapled = true
			h.OCSPStatus, h.OCSPNextUpdate = StapledOCSP(ocspRaw, chain[0], v.Issuer, now)
		}
		return h
	})
	var heads []EndpointResult
	var ev []probes.Evidence
	for _, h := range res {
		heads = append(heads, h.EndpointResult)
		ev = append(ev, handshakeEvidence(h))
	}
	st, reason := overall(heads)
	return probes.Observation{Status: st, Reason: reason, Evidence: ev, Data: &HandshakeData{Names: refs.Names(), Endpoints: res}}
}

func handshakeEvidence(h EndpointHandshake) probes.Evidence {
	e := probes.Evidence{Endpoint: h.Endpoint.Addr, Kind: "tls-handshake"}
	if h.Status != probes.StatusOK {
		e.Detail = string(h.Status) + ": " + h.Reason
		return e
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", h.Version, h.CipherSuite)
	for i, c := range h.Chain {
		fmt.Fprintf(&b, "\n#%d %s (issuer %s) %s-%d %s, %s..%s", i, c.Subject, c.Issuer, c.KeyType, c.KeyBits, c.SignatureAlg,
			c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"))
	}
	e.Received = b.String()
	return e
}

func versionsProbe(ctx context.Context, env *probes.Env, t Target, in probes.Results, ids Keys) probes.Observation {
	sni := t.ServerName()
	res := probes.ForEndpoints(ctx, endpointsOf(in, ids), func(ctx context.Context, ep probes.Endpoint) EndpointVersions {
		vs, err := wire.ScanVersions(ctx, connector(env, t, ep), sni)
		if err != nil {
			return EndpointVersions{EndpointResult: failed(ep, err), VersionScan: vs}
		}
		r := EndpointVersions{EndpointResult: EndpointResult{Endpoint: ep, Status: probes.StatusOK}, VersionScan: vs}
		any := false
		for _, v := range vs.Versions {
			any = any || v.Supported
		}
		if !any {
			r.Status = probes.StatusTLSError
			r.Reason = "no SSL/TLS version was accepted: " + versionAnswers(vs)
		}
		return r
	})
	var heads []EndpointResult
	var ev []probes.Evidence
	for _, r := range res {
		heads = append(heads, r.EndpointResult)
		e := probes.Evidence{Endpoint: r.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHello offering one version at a time"}
		if r.Status == probes.StatusOK || len(r.Versions) > 0 {
			e.Received = versionAnswers(r.VersionScan)
		} else {
			e.Detail = string(r.Status) + ": " + r.Reason
		}
		ev = append(ev, e)
	}
	st, reason := overall(heads)
	return probes.Observation{Status: st, Reason: reason, Evidence: ev, Data: &VersionsData{Endpoints: res}}
}

func versionAnswers(vs wire.VersionScan) string {
	var lines []string
	for _, v := range vs.Versions {
		s := v.Version.String() + ": " + v.Answer
		if v.Error != "" {
			s += " (" + v.Error + ")"
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// supported returns the versions an endpoint accepted.
func supported(vs wire.VersionScan) []wire.Version {
	var out []wire.Version
	for _, v := range vs.Versions {
		if v.Supported {
			out = append(out, v.Version)
		}
	}
	return out
}

func versionsOf(in probes.Results, ids Keys) map[string]EndpointVersions {
	out := map[string]EndpointVersions{}
	if d, _ := ids.Versions.OK(in); d != nil {
		for _, e := range d.Endpoints {
			out[e.Endpoint.Addr] = e
		}
	}
	return out
}

func ciphersProbe(ctx context.Context, env *probes.Env, t Target, in probes.Results, ids Keys) probes.Observation {
	sni := t.ServerName()
	vers := versionsOf(in, ids)
	res := probes.ForEndpoints(ctx, endpointsOf(in, ids), func(ctx context.Context, ep probes.Endpoint) EndpointCiphers {
		r := EndpointCiphers{EndpointResult: EndpointResult{Endpoint: ep, Status: probes.StatusOK}}
		ev, ok := vers[ep.Addr]
		if !ok || ev.Status != probes.StatusOK {
			r.Status, r.Reason = probes.StatusDepFailed, "versions of this endpoint unknown"
			return r
		}
		for _, v := range supported(ev.VersionScan) {
			if v == wire.VersionSSL2 {
				continue // SSLv2 has its own cipher kinds; its presence alone fails the grade
			}
			cs, err := wire.ScanCiphers(ctx, connector(env, t, ep), sni, v)
			r.Handshakes += cs.Handshakes
			if err != nil {
				cs.Error = err.Error()
			}
			r.Scans = append(r.Scans, cs)
		}
		return r
	})
	var heads []EndpointResult
	var evs []probes.Evidence
	for _, r := range res {
		heads = append(heads, r.EndpointResult)
		var lines []string
		for _, s := range r.Scans {
			var names []string
			for _, su := range s.Suites {
				names = append(names, su.Name)
			}
			line := fmt.Sprintf("%s (%s order): %s", s.Version, s.ServerOrder, strings.Join(names, ", "))
			if s.Error != "" {
				line += " [error: " + s.Error + "]"
			}
			lines = append(lines, line)
		}
		evs = append(evs, probes.Evidence{Endpoint: r.Endpoint.Addr, Kind: "tls-handshake", Sent: fmt.Sprintf("%d ClientHellos (accepted suites removed and retried)", r.Handshakes), Received: strings.Join(lines, "\n")})
	}
	st, reason := overall(heads)
	return probes.Observation{Status: st, Reason: reason, Evidence: evs, Data: &CiphersData{Endpoints: res}}
}

func groupsProbe(ctx context.Context, env *probes.Env, t Target, in probes.Results, ids Keys) probes.Observation {
	sni := t.ServerName()
	vers := versionsOf(in, ids)
	res := probes.ForEndpoints(ctx, endpointsOf(in, ids), func(ctx context.Context, ep probes.Endpoint) EndpointGroups {
		r := EndpointGroups{EndpointResult: EndpointResult{Endpoint: ep, Status: probes.StatusOK}}
		ev, ok := vers[ep.Addr]
		if !ok || ev.Status != probes.StatusOK {
			r.Status, r.Reason = probes.StatusDepFailed, "versions of this endpoint unknown"
			return r
		}
		gs, err := wire.ScanGroups(ctx, connector(env, t, ep), sni, supported(ev.VersionScan))
		r.GroupScan = gs
		if err != nil {
			r.EndpointResult = failed(ep, err)
		}
		return r
	})
	var heads []EndpointResult
	var evs []probes.Evidence
	for _, r := range res {
		heads = append(heads, r.EndpointResult)
		var names []string
		for _, g := range r.Supported {
			names = append(names, g.Name)
		}
		recv := fmt.Sprintf("%s groups: %s", r.Version, strings.Join(names, ", "))
		if len(r.DHBits) > 0 {
			recv += fmt.Sprintf("\nDHE modulus sizes: %v", r.DHBits)
		}
		if r.Status != probes.StatusOK {
			recv = string(r.Status) + ": " + r.Reason
		}
		evs = append(evs, probes.Evidence{Endpoint: r.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHello offering one group at a time", Received: recv})
	}
	st, reason := overall(heads)
	return probes.Observation{Status: st, Reason: reason, Evidence: evs, Data: &GroupsData{Endpoints: res}}
}

func daneProbe(ctx context.Context, env *probes.Env, t Target, in probes.Results, ids Keys) probes.Observation {
	host := strings.Trim(t.Host, "[]")
	if net.ParseIP(host) != nil {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "target is an IP address: no TLSA name to ask"}
	}
	name := TLSAName(host, t.Port)
	ans, err := env.Resolver.Query(ctx, name, dns.TypeTLSA)
	if err != nil {
		return probes.Observation{Status: probes.StatusDNSError, Reason: err.Error(),
			Data: &DANEData{Name: name, DNSSEC: probes.NoAnswerDNSSEC(name, dns.TypeTLSA, err)}}
	}
	d := &DANEData{Name: name, Rcode: ans.RcodeString(), AD: ans.AD, Records: ParseTLSA(ans.Records), DNSSEC: ans.DNSSEC()}
	ev := []probes.Evidence{ans.Evidence()}
	if ans.Rcode != dns.RcodeSuccess && ans.Rcode != dns.RcodeNameError {
		// A SERVFAIL is not "no records": say why (a validating resolver
		// refuses records whose signatures are bogus).
		return probes.Observation{Status: probes.StatusDNSError, Reason: "TLSA query " + name + " answered " + ans.Problem(), Evidence: ev, Data: d}
	}
	hs, _ := ids.Handshake.OK(in)
	if hs != nil && len(d.Records) > 0 {
		for _, h := range hs.Endpoints {
			e := EndpointDANE{EndpointResult: h.EndpointResult}
			if h.Status == probes.StatusOK {
				var chain []*x509.Certificate
				for _, ci := range h.Chain {
					if c, err := x509.ParseCertificate(ci.DER); err == nil {
						chain = append(chain, c)
					}
				}
				for i := range d.Records {
					ok, note := MatchTLSA(d.Records[i], chain, h.Trusted)
					if ok {
						d.Records[i].Matched = true
						e.Matched = true
					}
					if d.Records[i].Note == "" || ok {
						d.Records[i].Note = note
					}
				}
			}
			d.Endpoints = append(d.Endpoints, e)
		}
	}
	sort.SliceStable(d.Endpoints, func(i, j int) bool { return d.Endpoints[i].Endpoint.Addr < d.Endpoints[j].Endpoint.Addr })
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: d}
}
