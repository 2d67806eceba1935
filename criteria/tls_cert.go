package criteria

import (
	"fmt"
	"sort"
	"strings"

	"github.com/imscore/imscore/probes"
	"github.com/imscore/imscore/report"
	"github.com/imscore/imscore/tls"
)

// tlsCertCriteria binds the certificate, OCSP and DANE criteria of tls_cert.yaml.
var tlsCertCriteria = []binding{
	{"tls.cert.trusted", evalTrusted},
	{"tls.cert.valid-now", evalValidNow},
	{"tls.cert.name-match", evalNameMatch},
	{"tls.cert.key-strength", evalKeyStrength},
	{"tls.cert.signature", evalSignature},
	{"tls.ocsp-stapling", evalOCSP},
	{"tls.dane", evalDANE},
}

func certEval(in Input, what string, fn func(d *tls.HandshakeData, h tls.EndpointHandshake) epVerdict) Verdict {
	return perEndpoint(in, what, "no certificate: ",
		func(k tls.Keys) probes.Key[*tls.HandshakeData] { return k.Handshake },
		func(d *tls.HandshakeData) []tls.EndpointHandshake { return d.Endpoints },
		func(h tls.EndpointHandshake) tls.EndpointResult { return h.EndpointResult },
		func(d *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
			if len(h.Chain) == 0 {
				return epVerdict{Status: report.Error, Summary: "no certificate: " + h.Reason}
			}
			v := fn(d, h)
			if v.Evidence == nil {
				v.Evidence = []probes.Evidence{chainEvidence(h)}
			}
			return v
		})
}

func chainEvidence(h tls.EndpointHandshake) probes.Evidence {
	var b strings.Builder
	for i, c := range h.Chain {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "#%d subject=%s issuer=%s key=%s-%d sig=%s valid=%s..%s", i, c.Subject, c.Issuer, c.KeyType, c.KeyBits, c.SignatureAlg,
			c.NotBefore.Format("2006-01-02"), c.NotAfter.Format("2006-01-02"))
		if i == 0 {
			var names []string
			names = append(names, c.DNSNames...)
			names = append(names, c.IPAddresses...)
			for _, x := range c.XMPPAddrs {
				names = append(names, "xmppAddr:"+x)
			}
			for _, x := range c.SRVNames {
				names = append(names, "SRV:"+x)
			}
			if len(names) > 0 {
				fmt.Fprintf(&b, " names=%s", strings.Join(names, ","))
			}
		}
	}
	return probes.Evidence{Endpoint: h.Endpoint.Addr, Kind: "tls-handshake", Detail: fmt.Sprintf("%s %s, chain from %s", h.Version, h.CipherSuite, h.ChainSource), Received: b.String()}
}

func evalTrusted(in Input) Verdict {
	return certEval(in, "Certificate trust", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		if h.Trusted {
			return epVerdict{Status: report.Pass, Summary: "chain verifies to a trusted root (" + h.VerifiedChain[len(h.VerifiedChain)-1] + ")"}
		}
		return epVerdict{Status: report.Fail, Summary: "untrusted: " + h.TrustError}
	})
}

func evalValidNow(in Input) Verdict {
	return certEval(in, "Certificate validity", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		switch {
		case !h.ValidNow:
			return epVerdict{Status: report.Fail, Summary: h.ValidityError}
		case h.DaysLeft <= 14:
			return epVerdict{Status: report.Warn, Summary: fmt.Sprintf("expires in %d days (%s)", h.DaysLeft, h.Chain[0].NotAfter.Format("2006-01-02"))}
		}
		return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("valid, %d days left", h.DaysLeft)}
	})
}

func evalNameMatch(in Input) Verdict {
	return certEval(in, "Certificate name", func(d *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		refs := ""
		if d != nil {
			refs = strings.Join(d.Names, ", ")
		}
		if h.NameMatch {
			if h.MatchedBy == "CN" {
				return epVerdict{Status: report.Warn, Summary: "matches " + h.MatchedName + " only by the subject CN (no subjectAltName); modern clients reject this"}
			}
			return epVerdict{Status: report.Pass, Summary: fmt.Sprintf("matches %s (%s)", h.MatchedName, h.MatchedBy)}
		}
		leaf := h.Chain[0]
		var names []string
		names = append(names, leaf.DNSNames...)
		names = append(names, leaf.IPAddresses...)
		for _, x := range leaf.XMPPAddrs {
			names = append(names, "xmppAddr:"+x)
		}
		for _, x := range leaf.SRVNames {
			names = append(names, "SRV:"+x)
		}
		if len(names) == 0 {
			names = []string{"CN=" + leaf.Subject}
		}
		return epVerdict{Status: report.Fail, Summary: fmt.Sprintf("certificate is for %s, not %s", list(names, 4), refs)}
	})
}

