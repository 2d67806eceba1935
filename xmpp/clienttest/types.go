package clienttest

import (
	"github.com/imscore/imscore/probes"
)

// ProbePrefix starts the probe ID of every scenario's observation:
// "client.<scenario>".
const ProbePrefix = "client."

// ProbeID is the probe ID under which scenario id's observation is stored.
func ProbeID(id string) probes.ID { return probes.ID(ProbePrefix + id) }

// Key is the typed key of scenario id's observation (its data is a
// *Result).
func Key(id string) probes.Key[*Result] { return probes.Key[*Result]{ID: ProbeID(id)} }

// Result is the typed data of one scenario's observation: every connection
// the client made while the scenario ran, and the client process when the
// tester ran it (--exec).
type Result struct {
	Scenario  string `json:"scenario"`
	Criterion string `json:"criterion"`
	// Domain is the XMPP domain the tester served.
	Domain string `json:"domain"`
	// Sessions are the connections, in the order they came (at most
	// maxSessions; Extra counts the ones refused beyond that).
	Sessions []*Session `json:"sessions"`
	Extra    int        `json:"extra_connections,omitempty"`
	// Child is the client process (exec mode only).
	Child *Child `json:"child,omitempty"`
	// DeadlineMS is the scenario's deadline.
	DeadlineMS int64 `json:"deadline_ms"`
}

// First returns the first session, or nil.
func (r *Result) First() *Session {
	if r == nil || len(r.Sessions) == 0 {
		return nil
	}
	return r.Sessions[0]
}

// Child is what became of the client process of one scenario.
type Child struct {
	// Command is the command template as given (placeholders not filled
	// in, so it holds no password).
	Command string `json:"command"`
	// Started is false when the command could not be started.
	Started bool   `json:"started"`
	Error   string `json:"error,omitempty"`
	// Exit: "exited 0", "exited 3", "signal SIGSEGV", …; KilledByUs when
	// imscore stopped it (the deadline passed or the scenario was over).
	Exit       string `json:"exit,omitempty"`
	ExitCode   int    `json:"exit_code"`
	Signal     string `json:"signal,omitempty"`
	KilledByUs bool   `json:"killed_by_imscore,omitempty"`
	// AtDeadline: it was still running when the scenario's deadline
	// passed.
	AtDeadline bool `json:"at_deadline,omitempty"`
	// Crashed: it ended by a signal imscore did not send (SIGSEGV,
	// SIGABRT, …) or its wrapper says so (exit status 128+N).
	Crashed bool  `json:"crashed,omitempty"`
	RunMS   int64 `json:"run_ms"`
	// Output is the tail of its stdout and stderr, password redacted,
	// made printable.
	Output string `json:"output,omitempty"`
}

// Session is one connection of the client, as the tester saw it.
type Session struct {
	Remote  string `json:"remote"`
	StartMS int64  `json:"start_ms"` // since the scenario started
	EndMS   int64  `json:"end_ms"`
	// DirectTLS: the first bytes were a TLS ClientHello (XEP-0368).
	DirectTLS bool `json:"direct_tls,omitempty"`
	// Header: the client opened an XMPP stream; To is its to=.
	Header bool   `json:"header"`
	To     string `json:"to,omitempty"`
	// StartTLS: the client asked for STARTTLS; BeforeHandshake is how many
	// bytes it sent after <starttls/> before its ClientHello.
	StartTLS bool `json:"starttls,omitempty"`
	// TLS is the handshake (nil when the client never started one).
	TLS *TLSInfo `json:"tls,omitempty"`
	// Auths are the SASL exchanges, in order (at most maxAuths kept).
	Auths []*Auth `json:"auths,omitempty"`
	// ElementsBeforeFeatures counts what the client sent after the TLS
	// handshake before the tester sent its stream features (the
	// injection scenario holds the features back).
	ElementsBeforeFeatures []string `json:"elements_before_features,omitempty"`
	// RestartedAfterSuccess: after <success/> the client opened a new
	// stream (it accepted the authentication outcome).
	RestartedAfterSuccess bool `json:"restarted_after_success,omitempty"`
	// Bound is the full JID bound (resource binding done).
	Bound string `json:"bound,omitempty"`
	// Requests are the client's IQs, presences and messages after login,
	// summarised ("iq get jabber:iq:roster", "presence", "message chat").
	Stanzas []string `json:"stanzas,omitempty"`
	// Version is the client's XEP-0092 answer; Caps its XEP-0115 node.
	Version *SoftwareVersion `json:"version,omitempty"`
	Caps    string           `json:"caps,omitempty"`
	// Injected lists what the tester injected after login (forged carbon,
	// MAM result) and Reactions what the client sent that referred to it.
	Injected  []string `json:"injected,omitempty"`
	Reactions []string `json:"reactions,omitempty"`
	// SentAfterInjection counts the client's elements after the first
	// injection; LeftAfterInjection: it ended the stream or connection
	// within the observation window.
	SentAfterInjection int  `json:"sent_after_injection,omitempty"`
	LeftAfterInjection bool `json:"left_after_injection,omitempty"`
	// OversizeSent: bytes of the oversized element the tester could write
	// before the client stopped reading or hung up (socket buffers hold a
	// few MiB the client may never read).
	OversizeSent int64 `json:"oversize_sent,omitempty"`
	// HostileSent: the tester wrote the scenario's hostile payload (the
	// entity-bomb DTD and its element, or the start of the oversized
	// element) to the client; a hang-up before that proves nothing.
	HostileSent bool `json:"hostile_sent,omitempty"`
	// Events is the time line ("+12ms client <starttls/>").
	Events []string `json:"events"`
	// End says how the session ended; EndBy is one of client-closed-stream,
	// client-closed, client-reset, deadline, tester-done, limit,
	// protocol-error, tls-failed.
	End   string `json:"end"`
	EndBy string `json:"end_by"`
	// Transcript is what the client sent (decrypted after TLS), with SASL
	// payloads decoded and the password redacted, bounded.
	Transcript string `json:"transcript"`
	// Bytes is how many bytes the client sent in total.
	Bytes int64 `json:"bytes"`
}

