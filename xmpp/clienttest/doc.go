// Package clienttest is imscore's adversarial XMPP server: it scores an XMPP
// client instead of a server ("imscore test-client xmpp").
//
// The tester serves one XMPP domain with one throwaway account
// (tester@DOMAIN, a random password) and a throwaway test CA, and plays one
// scenario per connection (or, with an exec command, per client run): a
// server that strips STARTTLS, offers it without <required/>, answers it
// with <failure/>, injects plaintext after <proceed/>, presents an
// untrusted, self-signed, wrongly named, expired or not yet valid
// certificate, speaks only TLS 1.0/1.1, sends a wrong or no SCRAM server
// signature, an absurd iteration count or a downgraded mechanism list, a DTD
// entity bomb or an oversized element, and — after a real login — forged
// carbon copies and archive results from a foreign JID. It records what the
// client did: the bytes it sent (the password redacted), its TLS ClientHello,
// the SASL mechanism and channel binding it chose, whether it sent
// credentials, and when and how it hung up. Criteria (criteria/xmpp_client.go)
// judge those facts; this package never grades.
//
// Everything a client sends is bounded: bytes per connection, elements per
// connection, the size and depth of every element (the restricted XML reader
// of package xmpp), and time (a deadline per scenario; an exec'd client is
// killed with its whole process group at that deadline). One scenario never
// blocks the next.
//
// References:
//   - RFC 6120 §5 (STARTTLS: §5.4.2.2 failure, §5.4.3.3 discarding what was
//     learnt before TLS), §6 (SASL), §11.1 (restricted XML), §13.7 (certificates
//     and XMPP identities: DNS-ID, SRV-ID, XmppAddr)
//   - RFC 5802 and RFC 7677 (SCRAM-SHA-1 and SCRAM-SHA-256, server signature
//     "v=", channel binding), RFC 9266 (tls-exporter), RFC 5929
//   - XEP-0440 (SASL channel-binding type capability), XEP-0474 (SASL SCRAM
//     Downgrade Protection, the "h=" attribute)
//   - XEP-0280 (Message Carbons: a carbon is only valid from the account's
//     bare JID), XEP-0313 (MAM: results only from the archive the client
//     queried), XEP-0092 (Software Version), XEP-0115 (caps), XEP-0368 (direct
//     TLS, ALPN "xmpp-client")
//   - Poddebniak et al., "Why TLS is better without STARTTLS" (EAST), USENIX
//     Security 2021: the STARTTLS test cases this tester adapts to XMPP
//   - CVE-2011-0411 (the STARTTLS command/response injection class),
//     CVE-2017-5589 (carbons spoofing in XMPP clients), CVE-2020-26547 (the
//     same in Monal)
package clienttest
