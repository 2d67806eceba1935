package clienttest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp"
)

// maxAuths bounds the SASL exchanges kept per session.
const maxAuths = 6

// saslState is the SASL exchange in progress on a session.
type saslState struct {
	auth      *Auth
	scram     *scramServer
	firstAt   time.Time
	plainWait bool // PLAIN without initial response: waiting for <response/>
	done      bool
	succeeded bool // the tester sent <success/>
}

func (s *session) saslFailure(cond string) error {
	s.event("tester answered <failure><%s/></failure>", cond)
	return s.st.write("<failure xmlns='" + xmpp.NSSASL + "'><" + cond + "/></failure>")
}

// saslPayload decodes the base64 text of <auth/> or <response/> ("=" is
// an empty message).
func saslPayload(n *xmpp.Node) (raw string, msg []byte, err error) {
	raw = strings.TrimSpace(n.Text)
	if raw == "" || raw == "=" {
		return raw, nil, nil
	}
	msg, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(raw), ""))
	if err != nil {
		return raw, nil, fmt.Errorf("not base64")
	}
	if len(msg) > maxSASLMessage {
		return raw, nil, fmt.Errorf("longer than %d bytes", maxSASLMessage)
	}
	return raw, msg, nil
}

// saslElement handles <auth/>, <response/> and <abort/> (RFC 6120 §6.4).
func (s *session) saslElement(n *xmpp.Node) error {
	switch n.Name.Local {
	case "auth":
		return s.authStart(n)
	case "response":
		if s.sasl == nil || s.sasl.done {
			s.event("client sent <response/> outside an exchange")
			return s.saslFailure("malformed-request")
		}
		return s.authResponse(n)
	case "abort":
		s.event("client aborted the SASL exchange (<abort/>)")
		if s.sasl != nil && !s.sasl.done {
			s.sasl.auth.Aborted = true
			s.sasl.done = true
		}
		return s.saslFailure("aborted")
	}
	s.event("client sent %s", describe(n))
	return nil
}

func (s *session) authStart(n *xmpp.Node) error {
	mech := clip(strings.TrimSpace(n.AttrValue("mechanism")), 40)
	a := &Auth{Mechanism: mech, InClear: s.tls == nil, Offered: append([]string(nil), s.offered...)}
	if len(s.out.Auths) < maxAuths {
		s.out.Auths = append(s.out.Auths, a)
	}
	where := "over TLS"
	if a.InClear {
		where = "IN THE CLEAR (no TLS)"
	}
	s.event("client started SASL %s %s", mech, where)
	s.sasl = &saslState{auth: a}
	raw, msg, err := saslPayload(n)
	if err != nil {
		a.Error = "initial response " + err.Error()
		s.sasl.done = true
		return s.saslFailure("incorrect-encoding")
	}
	switch {
	case strings.EqualFold(mech, "PLAIN"):
		if len(msg) == 0 {
			s.sasl.plainWait = true
			return s.st.write("<challenge xmlns='" + xmpp.NSSASL + "'/>")
		}
		return s.plain(raw, msg)
	case xmpp.SCRAMHash(mech) != nil:
		if len(msg) == 0 {
			a.Error = "SCRAM without an initial response"
			s.sasl.done = true
			return s.saslFailure("malformed-request")
		}
		return s.scramFirst(raw, msg)
	}
	s.sasl.done = true
	return s.saslFailure("invalid-mechanism")
}

func (s *session) authResponse(n *xmpp.Node) error {
	raw, msg, err := saslPayload(n)
	if err != nil {
		s.sasl.auth.Error = "response " + err.Error()
		s.sasl.done = true
		return s.saslFailure("incorrect-encoding")
	}
	if s.sasl.plainWait {
		s.sasl.plainWait = false
		return s.plain(raw, msg)
	}
	if s.sasl.scram == nil {
		s.sasl.done = true
		return s.saslFailure("malformed-request")
	}
	return s.scramFinal(raw, msg)
}

func (s *session) plain(raw string, msg []byte) error {
	a := s.sasl.auth
	s.sasl.done = true
	c, err := parsePLAIN(msg)
	if err != nil {
		a.Error = err.Error()
		s.redactions = append(s.redactions, [2]string{raw, "[PLAIN message, malformed, redacted]"})
		return s.saslFailure("malformed-request")
	}
	a.CredentialsSent = c.password != ""
	s.redactions = append(s.redactions, [2]string{raw, fmt.Sprintf("[PLAIN authzid=%q authcid=%q password=<redacted>]", clip(c.authzid, 80), clip(c.authcid, 80))})
	if a.InClear && a.CredentialsSent {
		s.event("client sent its password in the clear (PLAIN)")
	}
	user := c.authcid
	if u, d, ok := strings.Cut(user, "@"); ok && strings.EqualFold(d, s.srv.domain) {
		user = u
	}
	a.Valid = user == Username && c.password == s.srv.password
	return s.saslOutcome(a.Valid, "")
}

