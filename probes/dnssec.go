package probes

import "github.com/miekg/dns"

// DNSSEC states of one answer, as the resolver that was asked reports it.
const (
	// DNSSECSecure: the AD bit is set: the resolver validated the answer
	// (or the proof that the name or type does not exist).
	DNSSECSecure = "secure"
	// DNSSECInsecure: no AD bit and no signatures: the zone is not signed
	// (or has no secure delegation).
	DNSSECInsecure = "insecure"
	// DNSSECUnvalidated: signatures came with the answer but no AD bit: the
	// resolver did not validate, so nothing can be said.
	DNSSECUnvalidated = "unvalidated"
	// DNSSECBogus: the resolver refused the answer because its signatures
	// do not validate (SERVFAIL that a checking-disabled query answers, or
	// an Extended DNS Error that says so).
	DNSSECBogus = "bogus"
	// DNSSECFailed: no usable answer (SERVFAIL, REFUSED, no response) for
	// a reason not known to be DNSSEC.
	DNSSECFailed = "failed"
)

// DNSSEC is what one answer says about its authenticity, and which
// resolver said it: imscore does not validate signatures itself but trusts
// the resolver it asks (--resolver, or the system's) to set the AD bit.
type DNSSEC struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Resolver string `json:"resolver"`
	State    string `json:"state"`
	// Detail is the rcode and Extended DNS Errors of a failed answer.
	Detail string `json:"detail,omitempty"`
}

// bogusEDE are the Extended DNS Error codes (RFC 8914 §4) that say a
// validating resolver found the signatures wrong or missing.
var bogusEDE = map[uint16]bool{
	dns.ExtendedErrorCodeDNSBogus:             true,
	dns.ExtendedErrorCodeSignatureExpired:     true,
	dns.ExtendedErrorCodeSignatureNotYetValid: true,
	dns.ExtendedErrorCodeDNSKEYMissing:        true,
	dns.ExtendedErrorCodeRRSIGsMissing:        true,
	dns.ExtendedErrorCodeNSECMissing:          true,
}

// DNSSEC classifies the answer.
func (a *Answer) DNSSEC() *DNSSEC {
	d := &DNSSEC{Name: a.Name, Type: dns.TypeToString[a.Type], Resolver: a.Server}
	switch {
	case a.Rcode != dns.RcodeSuccess && a.Rcode != dns.RcodeNameError:
		d.State, d.Detail = DNSSECFailed, a.Problem()
		if a.Bogus || a.bogusEDE() {
			d.State = DNSSECBogus
		}
	case a.AD:
		d.State = DNSSECSecure
	case a.Sigs > 0:
		d.State = DNSSECUnvalidated
	default:
		d.State = DNSSECInsecure
	}
	return d
}

func (a *Answer) bogusEDE() bool {
	for _, c := range a.EDECodes {
		if bogusEDE[c] {
			return true
		}
	}
	return false
}

// NoAnswerDNSSEC is the state of a question that got no response at all.
func NoAnswerDNSSEC(name string, qtype uint16, err error) *DNSSEC {
	return &DNSSEC{Name: dns.Fqdn(name), Type: dns.TypeToString[qtype], State: DNSSECFailed, Detail: "no answer: " + err.Error()}
}
