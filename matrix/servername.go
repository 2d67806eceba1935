// Package matrix probes a Matrix homeserver from the outside, the way
// another homeserver and a client would: server discovery (Matrix
// server-server API, "Resolving server names": .well-known/matrix/server,
// SRV _matrix-fed._tcp and the deprecated _matrix._tcp, port 8448), the
// federation endpoints of every resolved address (TLS via the spine's TLS
// probes, /_matrix/key/v2/server with its self-signature checked over
// canonical JSON, /_matrix/federation/v1/version), and client discovery
// (.well-known/matrix/client, m.homeserver.base_url, /_matrix/client/versions
// with its CORS headers).
//
// Every request is bounded in time and bytes, dials through the scan's Env
// (so --connect, --resolver and --ca-file apply) and is recorded as
// evidence. Nothing here uses the system resolver directly or a package-level
// HTTP client.
package matrix

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultFederationPort is the port of a server name without SRV records
// or delegated port (server-server API, "Resolving server names").
const DefaultFederationPort = 8448

// ServerName is a parsed Matrix server name (appendices, "Server name"):
// hostname [ ":" port ], where hostname is an IPv4 literal, an IPv6 literal
// in brackets, or a DNS name of [A-Za-z0-9.-].
type ServerName struct {
	// Host is the hostname without brackets.
	Host string `json:"host"`
	// Port is the explicit port, 0 when absent.
	Port int `json:"port,omitempty"`
	// IP is set when Host is an IP literal.
	IP bool `json:"ip,omitempty"`
}

// ParseServerName checks s against the server-name grammar.
func ParseServerName(s string) (ServerName, error) {
	if s == "" || len(s) > 255 {
		return ServerName{}, fmt.Errorf("server name %q: must be 1 to 255 characters", s)
	}
	host, portStr := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return ServerName{}, fmt.Errorf("server name %q: unterminated IPv6 literal", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		switch {
		case rest == "":
		case strings.HasPrefix(rest, ":"):
			portStr = rest[1:]
			if portStr == "" {
				return ServerName{}, fmt.Errorf("server name %q: empty port", s)
			}
		default:
			return ServerName{}, fmt.Errorf("server name %q: junk after the IPv6 literal", s)
		}
		if len(host) < 2 || len(host) > 45 || strings.Trim(host, "0123456789abcdefABCDEF:.") != "" {
			return ServerName{}, fmt.Errorf("server name %q: bad IPv6 literal", s)
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return ServerName{}, fmt.Errorf("server name %q: bad IPv6 literal", s)
		}
		sn := ServerName{Host: host, IP: true}
		if portStr != "" {
			p, err := parsePort(portStr)
			if err != nil {
				return ServerName{}, fmt.Errorf("server name %q: %v", s, err)
			}
			sn.Port = p
		}
		return sn, nil
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, portStr = s[:i], s[i+1:]
		if portStr == "" {
			return ServerName{}, fmt.Errorf("server name %q: empty port", s)
		}
	}
	if host == "" {
		return ServerName{}, fmt.Errorf("server name %q: empty hostname", s)
	}
	if strings.ContainsRune(host, ':') {
		return ServerName{}, fmt.Errorf("server name %q: an IPv6 literal must be in brackets", s)
	}
	for _, c := range host {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return ServerName{}, fmt.Errorf("server name %q: character %q not allowed in a hostname", s, c)
		}
	}
	sn := ServerName{Host: host}
	if isIPv4Literal(host) {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is4() {
			return ServerName{}, fmt.Errorf("server name %q: bad IPv4 literal", s)
		}
		sn.IP = true
	}
	if portStr != "" {
		p, err := parsePort(portStr)
		if err != nil {
			return ServerName{}, fmt.Errorf("server name %q: %v", s, err)
		}
		sn.Port = p
	}
	return sn, nil
}

// isIPv4Literal: 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT.
func isIPv4Literal(h string) bool {
	parts := strings.Split(h, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if len(p) < 1 || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return true
}

func parsePort(s string) (int, error) {
	if len(s) > 5 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("bad port %q", s)
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q out of range", s)
	}
	return p, nil
}

// HostPort renders host (bracketed when IPv6) with the port, or the host
// alone when port is 0.
func HostPort(host string, port int) string {
	h := host
	if strings.Contains(host, ":") {
		h = "[" + host + "]"
	}
	if port == 0 {
		return h
	}
	return h + ":" + strconv.Itoa(port)
}

// String is the server name as written (host[:port], IPv6 bracketed).
func (s ServerName) String() string { return HostPort(s.Host, s.Port) }

// joinAddr is net.JoinHostPort for an int port.
func joinAddr(host string, port int) string { return net.JoinHostPort(host, strconv.Itoa(port)) }
