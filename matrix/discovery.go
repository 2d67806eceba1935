package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/dns"

	"github.com/imscore/imscore/probes"
)

// Discovery steps (DiscoveryData.Step), after the server-server API,
// "Resolving server names".
const (
	StepIPLiteral       = "ip-literal"          // 1: the server name is an IP
	StepExplicitPort    = "explicit-port"       // 2: hostname with a port
	StepWellKnownIP     = "well-known-ip"       // 3a: m.server is an IP
	StepWellKnownPort   = "well-known-port"     // 3b: m.server has a port
	StepWellKnownSRV    = "well-known-srv"      // 3c: _matrix-fed._tcp.<delegated>
	StepWellKnownLegacy = "well-known-legacy"   // 3d: _matrix._tcp.<delegated> (deprecated)
	StepWellKnown8448   = "well-known-fallback" // 3e: <delegated>:8448
	StepSRV             = "srv"                 // 4: _matrix-fed._tcp.<hostname>
	StepLegacySRV       = "legacy-srv"          // 5: _matrix._tcp.<hostname> (deprecated)
	StepFallback        = "fallback"            // 6: <hostname>:8448
	maxSRVTargets       = 8                     // SRV targets resolved per lookup
	srvFed              = "_matrix-fed._tcp."   // since Matrix 1.8
	srvLegacy           = "_matrix._tcp."       // deprecated in Matrix 1.8
)

// SRVTarget is one SRV record and what its target resolved to.
type SRVTarget struct {
	Priority uint16 `json:"priority"`
	Weight   uint16 `json:"weight"`
	Port     uint16 `json:"port"`
	Target   string `json:"target"`
	// CNAME is set when the target is an alias (RFC 2782 forbids it).
	CNAME     string            `json:"cname,omitempty"`
	Endpoints []probes.Endpoint `json:"endpoints,omitempty"`
	Error     string            `json:"error,omitempty"`
}

// SRVLookup is one SRV question and its answer.
type SRVLookup struct {
	Name    string      `json:"name"`
	Rcode   string      `json:"rcode,omitempty"`
	AD      bool        `json:"ad"`
	Records []SRVTarget `json:"records,omitempty"`
	// Disabled: a single "." record (the service is decidedly absent).
	Disabled bool   `json:"disabled,omitempty"`
	Error    string `json:"error,omitempty"`
	// DNSSEC is what the SRV answer says about its authenticity.
	DNSSEC *probes.DNSSEC `json:"dnssec,omitempty"`
}

// Found reports whether the lookup yielded usable records.
func (l *SRVLookup) Found() bool { return l != nil && len(l.Records) > 0 }

// DiscoveryData is the data of matrix.discovery.
type DiscoveryData struct {
	ServerName string     `json:"server_name"`
	Parsed     ServerName `json:"parsed"`
	// WellKnown is the /.well-known/matrix/server request (nil when the
	// server name is an IP literal or has a port).
	WellKnown *WellKnown `json:"well_known,omitempty"`
	// Delegated is m.server when the well-known was valid.
	Delegated *ServerName `json:"delegated,omitempty"`
	// WellKnownError says why a 200 answer was not usable (bad JSON,
	// missing or bad m.server): discovery then went on with SRV.
	WellKnownError string `json:"well_known_error,omitempty"`
	// SRV are the SRV questions asked, in order.
	SRV []SRVLookup `json:"srv,omitempty"`
	// Step is the rule that decided (Step* constants).
	Step string `json:"step"`
	// CertName is the name the federation certificate must be valid for;
	// HostHeader the Host header of federation requests.
	CertName   string `json:"cert_name"`
	HostHeader string `json:"host_header"`
	// Endpoints are every address to connect to (Name is the host dialled).
	Endpoints []probes.Endpoint `json:"endpoints"`
	// Error says why no endpoint was found.
	Error string `json:"error,omitempty"`
	// Notes are remarks for the admin (deprecated record used, CNAME
	// target, redirects…).
	Notes []Note `json:"notes,omitempty"`
}

// NoteKind says what a discovery note is about.
type NoteKind int

