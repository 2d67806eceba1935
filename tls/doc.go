// Package tls grades the TLS of one service: Probes returns the probes
// that resolve its endpoints, enumerate protocol versions, cipher suites
// (and whose order wins) and key-exchange groups, complete a handshake to
// judge the certificate chain and OCSP stapling, and check DANE. Each probe
// covers every endpoint (address) of the service; criteria take the worst.
//
// The enumeration is done by package tls/wire, which writes its own
// ClientHellos because crypto/tls cannot offer SSLv3 or legacy suites; the
// full handshake uses crypto/tls (through probes.Env's handshaker), falling
// back to a chain read by tls/wire when crypto/tls cannot talk to the
// server at all.
//
// Package tls knows no application protocol. A Target says how to reach
// the TLS: Upgrade runs the protocol's own plaintext exchange on each fresh
// connection before the ClientHello (as zgrab2 does it: the protocol dials
// plain and upgrades; package xmpp supplies XMPP STARTTLS), SNI is the
// server_name to send, and References are the identities the certificate
// must present (package xmpp supplies the XMPP ones). Without them a
// Target is plain direct TLS to Host, checked against Host.
//
// Certificate checks:
//
//   - Trust and validity (Verify): path validation by crypto/x509 (RFC
//     5280 §6) against the system roots or --ca-file, judged separately
//     from validity at the scan's clock, so that an expired but otherwise
//     trusted chain is reported as such.
//   - Name (MatchName): RFC 6125 §6 — DNS-Keys with the wildcard only as the
//     whole left-most label (§6.4.3), iPAddress for IP literals, SRV-Keys
//     (RFC 4985) and XmppAddr identities (RFC 6120 §13.7.1.4) when the
//     caller asks for them, and the CN only for a certificate without any
//     subjectAltName (§6.4.4).
//   - OCSP stapling (StapledOCSP): the response stapled in the handshake
//     (RFC 6066 §8), verified against the issuer and judged good, revoked,
//     unknown or expired (RFC 6960).
//   - DANE (TLSAName, MatchTLSA): the TLSA records of _port._tcp.host (RFC
//     6698 §3) and whether one matches the served chain, with the usage,
//     selector and matching-type rules of RFC 6698 §2.1 and RFC 7671; for
//     SRV-located services the TLSA name is the SRV target's (RFC 7673 §3).
package tls
