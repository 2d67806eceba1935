package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// The SASL criteria of the client tester (xmpp_client_auth.yaml): which
// mechanism the client picks, and whether it checks that the server knows
// its password.

var clientAuthTable = []binding{
	{"xmpp.client.sasl-choice", evalClientSASLChoice},
	{"xmpp.client.sasl-downgrade", evalClientSASLDowngrade},
	{"xmpp.client.scram-server-signature", evalClientSCRAMSignature},
	{"xmpp.client.scram-iterations", evalClientSCRAMIterations},
}

func isSCRAM(mech string) bool { return strings.HasPrefix(strings.ToUpper(mech), "SCRAM-") }

func isPlus(mech string) bool { return strings.HasSuffix(strings.ToUpper(mech), "-PLUS") }

// firstSCRAM returns the first SCRAM exchange of a scenario, or nil.
func firstSCRAM(s scenarioRun) (*clienttest.Session, *clienttest.Auth) {
	for _, sess := range s.sessions() {
		for _, a := range sess.Auths {
			if isSCRAM(a.Mechanism) {
				return sess, a
			}
		}
	}
	return nil, nil
}

// firstAuth returns the first SASL exchange with credentials in a
// scenario.
func firstAuth(s scenarioRun) *clienttest.Auth {
	for _, sess := range s.sessions() {
		if a := sentCredentials(sess); a != nil {
			return a
		}
	}
	return nil
}

func evalClientSASLChoice(in Input) Verdict {
	login := clientScenario(in, "login")
	if !login.connected() {
		return login.unjudged()
	}
	a := firstAuth(login)
	if a == nil {
		return Verdict{Status: report.Error, Evidence: login.evidence(),
			Summary: "Could not be measured: the client sent no credentials in scenario login (" + clientFirstEnd(login) + ")."}
	}
	offered := strings.Join(a.Offered, ", ")
	var vs []Verdict
	switch {
	case strings.EqualFold(a.Mechanism, "PLAIN"):
		vs = append(vs, Verdict{Status: report.Fail, Evidence: login.evidence(),
			Summary: "The client chose PLAIN although " + offered + " were offered: every server (or anyone holding its certificate key) it logs in to learns its password."})
	case strings.EqualFold(a.Mechanism, "SCRAM-SHA-1"):
		vs = append(vs, Verdict{Status: report.Warn, Evidence: login.evidence(),
			Summary: "The client chose SCRAM-SHA-1 although SCRAM-SHA-256 was offered (RFC 7677)."})
	default:
		vs = append(vs, Verdict{Status: report.Pass, Evidence: login.evidence(), Summary: "The client chose " + a.Mechanism + " (offered: " + offered + ")."})
	}
	plus := clientScenario(in, "sasl-plus")
	if plus.connected() {
		if p := firstAuth(plus); p != nil {
			vs = append(vs, plusVerdict(plus, p))
		}
	}
	for _, s := range []scenarioRun{login, plus} {
		if v, ok := plainFallback(s); ok {
			vs = append(vs, v)
		}
	}
	return clientWorst(vs...)
}

// plainFallback fails a client that, after a SCRAM attempt failed, sent its
// password with PLAIN: whoever made SCRAM fail (a man in the middle) gets
// the password (XEP-0474 §6: never fall back to PLAIN).
func plainFallback(s scenarioRun) (Verdict, bool) {
	for _, sess := range s.sessions() {
		scramFailed := false
		for _, a := range sess.Auths {
			if isSCRAM(a.Mechanism) && a.CredentialsSent && a.Outcome != "success" {
				scramFailed = true
			}
			if scramFailed && strings.EqualFold(a.Mechanism, "PLAIN") && a.CredentialsSent {
				return Verdict{Status: report.Fail, Evidence: s.evidence(),
					Summary: "In scenario " + s.id + ", after its SCRAM attempts failed, the client fell back to PLAIN and sent its password: a man in the middle only needs to make SCRAM fail."}, true
			}
		}
	}
	return Verdict{}, false
}

// plusVerdict judges the mechanism chosen when -PLUS was offered.
func plusVerdict(s scenarioRun, a *clienttest.Auth) Verdict {
	ev := s.evidence()
	tls13 := false
	for _, sess := range s.sessions() {
		tls13 = tls13 || (sess.TLS != nil && sess.TLS.Version == "TLS 1.3")
	}
	switch {
	case strings.EqualFold(a.Mechanism, "PLAIN"):
		return Verdict{Status: report.Fail, Evidence: ev, Summary: "Offered SCRAM with channel binding, the client still chose PLAIN."}
	case !isPlus(a.Mechanism):
		flag := ""
		if a.GS2 == "y" {
			flag = " and claimed the server does not support channel binding (gs2 flag \"y\"), which a server offering -PLUS must refuse"
		}
		return Verdict{Status: report.Warn, Evidence: ev,
			Summary: "Offered " + strings.Join(a.Offered, ", ") + " with the channel-binding types tls-exporter and tls-server-end-point, the client used " + a.Mechanism + " without channel binding" + flag + ": a man in the middle holding a trusted certificate is not detected."}
	case !a.CBValid:
		return Verdict{Status: report.Warn, Evidence: ev,
			Summary: fmt.Sprintf("The client used %s with %s, but its channel-binding data did not match this TLS connection (it cannot log in where the server checks it).", a.Mechanism, a.CBType)}
	case tls13 && a.CBType != "tls-exporter":
		return Verdict{Status: report.Warn, Evidence: ev,
			Summary: fmt.Sprintf("The client used %s with %s on TLS 1.3, where tls-exporter (RFC 9266) is the binding to use.", a.Mechanism, a.CBType)}
	}
	return Verdict{Status: report.Pass, Evidence: ev, Summary: fmt.Sprintf("Offered -PLUS, the client used %s with the %s channel binding.", a.Mechanism, a.CBType)}
}

