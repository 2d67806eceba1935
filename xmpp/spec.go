package xmpp

import (
	"fmt"
	"net"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/tls"
)

// ScanSpec is the anonymous scan of the XMPP domain arg (`imscore scan
// xmpp DOMAIN`, `imscore compare --server xmpp:DOMAIN`): DNS, the c2s and
// s2s streams, direct TLS, the TLS grades and host-meta. WithAccount adds
// the logged-in probes.
func ScanSpec(arg string) (probes.Spec, error) {
	domain, err := ParseDomain(arg)
	if err != nil {
		return probes.Spec{}, err
	}
	return probes.Spec{
		Target:    probes.Target{Kind: "xmpp", Name: domain, XMPPDomain: domain},
		Probes:    Probes(domain),
		Scannable: scannable,
		Endpoints: endpoints,
	}, nil
}

// WithAccount adds to an XMPP domain's scan the logged-in probe of creds,
// which must be a bare JID of that domain.
func WithAccount(s probes.Spec, creds *probes.Credentials) (probes.Spec, error) {
	domain := s.Target.Name
	if _, err := ParseAccount(creds.Account, domain); err != nil {
		return probes.Spec{}, err
	}
	s.Probes = append(s.Probes[:len(s.Probes):len(s.Probes)], AccountProbe(domain, creds))
	return s, nil
}

// WithRegistrationProof adds the active registration test (--active, only
// against one's own server): one XEP-0077 registration is submitted, and
// an account it creates is removed at once and checked gone.
func WithRegistrationProof(s probes.Spec) probes.Spec {
	s.Probes = append(s.Probes[:len(s.Probes):len(s.Probes)], RegistrationProbe(s.Target.Name))
	return s
}

// ParseDomain checks an XMPP domain argument (RFC 7622 domainpart; IP
// literals are allowed, as XMPP allows them) and returns it lower-cased,
// without a trailing dot.
func ParseDomain(s string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if ip := net.ParseIP(strings.Trim(d, "[]")); ip != nil {
		return ip.String(), nil
	}
	if d == "" || len(d) > 253 || strings.ContainsAny(d, " /\\@:\t\n") {
		return "", fmt.Errorf("%q: want an XMPP domain such as example.org (no user@, no port; use --connect to dial another port)", s)
	}
	return d, nil
}

// scannable: the scan reached the domain when at least one c2s endpoint
// answered with an XMPP stream.
func scannable(res probes.Results) error {
	if o := res.Get(DNS.ID); o == nil || o.Status != probes.StatusOK {
		return fmt.Errorf("DNS: %s", probes.ReasonOf(o))
	}
	// A domain may offer clients direct TLS only (XEP-0368; _xmpp-client
	// "." or absent service): a stream over direct TLS counts too.
	if dt, ok := DirectTLS.OK(res); ok {
		for _, e := range dt.Endpoints {
			if e.Features != nil {
				return nil
			}
		}
	}
	if o := res.Get(C2STLS.Endpoints.ID); o == nil || o.Status != probes.StatusOK {
		return fmt.Errorf("no client endpoint: %s", probes.ReasonOf(o))
	}
	d, _ := C2SStreams.OK(res)
	if d != nil {
		for _, e := range d.Endpoints {
			if e.PreTLS != nil {
				return nil
			}
		}
	}
	return fmt.Errorf("no client endpoint answered: %s", probes.ReasonOf(res.Get(C2SStreams.ID)))
}

// endpoints lists the c2s, the s2s, then the direct-TLS endpoints.
func endpoints(res probes.Results) []probes.Endpoint {
	var out []probes.Endpoint
	for _, k := range []tls.Keys{C2STLS, S2STLS, C2SDirectTLS, S2SDirectTLS} {
		if d, ok := k.Endpoints.OK(res); ok {
			out = append(out, d.Endpoints...)
		}
	}
	return out
}

// TLSScanSpec is the TLS grade of one XMPP service (`imscore scan tls
// HOST:PORT --starttls MODE --xmpp-domain DOMAIN`): with mode
// (StartTLSClient, StartTLSServer) the connection is upgraded with
// STARTTLS in a stream to domain first; with domain the certificate must
// match its XMPP identities (RFC 6120 §13.7.2, RFC 7590). name is the
// argument as the user gave it.
func TLSScanSpec(name string, t tls.Target, mode, domain string) probes.Spec {
	if mode != "" {
		t.Upgrade, t.SNI = StartTLS(mode, domain), ServerName(domain, t.SNI)
	}
	if domain != "" {
		t.References = ReferenceIDs(domain, mode == StartTLSServer, false)
	}
	s := tls.ScanSpec(name, t)
	s.Target.StartTLS, s.Target.XMPPDomain = mode, domain
	return s
}
