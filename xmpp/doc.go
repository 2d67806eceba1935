// Package xmpp probes an XMPP service from the outside, the way a client and
// a peer server would, and keeps every byte it exchanged as evidence.
//
// # Discovery
//
// A domain's services are found as RFC 6120 §3.2 says: the SRV records
// _xmpp-client._tcp and _xmpp-server._tcp (§3.2.1; a single target "."
// means the service is decidedly not offered), the direct-TLS records
// _xmpps-client._tcp and _xmpps-server._tcp (XEP-0368), and without SRV
// records the fallback to the domain itself on 5222 and 5269 (§3.2.2).
// Every address of every target is probed (dns.go, probes.go).
//
// # Streams
//
// Each endpoint gets a client stream (jabber:client) or a server stream
// (jabber:server, with the dialback namespace of XEP-0220) to the domain
// (stream.go, RFC 6120 §4): the stream header, the features before TLS
// (§4.3.2), STARTTLS (§5.4.2, mandatory-to-negotiate rules of §5.3.1), the
// TLS handshake, the features after it — SASL mechanisms (§6.3.3), the
// XEP-0440 channel-binding types, SASL2 (XEP-0388), Bind2 (XEP-0386), FAST
// (XEP-0484), stream management (XEP-0198), CSI (XEP-0352), roster
// versioning (RFC 6121 §2.6), entity capabilities (XEP-0115) — and a clean
// close (§4.4). Stream errors (§4.9) are recorded with their condition.
// features.go parses what the server sent; the XEP-0077 registration form
// is asked for but, without --active, never submitted.
//
// # TLS of an XMPP service
//
// Package tls grades TLS without knowing XMPP; this package tells it how
// (starttls.go, tlsidentity.go). StartTLS is the upgrade hook of a
// tls.Target: on every fresh connection the TLS probes open, it runs the
// STARTTLS exchange of RFC 6120 §5.4.2 on this stream engine and hands the
// connection back at <proceed/>. ReferenceIDs are the identities the
// certificate must present (RFC 6120 §13.7.2.1, RFC 7590 §3.1: DNS-ID,
// SRV-ID of the service, XmppAddr) and ServerName the SNI, the XMPP domain
// (RFC 7590 §3.1). Probes uses them for the c2s, s2s and direct-TLS
// services; `imscore scan tls --starttls` for one service.
//
// # Logging in
//
// With an account (client.go, scram.go), imscore logs in like a careful
// client: only over TLS with a certificate it verifies (RFC 6120 §13.7.2,
// RFC 7590), SCRAM (RFC 5802, RFC 7677) preferred with -PLUS channel
// binding (RFC 5929 tls-server-end-point and tls-unique, RFC 9266
// tls-exporter), the password prepared with SASLprep (RFC 4013), PLAIN
// (RFC 4616) only inside verified TLS, then resource binding (§7). The
// SCRAM server-first message is checked for the downgrade protection of
// XEP-0474 (hash of the advertised mechanisms and channel-binding types)
// and XEP-0515 (TLS version); a mismatch aborts the login before any proof
// is sent (downgrade.go). The
// logged-in probe (account.go) asks disco#info and disco#items (XEP-0030),
// the software version (XEP-0092), the roster (RFC 6121), private storage
// (XEP-0049) and external services (XEP-0215) (disco.go), and runs live
// tests (livetests.go): a PEP node (XEP-0163) published with
// publish-options (XEP-0223) as OMEMO clients do (XEP-0384), a temporary
// MUC room (XEP-0045, XEP-0313, XEP-0410) and an HTTP upload slot
// (XEP-0363) with a CORS preflight. cleanup.go removes everything the scan
// created, also after a failure, and checks it is gone.
//
// # Proving registration (--active)
//
// register.go is for admins scanning their own server: over verified TLS
// it submits one XEP-0077 registration (§3.1) with a random name and a
// strong random password; an account it created — or may have created, when
// the answer never came — is removed logged in as it (§3.2) and a further
// login must fail. The removal runs on a context of its own, so a scan that
// fails or is cancelled half-way still cleans up; the password appears in
// no evidence. hostmeta.go reads
// XEP-0156 host-meta and tries the WebSocket (RFC 7395) and BOSH
// (XEP-0124, XEP-0206) endpoints it lists.
//
// # Why an own stream engine
//
// imscore reads XMPP from servers it does not trust, so its stream engine
// is its own rather than mellium.im/xmpp's session: every connection has a
// byte budget and every exchange a deadline; restricted XML (RFC 6120
// §11.1) is enforced, so a DTD, an entity declaration or a processing
// instruction ends the stream instead of being expanded; elements are
// bounded in depth, count and text; every stanza sent and received is kept
// as evidence; and the plain connection is handed to the TLS layer at the
// exact byte where STARTTLS says <proceed/>, so that the TLS probes can
// enumerate versions and suites over it. SCRAM is implemented here for the
// same reason: the server's iteration count is bounded (a hostile server
// cannot make a scan spend minutes in PBKDF2), the server signature is
// verified, and the exchange is recorded with the secrets redacted. JIDs
// are parsed with mellium.im/xmpp/jid (RFC 7622 PRECIS).
package xmpp
