package probes

import "strings"

// Target is what a scan looks at, as its report names it (the report's
// "target" object, schema_version 1; report.Target is this type).
type Target struct {
	// Kind: xmpp, matrix, tls, or xmpp-client (imscore test-client xmpp).
	Kind string `json:"kind"`
	// Name as the user gave it (domain, server name or host:port); for a
	// client test, the client's name and version as it told them (or
	// --client-name).
	Name string `json:"name"`
	Host string `json:"host,omitempty"`
	Port int    `json:"port,omitempty"`
	// StartTLS: "", xmpp-client, xmpp-server.
	StartTLS   string `json:"starttls,omitempty"`
	SNI        string `json:"sni,omitempty"`
	XMPPDomain string `json:"xmpp_domain,omitempty"`
	// Endpoints are every address that was probed.
	Endpoints []Endpoint `json:"endpoints"`
	// Unreached are the addresses that were not tested because of where
	// the scan ran: not reachable from this vantage point (no route), or
	// left out by -4/-6. No criterion counts them (see net.dual-stack).
	Unreached []Unreached `json:"unreached,omitempty"`
}

// Label names the target for people: the name given and, for a TLS scan
// that sends another server name than the host (--sni, or the XMPP domain
// of a STARTTLS scan), that name too — "test.example at 127.0.0.1:8443" —
// so that names served by one address are told apart.
func (t Target) Label() string {
	if t.Kind == "tls" && t.SNI != "" && !strings.EqualFold(t.SNI, t.Host) {
		return t.SNI + " at " + t.Name
	}
	return t.Name
}

// Spec is one scan of one target as its protocol package describes it:
// what to run and how to read the outcome. tls.ScanSpec, xmpp.ScanSpec and
// matrix.ScanSpec build them from the command line's argument; package
// scan runs them.
type Spec struct {
	// Target names what is scanned; Target.Kind is the kind of scan.
	// Its Endpoints are filled from the results (see Endpoints).
	Target Target
	// Probes are every probe of the scan.
	Probes []Probe
	// Scannable returns an error, the one-line reason, when the scan did
	// not reach the service at all (unknown name, refused, not TLS): the
	// report would grade a server nobody reached.
	Scannable func(Results) error
	// Endpoints lists every address that was probed, for the report.
	Endpoints func(Results) []Endpoint
}

// Kind is the kind of scan: xmpp, matrix or tls.
func (s Spec) Kind() string { return s.Target.Kind }

// ReasonOf is why o did not succeed, in one line: its reason, else its
// status; "probe did not run" for a missing observation.
func ReasonOf(o *Observation) string {
	if o == nil {
		return "probe did not run"
	}
	if o.Reason != "" {
		return o.Reason
	}
	return string(o.Status)
}
