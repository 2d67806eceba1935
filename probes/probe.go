// Package probes is imscore's probe framework: the Probe interface, the
// registry of probes for one scan, the Env that holds every side effect
// (dialer, resolver, TLS handshaker, HTTP client, clock, logger) and the
// runner that executes probes as a dependency DAG with bounded concurrency.
//
// Probes do all network I/O. A network failure is an Observation with a
// Status (refused, timeout, tls-error, ...), never a Go error: a Go error or a
// panic inside a probe is a bug, and the runner turns it into an "error"
// observation so one broken probe cannot take a scan down.
package probes

import (
	"context"
	"time"
)

// ID names a probe, e.g. "tls.versions".
type ID string

// Status is the outcome class of an observation.
type Status string

// Observation statuses. The set is part of the JSON contract.
const (
	StatusOK          Status = "ok"
	StatusRefused     Status = "refused"     // TCP connection refused
	StatusTimeout     Status = "timeout"     // no answer in time
	StatusUnreachable Status = "unreachable" // no route, network down, address not usable
	// StatusNoRoute: this machine has no route to the address (a connect
	// fails locally, before any packet leaves: ENETUNREACH, EHOSTUNREACH,
	// EADDRNOTAVAIL), so the address cannot be tested from this vantage
	// point. It says nothing about the server.
	StatusNoRoute  Status = "no-route"
	StatusDNSError Status = "dns-error" // name does not resolve or the resolver failed
	StatusTLSError Status = "tls-error" // TLS handshake failed
	// StatusNoTLS: the service offers no TLS at all (an XMPP server that
	// does not advertise STARTTLS), so its TLS cannot be measured: there is
	// none. The protocol's own criteria judge that absence.
	StatusNoTLS         Status = "no-tls"
	StatusProtocolError Status = "protocol-error" // the peer spoke, but not what we expected
	StatusDepFailed     Status = "dep-failed"     // a probe this one needs did not succeed
	StatusNotApplicable Status = "not-applicable" // nothing to measure for this target
	StatusError         Status = "error"          // a bug, a panic or a cancelled scan
)

// Failed reports whether s means the probe did not produce usable data.
func (s Status) Failed() bool { return s != StatusOK }

// Evidence is one thing a probe sent or saw. Secrets are redacted before
// they get here.
type Evidence struct {
	Endpoint string `json:"endpoint,omitempty"`
	// Kind is one of dns, tcp, tls-handshake, stream, http, note.
	Kind     string `json:"kind"`
	Sent     string `json:"sent,omitempty"`
	Received string `json:"received,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Observation is what a probe returns. Data holds the probe's typed result
// (for example *tls.VersionsData); it is marshalled into the JSON report.
type Observation struct {
	Probe      ID         `json:"probe"`
	Status     Status     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	DurationMS int64      `json:"duration_ms"`
	Evidence   []Evidence `json:"evidence,omitempty"`
	Data       any        `json:"data,omitempty"`
}

// Probe is one unit of observation.
type Probe interface {
	ID() ID
	// Requires lists the probes whose observations this one reads. The
	// runner starts it only when all of them are done and StatusOK.
	Requires() []ID
	// Timeout bounds the probe's run; zero means the runner's default.
	Timeout() time.Duration
	// Run observes. It must honour ctx and return an Observation; the
	// runner fills in Probe and DurationMS.
	Run(ctx context.Context, env *Env, in Results) Observation
}

// Optional is implemented by probes that read other probes' observations
// when there are any, whatever their status: the runner starts such a probe
// after them and passes them in, but does not fail it when they failed
// (unlike Requires). IDs that are not registered are ignored.
type Optional interface {
	Wanted() []ID
}

// Final is implemented by probes that run after every other probe of the
// scan (not Final ones) and receive all their observations as optional
// inputs: a probe that reports what the whole scan met (net.vantage).
type Final interface {
	RunsLast() bool
}

// IsFinal reports whether p runs after every other probe.
func IsFinal(p Probe) bool {
	f, ok := p.(Final)
	return ok && f.RunsLast()
}

// WantedBy returns p's optional inputs (nil when it has none).
func WantedBy(p Probe) []ID {
	if o, ok := p.(Optional); ok {
		return o.Wanted()
	}
	return nil
}

// Func adapts a function to the Probe interface.
type Func struct {
	Name  ID
	Needs []ID
	// Wants are optional inputs (see Optional).
	Wants []ID
	Limit time.Duration
	// Last makes the probe Final: it runs after every other probe.
	Last bool
	Fn   func(ctx context.Context, env *Env, in Results) Observation
}

func (f Func) ID() ID                 { return f.Name }
func (f Func) Requires() []ID         { return f.Needs }
func (f Func) Wanted() []ID           { return f.Wants }
func (f Func) Timeout() time.Duration { return f.Limit }
func (f Func) RunsLast() bool         { return f.Last }
func (f Func) Run(ctx context.Context, env *Env, in Results) Observation {
	return f.Fn(ctx, env, in)
}

// Results maps probe IDs to their observations. Criteria read only this.
type Results map[ID]*Observation

// Get returns the observation of probe id, or nil.
func (r Results) Get(id ID) *Observation {
	if r == nil {
		return nil
	}
	return r[id]
}