// Discovery notes. The first is a remark; the others are problems another
// homeserver may trip over.
const (
	NoteRedirected   NoteKind = iota // the well-known request was redirected
	NoteLegacySRV                    // only the deprecated _matrix._tcp record exists
	NoteSRVCNAME                     // an SRV target is a CNAME (RFC 2782 forbids it)
	NoteSRVNoAddress                 // an SRV target has no address
)

// Note is one discovery remark: its kind, and the text for the admin (the
// JSON report carries the text).
type Note struct {
	Kind NoteKind
	Text string
}

// Problem reports whether the note is a problem rather than a remark.
func (n Note) Problem() bool { return n.Kind != NoteRedirected }

// MarshalJSON writes the text, as reports always had it.
func (n Note) MarshalJSON() ([]byte, error) { return json.Marshal(n.Text) }

// UnmarshalJSON reads the text (a report read back keeps no kind).
func (n *Note) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &n.Text) }

// Discovery is the observation of server discovery.
var Discovery = probes.Key[*DiscoveryData]{ID: "matrix.discovery"}

// Ports lists the distinct ports of the endpoints.
func (d *DiscoveryData) Ports() []int {
	seen := map[int]bool{}
	var out []int
	for _, e := range d.Endpoints {
		p := portOf(e.Addr)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Ints(out)
	return out
}

func portOf(addr string) int {
	i := strings.LastIndexByte(addr, ':')
	n := 0
	for _, c := range addr[i+1:] {
		n = n*10 + int(c-'0')
	}
	return n
}

func discoveryProbe(ctx context.Context, env *probes.Env, serverName string) probes.Observation {
	d := &DiscoveryData{ServerName: serverName}
	var ev []probes.Evidence
	sn, err := ParseServerName(serverName)
	if err != nil {
		d.Error = err.Error()
		return probes.Observation{Status: probes.StatusError, Reason: err.Error(), Data: d}
	}
	d.Parsed = sn
	fail := func(st probes.Status, why string) probes.Observation {
		d.Error = why
		return probes.Observation{Status: st, Reason: why, Evidence: ev, Data: d}
	}
	// direct connects to name's host and port (the default port for an IP
	// literal without one): steps 1, 2, 3.1 and 3.2, which need no SRV.
	direct := func(step string, name ServerName, prefix string) *probes.Observation {
		port := name.Port
		if port == 0 {
			port = DefaultFederationPort
		}
		d.Step, d.CertName, d.HostHeader = step, name.Host, name.String()
		eps, ev2, st, err := env.ResolveEndpoints(ctx, name.Host, port)
		ev = append(ev, ev2...)
		if err != nil {
			o := fail(st, prefix+err.Error())
			return &o
		}
		d.Endpoints = eps
		return nil
	}
	switch {
	case sn.IP:
		if o := direct(StepIPLiteral, sn, ""); o != nil {
			return *o
		}
	case sn.Port != 0:
		if o := direct(StepExplicitPort, sn, ""); o != nil {
			return *o
		}
	default:
		w := fetchWellKnown(ctx, env, sn.Host, wellKnownServer, nil)
		d.WellKnown = w
		ev = append(ev, w.Evidence...)
		for _, x := range w.Exchanges {
			ev = append(ev, x.Evidence())
		}
		if w.Redirects > 0 {
			d.Notes = append(d.Notes, Note{NoteRedirected, fmt.Sprintf("the well-known request was redirected %d time(s); followed as the spec says", w.Redirects)})
		}
		if w.Valid() {
			del, raw, err := ParseWellKnownServer(w.Body)
			if err != nil {
				d.WellKnownError = err.Error()
				if raw != "" {
					d.WellKnownError = fmt.Sprintf("m.server %q: %v", raw, err)
				}
			} else {
				d.Delegated = &del
			}
		}
		if d.Delegated != nil {
			del := *d.Delegated
			ev = append(ev, probes.Evidence{Kind: "note", Detail: "delegated by .well-known to " + del.String()})
			switch {
			case del.IP:
				if o := direct(StepWellKnownIP, del, ""); o != nil {
					return *o
				}
			case del.Port != 0:
				if o := direct(StepWellKnownPort, del, "delegated "+del.String()+": "); o != nil {
					return *o
				}
			default:
				d.CertName, d.HostHeader = del.Host, del.Host
				if o := d.srvChain(ctx, env, del.Host, StepWellKnownSRV, StepWellKnownLegacy, StepWellKnown8448, &ev); o != nil {
					return *o
				}
			}
		} else {
			why := w.Reason
			if d.WellKnownError != "" {
				why = d.WellKnownError
			}
			ev = append(ev, probes.Evidence{Kind: "note", Detail: "no delegation from .well-known (" + w.Result + ": " + why + "): asking SRV"})
			d.CertName, d.HostHeader = sn.Host, sn.Host
			if o := d.srvChain(ctx, env, sn.Host, StepSRV, StepLegacySRV, StepFallback, &ev); o != nil {
				return *o
			}
		}
	}
	if len(d.Endpoints) == 0 {
		return fail(probes.StatusDNSError, "no address to connect to")
	}
	var lines []string
	for _, e := range d.Endpoints {
		lines = append(lines, e.Addr+" ("+e.Name+", "+e.Via+")")
	}
	ev = append(ev, probes.Evidence{Kind: "note", Detail: fmt.Sprintf("%s: connect to %s; certificate must be valid for %s; Host: %s",
		d.Step, strings.Join(lines, ", "), d.CertName, d.HostHeader)})
	return probes.Observation{Status: probes.StatusOK, Evidence: ev, Data: d}
}

// srvChain asks _matrix-fed._tcp.host, then (only when that found no
// record) the deprecated _matrix._tcp.host, then falls back to host:8448.
// It returns an observation only on failure.
func (d *DiscoveryData) srvChain(ctx context.Context, env *probes.Env, host, stepFed, stepLegacy, stepFallback string, ev *[]probes.Evidence) *probes.Observation {
	fail := func(st probes.Status, why string) *probes.Observation {
		d.Error = why
		return &probes.Observation{Status: st, Reason: why, Evidence: *ev, Data: d}
	}
	for _, svc := range []struct{ prefix, step string }{{srvFed, stepFed}, {srvLegacy, stepLegacy}} {
		l, e := lookupSRV(ctx, env, svc.prefix+host)
		*ev = append(*ev, e...)
		d.SRV = append(d.SRV, l)
		if l.Error != "" {
			// A resolver failure hides records: going on would scan
			// what may not be the server.
			return fail(probes.StatusDNSError, l.Error)
		}
		if l.Disabled {
			d.Step = svc.step
			return fail(probes.StatusNotApplicable, l.Name+" has the target \".\": the domain says it does not federate")
		}
		if !l.Found() {
			continue
		}
		d.Step = svc.step
		if svc.prefix == srvLegacy {
			d.Notes = append(d.Notes, Note{NoteLegacySRV, "only the deprecated " + l.Name + " record exists (Matrix 1.8 replaced it with " + srvFed + host + ")"})
		}
		for _, r := range l.Records {
			if r.CNAME != "" {
				d.Notes = append(d.Notes, Note{NoteSRVCNAME, fmt.Sprintf("SRV target %s is a CNAME (to %s): RFC 2782 requires the target to have A/AAAA records itself", r.Target, r.CNAME)})
			}
			if len(r.Endpoints) == 0 {
				d.Notes = append(d.Notes, Note{NoteSRVNoAddress, fmt.Sprintf("SRV target %s:%d has no address: %s", strings.TrimSuffix(r.Target, "."), r.Port, r.Error)})
			}
			d.Endpoints = append(d.Endpoints, r.Endpoints...)
		}
		d.Endpoints = dedupe(d.Endpoints)
		if len(d.Endpoints) == 0 {
			var why []string
			for _, r := range l.Records {
				if r.Error != "" {
					why = append(why, fmt.Sprintf("%s:%d: %s", strings.TrimSuffix(r.Target, "."), r.Port, r.Error))
				}
			}
			msg := "no SRV target of " + l.Name + " has an address"
			if len(why) > 0 {
				msg += " (" + strings.Join(probes.Listed(why, 3), "; ") + ")"
			}
			return fail(probes.StatusDNSError, msg)
		}
		return nil
	}
	d.Step = stepFallback
	eps, ev2, st, err := env.ResolveEndpoints(ctx, host, DefaultFederationPort)
	*ev = append(*ev, ev2...)
	if err != nil {
		return fail(st, "no SRV record; "+err.Error())
	}
	d.Endpoints = eps
	return nil
}

// srvDNSSEC is the DNSSEC state of the SRV answer that decided discovery
// (nil when discovery did not use SRV): DANE at an SRV target counts only
// when that answer is secure (RFC 7673 §3).
func (d *DiscoveryData) srvDNSSEC() *probes.DNSSEC {
	switch d.Step {
	case StepSRV, StepLegacySRV, StepWellKnownSRV, StepWellKnownLegacy:
	default:
		return nil
	}
	for i := len(d.SRV) - 1; i >= 0; i-- {
		if d.SRV[i].Found() {
			return d.SRV[i].DNSSEC
		}
	}
	return nil
}

func dedupe(eps []probes.Endpoint) []probes.Endpoint {
	seen := map[string]bool{}
	var out []probes.Endpoint
	for _, e := range eps {
		if !seen[e.Addr] && len(out) < probes.MaxEndpoints {
			seen[e.Addr] = true
			out = append(out, e)
		}
	}
	return out
}

// lookupSRV asks one SRV question and resolves every target (A and AAAA,
// or the --connect override), noting targets that are CNAMEs.
func lookupSRV(ctx context.Context, env *probes.Env, name string) (SRVLookup, []probes.Evidence) {
	l := SRVLookup{Name: dns.Fqdn(name)}
	ans, err := env.Resolver.Query(ctx, l.Name, dns.TypeSRV)
	if err != nil {
		l.Error = err.Error()
		l.DNSSEC = probes.NoAnswerDNSSEC(l.Name, dns.TypeSRV, err)
		return l, []probes.Evidence{{Kind: "dns", Sent: l.Name + " SRV", Detail: "no answer: " + err.Error()}}
	}
	ev := []probes.Evidence{ans.Evidence()}
	l.Rcode, l.AD, l.DNSSEC = ans.RcodeString(), ans.AD, ans.DNSSEC()
	if ans.Rcode != dns.RcodeSuccess && ans.Rcode != dns.RcodeNameError {
		l.Error = fmt.Sprintf("SRV question %s answered %s", l.Name, ans.Problem())
		return l, ev
	}
	var recs []SRVTarget
	for _, rr := range ans.Records {
		if srv, ok := rr.(*dns.SRV); ok && strings.EqualFold(srv.Hdr.Name, l.Name) {
			recs = append(recs, SRVTarget{Priority: srv.Priority, Weight: srv.Weight, Port: srv.Port, Target: srv.Target})
		}
	}
	if len(recs) == 1 && recs[0].Target == "." {
		l.Disabled = true
		return l, ev
	}
	keep := probes.OrderSRV(recs, maxSRVTargets, func(r SRVTarget) (uint16, uint16, string) { return r.Priority, r.Weight, r.Target })
	l.Records = keep
	evs := make([][]probes.Evidence, len(keep))
	var wg sync.WaitGroup
	for i := range l.Records {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &l.Records[i]
			host := strings.TrimSuffix(r.Target, ".")
			if a, err := env.Resolver.Query(ctx, host, dns.TypeCNAME); err == nil {
				for _, rr := range a.Records {
					if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, dns.Fqdn(host)) {
						r.CNAME = c.Target
						evs[i] = append(evs[i], a.Evidence())
					}
				}
			}
			eps, e, _, err := env.ResolveEndpoints(ctx, host, int(r.Port))
			if err != nil {
				r.Error = err.Error()
			}
			r.Endpoints = eps
			evs[i] = append(evs[i], e...)
		}()
	}
	wg.Wait()
	for _, e := range evs {
		ev = append(ev, e...)
	}
	return l, ev
}
