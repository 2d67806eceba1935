package xmpp

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/tls/wire"
)

// ALPNClient is the ALPN protocol of XMPP client connections over direct
// TLS (XEP-0368 §3).
const ALPNClient = "xmpp-client"

// ALPNServer is the ALPN protocol of XMPP server connections over direct
// TLS (XEP-0368 §3).
const ALPNServer = "xmpp-server"

// TLS probe IDs of the client-to-server and server-to-server services
// (STARTTLS), and of the client direct-TLS service (XEP-0368).
var (
	C2STLS       = tls.PrefixKeys("xmpp.c2s.tls.")
	S2STLS       = tls.PrefixKeys("xmpp.s2s.tls.")
	C2SDirectTLS = tls.PrefixKeys("xmpp.c2s-direct.tls.")
	S2SDirectTLS = tls.PrefixKeys("xmpp.s2s-direct.tls.")
)

// ProbeDomain is the from= of our server-to-server streams: a name that can
// never exist (RFC 6761), so no server will try to connect back to it.
const ProbeDomain = "imscore.invalid"

// Probes returns the probes that scan the XMPP domain without an account:
// DNS (SRV records of the four services and the addresses of every target),
// the c2s and s2s streams of every endpoint (features before and after
// STARTTLS), the direct-TLS (XEP-0368) client streams, and the TLS probes
// of the spine for c2s and s2s (STARTTLS) and for direct TLS (TLS from the
// first byte, ALPN xmpp-client), over every endpoint of every SRV target.
// Without _xmpps-client records the direct-TLS TLS probes are not
// applicable (their endpoints probe says so, the rest are dep-failed).
func Probes(domain string) []probes.Probe {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	ps := []probes.Probe{
		probes.Func{Name: DNS.ID, Limit: 15 * time.Second, Fn: func(ctx context.Context, env *probes.Env, _ probes.Results) probes.Observation {
			return dnsProbe(ctx, env, domain)
		}},
		probes.Func{Name: C2SStreams.ID, Needs: []probes.ID{C2STLS.Endpoints.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return streamsProbe(ctx, env, in, domain, C2STLS.Endpoints, NSClient)
		}},
		probes.Func{Name: DirectTLS.ID, Needs: []probes.ID{DNS.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return directTLSProbe(ctx, env, in, domain)
		}},
		HostMetaProbe(domain),
		probes.Func{Name: S2SStreams.ID, Needs: []probes.ID{S2STLS.Endpoints.ID}, Limit: 30 * time.Second, Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
			return streamsProbe(ctx, env, in, domain, S2STLS.Endpoints, NSServer)
		}},
	}
	ps = append(ps, tlsProbes(domain, ServiceClient, C2STLS)...)
	ps = append(ps, tlsProbes(domain, ServiceServer, S2STLS)...)
	ps = append(ps, tlsProbes(domain, ServiceClientTLS, C2SDirectTLS)...)
	ps = append(ps, tlsProbes(domain, ServiceServerTLS, S2SDirectTLS)...)
	return ps
}

// tlsProbes are the spine's TLS probes for one service, with two probes
// replaced: the endpoints probe takes every address of every SRV target from
// xmpp.dns instead of resolving one host:port, and the DANE probe asks TLSA
// at the SRV target (RFC 7673) instead of the domain. The other TLS probes
// read their endpoints from ids.Endpoints and use the Target only for the
// upgrade (STARTTLS), SNI, ALPN and the reference identities, which are the
// same for every target (the XMPP domain, RFC 7590 §3; see tlsTarget).
//
// For direct TLS (service xmpps-client or xmpps-server) the handshake
// starts at once, with SNI = the XMPP domain and ALPN xmpp-client or
// xmpp-server (XEP-0368 §3); the certificate must match the domain as for
// STARTTLS.
func tlsProbes(domain, service string, ids tls.Keys) []probes.Probe {
	defPort := DefaultClientPort
	switch service {
	case ServiceServer:
		defPort = DefaultServerPort
	case ServiceClientTLS, ServiceServerTLS:
		defPort = 0 // XEP-0368 has no default port: no SRV record, no service
	}
	target := tlsTarget(domain, service, domain, defPort)
	// Every address of every SRV target, as one service.
	target.Endpoints = &tls.EndpointSource{Needs: []probes.ID{DNS.ID}, Find: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
		return endpointsProbe(in, service, defPort)
	}}
	var out []probes.Probe
	for _, p := range tls.Probes(target, ids) {
		switch p.ID() {
		case ids.DANE.ID:
			out = append(out, probes.Func{Name: ids.DANE.ID, Needs: []probes.ID{ids.Handshake.ID, DNS.ID}, Limit: p.Timeout(), Fn: func(ctx context.Context, env *probes.Env, in probes.Results) probes.Observation {
				return daneProbe(ctx, env, in, service, domain, ids)
			}})
		default:
			out = append(out, p)
		}
	}
	return out
}

