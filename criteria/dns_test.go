package criteria

import (
	"testing"

	"github.com/imscore/imscore/matrix"
	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
	"github.com/imscore/imscore/xmpp"
)

func dnssecState(name, typ, state string) *probes.DNSSEC {
	d := &probes.DNSSEC{Name: name, Type: typ, Resolver: "127.0.0.1:5353", State: state}
	if state == probes.DNSSECBogus {
		d.Detail = "SERVFAIL: DNSSEC validation failed (bogus signatures): 6 (DNSSEC Bogus): signature crypto failed"
	}
	return d
}

// xmppDNSSEC is an XMPP scan whose SRV answers for client and server have
// the given states, and whose c2s TLSA answer has tlsa.
func xmppDNSSEC(client, server, tlsa string) probes.Results {
	d := &xmpp.DNSData{Domain: "example.org", Services: []*xmpp.Service{
		{Service: "xmpp-client", DNSSEC: dnssecState("_xmpp-client._tcp.example.org.", "SRV", client)},
		{Service: "xmpp-server", DNSSEC: dnssecState("_xmpp-server._tcp.example.org.", "SRV", server)},
	}}
	r := results(okObs(xmpp.DNS.ID, d), okObs(xmpp.C2STLS.Endpoints.ID, &tls.EndpointsData{}))
	if tlsa != "" {
		r[xmpp.C2STLS.DANE.ID] = okObs(xmpp.C2STLS.DANE.ID, &tls.DANEData{DNSSEC: dnssecState("_5222._tcp.xmpp.example.org.", "TLSA", tlsa)})
	}
	return r
}

func dnsCases(t *testing.T) []evalCase {
	sec, ins, bog := probes.DNSSECSecure, probes.DNSSECInsecure, probes.DNSSECBogus
	fed := &matrix.DiscoveryData{SRV: []matrix.SRVLookup{{Name: "_matrix-fed._tcp.example.org.", DNSSEC: dnssecState("_matrix-fed._tcp.example.org.", "SRV", ins)}}}
	return []evalCase{
		{ID: "dns.dnssec", Name: "all authenticated", Kind: "xmpp", Res: xmppDNSSEC(sec, sec, sec), Want: report.Pass, Has: "127.0.0.1:5353 was trusted"},
		{ID: "dns.dnssec", Name: "unsigned", Kind: "xmpp", Res: xmppDNSSEC(ins, ins, ins), Want: report.Warn, Has: "not DNSSEC-signed"},
		{ID: "dns.dnssec", Name: "SRV unsigned, TLSA signed", Kind: "xmpp", Res: xmppDNSSEC(ins, ins, sec), Want: report.Warn, Has: "partly"},
		{ID: "dns.dnssec", Name: "bogus TLSA", Kind: "xmpp", Res: xmppDNSSEC(sec, sec, bog), Want: report.Fail, Has: "signature crypto failed"},
		{ID: "dns.dnssec", Name: "resolver does not validate", Kind: "xmpp", Res: xmppDNSSEC(probes.DNSSECUnvalidated, sec, sec), Want: report.Error, Has: "does not validate"},
		{ID: "dns.dnssec", Name: "SERVFAIL", Kind: "xmpp", Res: xmppDNSSEC(probes.DNSSECFailed, sec, sec), Want: report.Error},
		{ID: "dns.dnssec", Name: "matrix _matrix-fed unsigned", Kind: "matrix", Res: results(okObs(matrix.Discovery.ID, fed)), Want: report.Warn, Has: "_matrix-fed._tcp.example.org SRV"},
		{ID: "dns.dnssec", Name: "IP literal", Kind: "tls", Res: results(&probes.Observation{Probe: tls.DefaultKeys.DANE.ID, Status: probes.StatusNotApplicable}), Want: report.Skip},
	}
}
