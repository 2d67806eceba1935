package criteria

import (
	"slices"
	"testing"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/xmpp/clienttest"
)

// Table tests of the xmpp-client evaluators over hand-built observations
// of xmpp/clienttest.

// scen is one scenario's observation.
type scen struct {
	id       string
	sessions []*clienttest.Session
	child    *clienttest.Child
	status   probes.Status
	reason   string
}

func clientRes(scs ...scen) probes.Results {
	res := probes.Results{}
	for _, s := range scs {
		st := s.status
		if st == "" {
			st = probes.StatusOK
		}
		res[clienttest.ProbeID(s.id)] = &probes.Observation{Probe: clienttest.ProbeID(s.id), Status: st, Reason: s.reason,
			Data: &clienttest.Result{Scenario: s.id, Domain: "test.example", Sessions: s.sessions, Child: s.child}}
	}
	return res
}

func on(id string, ss ...*clienttest.Session) scen { return scen{id: id, sessions: ss} }

func testHello(versions ...string) *clienttest.Hello {
	return &clienttest.Hello{Versions: versions, VersionsExplicit: true, SNI: "test.example",
		Suites: []clienttest.Suite{{Name: "TLS_AES_128_GCM_SHA256"}}, Groups: []string{"x25519"}}
}

func tlsDone(cert string) *clienttest.TLSInfo {
	return &clienttest.TLSInfo{Cert: cert, Hello: testHello("TLSv1.3", "TLSv1.2"), Done: true, Version: "TLS 1.3"}
}

// loggedIn is a session that logged in over TLS with SCRAM-SHA-256.
func loggedIn() *clienttest.Session {
	return &clienttest.Session{StartTLS: true, TLS: tlsDone(clienttest.CertGood), Bound: "tester@test.example/res",
		Auths: []*clienttest.Auth{{Mechanism: "SCRAM-SHA-256", Offered: []string{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}, CredentialsSent: true, Valid: true, Outcome: "success", GS2: "n"}},
		EndBy: clienttest.EndTesterDone, End: "the scenario was over",
		Version: &clienttest.SoftwareVersion{Answered: true, Name: "Client", Version: "1.0", OS: "Linux"}}
}

func left() *clienttest.Session {
	return &clienttest.Session{EndBy: clienttest.EndClientClosed, End: "the client closed the TCP connection", EndMS: 5}
}

// hit marks a session that opened a stream and received the scenario's
// hostile payload.
func hit(s *clienttest.Session) *clienttest.Session {
	s.Header, s.HostileSent = true, true
	return s
}

// cut marks a session the run's --timeout ended (not the client, not the
// scenario's deadline).
func cut(s *clienttest.Session) *clienttest.Session {
	s.EndBy, s.End = clienttest.EndAborted, "stopped by imscore: the run's --timeout passed"
	return s
}

func held() *clienttest.Session {
	return &clienttest.Session{EndBy: clienttest.EndDeadline, End: "the client was still connected when the scenario's deadline passed"}
}

func plainInClear() *clienttest.Session {
	return &clienttest.Session{Auths: []*clienttest.Auth{{Mechanism: "PLAIN", InClear: true, CredentialsSent: true}}, EndBy: clienttest.EndClientClosed}
}

func refusedCert(cert string) *clienttest.Session {
	return &clienttest.Session{StartTLS: true, TLS: &clienttest.TLSInfo{Cert: cert, Hello: testHello("TLSv1.3"), ClientAlert: "bad certificate", Error: "remote error: tls: bad certificate"},
		EndBy: clienttest.EndTLSFailed, End: "the client aborted the TLS handshake"}
}

func acceptedCert(cert string) *clienttest.Session {
	s := loggedIn()
	s.TLS = tlsDone(cert)
	return s
}