// endpointsProbe turns the SRV answers of one service into the TLS
// endpoints list (no I/O: xmpp.dns resolved every target).
func endpointsProbe(in probes.Results, service string, defPort int) probes.Observation {
	d, _ := DNS.OK(in)
	s := d.Service(service)
	if s == nil {
		return probes.Observation{Status: probes.StatusError, Reason: "xmpp.dns has no " + service + " answer (bug)"}
	}
	ev := serviceEvidence(s)
	for _, r := range s.Records {
		ev = append(ev, r.Evidence...)
	}
	if n := s.Addresses(); n > probes.MaxEndpoints {
		ev = append(ev, probes.Evidence{Kind: "note", Detail: fmt.Sprintf("%d addresses for %s: only the first %d are scanned", n, service, probes.MaxEndpoints)})
	}
	ev = probes.BoundEvidence(ev, probes.MaxEvidence)
	switch {
	case s.Error != "":
		return probes.Observation{Status: probes.StatusDNSError, Reason: s.Error, Evidence: ev}
	case s.Disabled:
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: s.Name + " has the target \".\": service not offered", Evidence: ev}
	case len(s.Records) == 0:
		// Only the XEP-0368 services have no fallback to the domain.
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no " + s.Name + " SRV record: service not published", Evidence: ev}
	}
	eps := s.Endpoints()
	if len(eps) == 0 {
		var errs []string
		for _, r := range s.Records {
			errs = append(errs, r.Error)
		}
		return probes.Observation{Status: probes.StatusDNSError, Reason: "no address for " + service + ": " + strings.Join(errs, "; "), Evidence: ev}
	}
	port := defPort
	if len(s.Records) > 0 {
		port = int(s.Records[0].Port)
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: &tls.EndpointsData{Host: d.Domain, Port: port, Endpoints: eps}}
}

// daneProbe asks TLSA for the SRV target (RFC 7673 §3). With one target it
// is the spine's DANE probe for that target:port; several distinct
// targets are not supported by tls.DANEData yet (one name per set).
// daneTargets asks the TLSA records of every SRV target (RFC 7673 §3: the
// TLSA name is the target's, not the domain's) and matches each against the
// chains served by that target's addresses.
func daneTargets(ctx context.Context, env *probes.Env, in probes.Results, s *Service, domain string, ids tls.Keys) probes.Observation {
	hs, _ := ids.Handshake.OK(in)
	agg := &tls.DANEData{}
	var ev []probes.Evidence
	seen := map[string]bool{}
	var names []string
	for _, r := range s.Records {
		host := strings.TrimSuffix(r.Target, ".")
		key := fmt.Sprintf("%s:%d", host, r.Port)
		if seen[key] {
			continue
		}
		seen[key] = true
		addrs := map[string]bool{}
		for _, e := range r.Endpoints {
			addrs[e.Addr] = true
		}
		sub := probes.Results{}
		for k, v := range in {
			sub[k] = v
		}
		if hs != nil {
			f := *hs
			f.Endpoints = nil
			for _, e := range hs.Endpoints {
				if addrs[e.Endpoint.Addr] {
					f.Endpoints = append(f.Endpoints, e)
				}
			}
			o := *in.Get(ids.Handshake.ID)
			o.Data = &f
			sub[ids.Handshake.ID] = &o
		}
		t := tlsTarget(domain, s.Service, host, int(r.Port))
		var obs probes.Observation
		for _, p := range tls.Probes(t, ids) {
			if p.ID() == ids.DANE.ID {
				obs = p.Run(ctx, env, sub)
			}
		}
		d, _ := obs.Data.(*tls.DANEData)
		if d == nil {
			d = &tls.DANEData{Name: tls.TLSAName(host, int(r.Port))}
		}
		if obs.Status != probes.StatusOK {
			d.Error = string(obs.Status) + ": " + obs.Reason
		}
		agg.Targets = append(agg.Targets, d)
		names = append(names, d.Name)
		ev = append(ev, obs.Evidence...)
	}
	agg.Name = strings.Join(names, ", ")
	withSRV(agg, s)
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: agg}
}

