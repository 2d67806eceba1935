package criteria

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// The TLS criteria of the client tester (xmpp_client_tls.yaml): does the
// client check the certificate, and what does its ClientHello offer?

var clientTLSTable = []binding{
	{"xmpp.client.cert-untrusted", evalClientCertUntrusted},
	{"xmpp.client.cert-wrong-name", evalClientCertWrongName},
	{"xmpp.client.cert-expired", evalClientCertExpired},
	{"xmpp.client.tls-versions", evalClientTLSVersions},
	{"xmpp.client.tls-ciphers", evalClientTLSCiphers},
	{"xmpp.client.tls-post-quantum", evalClientTLSPostQuantum},
	{"xmpp.client.tls-sni", evalClientTLSSNI},
	{"xmpp.client.tls-alpn", evalClientTLSALPN},
}

// certRefused judges one scenario with a certificate the client must
// refuse: it fails when the client sent credentials after that handshake
// (or fell back to the clear).
func certRefused(in Input, id, what string) Verdict {
	s := clientScenario(in, id)
	return s.perSession(func(sess *clienttest.Session, ev []probes.Evidence) Verdict {
		if a := clientClearAuth(sess); a != nil {
			return Verdict{Status: report.Fail, Evidence: ev,
				Summary: fmt.Sprintf("Shown %s, the client fell back to authenticating in the clear (%s).", what, a.Mechanism)}
		}
		if a := sentCredentials(sess); a != nil {
			return Verdict{Status: report.Fail, Evidence: ev,
				Summary: fmt.Sprintf("The client accepted %s and sent its credentials (%s over %s).", what, a.Mechanism, sess.TLS.Version)}
		}
		switch {
		case sess.TLS == nil:
			return Verdict{Status: report.Error, Evidence: ev,
				Summary: fmt.Sprintf("Could not be measured: in scenario %s the client never started TLS (%s).", id, clientLeftBy(sess))}
		case sess.TLS.ClientAlert != "":
			return Verdict{Status: report.Pass, Evidence: ev,
				Summary: fmt.Sprintf("Shown %s, the client aborted the TLS handshake (alert \"%s\").", what, sess.TLS.ClientAlert)}
		case cutShort(sess):
			return cutVerdict(s, sess, ev)
		case !sess.TLS.Done && sess.EndBy == clienttest.EndDeadline:
			return Verdict{Status: report.Pass, Evidence: ev,
				Summary: fmt.Sprintf("Shown %s, the client held the TLS handshake until the deadline without sending credentials (it may be asking its user, who could still accept).", what)}
		case !sess.TLS.Done:
			return Verdict{Status: report.Pass, Evidence: ev,
				Summary: fmt.Sprintf("Shown %s, the client broke off the TLS handshake (%s).", what, sess.TLS.Error)}
		default:
			return Verdict{Status: report.Pass, Evidence: ev,
				Summary: fmt.Sprintf("Shown %s, the client completed the handshake but sent no credentials (%s).", what, clientLeftBy(sess))}
		}
	})
}

