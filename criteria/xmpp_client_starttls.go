package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// The STARTTLS criteria of the client tester (xmpp_client_starttls.yaml):
// a man in the middle strips, weakens, refuses or injects into STARTTLS.

var clientStartTLSTable = []binding{
	{"xmpp.client.starttls-stripped", evalClientStartTLSStripped},
	{"xmpp.client.starttls-optional", evalClientStartTLSOptional},
	{"xmpp.client.starttls-failure", evalClientStartTLSFailure},
	{"xmpp.client.starttls-injection", evalClientStartTLSInjection},
}

// startTLSScenario is the prologue of every STARTTLS criterion: the
// scenario ran, the client connected, it did not use direct TLS, and (for
// the refusal criteria) the control login worked.
func startTLSScenario(in Input, id string, needControl bool) (scenarioRun, *Verdict) {
	s := clientScenario(in, id)
	if !s.connected() {
		v := s.unjudged()
		return s, &v
	}
	if s.crashed() {
		v := s.crashVerdict()
		return s, &v
	}
	if s.directTLS() {
		return s, &Verdict{Status: report.Skip, Evidence: s.evidence(),
			Summary: "The client connected with direct TLS (XEP-0368): there is no STARTTLS to attack. Run it in STARTTLS mode to judge this."}
	}
	if needControl {
		if ok, v := clientControl(in); !ok {
			return s, &v
		}
	}
	return s, nil
}

// inClearVerdict fails a session that authenticated before TLS.
func inClearVerdict(s scenarioRun, sess *clienttest.Session, what string) *Verdict {
	a := clientClearAuth(sess)
	if a == nil {
		return nil
	}
	how := "started SASL " + a.Mechanism + " in the clear"
	switch {
	case a.CredentialsSent && strings.EqualFold(a.Mechanism, "PLAIN"):
		how = "sent its password in the clear (SASL PLAIN)"
	case a.CredentialsSent:
		how = "sent a " + a.Mechanism + " proof in the clear (an eavesdropper can guess the password offline)"
	}
	return &Verdict{Status: report.Fail, Evidence: s.evidence(), Summary: "The client " + how + " " + what + "."}
}

func evalClientStartTLSStripped(in Input) Verdict {
	s, v := startTLSScenario(in, "starttls-stripped", true)
	if v != nil {
		return *v
	}
	var vs []Verdict
	for _, sess := range s.sessions() {
		if f := inClearVerdict(s, sess, "when the server offered no STARTTLS"); f != nil {
			vs = append(vs, *f)
			continue
		}
		if cutShort(sess) {
			vs = append(vs, cutVerdict(s, sess, nil))
			continue
		}
		how := "hung up without authenticating (" + clientLeftBy(sess) + ")"
		if !clientGone(sess) {
			how = "never authenticated; " + clientLeftBy(sess)
		}
		vs = append(vs, Verdict{Status: report.Pass, Evidence: s.evidence(), Summary: "Without STARTTLS the client " + how + "."})
	}
	return clientWorst(vs...)
}

func evalClientStartTLSOptional(in Input) Verdict {
	s, v := startTLSScenario(in, "starttls-optional", false)
	if v != nil {
		return *v
	}
	var vs []Verdict
	for _, sess := range s.sessions() {
		if f := inClearVerdict(s, sess, "although STARTTLS was offered"); f != nil {
			vs = append(vs, *f)
			continue
		}
		if sess.TLS != nil && sess.TLS.Done {
			what := "upgraded with STARTTLS before authenticating"
			if a := sentCredentials(sess); a != nil {
				what += " (then " + a.Mechanism + " over " + sess.TLS.Version + ")"
			}
			vs = append(vs, Verdict{Status: report.Pass, Evidence: s.evidence(), Summary: "The client " + what + "."})
			continue
		}
		if !sess.Header {
			vs = append(vs, Verdict{Status: report.Error, Evidence: s.evidence(),
				Summary: "Could not be measured: the client never opened an XMPP stream in scenario starttls-optional (" + clientLeftBy(sess) + ")."})
			continue
		}
		if cutShort(sess) {
			vs = append(vs, cutVerdict(s, sess, nil))
			continue
		}
		if ok, c := clientControl(in); !ok {
			c.Evidence = s.evidence()
			vs = append(vs, c)
			continue
		}
		vs = append(vs, Verdict{Status: report.Warn, Evidence: s.evidence(),
			Summary: "The client neither upgraded to TLS nor authenticated when STARTTLS was offered without <required/> (" + clientLeftBy(sess) + "): it cannot use such a server, though it stays safe."})
	}
	return clientWorst(vs...)
}

func evalClientStartTLSFailure(in Input) Verdict {
	s, v := startTLSScenario(in, "starttls-failure", true)
	if v != nil {
		return *v
	}
	var vs []Verdict
	for _, sess := range s.sessions() {
		if f := inClearVerdict(s, sess, "after the server answered <starttls/> with <failure/>"); f != nil {
			vs = append(vs, *f)
			continue
		}
		if !sess.StartTLS {
			vs = append(vs, Verdict{Status: report.Error, Evidence: s.evidence(),
				Summary: "Could not be measured: the client never asked for STARTTLS in scenario starttls-failure (" + clientLeftBy(sess) + ")."})
			continue
		}
		if cutShort(sess) {
			vs = append(vs, cutVerdict(s, sess, nil))
			continue
		}
		how := "gave up after <failure/> (" + clientLeftBy(sess) + ")"
		if !clientGone(sess) {
			how = "did not continue after <failure/>; " + clientLeftBy(sess)
		}
		vs = append(vs, Verdict{Status: report.Pass, Evidence: s.evidence(), Summary: "The client " + how + "."})
	}
	return clientWorst(vs...)
}

func evalClientStartTLSInjection(in Input) Verdict {
	s, v := startTLSScenario(in, "starttls-injection", true)
	if v != nil {
		return *v
	}
	var vs []Verdict
	for _, sess := range s.sessions() {
		if f := inClearVerdict(s, sess, "in scenario starttls-injection"); f != nil {
			vs = append(vs, *f)
			continue
		}
		if n := len(sess.ElementsBeforeFeatures); n > 0 {
			first := sess.ElementsBeforeFeatures[0]
			vs = append(vs, Verdict{Status: report.Fail, Evidence: s.evidence(),
				Summary: fmt.Sprintf("The client acted on plaintext injected before the TLS handshake: over TLS it sent %d element(s) before the server's real features, starting with %s. A man in the middle can choose what it does after STARTTLS (CVE-2011-0411 class).", n, clientClip(first, 160))})
			continue
		}
		switch {
		case sess.TLS == nil || !sess.StartTLS:
			vs = append(vs, Verdict{Status: report.Error, Evidence: s.evidence(),
				Summary: "Could not be measured: the client did not reach <proceed/> in scenario starttls-injection (" + clientLeftBy(sess) + ")."})
		case cutShort(sess):
			vs = append(vs, cutVerdict(s, sess, nil))
		case !sess.TLS.Done:
			vs = append(vs, Verdict{Status: report.Pass, Evidence: s.evidence(),
				Summary: "The injected plaintext broke the client's TLS handshake (" + sess.TLS.Error + "): it did not act on it as XMPP."})
		default:
			vs = append(vs, Verdict{Status: report.Pass, Evidence: s.evidence(),
				Summary: "The client discarded the plaintext injected after <proceed/> and waited for the real features (" + clientLeftBy(sess) + ")."})
		}
	}
	return clientWorst(vs...)
}

func clientClip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
