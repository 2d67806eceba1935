package tls

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/imscore/imscore/probes"
)

// ScanSpec is the TLS grade of the one service t (`imscore scan tls
// HOST:PORT`); name is the argument as the user gave it. A caller that
// upgrades the connection first (t.Upgrade, e.g. XMPP STARTTLS) adds what
// it negotiates to the report's target (StartTLS, XMPPDomain).
func ScanSpec(name string, t Target) probes.Spec {
	return probes.Spec{
		Target:    probes.Target{Kind: "tls", Name: name, Host: t.Host, Port: t.Port, SNI: t.ServerName()},
		Probes:    Probes(t, DefaultKeys),
		Scannable: scannable,
		Endpoints: endpoints,
	}
}

// ParseHostPort splits HOST:PORT ([v6]:PORT allowed); without a port it
// is def. The host comes back without a trailing dot.
func ParseHostPort(s string, def int) (string, int, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		if strings.Count(s, ":") == 0 || (strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]")) {
			host, port = strings.Trim(s, "[]"), strconv.Itoa(def)
		} else {
			return "", 0, fmt.Errorf("%q: want HOST:PORT", s)
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return "", 0, fmt.Errorf("%q: bad port %q", s, port)
	}
	if host == "" || strings.ContainsAny(host, " /\\@\t\n") || len(host) > 253 {
		return "", 0, fmt.Errorf("%q: bad host name", s)
	}
	return strings.TrimSuffix(host, "."), p, nil
}

// scannable decides whether a TLS scan reached the server at all: some
// address resolved, and the handshake or the version enumeration got an
// answer.
func scannable(res probes.Results) error {
	ids := DefaultKeys
	if o := res.Get(ids.Endpoints.ID); o == nil || o.Status != probes.StatusOK {
		return fmt.Errorf("%s", probes.ReasonOf(o))
	}
	hs, vs := res.Get(ids.Handshake.ID), res.Get(ids.Versions.ID)
	if hs.Status != probes.StatusOK && vs.Status != probes.StatusOK {
		r := probes.ReasonOf(vs)
		if hs.Status == probes.StatusTimeout || (vs.Status != probes.StatusTimeout && hs.Status != probes.StatusTLSError) {
			r = probes.ReasonOf(hs)
		}
		return fmt.Errorf("%s", r)
	}
	return nil
}

// endpoints lists every address that was scanned.
func endpoints(res probes.Results) []probes.Endpoint {
	if d, ok := DefaultKeys.Endpoints.OK(res); ok {
		return d.Endpoints
	}
	return nil
}
