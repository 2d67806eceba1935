package clienttest

import (
	"fmt"
	"strings"

	"github.com/imscore/imscore/probes"
)

// Evidence is what a finding cites from a scenario: per connection the
// ClientHello and the handshake, the time line, and what the client sent
// (decrypted, SASL payloads decoded, the password redacted); and how the
// client process ended.
func (r *Result) Evidence() []probes.Evidence {
	if r == nil {
		return nil
	}
	var ev []probes.Evidence
	for i, s := range r.Sessions {
		ep := fmt.Sprintf("%s #%d from %s", r.Scenario, i+1, s.Remote)
		if s.TLS != nil {
			d := "certificate presented: " + s.TLS.Cert
			if s.TLS.Done {
				d += "; handshake done: " + s.TLS.Version + " " + s.TLS.Suite
				if s.TLS.ALPN != "" {
					d += ", ALPN " + s.TLS.ALPN
				}
			} else if s.TLS.Error != "" {
				d += "; handshake failed: " + s.TLS.Error
			}
			ev = append(ev, probes.Evidence{Endpoint: ep, Kind: "tls-handshake", Received: s.TLS.Hello.String(), Detail: d})
		}
		ev = append(ev, probes.Evidence{Endpoint: ep, Kind: "stream",
			Sent:     strings.Join(s.Events, "\n"),
			Received: s.Transcript,
			Detail:   fmt.Sprintf("%s (%d bytes from the client; ended after %d ms)", s.End, s.Bytes, s.EndMS-s.StartMS)})
	}
	if r.Extra > 0 {
		ev = append(ev, probes.Evidence{Kind: "note", Detail: fmt.Sprintf("%d further connections were refused (at most %d per scenario)", r.Extra, maxSessions)})
	}
	if c := r.Child; c != nil {
		d := c.Exit
		switch {
		case c.Error != "":
			d = "could not start: " + c.Error
		case c.Crashed:
			d += " — the client CRASHED"
		case c.AtDeadline:
			d += fmt.Sprintf(" — still running at the deadline (%d ms), stopped by imscore (process group)", r.DeadlineMS)
		case c.KilledByUs:
			d += " — stopped by imscore after the scenario (process group)"
		}
		ev = append(ev, probes.Evidence{Kind: "process", Sent: c.Command, Received: c.Output, Detail: d})
	}
	return ev
}