func evalKeyStrength(in Input) Verdict {
	return certEval(in, "Certificate key", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		l := h.Chain[0]
		desc := fmt.Sprintf("%s %d bits", l.KeyType, l.KeyBits)
		switch l.KeyType {
		case "DSA":
			if l.KeyBits < 1024 {
				return epVerdict{Status: report.Fail, Summary: desc + " (breakable)", Cap: "F", CapReason: "a certificate key below 1024 bits can be factored"}
			}
			return epVerdict{Status: report.Fail, Summary: desc + " (DSA is withdrawn by FIPS 186-5; use ECDSA P-256 or RSA 2048+)"}
		case "RSA":
			if l.KeyBits < 1024 {
				return epVerdict{Status: report.Fail, Summary: desc + " (breakable)", Cap: "F", CapReason: "a certificate key below 1024 bits can be factored"}
			}
			if l.KeyBits < 2048 {
				return epVerdict{Status: report.Fail, Summary: desc + " (2048 or more required)"}
			}
		case "ECDSA":
			if l.KeyBits < 256 {
				return epVerdict{Status: report.Fail, Summary: desc + " (256 or more required)"}
			}
		case "Ed25519":
		default:
			return epVerdict{Status: report.Error, Summary: "unknown key type " + l.KeyType}
		}
		return epVerdict{Status: report.Pass, Summary: desc}
	})
}

func evalSignature(in Input) Verdict {
	return certEval(in, "Certificate signature", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		var weak []string
		for i, c := range h.Chain {
			if i > 0 && c.SelfSigned {
				continue // a root's self-signature is not checked by clients
			}
			a := strings.ToUpper(c.SignatureAlg)
			if strings.Contains(a, "MD5") || strings.Contains(a, "SHA1") || strings.Contains(a, "MD2") {
				weak = append(weak, fmt.Sprintf("#%d %s", i, c.SignatureAlg))
			}
		}
		if len(weak) > 0 {
			return epVerdict{Status: report.Fail, Summary: "weak signature: " + strings.Join(weak, ", ")}
		}
		return epVerdict{Status: report.Pass, Summary: "signed with " + h.Chain[0].SignatureAlg}
	})
}

func evalOCSP(in Input) Verdict {
	return certEval(in, "OCSP stapling", func(_ *tls.HandshakeData, h tls.EndpointHandshake) epVerdict {
		ev := []probes.Evidence{{Endpoint: h.Endpoint.Addr, Kind: "tls-handshake", Sent: "ClientHello with status_request",
			Received: fmt.Sprintf("stapled=%t status=%s next_update=%s; OCSP responders in certificate: %s", h.OCSPStapled, h.OCSPStatus, h.OCSPNextUpdate, strings.Join(h.Chain[0].OCSPServers, ", "))}}
		switch {
		case h.OCSPStatus == "revoked":
			return epVerdict{Status: report.Fail, Summary: "stapled OCSP response says the certificate is REVOKED", Evidence: ev}
		case h.OCSPStatus == "good":
			return epVerdict{Status: report.Pass, Summary: "a good OCSP response is stapled", Evidence: ev}
		case h.OCSPStapled:
			return epVerdict{Status: report.Warn, Summary: "stapled OCSP response is " + h.OCSPStatus, Evidence: ev}
		case len(h.Chain[0].OCSPServers) == 0:
			return epVerdict{Status: report.Skip, Summary: "certificate names no OCSP responder: stapling not applicable", Evidence: ev}
		}
		return epVerdict{Status: report.Warn, Summary: "no OCSP response stapled", Evidence: ev}
	})
}