func scramWith(mod func(a *clienttest.Auth, s *clienttest.Session)) *clienttest.Session {
	s := loggedIn()
	s.Auths[0].Offered = []string{"SCRAM-SHA-256", "SCRAM-SHA-1"}
	mod(s.Auths[0], s)
	return s
}

var ctl = on("login", loggedIn())

type clientCase struct {
	name string
	res  probes.Results
	want report.Status
	has  string
}

var clientCases = map[string][]clientCase{
	"xmpp.client.starttls-stripped": {
		{"run ended it", clientRes(ctl, on("starttls-stripped", cut(&clienttest.Session{Header: true}))), report.Error, "imscore ended it"},
		{"hung up", clientRes(ctl, on("starttls-stripped", left())), report.Pass, "hung up without authenticating"},
		{"PLAIN in the clear", clientRes(ctl, on("starttls-stripped", plainInClear())), report.Fail, "password in the clear"},
		{"no control", clientRes(on("login", left()), on("starttls-stripped", left())), report.Error, "never logged in"},
		{"direct TLS", clientRes(ctl, on("starttls-stripped", &clienttest.Session{DirectTLS: true})), report.Skip, "direct TLS"},
		{"never connected", clientRes(ctl, scen{id: "starttls-stripped", status: probes.StatusTimeout, reason: "the client did not connect within 15s"}), report.Error, "did not connect"},
		{"crashed", clientRes(ctl, scen{id: "starttls-stripped", sessions: []*clienttest.Session{left()}, child: &clienttest.Child{Crashed: true, Exit: "killed by SIGSEGV"}}), report.Fail, "crashed"},
		{"not selected", clientRes(ctl), report.Skip, "not run"},
	},
	"xmpp.client.starttls-optional": {
		{"run ended it", clientRes(ctl, on("starttls-optional", cut(&clienttest.Session{Header: true}))), report.Error, "imscore ended it"},
		{"upgraded", clientRes(on("starttls-optional", loggedIn())), report.Pass, "upgraded with STARTTLS"},
		{"auth in the clear", clientRes(on("starttls-optional", plainInClear())), report.Fail, "although STARTTLS was offered"},
		{"neither", clientRes(ctl, on("starttls-optional", func() *clienttest.Session { s := left(); s.Header = true; return s }())), report.Warn, "neither upgraded"},
		{"no stream", clientRes(ctl, on("starttls-optional", left())), report.Error, "never opened an XMPP stream"},
		{"neither, no control", clientRes(on("login", left()), on("starttls-optional", func() *clienttest.Session { s := left(); s.Header = true; return s }())), report.Error, "never logged in"},
	},
	"xmpp.client.starttls-failure": {
		{"run ended it", clientRes(ctl, on("starttls-failure", cut(&clienttest.Session{Header: true, StartTLS: true}))), report.Error, "imscore ended it"},
		{"gave up", clientRes(ctl, on("starttls-failure", &clienttest.Session{StartTLS: true, EndBy: clienttest.EndClientClosedStream, End: "closed"})), report.Pass, "gave up"},
		{"waited", clientRes(ctl, on("starttls-failure", &clienttest.Session{StartTLS: true, EndBy: clienttest.EndDeadline})), report.Pass, "did not continue"},
		{"fell back", clientRes(ctl, on("starttls-failure", plainInClear())), report.Fail, "after the server answered"},
		{"never asked", clientRes(ctl, on("starttls-failure", left())), report.Error, "never asked for STARTTLS"},
	},
	"xmpp.client.starttls-injection": {
		{"run ended it", clientRes(ctl, on("starttls-injection", cut(&clienttest.Session{StartTLS: true, TLS: &clienttest.TLSInfo{Error: "use of closed network connection"}}))), report.Error, "imscore ended it"},
		{"discarded", clientRes(ctl, on("starttls-injection", loggedIn())), report.Pass, "discarded"},
		{"acted on it", clientRes(ctl, on("starttls-injection", func() *clienttest.Session {
			s := loggedIn()
			s.ElementsBeforeFeatures = []string{"<auth mechanism='PLAIN'>[PLAIN …]</auth>"}
			return s
		}())), report.Fail, "acted on plaintext injected"},
		{"handshake broke", clientRes(ctl, on("starttls-injection", &clienttest.Session{StartTLS: true, TLS: &clienttest.TLSInfo{Error: "local error: tls: bad record MAC"}, EndBy: clienttest.EndTLSFailed})), report.Pass, "broke the client's TLS handshake"},
	},
	"xmpp.client.cert-untrusted": {
		{"run ended it", clientRes(ctl, on("cert-unknown-ca", refusedCert(clienttest.CertUnknownCA)), on("cert-self-signed", cut(&clienttest.Session{StartTLS: true, TLS: &clienttest.TLSInfo{Cert: clienttest.CertSelfSigned, Error: "use of closed network connection"}}))), report.Error, "imscore ended it"},
		{"one never reached TLS", clientRes(ctl, on("cert-unknown-ca", refusedCert(clienttest.CertUnknownCA)), on("cert-self-signed", held())), report.Error, "never started TLS"},
		{"refused both", clientRes(ctl, on("cert-unknown-ca", refusedCert(clienttest.CertUnknownCA)), on("cert-self-signed", refusedCert(clienttest.CertSelfSigned))), report.Pass, "alert \"bad certificate\""},
		{"held", clientRes(ctl, on("cert-unknown-ca", refusedCert(clienttest.CertUnknownCA)), on("cert-self-signed", &clienttest.Session{StartTLS: true, TLS: &clienttest.TLSInfo{Error: "context deadline exceeded"}, EndBy: clienttest.EndDeadline})), report.Pass, "asking its user"},
		{"accepted", clientRes(ctl, on("cert-unknown-ca", refusedCert(clienttest.CertUnknownCA)), on("cert-self-signed", acceptedCert(clienttest.CertSelfSigned))), report.Fail, "accepted a self-signed certificate"},
		{"no control", clientRes(on("cert-unknown-ca", refusedCert(clienttest.CertUnknownCA)), on("cert-self-signed", refusedCert(clienttest.CertSelfSigned))), report.Error, "control"},
	},
	"xmpp.client.cert-wrong-name": {
		{"right", clientRes(ctl, on("cert-wrong-name", refusedCert(clienttest.CertWrongName)), on("cert-xmpp-ids", acceptedCert(clienttest.CertXMPPIDs))), report.Pass, "SRV-ID and XmppAddr"},
		{"DNS-ID only", clientRes(ctl, on("cert-wrong-name", refusedCert(clienttest.CertWrongName)), on("cert-xmpp-ids", refusedCert(clienttest.CertXMPPIDs))), report.Warn, "checks DNS-IDs only"},
		{"accepted", clientRes(ctl, on("cert-wrong-name", acceptedCert(clienttest.CertWrongName)), on("cert-xmpp-ids", acceptedCert(clienttest.CertXMPPIDs))), report.Fail, "another domain"},
	},
	"xmpp.client.cert-expired": {
		{"refused", clientRes(ctl, on("cert-expired", refusedCert(clienttest.CertExpired)), on("cert-not-yet-valid", refusedCert(clienttest.CertNotYetValid))), report.Pass, "expired"},
		{"accepted", clientRes(ctl, on("cert-expired", acceptedCert(clienttest.CertExpired)), on("cert-not-yet-valid", refusedCert(clienttest.CertNotYetValid))), report.Fail, "accepted an expired certificate"},
	},
	"xmpp.client.tls-versions": {
		{"modern", clientRes(ctl, on("tls-legacy", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: testHello("TLSv1.3", "TLSv1.2"), ClientAlert: "protocol version"}})), report.Pass, "refused a server that speaks only TLS 1.0 and 1.1"},
		{"accepted TLS 1.1", clientRes(ctl, on("tls-legacy", acceptedCert(clienttest.CertGood))), report.Fail, "handshake"},
		{"offers TLS 1.1", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: testHello("TLSv1.3", "TLSv1.2", "TLSv1.1")}})), report.Fail, "TLSv1.1"},
		{"lists TLS 1.1 but refuses it", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: testHello("TLSv1.3", "TLSv1.2", "TLSv1.1")}}),
			on("tls-legacy", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: testHello("TLSv1.3", "TLSv1.2", "TLSv1.1"), ClientAlert: "internal error"}})), report.Warn, "though it refused"},
		{"no TLS 1.3", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: testHello("TLSv1.2")}})), report.Warn, "does not offer TLS 1.3"},
		{"no hello", clientRes(on("login", left())), report.Error, "no TLS ClientHello"},
	},
	"xmpp.client.tls-ciphers": {
		{"AEAD only", clientRes(ctl), report.Pass, "only AEAD"},
		{"CBC", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{Suites: []clienttest.Suite{{Name: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Weak: []string{"cbc"}}}}}})), report.Warn, "CBC-mode"},
		{"3DES", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{Suites: []clienttest.Suite{{Name: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Weak: []string{"3des", "cbc", "static-rsa"}}}}}})), report.Fail, "3DES"},
		{"no hello", clientRes(on("login", left())), report.Error, "no TLS ClientHello"},
	},
	"xmpp.client.tls-post-quantum": {
		{"hybrid", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{PostQuantum: []string{"X25519MLKEM768"}}}})), report.Pass, "X25519MLKEM768"},
		{"classical", clientRes(ctl), report.Warn, "no post-quantum"},
		{"no hello", clientRes(on("login", left())), report.Error, "no TLS ClientHello"},
	},
	"xmpp.client.tls-sni": {
		{"domain", clientRes(ctl), report.Pass, "XMPP domain as SNI"},
		{"none", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{}}})), report.Warn, "no SNI"},
		{"host", clientRes(on("login", &clienttest.Session{TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{SNI: "127.0.0.1"}}})), report.Fail, "127.0.0.1"},
	},
	"xmpp.client.tls-alpn": {
		{"xmpp-client", clientRes(on("login", &clienttest.Session{DirectTLS: true, TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{ALPN: []string{"xmpp-client"}}}})), report.Pass, "xmpp-client"},
		{"none", clientRes(on("login", &clienttest.Session{DirectTLS: true, TLS: &clienttest.TLSInfo{Hello: &clienttest.Hello{}}})), report.Warn, "does not offer"},
		{"STARTTLS only", clientRes(ctl), report.Skip, "did not use direct TLS"},
		{"no hello", clientRes(on("login", left())), report.Error, "no TLS ClientHello"},
	},
	"xmpp.client.sasl-choice": {
		{"SCRAM and PLUS", clientRes(ctl, on("sasl-plus", scramWith(func(a *clienttest.Auth, _ *clienttest.Session) {
			a.Mechanism, a.GS2, a.CBType, a.CBValid = "SCRAM-SHA-256-PLUS", "p", "tls-exporter", true
		}))), report.Pass, "tls-exporter channel binding"},
		{"no PLUS", clientRes(ctl, on("sasl-plus", loggedIn())), report.Warn, "without channel binding"},
		{"binding mismatch", clientRes(ctl, on("sasl-plus", scramWith(func(a *clienttest.Auth, _ *clienttest.Session) {
			a.Mechanism, a.GS2, a.CBType = "SCRAM-SHA-256-PLUS", "p", "tls-unique"
		}))), report.Warn, "did not match"},
		{"SHA-1", clientRes(on("login", scramWith(func(a *clienttest.Auth, _ *clienttest.Session) { a.Mechanism = "SCRAM-SHA-1" }))), report.Warn, "SCRAM-SHA-1"},
		{"PLAIN", clientRes(on("login", scramWith(func(a *clienttest.Auth, _ *clienttest.Session) { a.Mechanism = "PLAIN" }))), report.Fail, "chose PLAIN"},
		{"no credentials", clientRes(on("login", left())), report.Error, "sent no credentials"},
		{"PLAIN after SCRAM failed", clientRes(ctl, on("sasl-plus", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.Mechanism, a.GS2, a.CBType, a.Outcome = "SCRAM-SHA-256-PLUS", "p", "tls-unique", "failure"
			s.Auths = append(s.Auths, &clienttest.Auth{Mechanism: "PLAIN", CredentialsSent: true, Valid: true, Outcome: "success"})
		}))), report.Fail, "fell back to PLAIN"},
	},
	"xmpp.client.sasl-downgrade": {
		{"run ended it", clientRes(on("sasl-downgrade", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.Mechanism, a.CredentialsSent, a.Outcome, s.Bound = "SCRAM-SHA-1", false, "", ""
			cut(s)
		})), on("sasl-plus", loggedIn())), report.Error, "imscore ended it"},
		{"detected", clientRes(on("sasl-downgrade", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.Mechanism, a.CredentialsSent, a.Outcome, s.Bound, s.EndBy = "SCRAM-SHA-1", false, "", "", clienttest.EndClientClosed
		})), on("sasl-plus", loggedIn())), report.Pass, "went on where the hash was right"},
		{"not implemented", clientRes(on("sasl-downgrade", scramWith(func(a *clienttest.Auth, _ *clienttest.Session) { a.Mechanism = "SCRAM-SHA-1" }))), report.Info, "XEP-0474"},
		{"no SCRAM", clientRes(on("sasl-downgrade", left())), report.Skip, "does not use SCRAM-SHA-1"},
		{"stopped everywhere", clientRes(on("sasl-downgrade", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.Mechanism, a.CredentialsSent = "SCRAM-SHA-1", false
		})), on("sasl-plus", left())), report.Error, "another cause"},
	},
	"xmpp.client.scram-server-signature": {
		{"run ended it", clientRes(on("scram-wrong-signature", scramWith(func(_ *clienttest.Auth, s *clienttest.Session) { s.Bound = ""; cut(s) })),
			on("scram-no-signature", scramWith(func(_ *clienttest.Auth, s *clienttest.Session) { s.Bound, s.EndBy = "", clienttest.EndClientClosed }))), report.Error, "imscore ended it"},
		{"refused", clientRes(on("scram-wrong-signature", scramWith(func(_ *clienttest.Auth, s *clienttest.Session) { s.Bound, s.EndBy = "", clienttest.EndClientClosed })),
			on("scram-no-signature", scramWith(func(_ *clienttest.Auth, s *clienttest.Session) { s.Bound, s.EndBy = "", clienttest.EndClientClosed }))), report.Pass, "refused <success/>"},
		{"accepted", clientRes(on("scram-wrong-signature", scramWith(func(_ *clienttest.Auth, s *clienttest.Session) { s.RestartedAfterSuccess = true })),
			on("scram-no-signature", scramWith(func(_ *clienttest.Auth, s *clienttest.Session) { s.Bound = "" }))), report.Fail, "accepted <success/> with a wrong server signature"},
		{"PLAIN only client", clientRes(on("scram-wrong-signature", left()), on("scram-no-signature", left())), report.Skip, "does not use SCRAM"},
		{"proof refused", clientRes(on("scram-wrong-signature", scramWith(func(a *clienttest.Auth, _ *clienttest.Session) { a.Outcome, a.Error = "failure", "wrong password" }))), report.Error, "not accepted"},
	},
	"xmpp.client.scram-iterations": {
		{"answered", clientRes(on("scram-iterations", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.FinalAfterMS, a.Outcome, s.Bound = 12, "not verified", ""
		}))), report.Pass, "answered after 12 ms"},
		{"refused", clientRes(on("scram-iterations", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.CredentialsSent, a.Outcome, s.Bound, s.EndBy = false, "", "", clienttest.EndClientClosed
		}))), report.Pass, "refused"},
		{"stuck", clientRes(on("scram-iterations", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.CredentialsSent, a.Outcome, s.Bound, s.EndBy = false, "", "", clienttest.EndDeadline
		}))), report.Fail, "neither answered nor gave up"},
		{"no SCRAM", clientRes(on("scram-iterations", held())), report.Skip, "does not use SCRAM"},
		{"run ended it", clientRes(on("scram-iterations", scramWith(func(a *clienttest.Auth, s *clienttest.Session) {
			a.CredentialsSent, a.Outcome, s.Bound, s.EndBy = false, "", "", clienttest.EndAborted
		}))), report.Error, "imscore ended it"},
	},
	"xmpp.client.xml-hardening": {
		{"ended", clientRes(ctl, on("xml-entity-bomb", hit(left())), on("xml-oversized", hit(left()))), report.Pass, "ended the session"},
		{"carried on", clientRes(ctl, on("xml-entity-bomb", hit(left())), on("xml-oversized", hit(&clienttest.Session{StartTLS: true, OversizeSent: 8 << 20, EndBy: clienttest.EndTesterDone}))), report.Warn, "read all 8 MiB"},
		{"stuck", clientRes(ctl, on("xml-entity-bomb", hit(held())), on("xml-oversized", hit(left()))), report.Fail, "neither refused nor went on"},
		{"crashed", clientRes(ctl, on("xml-entity-bomb", hit(left())), scen{id: "xml-oversized", sessions: []*clienttest.Session{hit(left())}, child: &clienttest.Child{Crashed: true, Exit: "exited 139 (128+SIGSEGV)"}}), report.Fail, "crashed"},
		// A connection closed without a stream, or before the payload went
		// out, proves nothing (it was a PASS once).
		{"no stream", clientRes(ctl, on("xml-entity-bomb", left()), on("xml-oversized", left())), report.Error, "never opened an XMPP stream"},
		{"left before payload", clientRes(ctl, on("xml-entity-bomb", func() *clienttest.Session { s := left(); s.Header = true; return s }()), on("xml-oversized", hit(left()))), report.Error, "before the tester's payload"},
		{"no control", clientRes(on("login", left()), on("xml-entity-bomb", hit(left())), on("xml-oversized", hit(left()))), report.Error, "never logged in"},
		{"run ended it", clientRes(ctl, on("xml-entity-bomb", hit(&clienttest.Session{EndBy: clienttest.EndAborted, End: "stopped by imscore: the run's --timeout passed"})), on("xml-oversized", hit(left()))), report.Error, "imscore ended it"},
	},
	"xmpp.client.carbon-spoofing": {
		{"run ended it", clientRes(on("carbon-forged", func() *clienttest.Session { s := loggedIn(); s.Injected = []string{"carbon"}; return cut(s) }())), report.Error, "imscore ended it"},
		{"no reaction", clientRes(on("carbon-forged", func() *clienttest.Session { s := loggedIn(); s.Injected = []string{"carbon"}; return s }())), report.Info, "Check the client's display"},
		{"receipt", clientRes(on("carbon-forged", func() *clienttest.Session {
			s := loggedIn()
			s.Injected, s.Reactions = []string{"carbon"}, []string{"<message to='boss@test.example/desk'><received xmlns='urn:xmpp:receipts' id='imscore-forged-carbon'/></message>"}
			return s
		}())), report.Fail, "answered it"},
		{"not logged in", clientRes(on("carbon-forged", left())), report.Error, "did not log in"},
		{"left early", clientRes(on("carbon-forged", loggedIn())), report.Error, "left before"},
		{"deadline first", clientRes(on("carbon-forged", func() *clienttest.Session { s := loggedIn(); s.EndBy = clienttest.EndDeadline; return s }())), report.Error, "too late"},
	},
	"xmpp.client.mam-spoofing": {
		{"no reaction", clientRes(on("mam-forged", func() *clienttest.Session {
			s := loggedIn()
			s.Injected, s.LeftAfterInjection, s.End = []string{"mam"}, true, "the client closed the stream"
			return s
		}())), report.Info, "ended the session"},
	},
	"xmpp.client.metadata": {
		{"run ended it", clientRes(on("login", func() *clienttest.Session {
			s := loggedIn()
			s.Version = &clienttest.SoftwareVersion{Answered: false}
			return cut(s)
		}())), report.Error, "imscore ended it"},
		{"discloses", clientRes(ctl), report.Warn, "operating system \"Linux\""},
		{"declines", clientRes(on("login", func() *clienttest.Session {
			s := loggedIn()
			s.Version = &clienttest.SoftwareVersion{Answered: false}
			return s
		}())), report.Pass, "does not disclose"},
		{"no answer", clientRes(on("login", func() *clienttest.Session { s := loggedIn(); s.Version = nil; return s }())), report.Error, "did not answer"},
	},
}