func daneProbe(ctx context.Context, env *probes.Env, in probes.Results, service, domain string, ids tls.Keys) probes.Observation {
	d, _ := DNS.OK(in)
	s := d.Service(service)
	if s == nil || len(s.Records) == 0 {
		return probes.Observation{Status: probes.StatusError, Reason: "no " + service + " target (bug)"}
	}
	targets := map[string]bool{}
	for _, r := range s.Records {
		targets[fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port)] = true
	}
	if len(targets) > 1 {
		return daneTargets(ctx, env, in, s, domain, ids)
	}
	r := s.Records[0]
	t := tlsTarget(domain, service, strings.TrimSuffix(r.Target, "."), int(r.Port))
	for _, p := range tls.Probes(t, ids) {
		if p.ID() == ids.DANE.ID {
			o := p.Run(ctx, env, in)
			if dd, ok := o.Data.(*tls.DANEData); ok {
				withSRV(dd, s)
			}
			return o
		}
	}
	return probes.Observation{Status: probes.StatusError, Reason: "tls.Probes has no DANE probe (bug)"}
}

// withSRV records on d (and its targets) the DNSSEC state of the SRV
// answer its TLSA names came from: RFC 7673 §3 lets a client use TLSA
// records at an SRV target only when the SRV answer is secure too. Without
// an SRV record (the fallback to the domain) there is nothing to record.
func withSRV(d *tls.DANEData, s *Service) {
	if s.Fallback || s.DNSSEC == nil {
		return
	}
	d.SRV = s.DNSSEC
	for _, t := range d.Targets {
		t.SRV = s.DNSSEC
	}
}

// EndpointStreams is what one endpoint's streams showed.
type EndpointStreams struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	// Status is ok when the stream was followed as far as the server
	// allows (through STARTTLS when offered); PreTLS may be set even when
	// a later step failed.
	Status probes.Status `json:"status"`
	Reason string        `json:"reason,omitempty"`
	// Header is the server's first stream header.
	Header StreamHeader `json:"header"`
	// PreTLS are the features before STARTTLS; PostTLS after it (nil when
	// STARTTLS was not offered or failed).
	PreTLS  *Features `json:"pre_tls,omitempty"`
	PostTLS *Features `json:"post_tls,omitempty"`
	// PostTLSRefused is the stream error with which a server answered our
	// stream header after STARTTLS instead of features (s2s only): Prosody
	// with s2s_secure_auth closes the stream of a peer that presented no
	// valid certificate with <not-authorized/>. Status is then ok: the
	// stream was followed as far as the server allows.
	PostTLSRefused *StreamError `json:"post_tls_refused,omitempty"`
	// TLSVersion and TLSCipher of the STARTTLS handshake.
	TLSVersion string `json:"tls_version,omitempty"`
	TLSCipher  string `json:"tls_cipher,omitempty"`
	// Registration is the answer to the XEP-0077 registration-form
	// request, asked on every c2s stream after STARTTLS (before it only
	// when the server offers no TLS), whether or not the stream feature is
	// advertised: ejabberd answers with a form even when it hides the
	// feature ("access: none") and refuses at submission. imscore never
	// submits the form. Nil on s2s streams.
	Registration *Registration `json:"registration,omitempty"`
	// ClosedCleanly: the server answered our </stream:stream> with its own.
	ClosedCleanly bool `json:"closed_cleanly"`
}

// StreamsData is the data of xmpp.c2s.streams and xmpp.s2s.streams.
type StreamsData struct {
	Domain string `json:"domain"`
	// Namespace is jabber:client or jabber:server.
	Namespace string            `json:"namespace"`
	From      string            `json:"from,omitempty"`
	Endpoints []EndpointStreams `json:"endpoints"`
}

// C2SStreams and S2SStreams are the observations of the client and server
// stream probes.
var (
	C2SStreams = probes.Key[*StreamsData]{ID: "xmpp.c2s.streams"}
	S2SStreams = probes.Key[*StreamsData]{ID: "xmpp.s2s.streams"}
)

func streamsProbe(ctx context.Context, env *probes.Env, in probes.Results, domain string, eps probes.Key[*tls.EndpointsData], ns string) probes.Observation {
	ed, _ := eps.OK(in)
	if ed == nil || len(ed.Endpoints) == 0 {
		return probes.Observation{Status: probes.StatusError, Reason: "no endpoints (bug: input missing)"}
	}
	from := ""
	if ns == NSServer {
		from = ProbeDomain
	}
	d := &StreamsData{Domain: domain, Namespace: ns, From: from}
	d.Endpoints = probes.ForEndpoints(ctx, ed.Endpoints, func(ctx context.Context, ep probes.Endpoint) EndpointStreams {
		return probeStreams(ctx, env, ep, domain, ns, from)
	})
	var ev []probes.Evidence
	ok := false
	var reasons []string
	for _, e := range d.Endpoints {
		ev = append(ev, StreamEvidence(e)...)
		if e.Status == probes.StatusOK {
			ok = true
		} else {
			reasons = append(reasons, e.Endpoint.Addr+": "+e.Reason)
		}
	}
	if !ok {
		return probes.Observation{Status: d.Endpoints[0].Status, Reason: strings.Join(reasons, "; "), Evidence: ev, Data: d}
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: d}
}

