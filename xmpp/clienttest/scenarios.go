package clienttest

import (
	stdtls "crypto/tls"
	"fmt"
	"strings"
	"time"
)

// Scenario is one thing the tester does to a client connection.
type Scenario struct {
	ID string `json:"id"`
	// Criterion is the criterion the scenario feeds (several scenarios may
	// feed one criterion; every criterion also reads the others where it
	// needs a control, e.g. the certificate criteria read "login").
	Criterion string `json:"criterion"`
	// Does says what the tester does; Safe what a safe client does.
	Does string `json:"does"`
	Safe string `json:"safe"`
	plan plan
}

// STARTTLS offers.
const (
	tlsRequired = iota // <starttls><required/></starttls>
	tlsOptional        // <starttls/> and SASL mechanisms beside it
	tlsNone            // no <starttls/>, SASL mechanisms in the clear
)

// Server signatures after SCRAM.
const (
	sigRight = iota
	sigWrong
	sigNone
)

// After-login actions.
const (
	actCarbon = "carbon"
	actMAM    = "mam"
)

// plan is how the tester behaves on a connection. The zero value (with
// defaults filled in by withDefaults) is an honest server: STARTTLS
// required, the valid certificate, SCRAM and PLAIN after TLS, a correct
// server signature, resource binding and a software-version query after
// login.
type plan struct {
	cert            string
	starttls        int
	starttlsFailure bool
	// inject is sent in the same write as <proceed/>.
	inject string
	// holdFeatures delays the post-TLS features.
	holdFeatures time.Duration
	minTLS       uint16
	maxTLS       uint16
	mechs        []string
	cbTypes      []string
	// ssdp: "" none, "right" the correct XEP-0474 hash, "downgrade" a hash
	// of a longer list than the one advertised.
	ssdp       string
	iterations int
	serverSig  int
	// prolog precedes the tester's first stream header (a DTD); features
	// then holds extraFeature inside <stream:features/>.
	prolog       string
	extraFeature string
	// oversize is the size of a filler element inside the first features.
	oversize int64
	after    []string
}

func (p plan) withDefaults() plan {
	if p.cert == "" {
		p.cert = CertGood
	}
	if p.minTLS == 0 {
		p.minTLS = stdtls.VersionTLS10 // to see what the client accepts
	}
	if p.maxTLS == 0 {
		p.maxTLS = stdtls.VersionTLS13
	}
	if p.mechs == nil {
		p.mechs = []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}
	}
	if p.iterations == 0 {
		p.iterations = 4096
	}
	return p
}

// hugeIterations is the absurd SCRAM iteration count (2^31-1).
const hugeIterations = 1<<31 - 1

// entityBomb is a "billion laughs" DTD: ten levels of ten references, 3 GB
// when expanded.
func entityBomb() string {
	var b strings.Builder
	b.WriteString("<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY lol0 'lol'>")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "<!ENTITY lol%d '%s'>", i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	b.WriteString("]>")
	return b.String()
}

// oversizeBytes is the size of the oversized element: 32 times Prosody's
// default stanza limit (256 KiB) and far above what a client needs, small
// enough that a client without a limit parses it well within a deadline.
const oversizeBytes = 8 << 20