// clientCasesOf turns the cases of one concern's criteria into rows of the
// package's table test (caseTables).
func clientCasesOf(bs []binding) func(t *testing.T) []evalCase {
	return func(t *testing.T) []evalCase {
		var out []evalCase
		for _, b := range bs {
			for _, c := range clientCases[b.ID] {
				out = append(out, evalCase{ID: b.ID, Name: c.name, Kind: ClientKind, Res: c.res, Want: c.want, Has: c.has})
			}
		}
		return out
	}
}

// Every status a client evaluator returns in its cases is documented in
// its metadata (imscore explain shows it).
func TestClientStatusesDocumented(t *testing.T) {
	for id, cases := range clientCases {
		m, ok := Lookup(id)
		if !ok {
			t.Errorf("%s: no metadata", id)
			continue
		}
		for _, c := range cases {
			v := safeEval(mustEval(id), Input{Kind: ClientKind, Results: c.res})
			if m.Statuses[string(v.Status)] == "" {
				t.Errorf("%s/%s returns %s, which its metadata does not document", id, c.name, v.Status)
			}
		}
	}
}

// The IDs the issue names exist, client criteria apply to clients only,
// every client scenario feeds a client criterion, and a server scan sees
// none of them.
func TestClientCriteriaContract(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	client := map[string]bool{}
	for _, m := range all {
		if slices.Contains(m.Targets, ClientKind) {
			client[m.ID] = true
			if len(m.Targets) != 1 {
				t.Errorf("%s: a client criterion applies to servers too: %v", m.ID, m.Targets)
			}
		}
	}
	for _, id := range []string{"xmpp.client.starttls-stripped", "xmpp.client.starttls-optional", "xmpp.client.cert-untrusted",
		"xmpp.client.cert-wrong-name", "xmpp.client.cert-expired", "xmpp.client.sasl-choice"} {
		if !client[id] {
			t.Errorf("contract criterion %s missing", id)
		}
	}
	for _, s := range clienttest.Scenarios {
		if !client[s.Criterion] {
			t.Errorf("scenario %s feeds unknown criterion %s", s.ID, s.Criterion)
		}
	}
	for id := range client {
		if _, err := clienttest.Select([]string{id}); err != nil {
			t.Errorf("--scenario %s: %v", id, err)
		}
	}
	// A whole run evaluates without errors from the machinery, and server
	// kinds do not see client criteria.
	findings, _, err := Evaluate(ClientKind, clientRes(ctl))
	if err != nil || len(findings) != len(client) {
		t.Fatalf("%d findings, %v", len(findings), err)
	}
	xf, _, _ := Evaluate("xmpp", probes.Results{})
	for _, f := range xf {
		if client[f.Criterion] {
			t.Errorf("%s evaluated for an xmpp server scan", f.Criterion)
		}
	}
}
