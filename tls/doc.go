// Package tls probes a server's TLS configuration: protocol versions, cipher
// suites and their order, key-exchange groups (including hybrid
// post-quantum), the certificate chain (trust, validity, name match per RFC
// 6125 / RFC 7590 / RFC 6120, key strength, signature algorithm), OCSP
// stapling and DANE (RFC 6698, 7671, 7673), for direct TLS and XMPP STARTTLS.
//
// Enumeration is done by package tls/wire with hand-built ClientHellos,
// because crypto/tls cannot offer SSLv3 or most legacy suites; full
// handshakes that verify chains use crypto/tls.
package tls