// Scenarios is every scenario, in the order they run.
var Scenarios = []Scenario{
	{ID: "login", Criterion: "xmpp.client.sasl-choice",
		Does: "an honest server: STARTTLS required, a valid certificate, SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN, resource binding, then a XEP-0092 software-version query",
		Safe: "logs in with SCRAM over verified TLS (this run is the control the other scenarios are compared with)"},
	{ID: "starttls-stripped", Criterion: "xmpp.client.starttls-stripped",
		Does: "offers no <starttls/>, only SASL PLAIN and SCRAM in the clear (what a man in the middle does)",
		Safe: "hangs up without sending <auth/>",
		plan: plan{starttls: tlsNone}},
	{ID: "starttls-optional", Criterion: "xmpp.client.starttls-optional",
		Does: "offers <starttls/> without <required/>, with SASL PLAIN and SCRAM beside it",
		Safe: "upgrades with STARTTLS before it authenticates",
		plan: plan{starttls: tlsOptional}},
	{ID: "starttls-failure", Criterion: "xmpp.client.starttls-failure",
		Does: "answers <starttls/> with <failure/> and keeps the connection open",
		Safe: "gives up (RFC 6120 §5.4.2.2) and never authenticates in the clear",
		plan: plan{starttlsFailure: true}},
	{ID: "starttls-injection", Criterion: "xmpp.client.starttls-injection",
		Does: "sends a plaintext stream header and features offering only PLAIN in the same TCP segment as <proceed/>, then holds the real post-TLS features back for 2 s",
		Safe: "discards what arrived before the TLS handshake and waits for the real features",
		plan: plan{holdFeatures: 2 * time.Second}},
	{ID: "cert-unknown-ca", Criterion: "xmpp.client.cert-untrusted",
		Does: "presents a certificate for the domain issued by a CA the client was not given",
		Safe: "aborts the TLS handshake or hangs up before sending credentials",
		plan: plan{cert: CertUnknownCA}},
	{ID: "cert-self-signed", Criterion: "xmpp.client.cert-untrusted",
		Does: "presents a self-signed certificate for the domain",
		Safe: "aborts the TLS handshake or hangs up before sending credentials",
		plan: plan{cert: CertSelfSigned}},
	{ID: "cert-wrong-name", Criterion: "xmpp.client.cert-wrong-name",
		Does: "presents a certificate from the test CA for another domain",
		Safe: "aborts the TLS handshake or hangs up before sending credentials",
		plan: plan{cert: CertWrongName}},
	{ID: "cert-xmpp-ids", Criterion: "xmpp.client.cert-wrong-name",
		Does: "presents a certificate from the test CA whose only identities are the SRV-ID _xmpp-client.DOMAIN and the XmppAddr DOMAIN (no DNS-ID)",
		Safe: "accepts it (RFC 6120 §13.7.1.2, RFC 7590) and logs in",
		plan: plan{cert: CertXMPPIDs}},
	{ID: "cert-expired", Criterion: "xmpp.client.cert-expired",
		Does: "presents a certificate for the domain from the test CA that expired 30 days ago",
		Safe: "aborts the TLS handshake or hangs up before sending credentials",
		plan: plan{cert: CertExpired}},
	{ID: "cert-not-yet-valid", Criterion: "xmpp.client.cert-expired",
		Does: "presents a certificate for the domain from the test CA that becomes valid in 30 days",
		Safe: "aborts the TLS handshake or hangs up before sending credentials",
		plan: plan{cert: CertNotYetValid}},
	{ID: "tls-legacy", Criterion: "xmpp.client.tls-versions",
		Does: "speaks only TLS 1.0 and TLS 1.1",
		Safe: "refuses the handshake (RFC 8996)",
		plan: plan{maxTLS: stdtls.VersionTLS11}},
	{ID: "sasl-plus", Criterion: "xmpp.client.sasl-choice",
		Does: "offers SCRAM-SHA-256-PLUS and SCRAM-SHA-1-PLUS besides SCRAM and PLAIN, the XEP-0440 channel-binding types tls-exporter and tls-server-end-point (tls-unique too below TLS 1.3) and a correct XEP-0474 hash",
		Safe: "uses a -PLUS mechanism with a binding this TLS connection supports (tls-exporter on TLS 1.3)",
		plan: plan{mechs: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"},
			cbTypes: []string{"tls-exporter", "tls-server-end-point"}, ssdp: "right"}},
	{ID: "sasl-downgrade", Criterion: "xmpp.client.sasl-downgrade",
		Does: "offers SCRAM-SHA-1 only, and its XEP-0474 hash says the server advertised SCRAM-SHA-256 and SCRAM-SHA-256-PLUS too (a man in the middle stripped them)",
		Safe: "fails the authentication after the server-first-message (XEP-0474 §5.2)",
		plan: plan{mechs: []string{"SCRAM-SHA-1"}, ssdp: "downgrade"}},
	{ID: "scram-wrong-signature", Criterion: "xmpp.client.scram-server-signature",
		Does: "offers SCRAM only and answers a correct proof with <success/> carrying a wrong server signature (v=)",
		Safe: "treats the authentication as failed: the server does not know the password (RFC 5802 §3)",
		plan: plan{mechs: []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}, serverSig: sigWrong}},
	{ID: "scram-no-signature", Criterion: "xmpp.client.scram-server-signature",
		Does: "offers SCRAM only and answers a correct proof with an empty <success/> (no server signature)",
		Safe: "treats the authentication as failed",
		plan: plan{mechs: []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}, serverSig: sigNone}},
	{ID: "scram-iterations", Criterion: "xmpp.client.scram-iterations",
		Does: "offers SCRAM only and asks for 2^31-1 PBKDF2 iterations",
		Safe: "refuses (aborts or hangs up) or answers quickly with a bounded count, instead of computing for minutes",
		plan: plan{mechs: []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}, iterations: hugeIterations}},
	{ID: "xml-entity-bomb", Criterion: "xmpp.client.xml-hardening",
		Does: "starts its stream with a DTD whose entities expand to 3 GB (\"billion laughs\") and uses them in the stream features",
		Safe: "refuses the restricted XML (RFC 6120 §11.1) and hangs up",
		plan: plan{prolog: entityBomb(), extraFeature: "<bomb xmlns='urn:imscore:test'>&lol9;</bomb>"}},
	{ID: "xml-oversized", Criterion: "xmpp.client.xml-hardening",
		Does: "sends stream features with an 8 MiB element inside",
		Safe: "stops at its own size limit and hangs up",
		plan: plan{oversize: oversizeBytes}},
	{ID: "carbon-forged", Criterion: "xmpp.client.carbon-spoofing",
		Does: "after login, sends a XEP-0280 carbon copy from a foreign JID (mallory@evil.imscore.invalid) that wraps a chat message \"from\" boss@DOMAIN",
		Safe: "ignores carbons that do not come from the account's bare JID (CVE-2017-5589)",
		plan: plan{after: []string{actCarbon}}},
	{ID: "mam-forged", Criterion: "xmpp.client.mam-spoofing",
		Does: "after login, sends a XEP-0313 archive result from a foreign JID (mallory@evil.imscore.invalid) that wraps a chat message \"from\" boss@DOMAIN",
		Safe: "ignores archive results that do not come from the archive it queried",
		plan: plan{after: []string{actMAM}}},
}

