package xmpp

import (
	"strings"

	"github.com/imscore/imscore/tls"
)

// ServerName is the SNI of a TLS connection to the XMPP service of domain:
// the XMPP domain itself, not the host an SRV record points to (RFC 7590
// §3.1; XEP-0368 §3 for direct TLS). An explicit sni (--sni) wins.
func ServerName(domain, sni string) string {
	if sni != "" {
		return sni
	}
	return domain
}

// ReferenceIDs are the identities the certificate of domain's XMPP service
// must present (RFC 6120 §13.7.2.1, RFC 7590 §3.1, matched by the rules of
// RFC 6125 §6): the DNS-ID domain; the SRV-ID of the service,
// _xmpp-client.domain or, for a server-to-server service, _xmpp-server.domain
// (RFC 4985), plus for direct TLS (XEP-0368) _xmpps-client.domain or
// _xmpps-server.domain; and the XmppAddr domain (RFC 6120 §13.7.1.4).
func ReferenceIDs(domain string, server, direct bool) tls.ReferenceIDs {
	d := strings.ToLower(domain)
	r := tls.ReferenceIDs{DNS: []string{domain}, XMPP: []string{domain}}
	if server {
		r.SRV = append(r.SRV, "_xmpp-server."+d)
	} else {
		r.SRV = append(r.SRV, "_xmpp-client."+d)
	}
	if direct {
		if server {
			r.SRV = append(r.SRV, "_xmpps-server."+d)
		} else {
			r.SRV = append(r.SRV, "_xmpps-client."+d)
		}
	}
	return r
}

// tlsTarget is the tls.Target of domain's service at host:port: STARTTLS on
// a client or server stream (ServiceClient, ServiceServer) or TLS from the
// first byte with ALPN xmpp-client or xmpp-server (ServiceClientTLS,
// ServiceServerTLS, XEP-0368 §3). SNI and the reference identities are the
// domain's whatever the host (RFC 7590 §3.1).
func tlsTarget(domain, service, host string, port int) tls.Target {
	t := tls.Target{Host: host, Port: port, SNI: ServerName(domain, "")}
	switch service {
	case ServiceClient:
		t.Upgrade, t.References = StartTLS(StartTLSClient, domain), ReferenceIDs(domain, false, false)
	case ServiceServer:
		t.Upgrade, t.References = StartTLS(StartTLSServer, domain), ReferenceIDs(domain, true, false)
	case ServiceClientTLS:
		t.ALPN, t.References = []string{ALPNClient}, ReferenceIDs(domain, false, true)
	case ServiceServerTLS:
		t.ALPN, t.References = []string{ALPNServer}, ReferenceIDs(domain, true, true)
	}
	return t
}
