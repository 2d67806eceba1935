package criteria

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// Helpers shared by the xmpp-client evaluators (xmpp_client_*.go). Every
// client criterion reads the observations of the scenarios
// xmpp/clienttest played, one per scenario (probe "client.<scenario>").

// maxClientEvidence bounds the evidence items a client finding cites.
const maxClientEvidence = 12

// scenarioRun is one scenario's observation as an evaluator sees it.
type scenarioRun struct {
	id  string
	obs *probes.Observation
	r   *clienttest.Result
}

func clientScenario(in Input, id string) scenarioRun {
	r, o := clienttest.Key(id).Of(in.Results)
	return scenarioRun{id: id, obs: o, r: r}
}

// ran: the scenario was played (selected and not cut off).
func (s scenarioRun) ran() bool { return s.obs != nil }

// connected: the client connected at least once.
func (s scenarioRun) connected() bool {
	return s.obs != nil && s.obs.Status == probes.StatusOK && s.r != nil && len(s.r.Sessions) > 0
}

func (s scenarioRun) sessions() []*clienttest.Session {
	if s.r == nil {
		return nil
	}
	return s.r.Sessions
}

func (s scenarioRun) crashed() bool { return s.r != nil && s.r.Child != nil && s.r.Child.Crashed }

func (s scenarioRun) evidence() []probes.Evidence {
	if s.r == nil {
		return nil
	}
	return s.r.Evidence()
}

// why says, for a scenario that cannot be judged, what happened.
func (s scenarioRun) why() string {
	switch {
	case s.obs == nil:
		return "scenario " + s.id + " was not run (see --scenario)"
	case s.obs.Status != probes.StatusOK:
		return "scenario " + s.id + ": " + s.obs.Reason
	}
	return "scenario " + s.id + ": no connection"
}

// unjudged is the verdict for a scenario that was not run or where the
// client never connected: skip when it was not selected, error otherwise
// (a client that never connects is reported as such).
func (s scenarioRun) unjudged() Verdict {
	if s.obs == nil {
		return Verdict{Status: report.Skip, Summary: clientCapitalise(s.why()) + "."}
	}
	v := Verdict{Status: report.Error, Summary: "Could not be measured: " + s.why() + ".", Evidence: s.evidence()}
	if s.crashed() {
		v.Summary = "Could not be measured: the client crashed (" + s.r.Child.Exit + ") in scenario " + s.id + " before it connected."
	}
	return v
}

// crashVerdict is the failure of a client that crashed on a scenario's
// input.
func (s scenarioRun) crashVerdict() Verdict {
	return Verdict{Status: report.Fail, Evidence: s.evidence(),
		Summary: fmt.Sprintf("The client crashed (%s) in scenario %s: a hostile server can take it down.", s.r.Child.Exit, s.id)}
}

// perSession judges a scenario session by session, the worst verdict
// winning: judge gets each session and the scenario's evidence. A scenario
// the client never connected in is unjudged; one it crashed in fails.
func (s scenarioRun) perSession(judge func(sess *clienttest.Session, ev []probes.Evidence) Verdict) Verdict {
	if !s.connected() {
		return s.unjudged()
	}
	if s.crashed() {
		return s.crashVerdict()
	}
	var vs []Verdict
	for _, sess := range s.sessions() {
		vs = append(vs, judge(sess, s.evidence()))
	}
	return clientWorst(vs...)
}

// directTLS: the client connected with TLS from the first byte, so
// STARTTLS scenarios do not apply.
func (s scenarioRun) directTLS() bool {
	for _, x := range s.sessions() {
		if x.DirectTLS {
			return true
		}
	}
	return false
}

// control checks the "login" scenario: the client logged in against the
// honest server with the valid certificate. A refusal elsewhere proves
// something only when that worked.
func clientControl(in Input) (ok bool, v Verdict) {
	c := clientScenario(in, "login")
	if !c.connected() {
		u := c.unjudged()
		u.Status = report.Error
		u.Summary = "Could not be measured: the control scenario \"login\" did not work (" + c.why() + "), so a refusal elsewhere proves nothing."
		return false, u
	}
	for _, s := range c.sessions() {
		if s.Bound != "" || clientAuthOK(s) {
			return true, Verdict{}
		}
	}
	return false, Verdict{Status: report.Error, Evidence: c.evidence(),
		Summary: "Could not be measured: the client never logged in against the honest server with the valid certificate (scenario \"login\": " +
			clientFirstEnd(c) + "); is the test CA installed and the account right? A refusal elsewhere proves nothing."}
}