// Lookup returns the scenario with id.
func Lookup(id string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.ID == id {
			return s, true
		}
	}
	return Scenario{}, false
}

// Select resolves a --scenario list: scenario IDs or criterion IDs (all
// of that criterion's scenarios), in the order of Scenarios. Empty selects
// every scenario. The control scenario "login" always runs first: most
// criteria judge a refusal only against a client that can log in.
func Select(ids []string) ([]Scenario, error) {
	if len(ids) == 0 {
		return append([]Scenario(nil), Scenarios...), nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		found := derived[id]
		for _, s := range Scenarios {
			if s.ID == id || s.Criterion == id {
				want[s.ID], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (see 'imscore criteria --kind xmpp-client'; scenario IDs: %s)", id, strings.Join(IDs(), ", "))
		}
	}
	want["login"] = true
	var out []Scenario
	for _, s := range Scenarios {
		if want[s.ID] {
			out = append(out, s)
		}
	}
	return out, nil
}

// derived are the criteria judged from what the client sends in any
// scenario (its ClientHello, its XEP-0092 answer in login), with no
// scenario of their own: selecting them runs the control login.
var derived = map[string]bool{"xmpp.client.tls-ciphers": true, "xmpp.client.tls-post-quantum": true,
	"xmpp.client.tls-sni": true, "xmpp.client.tls-alpn": true, "xmpp.client.metadata": true}

// IDs lists the scenario IDs in order.
func IDs() []string {
	var ids []string
	for _, s := range Scenarios {
		ids = append(ids, s.ID)
	}
	return ids
}
