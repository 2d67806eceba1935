package clienttest

import (
	"context"
	stdtls "crypto/tls"
	"fmt"
	"net"
	"strings"

	"github.com/imscore/imscore/tls/wire"
)

// extSupportedVersions is the supported_versions extension (RFC 8446 §4.2.1).
const extSupportedVersions = 43

// handshake runs the server side of a TLS handshake on raw with the plan's
// certificate and versions, recording the ClientHello and the outcome.
func (s *session) handshake(raw net.Conn) (*stdtls.Conn, error) {
	info := &TLSInfo{Cert: s.p.cert}
	s.out.TLS = info
	cert := s.srv.pki.certs[s.p.cert]
	cfg := &stdtls.Config{
		Certificates: []stdtls.Certificate{cert},
		MinVersion:   s.p.minTLS,
		MaxVersion:   s.p.maxTLS,
		GetConfigForClient: func(chi *stdtls.ClientHelloInfo) (*stdtls.Config, error) {
			info.Hello = summariseHello(chi)
			return nil, nil
		},
	}
	if s.out.DirectTLS {
		cfg.NextProtos = []string{"xmpp-client"}
	}
	tc := stdtls.Server(raw, cfg)
	hctx, cancel := context.WithDeadline(s.ctx, s.deadline)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		info.Error = clip(err.Error(), 200)
		if a, ok := strings.CutPrefix(err.Error(), "remote error: tls: "); ok {
			info.ClientAlert = a
		}
		how := "the TLS handshake failed: " + info.Error
		if info.ClientAlert != "" {
			how = "the client aborted the TLS handshake with the alert \"" + info.ClientAlert + "\""
		} else if info.Hello == nil {
			how = "no TLS handshake: " + info.Error
		}
		s.event("%s (certificate: %s)", how, s.p.cert)
		by, _ := endOf(err)
		if by != EndDeadline && by != EndAborted {
			by = EndTLSFailed
		}
		s.out.EndBy, s.out.End = by, how
		return nil, err
	}
	cs := tc.ConnectionState()
	s.tls = &cs
	info.Done = true
	info.Version = stdtls.VersionName(cs.Version)
	info.Suite = stdtls.CipherSuiteName(cs.CipherSuite)
	info.ALPN = cs.NegotiatedProtocol
	s.event("TLS handshake done: %s, %s, certificate %s", info.Version, info.Suite, s.p.cert)
	return tc, nil
}

// summariseHello records what a ClientHello offered.
func summariseHello(chi *stdtls.ClientHelloInfo) *Hello {
	h := &Hello{SNI: clip(chi.ServerName, 255)}
	for _, e := range chi.Extensions {
		if e == extSupportedVersions {
			h.VersionsExplicit = true
		}
	}
	h.Extensions = append(h.Extensions, chi.Extensions...)
	if h.VersionsExplicit {
		for _, v := range chi.SupportedVersions {
			h.Versions = append(h.Versions, versionName(v))
		}
	} else if len(chi.SupportedVersions) > 0 {
		// Without supported_versions Go lists the legacy version and
		// every one below it; only the highest is what the client said.
		h.Versions = []string{versionName(chi.SupportedVersions[0])}
	}
	for _, id := range chi.CipherSuites {
		if id == 0x00ff || id == 0x5600 || id&0x0f0f == 0x0a0a {
			continue // SCSVs and GREASE
		}
		st := Suite{Name: fmt.Sprintf("0x%04X", id)}
		if su, ok := wire.SuiteByID(id); ok {
			st.Name, st.Weak = su.Name, su.Weak
		}
		h.Suites = append(h.Suites, st)
	}
	groups := map[uint16]string{}
	pq := map[uint16]bool{}
	for _, g := range wire.Groups() {
		groups[g.ID] = g.Name
		pq[g.ID] = g.Kind == "hybrid-pq" || g.Kind == "pq"
	}
	for _, c := range chi.SupportedCurves {
		id := uint16(c)
		if id&0x0f0f == 0x0a0a {
			continue // GREASE
		}
		name := groups[id]
		if name == "" {
			name = fmt.Sprintf("0x%04X", id)
		}
		h.Groups = append(h.Groups, name)
		if pq[id] {
			h.PostQuantum = append(h.PostQuantum, name)
		}
	}
	for _, p := range chi.SupportedProtos {
		h.ALPN = append(h.ALPN, clip(p, 64))
	}
	for _, sc := range chi.SignatureSchemes {
		h.SigSchemes = append(h.SigSchemes, sc.String())
	}
	return h
}

func versionName(v uint16) string {
	switch v {
	case 0x0300:
		return "SSLv3"
	case stdtls.VersionTLS10:
		return "TLSv1.0"
	case stdtls.VersionTLS11:
		return "TLSv1.1"
	case stdtls.VersionTLS12:
		return "TLSv1.2"
	case stdtls.VersionTLS13:
		return "TLSv1.3"
	}
	return fmt.Sprintf("0x%04X", v)
}

// String is the ClientHello in one paragraph, for evidence.
func (h *Hello) String() string {
	if h == nil {
		return "no ClientHello"
	}
	var names []string
	for _, s := range h.Suites {
		n := s.Name
		if len(s.Weak) > 0 {
			n += " (" + strings.Join(s.Weak, ",") + ")"
		}
		names = append(names, n)
	}
	vers := strings.Join(h.Versions, ", ")
	if !h.VersionsExplicit {
		vers = "up to " + vers + " (no supported_versions extension)"
	}
	sni := h.SNI
	if sni == "" {
		sni = "(none)"
	}
	alpn := strings.Join(h.ALPN, ", ")
	if alpn == "" {
		alpn = "(none)"
	}
	return fmt.Sprintf("ClientHello\n  versions: %s\n  SNI: %s\n  ALPN: %s\n  groups: %s\n  suites: %s\n  signature schemes: %s",
		vers, sni, alpn, strings.Join(h.Groups, ", "), strings.Join(names, ", "), strings.Join(h.SigSchemes, ", "))
}