func clientAuthOK(s *clienttest.Session) bool {
	for _, a := range s.Auths {
		if a.Outcome == "success" {
			return true
		}
	}
	return false
}

func clientFirstEnd(s scenarioRun) string {
	if f := s.r.First(); f != nil {
		return f.End
	}
	return "no connection"
}

// sentCredentials returns the first SASL exchange in which the client sent
// its password or a proof, or nil.
func sentCredentials(s *clienttest.Session) *clienttest.Auth {
	for _, a := range s.Auths {
		if a.CredentialsSent {
			return a
		}
	}
	return nil
}

// clientClearAuth returns the first SASL exchange started before TLS, or nil.
func clientClearAuth(s *clienttest.Session) *clienttest.Auth {
	for _, a := range s.Auths {
		if a.InClear {
			return a
		}
	}
	return nil
}

// clientLeftBy says how a session ended, in a few words, with the time.
func clientLeftBy(s *clienttest.Session) string {
	return fmt.Sprintf("%s after %d ms", s.End, s.EndMS-s.StartMS)
}

// cutShort: the run itself (its --timeout, or a cancel) ended sess, not
// the client and not the scenario's deadline. Whatever the client had not
// done yet, it might still have done, so a verdict that rests on what it
// did not do is not measured (cutVerdict); checked after what the client
// did (a failure seen stands).
func cutShort(sess *clienttest.Session) bool { return sess.EndBy == clienttest.EndAborted }

// cutVerdict is the verdict of a session cut short (ev: the evidence, nil
// for the scenario's).
func cutVerdict(s scenarioRun, sess *clienttest.Session, ev []probes.Evidence) Verdict {
	if ev == nil {
		ev = s.evidence()
	}
	return Verdict{Status: report.Error, Evidence: ev,
		Summary: "Could not be measured in scenario " + s.id + ": imscore ended it before the client showed what it does (" + clientLeftBy(sess) + ")."}
}

// clientGone: the client ended the session itself (not the deadline, not
// the tester).
func clientGone(s *clienttest.Session) bool {
	switch s.EndBy {
	case clienttest.EndClientClosedStream, clienttest.EndClientClosed, clienttest.EndClientReset, clienttest.EndProtocolError, clienttest.EndTLSFailed:
		return true
	}
	return false
}

// clientEvidence concatenates the scenarios' evidence, bounded.
func clientEvidence(runs ...scenarioRun) []probes.Evidence {
	var ev []probes.Evidence
	for _, r := range runs {
		ev = append(ev, r.evidence()...)
	}
	if len(ev) > maxClientEvidence {
		ev = ev[:maxClientEvidence]
	}
	return ev
}

func clientCapitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// clientWorst picks the worst of verdicts (fail, warn, error, pass, info, skip),
// joining the summaries of those of that status.
func clientWorst(vs ...Verdict) Verdict {
	rank := map[report.Status]int{report.Fail: 0, report.Warn: 1, report.Error: 2, report.Pass: 3, report.Info: 4, report.Skip: 5}
	best := -1
	for i, v := range vs {
		if best < 0 || rank[v.Status] < rank[vs[best].Status] {
			best = i
		}
	}
	if best < 0 {
		return Verdict{Status: report.Error, Summary: "no scenario (bug)"}
	}
	out := Verdict{Status: vs[best].Status, Cap: vs[best].Cap, CapReason: vs[best].CapReason}
	var sums []string
	for _, v := range vs {
		if v.Status == out.Status {
			sums = append(sums, v.Summary)
			out.Evidence = append(out.Evidence, v.Evidence...)
		}
	}
	for _, v := range vs {
		if v.Status != out.Status && v.Summary != "" && (v.Status == report.Pass || v.Status == report.Warn) {
			sums = append(sums, v.Summary)
		}
	}
	out.Summary = strings.Join(sums, " ")
	if len(out.Evidence) > maxClientEvidence {
		out.Evidence = out.Evidence[:maxClientEvidence]
	}
	return out
}
