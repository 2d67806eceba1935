package report

import (
	"strings"
	"testing"
	"time"

	"github.com/imscore/imscore/probes"
)

// sampleClientReport is a client test (imscore test-client xmpp): target
// kind xmpp-client, findings with the evidence kinds the tester writes
// (tls-handshake with a ClientHello, the stream time line and transcript,
// the client process) and remediation by client and library.
func sampleClientReport() *Report {
	ep := "starttls-stripped #1 from 127.0.0.1:40312"
	hello := "ClientHello\n  versions: TLSv1.3, TLSv1.2\n  SNI: test.example\n  ALPN: (none)\n  groups: x25519, secp256r1\n  suites: TLS_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA (cbc)"
	return &Report{
		SchemaVersion: SchemaVersion,
		Tool:          Tool{Name: "imscore", Version: "0.1.0", Commit: "636c9c6"},
		Target:        Target{Kind: "xmpp-client", Name: "Sample Client 1.2", Host: "127.0.0.1", Port: 5222, XMPPDomain: "test.example", Endpoints: []probes.Endpoint{}},
		StartedAt:     time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC),
		DurationMS:    61234,
		Grade:         "F",
		Score:         52,
		Caps:          []Cap{{Criterion: "xmpp.client.starttls-stripped", Grade: "F", Reason: "the client sends its credentials in the clear to a man in the middle"}},
		Areas: []Area{
			{ID: "tls", Score: 50, Grade: "F", Earned: 40, Possible: 80},
			{ID: "auth", Score: 50, Grade: "D", Earned: 10, Possible: 20},
			{ID: "hardening", Score: 0, Grade: "?", Earned: 0, Possible: 0, ErrorWeight: 10},
		},
		Findings: []Finding{
			{
				Criterion: "xmpp.client.starttls-stripped", Area: "tls", Status: Fail, Severity: "critical", Weight: 20,
				Title:   "No login in the clear when STARTTLS is stripped",
				Summary: "The client sent its password in the clear (SASL PLAIN) when the server offered no STARTTLS.",
				Evidence: []probes.Evidence{
					{Endpoint: ep, Kind: "stream",
						Sent:     "+2ms client connected from 127.0.0.1:40312\n+3ms tester sent its stream header and features: no starttls, SASL SCRAM-SHA-256 SCRAM-SHA-1 PLAIN\n+4ms client started SASL PLAIN IN THE CLEAR (no TLS)",
						Received: "<?xml version='1.0'?><stream:stream to='test.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>\n<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>[PLAIN authzid=\"\" authcid=\"tester\" password=<redacted>]</auth>",
						Detail:   "the client closed the TCP connection (412 bytes from the client; ended after 31 ms)"},
					{Kind: "process", Sent: "sample-client --jid {jid} --password {password} --host {host}:{port}", Received: "connected\n", Detail: "exited 0"},
				},
				Remediation: map[string]string{
					"profanity":   "/account set ACCOUNT tls force",
					"general":     "Never authenticate over an unencrypted stream.",
					"mcabber":     "set tls = 1",
					"go-sendxmpp": "go-sendxmpp already refuses.",
				},
				References: []Reference{{Title: "RFC 6120 §5.3.1: STARTTLS Negotiation, Mandatory-to-Negotiate", URL: "https://www.rfc-editor.org/rfc/rfc6120#section-5.3.1"}},
			},
			{
				Criterion: "xmpp.client.cert-untrusted", Area: "tls", Status: Pass, Severity: "critical", Weight: 20,
				Title:   "Refuses certificates from unknown CAs and self-signed ones",
				Summary: "Shown a self-signed certificate, the client aborted the TLS handshake (alert \"bad certificate\").",
				Evidence: []probes.Evidence{
					{Endpoint: "cert-self-signed #1 from 127.0.0.1:40320", Kind: "tls-handshake", Received: hello,
						Detail: "certificate presented: self-signed; handshake failed: remote error: tls: bad certificate"},
				},
				References: []Reference{{Title: "RFC 6120 §13.7.2: Certificate Validation", URL: "https://www.rfc-editor.org/rfc/rfc6120#section-13.7.2"}},
			},
			{
				Criterion: "xmpp.client.sasl-choice", Area: "auth", Status: Warn, Severity: "medium", Weight: 10,
				Title:       "Prefers SCRAM over PLAIN, with channel binding when offered",
				Summary:     "The client chose SCRAM-SHA-256 (offered: SCRAM-SHA-256, SCRAM-SHA-1, PLAIN). Offered -PLUS, the client used SCRAM-SHA-256 without channel binding.",
				Remediation: map[string]string{"general": "Prefer SCRAM-SHA-256-PLUS with tls-exporter.", "libstrophe": "Implement the -PLUS variants."},
				References:  []Reference{{Title: "RFC 9266: Channel Bindings for TLS 1.3", URL: "https://www.rfc-editor.org/rfc/rfc9266"}},
			},
			{
				Criterion: "xmpp.client.mam-spoofing", Area: "hardening", Status: Info, Severity: "high", Weight: 10,
				Title:      "Ignores archive results from foreign senders",
				Summary:    "The server sees no reaction to an archive result from a foreign JID (it sent 2 more element(s) and no reply, receipt or marker for it). Check the client's display: a safe client shows no message from boss@test.example.",
				References: []Reference{{Title: "XEP-0313 §9", URL: "https://xmpp.org/extensions/xep-0313.html#security"}},
			},
			{
				Criterion: "xmpp.client.xml-hardening", Area: "hardening", Status: Error, Severity: "high", Weight: 10,
				Title:      "Ends the session on XML bombs and oversized elements",
				Summary:    "Could not be measured: scenario xml-entity-bomb: the client crashed (killed by SIGSEGV) without connecting.",
				Evidence:   []probes.Evidence{{Kind: "process", Sent: "sample-client …", Detail: "killed by SIGSEGV — the client CRASHED"}},
				References: []Reference{{Title: "RFC 6120 §11.1", URL: "https://www.rfc-editor.org/rfc/rfc6120#section-11.1"}},
			},
			{
				Criterion: "xmpp.client.tls-alpn", Area: "tls", Status: Skip, Severity: "low", Weight: 1,
				Title:   "Offers ALPN xmpp-client on direct TLS",
				Summary: "The client did not use direct TLS (XEP-0368); ALPN only matters there.",
			},
		},
		Observations: []probes.Observation{
			{Probe: "client.login", Status: probes.StatusOK, DurationMS: 3120,
				Evidence: []probes.Evidence{{Endpoint: "login #1 from 127.0.0.1:40300", Kind: "stream", Detail: "the scenario was over: the tester closed the stream"}}},
			{Probe: "client.xml-entity-bomb", Status: probes.StatusTimeout, Reason: "the client crashed (killed by SIGSEGV) without connecting", DurationMS: 80},
		},
	}
}