// Ways a session ends (Session.EndBy).
const (
	EndClientClosedStream = "client-closed-stream" // </stream:stream>
	EndClientClosed       = "client-closed"        // TCP FIN without closing the stream
	EndClientReset        = "client-reset"         // TCP RST
	EndDeadline           = "deadline"             // the client was still there at the deadline
	EndTesterDone         = "tester-done"          // the scenario was over; the tester closed
	EndLimit              = "limit"                // the client sent more than the tester reads
	EndProtocolError      = "protocol-error"       // the client sent something that is not XMPP
	EndTLSFailed          = "tls-failed"           // the TLS handshake failed (client alert or close)
	EndAborted            = "aborted"              // the run was cancelled
)

// TLSInfo is one TLS handshake as the server side saw it.
type TLSInfo struct {
	// Cert is the certificate the tester presented (see Certs).
	Cert string `json:"cert"`
	// Hello is the client's ClientHello (nil when none arrived).
	Hello *Hello `json:"client_hello,omitempty"`
	// Done: the handshake completed; Version and Suite then say what was
	// negotiated.
	Done    bool   `json:"done"`
	Version string `json:"version,omitempty"`
	Suite   string `json:"suite,omitempty"`
	ALPN    string `json:"alpn,omitempty"`
	// Error is why it failed, e.g. "remote error: tls: bad certificate"
	// (the client's alert).
	Error string `json:"error,omitempty"`
	// ClientAlert is the alert description the client sent, when that is
	// how it ended ("bad certificate", "unknown certificate authority").
	ClientAlert string `json:"client_alert,omitempty"`
}

// Hello summarises a ClientHello.
type Hello struct {
	// Versions the client offers (supported_versions, or the legacy
	// version when it sent no such extension: then VersionsExplicit is
	// false and lower versions are implied).
	Versions         []string `json:"versions"`
	VersionsExplicit bool     `json:"versions_explicit"`
	Suites           []Suite  `json:"suites"`
	Groups           []string `json:"groups"`
	// PostQuantum lists hybrid or pure post-quantum groups offered.
	PostQuantum []string `json:"post_quantum,omitempty"`
	SNI         string   `json:"sni,omitempty"`
	ALPN        []string `json:"alpn,omitempty"`
	SigSchemes  []string `json:"signature_schemes,omitempty"`
	Extensions  []uint16 `json:"extensions,omitempty"`
}

// Suite is one offered cipher suite with its weaknesses (wire.Suite.Weak:
// null, export, anon, rc4, des, 3des, cbc, static-rsa, static-dh, md5).
type Suite struct {
	Name string   `json:"name"`
	Weak []string `json:"weak,omitempty"`
}

// Auth is one SASL exchange.
type Auth struct {
	Mechanism string `json:"mechanism"`
	// InClear: sent before any TLS.
	InClear bool `json:"in_clear"`
	// Offered are the mechanisms the tester offered at that point.
	Offered []string `json:"offered"`
	// CredentialsSent: the client sent its password (PLAIN) or a SCRAM
	// proof (client-final-message).
	CredentialsSent bool `json:"credentials_sent"`
	// Valid: the credentials were right (the proof checked out).
	Valid bool `json:"valid"`
	// GS2 is the SCRAM gs2 channel-binding flag ("n", "y" or "p");
	// CBType the binding type after p=; CBValid whether the binding data
	// matched this TLS connection.
	GS2     string `json:"gs2,omitempty"`
	CBType  string `json:"cb_type,omitempty"`
	CBValid bool   `json:"cb_valid,omitempty"`
	// Iterations the tester asked for; FinalAfterMS how long the client
	// took to answer the server-first-message (-1: it never did).
	Iterations   int   `json:"iterations,omitempty"`
	FinalAfterMS int64 `json:"final_after_ms,omitempty"`
	// Aborted: the client sent <abort/>.
	Aborted bool `json:"aborted,omitempty"`
	// Outcome: success, failure (wrong credentials), or "" when the client
	// left before it was decided.
	Outcome string `json:"outcome,omitempty"`
	// Error is a malformed SASL message, when that is what came.
	Error string `json:"error,omitempty"`
}

// SoftwareVersion is a XEP-0092 answer.
type SoftwareVersion struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	OS      string `json:"os,omitempty"`
	// Answered: the client replied with a result (not an error).
	Answered bool   `json:"answered"`
	Raw      string `json:"raw,omitempty"`
}