// certRuling combines the refusal scenarios of a certificate criterion
// behind the control login.
func certRuling(in Input, scenarios map[string]string) Verdict {
	if ok, v := clientControl(in); !ok {
		return v
	}
	ids := make([]string, 0, len(scenarios))
	for id := range scenarios {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var vs []Verdict
	for _, id := range ids {
		vs = append(vs, certRefused(in, id, scenarios[id]))
	}
	return clientWorst(vs...)
}

func evalClientCertUntrusted(in Input) Verdict {
	return certRuling(in, map[string]string{
		"cert-unknown-ca":  "a certificate from an unknown CA",
		"cert-self-signed": "a self-signed certificate",
	})
}

func evalClientCertExpired(in Input) Verdict {
	return certRuling(in, map[string]string{
		"cert-expired":       "an expired certificate",
		"cert-not-yet-valid": "a certificate that is not yet valid",
	})
}

func evalClientCertWrongName(in Input) Verdict {
	v := certRuling(in, map[string]string{"cert-wrong-name": "a certificate for another domain"})
	if v.Status != report.Pass {
		return v
	}
	// The right XMPP identities without a DNS-ID must be accepted.
	s := clientScenario(in, "cert-xmpp-ids")
	if !s.connected() {
		if s.ran() {
			v.Summary += " (Scenario cert-xmpp-ids: " + s.why() + ".)"
		}
		return v
	}
	for _, sess := range s.sessions() {
		if sess.Bound != "" || clientAuthOK(sess) {
			v.Summary += " It accepted a certificate whose only identities are the SRV-ID and XmppAddr of the domain, as RFC 6120 §13.7.1.2 and RFC 7590 allow."
			v.Evidence = append(v.Evidence, s.evidence()...)
			return v
		}
	}
	return Verdict{Status: report.Warn, Evidence: append(v.Evidence, s.evidence()...),
		Summary: v.Summary + " But it refused a valid certificate whose only identities are the SRV-ID _xmpp-client and the XmppAddr of the domain (no DNS-ID): it checks DNS-IDs only (RFC 6120 §13.7.1.2, RFC 7590 §3.1)."}
}

// hello is a ClientHello with the scenario it came from.
type seenHello struct {
	scenario string
	h        *clienttest.Hello
	direct   bool
}

// clientHellos lists one ClientHello per scenario and kind of TLS (direct
// or STARTTLS), in scenario order.
func clientHellos(in Input) []seenHello {
	var out []seenHello
	for _, sc := range clienttest.Scenarios {
		s := clientScenario(in, sc.ID)
		seen := map[bool]bool{}
		for _, sess := range s.sessions() {
			if sess.TLS != nil && sess.TLS.Hello != nil && !seen[sess.DirectTLS] {
				seen[sess.DirectTLS] = true
				out = append(out, seenHello{scenario: sc.ID, h: sess.TLS.Hello, direct: sess.DirectTLS})
			}
		}
	}
	return out
}

func noHello() Verdict {
	return Verdict{Status: report.Error, Summary: "Could not be measured: the client sent no TLS ClientHello in any scenario."}
}

func evalClientTLSVersions(in Input) Verdict {
	hs := clientHellos(in)
	leg := clientScenario(in, "tls-legacy")
	for _, sess := range leg.sessions() {
		if sess.TLS != nil && sess.TLS.Done {
			return Verdict{Status: report.Fail, Evidence: leg.evidence(),
				Summary: fmt.Sprintf("The client completed a %s handshake with a server that offers nothing newer (RFC 8996 deprecates TLS 1.0 and 1.1).", sess.TLS.Version)}
		}
	}
	if len(hs) == 0 {
		return noHello()
	}
	var old, top []string
	tls13 := false
	for _, h := range hs {
		for _, v := range h.h.Versions {
			switch v {
			case "TLSv1.3":
				tls13 = true
			case "SSLv3", "TLSv1.0", "TLSv1.1":
				if h.h.VersionsExplicit && !slices.Contains(old, v) {
					old = append(old, v)
				}
			}
		}
		if len(h.h.Versions) > 0 && !slices.Contains(top, h.h.Versions[0]) {
			top = append(top, h.h.Versions[0])
		}
	}
	ev := clientEvidence(clientScenario(in, hs[0].scenario))
	refused := false
	for _, sess := range leg.sessions() {
		refused = refused || sess.TLS != nil
	}
	legacy := ""
	if refused {
		legacy = " It refused a server that speaks only TLS 1.0 and 1.1."
	}
	if len(old) > 0 {
		if refused {
			return Verdict{Status: report.Warn, Evidence: clientEvidence(leg, clientScenario(in, hs[0].scenario)),
				Summary: "The client lists " + strings.Join(old, ", ") + " in its ClientHello (supported_versions), though it refused a server that speaks only TLS 1.0 and 1.1: RFC 8996 says not to offer them."}
		}
		return Verdict{Status: report.Fail, Evidence: ev,
			Summary: "The client offers " + strings.Join(old, ", ") + " in its ClientHello (supported_versions): a server or man in the middle can choose them (RFC 8996)."}
	}
	if !tls13 {
		return Verdict{Status: report.Warn, Evidence: ev, Summary: "The client does not offer TLS 1.3 (best offered: " + strings.Join(top, ", ") + ")." + legacy}
	}
	return Verdict{Status: report.Pass, Evidence: ev, Summary: "The client offers TLS 1.3 and nothing older than TLS 1.2." + legacy}
}

func evalClientTLSCiphers(in Input) Verdict {
	hs := clientHellos(in)
	if len(hs) == 0 {
		return noHello()
	}
	var bad, cbc, static []string
	add := func(list *[]string, n string) {
		if !slices.Contains(*list, n) {
			*list = append(*list, n)
		}
	}
	for _, h := range hs {
		for _, s := range h.h.Suites {
			for _, w := range s.Weak {
				switch w {
				case "null", "export", "anon", "rc4", "des", "3des", "md5":
					add(&bad, s.Name)
				case "cbc":
					add(&cbc, s.Name)
				case "static-rsa", "static-dh":
					add(&static, s.Name)
				}
			}
		}
	}
	ev := clientEvidence(clientScenario(in, hs[0].scenario))
	switch {
	case len(bad) > 0:
		return Verdict{Status: report.Fail, Evidence: ev, Summary: "The client offers weak cipher suites: " + strings.Join(bad, ", ") + "."}
	case len(static) > 0 || len(cbc) > 0:
		var parts []string
		if len(static) > 0 {
			parts = append(parts, fmt.Sprintf("%d without forward secrecy (%s)", len(static), clientClip(strings.Join(static, ", "), 200)))
		}
		if len(cbc) > 0 {
			parts = append(parts, fmt.Sprintf("%d CBC-mode (%s)", len(cbc), clientClip(strings.Join(cbc, ", "), 200)))
		}
		return Verdict{Status: report.Warn, Evidence: ev, Summary: "The client offers no broken suite, but " + strings.Join(parts, " and ") + " suites."}
	}
	return Verdict{Status: report.Pass, Evidence: ev, Summary: "The client offers only AEAD cipher suites with forward secrecy."}
}

func evalClientTLSPostQuantum(in Input) Verdict {
	hs := clientHellos(in)
	if len(hs) == 0 {
		return noHello()
	}
	for _, h := range hs {
		if len(h.h.PostQuantum) > 0 {
			return Verdict{Status: report.Pass, Evidence: clientEvidence(clientScenario(in, h.scenario)),
				Summary: "The client offers the post-quantum hybrid group(s) " + strings.Join(h.h.PostQuantum, ", ") + "."}
		}
	}
	return Verdict{Status: report.Warn, Evidence: clientEvidence(clientScenario(in, hs[0].scenario)),
		Summary: "The client offers no post-quantum hybrid group (offered: " + strings.Join(hs[0].h.Groups, ", ") + "): recorded sessions could be decrypted by a future quantum computer."}
}

func clientDomain(in Input) string {
	for _, sc := range clienttest.Scenarios {
		if s := clientScenario(in, sc.ID); s.r != nil && s.r.Domain != "" {
			return s.r.Domain
		}
	}
	return ""
}

func evalClientTLSSNI(in Input) Verdict {
	hs := clientHellos(in)
	if len(hs) == 0 {
		return noHello()
	}
	domain := clientDomain(in)
	var vs []Verdict
	seen := map[string]bool{}
	for _, h := range hs {
		key := fmt.Sprintf("%v|%s", h.direct, h.h.SNI)
		if seen[key] {
			continue
		}
		seen[key] = true
		ev := clientEvidence(clientScenario(in, h.scenario))
		mode := "STARTTLS"
		if h.direct {
			mode = "direct TLS"
		}
		switch {
		case h.h.SNI == "":
			vs = append(vs, Verdict{Status: report.Warn, Evidence: ev, Summary: "The client sends no SNI (" + mode + "): a server with several domains cannot pick the right certificate."})
		case !strings.EqualFold(strings.TrimSuffix(h.h.SNI, "."), domain):
			vs = append(vs, Verdict{Status: report.Fail, Evidence: ev, Summary: fmt.Sprintf("The client sends the SNI %q instead of the XMPP domain %s (%s).", h.h.SNI, domain, mode)})
		default:
			vs = append(vs, Verdict{Status: report.Pass, Evidence: ev, Summary: "The client sends the XMPP domain as SNI (" + mode + ")."})
		}
	}
	return clientWorst(vs...)
}

func evalClientTLSALPN(in Input) Verdict {
	hs := clientHellos(in)
	if len(hs) == 0 {
		return noHello()
	}
	for _, h := range hs {
		if !h.direct {
			continue
		}
		ev := clientEvidence(clientScenario(in, h.scenario))
		if slices.Contains(h.h.ALPN, "xmpp-client") {
			return Verdict{Status: report.Pass, Evidence: ev, Summary: "Over direct TLS the client offers the ALPN protocol xmpp-client (XEP-0368)."}
		}
		return Verdict{Status: report.Warn, Evidence: ev,
			Summary: "Over direct TLS the client does not offer the ALPN protocol xmpp-client (offered: " + strings.Join(h.h.ALPN, ", ") + "): a server sharing port 443 cannot tell XMPP from HTTPS."}
	}
	return Verdict{Status: report.Skip, Summary: "The client did not use direct TLS (XEP-0368); ALPN only matters there. Run it in direct-TLS mode to judge this."}
}