func TestGoldenClientReport(t *testing.T) {
	r := sampleClientReport()
	golden(t, "report-client.json", renderJSON(t, r))
	golden(t, "report-client.txt", renderTable(t, r, TableOptions{}))
	golden(t, "report-client.junit.xml", renderJUnit(t, r))
	golden(t, "report-client.sarif.json", renderSARIF(t, r))
}

func TestClientReportValidates(t *testing.T) {
	r := sampleClientReport()
	validate(t, renderJSON(t, r))
	if err := validateSARIF(t, compileSARIFSchema(t), renderSARIF(t, r)); err != nil {
		t.Errorf("SARIF: %v", err)
	}
	if msg := xmllint(t, renderJUnit(t, r)); msg != "" {
		t.Errorf("JUnit: %s", msg)
	}
	// Fixes are listed general first, then clients before their libraries.
	tbl := string(renderTable(t, r, TableOptions{Width: 120}))
	g, p, m := strings.Index(tbl, "general:"), strings.Index(tbl, "profanity:"), strings.Index(tbl, "mcabber:")
	if g < 0 || p < g || m < p {
		t.Errorf("fix order general, profanity, mcabber not kept:\n%s", tbl)
	}
	back, err := ReadJSON(strings.NewReader(string(renderJSON(t, r))))
	if err != nil || back.Target.Kind != "xmpp-client" {
		t.Fatalf("round trip: %v %+v", err, back)
	}
}