func (s *session) scramFirst(raw string, msg []byte) error {
	a := s.sasl.auth
	cf, err := parseClientFirst(msg)
	if err != nil {
		a.Error = err.Error()
		s.sasl.done = true
		s.redactions = append(s.redactions, [2]string{raw, "[SCRAM client-first-message, malformed]"})
		return s.saslFailure("malformed-request")
	}
	s.redactions = append(s.redactions, [2]string{raw, "[SCRAM client-first-message " + printable(string(msg)) + "]"})
	a.GS2, a.CBType = cf.flag, clip(cf.cbType, 40)
	plus := strings.HasSuffix(strings.ToUpper(a.Mechanism), "-PLUS")
	iter := s.p.iterations
	a.Iterations = iter
	var ssdp string
	switch s.p.ssdp {
	case "right":
		ssdp = xmpp.SSDPHash(a.Mechanism, s.offered, s.cbTypes)
	case "downgrade":
		ssdp = xmpp.SSDPHash(a.Mechanism, append(append([]string(nil), s.offered...), "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"), []string{"tls-exporter", "tls-server-end-point"})
	}
	sc, err := newSCRAMServer(a.Mechanism, s.srv.password, iter, ssdp)
	if err != nil {
		return err
	}
	s.sasl.scram = sc
	if plus != (cf.flag == "p") {
		a.Error = "gs2 flag does not fit the mechanism (-PLUS needs p=, the others must not use it)"
	}
	first := sc.serverFirst(cf)
	s.sasl.firstAt = time.Now()
	note := ""
	if iter == hugeIterations {
		note = " asking for 2^31-1 iterations"
	}
	if ssdp != "" {
		note += " with a XEP-0474 hash (" + s.p.ssdp + ")"
	}
	s.event("tester sent the SCRAM server-first-message%s", note)
	return s.st.write("<challenge xmlns='" + xmpp.NSSASL + "'>" + base64.StdEncoding.EncodeToString([]byte(first)) + "</challenge>")
}

func (s *session) scramFinal(raw string, msg []byte) error {
	a, sc := s.sasl.auth, s.sasl.scram
	s.sasl.done = true
	a.FinalAfterMS = time.Since(s.sasl.firstAt).Milliseconds()
	fin, err := parseClientFinal(msg)
	if err != nil {
		a.Error = err.Error()
		s.redactions = append(s.redactions, [2]string{raw, "[SCRAM client-final-message, malformed]"})
		return s.saslFailure("malformed-request")
	}
	a.CredentialsSent = true
	s.redactions = append(s.redactions, [2]string{raw, "[SCRAM client-final-message " + printable(fin.withoutProof) + ",p=<proof redacted>]"})
	s.event("client sent the SCRAM proof after %d ms", a.FinalAfterMS)
	if sc.iterations == hugeIterations {
		// Checking the proof would cost the tester the same 2^31 rounds.
		a.Outcome = "not verified"
		return s.saslFailure("not-authorized")
	}
	var cb []byte
	if s.tls != nil && a.GS2 == "p" {
		cb = channelBinding(s.tls, a.CBType, s.srv.pki.certs[s.p.cert].Certificate[0])
	}
	sig, proofOK, cbOK, err := sc.verify(fin, cb)
	if err != nil {
		a.Error = err.Error()
		return s.saslFailure("not-authorized")
	}
	a.Valid = proofOK
	a.CBValid = cbOK && a.GS2 == "p"
	plusOffered := false
	for _, m := range s.offered {
		plusOffered = plusOffered || strings.HasSuffix(m, "-PLUS")
	}
	switch {
	case !cbOK:
		s.event("the channel-binding data does not match this connection (%s)", a.CBType)
		return s.saslOutcome(false, "")
	case a.GS2 == "y" && plusOffered:
		// RFC 5802 §6: "y" while the server offers -PLUS is a downgrade.
		s.event("client said it supports channel binding but thinks the server does not (gs2 \"y\") while -PLUS was offered")
		return s.saslOutcome(false, "")
	}
	extra := ""
	if proofOK {
		switch s.p.serverSig {
		case sigRight:
			extra = base64.StdEncoding.EncodeToString([]byte("v=" + base64.StdEncoding.EncodeToString(sig)))
		case sigWrong:
			bad := make([]byte, len(sig))
			_, _ = rand.Read(bad)
			extra = base64.StdEncoding.EncodeToString([]byte("v=" + base64.StdEncoding.EncodeToString(bad)))
			s.event("tester answers the correct proof with a WRONG server signature")
		case sigNone:
			s.event("tester answers the correct proof with <success/> WITHOUT a server signature")
		}
	}
	return s.saslOutcome(proofOK, extra)
}

// saslOutcome sends <success/> (with additional data) or <failure/>;
// after success the client must open a new stream.
func (s *session) saslOutcome(ok bool, extra string) error {
	a := s.sasl.auth
	if !ok {
		a.Outcome = "failure"
		return s.saslFailure("not-authorized")
	}
	a.Outcome = "success"
	s.sasl.succeeded = true
	s.authed = true
	s.event("tester sent <success/>")
	if err := s.st.write("<success xmlns='" + xmpp.NSSASL + "'>" + extra + "</success>"); err != nil {
		return err
	}
	s.st.restart()
	return s.openStream()
}

// printable makes client text safe for the transcript.
func printable(s string) string { return clip(report.Visible(s), 600) }