// StreamEvidence renders what one endpoint's streams showed.
func StreamEvidence(e EndpointStreams) []probes.Evidence {
	var ev []probes.Evidence
	if e.PreTLS != nil {
		ev = append(ev, probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "stream", Sent: "stream header (before TLS)", Received: e.PreTLS.XML})
	}
	if e.PostTLS != nil {
		ev = append(ev, probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "stream", Sent: "stream header (after STARTTLS, " + e.TLSVersion + ")", Received: e.PostTLS.XML})
	}
	if r := e.PostTLSRefused; r != nil {
		recv := "<stream:error><" + r.Condition + "/>"
		if r.Text != "" {
			recv += "<text>" + escape(r.Text) + "</text>"
		}
		ev = append(ev, probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "stream", Sent: "stream header (after STARTTLS, " + e.TLSVersion + ", no client certificate)",
			Received: recv + "</stream:error>", Detail: "the server closed the stream instead of sending features"})
	}
	if e.Status != probes.StatusOK {
		ev = append(ev, probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "stream", Detail: string(e.Status) + ": " + e.Reason})
	}
	return ev
}

// RegistrationEvidence renders the registration-form request and answer.
func RegistrationEvidence(e EndpointStreams) []probes.Evidence {
	r := e.Registration
	if r == nil {
		return nil
	}
	ev := probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "stream", Sent: r.Sent, Received: r.Received}
	if r.Error != "" {
		ev.Detail = "no answer: " + r.Error
	}
	return []probes.Evidence{ev}
}