func evalClientSASLDowngrade(in Input) Verdict {
	s := clientScenario(in, "sasl-downgrade")
	if !s.connected() {
		return s.unjudged()
	}
	if s.crashed() {
		return s.crashVerdict()
	}
	sess, a := firstSCRAM(s)
	if a == nil {
		return Verdict{Status: report.Skip, Evidence: s.evidence(),
			Summary: "The client does not use SCRAM-SHA-1 when it is the only mechanism offered (" + clientFirstEnd(s) + "); XEP-0474 does not apply."}
	}
	if cutShort(sess) && !a.CredentialsSent && !a.Aborted {
		return cutVerdict(s, sess, nil)
	}
	if a.CredentialsSent {
		return Verdict{Status: report.Info, Evidence: s.evidence(),
			Summary: "The client did not notice the downgrade the server signalled (XEP-0474 hash of a longer mechanism list): it does not implement SASL SCRAM Downgrade Protection, an experimental XEP."}
	}
	// It stopped after the server-first-message: does it cope with a
	// correct hash (scenario sasl-plus)?
	ctl := clientScenario(in, "sasl-plus")
	for _, cs := range ctl.sessions() {
		for _, ca := range cs.Auths {
			if isSCRAM(ca.Mechanism) && ca.CredentialsSent {
				return Verdict{Status: report.Pass, Evidence: clientEvidence(s, ctl),
					Summary: "The client stopped after the server-first-message whose XEP-0474 hash showed a downgrade (" + clientLeftBy(sess) + "), and went on where the hash was right."}
			}
		}
	}
	return Verdict{Status: report.Error, Evidence: clientEvidence(s, ctl),
		Summary: "Could not be measured: the client stopped after the server-first-message (" + clientLeftBy(sess) + "), but it did not complete SCRAM with a correct XEP-0474 hash either (scenario sasl-plus), so the stop may have another cause."}
}

func evalClientSCRAMSignature(in Input) Verdict {
	var vs []Verdict
	used := false
	for _, id := range []string{"scram-wrong-signature", "scram-no-signature"} {
		s := clientScenario(in, id)
		if !s.connected() {
			vs = append(vs, s.unjudged())
			continue
		}
		if s.crashed() {
			vs = append(vs, s.crashVerdict())
			continue
		}
		sess, a := firstSCRAM(s)
		if a == nil {
			continue
		}
		used = true
		what := map[string]string{"scram-wrong-signature": "a wrong server signature (v=)", "scram-no-signature": "no server signature"}[id]
		switch {
		case a.Outcome != "success":
			vs = append(vs, Verdict{Status: report.Error, Evidence: s.evidence(),
				Summary: fmt.Sprintf("Could not be measured in %s: the client's SCRAM proof was not accepted (%s).", id, a.Error)})
		case sess.RestartedAfterSuccess:
			vs = append(vs, Verdict{Status: report.Fail, Evidence: s.evidence(),
				Summary: "The client accepted <success/> with " + what + " and went on to use the session: it cannot tell a server that does not know its password (RFC 5802 §3)."})
		case cutShort(sess):
			vs = append(vs, cutVerdict(s, sess, nil))
		default:
			vs = append(vs, Verdict{Status: report.Pass, Evidence: s.evidence(),
				Summary: "The client refused <success/> with " + what + " (" + clientLeftBy(sess) + ")."})
		}
	}
	if !used && len(vs) == 0 {
		s := clientScenario(in, "scram-wrong-signature")
		return Verdict{Status: report.Skip, Evidence: s.evidence(),
			Summary: "The client does not use SCRAM when only SCRAM is offered (" + clientFirstEnd(s) + "): there is no server signature to check."}
	}
	return clientWorst(vs...)
}

func evalClientSCRAMIterations(in Input) Verdict {
	s := clientScenario(in, "scram-iterations")
	if !s.connected() {
		return s.unjudged()
	}
	if s.crashed() {
		return s.crashVerdict()
	}
	sess, a := firstSCRAM(s)
	if a == nil {
		return Verdict{Status: report.Skip, Evidence: s.evidence(),
			Summary: "The client does not use SCRAM when only SCRAM is offered (" + clientFirstEnd(s) + "): no iteration count to bound."}
	}
	switch {
	case a.CredentialsSent:
		return Verdict{Status: report.Pass, Evidence: s.evidence(),
			Summary: fmt.Sprintf("Asked for 2^31-1 iterations, the client answered after %d ms: it bounds the work (or refuses with a wrong proof) instead of computing for minutes.", a.FinalAfterMS)}
	case a.Aborted || clientGone(sess):
		return Verdict{Status: report.Pass, Evidence: s.evidence(),
			Summary: "Asked for 2^31-1 iterations, the client refused (" + clientLeftBy(sess) + ")."}
	case cutShort(sess):
		return cutVerdict(s, sess, nil)
	}
	return Verdict{Status: report.Fail, Evidence: s.evidence(),
		Summary: "Asked for 2^31-1 iterations, the client neither answered nor gave up: " + clientLeftBy(sess) + " (it is computing or stuck; a hostile server can tie it up)."}
}