func evalDANE(in Input) Verdict {
	var vs []epVerdict
	for _, set := range tlsSets(in) {
		k := set.Keys.DANE
		d, ok := k.OK(in.Results)
		if !ok {
			vs = append(vs, set.missing(in, k.ID, "DANE"))
			continue
		}
		v := daneVerdict(d, in.Results.Get(k.ID).Evidence)
		vs = append(vs, epVerdict{Endpoint: set.Label, Status: v.Status, Summary: v.Summary, Evidence: v.Evidence})
	}
	v := combine(vs)
	return v
}

func daneVerdict(d *tls.DANEData, ev []probes.Evidence) Verdict {
	if len(d.Targets) > 0 {
		// Several SRV targets, each with its own TLSA name: the worst
		// target decides, and is named.
		deployed := false
		for _, t := range d.Targets {
			deployed = deployed || len(t.Records) > 0
		}
		var vs []epVerdict
		for _, t := range d.Targets {
			if t.Error != "" {
				vs = append(vs, epVerdict{Endpoint: t.Name, Status: report.Error, Summary: "TLSA records could not be asked: " + t.Error, Evidence: ev})
				continue
			}
			v := daneVerdict(t, ev)
			if deployed && len(t.Records) == 0 {
				// DANE on some targets only: a DANE client that lands on
				// this one has nothing to check (RFC 7673 §3).
				v.Status, v.Summary = report.Warn, "no TLSA records at "+t.Name+" although other SRV targets have them: this target is not DANE-protected"
			}
			vs = append(vs, epVerdict{Endpoint: t.Name, Status: v.Status, Summary: v.Summary, Evidence: v.Evidence})
		}
		return combine(vs)
	}
	if len(d.Records) == 0 {
		return Verdict{Status: report.Info, Summary: "no TLSA records at " + d.Name + " (DANE not deployed)", Evidence: ev}
	}
	var unmatched, unmeasured []string
	for _, e := range d.Endpoints {
		switch {
		case e.Status == probes.StatusNoTLS:
			// No TLS there, so no chain to match: the protocol's criteria
			// fail that endpoint.
		case e.Status != probes.StatusOK:
			unmeasured = append(unmeasured, e.Endpoint.Addr)
		case !e.Matched:
			unmatched = append(unmatched, e.Endpoint.Addr)
		}
	}
	var notes []string
	for _, r := range d.Records {
		notes = append(notes, fmt.Sprintf("TLSA %d %d %d %s…: %s", r.Usage, r.Selector, r.MatchingType, truncHex(r.Data), r.Note))
	}
	ev = append(append([]probes.Evidence(nil), ev...), probes.Evidence{Kind: "note", Detail: strings.Join(notes, "\n")})
	sort.Strings(unmatched)
	switch {
	case len(d.Endpoints) == 0:
		return Verdict{Status: report.Error, Summary: "TLSA records exist but no chain was fetched", Evidence: ev}
	case len(unmatched) > 0:
		return Verdict{Status: report.Fail, Summary: "no TLSA record matches the chain served by " + strings.Join(unmatched, ", "), Evidence: ev}
	case len(unmeasured) > 0:
		return Verdict{Status: report.Error, Summary: "TLSA records exist but " + strings.Join(unmeasured, ", ") + " served no chain to compare", Evidence: ev}
	case !d.AD:
		return Verdict{Status: report.Warn, Summary: "DANE not usable: TLSA records match but the TLSA answer is not DNSSEC-authenticated (AD=0" + resolverOf(d.DNSSEC) + "), so DANE clients ignore them (RFC 7672 §2.2)", Evidence: ev}
	case d.SRV != nil && d.SRV.State != probes.DNSSECSecure:
		return Verdict{Status: report.Warn, Summary: fmt.Sprintf("DANE not usable: TLSA records match and are authenticated, but the SRV answer %s they hang off is %s; a client uses TLSA records at an SRV target only when the SRV answer is secure (RFC 7673 §3)",
			d.SRV.Name, d.SRV.State), Evidence: ev}
	}
	return Verdict{Status: report.Pass, Summary: fmt.Sprintf("%d TLSA records, DNSSEC-authenticated, matching every endpoint", len(d.Records)), Evidence: ev}
}

// resolverOf names the resolver that was trusted to validate ("" when
// unknown).
func resolverOf(d *probes.DNSSEC) string {
	if d == nil || d.Resolver == "" {
		return ""
	}
	return ", resolver " + d.Resolver
}

func truncHex(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}
