// Package wire is imscore's TLS handshake engine: it writes ClientHellos
// byte by byte, reads what a server answers to them, and enumerates from
// those answers the protocol versions (SSLv2 to TLS 1.3), cipher suites
// (and whose preference order wins) and key-exchange groups a server
// accepts, and reads its certificate chain when no full handshake is
// possible.
//
// Why hand-built ClientHellos: crypto/tls cannot offer SSLv2, SSLv3, export,
// anonymous, static-DH, RC4-only or most other legacy suites, nor offer one
// group, one version or one chunk of suites at a time, and a scorecard has
// to see exactly those. The engine only ever reads the first flight of a
// handshake, never completes one, and never encrypts anything: a verified,
// complete handshake is crypto/tls's job (package tls uses it for the
// chain, OCSP and ALPN).
//
// What is on the wire, by specification:
//
//   - ClientHello: RFC 8446 §4.1.2 (TLS 1.3: legacy_version 0x0303 with
//     supported_versions, §4.2.1; a 32-byte session id for middlebox
//     compatibility, Appendix D.4; an empty or real key_share, §4.2.8),
//     RFC 5246 §7.4.1.2 (TLS 1.0 to 1.2, with signature_algorithms only
//     from TLS 1.2 on, §7.4.1.4.1), RFC 6101 §5.6.1.2 (SSLv3: no
//     extensions, the RFC 5746 SCSV instead of renegotiation_info) and the
//     SSLv2 CLIENT-HELLO of draft-hickman-netscape-ssl-00 (RFC 5246
//     Appendix E.2). server_name follows RFC 6066 §3 (never an IP
//     literal), supported_groups RFC 8422 and RFC 7919, padding RFC 7685.
//   - Server answers: records (RFC 8446 §5.1, RFC 5246 §6.2, RFC 6101
//     §5.2, each bounded), ServerHello and HelloRetryRequest (RFC 8446
//     §4.1.3, §4.1.4; RFC 5246 §7.4.1.3), Certificate (RFC 5246 §7.4.2;
//     TLS 1.3 encrypts it, so chains are read from TLS <= 1.2 only),
//     ServerKeyExchange (RFC 5246 §7.4.3, RFC 8422 §5.4: the DH modulus
//     size and the named curve), alerts (RFC 8446 §6, RFC 5246 §7.2) and
//     the SSLv2 SERVER-HELLO.
//
// Enumeration follows the method of sslscan and the IM Observatory: offer
// a set, note what the server picks, remove it and offer again until the
// server refuses; then offer the accepted suites forwards and reversed to
// learn whose order counts. Every attempt is kept as evidence (Attempt).
// Every read is bounded in bytes and time, and a hostile answer is an
// error in the result, never a panic (the Fuzz* targets of this package).
//
// The suite table (suites.go) lists each suite's IANA codepoint and name
// only; every other attribute is derived from the name, so the table
// cannot disagree with itself.
package wire
