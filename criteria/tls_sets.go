package criteria

import (
	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/xmpp"
)

// tlsSet is one TLS service of a target whose results the tls.* criteria
// judge: the single service of `scan tls`, or e.g. c2s and s2s of an XMPP
// domain. Every endpoint of every set counts; the worst decides.
type tlsSet struct {
	Label string // "" for scan tls, else e.g. "c2s"
	Keys  tls.Keys
}

// tlsServices lists the TLS services of each target kind, by the probe keys
// the protocol packages give them.
var tlsServices = map[string][]tlsSet{
	"tls": {{"", tls.DefaultKeys}},
	// c2s and s2s after STARTTLS; c2s-tls and s2s-tls are direct TLS
	// (XEP-0368), left out when the domain publishes no _xmpps-* record.
	"xmpp":   {{"c2s", xmpp.C2STLS}, {"s2s", xmpp.S2STLS}, {"c2s-tls", xmpp.C2SDirectTLS}, {"s2s-tls", xmpp.S2SDirectTLS}},
	"matrix": {{"federation", matrix.FederationTLS}},
}

func tlsSets(in Input) []tlsSet {
	var out []tlsSet
	all := tlsServices[in.Kind]
	for _, s := range all {
		if o := in.Results.Get(s.Keys.Endpoints.ID); len(all) > 1 && (o == nil || o.Status == probes.StatusNotApplicable) {
			continue // this service was not scanned, or does not exist (e.g. an SRV record with the target ".")
		}
		out = append(out, s)
	}
	return out
}

func (s tlsSet) name(addr string) string {
	if s.Label == "" {
		return addr
	}
	return s.Label + " " + addr
}

// missing is the per-set verdict when a set's probe did not succeed.
func (s tlsSet) missing(in Input, id probes.ID, what string) epVerdict {
	v := notMeasured(in, id, what)
	if o := s.noTLS(in); o != nil && v.Status == report.Error {
		// A probe that needed the handshake or the versions of a service
		// without TLS: there is nothing to measure.
		v = Verdict{Status: report.Skip, Summary: what + ": no TLS offered (" + o.Reason + ")", Evidence: o.Evidence}
	}
	summary := v.Summary
	if s.Label != "" {
		summary = s.Label + ": " + summary
	}
	return epVerdict{Endpoint: s.Label, Status: v.Status, Summary: summary, Evidence: v.Evidence}
}

// perEndpoint is the loop every TLS criterion shares: for every TLS set of
// the target, the data of one probe (a set whose probe failed is judged by
// notMeasured), then fn on every endpoint that was measured; an endpoint
// that was not is an error prefixed with unmeasured. The worst wins.
func perEndpoint[D any, E any](in Input, what, unmeasured string, probe func(tls.Keys) probes.Key[D],
	endpoints func(D) []E, head func(E) tls.EndpointResult, fn func(D, E) epVerdict) Verdict {
	var vs []epVerdict
	for _, set := range tlsSets(in) {
		k := probe(set.Keys)
		d, ok := k.OK(in.Results)
		if !ok {
			vs = append(vs, set.missing(in, k.ID, what))
			continue
		}
		for _, e := range endpoints(d) {
			h := head(e)
			v := epVerdict{Status: report.Error, Summary: unmeasured + h.Reason}
			switch {
			case h.Status == probes.StatusOK:
				v = fn(d, e)
			case h.Status == probes.StatusNoTLS:
				// Nothing to measure: the endpoint offers no TLS at all,
				// which the protocol's criteria fail (and cap at F).
				v = epVerdict{Status: report.Skip, Summary: "no TLS offered: " + h.Reason}
			case deadElsewhere(in, set, h.Endpoint.Addr):
				// Published but silent while the other family answers:
				// net.dual-stack fails for it; nothing to grade here.
				v = epVerdict{Status: report.Skip, Summary: "not measured: " + h.Endpoint.Addr + " does not answer (see net.dual-stack)"}
			}
			v.Endpoint = set.name(h.Endpoint.Addr)
			vs = append(vs, v)
		}
	}
	return combine(vs)
}

// noTLS returns the observation that shows the service offers no TLS at
// all (its handshake or version probe ended no-tls), or nil.
func (s tlsSet) noTLS(in Input) *probes.Observation {
	for _, id := range []probes.ID{s.Keys.Handshake.ID, s.Keys.Versions.ID} {
		if o := in.Results.Get(id); o != nil && o.Status == probes.StatusNoTLS {
			return o
		}
	}
	return nil
}