// probeStreams opens a stream to one endpoint, reads the features, runs
// STARTTLS when offered, reads the features again and closes the stream. It
// never authenticates.
func probeStreams(ctx context.Context, env *probes.Env, ep probes.Endpoint, domain, ns, from string) EndpointStreams {
	r := EndpointStreams{Endpoint: ep}
	fail := func(err error) EndpointStreams {
		r.Status, r.Reason = probes.StatusOf(err), err.Error()
		return r
	}
	conn, st, err := env.Dial(ctx, ep.Addr)
	if err != nil {
		r.Status, r.Reason = st, probes.ShortNetError(err)
		return r
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	s := newSession(conn, ns, domain, from, env.IOTimeout)
	h, f, err := s.open(ctx)
	r.Header = h
	if err != nil {
		return fail(err)
	}
	r.PreTLS = f
	if !f.StartTLS {
		r.Status = probes.StatusOK
		if ns == NSClient {
			r.Registration = s.askRegistration(ctx)
		}
		r.ClosedCleanly = s.close(ctx)
		return r
	}
	tc, err := s.startTLS(ctx, env, domain, nil)
	if err != nil {
		return fail(err)
	}
	cs := tc.ConnectionState()
	r.TLSVersion = wire.Version(cs.Version).String()
	r.TLSCipher = stdtls.CipherSuiteName(cs.CipherSuite)
	_, f2, err := s.open(ctx)
	var se *StreamError
	if err != nil && ns == NSServer && errors.As(err, &se) {
		r.PostTLSRefused = se
		r.Status = probes.StatusOK
		return r
	}
	if err != nil {
		return fail(fmt.Errorf("after STARTTLS: %w", err))
	}
	r.PostTLS = f2
	r.Status = probes.StatusOK
	if ns == NSClient {
		r.Registration = s.askRegistration(ctx)
	}
	r.ClosedCleanly = s.close(ctx)
	return r
}

// DirectTLSEndpoint is what one XEP-0368 endpoint showed: a TLS handshake
// (SNI = the domain, ALPN xmpp-client) and a client stream over it.
type DirectTLSEndpoint struct {
	Endpoint probes.Endpoint `json:"endpoint"`
	// Target is the SRV target:port the endpoint belongs to.
	Target string        `json:"target"`
	Status probes.Status `json:"status"`
	Reason string        `json:"reason,omitempty"`
	// TLSVersion, TLSCipher and ALPN ("" when the server chose none) of
	// the handshake.
	TLSVersion string `json:"tls_version,omitempty"`
	TLSCipher  string `json:"tls_cipher,omitempty"`
	ALPN       string `json:"alpn,omitempty"`
	// Header and Features of the stream opened over TLS.
	Header        StreamHeader `json:"header"`
	Features      *Features    `json:"features,omitempty"`
	ClosedCleanly bool         `json:"closed_cleanly"`
}

// DirectTLSData is the data of xmpp.c2s.direct-tls.
type DirectTLSData struct {
	Domain    string              `json:"domain"`
	Endpoints []DirectTLSEndpoint `json:"endpoints"`
}

// DirectTLS is the observation of the direct-TLS (XEP-0368) stream probe.
var DirectTLS = probes.Key[*DirectTLSData]{ID: "xmpp.c2s.direct-tls"}

// DirectTLSEvidence renders one direct-TLS endpoint.
func DirectTLSEvidence(e DirectTLSEndpoint) probes.Evidence {
	ev := probes.Evidence{Endpoint: e.Endpoint.Addr, Kind: "stream",
		Sent: "TLS ClientHello (SNI, ALPN " + ALPNClient + ") to " + e.Target + ", then a client stream header"}
	if e.Features != nil {
		ev.Received = e.Features.XML
	}
	if e.Status == probes.StatusOK {
		alpn := e.ALPN
		if alpn == "" {
			alpn = "none"
		}
		ev.Detail = fmt.Sprintf("%s, %s, ALPN %s", e.TLSVersion, e.TLSCipher, alpn)
	} else {
		ev.Detail = string(e.Status) + ": " + e.Reason
	}
	return ev
}

// directTLSProbe connects with TLS from the first byte to every address of
// every _xmpps-client._tcp target (XEP-0368), offers ALPN xmpp-client,
// opens a client stream to the domain and reads its features. The
// certificate is not judged here (no verification); the stream is closed
// cleanly and nothing is asked.
func directTLSProbe(ctx context.Context, env *probes.Env, in probes.Results, domain string) probes.Observation {
	d, _ := DNS.OK(in)
	svc := d.Service(ServiceClientTLS)
	switch {
	case svc == nil:
		return probes.Observation{Status: probes.StatusError, Reason: "xmpp.dns has no " + ServiceClientTLS + " answer (bug)"}
	case svc.Error != "":
		return probes.Observation{Status: probes.StatusDNSError, Reason: svc.Error}
	case svc.Disabled || len(svc.Records) == 0:
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no " + ServiceClientTLS + " SRV record: direct TLS not published"}
	}
	out := &DirectTLSData{Domain: domain}
	seen := map[string]bool{}
	for _, r := range svc.Records {
		for _, ep := range r.Endpoints {
			if !seen[ep.Addr] && len(out.Endpoints) < probes.MaxEndpoints {
				seen[ep.Addr] = true
				out.Endpoints = append(out.Endpoints, DirectTLSEndpoint{Endpoint: ep, Target: fmt.Sprintf("%s:%d", strings.TrimSuffix(r.Target, "."), r.Port)})
			}
		}
	}
	if len(out.Endpoints) == 0 {
		return probes.Observation{Status: probes.StatusNotApplicable, Reason: "no address for any " + ServiceClientTLS + " target", Data: out}
	}
	probes.Parallel(len(out.Endpoints), probes.EndpointConcurrency, func(i int) {
		probeDirectTLS(ctx, env, &out.Endpoints[i], domain)
	})
	var ev []probes.Evidence
	for _, e := range out.Endpoints {
		ev = append(ev, DirectTLSEvidence(e))
	}
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: out}
}

func probeDirectTLS(ctx context.Context, env *probes.Env, r *DirectTLSEndpoint, domain string) {
	fail := func(err error) {
		r.Status, r.Reason = probes.StatusOf(err), err.Error()
	}
	conn, st, err := env.Dial(ctx, r.Endpoint.Addr)
	if err != nil {
		r.Status, r.Reason = st, probes.ShortNetError(err)
		return
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	s := newSession(conn, NSClient, domain, "", env.IOTimeout)
	tc, err := s.handshake(ctx, env, domain, []string{ALPNClient})
	if err != nil {
		fail(err)
		return
	}
	cs := tc.ConnectionState()
	r.TLSVersion = wire.Version(cs.Version).String()
	r.TLSCipher = stdtls.CipherSuiteName(cs.CipherSuite)
	r.ALPN = cs.NegotiatedProtocol
	h, f, err := s.open(ctx)
	r.Header = h
	if err != nil {
		fail(fmt.Errorf("stream over direct TLS: %w", err))
		return
	}
	r.Features = f
	r.Status = probes.StatusOK
	r.ClosedCleanly = s.close(ctx)
}
